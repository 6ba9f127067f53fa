"""Node image upgrades: only pools whose upgrade profile offers a newer image are reimaged.

"An update only works if there's a VHD update to consume": each pool's
``agentPools/{pool}/upgradeProfiles/default`` (``latestNodeImageVersion``) is read first; with
nothing newer the plan writes nothing, asks no consent and says so.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from aks_identity._plan import Plan, PlanBuilder
from aks_identity._warnings import DowntimeWarning, NoNewerNodeImageWarning, emit

from ._common import Snapshot, Writer

if TYPE_CHECKING:
    from aks_identity._objects import Cluster

    from ._runner import Runner

__all__ = ["kubelet_on_service_principal", "plan_upgrade_node_images", "upgrade_node_images"]


def kubelet_on_service_principal(cluster: Cluster) -> bool:
    """The control plane left a service principal but the kubelet still uses it."""
    client_id = (cluster.service_principal_client_id or "").lower()
    return bool(client_id) and client_id != "msi"


def _nothing_newer(cluster: Cluster, pools: list[str]) -> NoNewerNodeImageWarning:
    images = {p.name: p.node_image_version for p in cluster.agent_pools if p.name in pools}
    running = ", ".join(
        f"{name} runs {image or 'an unknown image'}" for name, image in images.items()
    )
    text = f"no newer node image for {cluster.name} ({running}): nothing is reimaged"
    if kubelet_on_service_principal(cluster):
        text += (
            "; the kubelet keeps the service principal, so its migration to the managed "
            "identity must wait for the next node image"
        )
    return NoNewerNodeImageWarning(text)


def plan_upgrade_node_images(snapshot: Snapshot, writer: Writer) -> Plan:
    """Upgrade the pools with a newer image (pure): ``snapshot.latest_images`` per pool."""
    cluster = snapshot.cluster
    assert cluster is not None
    builder = PlanBuilder(f"upgrade node images of {cluster.name}", cluster.id)
    pools = [
        pool
        for pool in cluster.agent_pools
        if snapshot.latest_images.get(pool.name) is None
        or snapshot.latest_images.get(pool.name) != pool.node_image_version
    ]
    if not pools:
        builder.warn(_nothing_newer(cluster, [p.name for p in cluster.agent_pools]))
        builder.step(
            "none",
            "every pool runs the newest node image AKS offers: nothing to upgrade",
            None,
            target=cluster.id,
            writes=False,
        )
        return builder.plan(emit_warnings=False)
    for pool in pools:
        latest = snapshot.latest_images.get(pool.name)
        to = f" to {latest}" if latest else ""
        builder.step(
            "upgrade",
            f"upgrade the node image of pool {pool.name} (now {pool.node_image_version}){to}; "
            "nodes are reimaged",
            functools.partial(writer.upgrade_pool, cluster.id, pool.name),
            target=cluster.id,
        )
    names = ", ".join(p.name for p in pools)
    builder.downtime(f"nodes of pool(s) {names} are reimaged")
    builder.warn(DowntimeWarning(f"upgrading node images reimages the nodes of {names}"))
    return builder.plan(emit_warnings=False)


def upgrade_node_images(
    runner: Runner, cluster: Cluster, *, allow_downtime: bool, dry_run: bool
) -> Cluster | Plan:
    """Upgrade every pool with a newer node image; say when there is none."""
    snapshot = runner.snapshot(cluster=cluster, latest_images=True)
    plan = plan_upgrade_node_images(snapshot, runner)
    if not plan.writes:
        emit(plan.warnings)
        return plan if dry_run else cluster
    result = runner.run_with_downtime(
        plan, cluster.id, allow_downtime=allow_downtime, dry_run=dry_run, seen=cluster
    )
    if not dry_run and not isinstance(result, Plan):
        before = {p.name: p.node_image_version for p in cluster.agent_pools}
        same = [p.name for p in result.agent_pools if before.get(p.name) == p.node_image_version]
        if same:  # AKS had no newer image after all (its profile did not say)
            emit([_nothing_newer(result, same)])
    return result
