"""Developer sessions: tests, lint, typecheck, demo, bench."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nox

AZURE_CLI = "azure-cli==2.91.0"

nox.options.sessions = ["tests", "lint", "typecheck", "docs"]
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
    """mypy --strict and pyright on the package, the docs' examples and a user-style script;
    pyright --verifytypes on the public API."""
    session.install("-e", ".[dev]")
    session.run("mypy", "--strict", "aks_identity")
    examples = Path(session.create_tmp()) / "docs_examples"
    session.run("python", "tests/typing/docs_examples.py", str(examples))
    users = [str(examples), "tests/typing/user_script.py"]
    session.run("mypy", "--strict", *users)
    session.run("pyright", *users)
    session.run("pyright", "--verifytypes", "aks_identity", "--ignoreexternal")


@nox.session
def demo(session: nox.Session) -> None:
    """The guide's walkthrough on the embedded emulator."""
    session.install("-e", ".")
    session.run("python", "-m", "aks_identity", "demo", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks: emulator throughput, requests per flow, retry figures."""
    session.install("-e", ".[test]")
    for script in (
        "emulator_rps.py",
        "flow_requests.py",
        "guide_requests.py",
        "propagation.py",
        "import_cost.py",
        "read_cost.py",
        "fleet.py",
        "burst.py",
    ):
        session.run("python", f"benchmarks/{script}", *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the site (mkdocs --strict), run every ```python example and the notebook."""
    session.install("-e", ".[docs]")
    session.run(
        "mkdocs", "build", "--strict", "--site-dir", str(Path(session.create_tmp()) / "site")
    )
    session.run(
        "python", "-m", "pytest", "tests/test_docs.py", "tests/test_notebook.py", *session.posargs
    )


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
