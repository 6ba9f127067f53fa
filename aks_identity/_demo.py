"""The guide's walkthrough, end to end, printed step by step (``python -m aks_identity demo``).

Runs on the embedded emulator by default, or against a real subscription. The same
:func:`walkthrough` drives both; an :class:`Environment` supplies what the library itself
does not create (networks, key vaults, registries, a legacy service principal).
"""

from __future__ import annotations

import getpass
import os
import secrets
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Protocol

import attrs

from aks_identity._client import Azure
from aks_identity._errors import ConfirmationRequired, ValidationError
from aks_identity._ids import ResourceId
from aks_identity._model import NetworkProfile, ServicePrincipal
from aks_identity._objects import Cluster, ManagedIdentity, RoleAssignment

__all__ = [
    "SECRET_VARIABLE",
    "EmulatorEnvironment",
    "Environment",
    "Scopes",
    "service_principal_from",
    "walkthrough",
]

Print = Callable[[str], None]
SECRET_VARIABLE = "AKS_IDENTITY_SP_SECRET"
"""Where ``demo --service-principal CLIENT_ID`` reads the secret (else it prompts)."""


def service_principal_from(
    client_id: str,
    *,
    environ: Mapping[str, str] | None = None,
    prompt: Callable[[str], str] | None = None,
) -> ServicePrincipal:
    """A service principal whose secret comes from the environment or a prompt, never argv."""
    if ":" in client_id:
        raise ValidationError(
            "--service-principal takes the client ID only: a secret on the command line ends "
            f"up in shell history and process lists; set {SECRET_VARIABLE} or type it at the "
            "prompt",
            rule="service-principal-secret",
        )
    secret = (os.environ if environ is None else environ).get(SECRET_VARIABLE)
    if not secret:
        ask = prompt or getpass.getpass
        secret = ask(f"secret of service principal {client_id} ({SECRET_VARIABLE} is unset): ")
    if not secret:
        raise ValidationError(
            f"no secret for service principal {client_id}: set {SECRET_VARIABLE} or type it at "
            "the prompt",
            rule="service-principal-secret",
        )
    return ServicePrincipal(client_id, secret)


def _yes(value: bool) -> str:
    return "yes" if value else "no"


class Environment(Protocol):
    """What the walkthrough needs besides the library."""

    azure: Azure

    def put_resource(self, resource_id: str, body: dict[str, Any], api_version: str) -> None:
        """Create a resource to grant on (network, key vault, registry)."""

    def service_principal(self, pulls_from: ResourceId) -> ServicePrincipal | None:
        """A legacy service principal for the migration flow (one that could pull from the
        registry ``pulls_from``, as ``--attach-acr`` made it), or None to skip it."""

    def newer_node_image(self) -> None:
        """Make a newer node image available (emulator), or nothing (Azure)."""


@attrs.frozen
class Scopes:
    """The resources the walkthrough grants on."""

    subnet: ResourceId
    key_vault: ResourceId
    registry: ResourceId


class EmulatorEnvironment:
    """The embedded emulator: resources via ``put_resource``; a directory service principal."""

    def __init__(self, emulator: Any) -> None:
        self._emu = emulator
        self.azure: Azure = emulator.azure()

    def put_resource(self, resource_id: str, body: dict[str, Any], api_version: str) -> None:
        self._emu.put_resource(resource_id, body)

    def service_principal(self, pulls_from: ResourceId) -> ServicePrincipal | None:
        return ServicePrincipal(
            *self._emu.create_service_principal(
                "demo-legacy-sp", replicated=True, role="AcrPull", scope=str(pulls_from)
            )
        )

    def newer_node_image(self) -> None:
        self._emu.set_newest_node_image("AKSUbuntu-2204gen2containerd-209901.01.0")


class AzureEnvironment:
    """A real subscription: resources via a generic ARM PUT; service principal optional."""

    def __init__(self, azure: Azure, service_principal: ServicePrincipal | None) -> None:
        self.azure = azure
        self._sp = service_principal

    def put_resource(self, resource_id: str, body: dict[str, Any], api_version: str) -> None:
        self.azure._arm.put_resource(ResourceId.parse(resource_id), body, api_version)

    def service_principal(self, pulls_from: ResourceId) -> ServicePrincipal | None:
        return self._sp  # the caller's: it pulls from whatever it was attached to

    def newer_node_image(self) -> None:
        """Azure publishes node images on its own schedule."""


