"""Requests per second the ARM emulator serves on loopback to the real SDK client.

Runs ``ManagedServiceIdentityClient.user_assigned_identities.get`` in a loop (HTTPS with
keep-alive, bearer token, RBAC check, JSON) and prints the rate.

    python benchmarks/emulator_rps.py [--requests 2000] [--threads 1]
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ThreadPoolExecutor

from azure.mgmt.msi import ManagedServiceIdentityClient

from aks_identity.emulator import Emulator


def _client(emu: Emulator) -> ManagedServiceIdentityClient:
    return ManagedServiceIdentityClient(
        emu.credential(), emu.subscription_id, base_url=emu.url, connection_verify=emu.ca_bundle
    )


def run(requests: int, threads: int) -> float:
    """Requests per second for ``requests`` identity GETs spread over ``threads`` clients."""
    with Emulator(clock="virtual") as emu:
        emu.state.resources.ensure_resource_group("bench", "westus2")
        clients = [_client(emu) for _ in range(threads)]
        clients[0].user_assigned_identities.create_or_update(
            "bench", "bench-identity", {"location": "westus2"}
        )
        for client in clients:  # warm up: TLS handshake, token
            client.user_assigned_identities.get("bench", "bench-identity")
        share = requests // threads

        def loop(client: ManagedServiceIdentityClient) -> None:
            for _ in range(share):
                client.user_assigned_identities.get("bench", "bench-identity")

        started = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(loop, clients))
        elapsed = time.perf_counter() - started
        served = sum(1 for r in emu.requests if r.status == 200) - threads
        assert served == share * threads, served
        return served / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    rate = run(args.requests, args.threads)
    print(
        f"emulator: {rate:.0f} requests/s "
        f"({args.requests} identity GETs, {args.threads} client thread(s), HTTPS keep-alive)"
    )


if __name__ == "__main__":
    main()
