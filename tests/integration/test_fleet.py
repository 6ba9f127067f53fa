"""Fleet: clusters from Resource Graph and the audit, through the real SDKs on the emulator."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import pytest

import aks_identity as aki
from aks_identity.emulator import Emulator
from aks_identity.emulator._seed import DEMO_FLEET, seed_cluster, seed_demo_fleet

GRAPH_QUERY = "/providers/Microsoft.ResourceGraph/resources"


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Emulator, dict[str, str]]]:
    """The demo fleet (read-only tests share it): one cluster per finding."""
    with Emulator(subscriptions=3, seed=21) as emu:
        yield emu, seed_demo_fleet(emu)


@pytest.fixture(scope="module")
def report(demo: tuple[Emulator, dict[str, str]]) -> aki.AuditReport:
    emu, _ = demo
    with emu.fleet() as fleet:
        return fleet.audit()


def codes(report: aki.AuditReport, cluster_id: str) -> set[str]:
    return {f.code for f in report.by_cluster(cluster_id)}


def test_clusters_come_from_one_resource_graph_query(demo: tuple[Emulator, dict[str, str]]) -> None:
    emu, ids = demo
    before = len(emu.requests)
    with emu.fleet() as fleet:
        found = fleet.clusters()
    made = emu.requests[before:]

    assert {str(c.id).lower() for c in found} == {i.lower() for i in ids.values()}
    assert [r.path for r in made] == ["/subscriptions", GRAPH_QUERY]


def test_each_cluster_is_bound_to_its_own_subscription(
    demo: tuple[Emulator, dict[str, str]],
) -> None:
    emu, _ = demo
    with emu.fleet() as fleet:
        found = {c.name: c for c in fleet.clusters()}
        search = found["search"]
        refreshed = search.refresh()
        inventory = search.identities()
        plan = found["payments"].enable_managed_identity(dry_run=True)
        same_client = fleet.azure(emu.subscription_ids[1])

    assert search.id.subscription_id == emu.subscription_ids[1]
    assert refreshed.id == search.id
    assert refreshed.kubelet_identity is not None and search.kubelet_identity is not None
    assert refreshed.kubelet_identity.resource_id == search.kubelet_identity.resource_id
    assert refreshed.identity_type is aki.IdentityType.USER_ASSIGNED
    assert {row.use for row in inventory} >= {"control plane", "kubelet"}
    assert plan.writes
    assert found["search"].refresh().name == "search"
    assert same_client.subscription_id == emu.subscription_ids[1]


def test_clusters_from_resource_graph_equal_get_cluster(
    demo: tuple[Emulator, dict[str, str]],
) -> None:
    """The same converter: a cluster from a Resource Graph row is the cluster GET returns."""
    emu, _ = demo
    with emu.fleet() as fleet:
        for cluster in fleet.clusters():
            direct = fleet.azure(cluster.id.subscription_id or "").get_cluster(cluster.id)
            for field in (
                "identity",
                "service_principal_client_id",
                "network",
                "agent_pools",
                "addons",
                "pod_identities",
                "private_dns_zone",
                "node_resource_group",
            ):
                assert getattr(cluster, field) == getattr(direct, field), (cluster.name, field)


@pytest.mark.parametrize(
    ("cluster", "code", "severity"),
    [
        ("payments", "ServicePrincipalControlPlane", aki.Severity.ERROR),
        ("checkout", "KubeletOnServicePrincipal", aki.Severity.WARNING),
        ("checkout", "RegistryOnlyServicePrincipal", aki.Severity.ERROR),
        ("inventory", "SubnetMissingNetworkContributor", aki.Severity.ERROR),
        ("search", "KubeletMissingManagedIdentityOperator", aki.Severity.ERROR),
        ("legacy-apps", "PodIdentityEnabled", aki.Severity.WARNING),
        ("ingest", "SystemAssignedWithCustomPrivateDnsZone", aki.Severity.ERROR),
        ("sandbox", "BroadRoleAssignment", aki.Severity.WARNING),
    ],
)
def test_each_problem_is_found_on_its_cluster(
    demo: tuple[Emulator, dict[str, str]],
    report: aki.AuditReport,
    cluster: str,
    code: str,
    severity: aki.Severity,
) -> None:
    _, ids = demo
    [finding] = [f for f in report.by_cluster(ids[cluster]) if f.code == code]

    assert finding.severity is severity
    assert finding.fix.startswith(("cluster.", "az.", "no library call"))
    assert finding.message


def test_only_the_expected_findings(
    demo: tuple[Emulator, dict[str, str]], report: aki.AuditReport
) -> None:
    _, ids = demo

    assert codes(report, ids["healthy"]) == set()
    assert codes(report, ids["payments"]) == {"ServicePrincipalControlPlane"}
    assert codes(report, ids["checkout"]) == {
        "KubeletOnServicePrincipal",
        "RegistryOnlyServicePrincipal",
    }
    assert len(report.clusters) == sum(len(v) for v in DEMO_FLEET.values())


def test_fixes_name_the_exact_scope(
    demo: tuple[Emulator, dict[str, str]], report: aki.AuditReport
) -> None:
    _, ids = demo
    [subnet] = [f for f in report.by_cluster(ids["inventory"])]
    [registry] = [
        f for f in report.by_cluster(ids["checkout"]) if f.code == "RegistryOnlyServicePrincipal"
    ]

    assert subnet.fix.startswith("cluster.grant('Network Contributor', '/subscriptions/")
    assert subnet.fix.endswith("/virtualNetworks/vnet-prod/subnets/inventory')")
    assert registry.fix.endswith("/registries/acrprod')")


def test_orphaned_assignment_found_through_microsoft_graph(
    demo: tuple[Emulator, dict[str, str]], report: aki.AuditReport
) -> None:
    emu, _ = demo
    [orphan] = [f for f in report.findings if f.code == "OrphanedRoleAssignment"]

    assert orphan.cluster_id == f"/subscriptions/{emu.subscription_ids[2]}"
    assert "no longer exists" in orphan.message
    assert orphan.fix.startswith("az.get_role_assignment('/subscriptions/")


def test_fixes_work(demo: tuple[Emulator, dict[str, str]]) -> None:
    """Applying the subnet fix on a copy of the problem clears the finding."""
    emu, ids = demo
    with emu.fleet([emu.subscription_ids[0]]) as fleet:
        inventory = next(c for c in fleet.clusters() if c.name == "inventory")
        [finding] = [f for f in fleet.audit().by_cluster(ids["inventory"])]
        cluster = inventory  # the fix's `cluster`
        eval(finding.fix, {"cluster": cluster})
        after = fleet.audit().by_cluster(ids["inventory"])

    assert after == []


def test_audit_requests_are_few_and_never_per_principal(
    demo: tuple[Emulator, dict[str, str]],
) -> None:
    emu, _ = demo
    before = len(emu.requests)
    with emu.fleet() as fleet:
        fleet.audit()
    made = emu.requests[before:]

    assert not any("roleAssignments" in r.path for r in made)
    assert [r.path for r in made].count(GRAPH_QUERY) == 2  # clusters, role assignments
    assert len(made) <= 10


def test_report_serialises(report: aki.AuditReport) -> None:
    data = json.loads(report.to_json())
    rows = list(csv.DictReader(io.StringIO(report.to_csv())))
    html = report._repr_html_()
    text = report.to_table()

    assert len(data["findings"]) == len(report.findings) == len(rows)
    assert rows[0].keys() == {"cluster_id", "code", "severity", "message", "fix"}
    assert data["findings"][0]["severity"] == "error"  # errors first
    assert html.startswith("<table") and html.count("<tr>") == len(report.findings) + 1
    assert "ServicePrincipalControlPlane" in text and report.summary() in text
    assert report.at_least("error") and all(
        f.severity is aki.Severity.ERROR for f in report.at_least("error")
    )


def test_an_unknown_subscription_is_reported_not_raised(
    demo: tuple[Emulator, dict[str, str]],
) -> None:
    emu, _ = demo
    unknown = "00000000-0000-0000-0000-00000000dead"
    with emu.fleet([emu.subscription_ids[0], unknown]) as fleet:
        found = fleet.clusters()
        audit = fleet.audit()

    assert {c.id.subscription_id for c in found} == {emu.subscription_ids[0]}
    [problem] = [f for f in audit.findings if f.code == "SubscriptionNotReadable"]
    assert problem.cluster_id == f"/subscriptions/{unknown}"
    assert audit.subscriptions == (emu.subscription_ids[0],)


def test_an_unreadable_subscription_is_reported(demo: tuple[Emulator, dict[str, str]]) -> None:
    emu, _ = demo
    reader = emu.create_caller(
        "auditor", role="Reader", scope=f"/subscriptions/{emu.subscription_ids[0]}"
    )
    with emu.fleet(emu.subscription_ids[:2], principal_id=reader) as fleet:
        audit = fleet.audit()

    assert [f.cluster_id for f in audit.findings if f.code == "SubscriptionNotReadable"] == [
        f"/subscriptions/{emu.subscription_ids[1]}"
    ]
    assert {c.id.subscription_id for c in audit.clusters} == {emu.subscription_ids[0]}


def test_directory_unreadable_is_a_finding_not_a_crash(
    demo: tuple[Emulator, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    emu, _ = demo

    def refuse(self: object, ids: object) -> set[str]:
        raise aki.AuthorizationError("Microsoft Graph: Authorization_RequestDenied")

    from aks_identity._azure._graph import Graph

    monkeypatch.setattr(Graph, "existing_object_ids", refuse)
    with emu.fleet() as fleet:
        audit = fleet.audit()

    assert [f.code for f in audit.findings if f.cluster_id == "/"] == ["DirectoryNotReadable"]
    assert not [f for f in audit.findings if f.code == "OrphanedRoleAssignment"]


def test_fleet_of_many_clusters_pages_resource_graph() -> None:
    with Emulator(subscriptions=2) as emu:
        for index in range(12):
            seed_cluster(emu, emu.subscription_ids[index % 2], "rg", f"c{index:02d}")
        from aks_identity._azure import _resource_graph

        original = _resource_graph.PAGE_ROWS
        _resource_graph.PAGE_ROWS = 5
        try:
            before = len(emu.requests)
            with emu.fleet() as fleet:
                found = fleet.clusters()
            pages = [r for r in emu.requests[before:] if r.path == GRAPH_QUERY]
        finally:
            _resource_graph.PAGE_ROWS = original

    assert len(found) == len({c.id for c in found}) == 12
    assert len(pages) == 3


@pytest.mark.parametrize(
    "bad",
    ["00000000-0000-0000-0000-000000000001", [], ["not-a-guid"], 5],
)
def test_bad_subscriptions_are_validation_errors(bad: object) -> None:
    with Emulator() as emu, pytest.raises(aki.ValidationError) as caught:
        emu.fleet(bad)  # type: ignore[arg-type]

    assert "subscription" in str(caught.value)


def test_repr_and_where_must_be_callable(demo: tuple[Emulator, dict[str, str]]) -> None:
    emu, _ = demo
    with emu.fleet() as fleet:
        assert "every visible subscription" in repr(fleet)
        with pytest.raises(aki.ValidationError, match="where"):
            fleet.plan_migration(to="system-assigned", where="prod")  # type: ignore[arg-type]
        with pytest.raises(aki.ValidationError, match="to="):
            fleet.plan_migration(to="user-assigned")


class _RealLookingCredential:
    """Not the emulator's credential: it must never be asked for a token."""

    asked = 0

    def get_token(self, *scopes: str, **kwargs: object) -> object:
        type(self).asked += 1
        raise AssertionError("a non-emulator credential was asked for a token")


