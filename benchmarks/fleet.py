"""Fleet at scale on the emulator: audit requests and time, and a parallel migration's makespan.

1. Audit: 1,000 clusters in 10 subscriptions with 20,000 role assignments (seeded straight
   into the emulator's backend). ``fleet.audit()`` (Resource Graph + Microsoft Graph) against
   the per-cluster approach (``list_clusters()`` + ``identities()`` per cluster), in the same
   run: requests and wall time. Goal: at most 30 requests and at least 50x fewer.
2. Migration: 100 service principal clusters (half on custom subnets, so grants follow the
   update) to system-assigned with ``max_parallel=8`` on a real clock scaled ``--time-scale``
   times, ARM throttling on. Emulated completion time against the ideal (the clusters' LRO time
   divided across 8 workers). Goal: within 1.3x; no duplicate role assignment; no failed
   request except honoured 429s.
3. Listing: every page of 1,000 and of 4,000 user-assigned identities (100 a page): the time
   per item stays flat, since a listing is built once and later pages read it (linear).
4. RBAC: 1,000 access checks over 2,000 and over 20,000 role assignments: flat, since
   assignments are indexed by principal. Parts 3 and 4 also run against an older checkout
   (``PYTHONPATH=<checkout> python benchmarks/fleet.py --skip-audit --skip-migration``) for
   the before/after figures.

    python benchmarks/fleet.py [--clusters 1000] [--subscriptions 10] [--assignments 20000]
                               [--migrate 100] [--max-parallel 8] [--time-scale 50]
"""

from __future__ import annotations

import argparse
import random
import time
import warnings
from collections import Counter

from aks_identity import AksIdentityWarning, RetryPolicy
from aks_identity.emulator import Emulator

RG = "fleet"
GROUP = "/subscriptions/{sub}/resourceGroups/" + RG + "/providers"
ROLES = (
    "Reader",
    "Contributor",
    "AcrPull",
    "Key Vault Secrets User",
    "Monitoring Metrics Publisher",
)


def seed_fleet(emu: Emulator, clusters: int, assignments: int) -> None:
    """``clusters`` clusters round-robin over the subscriptions; ``assignments`` grants in all."""
    from aks_identity.emulator._seed import seed_cluster, seed_identity

    rng = random.Random(1)
    subs = emu.subscription_ids
    principals: list[str] = []
    for index in range(clusters):
        sub = subs[index % len(subs)]
        body = seed_cluster(emu, sub, RG, f"aks-{index:04d}")
        principals.append(body["identity"]["principalId"])
        kubelet = body["properties"]["identityProfile"]["kubeletidentity"]["objectId"]
        principals.append(kubelet)
    apps = [seed_identity(emu, subs[i % len(subs)], RG, f"app-{i:04d}") for i in range(2000)]
    principals += [a["properties"]["principalId"] for a in apps]
    made = sum(len(emu.state.rbac.of_principal(p)) for p in principals)
    with emu.state.lock:
        while made < assignments:
            principal = rng.choice(principals)
            sub = rng.choice(subs)
            vault = f"Microsoft.KeyVault/vaults/kv{rng.randrange(5000)}"
            scope = f"{GROUP.format(sub=sub)}/{vault}"
            emu.grant(principal, rng.choice(ROLES), scope, in_force=True)
            made += 1


def per_cluster(emu: Emulator) -> int:
    """The baseline: every subscription's list_clusters(), then identities() per cluster."""
    rows = 0
    for sub in emu.subscription_ids:
        az = emu.azure(subscription_id=sub)
        for cluster in az.list_clusters():
            rows += len(cluster.identities())
        az.close()
    return rows


def audit_benchmark(args: argparse.Namespace) -> None:
    with Emulator(subscriptions=args.subscriptions, page_size=100) as emu:
        started = time.perf_counter()
        seed_fleet(emu, args.clusters, args.assignments)
        total = len(emu.state.rbac.all())
        print(
            f"seeded {args.clusters} clusters in {args.subscriptions} subscriptions, "
            f"{total} role assignments in {time.perf_counter() - started:.1f} s"
        )
        before = len(emu.requests)
        started = time.perf_counter()
        with emu.fleet() as fleet:
            report = fleet.audit()
        fleet_seconds = time.perf_counter() - started
        fleet_requests = len(emu.requests) - before
        paths = Counter(r.path.split("?")[0] for r in emu.requests[before:])

        before = len(emu.requests)
        started = time.perf_counter()
        per_cluster(emu)
        base_seconds = time.perf_counter() - started
        base_requests = len(emu.requests) - before

    print(
        f"fleet.audit():  {fleet_requests:5d} requests  {fleet_seconds:6.2f} s  "
        f"({len(report.clusters)} clusters, {len(report.findings)} findings)"
    )
    for path, count in paths.most_common():
        print(f"                {count:5d}  {path}")
    print(f"per cluster:    {base_requests:5d} requests  {base_seconds:6.2f} s")
    print(
        f"ratio:          {base_requests / fleet_requests:.0f}x fewer requests, "
        f"{base_seconds / fleet_seconds:.1f}x faster "
        f"(goal: <= 30 requests, >= 50x fewer)"
    )


