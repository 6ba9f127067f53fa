"""Fleet's entry points: the constructor, azure(), plan_migration, FleetPlan.apply (its
numbers, flags and journal), AuditReport's methods, and the ``audit``/``migrate`` CLI.

Each bad input raises ValidationError whose message names the problem and a fix, and the
emulator's request log holds no write after it (Resource Graph queries are reads)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from aks_identity import (
    AuditReport,
    Fleet,
    FleetPlan,
    RetryPolicy,
    ValidationError,
)
from aks_identity._cli import main
from aks_identity.emulator._seed import seed_cluster

from .conftest import OTHER_SUBSCRIPTION, RG, World, writes_after

Refused = Callable[..., ValidationError]


@pytest.fixture(scope="module")
def fleet(world: World) -> Iterator[Fleet]:
    """The world's emulator as a fleet, with a service principal cluster to migrate."""
    client_id, _ = world.emu.create_service_principal("legacy-sp", replicated=True)
    seed_cluster(
        world.emu, world.emu.subscription_ids[1], RG, "legacy", service_principal=client_id
    )
    with world.emu.fleet() as made:
        yield made


@pytest.fixture(scope="module")
def plan(fleet: Fleet) -> FleetPlan:
    """A plan with writes (the service principal cluster migrates): a bad argument to its
    apply() that got through would show up as a PUT."""
    made = fleet.plan_migration(to="system-assigned")
    assert made.writes > 0
    return made


@pytest.fixture(scope="module")
def report(fleet: Fleet) -> AuditReport:
    return fleet.audit()


def _connect(world: World, **kwargs: Any) -> Callable[[], Fleet]:
    options: dict[str, Any] = {
        "base_url": world.emu.url,
        "connection_verify": world.emu.ca_bundle,
    }
    options.update(kwargs)
    credential = options.pop("credential", world.emu.credential())
    return lambda: Fleet(credential, **options)


# -- the constructor ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"credential": None}, "credential"),
        ({"credential": "token"}, "credential"),
        ({"subscriptions": "00000000-0000-0000-0000-000000000001"}, "not one string"),
        ({"subscriptions": b"00000000-0000-0000-0000-000000000001"}, "not one string"),
        ({"subscriptions": 5}, "got int"),
        ({"subscriptions": []}, "names no subscription"),
        ({"subscriptions": ["not-a-guid"]}, "not a guid"),
        ({"subscriptions": [None]}, "expected a string"),
        ({"subscriptions": [OTHER_SUBSCRIPTION + "\n"]}, "not a guid"),
        ({"cloud": "Mars"}, "unknown cloud"),
        ({"cloud": 3}, "expected a string"),
        ({"base_url": "http://127.0.0.1:1"}, "https://"),
        ({"base_url": 443}, "expected a string"),
        ({"connection_verify": 3}, "connection_verify"),
        ({"retry": "fast"}, "RetryPolicy"),
        ({"retry": {"total": 5}}, "RetryPolicy"),
    ],
    ids=[
        "credential-none",
        "credential-str",
        "subscriptions-str",
        "subscriptions-bytes",
        "subscriptions-int",
        "subscriptions-empty",
        "subscription-not-guid",
        "subscription-none",
        "subscription-newline",
        "cloud-unknown",
        "cloud-int",
        "base-url-http",
        "base-url-int",
        "verify-int",
        "retry-str",
        "retry-dict",
    ],
)
def test_constructor(world: World, refused: Refused, kwargs: dict[str, Any], problem: str) -> None:
    refused(_connect(world, **kwargs), problem)


@pytest.mark.parametrize(
    ("call", "problem"),
    [
        (lambda: Fleet.from_environment(cloud=3), "expected a string"),
        (lambda: Fleet.from_environment("00000000-0000-0000-0000-000000000001"), "not one string"),
        (lambda: Fleet.from_environment(retry=30), "RetryPolicy"),
    ],
    ids=["cloud-int", "subscriptions-str", "retry-int"],
)
def test_from_environment(world: World, refused: Refused, call: Any, problem: str) -> None:
    with world.emu.activate():
        refused(call, problem)


@pytest.mark.parametrize(
    ("value", "problem"),
    [(None, "expected a string"), (3, "expected a string"), ("prod", "not a guid")],
    ids=["none", "int", "name"],
)
def test_azure_of_a_subscription(fleet: Fleet, refused: Refused, value: Any, problem: str) -> None:
    refused(lambda: fleet.azure(value), problem)


# -- plan_migration ----------------------------------------------------------------------------


