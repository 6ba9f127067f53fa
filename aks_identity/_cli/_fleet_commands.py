"""``audit`` and ``migrate``: the fleet from the command line, on Azure or the embedded emulator.

With ``--emulator`` an emulator is started and seeded with a small demo fleet (three
subscriptions, one cluster per problem the audit finds: see ``emulator._seed``), so both
commands can be tried with nothing configured.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aks_identity._fleet import Fleet
    from aks_identity._objects import Cluster

__all__ = ["add_audit", "add_inventory", "add_migrate", "run_audit", "run_inventory", "run_migrate"]

DEMO_GROUP = "aks"
DEMO_IDENTITY = "platform-control"
"""With ``--emulator``: a user-assigned identity in the first subscription, for ``--to``."""


def _connection_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--subscription",
        metavar="ID",
        action="append",
        default=None,
        help="a subscription to include (repeat; default: every subscription you can see)",
    )
    command.add_argument(
        "--cloud", default="AzureCloud", help="AzureCloud, AzureUSGovernment or AzureChinaCloud"
    )
    command.add_argument(
        "--emulator",
        action="store_true",
        help="use the embedded emulator, seeded with a small demo fleet (nothing to configure)",
    )


def add_inventory(commands: Any) -> None:
    """The ``inventory`` subcommand."""
    inventory = commands.add_parser(
        "inventory", help="list every AKS cluster and its identities (one Resource Graph query)"
    )
    _connection_options(inventory)


def run_inventory(args: argparse.Namespace) -> int:
    """One row per cluster: identity type, control-plane principal, kubelet identity."""
    from aks_identity._fleet._report import text_table

    with _fleet(args) as fleet:
        clusters = fleet.clusters()
    rows = [
        {
            "cluster_id": str(c.id),
            "identity_type": c.identity_type.value,
            "principal_id": c.principal_id,
            "kubelet_identity": str(c.kubelet_identity.resource_id) if c.kubelet_identity else None,
            "uses_managed_identity": c.uses_managed_identity,  # the control plane
            "kubelet_uses_managed_identity": c.kubelet_uses_managed_identity,
        }
        for c in clusters
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    table = [
        (
            c.name,
            c.resource_group,
            (c.id.subscription_id or "")[:8],
            c.identity_type.value,
            c.kubelet_identity.name if c.kubelet_identity else "(service principal)",
        )
        for c in clusters
    ]
    print(text_table(("cluster", "group", "subscription", "control plane", "kubelet"), table))
    print(f"{len(clusters)} cluster{'s' * (len(clusters) != 1)}")
    return 0


def add_audit(commands: Any) -> None:
    """The ``audit`` subcommand."""
    audit = commands.add_parser(
        "audit",
        help="check every AKS cluster's identities (Resource Graph; one report for the fleet)",
        description="Exit status 1 when a finding at or above --fail-on exists (for CI gates).",
    )
    _connection_options(audit)
    audit.add_argument("--format", choices=("table", "json", "csv"), default=None)
    audit.add_argument(
        "--fail-on",
        choices=("warning", "error"),
        default=None,
        help="exit with status 1 when a finding of this severity or worse exists",
    )


def add_migrate(commands: Any) -> None:
    """The ``migrate`` subcommand."""
    migrate = commands.add_parser(
        "migrate",
        help="plan, then apply, an identity migration across the fleet",
        description="--plan shows what would change (nothing is written); --apply runs it, "
        "clusters in parallel, resumable with --journal.",
    )
    _connection_options(migrate)
    migrate.add_argument(
        "--to",
        required=True,
        metavar="TARGET",
        help="'system-assigned', or a user-assigned identity's resource ID "
        f"(with --emulator also the demo identity's name, {DEMO_IDENTITY})",
    )
    migrate.add_argument("--resource-group", metavar="G", help="only clusters in this group")
    migrate.add_argument(
        "--cluster",
        metavar="ID",
        action="append",
        default=None,
        help="only this cluster (resource ID; repeat)",
    )
    mode = migrate.add_mutually_exclusive_group(required=True)
    mode.add_argument("--plan", action="store_true", help="show the plan; write nothing")
    mode.add_argument("--apply", action="store_true", help="run the plan")
    migrate.add_argument(
        "--max-parallel",
        type=_positive_int,
        default=4,
        metavar="N",
        help="clusters migrated at a time (default 4)",
    )
    migrate.add_argument(
        "--journal", metavar="F", help="JSON-lines journal: re-run with it to finish a run"
    )
    migrate.add_argument(
        "--allow-downtime", action="store_true", help="consent to node reimages where needed"
    )


def _positive_int(text: str) -> int:
    """``--max-parallel``'s type: a whole number >= 1 (argparse reports the error, status 2)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a whole number >= 1: pass e.g. --max-parallel 4"
        )
    return value


