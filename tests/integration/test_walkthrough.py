"""The guide's walkthrough, in order, as one test; and the demo that prints it."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from aks_identity import (
    Azure,
    IdentityType,
    NetworkProfile,
    NoNewerNodeImageWarning,
    NotFoundError,
    PrincipalType,
)
from aks_identity.emulator import Emulator

from .conftest import LOCATION, assignments, scope_id

SUBNET_JOIN = "Microsoft.Network/virtualNetworks/subnets/join/action"
ASSIGN = "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"
ACR_PULL = "Microsoft.ContainerRegistry/registries/pull/read"
NEWER_IMAGE = "AKSUbuntu-2204gen2containerd-209901.01.0"


def test_guide_walkthrough(az: Azure, emu: Emulator, service_principal: object) -> None:
    # Resource group.
    group = az.create_resource_group("myResourceGroup", location=LOCATION)
    rg = group.name
    subnet = scope_id(emu, "subnet", "myVnet", rg)
    emu.put_resource(scope_id(emu, "vnet", "myVnet", rg), {"location": LOCATION})
    emu.put_resource(subnet, {"properties": {"addressPrefix": "10.1.0.0/24"}})
    vault = scope_id(emu, "vault", "myKeyVault", rg)
    emu.put_resource(vault, {"location": LOCATION, "properties": {}})
    registry = scope_id(emu, "registry", "myregistry", rg)
    emu.put_resource(registry, {"location": LOCATION, "sku": {"name": "Basic"}})

    # A cluster with a system-assigned identity, its principal ID, a Network Contributor grant.
    system = az.create_cluster("myManagedCluster", resource_group=rg)
    assert system.identity_type is IdentityType.SYSTEM_ASSIGNED
    assert system.principal_id
    network_grant = system.grant("Network Contributor", scope=subnet)
    assert network_grant.principal_type is PrincipalType.SERVICE_PRINCIPAL
    assert emu.check_access(system.principal_id, SUBNET_JOIN, subnet)

    # An identity, a Key Vault Secrets User grant, a cluster using it.
    ident = az.create_identity("myIdentity", resource_group=rg)
    secrets_user = ident.grant("Key Vault Secrets User", scope=vault)
    assert secrets_user.role_name == "Key Vault Secrets User"
    user = az.create_cluster(
        "myUserAssignedCluster",
        resource_group=rg,
        identity=ident,
        network=NetworkProfile(
            plugin="azure", subnet_id=subnet, service_cidr="10.2.0.0/24", dns_service_ip="10.2.0.10"
        ),
    )
    assert user.identity_type is IdentityType.USER_ASSIGNED
    assert user.principal_id == ident.principal_id

    # A service-principal cluster migrated to system-assigned, then to user-assigned.
    legacy = az.create_cluster(
        "myLegacyCluster", resource_group=rg, service_principal=service_principal
    )  # type: ignore[arg-type]
    assert legacy.identity_type is IdentityType.SERVICE_PRINCIPAL
    plan = legacy.enable_managed_identity(dry_run=True)  # says the kubelet must wait
    assert any("must wait for the next node image" in str(w) for w in plan.warnings)
    legacy = legacy.enable_managed_identity(registries=[registry])
    assert legacy.identity_type is IdentityType.SYSTEM_ASSIGNED
    assert legacy.uses_managed_identity and not legacy.kubelet_uses_managed_identity
    # "An update only works if there's a VHD update to consume": nothing newer, nothing written
    first = len(emu.requests)
    with pytest.warns(NoNewerNodeImageWarning):
        same = legacy.upgrade_node_images()
    assert same is legacy
    assert not [r for r in list(emu.requests)[first:] if r.method == "POST"]
    emu.set_newest_node_image(NEWER_IMAGE)
    legacy = legacy.upgrade_node_images(allow_downtime=True)
    assert legacy.kubelet_uses_managed_identity
    assert legacy.kubelet_identity is not None
    assert emu.check_access(legacy.kubelet_identity.object_id, ACR_PULL, registry)  # re-attached
    legacy = legacy.use_identity(ident)
    assert legacy.identity_type is IdentityType.USER_ASSIGNED
    # User-assigned back to system-assigned (the guide's last migration).
    legacy = legacy.use_system_assigned_identity()
    assert legacy.identity_type is IdentityType.SYSTEM_ASSIGNED
    assert legacy.principal_id and legacy.principal_id != ident.principal_id

    # A kubelet identity with AcrPull, a cluster using it, its kubelet properties.
    kubelet = az.create_identity("myKubeletIdentity", resource_group=rg)
    kubelet.grant("AcrPull", scope=registry)
    custom = az.create_cluster(
        "myKubeletCluster", resource_group=rg, identity=ident, kubelet_identity=kubelet
    )
    assert custom.identity_type is IdentityType.USER_ASSIGNED
    assert custom.kubelet_identity is not None
    assert custom.kubelet_identity.resource_id == kubelet.id
    assert custom.kubelet_identity.client_id == kubelet.client_id
    assert custom.kubelet_identity.object_id == kubelet.principal_id
    assert emu.check_access(ident.principal_id, ASSIGN, str(kubelet.id))
    assert emu.check_access(kubelet.principal_id, ACR_PULL, registry)

    # Never a duplicate: every (principal, role, scope) assigned once.
    grants = [(a.principal_id, a.role_guid, a.scope.lower()) for a in emu.state.rbac.all()]
    assert len(grants) == len(set(grants))
    assert len(assignments(emu, ident.principal_id, subnet)) == 1


def test_demo_runs_the_walkthrough_quickly() -> None:
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "aks_identity", "demo"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    elapsed = time.monotonic() - start
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    for expected in (
        "SystemAssigned",
        "UserAssigned",
        "ServicePrincipal",
        "Key Vault Secrets User",
        "Network Contributor",
        "AcrPull",
        "Managed Identity Operator",
        "kubelet object ID",
        "TokenRefreshWarning",
        "ServicePrincipalKubeletWarning",
    ):
        assert expected in out, expected
    assert elapsed < 60


def test_demo_walkthrough_in_process() -> None:
    from aks_identity._demo import EmulatorEnvironment, walkthrough

    lines: list[str] = []
    with Emulator(clock="virtual", seed=2) as emu:
        clusters = walkthrough(EmulatorEnvironment(emu), out=lines.append)
    assert {c.identity_type for c in clusters.values()} == {
        IdentityType.SYSTEM_ASSIGNED,
        IdentityType.USER_ASSIGNED,
    }
    assert clusters["migrated"].identity_type is IdentityType.USER_ASSIGNED
    assert any("Plan: create cluster myUserAssignedCluster" in line for line in lines)


def test_real_azure_path_of_the_demo_against_the_emulator(
    service_principal: object, emu: Emulator
) -> None:
    """The --subscription code path (generic ARM PUTs for scopes), pointed at the emulator."""
    from aks_identity._demo import AzureEnvironment, walkthrough

    lines: list[str] = []
    with emu.azure() as az:
        env = AzureEnvironment(az, service_principal)  # type: ignore[arg-type]
        clusters = walkthrough(env, resource_group="aks-identity-demo", out=lines.append)
        az.delete_resource_group("aks-identity-demo")  # what --cleanup does
        with pytest.raises(NotFoundError):
            az.get_resource_group("aks-identity-demo")
    assert clusters["kubelet"].kubelet_identity is not None
    assert any("Migrate it to a system-assigned identity" in line for line in lines)


def test_demo_service_principal_secret_never_comes_from_argv(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 12 item 5: ``demo --service-principal`` takes the secret from the environment
    or a prompt; a CLIENT_ID:SECRET argument is refused before anything runs."""
    from aks_identity import ServicePrincipal, ValidationError
    from aks_identity._demo import SECRET_VARIABLE, service_principal_from

    from_env = service_principal_from(
        "11111111-1111-4111-8111-111111111111", environ={SECRET_VARIABLE: "s3cr3t-env"}
    )
    asked: list[str] = []
    prompted = service_principal_from(
        "22222222-2222-4222-8222-222222222222",
        environ={},
        prompt=lambda text: asked.append(text) or "s3cr3t-typed",
    )
    with pytest.raises(ValidationError, match="client ID only"):
        service_principal_from("33333333-3333-4333-8333-333333333333:s3cr3t-argv", environ={})

    assert from_env == ServicePrincipal("11111111-1111-4111-8111-111111111111", "s3cr3t-env")
    assert prompted.secret == "s3cr3t-typed" and "22222222-2222-4222-8222-222222222222" in asked[0]
    assert "s3cr3t" not in repr(from_env)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "aks_identity",
            "demo",
            "--subscription",
            "x",
            "--service-principal",
            "33333333-3333-4333-8333-333333333333:s3cr3t-argv",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0 and "client ID only" in done.stderr
    assert "s3cr3t-argv" not in done.stderr


def test_demo_shows_the_registry_reattached_and_nothing_to_upgrade() -> None:
    from aks_identity._demo import EmulatorEnvironment, walkthrough

    lines: list[str] = []
    with Emulator(clock="virtual", seed=4) as emu:
        walkthrough(EmulatorEnvironment(emu), out=lines.append)
    text = "\n".join(lines)
    assert "kubelet re-attached      AcrPull on acrdemo" in text
    assert "nothing newer: nothing was written and no consent was needed" in text
    assert "re-running with allow_downtime=True" in text
    assert "kubelet on MI            no (still the service principal)" in text