def _identity_id(subscription: str, name: str = "ident1") -> str:
    return (
        f"/subscriptions/{subscription}/resourceGroups/{RG}/providers/"
        f"Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
    )


@pytest.mark.parametrize(
    ("make_to", "problem"),
    [
        (lambda w: None, "not a migration target"),
        (lambda w: 3, "not a migration target"),
        (lambda w: b"system-assigned", "not a migration target"),
        (lambda w: "user-assigned", "not a migration target"),
        (lambda w: "", "not a migration target"),
        (lambda w: ["system-assigned"], "not a migration target"),
        (lambda w: w.cluster, "not a migration target"),
        (lambda w: str(w.cluster.id), "expected a user-assigned identity id"),
        (lambda w: w.registry, "expected a user-assigned identity id"),
        (lambda w: f"/subscriptions/{w.sub}", "expected a user-assigned identity id"),
        (lambda w: "/", "expected a user-assigned identity id"),
        (lambda w: _identity_id(w.sub, ".."), "relative path"),
        (lambda w: _identity_id("not-a-guid"), "not a guid"),
        (lambda w: _identity_id(w.sub) + "\n", "trailing whitespace"),
        (lambda w: _identity_id(OTHER_SUBSCRIPTION), "cannot see"),
    ],
    ids=[
        "none",
        "int",
        "bytes",
        "unknown-word",
        "empty",
        "list",
        "cluster-object",
        "cluster-id",
        "registry-id",
        "subscription-id",
        "tenant-root",
        "dot-dot",
        "subscription-not-guid",
        "trailing-newline",
        "another-tenants-identity",
    ],
)
def test_migration_target(
    world: World, fleet: Fleet, refused: Refused, make_to: Any, problem: str
) -> None:
    refused(lambda: fleet.plan_migration(to=make_to(world)), problem)


def test_another_tenants_identity_object(world: World, fleet: Fleet, refused: Refused) -> None:
    """A ManagedIdentity object read in a subscription this fleet's credential cannot see."""
    elsewhere = attrs.evolve(world.identity, id=_identity_id(OTHER_SUBSCRIPTION))
    error = refused(lambda: fleet.plan_migration(to=elsewhere), "cannot see", OTHER_SUBSCRIPTION)
    assert "fleet.subscription_ids()" in str(error)


@pytest.mark.parametrize(
    ("where", "problem"),
    [
        ("payments", "must be a function"),
        (True, "must be a function"),
        ({"name": "legacy"}, "must be a function"),
        (lambda c: 1 / 0, "ZeroDivisionError"),
        (lambda c, extra: True, "TypeError"),
        (lambda c: c.no_such_attribute, "AttributeError"),
        (lambda c: "no", "returned str"),
        (lambda c: None, "returned NoneType"),
        (lambda c: 1, "returned int"),
    ],
    ids=[
        "str",
        "bool",
        "dict",
        "raises",
        "two-arguments",
        "attribute-error",
        "returns-truthy-str",
        "returns-none",
        "returns-int",
    ],
)
def test_where(fleet: Fleet, refused: Refused, where: Any, problem: str) -> None:
    refused(lambda: fleet.plan_migration(to="system-assigned", where=where), problem)


# -- FleetPlan.apply ---------------------------------------------------------------------------

NUMBERS = [0, -1, True, False, "4", math.nan, math.inf, 2.0, None, b"4"]


@pytest.mark.parametrize("value", NUMBERS, ids=[repr(v) for v in NUMBERS])
def test_max_parallel(plan: FleetPlan, refused: Refused, value: Any) -> None:
    refused(lambda: plan.apply(max_parallel=value), "max_parallel", "whole number")


@pytest.mark.parametrize(
    "value", [-1, 0, True, "1", math.nan, 1.5], ids=["-1", "0", "True", "'1'", "nan", "1.5"]
)
def test_max_failures(plan: FleetPlan, refused: Refused, value: Any) -> None:
    refused(lambda: plan.apply(max_failures=value), "max_failures", "whole number")


@pytest.mark.parametrize(
    "value", ["yes", "True", 1, None, [True]], ids=["yes", "True-str", "1", "None", "list"]
)
def test_allow_downtime(plan: FleetPlan, refused: Refused, value: Any) -> None:
    refused(lambda: plan.apply(allow_downtime=value), "allow_downtime", "True or False")


@pytest.mark.parametrize("value", ["yes", 1, 0.0], ids=["yes", "1", "0.0"])
def test_progress(plan: FleetPlan, refused: Refused, value: Any) -> None:
    refused(lambda: plan.apply(progress=value), "progress", "True, False or None")


