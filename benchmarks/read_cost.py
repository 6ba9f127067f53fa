"""CPU of ``Azure.get_cluster`` beside the raw SDK call it makes, against the emulator.

The same cluster is read by ``ContainerServiceClient.managed_clusters.get`` (the raw SDK call:
HTTP, deserialization) and by ``az.get_cluster`` (the same call, then the conversion to a
domain ``Cluster``), in alternating batches of one run. CPU is the calling thread's
(``time.thread_time``), so the emulator's server threads are left out. Figures are medians
per call; the ratio is library / SDK (goal: <= 1.10).

    python benchmarks/read_cost.py [--batches 15] [--calls 40]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from azure.mgmt.containerservice import ContainerServiceClient

from aks_identity.emulator import Emulator


def batch(call: Callable[[], object], calls: int) -> float:
    """Thread CPU milliseconds per call, over ``calls`` calls."""
    start = time.thread_time()
    for _ in range(calls):
        call()
    return (time.thread_time() - start) * 1000 / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=15)
    parser.add_argument("--calls", type=int, default=40)
    args = parser.parse_args()
    with Emulator() as emu, emu.azure() as az:
        az.create_resource_group("rg", location="westus2")
        az.create_cluster("c1", resource_group="rg")
        raw = ContainerServiceClient(
            emu.credential(), emu.subscription_id, base_url=emu.url,
            connection_verify=emu.ca_bundle,
        )
        calls: dict[str, Callable[[], object]] = {
            "raw SDK managed_clusters.get": lambda: raw.managed_clusters.get("rg", "c1"),
            "aks_identity Azure.get_cluster": lambda: az.get_cluster("c1", resource_group="rg"),
        }
        samples: dict[str, list[float]] = {name: [] for name in calls}
        for call in calls.values():  # warm connections and caches
            batch(call, 5)
        for _ in range(args.batches):
            for name, call in calls.items():
                samples[name].append(batch(call, args.calls))
        raw.close()
    sdk, library = (statistics.median(v) for v in samples.values())
    print(f"get_cluster CPU, median of {args.batches} batches of {args.calls} calls:")
    for name, values in samples.items():
        print(f"  {name:<32} {statistics.median(values):7.3f} ms/call")
    print(f"  ratio library / SDK: {library / sdk:.3f}x (goal <= 1.10x)")


if __name__ == "__main__":
    main()
