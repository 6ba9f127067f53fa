"""Issue 8 item 6: the caller's own permissions are checked before the first write of a plan.

The check reads ``{scope}/providers/Microsoft.Authorization/permissions``
(Permissions_ListForResourceGroup / Permissions_ListForResource, azure-rest-api-specs
``specification/authorization/.../stable/2022-04-01/authorization-ProviderOperationsCalls``:
``{"value": [{"actions", "notActions", "dataActions", "notDataActions"}], "nextLink"}``).
"""

from __future__ import annotations

import pytest

from aks_identity import AuthorizationError, Azure, RetryPolicy
from aks_identity.emulator import Emulator

from .conftest import RG, writes_since

PERMISSIONS = "/providers/Microsoft.Authorization/permissions"


def _client(emu: Emulator, principal: str) -> Azure:
    return Azure(
        emu.credential(principal),
        emu.subscription_id,
        base_url=emu.url,
        connection_verify=emu.ca_bundle,
        retry=RetryPolicy(clock=emu.clock.now, sleep=emu.clock.sleep, progress=False),
    )


def _permission_reads(emu: Emulator, first: int = 0) -> list[str]:
    """Permission reads (paths lower-cased: the SDK spells ``resourcegroups``)."""
    return [r.path.lower() for r in list(emu.requests)[first:] if r.path.endswith(PERMISSIONS)]


def _group(emu: Emulator, name: str = RG) -> str:
    return f"/subscriptions/{emu.subscription_id}/resourceGroups/{name}"


def _read(scope: object) -> str:
    return f"{scope}{PERMISSIONS}".lower()


def test_contributor_cannot_create_a_cluster_that_grants(az: Azure, rg: str, emu: Emulator) -> None:
    control = az.create_identity("control", resource_group=rg)
    kubelet = az.create_identity("kubelet", resource_group=rg)
    contributor = _client(emu, emu.create_caller("dev", role="Contributor"))
    first = len(emu.requests)
    with pytest.raises(AuthorizationError) as refused:
        contributor.create_cluster(
            "c", resource_group=rg, identity=control.id, kubelet_identity=kubelet.id
        )
    assert writes_since(emu, first) == []  # refused before any write
    message = str(refused.value)
    assert "Microsoft.Authorization/roleAssignments/write" in message
    assert str(kubelet.id) in message  # the scope of the Managed Identity Operator grant
    assert "Role Based Access Control Administrator" in message
    assert "Nothing was written" in message
    missing = refused.value.missing  # type: ignore[attr-defined]
    assert [(m.action, m.scope) for m in missing] == [
        ("Microsoft.Authorization/roleAssignments/write", kubelet.id)
    ]
    assert refused.value.status == 403 and refused.value.code == "AuthorizationFailed"
    # one read of the resource group, one of the kubelet identity (the group's did not grant it)
    assert _permission_reads(emu, first) == [
        _read(_group(emu)),
        _read(kubelet.id),
    ]


def test_without_the_grant_the_contributor_may_create(az: Azure, rg: str, emu: Emulator) -> None:
    control = az.create_identity("control", resource_group=rg)
    kubelet = az.create_identity("kubelet", resource_group=rg)
    control.grant("Managed Identity Operator", scope=kubelet.id)  # by an administrator
    contributor = _client(emu, emu.create_caller("dev", role="Contributor"))
    cluster = contributor.create_cluster(
        "c",
        resource_group=rg,
        identity=control.id,
        kubelet_identity=kubelet.id,
        grant_kubelet_operator=False,
    )
    assert cluster.kubelet_identity is not None


def test_a_narrower_grant_is_read_only_when_needed(az: Azure, rg: str, emu: Emulator) -> None:
    control = az.create_identity("control", resource_group=rg)
    kubelet = az.create_identity("kubelet", resource_group=rg)
    dev = emu.create_caller("dev", role="Contributor", scope=_group(emu))
    emu.grant(dev, "Role Based Access Control Administrator", str(kubelet.id), in_force=True)
    client = _client(emu, dev)
    first = len(emu.requests)
    cluster = client.create_cluster(
        "c", resource_group=rg, identity=control.id, kubelet_identity=kubelet.id
    )
    assert cluster.kubelet_identity is not None
    reads = _permission_reads(emu, first)
    assert reads == [_read(_group(emu)), _read(kubelet.id)]
    # a second plan in the same group within the cache lifetime reads nothing again
    mark = len(emu.requests)
    client.create_identity("more", resource_group=rg)
    assert _permission_reads(emu, mark) == []
    emu.clock.advance(301)  # cached for five minutes on the RetryPolicy's clock
    client.create_identity("more2", resource_group=rg)
    assert _permission_reads(emu, mark) == [_read(_group(emu))]


def test_attaching_an_identity_needs_assign_action(az: Azure, rg: str, emu: Emulator) -> None:
    az.create_resource_group("identities", location="westus2")
    control = az.create_identity("control", resource_group="identities")
    # a caller whose only role is on one resource group (it still reads the subscription)
    dev = _client(emu, emu.create_caller("dev", role="Contributor", scope=_group(emu)))
    first = len(emu.requests)
    with pytest.raises(AuthorizationError) as refused:
        dev.create_cluster("c", resource_group=rg, identity=control)  # no read of it needed
    assert writes_since(emu, first) == []
    message = str(refused.value)
    assert "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action" in message
    assert str(control.id) in message and "Managed Identity Operator" in message