def _scopes(env: Environment, group: str, location: str, tenant: str | None) -> Scopes:
    sub = env.azure.subscription_id
    base = f"/subscriptions/{sub}/resourceGroups/{group}/providers"
    suffix = secrets.token_hex(3)
    vnet = f"{base}/Microsoft.Network/virtualNetworks/myVnet"
    subnet = f"{vnet}/subnets/aks"
    vault = f"{base}/Microsoft.KeyVault/vaults/kv-demo-{suffix}"
    registry = f"{base}/Microsoft.ContainerRegistry/registries/acrdemo{suffix}"
    env.put_resource(
        vnet,
        {
            "location": location,
            "properties": {
                "addressSpace": {"addressPrefixes": ["10.1.0.0/16"]},
                "subnets": [{"name": "aks", "properties": {"addressPrefix": "10.1.0.0/24"}}],
            },
        },
        "2023-09-01",
    )
    env.put_resource(subnet, {"properties": {"addressPrefix": "10.1.0.0/24"}}, "2023-09-01")
    env.put_resource(
        vault,
        {
            "location": location,
            "properties": {
                "tenantId": tenant or "",
                "sku": {"family": "A", "name": "standard"},
                "enableRbacAuthorization": True,
            },
        },
        "2023-07-01",
    )
    env.put_resource(
        registry,
        {"location": location, "sku": {"name": "Basic"}, "properties": {"adminUserEnabled": False}},
        "2023-07-01",
    )
    return Scopes(ResourceId.parse(subnet), ResourceId.parse(vault), ResourceId.parse(registry))


class _Printer:
    """Numbered steps, indented results, warnings caught and shown where they happen."""

    def __init__(self, out: Print) -> None:
        self._out = out
        self._n = 0
        self.started = time.monotonic()

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        self._n += 1
        self._out(f"\n[{self._n}] {title}")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
        seen: set[str] = set()
        for item in caught:
            line = f"    ! {item.category.__name__}: {item.message}"
            if line not in seen:
                seen.add(line)
                self._out(line)

    def show(self, label: str, value: object) -> None:
        first, *rest = str(value).splitlines() or [""]
        self._out(f"    {label:<24} {first}")
        for line in rest:
            self._out(f"    {'':<24} {line}")

    def grants_of(self, cluster: Cluster) -> None:
        for assignment in cluster.role_assignments():
            kind = assignment.scope.kind.value if assignment.scope.kind else "scope"
            where = f"{kind} {assignment.scope.name}"
            self.show("control plane holds", f"{assignment.role_name} on {where}")

    def cluster(self, cluster: Cluster) -> None:
        self.show("identity type", cluster.identity_type.value)
        self.show("control-plane principal", cluster.principal_id or "(none: service principal)")
        self.show("control plane on MI", _yes(cluster.uses_managed_identity))
        self.show(
            "kubelet on MI",
            _yes(cluster.kubelet_uses_managed_identity)
            + ("" if cluster.kubelet_uses_managed_identity else " (still the service principal)"),
        )
        if cluster.kubelet_identity is not None:
            self.show("kubelet identity", cluster.kubelet_identity.name)

    def say(self, text: str) -> None:
        """What is happening now, in words."""
        self._out(f"    -> {text}")

    def grant(self, assignment: RoleAssignment) -> None:
        self.show(
            "granted",
            f"{assignment.role_name} to {assignment.principal_id} "
            f"({assignment.principal_type.value if assignment.principal_type else '?'})",
        )
        self.show("on", assignment.scope)

    def identity(self, identity: ManagedIdentity) -> None:
        self.show("principal ID", identity.principal_id)
        self.show("client ID", identity.client_id)