def _journal_cases(tmp: Path, world: World, fleet: Fleet) -> dict[str, tuple[Any, str]]:
    foreign = tmp / "notes.txt"
    foreign.write_text("shopping list\n")
    binary = tmp / "image.bin"
    binary.write_bytes(b"\xff\xfe\x00\x01")
    other_header = tmp / "other-format.jsonl"
    other_header.write_text(json.dumps({"format": "someone-else/journal", "version": 1}) + "\n")
    newer = tmp / "newer.jsonl"
    newer.write_text(json.dumps({"format": "aks-identity/fleet-journal", "version": 99}) + "\n")
    another_plan = tmp / "another-plan.jsonl"
    nothing = fleet.plan_migration(to=_identity_id(world.sub), where=lambda c: False)
    nothing.apply(journal=another_plan)  # writes the header only: no cluster in that plan
    return {
        "directory": (tmp, "is a directory"),
        "not-ours": (foreign, "not an aks-identity fleet journal"),
        "binary": (binary, "UnicodeDecodeError"),
        "other-format": (other_header, "no aks-identity header"),
        "newer-version": (newer, "version 99"),
        "another-plan": (another_plan, "belongs to another plan"),
        "inside-a-file": (foreign / "journal.jsonl", "cannot be written"),
        "empty-name": ("", "names no file"),
        "int": (3, "must be a file path"),
        "bytes": (b"journal.jsonl", "must be a file path"),
    }


JOURNALS = [
    "directory",
    "not-ours",
    "binary",
    "other-format",
    "newer-version",
    "another-plan",
    "inside-a-file",
    "empty-name",
    "int",
    "bytes",
]


@pytest.mark.parametrize("case", JOURNALS)
def test_journal(
    world: World,
    fleet: Fleet,
    plan: FleetPlan,
    refused: Refused,
    tmp_path: Path,
    case: str,
) -> None:
    journal, problem = _journal_cases(tmp_path, world, fleet)[case]
    before = sorted(p.name for p in tmp_path.iterdir())
    sizes = {p.name: p.stat().st_size for p in tmp_path.iterdir() if p.is_file()}
    refused(lambda: plan.apply(journal=journal), problem)
    # the refused journal is left as it was (nothing appended, no file made)
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert {p.name: p.stat().st_size for p in tmp_path.iterdir() if p.is_file()} == sizes


def test_journal_not_started_when_consent_is_missing(
    world: World, plan: FleetPlan, tmp_path: Path
) -> None:
    """A plan refused for downtime leaves no journal file behind."""
    from aks_identity import ConfirmationRequired

    entry = next(e for e in plan.entries if e.plan is not None and e.plan.writes)
    assert entry.plan is not None
    reimaging = attrs.evolve(entry, plan=attrs.evolve(entry.plan, expected_downtime="reimage"))
    downtime = attrs.evolve(plan, entries=(reimaging,))
    journal = tmp_path / "journal.jsonl"
    first = len(world.emu.requests)
    with pytest.raises(ConfirmationRequired, match="allow_downtime=True"):
        downtime.apply(journal=journal)
    assert not journal.exists()
    assert writes_after(world.emu, first) == []


# -- AuditReport -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "problem"),
    [
        (lambda r: r.at_least("critical"), "not a known value"),
        (lambda r: r.at_least(3), "expected a string"),
        (lambda r: r.at_least(None), "expected a string"),
        (lambda r: r.by_cluster(None), "expected a string"),
        (lambda r: r.by_cluster(3), "expected a string"),
        (lambda r: r.to_json(indent="\t"), "expected an integer"),
        (lambda r: r.to_json(indent=-1), "out of range"),
        (lambda r: r.to_json(indent=True), "expected an integer"),
        (lambda r: r.to_table(width=0), "out of range"),
        (lambda r: r.to_table(width="wide"), "expected an integer"),
        (lambda r: r.to_table(width=12.5), "expected an integer"),
    ],
    ids=[
        "at-least-unknown",
        "at-least-int",
        "at-least-none",
        "by-cluster-none",
        "by-cluster-int",
        "json-indent-str",
        "json-indent-negative",
        "json-indent-bool",
        "table-width-zero",
        "table-width-str",
        "table-width-float",
    ],
)
def test_report_methods(report: AuditReport, refused: Refused, call: Any, problem: str) -> None:
    refused(lambda: call(report), problem)


def test_report_methods_still_take_good_values(report: AuditReport) -> None:
    assert report.at_least("WARNING") == report.at_least(
        type(report.findings[0].severity)("warning")
    )
    assert json.loads(report.to_json(indent=None))["clusters"] == len(report.clusters)
    assert report.by_cluster(report.clusters[0].id) == report.by_cluster(str(report.clusters[0].id))
    assert report.to_table(width=40).startswith("aks-identity audit:")


