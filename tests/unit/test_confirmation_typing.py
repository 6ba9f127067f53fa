"""Issue 12 item 4: ``ConfirmationRequired.plan`` is typed ``Plan`` (the docs' own example)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from mypy import api

SNIPPET = """
import aks_identity as aki


def downtime(cluster: aki.Cluster, kubelet: aki.ManagedIdentity) -> str | None:
    try:
        cluster.use_kubelet_identity(kubelet)
    except aki.ConfirmationRequired as refused:
        return refused.plan.expected_downtime
    return None


def wrong(refused: aki.ConfirmationRequired) -> None:
    refused.plan.no_such_attribute  # must be an error: the plan is a Plan, not Any
"""


def test_mypy_strict_knows_the_plan_of_a_refusal(
    tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    store = getattr(pytestconfig, "cache", None)  # None with -p no:cacheprovider
    cache = store.mkdir("mypy-confirmation") if store is not None else tmp_path / "mypy-cache"
    script = tmp_path / "user_script.py"
    script.write_text(textwrap.dedent(SNIPPET))
    out, err, status = api.run(["--strict", "--cache-dir", str(cache), str(script)])
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert len(errors) == 1, out + err
    assert '"Plan[Any]" has no attribute "no_such_attribute"' in errors[0]
    assert status == 1
