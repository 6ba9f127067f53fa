"""Issue 9 item 4: after leaving a service principal, the registries it could pull from are
found (its object ID from Microsoft Graph by appId, then its AcrPull assignments) and the new
kubelet identity gets AcrPull on each, in the same plan."""

from __future__ import annotations

import warnings

from aks_identity import Azure, RegistryReattachWarning, ServicePrincipal
from aks_identity._flows._common import Snapshot
from aks_identity._flows.migrate import MigrationRequest, plan_to_system_assigned
from aks_identity.emulator import Emulator

from .conftest import assignments, make_registry, writes_since


def _legacy(az: Azure, emu: Emulator, rg: str) -> tuple[str, ServicePrincipal]:
    registry = make_registry(emu, "legacyacr")
    client_id, secret = emu.create_service_principal(
        "legacy-sp", replicated=True, role="AcrPull", scope=registry
    )
    return registry, ServicePrincipal(client_id, secret)


def test_registries_of_the_service_principal_are_reattached(
    az: Azure, rg: str, emu: Emulator
) -> None:
    registry, sp = _legacy(az, emu, rg)
    cluster = az.create_cluster("legacy", resource_group=rg, service_principal=sp)
    first = len(emu.requests)
    plan = cluster.enable_managed_identity(dry_run=True)
    assert writes_since(emu, first) == []  # a dry run reads Graph and ARM, writes nothing
    acr = [g for g in plan.grants if g.role == "AcrPull"]
    assert len(acr) == 1 and str(acr[0].scope).lower() == registry.lower()
    assert f"service principal {sp.client_id} holds AcrPull" in acr[0].reason
    assert acr[0].skip_with == "registries=[]"
    graph = [r.path for r in list(emu.requests)[first:] if r.path.startswith("/v1.0/")]
    assert graph == [f"/v1.0/servicePrincipals(appId='{sp.client_id}')"]

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        migrated = cluster.enable_managed_identity()
    assert not [w for w in caught if issubclass(w.category, RegistryReattachWarning)]
    assert migrated.kubelet_identity is not None
    held = assignments(emu, migrated.kubelet_identity.object_id, registry)
    assert [a.role_guid for a in held] == ["7f951dda-4ed3-4680-a7ca-43fe172d538d"]  # AcrPull


def test_an_empty_list_reattaches_nothing_and_a_list_is_used_as_given(
    az: Azure, rg: str, emu: Emulator
) -> None:
    _, sp = _legacy(az, emu, rg)
    other = make_registry(emu, "otheracr")
    cluster = az.create_cluster("legacy", resource_group=rg, service_principal=sp)
    none = cluster.enable_managed_identity(registries=[], dry_run=True)
    assert [g for g in none.grants if g.role == "AcrPull"] == []
    given = cluster.enable_managed_identity(registries=[other], dry_run=True)
    scopes = [str(g.scope).lower() for g in given.grants if g.role == "AcrPull"]
    assert scopes == [other.lower()]
    assert "named in registries=[...]" in given.grants[-1].reason


def test_unreadable_graph_keeps_the_warning_naming_what_to_pass(
    az: Azure, rg: str, emu: Emulator, service_principal: ServicePrincipal
) -> None:
    """Where Graph cannot be read (the runner maps that to ``unknown``), the pure planner
    keeps RegistryReattachWarning with the exact argument to pass."""
    cluster = az.create_cluster("legacy", resource_group=rg, service_principal=service_principal)
    plan = plan_to_system_assigned(
        Snapshot(cluster=cluster),
        MigrationRequest(registries=(), registries_from="unknown"),
        writer=None,  # type: ignore[arg-type]  # planning never writes
        operation="enable managed identity",
    )
    found = [w for w in plan.warnings if isinstance(w, RegistryReattachWarning)]
    assert len(found) == 1
    message = str(found[0])
    assert "Microsoft Graph could not be read" in message
    assert "registries=['/subscriptions/" in message and service_principal.client_id in message


def test_graph_refusing_reads_keeps_the_warning_and_the_migration_goes_on(
    az: Azure, rg: str, emu: Emulator
) -> None:
    """Where the caller may not read Microsoft Graph (403 Authorization_RequestDenied), the
    migration still runs and RegistryReattachWarning names exactly what to pass."""
    registry, sp = _legacy(az, emu, rg)
    cluster = az.create_cluster("legacy", resource_group=rg, service_principal=sp)
    emu.deny_directory_reads()
    first = len(emu.requests)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        migrated = cluster.enable_managed_identity()
    graph = [r for r in list(emu.requests)[first:] if r.path.startswith("/v1.0/")]
    assert [r.status for r in graph] == [403]
    found = [w for w in caught if issubclass(w.category, RegistryReattachWarning)]
    assert len(found) == 1 and "Microsoft Graph could not be read" in str(found[0].message)
    assert "registries=['/subscriptions/" in str(found[0].message)
    assert migrated.kubelet_identity is not None
    assert assignments(emu, migrated.kubelet_identity.object_id, registry) == []
    # and naming the registry then re-attaches it without reading Graph
    again = migrated.attach_acr(registry)
    assert again.role_name == "AcrPull"