# -- the CLI -----------------------------------------------------------------------------------


def _cli(world: World, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """Run the CLI on the world's emulator (activated, so no --emulator): status, stderr."""
    first = len(world.emu.requests)
    with world.emu.activate():
        try:
            status = main(list(argv))
        except SystemExit as stop:  # argparse's errors
            status = int(stop.code or 0)
    err = capsys.readouterr().err
    assert writes_after(world.emu, first) == [], err
    assert "Traceback" not in err
    return status, err


CLI_CASES = {
    "max-parallel-zero": (
        ["migrate", "--to", "system-assigned", "--apply", "--max-parallel", "0"],
        "--max-parallel",
    ),
    "max-parallel-word": (
        ["migrate", "--to", "system-assigned", "--apply", "--max-parallel", "four"],
        "not a whole number",
    ),
    "max-parallel-negative": (
        ["migrate", "--to", "system-assigned", "--apply", "--max-parallel", "-3"],
        "--max-parallel",
    ),
    "to-missing": (["migrate", "--plan"], "--to"),
    "to-unknown": (["migrate", "--to", "user-assigned", "--plan"], "not a migration target"),
    "to-cluster": (
        ["migrate", "--to", "{cluster}", "--plan"],
        "expected a user-assigned identity id",
    ),
    "to-other-tenant": (
        ["migrate", "--to", _identity_id(OTHER_SUBSCRIPTION), "--apply"],
        "cannot see",
    ),
    "plan-and-apply": (
        ["migrate", "--to", "system-assigned", "--plan", "--apply"],
        "not allowed with argument",
    ),
    "no-mode": (["migrate", "--to", "system-assigned"], "--plan"),
    "subscription-not-guid": (
        ["migrate", "--to", "system-assigned", "--apply", "--subscription", "prod"],
        "not a guid",
    ),
    "cloud-unknown": (["audit", "--cloud", "Mars"], "unknown cloud"),
    "cluster-not-an-id": (
        ["migrate", "--to", "system-assigned", "--apply", "--cluster", "legacy"],
        "--cluster",
    ),
    "cluster-identity-id": (
        ["migrate", "--to", "system-assigned", "--apply", "--cluster", _identity_id("{sub}")],
        "expected an aks cluster id",
    ),
    "resource-group-dot-dot": (
        ["migrate", "--to", "system-assigned", "--apply", "--resource-group", ".."],
        "resource group",
    ),
    "journal-directory": (
        ["migrate", "--to", "system-assigned", "--apply", "--journal", "{tmp}"],
        "is a directory",
    ),
    "audit-format": (["audit", "--format", "xml"], "invalid choice"),
    "audit-fail-on": (["audit", "--fail-on", "critical"], "invalid choice"),
    "unknown-flag": (["migrate", "--to", "system-assigned", "--apply", "--force"], "--force"),
}


@pytest.mark.parametrize("case", list(CLI_CASES))
def test_cli_bad_flags(
    world: World, fleet: Fleet, capsys: pytest.CaptureFixture[str], tmp_path: Path, case: str
) -> None:
    argv, problem = CLI_CASES[case]
    values = {"cluster": str(world.cluster.id), "sub": world.sub, "tmp": str(tmp_path)}
    status, err = _cli(world, capsys, *(a.format(**values) for a in argv))
    assert status == 2, err
    assert problem.lower() in err.lower(), err
    assert err.lstrip().startswith(("error:", "usage:")), err


def test_cli_process_exits_2_without_traceback() -> None:
    """The real process: ``python -m aks_identity migrate --max-parallel 0`` (argparse refuses
    it before any connection is made)."""
    done = subprocess.run(
        [
            sys.executable,
            *("-m", "aks_identity", "migrate", "--to", "system-assigned"),
            *("--apply", "--max-parallel", "0"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "--max-parallel" in done.stderr and "pass e.g. --max-parallel 4" in done.stderr


def test_the_good_flags_still_plan(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    """The same path with good flags: a plan of the service principal cluster, nothing written."""
    first = len(world.emu.requests)
    with world.emu.activate():
        status = main(["migrate", "--to", "system-assigned", "--plan", "--max-parallel", "2"])
    out = capsys.readouterr().out
    assert status == 0
    assert "legacy" in out and "migrate" in out
    assert writes_after(world.emu, first) == []


def test_retry_policy_is_accepted(world: World) -> None:
    made = _connect(world, retry=RetryPolicy(total=30))()
    assert made.retry.total == 30
    made.close()
