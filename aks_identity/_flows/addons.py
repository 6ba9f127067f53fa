"""Add-on grants: the role assignments the Azure CLI makes for an add-on's identity, after the
write that creates that identity; ``cluster.enable_addons`` / ``cluster.disable_addons``.

Roles and scopes match the Azure CLI, Azure/azure-cli
src/azure-cli/azure/cli/command_modules/acs/addonconfiguration.py (commit 010cc06), called
from managed_cluster_decorator.py (``postprocessing_after_mc_created`` of the create and
update decorators) and from custom.py (``aks enable-addons``):

- ``add_monitoring_role_assignment``: omsagent, Monitoring Metrics Publisher on the cluster,
  unless the add-on's config has ``useAADAuth`` true (managed identity auth needs none); only
  in AzureCloud (its callers check ``cloud_name.lower() == 'azurecloud'``: "Custom Metrics is
  supported only in Azure Public cloud");
- ``add_ingress_appgw_addon_role_assignment``: ingressApplicationGateway, Contributor on the
  resource group of ``config.applicationGatewayId``, Network Contributor on
  ``config.subnetId``, Contributor on the virtual network of the first pool's subnet when the
  config has ``subnetCIDR``;
- ``add_virtual_node_role_assignment``: aciConnectorLinux, Contributor on the virtual network of
  the first pool's subnet (custom virtual networks only: otherwise AKS grants it).

The CLI grants to a service principal cluster's service principal instead; its object ID is
not known to ARM, so for those clusters the plan warns what to grant by hand.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import attrs

from aks_identity._azure import set_addons
from aks_identity._errors import ValidationError
from aks_identity._grants import is_ours
from aks_identity._ids import ResourceId
from aks_identity._model import IdentityType, Principal
from aks_identity._plan import Plan, PlanBuilder
from aks_identity._warnings import PropagationWarning

from ._common import (
    Holder,
    Snapshot,
    Writer,
    no_retry,
    plan_grant,
    propagation_warning,
    skip,
)

if TYPE_CHECKING:
    from aks_identity._objects import Cluster

    from ._runner import Runner

__all__ = [
    "AddonGrant",
    "addon_grants",
    "addon_principals",
    "canonical",
    "disable_addons",
    "enable_addons",
    "normalize",
    "plan_addon_grants",
]

MONITORING = "omsagent"
INGRESS_APPGW = "ingressApplicationGateway"
VIRTUAL_NODE = "aciConnectorLinux"
# The Azure CLI's add-on names (``az aks enable-addons --addons``, _consts.py ADDONS) and the
# addonProfiles keys, lower-cased, to the addonProfiles key.
_CANONICAL = {
    "omsagent": MONITORING,
    "monitoring": MONITORING,
    "ingressapplicationgateway": INGRESS_APPGW,
    "ingress-appgw": INGRESS_APPGW,
    "aciconnectorlinux": VIRTUAL_NODE,
    "virtual-node": VIRTUAL_NODE,
    "azurepolicy": "azurepolicy",
    "azure-policy": "azurepolicy",
    "azurekeyvaultsecretsprovider": "azureKeyvaultSecretsProvider",
    "azure-keyvault-secrets-provider": "azureKeyvaultSecretsProvider",
    "httpapplicationrouting": "httpApplicationRouting",
    "http_application_routing": "httpApplicationRouting",
    "confcom": "ACCSGXDevicePlugin",
    "accsgxdeviceplugin": "ACCSGXDevicePlugin",
    "kube-dashboard": "kubeDashboard",
    "kubedashboard": "kubeDashboard",
    "openservicemesh": "openServiceMesh",
    "open-service-mesh": "openServiceMesh",
}
GRANT_FLAG = "grant_addons"


def canonical(name: str) -> str:
    """The ``addonProfiles`` key of an add-on (CLI names accepted: ``monitoring``, ...)."""
    if not isinstance(name, str) or not name.strip():
        raise ValidationError(
            f"add-on name {name!r} is not a name: pass e.g. 'omsagent', "
            "'ingressApplicationGateway', 'aciConnectorLinux'",
            rule="addon",
        )
    return _CANONICAL.get(name.strip().lower(), name.strip())


def normalize(
    addons: Sequence[str] | Mapping[str, Mapping[str, str]],
) -> dict[str, dict[str, str]]:
    """``{addonProfiles key: config}`` from names or a mapping of names to their config."""
    if isinstance(addons, str):
        raise ValidationError(
            f"addons={addons!r} is one string: pass a list of add-on names, e.g. [{addons!r}]",
            rule="addon",
        )
    if isinstance(addons, Mapping):
        items: Iterable[tuple[str, Mapping[str, str]]] = addons.items()
    else:
        items = ((name, {}) for name in addons)
    result: dict[str, dict[str, str]] = {}
    for name, config in items:
        if not isinstance(config, Mapping):
            raise ValidationError(
                f"the config of add-on {name!r} must be a mapping of strings, e.g. "
                "{'applicationGatewayId': '/subscriptions/...'}",
                rule="addon",
            )
        result[canonical(name)] = {str(k): str(v) for k, v in config.items()}
    return result


@attrs.frozen(kw_only=True)
class AddonGrant:
    """One grant the Azure CLI makes for an add-on's identity."""

    addon: str
    role: str
    scope: ResourceId
    reason: str
    source: str
    """The Azure CLI function it matches (addonconfiguration.py)."""


