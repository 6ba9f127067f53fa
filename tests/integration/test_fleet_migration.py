"""Fleet migrations: plan_migration and FleetPlan.apply through the real SDKs on the emulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import aks_identity as aki
from aks_identity._permissions import MissingPermissionsError
from aks_identity.emulator import Emulator
from aks_identity.emulator._seed import seed_cluster, seed_identity

WRITES = {"PUT", "POST", "PATCH", "DELETE"}
RG = "rg"


@pytest.fixture(scope="module")
def _emulator() -> Iterator[Emulator]:
    with Emulator(subscriptions=2, seed=5) as emu:
        yield emu


@pytest.fixture
def emu(_emulator: Emulator) -> Iterator[Emulator]:
    _emulator.reset()
    yield _emulator


def subnet(emu: Emulator, subscription: str, name: str) -> str:
    group = f"/subscriptions/{subscription}/resourceGroups/{RG}"
    vnet = f"{group}/providers/Microsoft.Network/virtualNetworks/vnet"
    if emu.state.resources.get(vnet) is None:
        emu.put_resource(vnet, {"location": "westus2"})
    rid = f"{vnet}/subnets/{name}"
    emu.put_resource(rid, {"properties": {"addressPrefix": "10.240.0.0/24"}})
    return rid


def service_principal_fleet(emu: Emulator, count: int, *, with_subnet: bool = False) -> list[str]:
    """``count`` service principal clusters across the subscriptions; their IDs."""
    ids = []
    for index in range(count):
        subscription = emu.subscription_ids[index % len(emu.subscription_ids)]
        client_id, _ = emu.create_service_principal(f"sp{index}", replicated=True)
        net = subnet(emu, subscription, f"s{index}") if with_subnet else None
        ids.append(
            seed_cluster(
                emu, subscription, RG, f"sp{index}", service_principal=client_id, subnet_id=net
            )["id"]
        )
    return ids


def writes(emu: Emulator, since: int) -> list[str]:
    return [f"{r.method} {r.path}" for r in emu.requests[since:] if r.method in WRITES]


def network_grants(emu: Emulator, principal: str, scope: str) -> int:
    return sum(
        1
        for a in emu.state.rbac.of_principal(principal)
        if a.scope.lower() == scope.lower()
        and a.role_guid == aki.get_role("Network Contributor").guid
    )


def test_service_principal_clusters_move_to_system_assigned(emu: Emulator) -> None:
    ids = service_principal_fleet(emu, 3)
    seed_cluster(emu, emu.subscription_id, RG, "already")
    with emu.fleet() as fleet:
        plan = fleet.plan_migration(to="system-assigned")
        result = plan.apply(max_parallel=2)
        after = {c.name: c for c in fleet.clusters()}

    assert [e.status for e in plan.entries].count("migrate") == 3
    assert plan.writes == 3 and len(plan.plans) == 4
    assert {o.status for o in result.outcomes} == {"succeeded", "unchanged"}
    assert result.ok and len(result.with_status("succeeded")) == 3
    for name in ("sp0", "sp1", "sp2"):
        assert after[name].identity_type is aki.IdentityType.SYSTEM_ASSIGNED
    assert {o.cluster_id.lower() for o in result.with_status("succeeded")} == {
        i.lower() for i in ids
    }


def test_plans_are_the_single_cluster_operations_dry_run(emu: Emulator) -> None:
    service_principal_fleet(emu, 1, with_subnet=True)
    with emu.fleet() as fleet:
        [cluster] = fleet.clusters()
        single = cluster.enable_managed_identity(dry_run=True)
        [entry] = fleet.plan_migration(to="system-assigned").entries

    assert entry.plan is not None
    assert [str(s) for s in entry.plan.steps] == [str(s) for s in single.steps]
    assert [str(g) for g in entry.plan.grants] == [str(g) for g in single.grants]


def test_to_a_user_assigned_identity_with_grants_and_no_duplicates(emu: Emulator) -> None:
    service_principal_fleet(emu, 2, with_subnet=True)
    platform = seed_identity(emu, emu.subscription_id, RG, "platform")
    with emu.fleet() as fleet:
        identity = fleet.azure(emu.subscription_id).get_identity(platform["id"])
        plan = fleet.plan_migration(to=identity)
        first = plan.apply(max_parallel=2)
        again = fleet.plan_migration(to=identity).apply(max_parallel=2)
        clusters = fleet.clusters()

    assert plan.grants == 2 and first.ok
    assert {o.status for o in again.outcomes} == {"unchanged"}
    for cluster in clusters:
        assert platform["id"].lower() in [str(u).lower() for u in cluster.identity.user_assigned]
        [net] = cluster.subnet_ids
        assert network_grants(emu, platform["properties"]["principalId"], str(net)) == 1


def test_identity_given_by_resource_id(emu: Emulator) -> None:
    service_principal_fleet(emu, 1)
    platform = seed_identity(emu, emu.subscription_id, RG, "platform")
    with emu.fleet() as fleet:
        plan = fleet.plan_migration(to=platform["id"])

    assert plan.target.lower() == platform["id"].lower()
    assert [e.status for e in plan.entries] == ["migrate"]


def test_where_matching_nothing_is_an_empty_plan(emu: Emulator) -> None:
    service_principal_fleet(emu, 2)
    with emu.fleet() as fleet:
        plan = fleet.plan_migration(to="system-assigned", where=lambda c: c.name == "nope")
        before = len(emu.requests)
        result = plan.apply()

    assert len(plan) == 0 and plan.writes == 0 and plan.plans == ()
    assert result.outcomes == () and result.ok
    assert writes(emu, before) == []


def test_where_selects_and_errors_in_it_are_reported(emu: Emulator) -> None:
    service_principal_fleet(emu, 3)
    with emu.fleet() as fleet:
        plan = fleet.plan_migration(to="system-assigned", where=lambda c: c.name != "sp1")
        with pytest.raises(aki.ValidationError, match="where raised"):
            fleet.plan_migration(to="system-assigned", where=lambda c: 1 / 0)  # type: ignore[arg-type, return-value]

    assert sorted(e.cluster.name for e in plan.entries) == ["sp0", "sp2"]


def test_user_assigned_clusters_move_to_system_assigned(emu: Emulator) -> None:
    control = seed_identity(emu, emu.subscription_id, RG, "control")
    seed_cluster(emu, emu.subscription_id, RG, "ua", identity=control)
    with emu.fleet() as fleet:
        [cluster] = fleet.clusters()
        single = cluster.use_system_assigned_identity(dry_run=True)
        plan = fleet.plan_migration(to="system-assigned")
        [entry] = plan.entries
        result = plan.apply()
        [after] = fleet.clusters()

    assert entry.status == "migrate" and entry.plan is not None and entry.plan.writes
    assert entry.plan.operation == single.operation
    assert [str(s) for s in entry.plan.steps] == [str(s) for s in single.steps]
    assert result.ok and [o.status for o in result.outcomes] == ["succeeded"]
    assert after.identity_type is aki.IdentityType.SYSTEM_ASSIGNED


def test_a_cluster_the_caller_may_not_fully_migrate_is_refused_before_any_write(
    emu: Emulator,
) -> None:
    """Contributor may update the cluster but not grant Network Contributor on its subnet: the
    whole plan is checked before its first step, so the cluster is not left half-migrated."""
    [cluster_id] = service_principal_fleet(emu, 1, with_subnet=True)
    dev = emu.create_caller("dev", role="Contributor")
    with emu.fleet([emu.subscription_id], principal_id=dev) as fleet:
        plan = fleet.plan_migration(to="system-assigned")
        before = len(emu.requests)
        result = plan.apply()
        written = writes(emu, before)
        [after] = fleet.clusters()

    [outcome] = result.outcomes
    assert outcome.status == "failed" and not result.ok
    assert isinstance(outcome.error, MissingPermissionsError)
    assert "Microsoft.Authorization/roleAssignments/write" in outcome.message
    assert written == []
    assert after.identity_type is aki.IdentityType.SERVICE_PRINCIPAL
    assert str(after.id).lower() == cluster_id.lower()


def test_a_failing_cluster_is_isolated(emu: Emulator) -> None:
    service_principal_fleet(emu, 3)
    emu.faults.inject(500, method="PUT", path="managedClusters/sp1$", times=10_000)
    with emu.fleet(total=120) as fleet:
        result = fleet.plan_migration(to="system-assigned").apply(max_parallel=3)
    emu.faults.clear()

    by_name = {o.name: o for o in result.outcomes}
    assert by_name["sp1"].status == "failed" and isinstance(
        by_name["sp1"].error, aki.AksIdentityError
    )
    assert by_name["sp0"].status == by_name["sp2"].status == "succeeded"
    assert not result.ok
    assert "1 failed" in result.summary()


def test_max_failures_stops_starting_new_clusters(emu: Emulator) -> None:
    service_principal_fleet(emu, 4)
    emu.faults.inject(500, method="PUT", path="managedClusters/sp[01]$", times=10_000)
    with emu.fleet(total=120) as fleet:
        plan = fleet.plan_migration(to="system-assigned")
        result = plan.apply(max_parallel=1, max_failures=1)
    emu.faults.clear()

    statuses = [o.status for o in result.outcomes]
    assert statuses == ["failed", "not-started", "not-started", "not-started"]
    assert result.stopped_early


def test_a_killed_run_resumes_from_its_journal(emu: Emulator, tmp_path: Path) -> None:
    """The update is done, the grant after it is not (the run died): the re-run makes it."""
    ids = service_principal_fleet(emu, 2, with_subnet=True)
    journal = tmp_path / "migration.jsonl"
    emu.faults.inject(500, method="PUT", path="roleAssignments", times=10_000)
    with emu.fleet(total=60) as fleet:
        first = fleet.plan_migration(to="system-assigned").apply(max_parallel=2, journal=journal)
        emu.faults.clear()
        replanned = fleet.plan_migration(to="system-assigned")
        before = len(emu.requests)
        second = replanned.apply(max_parallel=2, journal=journal)
        made = writes(emu, before)
        third = fleet.plan_migration(to="system-assigned").apply(journal=journal)
        clusters = {str(c.id).lower(): c for c in fleet.clusters()}

    assert {o.status for o in first.outcomes} == {"failed"}
    assert all(e.plan is not None and not e.plan.writes for e in replanned.entries)  # migrated
    assert {o.status for o in second.outcomes} == {"succeeded"}
    assert all("resumed" in o.message for o in second.outcomes)
    assert len(made) == 2 and all("roleAssignments" in w for w in made)  # only the grants
    assert {o.status for o in third.outcomes} == {"done-earlier"}
    for cluster_id in ids:
        cluster = clusters[cluster_id.lower()]
        assert cluster.principal_id is not None
        [net] = cluster.subnet_ids
        assert network_grants(emu, cluster.principal_id, str(net)) == 1


def test_a_journal_cut_short_finishes_without_duplicates(emu: Emulator, tmp_path: Path) -> None:
    service_principal_fleet(emu, 2, with_subnet=True)
    journal = tmp_path / "j.jsonl"
    with emu.fleet() as fleet:
        fleet.plan_migration(to="system-assigned").apply(journal=journal)
        lines = journal.read_text().splitlines()
        records = [json.loads(ln) for ln in lines[1:]]
        first = records[0]["cluster"]
        # keep the header, the first cluster's plan and its update step: killed right there
        kept = [lines[0]] + [
            ln
            for ln, r in zip(lines[1:], records, strict=True)
            if r["cluster"] == first and (r["event"] == "planned" or r.get("index") == 0)
        ]
        journal.write_text("\n".join(kept) + '\n{"event": "st')  # and a torn last line
        result = fleet.plan_migration(to="system-assigned").apply(journal=journal)
        clusters = fleet.clusters()

    statuses = sorted(o.status for o in result.outcomes)
    assert statuses == ["succeeded", "unchanged"]
    for cluster in clusters:
        assert cluster.principal_id is not None
        [net] = cluster.subnet_ids
        assert network_grants(emu, cluster.principal_id, str(net)) == 1
    done = [json.loads(ln) for ln in journal.read_text().splitlines()[1:] if ln.endswith("}")]
    assert any(r.get("event") == "done" and r["cluster"] == first for r in done)


@pytest.mark.parametrize("bad", [0, -1, True, "4", 2.5])
def test_bad_max_parallel_is_refused_before_any_write(emu: Emulator, bad: object) -> None:
    service_principal_fleet(emu, 1)
    with emu.fleet() as fleet:
        plan = fleet.plan_migration(to="system-assigned")
        before = len(emu.requests)
        with pytest.raises(aki.ValidationError, match="max_parallel"):
            plan.apply(max_parallel=bad)  # type: ignore[arg-type]

    assert writes(emu, before) == []


def test_bad_max_failures_is_refused(emu: Emulator) -> None:
    with emu.fleet() as fleet:
        plan = fleet.plan_migration(to="system-assigned")
        with pytest.raises(aki.ValidationError, match="max_failures"):
            plan.apply(max_failures=0)


def test_a_file_that_is_not_a_journal_is_refused(emu: Emulator, tmp_path: Path) -> None:
    service_principal_fleet(emu, 1)
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list\n")
    with emu.fleet() as fleet:
        plan = fleet.plan_migration(to="system-assigned")
        before = len(emu.requests)
        with pytest.raises(aki.ValidationError, match="not an aks-identity fleet journal"):
            plan.apply(journal=notes)
        other = tmp_path / "other.jsonl"
        other.write_text('{"format": "something-else"}\n')
        with pytest.raises(aki.ValidationError, match="not an aks-identity fleet journal"):
            plan.apply(journal=other)

    assert writes(emu, before) == []
    assert notes.read_text() == "shopping list\n"


def test_a_journal_of_another_plan_is_refused(emu: Emulator, tmp_path: Path) -> None:
    service_principal_fleet(emu, 2)
    platform = seed_identity(emu, emu.subscription_id, RG, "platform")
    journal = tmp_path / "j.jsonl"
    with emu.fleet() as fleet:
        fleet.plan_migration(to="system-assigned", where=lambda c: c.name == "sp0").apply(
            journal=journal
        )
        other_target = fleet.plan_migration(to=platform["id"])
        more_clusters = fleet.plan_migration(to="system-assigned")
        before = len(emu.requests)
        with pytest.raises(aki.ValidationError, match="belongs to another plan"):
            other_target.apply(journal=journal)
        with pytest.raises(aki.ValidationError, match="belongs to another plan"):
            more_clusters.apply(journal=journal)

    assert writes(emu, before) == []


def test_one_progress_bar_for_the_fleet(emu: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    service_principal_fleet(emu, 2)
    with emu.fleet() as fleet:
        fleet.plan_migration(to="system-assigned").apply(progress=True)

    err = capsys.readouterr().err
    assert "migrating to system-assigned" in err and "2/2" in err


def test_plan_renders(emu: Emulator) -> None:
    service_principal_fleet(emu, 2)
    with emu.fleet() as fleet:
        plan = fleet.plan_migration(to="system-assigned")
        result = plan.apply()

    assert "2 to migrate" in str(plan) and "2 to migrate" in repr(plan)
    assert plan._repr_html_().startswith("<table")
    assert json.loads(json.dumps(plan.as_dict()))["writes"] == 2
    assert "2 succeeded" in str(result) and result._repr_html_().startswith("<table")
    assert result.as_dict()["ok"] is True


def test_downtime_needs_consent_before_any_write(emu: Emulator) -> None:
    service_principal_fleet(emu, 1)
    emu.set_newest_node_image("AKSUbuntu-2204gen2containerd-209901.01.0")
    with emu.fleet() as fleet:
        [cluster] = fleet.clusters()
        reimage = cluster.upgrade_node_images(dry_run=True)
        plan = aki.FleetPlan(
            fleet=fleet,
            target="system-assigned",
            entries=(aki.ClusterPlan(cluster=cluster, plan=reimage),),
        )
        before = len(emu.requests)
        with pytest.raises(aki.ConfirmationRequired) as caught:
            plan.apply()
        refused = writes(emu, before)
        result = plan.apply(allow_downtime=True)

    assert reimage.expected_downtime and plan.downtime == (str(cluster.id),)
    assert caught.value.plan is reimage and refused == []
    assert result.ok and result.outcomes[0].status == "succeeded"


def test_apply_under_tight_arm_limits_paces_and_succeeds(monkeypatch: pytest.MonkeyPatch) -> None:
    from aks_identity.emulator import _throttle

    monkeypatch.setitem(_throttle.LIMITS, "reads", (6.0, 2.0))
    monkeypatch.setitem(_throttle.LIMITS, "writes", (4.0, 1.0))
    with Emulator(throttling=True, seed=9) as emu:
        service_principal_fleet(emu, 4, with_subnet=True)
        with emu.fleet() as fleet:
            before = len(emu.requests)
            result = fleet.plan_migration(to="system-assigned").apply(max_parallel=4)
        statuses = [r.status for r in emu.requests[before:]]

    assert result.ok and len(result.with_status("succeeded")) == 4
    assert all(s is not None and (s < 400 or s == 429) for s in statuses)
