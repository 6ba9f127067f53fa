"""Latency of a burst on the ARM emulator: 500 requests from 16 threads against 1 thread.

Each thread has its own real SDK client (``ManagedServiceIdentityClient``: HTTPS keep-alive,
bearer token, RBAC check, JSON); one request in five is a PUT (an identity), the rest GETs.
The same requests from one thread are the baseline in the same run. Prints p50/p99/max
latency, the wall time and the errors (there must be none); with ``--idle N``, N clients
connect and send nothing during the burst (they must not slow it down).

    python benchmarks/burst.py [--requests 500] [--threads 16] [--idle 0]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from azure.mgmt.msi import ManagedServiceIdentityClient

from aks_identity.emulator import Emulator

GROUP = "burst"


def _client(emu: Emulator) -> ManagedServiceIdentityClient:
    return ManagedServiceIdentityClient(
        emu.credential(), emu.subscription_id, base_url=emu.url, connection_verify=emu.ca_bundle
    )


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def burst(emu: Emulator, requests: int, threads: int, tag: str) -> tuple[list[float], float, int]:
    """(latencies in seconds, wall time, errors) of ``requests`` spread over ``threads``."""
    clients = [_client(emu) for _ in range(threads)]
    for client in clients:  # warm up: TLS handshake and token, not measured
        client.user_assigned_identities.get(GROUP, "seed")

    def one(index: int) -> tuple[float, bool]:
        client = clients[index % threads]
        started = time.perf_counter()
        try:
            if index % 5 == 0:
                client.user_assigned_identities.create_or_update(
                    GROUP, f"{tag}-{index}", {"location": "westus2"}
                )
            else:
                client.user_assigned_identities.get(GROUP, "seed")
        except Exception:  # counted, reported: a burst must have none
            return time.perf_counter() - started, False
        return time.perf_counter() - started, True

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(one, range(requests)))
    wall = time.perf_counter() - started
    for client in clients:
        client.close()
    return [r[0] for r in results], wall, sum(1 for r in results if not r[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--idle", type=int, default=0, help="clients that connect, send nothing")
    args = parser.parse_args(argv)
    with Emulator(clock="virtual") as emu:
        emu.state.resources.ensure_resource_group(GROUP, "westus2")
        _client(emu).user_assigned_identities.create_or_update(
            GROUP, "seed", {"location": "westus2"}
        )
        port = int(emu.url.rsplit(":", 1)[1])
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(args.idle)]
        rows = [
            ("1 thread (baseline)", *burst(emu, args.requests, 1, "serial")),
            (f"{args.threads} threads", *burst(emu, args.requests, args.threads, "burst")),
        ]
        for sock in idle:
            sock.close()
        failed = sum(1 for r in emu.requests if r.status is None or r.status >= 500)
    print(
        f"{args.requests} requests (1 in 5 a PUT) on the emulator, {args.idle} idle clients "
        "connected\n"
    )
    print(f"{'run':<22} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'wall s':>7} {'errors':>6}")
    for name, latencies, wall, errors in rows:
        print(
            f"{name:<22} {statistics.median(latencies) * 1000:>8.2f} "
            f"{_percentile(latencies, 0.99) * 1000:>8.2f} {max(latencies) * 1000:>8.2f} "
            f"{wall:>7.2f} {errors:>6}"
        )
    base, many = rows[0], rows[1]
    print(
        f"\np99 ratio {args.threads} threads / 1 thread: "
        f"{_percentile(many[1], 0.99) / _percentile(base[1], 0.99):.2f}x; "
        f"wall time 1 thread / {args.threads} threads: {base[2] / many[2]:.2f}x; "
        f"server-side 5xx or dropped: {failed}"
    )
    return 1 if failed or base[3] or many[3] else 0


if __name__ == "__main__":
    sys.exit(main())
