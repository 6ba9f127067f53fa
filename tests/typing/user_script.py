"""A user's script, as people write them: checked with mypy --strict and pyright in CI
(nox -s typecheck), and run by tests/integration/test_user_script.py on the emulator.

It takes an ``Azure`` (real or emulated), plans before writing, handles the library's errors
and reads what comes back; every value it touches must have a precise type.
"""

from __future__ import annotations

import logging
import warnings

import aks_identity as aki
from aks_identity.emulator import Emulator

log = logging.getLogger("platform.identities")


def kubelet_cluster(az: aki.Azure, group: str, name: str) -> aki.Cluster:
    """A cluster with a user-assigned control plane and a pre-created kubelet identity."""
    az.create_resource_group(group, location="westus2")
    control: aki.ManagedIdentity = az.create_identity(f"{name}-control", resource_group=group)
    kubelet: aki.ManagedIdentity = az.create_identity(f"{name}-kubelet", resource_group=group)
    plan: aki.Plan = az.create_cluster(name, resource_group=group, identity=control,
                                       kubelet_identity=kubelet, dry_run=True)
    for step in plan.steps:
        log.info("will %s: %s", step.action, step.description)
    grants: list[str] = [f"{g.role} on {g.where}" for g in plan.grants]
    log.info("grants: %s", grants)
    return az.create_cluster(name, resource_group=group, identity=control,
                             kubelet_identity=kubelet)


def report(cluster: aki.Cluster) -> list[str]:
    """One line per identity the cluster uses."""
    rows: aki.IdentityInventory = cluster.identities()
    lines: list[str] = []
    for row in rows:
        roles = ", ".join(a.role_name for a in row.role_assignments)
        lines.append(f"{row.use}: {row.kind} {row.object_id or '-'} [{roles}]")
    kubelet = cluster.kubelet_identity
    if kubelet is not None:
        lines.append(f"kubelet client ID {kubelet.client_id}")
    return lines


def switch_kubelet(cluster: aki.Cluster, new: aki.ManagedIdentity) -> aki.Cluster:
    """Change the kubelet identity only after saying what it costs."""
    try:
        return cluster.use_kubelet_identity(new)
    except aki.ConfirmationRequired as refused:
        log.warning("needs downtime: %s", refused)
        return cluster.use_kubelet_identity(new, allow_downtime=True)


def move_control_plane(
    cluster: aki.Cluster, identity: aki.ManagedIdentity, review: bool
) -> aki.Cluster:
    """Switch the control plane to ``identity``; with ``review``, log the plan, then apply it."""
    outcome: aki.Cluster | aki.Plan[aki.Cluster] = cluster.use_identity(identity, dry_run=review)
    if isinstance(outcome, aki.Plan):
        for grant in outcome.grants:
            log.info("will grant %s", grant)
        return outcome.apply()
    return outcome


def grant_reader(identity: aki.ManagedIdentity, scope: str, review: bool) -> aki.RoleAssignment:
    """A grant whose plan is reviewed first when ``review`` is set."""
    plan: aki.Plan[aki.RoleAssignment] = identity.grant("Reader", scope, dry_run=True)
    if review:
        log.info("%s", plan)
    assignment: aki.RoleAssignment = plan.apply()
    again = identity.grant("Reader", scope, dry_run=not review)  # idempotent either way
    if isinstance(again, aki.Plan):
        assert not again.writes, again
    else:
        assert again.id == assignment.id
    return assignment


def main() -> list[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", aki.AksIdentityWarning)
        with Emulator() as emu, emu.activate(), aki.Azure.from_environment() as az:
            cluster = kubelet_cluster(az, "platform", "c1")
            try:
                az.get_cluster("missing", resource_group="platform")
            except aki.NotFoundError as error:
                log.info("as expected: %s (%s, %s)", error, error.code, error.status)
            other = az.create_identity("c1-kubelet-2", resource_group="platform")
            cluster = switch_kubelet(cluster, other)
            assert cluster.kubelet_identity is not None
            assert cluster.kubelet_identity.resource_id == other.id
            control = az.create_identity("c1-control-2", resource_group="platform")
            for review in (True, False):
                cluster = move_control_plane(cluster, control, review)
                assert cluster.identity.user_assigned == (control.id,)
                group = az.get_resource_group("platform")
                assignment = grant_reader(control, str(group.id), review)
                assert assignment.principal_id == control.principal_id
            return report(cluster)


if __name__ == "__main__":
    print("\n".join(main()))
