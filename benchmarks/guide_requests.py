"""Requests per step of the guide: the library's (emulator log) beside the Azure CLI's.

The library column runs each step through the public API on a fresh emulator (virtual
clock). The CLI column comes from the report ``nox -s compat`` writes (the real az 2.91.0
against the emulator; ``--cli-report``, default ``.nox/.cache/compat.json``): requests the
emulator logged per ``az`` command, Entra token and Graph requests included.

    python benchmarks/guide_requests.py [--cli-report PATH]
"""

from __future__ import annotations

import argparse
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


def library_counts() -> list[int]:
    """Requests the library sends for each step, in order."""
    counts: list[int] = []
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
            counts.append(len(emu.requests) - before)

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


def cli_counts(report: Path) -> list[int | None]:
    """Requests per guide step from the compat report, or None where absent."""
    if not report.exists():
        return [None] * len(STEPS)
    runs = json.loads(report.read_text(encoding="utf-8"))
    found: list[int | None] = []
    for _, needle in STEPS:
        match = next((r for r in runs if needle in r["command"] and r["returncode"] == 0), None)
        found.append(None if match is None else int(match["requests"]))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cli-report", type=Path, default=Path(".nox/.cache/compat.json"))
    args = parser.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # propagation/token warnings: expected, not measured
        library = library_counts()
    cli = cli_counts(args.cli_report)
    print(f"{'step':42} {'library':>8} {'az 2.91':>8}")
    for (name, _), mine, theirs in zip(STEPS, library, cli, strict=True):
        print(f"{name:42} {mine:>8} {'-' if theirs is None else theirs:>8}")
    total_cli = sum(c for c in cli if c is not None)
    print(f"{'total':42} {sum(library):>8} {total_cli if any(cli) else '-':>8}")


if __name__ == "__main__":
    main()
