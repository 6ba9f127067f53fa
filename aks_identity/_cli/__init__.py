"""``python -m aks_identity``: ``demo``, ``inventory``, ``audit``, ``migrate``, ``--version``.

Each subcommand lives in its own module; this one builds the parser, runs the command and
turns library errors into a message and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from aks_identity._cli._fleet_commands import (
    add_audit,
    add_inventory,
    add_migrate,
    run_audit,
    run_inventory,
    run_migrate,
)
from aks_identity._cli._walkthrough import add_demo, run_demo

__all__ = ["main", "version"]


def version() -> str:
    """The installed version of aks-identity."""
    import aks_identity

    found = getattr(aks_identity, "__version__", None)
    if isinstance(found, str):
        return found
    from importlib.metadata import version as installed

    return installed("aks-identity")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m aks_identity",
        description="Manage the identities of AKS clusters: one cluster or a whole fleet.",
    )
    parser.add_argument("--version", action="version", version=f"aks-identity {version()}")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    commands = parser.add_subparsers(dest="command", required=True)
    add_demo(commands)
    add_inventory(commands)
    add_audit(commands)
    add_migrate(commands)
    return parser


_RUN = {"demo": run_demo, "inventory": run_inventory, "audit": run_audit, "migrate": run_migrate}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: the exit status."""
    from aks_identity._errors import AksIdentityError

    args = _parser().parse_args(argv)
    try:
        return _RUN[args.command](args)
    except AksIdentityError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