def _vnet_of(subnet: ResourceId) -> ResourceId:
    return ResourceId.parse(str(subnet).rsplit("/subnets/", 1)[0])


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


def addon_grants(
    addon: str,
    config: Mapping[str, str],
    *,
    cluster_id: ResourceId,
    pool_subnet: ResourceId | None,
    cloud: str = "AzureCloud",
) -> list[AddonGrant]:
    """The grants the Azure CLI makes for an add-on (pure)."""
    key = canonical(addon)
    found = {k.lower(): v for k, v in config.items()}
    grants: list[AddonGrant] = []
    public_cloud = cloud.lower() == "azurecloud"
    if key == MONITORING and public_cloud and not _truthy(found.get("useaadauth")):
        grants.append(
            AddonGrant(
                addon=key,
                role="Monitoring Metrics Publisher",
                scope=cluster_id,
                reason="the monitoring agent publishes metrics for the cluster",
                source="add_monitoring_role_assignment",
            )
        )
    elif key == INGRESS_APPGW:
        source = "add_ingress_appgw_addon_role_assignment"
        gateway = found.get("applicationgatewayid")
        if gateway:
            gateway_id = ResourceId.parse(gateway)
            group = ResourceId.build(
                subscription_id=gateway_id.subscription_id or "",
                resource_group=gateway_id.resource_group or "",
            )
            grants.append(
                AddonGrant(
                    addon=key,
                    role="Contributor",
                    scope=group,
                    reason="the ingress controller manages the application gateway in its group",
                    source=source,
                )
            )
        subnet = found.get("subnetid")
        if subnet:
            grants.append(
                AddonGrant(
                    addon=key,
                    role="Network Contributor",
                    scope=ResourceId.parse(subnet),
                    reason="the ingress controller deploys the application gateway in this subnet",
                    source=source,
                )
            )
        if "subnetcidr" in found and pool_subnet is not None:
            grants.append(
                AddonGrant(
                    addon=key,
                    role="Contributor",
                    scope=_vnet_of(pool_subnet),
                    reason="the ingress controller creates the gateway's subnet in the "
                    "cluster's virtual network",
                    source=source,
                )
            )
    elif key == VIRTUAL_NODE and pool_subnet is not None:
        grants.append(
            AddonGrant(
                addon=key,
                role="Contributor",
                scope=_vnet_of(pool_subnet),
                reason="the ACI connector places virtual nodes in the cluster's virtual network",
                source="add_virtual_node_role_assignment",
            )
        )
    return grants


def addon_principals(cluster: Cluster) -> list[str]:
    """Object IDs of the cluster's add-on identities."""
    return [a.object_id for a in cluster.addons if a.object_id]


