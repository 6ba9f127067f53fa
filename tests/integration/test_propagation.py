"""Issue 5's proof on the virtual clock: create a cluster with a pre-created kubelet identity
while the Managed Identity Operator grant propagates, replication of new principals, and the
60-minute budget. No real sleeps: the emulator's clock drives every wait."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from aks_identity import (
    Azure,
    NotFoundError,
    Principal,
    PropagationTimeout,
    get_role,
)
from aks_identity.emulator import Emulator

from .conftest import LOCATION, RG, assignments, scope_id

GRANT = "/providers/Microsoft.Authorization/roleAssignments/"
CLUSTER = "/providers/Microsoft.ContainerService/managedClusters/"
OPERATOR = get_role("Managed Identity Operator")


@pytest.fixture
def connect() -> Iterator[Callable[[Emulator], Azure]]:
    """Clients for dedicated emulators, closed after the test."""
    with ExitStack() as stack:
        yield lambda emu: stack.enter_context(emu.azure())


def _setup(az: Azure) -> tuple[Azure, Any, Any]:
    az.create_resource_group(RG, location=LOCATION)
    control_plane = az.create_identity("cp-id", resource_group=RG)
    return az, control_plane, az.create_identity("kubelet-id", resource_group=RG)


def _operator_grants(emu: Emulator, control_plane: Any, kubelet: Any) -> list[Any]:
    return [
        a
        for a in assignments(emu, control_plane.principal_id, str(kubelet.id))
        if a.role_guid == OPERATOR.guid
    ]


def _cluster_puts(emu: Emulator, first: int) -> list[Any]:
    return [r for r in list(emu.requests)[first:] if r.method == "PUT" and CLUSTER in r.path]


@pytest.mark.parametrize("delay", [0, 30, 300, 2700, 3540], ids=lambda d: f"{d / 60:g}min")
def test_kubelet_cluster_create_rides_out_propagation(
    emulator_with: Any, connect: Any, delay: float
) -> None:
    emu = emulator_with(propagation_delay=delay, replication_delay=20)
    az, control_plane, kubelet = _setup(connect(emu))
    first = len(emu.requests)

    cluster = az.create_cluster(
        "c1", resource_group=RG, identity=control_plane, kubelet_identity=kubelet
    )

    assert cluster.kubelet_identity is not None
    assert cluster.kubelet_identity.resource_id == kubelet.id
    log = list(emu.requests)[first:]
    grant = next(r for r in log if r.method == "PUT" and GRANT in r.path and r.status < 300)
    (operator,) = _operator_grants(emu, control_plane, kubelet)
    in_force = operator.effective_at
    assert in_force == pytest.approx(grant.time + delay)
    accepted = next(r for r in _cluster_puts(emu, first) if r.status < 300)
    assert 0 <= accepted.time - in_force <= max(30.0, 0.1 * delay)
    # at most 2 ARM requests per waited minute after the first minute
    window = (grant.time + 60, accepted.time)
    minutes = max(0.0, (window[1] - window[0]) / 60)
    waited = [r for r in log if window[0] <= r.time < window[1]]
    assert len(waited) <= 2 * minutes + 1
    assert not [r for r in log if r.error_code == "PrincipalNotFound"]


def test_61_minutes_times_out_reports_and_a_rerun_converges(
    emulator_with: Any, connect: Any
) -> None:
    emu = emulator_with(propagation_delay=61 * 60)
    az, control_plane, kubelet = _setup(connect(emu))
    first = len(emu.requests)

    with pytest.raises(PropagationTimeout) as info:
        az.create_cluster("c1", resource_group=RG, identity=control_plane, kubelet_identity=kubelet)

    err = info.value
    assert err.waited_seconds == pytest.approx(3600, abs=60)
    assert "Managed Identity Operator" in err.awaited or "Managed Identity Operator" in str(err)
    assert "re-run" in str(err)
    # What was written is reported: the grant exists, the cluster does not.
    assert "Managed Identity Operator" in " ".join(err.completed_steps)
    assert err.pending_steps and err.pending_steps[0].startswith("create")
    assert "Already done: grant: Managed Identity Operator" in str(err)
    assert len(_operator_grants(emu, control_plane, kubelet)) == 1
    assert all(r.status >= 400 for r in _cluster_puts(emu, first))
    with pytest.raises(NotFoundError):
        az.get_cluster("c1", resource_group=RG)

    emu.clock.advance(120)  # the grant is now in force
    cluster = az.create_cluster(
        "c1", resource_group=RG, identity=control_plane, kubelet_identity=kubelet
    )
    assert cluster.kubelet_identity is not None
    assert len(_operator_grants(emu, control_plane, kubelet)) == 1
    assert len(az.list_clusters(resource_group=RG)) == 1


def test_new_identity_grant_never_sends_principal_not_found(
    emulator_with: Any, connect: Any
) -> None:
    emu = emulator_with(replication_delay=300)
    az = connect(emu)
    az.create_resource_group(RG, location=LOCATION)
    vault = scope_id(emu, "vault", "kv1")
    emu.put_resource(vault, {"location": LOCATION, "properties": {"tenantId": emu.tenant_id}})
    first = len(emu.requests)
    start = emu.clock.now()

    identity = az.create_identity("fresh", resource_group=RG)
    assignment = identity.grant("Key Vault Secrets User", scope=vault)

    assert assignment.principal_id == identity.principal_id
    assert not [r for r in list(emu.requests)[first:] if r.error_code == "PrincipalNotFound"]
    assert emu.clock.now() - start < 60  # nothing waited for replication


def test_grant_to_a_principal_not_replicated_yet_succeeds_at_once(
    emulator_with: Any, connect: Any
) -> None:
    """principalType is sent with every grant (issue 9 item 5), so ARM does not look the
    principal up: a principal Entra ID replicates 5 minutes late is granted at once."""
    emu = emulator_with(replication_delay=300)
    az = connect(emu)
    az.create_resource_group(RG, location=LOCATION)
    fresh = emu.state.directory.add_principal(display_name="late-app")
    scope = f"/subscriptions/{emu.subscription_id}/resourceGroups/{RG}"
    start, first = emu.clock.now(), len(emu.requests)

    made = az.grant(Principal(fresh.object_id), "Reader", scope)

    assert made.principal_id == fresh.object_id.lower()
    assert emu.clock.now() - start < 5
    assert not [r for r in list(emu.requests)[first:] if r.error_code == "PrincipalNotFound"]
