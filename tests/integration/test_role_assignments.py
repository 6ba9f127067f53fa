"""Role assignments: idempotent, deterministic, principalType always, never duplicated."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aks_identity import (
    Azure,
    Principal,
    PrincipalType,
    PropagationWarning,
    RoleAssignment,
    ValidationError,
)
from aks_identity._grants import ASSIGNMENT_NAMESPACE, assignment_name
from aks_identity._roles import get_role
from aks_identity.emulator import Emulator

from .conftest import assignments, scope_id, writes_since

KV_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"


def test_grant_by_name_guid_or_definition_id_is_one_assignment(
    az: Azure, rg: str, vault: str, emu: Emulator
) -> None:
    ident = az.create_identity("app", resource_group=rg)
    with pytest.warns(PropagationWarning):
        first = ident.grant("Key Vault Secrets User", scope=vault)
    assert isinstance(first, RoleAssignment)
    assert first.role_name == "Key Vault Secrets User"
    assert first.principal_id == ident.principal_id
    assert first.principal_type is PrincipalType.SERVICE_PRINCIPAL
    assert first.scope == ident.id.parse(vault)
    by_guid = ident.grant(KV_SECRETS_USER, scope=vault)
    by_definition = ident.grant(get_role(KV_SECRETS_USER).definition_id(vault), scope=vault)
    assert first.id == by_guid.id == by_definition.id
    assert len(assignments(emu, ident.principal_id)) == 1
    assert "Key Vault Secrets User" in repr(first)


def test_deterministic_names(az: Azure, rg: str, vault: str) -> None:
    ident = az.create_identity("app", resource_group=rg)
    made = ident.grant("Key Vault Secrets User", scope=vault)
    expected = uuid.uuid5(
        ASSIGNMENT_NAMESPACE, f"{vault.lower()}|{ident.principal_id}|{KV_SECRETS_USER}"
    )
    assert made.name == str(expected)
    assert assignment_name(vault.upper(), ident.principal_id.upper(), KV_SECRETS_USER) == made.name


def test_principal_type_is_always_sent(emulator_with: Any) -> None:
    emu = emulator_with(replication_delay=600)  # a new identity replicates after 10 minutes
    az = emu.azure()
    az.create_resource_group("rg", location="westus2")
    vault = scope_id(emu, "vault", "kv1")
    emu.put_resource(vault, {"location": "westus2", "properties": {}})
    ident = az.create_identity("fresh", resource_group="rg")
    first = len(emu.requests)
    ident.grant("Key Vault Secrets User", scope=vault)
    log = list(emu.requests)[first:]
    assert [r for r in log if r.status is not None and r.status >= 400] == []


def test_equivalent_assignment_under_another_name_is_reused(
    az: Azure, rg: str, vault: str, emu: Emulator
) -> None:
    ident = az.create_identity("app", resource_group=rg)
    role = get_role("Key Vault Secrets User")
    emu.state.rbac.assign(
        vault,
        role.definition_id(f"/subscriptions/{emu.subscription_id}"),
        ident.principal_id,
        name=str(uuid.uuid4()),
    )
    first = len(emu.requests)
    reused = ident.grant(role, scope=vault)
    assert writes_since(emu, first) == []
    assert len(assignments(emu, ident.principal_id)) == 1
    assert reused.name != assignment_name(vault, ident.principal_id, role.guid)


def test_inherited_assignment_is_reused(az: Azure, rg: str, vault: str, emu: Emulator) -> None:
    ident = az.create_identity("app", resource_group=rg)
    group = f"/subscriptions/{emu.subscription_id}/resourceGroups/{rg}"
    at_group = ident.grant("Key Vault Secrets User", scope=group)
    first = len(emu.requests)
    inherited = ident.grant("Key Vault Secrets User", scope=vault)
    assert inherited.id == at_group.id
    assert writes_since(emu, first) == []


def test_role_assignment_exists_is_answered_with_the_existing_one(
    az: Azure, rg: str, vault: str, emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A concurrent writer made the same grant between our lookup and our PUT."""
    ident = az.create_identity("app", resource_group=rg)
    role = get_role("Key Vault Secrets User")
    grants = az._grants
    real = grants.find_equivalent
    calls = {"n": 0}

    def racing(*args: object, **kwargs: object) -> RoleAssignment | None:
        calls["n"] += 1
        if calls["n"] == 1:  # our lookup sees nothing; then the other writer wins
            emu.state.rbac.assign(
                vault, role.definition_id(), ident.principal_id, name=str(uuid.uuid4())
            )
            return None
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(grants, "find_equivalent", racing)
    first = len(emu.requests)
    existing = ident.grant(role, scope=vault)
    conflicts = [r for r in list(emu.requests)[first:] if r.status == 409]
    assert len(conflicts) == 1
    assert len(assignments(emu, ident.principal_id)) == 1
    assert existing.principal_id == ident.principal_id