def _addon_principal(holder: Holder, addon: str) -> Callable[[], Principal]:
    def principal() -> Principal:
        cluster = holder.get()
        for profile in cluster.addons:
            if profile.name.lower() == addon.lower() and profile.object_id:
                return Principal(profile.object_id)
        raise ValidationError(
            f"AKS reported no identity for add-on {addon} of cluster {cluster.name}: "
            f"grant its roles yourself, or re-run with {skip(GRANT_FLAG)}",
            rule="addon",
            resource_id=str(cluster.id),
        )

    return principal


def plan_addon_grants(
    builder: PlanBuilder,
    snapshot: Snapshot,
    writer: Writer,
    holder: Holder,
    *,
    names: Iterable[str],
    configs: Mapping[str, Mapping[str, str]],
    enabled: bool,
    when: str,
    cluster_id: ResourceId,
    pool_subnet: ResourceId | None = None,
    control: IdentityType | None = None,
) -> bool:
    """Add the add-ons' grants (for the identity the write step reports); True if any is made.

    ``configs`` and ``pool_subnet`` default to what the snapshot's cluster has.
    """
    if not enabled:
        return False
    cluster = snapshot.cluster
    rid = cluster_id
    if pool_subnet is None and cluster is not None and cluster.agent_pools:
        pool_subnet = cluster.agent_pools[0].subnet_id
    kind = control or (cluster.identity_type if cluster is not None else None)
    made = False
    for name in names:
        key = canonical(name)
        config = configs.get(key)
        if config is None and cluster is not None:
            config = next((a.config for a in cluster.addons if a.name.lower() == key.lower()), {})
        for grant in addon_grants(
            key, config or {}, cluster_id=rid, pool_subnet=pool_subnet, cloud=snapshot.cloud
        ):
            if kind is IdentityType.SERVICE_PRINCIPAL:
                builder.warn(
                    PropagationWarning(
                        f"grant the cluster's service principal {grant.role} on "
                        f"{grant.scope} yourself for add-on {key} (its object ID is not known "
                        "to ARM; the Azure CLI's " + grant.source + " grants it)"
                    )
                )
                continue
            known = _known_principal(cluster, key)
            made |= plan_grant(
                builder,
                snapshot,
                writer,
                known if known is not None else _addon_principal(holder, key),
                role=grant.role,
                scope=grant.scope,
                who=f"add-on {key}'s identity"
                + (f" ({known.object_id})" if known is not None else f" (known {when})"),
                reason=f"{grant.reason} (as the Azure CLI's {grant.source})",
                skip_with=skip(GRANT_FLAG),
            )
    return made


def _known_principal(cluster: Cluster | None, addon: str) -> Principal | None:
    if cluster is None:
        return None
    for profile in cluster.addons:
        if profile.name.lower() == addon.lower() and profile.enabled and profile.object_id:
            return Principal(profile.object_id)
    return None


def plan_enable_addons(
    snapshot: Snapshot,
    addons: Mapping[str, Mapping[str, str]],
    writer: Writer,
    *,
    grant_addons: bool,
) -> Plan:
    """Enable add-ons, then make their grants for the identities AKS creates (pure)."""
    cluster = snapshot.cluster
    assert cluster is not None
    names = ", ".join(addons)
    builder = PlanBuilder(f"enable add-on(s) {names} on {cluster.name}", cluster.id)
    current = {a.name.lower(): a for a in cluster.addons}
    todo = {
        name: config
        for name, config in addons.items()
        if not (
            (found := current.get(name.lower())) is not None
            and found.enabled
            and all(found.config.get(k) == v for k, v in config.items())
        )
    }
    updated = Holder(cluster)
    if todo:
        updated = Holder()
        builder.step(
            "update",
            f"PUT managed cluster {cluster.name} with add-on(s) {', '.join(todo)} enabled; "
            "wait for the update",
            lambda: updated.set(
                writer.put_cluster(
                    cluster.id,
                    None,
                    doing=f"enabling add-on(s) {', '.join(todo)} on {cluster.name!r}",
                    reason=no_retry,
                    awaited=f"cluster {cluster.name} update",
                    update=lambda body: set_addons(body, todo),
                )
            ),
            target=cluster.id,
        )
    else:
        builder.step("none", f"add-on(s) {names} already enabled", None, writes=False)
    configs = {
        name: {**(current[name.lower()].config if name.lower() in current else {}), **config}
        for name, config in addons.items()
    }
    known = attrs.evolve(
        snapshot,
        cluster=attrs.evolve(
            cluster, addons=tuple(a for a in cluster.addons if a.name not in todo)
        ),
    )
    made = plan_addon_grants(
        builder,
        known,
        writer,
        updated,
        names=list(addons),
        configs=configs,
        enabled=grant_addons,
        when="after the update",
        cluster_id=cluster.id,
    )
    if made:
        builder.warn(propagation_warning("the add-ons' grants"))
    return builder.plan()


