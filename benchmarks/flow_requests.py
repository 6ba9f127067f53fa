"""ARM requests each identity flow sends, from the emulator's request log, beside the Azure CLI.

For every flow: requests sent (total), failed ones (HTTP >= 400 or dropped), LRO polls
(GETs of operation status/result URLs) and reads of the caller's own permissions (included in
the total; one per resource group per client, cached five minutes), measured on the
emulator's virtual clock with an Entra ID replication delay (so a client that omits
principalType would hit PrincipalNotFound, as the CLI did). The CLI columns count the
recorded sessions in ../shared/arm-samples/cli-recordings (or --recordings DIR).

    python benchmarks/flow_requests.py [--replication-delay 30] [--propagation-delay 0]
"""

from __future__ import annotations

import argparse
import re
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aks_identity import Azure, ServicePrincipal
from aks_identity.emulator import Emulator

RG = "flows"
GROUP = "/subscriptions/{sub}/resourceGroups/flows/providers"
REGISTRY = GROUP + "/Microsoft.ContainerRegistry/registries/acr1"
VNET = GROUP + "/Microsoft.Network/virtualNetworks/vnet1"

CLI = {
    "kubelet identity: create": "test_aks_custom_kubelet_identity.yaml",
    "service principal -> system-assigned": "test_aks_update_to_msi_cluster.yaml",
    "service principal -> user-assigned": (
        "test_aks_create_with_SP_then_update_to_user_assigned_identity.yaml"
    ),
}


def cli_counts(path: Path) -> tuple[int, int, int]:
    """(requests, failed, LRO polls) of a recorded CLI session (vcrpy YAML)."""
    text = path.read_text()
    uris = re.findall(r"^    uri: (\S+)", text, flags=re.M)
    methods = re.findall(r"^    method: (\S+)", text, flags=re.M)
    codes = [int(c) for c in re.findall(r"^      code: (\d+)", text, flags=re.M)]
    polls = sum(
        1
        for m, u in zip(methods, uris, strict=True)
        if m == "GET" and re.search(r"/operations?(results)?/", u)
    )
    return len(uris), sum(1 for c in codes if c >= 400), polls


def service_principal(emu: Emulator) -> ServicePrincipal:
    """A legacy service principal known to the emulated directory."""
    make = getattr(emu, "create_service_principal", None)
    if make is not None:
        return ServicePrincipal(*make("flows-sp"))
    principal = emu.state.directory.add_principal(display_name="flows-sp")
    return ServicePrincipal(principal.client_id, "not-a-real-secret")


def _setup(emu: Emulator, az: Azure) -> dict[str, Any]:
    sub = emu.subscription_id
    az.create_resource_group(RG, location="westus2")
    vnet = VNET.format(sub=sub)
    emu.put_resource(
        vnet,
        {
            "location": "westus2",
            "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}},
        },
    )
    emu.put_resource(f"{vnet}/subnets/aks", {"properties": {"addressPrefix": "10.1.0.0/24"}})
    emu.put_resource(REGISTRY.format(sub=sub), {"location": "westus2", "sku": {"name": "Basic"}})
    return {"subnet": f"{vnet}/subnets/aks", "registry": REGISTRY.format(sub=sub)}