def test_list_and_revoke(az: Azure, rg: str, vault: str, registry: str, emu: Emulator) -> None:
    ident = az.create_identity("app", resource_group=rg)
    kv = ident.grant("Key Vault Secrets User", scope=vault)
    acr = ident.grant("AcrPull", scope=registry)
    assert {a.id for a in ident.role_assignments()} == {kv.id, acr.id}
    assert [a.id for a in az.role_assignments(scope=vault, principal=ident.principal)] == [kv.id]
    kv.revoke()
    kv.revoke()  # idempotent
    assert [a.id for a in ident.role_assignments()] == [acr.id]
    plan = acr.revoke(dry_run=True)
    assert plan.steps[0].action == "revoke"
    assert len(assignments(emu, ident.principal_id)) == 1


def test_explicit_principal(az: Azure, rg: str, vault: str, emu: Emulator) -> None:
    user = emu.state.directory.add_principal(
        display_name="alice", principal_type="User", replicated=True
    )
    made = az.grant(Principal(user.object_id, PrincipalType.USER), "Reader", vault)
    assert made.principal_type is PrincipalType.USER


def test_explicit_principal_sends_principal_type(
    az: Azure, rg: str, vault: str, emu: Emulator
) -> None:
    """Issue 9 item 5: az.grant(Principal(id, type)) sends principalType, so a principal Entra
    ID has not replicated yet never gets PrincipalNotFound (no failed request, no wait)."""
    fresh = emu.state.directory.add_principal(display_name="new-app", replicated=False)
    start, first = emu.clock.now(), len(emu.requests)
    who = Principal(fresh.object_id, PrincipalType.SERVICE_PRINCIPAL)
    plan = az.grant(who, "Reader", vault, dry_run=True)
    assert [r for r in list(emu.requests)[first:] if r.method != "GET"] == []
    assert [s.action for s in plan.steps] == ["grant"]
    made = az.grant(who, "Reader", vault)
    assert made.principal_type is PrincipalType.SERVICE_PRINCIPAL
    assert [r.status for r in list(emu.requests)[first:] if r.status >= 400] == []
    assert emu.clock.now() - start < 60


def test_broad_scope_needs_consent(az: Azure, rg: str, emu: Emulator) -> None:
    ident = az.create_identity("app", resource_group=rg)
    subscription = f"/subscriptions/{emu.subscription_id}"
    first = len(emu.requests)
    with pytest.raises(ValidationError) as refused:
        ident.grant("Reader", scope=subscription)
    assert refused.value.rule
    assert writes_since(emu, first) == []
    made = ident.grant("Reader", scope=subscription, allow_broad_scope=True)
    assert str(made.scope) == subscription


def test_wait_until_effective(emulator_with: Any) -> None:
    emu = emulator_with(propagation_delay=300)
    az = emu.azure()
    az.create_resource_group("rg", location="westus2")
    registry = scope_id(emu, "registry", "acr1")
    emu.put_resource(registry, {"location": "westus2", "sku": {"name": "Basic"}})
    ident = az.create_identity("app", resource_group="rg")
    made = ident.grant("AcrPull", scope=registry)
    assert made.wait_until_effective() is made
    action = "Microsoft.ContainerRegistry/registries/pull/read"
    assert not emu.check_access(ident.principal_id, action, registry)
    start = emu.clock.now()
    made.wait_until_effective(probe=lambda: emu.check_access(ident.principal_id, action, registry))
    assert emu.check_access(ident.principal_id, action, registry)
    assert 250 <= emu.clock.now() - start <= 340


@given(
    scope=st.sampled_from(
        [
            "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/Rg",
            "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/"
            "Microsoft.KeyVault/vaults/Kv1",
        ]
    ),
    principal=st.uuids().map(str),
    upper=st.booleans(),
)
def test_assignment_names_ignore_casing_and_differ_per_role(
    scope: str, principal: str, upper: bool
) -> None:
    reader, contributor = get_role("Reader").guid, get_role("Contributor").guid
    variant = scope.upper() if upper else scope.lower()
    name = assignment_name(scope, principal, reader)
    assert assignment_name(variant, principal.upper(), reader) == name
    assert assignment_name(scope, principal, contributor) != name
    assert uuid.UUID(name).version == 5


def test_kubelet_and_cluster_grants(
    az: Azure, rg: str, registry: str, vault: str, service_principal: Any
) -> None:
    cluster = az.create_cluster("c", resource_group=rg)
    assert cluster.kubelet_identity is not None
    pull = cluster.kubelet_identity.grant("AcrPull", registry)
    assert pull.principal_id == cluster.kubelet_identity.object_id
    assert [a.id for a in cluster.kubelet_identity.role_assignments()] == [pull.id]
    reader = cluster.grant("Reader", vault)
    assert reader.principal_id == cluster.principal_id
    assert [a.id for a in cluster.role_assignments()] == [reader.id]
    legacy = az.create_cluster("legacy", resource_group=rg, service_principal=service_principal)
    with pytest.raises(ValidationError) as refused:
        legacy.grant("Reader", vault)
    assert refused.value.rule == "control-plane-identity"