def _check_selection(args: argparse.Namespace) -> None:
    """``--resource-group`` and ``--cluster`` checked before anything is read or written."""
    from aks_identity._errors import ValidationError
    from aks_identity._ids import ResourceId, ResourceKind
    from aks_identity._rules import check_resource_group_name

    if args.resource_group is not None:
        check_resource_group_name(args.resource_group)
    for cluster in args.cluster or ():
        try:
            ResourceId.parse(cluster).expect(ResourceKind.MANAGED_CLUSTER, what="--cluster")
        except ValidationError as error:
            if str(error).startswith("--cluster"):
                raise
            raise ValidationError(f"--cluster {error}", rule=error.rule) from None


@contextlib.contextmanager
def _fleet(args: argparse.Namespace) -> Iterator[Fleet]:
    if args.emulator:
        from aks_identity.emulator import Emulator
        from aks_identity.emulator._seed import seed_demo_fleet, seed_identity

        with Emulator(subscriptions=3) as emu:
            seed_demo_fleet(emu)
            seed_identity(emu, emu.subscription_id, DEMO_GROUP, DEMO_IDENTITY)
            print(
                f"embedded emulator at {emu.url}: demo fleet in {len(emu.subscription_ids)} "
                "subscriptions",
                file=sys.stderr,
            )
            with emu.fleet(args.subscription, progress=None) as fleet:
                yield fleet
        return
    from aks_identity._fleet import Fleet

    with Fleet.from_environment(args.subscription, cloud=args.cloud) as fleet:
        yield fleet


def run_audit(args: argparse.Namespace) -> int:
    """Print the report; 1 when a finding reaches ``--fail-on``."""
    output = args.format or ("json" if args.json else "table")
    with _fleet(args) as fleet:
        report = fleet.audit()
    if output == "json":
        print(report.to_json())
    elif output == "csv":
        sys.stdout.write(report.to_csv())
    else:
        print(report.to_table())
    if args.fail_on and report.at_least(args.fail_on):
        return 1
    return 0


def _target(args: argparse.Namespace, fleet: Fleet) -> str:
    to = str(args.to)
    if args.emulator and to == DEMO_IDENTITY:
        subscription = fleet.subscription_ids()[0]
        return (
            f"/subscriptions/{subscription}/resourceGroups/{DEMO_GROUP}/providers/"
            f"Microsoft.ManagedIdentity/userAssignedIdentities/{DEMO_IDENTITY}"
        )
    return to


def _selector(args: argparse.Namespace) -> Any:
    group = args.resource_group.lower() if args.resource_group else None
    wanted = {c.lower() for c in args.cluster} if args.cluster else None

    def where(cluster: Cluster) -> bool:
        if group is not None and cluster.resource_group.lower() != group:
            return False
        return wanted is None or str(cluster.id).lower() in wanted

    return where


def run_migrate(args: argparse.Namespace) -> int:
    """Show the plan, or apply it; 1 when a cluster failed."""
    _check_selection(args)
    with _fleet(args) as fleet:
        plan = fleet.plan_migration(to=_target(args, fleet), where=_selector(args))
        if args.plan:
            print(json.dumps(plan.as_dict(), indent=2) if args.json else str(plan))
            return 0
        result = plan.apply(
            max_parallel=args.max_parallel,
            journal=args.journal,
            allow_downtime=args.allow_downtime,
        )
    print(json.dumps(result.as_dict(), indent=2) if args.json else str(result))
    return 0 if not result.failed else 1
