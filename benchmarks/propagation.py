"""Cluster create with a pre-created kubelet identity under RBAC propagation delays.

Runs on the emulator's virtual clock: for each delay before the Managed Identity Operator
grant is in force, measures the lag between the grant coming into force and the cluster
create succeeding, and the ARM requests sent per waited minute after the first minute.

    python benchmarks/propagation.py [--delays 0,30,300,2700,3540,3660]
"""

from __future__ import annotations

import argparse
import logging
import sys

from aks_identity import PropagationTimeout, RetryPolicy
from aks_identity.emulator import Emulator

GRANT_PATH = "/providers/Microsoft.Authorization/roleAssignments/"
CLUSTER_PATH = "/providers/Microsoft.ContainerService/managedClusters/"


def run(delay: float) -> dict[str, object]:
    """One scenario: returns the figures for the table."""
    with Emulator(clock="virtual", propagation_delay=delay, replication_delay=20, seed=7) as emu:
        az = emu.azure()
        az.create_resource_group("rg", location="westus2")
        control_plane = az.create_identity("cp-identity", resource_group="rg")
        kubelet = az.create_identity("kubelet-identity", resource_group="rg")
        first = len(emu.requests)
        outcome = "created"
        try:
            az.create_cluster(
                "cluster", resource_group="rg", identity=control_plane, kubelet_identity=kubelet
            )
        except PropagationTimeout as exc:
            outcome = f"PropagationTimeout after {exc.waited_seconds / 60:.1f} min"
        log = list(emu.requests)[first:]
        grants = [r for r in log if r.method == "PUT" and GRANT_PATH in r.path and r.status < 300]
        creates = [r for r in log if r.method == "PUT" and CLUSTER_PATH in r.path.split("?")[0]]
        accepted = [r for r in creates if r.status < 300]
        in_force = grants[0].time + delay if grants else float("nan")
        lag = accepted[0].time - in_force if accepted else float("nan")
        waited_from = grants[0].time + 60 if grants else 0.0
        waited_until = accepted[0].time if accepted else log[-1].time
        waited_min = max(0.0, (waited_until - waited_from) / 60)
        in_wait = [r for r in log if waited_from <= r.time < waited_until]
        return {
            "delay_s": delay,
            "outcome": outcome,
            "lag_s": lag,
            "lag_limit_s": max(30.0, 0.1 * delay),
            "requests": len(log),
            "failed": sum(r.status >= 400 for r in log),
            "cluster_puts": len(creates),
            "req_per_waited_min": (len(in_wait) / waited_min) if waited_min >= 1 else 0.0,
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delays", default="0,30,300,2700,3540,3660")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    _ = RetryPolicy  # the default policy (60-minute budget) is what is measured
    header = ("delay", "outcome", "lag s", "limit s", "requests", "failed", "cluster PUTs",
              "req/waited min")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for delay in (float(d) for d in args.delays.split(",")):
        row = run(delay)
        print(
            f"| {row['delay_s'] / 60:.1f} min | {row['outcome']} | {row['lag_s']:.0f} | "
            f"{row['lag_limit_s']:.0f} | {row['requests']} | {row['failed']} | "
            f"{row['cluster_puts']} | {row['req_per_waited_min']:.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
