"""``python -m aks_identity audit|migrate|--version`` on the embedded, seeded emulator."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from aks_identity._cli import main, version


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    status = main(list(argv))
    return status, capsys.readouterr().out


def test_audit_prints_a_table_a_newcomer_can_read_and_gates_ci(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out = run(capsys, "audit", "--emulator", "--fail-on", "warning")

    assert status == 1  # findings at or above the threshold: the CI gate fails
    assert out.startswith("aks-identity audit: 8 clusters in 3 subscriptions")
    assert "ERROR    ServicePrincipalControlPlane" in out
    assert "fix: cluster.enable_managed_identity()" in out
    assert "Each fix is Python" in out


def test_the_docs_show_the_table_the_cli_prints(capsys: pytest.CaptureFixture[str]) -> None:
    """docs/fleet.md shows the audit as a user sees it: same findings, same summary."""
    _, out = run(capsys, "audit", "--emulator")
    page = (Path(__file__).resolve().parents[2] / "docs" / "fleet.md").read_text()

    def headlines(text: str) -> list[str]:
        keep = ("ERROR ", "WARNING ", "aks-identity audit:")
        return [line.rstrip() for line in text.splitlines() if line.startswith(keep)]

    assert headlines(out), out
    assert headlines(out) == headlines(page), (
        "regenerate the ```text block of docs/fleet.md with: "
        "python -m aks_identity audit --emulator"
    )


def test_fail_on_passes_when_nothing_reaches_it(capsys: pytest.CaptureFixture[str]) -> None:
    from aks_identity.emulator import Emulator

    # the demo fleet's sandbox subscription: a Contributor warning and an orphan, no error
    sandbox = Emulator(subscriptions=3).subscription_ids[2]
    status, out = run(
        capsys, "audit", "--emulator", "--subscription", sandbox, "--fail-on", "error"
    )

    assert status == 0
    assert "0 errors, 2 warnings" in out


def test_audit_json_and_csv(capsys: pytest.CaptureFixture[str]) -> None:
    _, as_json = run(capsys, "--json", "audit", "--emulator")
    _, as_csv = run(capsys, "audit", "--emulator", "--format", "csv")

    data = json.loads(as_json)
    rows = list(csv.DictReader(io.StringIO(as_csv)))
    assert len(data["findings"]) == len(rows) == 9
    assert [r["code"] for r in rows] == [f["code"] for f in data["findings"]]


def test_migrate_plan_writes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = run(capsys, "migrate", "--emulator", "--to", "system-assigned", "--plan")

    assert status == 0
    assert "payments     migrate" in out
    # user-assigned clusters move to system-assigned, except one with a pre-created kubelet
    # identity: AKS needs a user-assigned control plane then, and the operation refuses it
    assert "sandbox      migrate" in out and "healthy      migrate" in out
    assert "search       skipped" in out and "pre-created kubelet identity" in out


def test_migrate_apply_with_filters_and_journal(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from aks_identity.emulator import Emulator

    prod = Emulator(subscriptions=3).subscription_ids[0]
    journal = tmp_path / "j.jsonl"
    status, out = run(
        capsys,
        "--json",
        "migrate",
        "--emulator",
        "--to",
        "platform-control",
        "--resource-group",
        "aks",
        "--cluster",
        f"/subscriptions/{prod}/resourceGroups/aks/providers/"
        "Microsoft.ContainerService/managedClusters/payments",
        "--cluster",
        f"/subscriptions/{prod}/resourceGroups/aks/providers/"
        "Microsoft.ContainerService/managedClusters/inventory",
        "--apply",
        "--max-parallel",
        "3",
        "--journal",
        str(journal),
    )
    result = json.loads(out)

    assert status == 0 and result["ok"]
    assert [c["cluster_id"].rsplit("/", 1)[1] for c in result["clusters"]] == [
        "payments",
        "inventory",
    ]
    assert {c["status"] for c in result["clusters"]} == {"succeeded"}
    assert journal.read_text().startswith('{"format":"aks-identity/fleet-journal"')


def test_migrate_needs_plan_or_apply(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["migrate", "--emulator", "--to", "system-assigned"])

    assert caught.value.code == 2


def test_bad_max_parallel_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """argparse refuses it (status 2) before the emulator even starts."""
    with pytest.raises(SystemExit) as stop:
        main(["migrate", "--emulator", "--to", "system-assigned", "--apply", "--max-parallel", "0"])

    assert stop.value.code == 2
    assert "--max-parallel: '0' is not a whole number >= 1" in capsys.readouterr().err


def test_inventory_lists_every_cluster(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = run(capsys, "inventory", "--emulator")
    _, as_json = run(capsys, "--json", "inventory", "--emulator")

    assert status == 0 and out.rstrip().endswith("8 clusters")
    assert "payments" in out and "ServicePrincipal" in out
    assert len(json.loads(as_json)) == 8


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--version"])

    assert caught.value.code == 0
    assert capsys.readouterr().out.strip() == f"aks-identity {version()}"