def _flows() -> dict[str, Callable[[Emulator, Azure, dict[str, Any]], None]]:
    from aks_identity import NetworkProfile

    def kubelet_create(emu: Emulator, az: Azure, ctx: dict[str, Any]) -> None:
        cp = az.create_identity("cp-identity", resource_group=RG)
        kubelet = az.create_identity("kubelet", resource_group=RG)
        az.create_cluster("k1", resource_group=RG, identity=cp, kubelet_identity=kubelet)
        az.delete_cluster("k1", resource_group=RG)

    def sp_to_system(emu: Emulator, az: Azure, ctx: dict[str, Any]) -> None:
        cluster = az.create_cluster("s1", resource_group=RG, service_principal=ctx["sp"])
        cluster.enable_managed_identity()
        az.delete_cluster("s1", resource_group=RG)

    def sp_to_user(emu: Emulator, az: Azure, ctx: dict[str, Any]) -> None:
        cluster = az.create_cluster("s2", resource_group=RG, service_principal=ctx["sp"])
        ident = az.create_identity("s2-identity", resource_group=RG)
        cluster.use_identity(ident)
        az.delete_cluster("s2", resource_group=RG)

    def system_create(emu: Emulator, az: Azure, ctx: dict[str, Any]) -> None:
        az.create_cluster("c1", resource_group=RG)

    def user_subnet_create(emu: Emulator, az: Azure, ctx: dict[str, Any]) -> None:
        ident = az.create_identity("c2-identity", resource_group=RG)
        az.create_cluster(
            "c2",
            resource_group=RG,
            identity=ident,
            network=NetworkProfile(
                subnet_id=ctx["subnet"], service_cidr="10.2.0.0/24", dns_service_ip="10.2.0.10"
            ),
        )

    def system_to_user(emu: Emulator, az: Azure, ctx: dict[str, Any]) -> None:
        ident = az.create_identity("c1-identity", resource_group=RG)
        az.get_cluster("c1", resource_group=RG).use_identity(ident)

    def attach_acr(emu: Emulator, az: Azure, ctx: dict[str, Any]) -> None:
        az.get_cluster("c1", resource_group=RG).attach_acr(ctx["registry"])

    def kubelet_change(emu: Emulator, az: Azure, ctx: dict[str, Any]) -> None:
        new = az.create_identity("c1-kubelet", resource_group=RG)
        az.get_cluster("c1", resource_group=RG).use_kubelet_identity(new, allow_downtime=True)

    def node_images(emu: Emulator, az: Azure, ctx: dict[str, Any]) -> None:
        emu.set_newest_node_image("AKSUbuntu-2204gen2containerd-209912.01.0")
        az.get_cluster("c1", resource_group=RG).upgrade_node_images(allow_downtime=True)

    return {
        "kubelet identity: create": kubelet_create,
        "service principal -> system-assigned": sp_to_system,
        "service principal -> user-assigned": sp_to_user,
        "system-assigned: create": system_create,
        "user-assigned + custom subnet: create": user_subnet_create,
        "system-assigned -> user-assigned": system_to_user,
        "attach registry (AcrPull)": attach_acr,
        "kubelet identity: change (+AcrPull re-grant)": kubelet_change,
        "node image upgrade": node_images,
    }


def is_poll(record: Any) -> bool:
    """A GET of an operation status or result URL."""
    path = record.path.lower()
    return record.method == "GET" and ("/operations/" in path or "/operationresults/" in path)


def is_permission_read(record: Any) -> bool:
    """A GET of the caller's permissions (the check before a plan's first write)."""
    return record.method == "GET" and record.path.lower().endswith(
        "/providers/microsoft.authorization/permissions"
    )


def measure(args: argparse.Namespace) -> list[tuple[str, int, int, int, int, int]]:
    """Run every flow in order on one emulator; per flow (name, total, failed, 404 reads, polls,
    permission reads)."""
    rows = []
    with Emulator(
        clock="virtual",
        seed=11,
        replication_delay=args.replication_delay,
        propagation_delay=args.propagation_delay,
    ) as emu:
        az = emu.azure()
        ctx = _setup(emu, az)
        ctx["sp"] = service_principal(emu)
        emu.clock.advance(max(args.replication_delay, 0) + 1)
        for name, flow in _flows().items():
            first = len(emu.requests)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                flow(emu, az, ctx)
            log = list(emu.requests)[first:]
            failed = [r for r in log if r.status is None or r.status >= 400]
            absent = sum(1 for r in failed if r.method == "GET" and r.status == 404)
            polls = sum(1 for r in log if is_poll(r))
            perms = sum(1 for r in log if is_permission_read(r))
            rows.append((name, len(log), len(failed), absent, polls, perms))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replication-delay", type=float, default=30.0)
    parser.add_argument("--propagation-delay", type=float, default=0.0)
    parser.add_argument(
        "--recordings",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "tests" / "arm_samples" / "cli-recordings",
    )
    args = parser.parse_args(argv)
    rows = measure(args)
    print(
        f"ARM requests per flow (emulator, virtual clock, replication delay "
        f"{args.replication_delay:g} s, propagation delay {args.propagation_delay:g} s)\n"
    )
    header = (
        f"{'flow':<46} {'total':>5} {'failed':>6} {'(404 reads)':>11} {'polls':>5} {'perms':>5}   "
        "Azure CLI (total/failed/polls)"
    )
    print(header)
    print("-" * len(header))
    for name, total, failed, absent, polls, perms in rows:
        recording = args.recordings / CLI[name] if name in CLI else None
        cli = ""
        if recording is not None and recording.exists():
            c_total, c_failed, c_polls = cli_counts(recording)
            cli = f"{c_total}/{c_failed}/{c_polls}  ({recording.name})"
        print(f"{name:<46} {total:>5} {failed:>6} {absent:>11} {polls:>5} {perms:>5}   {cli}")
    print(
        "\n(404 reads: existence checks before a create, e.g. GET cluster -> 404; failed counts"
        " them.)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