def plan_disable_addons(snapshot: Snapshot, names: Sequence[str], writer: Writer) -> Plan:
    """Revoke the grants aks_identity made for the add-ons' identities, then disable them."""
    cluster = snapshot.cluster
    assert cluster is not None
    builder = PlanBuilder(f"disable add-on(s) {', '.join(names)} on {cluster.name}", cluster.id)
    current = {a.name.lower(): a for a in cluster.addons}
    todo = [n for n in names if (a := current.get(n.lower())) is not None and a.enabled]
    for name in todo:
        object_id = current[name.lower()].object_id
        for assignment in snapshot.assignments.get((object_id or "").lower(), ()):
            if is_ours(assignment):
                builder.step(
                    "revoke",
                    f"delete role assignment {assignment.id} ({assignment.role_name} for "
                    f"add-on {name}'s identity, made by aks_identity)",
                    functools.partial(writer.delete_role_assignment, assignment.id),
                    target=assignment.scope,
                )
    if not todo:
        builder.step("none", f"add-on(s) {', '.join(names)} not enabled", None, writes=False)
        return builder.plan()
    disabled: dict[str, Mapping[str, str] | None] = {name: None for name in todo}
    builder.step(
        "update",
        f"PUT managed cluster {cluster.name} with add-on(s) {', '.join(todo)} disabled",
        lambda: writer.put_cluster(
            cluster.id,
            None,
            doing=f"disabling add-on(s) {', '.join(todo)} on {cluster.name!r}",
            reason=no_retry,
            awaited=f"cluster {cluster.name} update",
            update=lambda body: set_addons(body, disabled),
        ),
        target=cluster.id,
    )
    return builder.plan()


def enable_addons(
    runner: Runner,
    cluster: Cluster,
    addons: Sequence[str] | Mapping[str, Mapping[str, str]],
    *,
    grant_addons: bool,
    dry_run: bool,
) -> Cluster | Plan:
    """Enable add-ons and make the grants the Azure CLI makes for them."""
    wanted = normalize(addons)
    if not wanted:
        raise ValidationError(
            "enable_addons() needs at least one add-on name, e.g. ['omsagent']", rule="addon"
        )
    snapshot = runner.snapshot(cluster=cluster, principals=addon_principals(cluster))
    plan = plan_enable_addons(snapshot, wanted, runner, grant_addons=grant_addons)
    if not plan.writes:
        return plan if dry_run else cluster
    return runner.run(plan, cluster.id, dry_run=dry_run, seen=cluster)


def disable_addons(
    runner: Runner, cluster: Cluster, names: Sequence[str], *, dry_run: bool
) -> Cluster | Plan:
    """Disable add-ons, first revoking the grants aks_identity made for their identities."""
    wanted = list(normalize(names))
    if not wanted:
        raise ValidationError(
            "disable_addons() needs at least one add-on name, e.g. ['omsagent']", rule="addon"
        )
    snapshot = runner.snapshot(cluster=cluster, principals=addon_principals(cluster))
    plan = plan_disable_addons(snapshot, wanted, runner)
    if not plan.writes:
        return plan if dry_run else cluster
    return runner.run(plan, cluster.id, dry_run=dry_run, seen=cluster)
