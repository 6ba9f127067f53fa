"""Developer sessions: tests, lint, typecheck, demo, bench."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nox

AZURE_CLI = "azure-cli==2.91.0"

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.default_venv_backend = "venv"


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite (unit, emulator, integration)."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and format check."""
    session.install("ruff>=0.5")
    session.run("ruff", "check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package."""
    session.install("-e", ".[dev]")
    session.run("mypy", "--strict", "aks_identity")


@nox.session
def demo(session: nox.Session) -> None:
    """The guide's walkthrough on the embedded emulator."""
    session.install("-e", ".")
    session.run("python", "-m", "aks_identity", "demo", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks: emulator throughput, requests per flow, retry figures."""
    session.install("-e", ".[test]")
    for script in ("emulator_rps.py", "flow_requests.py", "propagation.py"):
        session.run("python", f"benchmarks/{script}", *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """Run every ```python example of docs/ against the emulator."""
    session.install("-e", ".[docs]")
    session.run("python", "-m", "pytest", "tests/test_docs.py", *session.posargs)


@nox.session
def compat(session: nox.Session) -> None:
    """The real Azure CLI runs the guide's commands against a fresh emulator (tests/compat).

    azure-cli is large: it goes into a virtual environment of its own (reused while its
    version matches), never into the test environment. A missing ``az`` fails the session.
    """
    session.install("-e", ".[test]")
    cli_env = Path(session.cache_dir) / "azure-cli"
    az = cli_env / ("Scripts/az.bat" if sys.platform == "win32" else "bin/az")
    marker = cli_env / "installed.txt"
    if not marker.exists() or marker.read_text() != AZURE_CLI:
        session.run(sys.executable, "-m", "venv", "--clear", str(cli_env), external=True)
        pip = cli_env / ("Scripts/pip.exe" if sys.platform == "win32" else "bin/pip")
        session.run(str(pip), "install", "--quiet", AZURE_CLI, external=True)
        marker.write_text(AZURE_CLI)
    report = os.environ.get("AKS_IDENTITY_COMPAT_REPORT", str(cli_env.parent / "compat.json"))
    session.run(
        "python",
        "-m",
        "pytest",
        "tests/compat",
        *session.posargs,
        env={"AKS_IDENTITY_AZ": str(az), "AKS_IDENTITY_COMPAT_REPORT": report},
    )