def migration_benchmark(args: argparse.Namespace) -> None:
    from aks_identity.emulator._seed import seed_cluster

    lro = 30.0
    with Emulator(
        clock="real",
        time_scale=args.time_scale,
        subscriptions=min(args.subscriptions, 4),
        lro_duration=lro,
        poll_step=5.0,
        throttling=True,
    ) as emu:
        subs = emu.subscription_ids
        for index in range(args.migrate):
            sub = subs[index % len(subs)]
            subnet = None
            if index % 2 == 0:
                vnet = f"{GROUP.format(sub=sub)}/Microsoft.Network/virtualNetworks/vnet"
                if emu.state.resources.get(vnet) is None:
                    emu.put_resource(vnet, {"location": "westus2"})
                subnet = f"{vnet}/subnets/s{index}"
                emu.put_resource(subnet, {"properties": {"addressPrefix": "10.240.0.0/24"}})
            client_id, _ = emu.create_service_principal(f"sp{index}", replicated=True)
            seed_cluster(
                emu, sub, RG, f"sp-{index:03d}", service_principal=client_id, subnet_id=subnet
            )
        # The emulator's Retry-After is in real seconds on a real clock, so this fleet sleeps in
        # real time (emu.fleet() would sleep on the scaled clock and poll time_scale x as often).
        from aks_identity import Fleet

        real_time = RetryPolicy(progress=False)
        fleet = Fleet(
            emu.credential(), base_url=emu.url, connection_verify=emu.ca_bundle, retry=real_time
        )
        with fleet:
            plan = fleet.plan_migration(to="system-assigned")
            before = len(emu.requests)
            start = emu.clock.now()
            wall = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", AksIdentityWarning)
                result = plan.apply(max_parallel=args.max_parallel)
            elapsed = emu.clock.now() - start
            wall = time.perf_counter() - wall
        made = emu.requests[before:]
        statuses = Counter(r.status for r in made)
        grants = Counter(
            (a.principal_id, a.role_guid, a.scope.lower()) for a in emu.state.rbac.all()
        )
    ideal = args.migrate * lro / args.max_parallel
    failed = {s: n for s, n in statuses.items() if s is None or (s >= 400 and s != 429)}
    print(
        f"migration:      {args.migrate} clusters, max_parallel={args.max_parallel}: "
        f"{result.summary()}"
    )
    print(
        f"                emulated {elapsed:.0f} s vs ideal {ideal:.0f} s "
        f"({args.migrate} x {lro:.0f} s LRO / {args.max_parallel}) = {elapsed / ideal:.2f}x "
        f"(goal <= 1.3x); wall {wall:.1f} s at time_scale {args.time_scale:g}"
    )
    print(
        f"                {len(made)} requests, "
        f"statuses {dict(sorted(statuses.items(), key=str))}; "
        f"failed other than 429: {failed or 'none'}; "
        f"duplicate assignments: {sum(n - 1 for n in grants.values() if n > 1)}"
    )


def listing_benchmark(args: argparse.Namespace) -> None:
    """Reading every page of a listing: time per item stays flat as the list grows (linear)."""
    for count in (1000, 4000):
        with Emulator(page_size=100) as emu:
            group = GROUP.format(sub=emu.subscription_id)
            emu.state.resources.ensure_resource_group(RG, "westus2")
            for index in range(count):
                rid = f"{group}/Microsoft.ManagedIdentity/userAssignedIdentities/id-{index:05d}"
                emu.state.identities.create_user_assigned(rid, "westus2", {})
            az = emu.azure()
            before = len(emu.requests)
            started = time.perf_counter()
            listed = az.list_identities()
            seconds = time.perf_counter() - started
            pages = len(emu.requests) - before
            az.close()
        print(
            f"listing:        {len(listed):5d} identities in {pages:3d} pages: {seconds:5.2f} s "
            f"({seconds / count * 1e3:.2f} ms per identity)"
        )


def rbac_benchmark(args: argparse.Namespace) -> None:
    """Access checks: time stays flat as assignments grow (they are indexed by principal)."""
    from aks_identity.emulator._rbac import definition_id

    reader = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
    for count in (2000, 20000):
        emu = Emulator()
        sub = emu.subscription_id
        rng = random.Random(2)
        principals = [f"{rng.getrandbits(128):032x}" for _ in range(2000)]
        for index in range(count):
            emu.state.rbac.assign(
                f"/subscriptions/{sub}/resourceGroups/rg{index}",
                definition_id(sub, reader),
                principals[index % len(principals)],
                propagated=True,
            )
        started = time.perf_counter()
        for principal in principals[:1000]:
            emu.state.rbac.check_access(
                principal,
                "Microsoft.Resources/subscriptions/resourceGroups/read",
                f"/subscriptions/{sub}/resourceGroups/rg7",
            )
        seconds = time.perf_counter() - started
        print(f"RBAC checks:    1000 checks over {count:5d} assignments: {seconds:6.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clusters", type=int, default=1000)
    parser.add_argument("--subscriptions", type=int, default=10)
    parser.add_argument("--assignments", type=int, default=20000)
    parser.add_argument("--migrate", type=int, default=100)
    parser.add_argument("--max-parallel", type=int, default=8)
    parser.add_argument("--time-scale", type=float, default=50.0)
    parser.add_argument("--skip-audit", action="store_true")
    parser.add_argument("--skip-migration", action="store_true")
    parser.add_argument("--skip-listing", action="store_true")
    parser.add_argument("--skip-rbac", action="store_true")
    args = parser.parse_args()
    if not args.skip_audit:
        audit_benchmark(args)
    if not args.skip_migration:
        migration_benchmark(args)
    if not args.skip_listing:
        listing_benchmark(args)
    if not args.skip_rbac:
        rbac_benchmark(args)


if __name__ == "__main__":
    main()
