"""Requests per step of the guide: the library's (emulator log) beside the Azure CLI's.

The library runs the guide's 13 commands once, in one script, through the public API on a
fresh emulator (virtual clock). Per step: non-poll requests for the work the CLI also does
(``work``), reads for checks the CLI does not make (``checks``: the caller's permissions,
a custom subnet's prefix, ARM's locations list), the listings that find an existing
resource group or identity so a re-run keeps its tags (``keep``: ``az group create`` and
``az identity create`` read nothing and replace the tags), LRO polls (GETs of operation
status or result URLs) and failed requests (HTTP >= 400, 404 existence probes included). The CLI
columns come from the report ``nox -s compat`` writes (the real az 2.91.0 against the
emulator; ``--cli-report``, default ``.nox/.cache/compat.json``): requests the emulator
logged per ``az`` command, Entra token and Graph requests included.

    python benchmarks/guide_requests.py [--cli-report PATH]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aks_identity import Azure, NetworkProfile, Principal, PrincipalType
from aks_identity.emulator import Emulator

RG = "myResourceGroup"
STEPS = [
    ("group create", "group create"),
    (
        "aks create (system-assigned)",
        "aks create --resource-group myResourceGroup --name myManagedCluster ",
    ),
    ("aks show principalId", "identity.principalId"),
    ("role assignment create", "role assignment create"),
    ("identity create", "identity create --name myIdentity "),
    ("identity show principalId", "identity show"),
    ("aks create --assign-identity (subnet)", "myManagedCluster2"),
    ("aks update --enable-managed-identity", "--enable-managed-identity"),
    ("aks show identity.type", "identity.type"),
    ("aks create --assign-kubelet-identity", "--assign-kubelet-identity"),
    ("aks show kubelet identity", "identityProfile.kubeletidentity"),
    ("aks update --attach-acr", "--attach-acr"),
    ("aks nodepool upgrade --node-image-only", "--node-image-only"),
]


@dataclasses.dataclass
class Counts:
    """One step's requests, by kind."""

    work: int = 0
    checks: int = 0
    keep: int = 0
    polls: int = 0
    failed: int = 0


def is_poll(method: str, path: str) -> bool:
    """A GET of an operation status or result URL."""
    path = path.lower()
    return method == "GET" and ("/operations/" in path or "/operationresults/" in path)


def is_check(method: str, path: str) -> bool:
    """A read for a check the CLI does not make: permissions, a subnet, the locations."""
    path = path.lower().rstrip("/")
    return method == "GET" and (
        path.endswith("/providers/microsoft.authorization/permissions")
        or ("/subnets/" in path and "/providers/microsoft.authorization/" not in path)
        or path.endswith("/locations")
    )


def is_keep(method: str, path: str) -> bool:
    """A listing of the resource groups or of a group's identities (tags kept on re-runs)."""
    path = path.lower().rstrip("/")
    return method == "GET" and (
        path.endswith("/resourcegroups") or path.endswith("/userassignedidentities")
    )


def classify(records: list[Any]) -> Counts:
    counts = Counts()
    for r in records:
        if r.status is None or r.status >= 400:
            counts.failed += 1
        if is_poll(r.method, r.path):
            counts.polls += 1
        elif is_check(r.method, r.path):
            counts.checks += 1
        elif is_keep(r.method, r.path):
            counts.keep += 1
        else:
            counts.work += 1
    return counts


