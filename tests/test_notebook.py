"""docs/notebooks/walkthrough.ipynb runs headless, top to bottom, without an error, and its
views are what the docs promise (a plan's grants table, the inventory as one table)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parent.parent / "docs" / "notebooks" / "walkthrough.ipynb"


@pytest.fixture(scope="module")
def executed() -> Any:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    return notebook


def _html(cell: Any) -> str:
    return "".join(o.get("data", {}).get("text/html", "") for o in cell.get("outputs", []))


def _cell(notebook: Any, source: str) -> Any:
    return next(c for c in notebook.cells if c.cell_type == "code" and source in c.source)


def test_every_cell_runs_without_error(executed: Any) -> None:
    errors = [o for c in executed.cells for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert errors == []


def test_the_plan_shows_its_grants_compactly(executed: Any) -> None:
    html = _html(_cell(executed, "dry_run=True"))
    assert "Role assignments" in html and "Network Contributor" in html
    assert "subnet aks" in re.sub(r"<[^>]+>", "|", html)


def test_the_inventory_is_one_table(executed: Any) -> None:
    html = _html(_cell(executed, "custom.identities()"))
    assert html.count("<table") == 1
    assert "control plane" in html and "kubelet" in html


def test_the_notebook_is_stored_without_outputs() -> None:
    stored = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in stored.cells if c.cell_type == "code")
    assert any(c.source.startswith("## Fleet audit") for c in stored.cells)


def test_the_fleet_audit_is_the_reports_table(executed: Any) -> None:
    html = _html(_cell(executed, "fleet.audit()"))
    assert html.count("<table") == 1
    assert "Audit: 8 clusters in 3 subscriptions" in html
    assert "ServicePrincipalControlPlane" in html and "enable_managed_identity()" in html
