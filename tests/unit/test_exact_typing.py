"""Issue 12 item 4: exact types under mypy --strict and pyright.

A ``dry_run`` given as a ``bool`` variable picks the ``dry_run: bool`` overload (the result is
``T | Plan[T]``, never ``Any``); ``Plan`` is generic in what ``apply()`` returns; a bare
``aki.Plan`` stays usable (``Plan[Any]``); ``Emulator.azure()`` knows its keywords.

The line after each ``# expect: A | B`` comment of the snippet must reveal exactly those
types (in any order, module prefixes dropped); each line marked ``# error`` must be an error,
and no other line may be one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from mypy import api

SNIPPET = """
import aks_identity as aki
from aks_identity.emulator import Emulator


def flags(
    az: aki.Azure,
    cluster: aki.Cluster,
    ident: aki.ManagedIdentity,
    assignment: aki.RoleAssignment,
    principal: aki.Principal,
    flag: bool,
) -> None:
    # expect: Cluster | Plan[Cluster]
    reveal_type(cluster.use_identity(ident, dry_run=flag))
    # expect: Cluster
    reveal_type(cluster.use_identity(ident))
    # expect: Plan[Cluster]
    reveal_type(cluster.use_identity(ident, dry_run=True))
    # expect: Cluster | Plan[Cluster]
    reveal_type(cluster.use_kubelet_identity(ident, dry_run=flag))
    # expect: Cluster | Plan[Cluster]
    reveal_type(cluster.upgrade_node_images(dry_run=flag))
    # expect: RoleAssignment | Plan[RoleAssignment]
    reveal_type(cluster.attach_acr("/r", dry_run=flag))
    # expect: Plan[None] | None
    reveal_type(cluster.detach_acr("/r", dry_run=flag))
    # expect: Plan[None] | None
    reveal_type(cluster.delete(dry_run=flag))
    # expect: RoleAssignment | Plan[RoleAssignment]
    reveal_type(ident.grant("Reader", "/s", dry_run=flag))
    # expect: Plan[None] | None
    reveal_type(assignment.revoke(dry_run=flag))
    # expect: Cluster | Plan[Cluster]
    reveal_type(az.create_cluster("c", resource_group="g", dry_run=flag))
    # expect: ManagedIdentity | Plan[ManagedIdentity]
    reveal_type(az.create_identity("i", resource_group="g", dry_run=flag))
    # expect: ResourceGroup | Plan[ResourceGroup]
    reveal_type(az.create_resource_group("g", location="l", dry_run=flag))
    # expect: RoleAssignment | Plan[RoleAssignment]
    reveal_type(az.grant(principal, "Reader", "/s", dry_run=flag))
    # expect: Plan[None] | None
    reveal_type(az.delete_identity(ident, dry_run=flag))
    wrong: aki.Cluster = cluster.use_identity(ident, dry_run=flag)  # error


def applied(az: aki.Azure, cluster: aki.Cluster, ident: aki.ManagedIdentity) -> None:
    # expect: Cluster
    reveal_type(cluster.use_identity(ident, dry_run=True).apply())
    # expect: Cluster
    reveal_type(az.create_cluster("c", resource_group="g", dry_run=True).apply())
    # expect: RoleAssignment
    reveal_type(ident.grant("Reader", "/s", dry_run=True).apply())
    # expect: None
    reveal_type(az.delete_cluster("c", resource_group="g", dry_run=True).apply())
    plan: aki.Plan[aki.Cluster] = cluster.enable_managed_identity(dry_run=True)
    refreshed: aki.Cluster = plan.apply(allow_downtime=True)
    other: aki.ManagedIdentity = plan.apply()  # error


def bare(plan: aki.Plan, refused: aki.ConfirmationRequired) -> None:
    # expect: Any
    reveal_type(plan.apply())
    # expect: Plan[Any]
    reveal_type(refused.plan)


def emulator(emu: Emulator) -> None:
    emu.azure(total=600, initial=1, maximum=10, jitter=0, progress=False, seed=3)
    emu.azure(subscription_id="00000000-0000-0000-0000-000000000000", total=60)
    emu.azure(totl=600)  # error
    emu.azure(total="600")  # error
"""

_EXPECT = re.compile(r"^\s*# expect: (.+)$")
_PREFIX = re.compile(r"\b(?:[a-z_]+\.)+(?=[A-Z])")  # aks_identity._objects.Cluster -> Cluster


def _types(text: str) -> frozenset[str]:
    text = _PREFIX.sub("", text.strip().strip('"'))
    return frozenset(part.strip() for part in text.split(" | "))


def _expected(source: str) -> tuple[dict[int, frozenset[str]], set[int]]:
    reveals: dict[int, frozenset[str]] = {}
    errors: set[int] = set()
    for number, line in enumerate(source.splitlines(), 1):
        found = _EXPECT.search(line)
        if found:
            reveals[number + 1] = _types(found.group(1))
        if line.rstrip().endswith("# error"):
            errors.add(number)
    return reveals, errors


@pytest.fixture(scope="module")
def script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("exact-typing") / "user_code.py"
    path.write_text(textwrap.dedent(SNIPPET))
    return path


def _check(
    script: Path, reveals: dict[int, frozenset[str]], errors: dict[int, str], raw: str
) -> None:
    reveals_expected, errors_expected = _expected(script.read_text())
    assert reveals == reveals_expected, raw
    assert set(errors) == errors_expected, raw


def test_mypy_strict_picks_the_exact_overload(
    script: Path, tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    store = getattr(pytestconfig, "cache", None)  # None with -p no:cacheprovider
    cache = store.mkdir("mypy-exact-typing") if store is not None else tmp_path / "mypy-cache"
    out, err, _ = api.run(["--strict", "--cache-dir", str(cache), str(script)])
    reveals: dict[int, frozenset[str]] = {}
    errors: dict[int, str] = {}
    for line in out.splitlines():
        found = re.match(r".*?:(\d+): (error|note): (.*)$", line)
        if not found:
            continue
        number, kind, message = int(found.group(1)), found.group(2), found.group(3)
        if kind == "note" and message.startswith("Revealed type is "):
            reveals[number] = _types(message.removeprefix("Revealed type is "))
        elif kind == "error":
            errors[number] = message
    _check(script, reveals, errors, out + err)


def _pyright() -> str | None:
    here = Path(sys.executable).parent
    found = here / "pyright"
    return str(found) if found.exists() else shutil.which("pyright")


@pytest.mark.skipif(_pyright() is None, reason="pyright is in the dev extra")
def test_pyright_picks_the_exact_overload(script: Path) -> None:
    pyright = _pyright()
    assert pyright is not None
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    run = subprocess.run(
        [pyright, "--outputjson", "--pythonpath", sys.executable, str(script)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    report = json.loads(run.stdout)
    reveals: dict[int, frozenset[str]] = {}
    errors: dict[int, str] = {}
    for diagnostic in report["generalDiagnostics"]:
        number = diagnostic["range"]["start"]["line"] + 1
        message = diagnostic["message"]
        if diagnostic["severity"] == "information" and message.startswith("Type of "):
            reveals[number] = _types(message.rsplit(" is ", 1)[1])
        elif diagnostic["severity"] == "error":
            errors.setdefault(number, message)
    _check(script, reveals, errors, run.stdout)