def library_counts() -> list[Counts]:
    """Requests the library sends for each step, in order."""
    counts: list[Counts] = []
    with Emulator(clock="virtual", seed=11) as emu:
        az: Azure = emu.azure()
        group = f"/subscriptions/{emu.subscription_id}/resourceGroups/{RG}"
        vnet = f"{group}/providers/Microsoft.Network/virtualNetworks/myVnet"
        subnet = f"{vnet}/subnets/mySubnet"
        registry = f"{group}/providers/Microsoft.ContainerRegistry/registries/myregistry"
        held: dict[str, Any] = {}

        def step(action: Callable[[], Any]) -> None:
            before = len(emu.requests)
            action()
            counts.append(classify(list(emu.requests)[before:]))

        def set_up_scopes() -> None:
            emu.put_resource(vnet, {"location": "westus2"})
            emu.put_resource(subnet, {"properties": {"addressPrefix": "10.240.0.0/16"}})
            emu.put_resource(registry, {"location": "westus2", "sku": {"name": "Basic"}})

        step(lambda: az.create_resource_group(RG, location="westus2"))
        set_up_scopes()
        step(lambda: held.update(c1=az.create_cluster("myManagedCluster", resource_group=RG)))
        step(
            lambda: held.update(
                pid=az.get_cluster("myManagedCluster", resource_group=RG).principal_id
            )
        )
        step(
            lambda: az.grant(
                Principal(held["pid"], PrincipalType.SERVICE_PRINCIPAL),
                "Network Contributor",
                group,
            )
        )
        step(lambda: held.update(ident=az.create_identity("myIdentity", resource_group=RG)))
        step(lambda: az.get_identity(name="myIdentity", resource_group=RG))
        network = NetworkProfile(
            plugin="azure", subnet_id=subnet, service_cidr="10.2.0.0/24", dns_service_ip="10.2.0.10"
        )
        step(
            lambda: az.create_cluster(
                "myManagedCluster2", resource_group=RG, identity=held["ident"], network=network
            )
        )
        step(lambda: held.update(c1=held["c1"].use_identity(held["ident"])))
        step(lambda: az.get_cluster("myManagedCluster", resource_group=RG).identity_type)
        kubelet = az.create_identity("myKubeletIdentity", resource_group=RG)
        step(
            lambda: held.update(
                c3=az.create_cluster(
                    "myManagedCluster3",
                    resource_group=RG,
                    identity=held["ident"],
                    kubelet_identity=kubelet,
                )
            )
        )
        step(lambda: az.get_cluster("myManagedCluster3", resource_group=RG).kubelet_identity)
        step(lambda: held["c3"].attach_acr(registry))
        emu.set_newest_node_image("AKSUbuntu-2204gen2containerd-209901.01.0")
        step(lambda: held["c3"].upgrade_node_images(allow_downtime=True))
    return counts


def cli_counts(report: Path) -> list[dict[str, Any] | None]:
    """Per guide step the compat report's row (requests, polls, failed), None where absent."""
    if not report.exists():
        return [None] * len(STEPS)
    runs = json.loads(report.read_text(encoding="utf-8"))
    return [
        next((r for r in runs if needle in r["command"] and r["returncode"] == 0), None)
        for _, needle in STEPS
    ]


def _cli_cell(row: dict[str, Any] | None, key: str) -> str:
    if row is None or key not in row:
        return "-"
    if key == "requests":
        return str(int(row["requests"]) - int(row.get("polls", 0)))
    return str(row[key])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cli-report", type=Path, default=Path(".nox/.cache/compat.json"))
    args = parser.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # propagation/token warnings: expected, not measured
        library = library_counts()
    cli = cli_counts(args.cli_report)
    print(
        "Guide commands run once in one script: non-poll work | reads for checks the CLI does"
        " not make | listings that keep tags on re-runs | LRO polls | failed;\naz 2.91: non-poll"
        " requests (when the report has polls), polls, failed\n"
    )
    header = (
        f"{'step':42} {'work':>5} {'checks':>6} {'keep':>4} {'polls':>5} {'failed':>6}   "
        f"{'az':>4} {'polls':>5} {'failed':>6}"
    )
    print(header)
    print("-" * len(header))
    for (name, _), mine, theirs in zip(STEPS, library, cli, strict=True):
        print(
            f"{name:42} {mine.work:>5} {mine.checks:>6} {mine.keep:>4} {mine.polls:>5} "
            f"{mine.failed:>6}   "
            f"{_cli_cell(theirs, 'requests'):>4} {_cli_cell(theirs, 'polls'):>5} "
            f"{_cli_cell(theirs, 'failed'):>6}"
        )
    total = Counts(
        **{f.name: sum(getattr(c, f.name) for c in library) for f in dataclasses.fields(Counts)}
    )
    rows = [r for r in cli if r is not None]
    cli_total = (
        "-"
        if not rows
        else _cli_cell(
            {
                "requests": sum(int(r["requests"]) for r in rows),
                "polls": sum(int(r.get("polls", 0)) for r in rows),
            },
            "requests",
        )
    )
    print("-" * len(header))
    print(
        f"{'total':42} {total.work:>5} {total.checks:>6} {total.keep:>4} {total.polls:>5} "
        f"{total.failed:>6}   "
        f"{cli_total:>4}"
    )


if __name__ == "__main__":
    main()