def walkthrough(
    env: Environment,
    *,
    resource_group: str = "myResourceGroup",
    location: str = "westus2",
    out: Print = print,
) -> dict[str, Cluster]:
    """The guide's walkthrough in order; returns the clusters it made."""
    az = env.azure
    p = _Printer(out)
    clusters: dict[str, Cluster] = {}
    with p.step(f"Resource group {resource_group}"):
        group = az.create_resource_group(resource_group, location=location)
        p.show("location", group.location)
        scopes = _scopes(env, group.name, group.location, az._ops.tenant())
        p.show("subnet", scopes.subnet.name)
        p.show("key vault", scopes.key_vault.name)
        p.show("registry", scopes.registry.name)

    with p.step("Cluster with a system-assigned control-plane identity (the default)"):
        system = az.create_cluster("myManagedCluster", resource_group=group.name)
        p.cluster(system)
        clusters["system"] = system
    with p.step("Grant its identity Network Contributor on the subnet"):
        p.grant(system.grant("Network Contributor", scopes.subnet))

    with p.step("User-assigned identity myIdentity, Key Vault Secrets User on the vault"):
        ident = az.create_identity("myIdentity", resource_group=group.name)
        p.identity(ident)
        p.grant(ident.grant("Key Vault Secrets User", scope=scopes.key_vault))
    with p.step(
        "Cluster using myIdentity, in the custom subnet (Network Contributor granted first)"
    ):
        network = NetworkProfile(
            plugin="azure",
            subnet_id=scopes.subnet,
            service_cidr="10.2.0.0/24",
            dns_service_ip="10.2.0.10",
        )
        plan = az.create_cluster(
            "myUserAssignedCluster",
            resource_group=group.name,
            identity=ident,
            network=network,
            dry_run=True,
        )
        p.show("dry run", plan)
        user = az.create_cluster(
            "myUserAssignedCluster", resource_group=group.name, identity=ident, network=network
        )
        p.cluster(user)
        p.grants_of(user)
        clusters["user"] = user

    sp = env.service_principal(pulls_from=scopes.registry)
    if sp is not None:
        with p.step("Legacy cluster with a service principal"):
            legacy = az.create_cluster(
                "myLegacyCluster", resource_group=group.name, service_principal=sp
            )
            p.cluster(legacy)
        with p.step("Migrate it to a system-assigned identity"):
            p.say(
                "the service principal could pull from the registry (AcrPull): its object ID "
                "from Microsoft Graph and its role assignments say so, and the plan re-attaches "
                "the registry to the new kubelet identity"
            )
            plan = legacy.enable_managed_identity(dry_run=True)
            p.show("dry run", plan)
            p.say("now for real: one PUT, then the grants for the new identities")
            legacy = legacy.enable_managed_identity()
            p.cluster(legacy)
            if legacy.kubelet_identity is not None:
                for held in legacy.kubelet_identity.role_assignments(scope=scopes.registry):
                    p.show("kubelet re-attached", f"{held.role_name} on {held.scope.name}")
            p.say(
                "the control plane uses its managed identity now; the kubelet moves only when "
                "its nodes get a newer node image"
            )
        with p.step("Upgrade node images: is there a newer one to consume?"):
            p.say("reading each pool's upgrade profile (latestNodeImageVersion)")
            same = legacy.upgrade_node_images()
            p.say(
                "nothing newer: nothing was written and no consent was needed"
                if same is legacy
                else "upgraded"
            )
        with p.step("AKS publishes a newer node image: upgrade so the kubelet moves"):
            env.newer_node_image()
            try:
                legacy.upgrade_node_images()
                p.say("no newer image yet (Azure publishes them on its own schedule)")
            except ConfirmationRequired as refused:
                p.say("refused: reimaging nodes needs consent; nothing was written")
                p.show("the plan it refused", refused.plan)
                p.say("re-running with allow_downtime=True: the nodes are reimaged now")
                legacy = legacy.upgrade_node_images(allow_downtime=True)
            p.show(
                "node image",
                ", ".join(f"{a.name}={a.node_image_version}" for a in legacy.agent_pools),
            )
            p.cluster(legacy)
        with p.step("Then to the user-assigned identity myIdentity"):
            legacy = legacy.use_identity(ident)
            p.cluster(legacy)
        clusters["migrated"] = legacy
    else:
        out("\n(skipping the service-principal migration: no service principal given)")

    with p.step("Kubelet identity myKubeletIdentity with AcrPull on the registry"):
        kubelet = az.create_identity("myKubeletIdentity", resource_group=group.name)
        p.identity(kubelet)
        p.grant(kubelet.grant("AcrPull", scope=scopes.registry))
    with p.step(
        "Cluster using myIdentity and the kubelet identity (Managed Identity Operator first)"
    ):
        custom = az.create_cluster(
            "myKubeletCluster", resource_group=group.name, identity=ident, kubelet_identity=kubelet
        )
        p.cluster(custom)
        p.grants_of(custom)
        assert custom.kubelet_identity is not None
        p.show("kubelet resource ID", custom.kubelet_identity.resource_id)
        p.show("kubelet client ID", custom.kubelet_identity.client_id)
        p.show("kubelet object ID", custom.kubelet_identity.object_id)
        clusters["kubelet"] = custom
    with p.step("Its identities (inventory)"):
        for row in custom.identities():
            grants = ", ".join(f"{a.role_name} on {a.scope.name}" for a in row.role_assignments)
            who = row.resource_id.name if row.resource_id else (row.object_id or "-")
            p.show(
                row.use,
                f"{row.kind} {who}"
                + (f" [{grants}]" if grants else "")
                + (f" ({row.note})" if row.note else ""),
            )
    out(f"\nDone in {time.monotonic() - p.started:.1f} s.")
    return clusters
