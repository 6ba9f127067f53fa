"""Developer sessions: tests, lint, typecheck, demo, bench."""

from __future__ import annotations

import nox

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
    for script in ("emulator_rps.py", "flow_requests.py", "propagation.py", "fleet.py"):
        session.run("python", f"benchmarks/{script}", *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """Run every ```python example of docs/ against the emulator."""
    session.install("-e", ".[docs]")
    session.run("python", "-m", "pytest", "tests/test_docs.py", *session.posargs)