def test_from_environment_reaches_the_active_emulator(
    demo: tuple[Emulator, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    emu, clusters = demo
    monkeypatch.setenv("AZURE_CLOUD", "AzureCloud")
    before = len(emu.requests)
    with emu.activate(), aki.Fleet.from_environment() as fleet:
        assert sorted(fleet.subscription_ids()) == sorted(emu.subscription_ids)
        found = {str(c.id).lower() for c in fleet.clusters()}
        report = fleet.audit()

    assert found == {i.lower() for i in clusters.values()}
    assert report.summary().startswith("8 clusters in 3 subscriptions")
    assert any(r.path == GRAPH_QUERY for r in emu.requests[before:])


def test_a_fleet_without_base_url_reaches_the_active_emulator_not_azure(
    demo: tuple[Emulator, dict[str, str]],
) -> None:
    emu, _ = demo
    with emu.activate(), aki.Fleet(_RealLookingCredential(), [emu.subscription_id]) as fleet:
        assert emu.url in repr(fleet)
        found = fleet.clusters()
        az = fleet.azure(emu.subscription_id)
        assert az.base_url == emu.url

    assert {c.id.subscription_id for c in found} == {emu.subscription_id}
    assert _RealLookingCredential.asked == 0


@pytest.mark.parametrize(
    ("kwargs", "rule"),
    [
        ({"credential": None}, "credential"),
        ({"credential": "secret"}, "credential"),
        ({"cloud": 5}, "cloud"),
        ({"cloud": "Mars"}, "cloud"),
        ({"base_url": "http://127.0.0.1:1"}, "base_url"),
        ({"connection_verify": 1.5}, "type"),
        ({"retry": 3}, "retry"),
        ({"subscriptions": [" 00000000-0000-0000-0000-000000000001"]}, "subscription"),
    ],
)
def test_the_constructor_checks_its_inputs_like_azure(kwargs: dict[str, object], rule: str) -> None:
    arguments: dict[str, object] = {
        "credential": _RealLookingCredential(),
        "subscriptions": None,
        "base_url": "https://127.0.0.1:1",
        **kwargs,
    }
    with pytest.raises(aki.ValidationError) as caught:
        aki.Fleet(**arguments)  # type: ignore[arg-type]

    assert caught.value.rule == rule
    assert _RealLookingCredential.asked == 0
