"""Issue 9 item 5: grants that respect what exists (covering assignments, custom roles read
from ARM), detach_acr that removes only its own, principalType sent, and cluster deletes that
leave no orphaned role assignments."""

from __future__ import annotations

import uuid
import warnings

import pytest

from aks_identity import (
    Azure,
    KeptAssignmentWarning,
    ManagedIdentity,
    NetworkProfile,
    Plan,
)
from aks_identity._roles import get_role
from aks_identity.emulator import Emulator
from aks_identity.emulator._rbac import definition_id

from .conftest import assignments, make_registry, writes_since

ASSIGN = "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action"
OPERATOR = get_role("Managed Identity Operator").guid


def _group(emu: Emulator, rg: str) -> str:
    return f"/subscriptions/{emu.subscription_id}/resourceGroups/{rg}"


def _identities(az: Azure, rg: str) -> tuple[ManagedIdentity, ManagedIdentity]:
    return az.create_identity("cp-id", resource_group=rg), az.create_identity(
        "kubelet-id", resource_group=rg
    )


@pytest.mark.parametrize("role", ["Owner", "Contributor"])
def test_a_broader_built_in_role_covers_managed_identity_operator(
    az: Azure, rg: str, emu: Emulator, role: str
) -> None:
    control, kubelet = _identities(az, rg)
    emu.grant(control.principal_id, role, _group(emu, rg), in_force=True)
    first = len(emu.requests)

    plan = az.create_cluster(
        "c1", resource_group=rg, identity=control, kubelet_identity=kubelet, dry_run=True
    )
    assert writes_since(emu, first) == []
    cluster = az.create_cluster("c1", resource_group=rg, identity=control, kubelet_identity=kubelet)

    assert isinstance(plan, Plan)
    assert plan.grants[0].covered_by == f"{role} at {_group(emu, rg)}"
    assert f"covered by {role} at" in str(plan)
    assert [s.action for s in plan.steps] == ["covered", "create"]
    assert cluster.kubelet_identity is not None
    assert cluster.kubelet_identity.resource_id == kubelet.id
    held = {a.role_guid for a in assignments(emu, control.principal_id)}
    assert OPERATOR not in held  # nothing granted twice


def test_a_custom_role_read_from_arm_covers_managed_identity_operator(
    az: Azure, rg: str, emu: Emulator
) -> None:
    control, kubelet = _identities(az, rg)
    guid = str(uuid.uuid4())
    emu.state.rbac.put_definition(
        guid,
        {
            "roleName": "Kubelet identity assigner",
            "assignableScopes": [_group(emu, rg)],
            "permissions": [{"actions": [ASSIGN]}],
        },
    )
    emu.state.rbac.assign(
        str(kubelet.id),
        definition_id(emu.subscription_id, guid),
        control.principal_id,
        propagated=True,
    )

    plan = az.create_cluster(
        "c1", resource_group=rg, identity=control, kubelet_identity=kubelet, dry_run=True
    )
    cluster = az.create_cluster("c1", resource_group=rg, identity=control, kubelet_identity=kubelet)

    assert isinstance(plan, Plan)
    assert plan.grants[0].covered_by == f"Kubelet identity assigner at {kubelet.id}"
    assert emu.requests.matching("GET", f"/roleDefinitions/{guid}")
    assert cluster.kubelet_identity is not None
    assert OPERATOR not in {a.role_guid for a in assignments(emu, control.principal_id)}


def test_contributor_on_the_virtual_network_covers_the_subnet_grant(
    az: Azure, rg: str, emu: Emulator, subnet: str
) -> None:
    control = az.create_identity("cp-id", resource_group=rg)
    vnet = subnet.rsplit("/subnets/", 1)[0]
    emu.grant(control.principal_id, "Contributor", vnet, in_force=True)

    plan = az.create_cluster(
        "c1",
        resource_group=rg,
        identity=control,
        network=NetworkProfile(subnet_id=subnet),
        dry_run=True,
    )

    assert isinstance(plan, Plan)
    assert [g.covered_by for g in plan.grants] == [f"Contributor at {vnet}"]
    assert len(plan.writes) == 1


def test_detach_acr_removes_only_its_own_unless_forced(
    az: Azure, rg: str, emu: Emulator, registry: str
) -> None:
    cluster = az.create_cluster("c1", resource_group=rg, attach_acr=[registry])
    kubelet = cluster.kubelet_identity
    assert kubelet is not None
    elsewhere = make_registry(emu, "acr2")
    other = emu.state.rbac.assign(  # e.g. made by `az aks update --attach-acr`: a random name
        elsewhere,
        get_role("AcrPull").definition_id(f"/subscriptions/{emu.subscription_id}"),
        kubelet.object_id,
        name=str(uuid.uuid4()),
    )
    first = len(emu.requests)

    ours_plan = cluster.detach_acr(registry, dry_run=True)
    other_plan = cluster.detach_acr(elsewhere, dry_run=True)
    assert writes_since(emu, first) == []
    cluster.detach_acr(registry)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cluster.detach_acr(elsewhere)

    assert [s.action for s in ours_plan.steps] == ["revoke"]
    assert [s.action for s in other_plan.steps] == ["keep"]
    assert other["id"] in other_plan.steps[0].description
    assert assignments(emu, kubelet.object_id, registry) == []
    assert [c.category for c in caught] == [KeptAssignmentWarning]
    assert other["id"] in str(caught[0].message)
    assert [a.name for a in assignments(emu, kubelet.object_id, elsewhere)] == [other["name"]]

    cluster.detach_acr(elsewhere, force=True)  # as the Azure CLI does
    assert assignments(emu, kubelet.object_id, elsewhere) == []


def test_delete_removes_the_role_assignments_of_identities_aks_made(
    az: Azure, rg: str, emu: Emulator, subnet: str, registry: str
) -> None:
    cluster = az.create_cluster(
        "c1",
        resource_group=rg,
        network=NetworkProfile(subnet_id=subnet),
        attach_acr=[registry],
        addons=["omsagent"],
    )
    assert cluster.kubelet_identity is not None and cluster.principal_id
    made_by_aks = [
        cluster.principal_id,
        cluster.kubelet_identity.object_id,
        *[a.object_id for a in cluster.addons if a.object_id],
    ]
    held = [a.id for p in made_by_aks for a in assignments(emu, p)]
    assert len(held) == 3  # subnet, AcrPull, Monitoring Metrics Publisher
    first = len(emu.requests)

    plan = cluster.delete(dry_run=True)
    assert writes_since(emu, first) == []
    cluster.delete()

    assert [s.action for s in plan.steps] == ["revoke", "revoke", "revoke", "delete"]
    assert all("keep_role_assignments=True" in s.description for s in plan.steps[:3])
    assert [a for p in made_by_aks for a in assignments(emu, p)] == []


def test_delete_can_keep_the_role_assignments(
    az: Azure, rg: str, emu: Emulator, registry: str
) -> None:
    cluster = az.create_cluster("c1", resource_group=rg, attach_acr=[registry])
    assert cluster.kubelet_identity is not None
    plan = az.delete_cluster("c1", resource_group=rg, keep_role_assignments=True, dry_run=True)
    az.delete_cluster("c1", resource_group=rg, keep_role_assignments=True)
    assert [s.action for s in plan.steps] == ["delete"]
    assert len(assignments(emu, cluster.kubelet_identity.object_id)) == 1
