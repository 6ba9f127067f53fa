"""``demo``: the guide's walkthrough on the emulator or on Azure (runs ``aks_identity._demo``)."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_demo", "run_demo"]


def add_demo(commands: Any) -> None:
    """The ``demo`` subcommand and its options."""
    demo = commands.add_parser(
        "demo",
        help="run the AKS managed-identity walkthrough (on the embedded emulator by default)",
    )
    demo.add_argument(
        "--subscription",
        metavar="ID",
        help="run against this real Azure subscription (signed-in credential)",
    )
    demo.add_argument(
        "--resource-group",
        default=None,
        help="resource group to create (default: myResourceGroup on the emulator, "
        "aks-identity-demo-<random> on Azure)",
    )
    demo.add_argument("--location", default="westus2")
    demo.add_argument(
        "--cloud", default="AzureCloud", help="AzureCloud, AzureUSGovernment or AzureChinaCloud"
    )
    demo.add_argument(
        "--service-principal",
        metavar="CLIENT_ID",
        help="legacy service principal for the migration flow (Azure only); its secret is read "
        "from AKS_IDENTITY_SP_SECRET or prompted for, never taken from the command line",
    )
    demo.add_argument(
        "--cleanup", action="store_true", help="delete the resource group at the end (Azure only)"
    )
    demo.add_argument(
        "--clock",
        choices=("virtual", "real"),
        default="virtual",
        help="emulator clock: virtual (instant) or real (scaled by --time-scale)",
    )
    demo.add_argument(
        "--time-scale",
        type=float,
        default=60.0,
        help="with --clock real: emulated seconds per real second",
    )


def _emulator_demo(args: argparse.Namespace) -> int:
    from aks_identity._demo import EmulatorEnvironment, walkthrough
    from aks_identity.emulator import Emulator

    options = {"time_scale": args.time_scale} if args.clock == "real" else {}
    with Emulator(clock=args.clock, **options) as emu:
        print(f"aks-identity demo on the embedded ARM emulator at {emu.url} ({args.clock} clock)")
        print(f"subscription {emu.subscription_id}, tenant {emu.tenant_id}")
        walkthrough(
            EmulatorEnvironment(emu),
            resource_group=args.resource_group or "myResourceGroup",
            location=args.location,
        )
    return 0


def _azure_demo(args: argparse.Namespace) -> int:
    import secrets

    from azure.identity import DefaultAzureCredential

    from aks_identity._azure import endpoints
    from aks_identity._client import Azure
    from aks_identity._demo import AzureEnvironment, service_principal_from, walkthrough

    sp = service_principal_from(args.service_principal) if args.service_principal else None
    credential = DefaultAzureCredential(authority=endpoints(args.cloud).authority)
    group = args.resource_group or f"aks-identity-demo-{secrets.token_hex(3)}"
    with Azure(credential, args.subscription, cloud=args.cloud) as azure:
        print(
            f"aks-identity demo on {azure.cloud}, subscription {azure.subscription_id}, "
            f"resource group {group}"
        )
        try:
            walkthrough(AzureEnvironment(azure, sp), resource_group=group, location=args.location)
        finally:
            if args.cleanup:
                print(f"\ncleanup: deleting resource group {group}")
                azure.delete_resource_group(group)
    return 0


def run_demo(args: argparse.Namespace) -> int:
    """Run the walkthrough as the options say."""
    return _azure_demo(args) if args.subscription else _emulator_demo(args)