def test_reader_gets_every_missing_action_at_once(az: Azure, rg: str, emu: Emulator) -> None:
    cluster = az.create_cluster("c", resource_group=rg)
    ident = az.create_identity("next", resource_group=rg)
    reader = _client(emu, emu.create_caller("auditor", role="Reader"))
    first = len(emu.requests)
    with pytest.raises(AuthorizationError) as refused:
        reader.get_cluster(cluster.id).use_identity(ident)
    assert writes_since(emu, first) == []
    actions = {m.action for m in refused.value.missing}  # type: ignore[attr-defined]
    assert actions == {
        "Microsoft.ContainerService/managedClusters/write",
        "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action",
    }
    assert refused.value.completed_steps == ()


def test_dry_run_reads_no_permissions(az: Azure, rg: str, emu: Emulator) -> None:
    ident = az.create_identity("control", resource_group=rg)
    reader = _client(emu, emu.create_caller("auditor", role="Reader"))
    first = len(emu.requests)
    plan = reader.create_cluster("c", resource_group=rg, identity=ident.id, dry_run=True)
    assert plan.writes and _permission_reads(emu, first) == []


def test_owner_reads_permissions_once_per_group(az: Azure, rg: str, emu: Emulator) -> None:
    first = len(emu.requests)
    ident = az.create_identity("ident1", resource_group=rg)
    az.create_identity("ident2", resource_group=rg)
    ident.grant("Reader", scope=_group(emu))
    az.create_cluster("c", resource_group=rg, identity=ident)
    assert _permission_reads(emu, first) == [_read(_group(emu))]


def test_resource_group_creation_reads_the_subscription(emu: Emulator) -> None:
    dev = _client(emu, emu.create_caller("dev", role="Reader"))
    with pytest.raises(AuthorizationError) as refused:
        dev.create_resource_group("new", location="westus2")
    assert "Microsoft.Resources/subscriptions/resourceGroups/write" in str(refused.value)
    assert _permission_reads(emu) == [_read(f"/subscriptions/{emu.subscription_id}")]
    assert writes_since(emu, 0) == []


def test_the_emulator_answers_permissions_as_the_sdk_reads_them(
    az: Azure, rg: str, emu: Emulator
) -> None:
    # Permissions_ListForResourceGroup / _ListForResource, read with the real SDK's models
    from azure.mgmt.authorization import AuthorizationManagementClient

    ident = az.create_identity("ident1", resource_group=rg)
    dev = emu.create_caller("dev", role="Contributor", scope=_group(emu))
    emu.grant(dev, "Managed Identity Operator", str(ident.id), in_force=True)
    client = AuthorizationManagementClient(
        emu.credential(dev),
        emu.subscription_id,
        api_version="2022-04-01",
        base_url=emu.url,
        connection_verify=emu.ca_bundle,
    )
    with client:
        group = list(client.permissions.list_for_resource_group(rg))
        below = list(
            client.permissions.list_for_resource(
                rg, "Microsoft.ManagedIdentity", "", "userAssignedIdentities", "ident1"
            )
        )
    assert [(p.actions, "Microsoft.Authorization/*/Write" in p.not_actions) for p in group] == [
        (["*"], True)
    ]
    assert group[0].data_actions == [] and group[0].not_data_actions == []  # ARM's four lists
    # the resource's list adds the role held on it (and inherits the group's)
    assert len(below) == 2
    assert any(
        "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action" in p.actions
        for p in below
    )


def test_a_reviewed_plan_says_what_the_caller_lacks(az: Azure, rg: str, emu: Emulator) -> None:
    control = az.create_identity("control", resource_group=rg)
    kubelet = az.create_identity("kubelet", resource_group=rg)
    contributor = _client(emu, emu.create_caller("dev", role="Contributor"))
    plan = contributor.create_cluster(
        "c", resource_group=rg, identity=control.id, kubelet_identity=kubelet.id, dry_run=True
    )
    missing = plan.missing_permissions()
    assert [(m.action, m.scope, m.role) for m in missing] == [
        (
            "Microsoft.Authorization/roleAssignments/write",
            kubelet.id,
            "Role Based Access Control Administrator",
        )
    ]
    assert "Managed Identity Operator" in missing[0].step  # the grant step that needs it
    owners = az.create_identity("x-ident", resource_group=rg, dry_run=True)
    assert owners.missing_permissions() == ()  # the Owner may do all of it


def test_a_refusal_is_not_cached(az: Azure, rg: str, emu: Emulator) -> None:
    dev_id = emu.create_caller("dev", role="Reader")
    dev = _client(emu, dev_id)
    with pytest.raises(AuthorizationError):
        dev.create_identity("mine", resource_group=rg)
    emu.grant(dev_id, "Contributor", _group(emu), in_force=True)  # an administrator fixes it
    assert dev.create_identity("mine", resource_group=rg).name == "mine"  # at once, no wait
