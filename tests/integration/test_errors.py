"""Errors: SDK errors mapped to the domain hierarchy; azure-core owns 429/5xx/transport retries."""

from __future__ import annotations

import pytest
from azure.core.exceptions import AzureError

from aks_identity import (
    AksIdentityError,
    AuthorizationError,
    Azure,
    IdentityType,
    NotFoundError,
    TransientError,
)
from aks_identity.emulator import Emulator


def test_not_found_carries_code_status_and_resource(az: Azure, rg: str) -> None:
    with pytest.raises(NotFoundError) as missing:
        az.get_cluster("absent", resource_group=rg)
    error = missing.value
    assert error.status == 404 and error.code == "ResourceNotFound"
    assert error.resource_id and error.resource_id.endswith("/managedClusters/absent")
    assert "reading cluster 'absent' failed" in str(error)
    assert not isinstance(error, AzureError)


def test_throttling_honours_retry_after_on_the_policy_clock(
    az: Azure, rg: str, emu: Emulator
) -> None:
    emu.faults.inject(429, method="PUT", path="userAssignedIdentities", times=2, retry_after=7)
    start = emu.clock.now()
    ident = az.create_identity("throttled", resource_group=rg)
    assert ident.principal_id
    assert emu.clock.now() - start >= 14  # two Retry-After waits, on the virtual clock
    puts = emu.requests.matching("PUT", "userAssignedIdentities/throttled")
    assert [r.status for r in puts] == [429, 429, 201]


@pytest.mark.parametrize("fault", [500, 503, "drop"])
def test_transient_faults_are_retried_once_by_azure_core(
    az: Azure, rg: str, emu: Emulator, fault: object
) -> None:
    ident = az.create_identity("flaky", resource_group=rg)
    before = len(emu.requests.matching("GET", "userAssignedIdentities/flaky"))
    emu.faults.inject(fault, method="GET", path="userAssignedIdentities", times=1)  # type: ignore[arg-type]
    assert az.get_identity(ident.id).principal_id == ident.principal_id
    gets = emu.requests.matching("GET", "userAssignedIdentities/flaky")[before:]
    assert len(gets) == 2  # the fault, then azure-core's single retry: nothing stacked on top


def test_persistent_server_errors_become_transient_error(az: Azure, rg: str, emu: Emulator) -> None:
    emu.faults.inject(503, method="GET", path="resourcegroups/rg$", times=50)
    with pytest.raises(TransientError) as failed:
        az.get_resource_group(rg)
    assert failed.value.status == 503


def test_lro_ending_failed_is_a_domain_error(az: Azure, rg: str, emu: Emulator) -> None:
    emu.faults.inject("lro_failed", method="PUT", path="managedClusters", times=1)
    with pytest.raises(AksIdentityError) as failed:
        az.create_cluster("doomed", resource_group=rg)
    assert not isinstance(failed.value, AzureError)
    again = az.create_cluster("doomed", resource_group=rg)  # a re-run converges
    assert again.provisioning_state == "Succeeded"


def test_caller_without_permission(az: Azure, rg: str, emu: Emulator) -> None:
    reader = emu.create_caller("reader", role="Reader")
    with emu.azure() as owner_az:
        owner_az.create_identity("owned", resource_group=rg)
    from aks_identity import RetryPolicy

    weak = Azure(
        emu.credential(reader),
        emu.subscription_id,
        base_url=emu.url,
        connection_verify=emu.ca_bundle,
        retry=RetryPolicy(clock=emu.clock.now, sleep=emu.clock.sleep),
    )
    with pytest.raises(AuthorizationError) as refused:
        weak.create_identity("mine", resource_group=rg)
    assert refused.value.status == 403 and refused.value.code == "AuthorizationFailed"
    # refused up front by the permission check (issue 8 item 6): action, scope and a role
    assert "Microsoft.ManagedIdentity/userAssignedIdentities/write" in str(refused.value)
    assert "'Contributor'" in str(refused.value) and f"resourceGroups/{rg}" in str(refused.value)
    token = emu.credential(reader).get_token("https://management.azure.com/.default").token
    assert token not in str(refused.value) and token not in repr(refused.value)


def test_update_rerun_after_a_failed_operation_converges(az: Azure, rg: str, emu: Emulator) -> None:
    cluster = az.create_cluster("c", resource_group=rg)
    ident = az.create_identity("next", resource_group=rg)
    emu.faults.inject("lro_failed", method="PUT", path="managedClusters/c$", times=1)
    with pytest.raises(AksIdentityError):
        cluster.use_identity(ident)
    switched = cluster.refresh().use_identity(ident)
    assert switched.provisioning_state == "Succeeded"
    assert switched.identity_type is IdentityType.USER_ASSIGNED


def test_another_operation_in_progress_is_waited_for(az: Azure, rg: str, emu: Emulator) -> None:
    cluster = az.create_cluster("busy", resource_group=rg)
    ident = az.create_identity("next", resource_group=rg)
    body = az._arm.get_cluster_body(cluster.id)
    body["tags"] = {"touched": "yes"}
    az._arm._aks.managed_clusters.begin_create_or_update(rg, "busy", body, polling=False)
    switched = cluster.use_identity(ident)
    assert switched.identity_type is IdentityType.USER_ASSIGNED
    assert switched.provisioning_state == "Succeeded"
    conflicts = [r for r in emu.requests.matching("PUT", "managedClusters/busy") if r.status == 409]
    assert len(conflicts) == 1
