"""AKS's own checks, one test per rule, with AKS's status codes and error codes."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError
from test_aks_support import (
    NETWORK_CONTRIBUTOR,
    RG,
    Aks,
    aks,
    emulator,
    pool,
    service_principal_body,
    system_assigned,
    user_assigned,
)

__all__ = ["aks", "emulator"]


def _error(aks: Aks, name: str, body: dict) -> HttpResponseError:
    with pytest.raises(HttpResponseError) as caught:
        aks.create(name, body)
    return caught.value


def test_kubelet_identity_needs_user_assigned_control_plane(aks: Aks) -> None:
    kubelet = aks.identity("kubelet")
    body = system_assigned(identityProfile={"kubeletidentity": {"resourceId": kubelet["id"]}})

    error = _error(aks, "c1", body)

    assert error.status_code == 400
    assert error.error.code == "CustomKubeletIdentityOnlySupportedOnUserAssignedMSICluster"


def test_control_plane_needs_managed_identity_operator_on_kubelet_identity(aks: Aks) -> None:
    control_plane, kubelet = aks.identity("cp"), aks.identity("kubelet")

    error = _error(aks, "c1", user_assigned(control_plane, kubelet))

    assert error.status_code == 400
    assert error.error.code == "CustomKubeletIdentityMissingPermissionError"
    assert "Managed Identity Operator" in error.error.message


def test_managed_identity_operator_counts_only_once_propagated(aks: Aks) -> None:
    control_plane, kubelet = aks.identity("cp"), aks.identity("kubelet")
    aks.set_propagation_delay(600)
    aks.operator(control_plane, kubelet)

    early = _error(aks, "c1", user_assigned(control_plane, kubelet))
    aks.advance(601)
    cluster = aks.create("c1", user_assigned(control_plane, kubelet))

    assert early.error.code == "CustomKubeletIdentityMissingPermissionError"
    assert cluster.identity_profile["kubeletidentity"].resource_id == kubelet["id"]


def test_caller_needs_assign_action_on_identities_it_assigns(aks: Aks) -> None:
    aks.resource_group("identities")
    control_plane = aks.identity("cp", resource_group="identities")
    client = aks.client_for_group_contributor()

    with pytest.raises(HttpResponseError) as caught:
        client.managed_clusters.begin_create_or_update(RG, "c1", user_assigned(control_plane))
    allowed = client.managed_clusters.begin_create_or_update(RG, "c2", system_assigned())

    assert caught.value.status_code == 403
    assert caught.value.error.code == "LinkedAuthorizationFailed"
    assert "userAssignedIdentities/assign/action" in caught.value.error.message
    assert allowed.result().provisioning_state == "Succeeded"


def test_another_operation_in_progress_is_409(aks: Aks) -> None:
    aks.client.managed_clusters.begin_create_or_update(RG, "c1", system_assigned(), polling=False)

    with pytest.raises(HttpResponseError) as caught:
        aks.client.managed_clusters.begin_update_tags(RG, "c1", {"tags": {"a": "b"}})

    assert caught.value.status_code == 409
    assert caught.value.error.code == "OperationNotAllowed"
    aks.advance()
    assert aks.client.managed_clusters.begin_update_tags(
        RG, "c1", {"tags": {"a": "b"}}
    ).result().tags == {"a": "b"}


def test_unknown_service_principal_is_rejected(aks: Aks) -> None:
    error = _error(aks, "c1", service_principal_body("6307b257-c6fd-46f9-b7ff-13579e4de17b"))

    assert error.status_code == 400
    assert error.error.code == "ServicePrincipalNotFound"


def test_service_principal_must_have_replicated(aks: Aks) -> None:
    aks.set_replication_delay(120)
    client_id = aks.service_principal()

    early = _error(aks, "c1", service_principal_body(client_id))
    aks.advance(121)
    cluster = aks.create("c1", service_principal_body(client_id))

    assert early.error.code == "ServicePrincipalNotFound"
    assert cluster.service_principal_profile.client_id == client_id


def test_missing_user_assigned_identity_is_rejected(aks: Aks) -> None:
    ghost = {"id": aks.identity("ghost")["id"]}
    aks.state.resources.delete(ghost["id"])

    error = _error(aks, "c1", user_assigned(ghost))

    assert error.status_code == 400
    assert error.error.code == "FailedIdentityOperation"


def test_user_assigned_control_plane_needs_join_on_custom_subnet(aks: Aks) -> None:
    control_plane = aks.identity("cp")
    subnet = aks.subnet()
    body = user_assigned(control_plane, agentPoolProfiles=[pool(vnetSubnetID=subnet)])

    refused = _error(aks, "c1", body)
    aks.grant(control_plane["properties"]["principalId"], NETWORK_CONTRIBUTOR, subnet)
    cluster = aks.create("c1", body)

    assert refused.status_code == 400
    assert refused.error.code == "LinkedAuthorizationFailed"
    assert subnet in refused.error.message
    assert aks.emu.control_plane_subnet_access(cluster.id) == {subnet: True}


def test_system_assigned_control_plane_gets_subnet_access_after_create(aks: Aks) -> None:
    """AKS cannot check an identity that does not exist yet; the CLI grants after create."""
    subnet = aks.subnet()
    cluster = aks.create("c1", system_assigned(agentPoolProfiles=[pool(vnetSubnetID=subnet)]))

    before = aks.emu.control_plane_subnet_access(cluster.id)
    aks.grant(cluster.identity.principal_id, NETWORK_CONTRIBUTOR, subnet)

    assert before == {subnet: False}
    assert aks.emu.control_plane_subnet_access(cluster.id) == {subnet: True}


def test_managed_identity_cluster_cannot_go_back_to_service_principal(aks: Aks) -> None:
    aks.create("c1", system_assigned())
    body = service_principal_body(aks.service_principal())
    body["identity"] = {"type": "None"}

    error = _error(aks, "c1", body)

    assert error.status_code == 400


def test_service_principal_subnet_access_is_tracked(aks: Aks) -> None:
    client_id = aks.service_principal()
    subnet = aks.subnet()
    cluster = aks.create(
        "c1", service_principal_body(client_id, agentPoolProfiles=[pool(vnetSubnetID=subnet)])
    )
    principal = aks.state.directory.find_by_client_id(client_id)

    before = aks.emu.control_plane_subnet_access(cluster.id)
    aks.grant(principal.object_id, NETWORK_CONTRIBUTOR, subnet)

    assert before == {subnet: False}
    assert aks.emu.control_plane_subnet_access(cluster.id) == {subnet: True}
