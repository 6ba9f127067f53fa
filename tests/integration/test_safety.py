"""Safety: rules run before any write; dry_run writes nothing; warnings are typed and recorded."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest

from aks_identity import (
    AksIdentityWarning,
    Azure,
    NetworkProfile,
    Plan,
    Principal,
    PropagationWarning,
    ValidationError,
)
from aks_identity.emulator import Emulator

from .conftest import make_registry, writes_since

NEWER_IMAGE = "AKSUbuntu-2204gen2containerd-209901.01.0"


@pytest.fixture
def world(
    az: Azure,
    rg: str,
    emu: Emulator,
    subnet: str,
    vault: str,
    registry: str,
    service_principal: Any,
) -> dict[str, Any]:
    """One of everything, so every mutating operation has something to act on."""
    control = az.create_identity("cp-identity", resource_group=rg)
    kubelet = az.create_identity("kubelet", resource_group=rg)
    spare = az.create_identity("spare", resource_group=rg)
    legacy = az.create_cluster("legacy", resource_group=rg, service_principal=service_principal)
    custom = az.create_cluster(
        "custom",
        resource_group=rg,
        identity=control,
        kubelet_identity=kubelet,
        attach_acr=[registry],
    )
    grant = control.grant("Key Vault Secrets User", scope=vault)
    emu.set_newest_node_image(NEWER_IMAGE)
    return {
        "control": control,
        "kubelet": kubelet,
        "spare": spare,
        "legacy": legacy,
        "custom": custom,
        "grant": grant,
        "subnet": subnet,
        "vault": vault,
        "registry": registry,
        "sp": service_principal,
    }


def _operations(az: Azure, w: dict[str, Any], emu: Emulator) -> dict[str, Callable[[], Any]]:
    other = make_registry(emu, "acr9")
    return {
        "create_resource_group": lambda: az.create_resource_group(
            "new", location="westus2", dry_run=True
        ),
        "delete_resource_group": lambda: az.delete_resource_group("rg", dry_run=True),
        "create_identity": lambda: az.create_identity("new-id", resource_group="rg", dry_run=True),
        "delete_identity": lambda: az.delete_identity(w["spare"], dry_run=True),
        "identity.delete": lambda: w["spare"].delete(dry_run=True),
        "create_cluster system": lambda: az.create_cluster(
            "new", resource_group="rg", network=NetworkProfile(subnet_id=w["subnet"]), dry_run=True
        ),
        "create_cluster user+kubelet": lambda: az.create_cluster(
            "new",
            resource_group="rg",
            identity=w["control"],
            kubelet_identity=w["spare"],
            attach_acr=[other],
            dry_run=True,
        ),
        "create_cluster service principal": lambda: az.create_cluster(
            "new", resource_group="rg", service_principal=w["sp"], dry_run=True
        ),
        "delete_cluster": lambda: az.delete_cluster("custom", resource_group="rg", dry_run=True),
        "cluster.delete": lambda: w["custom"].delete(dry_run=True),
        "Azure.grant": lambda: az.grant(
            Principal(w["spare"].principal_id), "Reader", w["vault"], dry_run=True
        ),
        "identity.grant": lambda: w["spare"].grant("Reader", w["vault"], dry_run=True),
        "kubelet.grant": lambda: w["custom"].kubelet_identity.grant(
            "Reader", w["vault"], dry_run=True
        ),
        "cluster.grant": lambda: w["custom"].grant("Reader", w["vault"], dry_run=True),
        "revoke": lambda: w["grant"].revoke(dry_run=True),
        "enable_managed_identity": lambda: w["legacy"].enable_managed_identity(dry_run=True),
        "use_identity": lambda: w["custom"].use_identity(w["spare"], dry_run=True),
        "use_kubelet_identity": lambda: w["custom"].use_kubelet_identity(w["spare"], dry_run=True),
        "upgrade_node_images": lambda: w["custom"].upgrade_node_images(dry_run=True),
        "attach_acr": lambda: w["custom"].attach_acr(other, dry_run=True),
        "detach_acr": lambda: w["custom"].detach_acr(w["registry"], dry_run=True),
    }


def test_every_mutating_operation_dry_runs_without_writing(
    az: Azure, emu: Emulator, world: dict[str, Any]
) -> None:
    operations = _operations(az, world, emu)
    first = len(emu.requests)
    for name, operation in operations.items():
        plan = operation()
        assert isinstance(plan, Plan), name
        assert plan.steps, name
        assert plan.operation and repr(plan).startswith("<Plan"), name
        assert "<table" in plan._repr_html_(), name
    assert writes_since(emu, first) == []


def test_rules_run_before_any_write(
    az: Azure, rg: str, emu: Emulator, service_principal: Any, subnet: str
) -> None:
    control = az.create_identity("cp-identity", resource_group=rg)
    kubelet = az.create_identity("kubelet", resource_group=rg)
    zone = (
        f"/subscriptions/{emu.subscription_id}/resourceGroups/{rg}/providers/"
        "Microsoft.Network/privateDnsZones/privatelink.westus2.azmk8s.io"
    )
    refused = {
        "kubelet without user-assigned control plane": lambda: az.create_cluster(
            "x", resource_group=rg, kubelet_identity=kubelet
        ),
        "system-assigned with custom private DNS zone": lambda: az.create_cluster(
            "x", resource_group=rg, private_dns_zone=zone
        ),
        "user-assigned in USDOD Central": lambda: az.create_cluster(
            "x", resource_group=rg, identity=control, location="USDOD Central"
        ),
        "kubelet identity in China East": lambda: az.create_cluster(
            "x", resource_group=rg, identity=control, kubelet_identity=kubelet, location="chinaeast"
        ),
        "identity and service principal": lambda: az.create_cluster(
            "x", resource_group=rg, identity=control, service_principal=service_principal
        ),
        "wrong subnet type": lambda: az.create_cluster(
            "x", resource_group=rg, network=NetworkProfile(subnet_id=str(control.id))
        ),
        "bad cluster name": lambda: az.create_cluster("-bad-", resource_group=rg),
        "subscription scope": lambda: control.grant(
            "Reader", f"/subscriptions/{emu.subscription_id}"
        ),
    }
    first = len(emu.requests)
    for name, attempt in refused.items():
        with pytest.raises(ValidationError) as error:
            attempt()
        assert error.value.rule, name
    assert writes_since(emu, first) == []


def test_cross_tenant_identity_is_refused(
    az: Azure, rg: str, emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    control = az.create_identity("cp-identity", resource_group=rg)
    monkeypatch.setattr(az._ops._runner, "tenant", lambda: "11111111-2222-3333-4444-555555555555")
    first = len(emu.requests)
    with pytest.raises(ValidationError, match="tenant") as refused:
        az.create_cluster("x", resource_group=rg, identity=control)
    assert refused.value.rule == "same_tenant"
    assert writes_since(emu, first) == []


def test_warnings_are_emitted_and_recorded(az: Azure, rg: str, vault: str) -> None:
    ident = az.create_identity("app", resource_group=rg)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plan = ident.grant("Key Vault Secrets User", scope=vault, dry_run=True)
    assert [type(w) for w in plan.warnings] == [PropagationWarning]
    assert [c.category for c in caught] == [PropagationWarning]
    assert caught[0].filename == __file__  # attributed to the caller's line
    assert all(
        isinstance(w, AksIdentityWarning) and isinstance(w, UserWarning) for w in plan.warnings
    )
    assert "PropagationWarning" in str(plan)
