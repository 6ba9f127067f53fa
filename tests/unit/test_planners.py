"""The flows' pure planners: snapshot + request -> Plan, without HTTP (a fake writer records
what the steps would do)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aks_identity import (
    DowntimeWarning,
    NoNewerNodeImageWarning,
    Principal,
    ServicePrincipalKubeletWarning,
    TokenRefreshWarning,
)
from aks_identity._errors import ConflictError
from aks_identity._flows import addons, create, delete, migrate, node_images, registries
from aks_identity._flows._common import Snapshot, covering, plan_grant
from aks_identity._grants import assignment_name, role_covers
from aks_identity._ids import ResourceId
from aks_identity._model import ClusterIdentity, IdentityType, NetworkProfile
from aks_identity._objects import (
    AddonProfile,
    AgentPool,
    Cluster,
    KubeletIdentity,
    ManagedIdentity,
    RoleAssignment,
)
from aks_identity._plan import PlanBuilder, execute
from aks_identity._roles import Role, get_role

pytestmark = pytest.mark.filterwarnings("ignore::aks_identity.AksIdentityWarning")

SUB = "00000000-1111-2222-3333-444444444444"
GROUP = f"/subscriptions/{SUB}/resourceGroups/rg"
CLUSTER = f"{GROUP}/providers/Microsoft.ContainerService/managedClusters/c1"
NODE_GROUP = "MC_rg_c1_westus2"
KUBELET = (
    f"/subscriptions/{SUB}/resourceGroups/{NODE_GROUP}"
    "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/c1-agentpool"
)
VNET = f"{GROUP}/providers/Microsoft.Network/virtualNetworks/vnet1"
SUBNET = f"{VNET}/subnets/aks"
REGISTRY = f"{GROUP}/providers/Microsoft.ContainerRegistry/registries/acr1"
IMAGE = "AKSUbuntu-2204gen2containerd-202501.01.0"
NEWER = "AKSUbuntu-2204gen2containerd-209901.01.0"
PRINCIPAL = "11111111-0000-0000-0000-000000000001"
KUBELET_OBJECT = "11111111-0000-0000-0000-000000000002"
OMS_OBJECT = "11111111-0000-0000-0000-000000000003"
ASSIGN = "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action"


class FakeWriter:
    """Records the writes the plan's steps make."""

    def __init__(self, cluster: Cluster | None = None) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.cluster = cluster

    def ensure_grant(self, principal: Any, role: Role, scope: ResourceId, *, checked: bool) -> Any:
        who = principal() if callable(principal) else principal
        self.calls.append(("grant", (who.object_id, role.name, str(scope))))

    def put_cluster(self, rid: ResourceId, body: Any, **kwargs: Any) -> Any:
        self.calls.append(("put", str(rid)))
        return self.cluster

    def upgrade_pool(self, rid: ResourceId, pool: str) -> None:
        self.calls.append(("upgrade", pool))

    def delete_role_assignment(self, assignment_id: str) -> None:
        self.calls.append(("revoke", assignment_id))

    def delete_cluster(self, rid: ResourceId) -> None:
        self.calls.append(("delete", str(rid)))


def cluster(
    *,
    kind: IdentityType = IdentityType.SYSTEM_ASSIGNED,
    client_id: str | None = "msi",
    subnet: str | None = None,
    addons_: tuple[AddonProfile, ...] = (),
    image: str = IMAGE,
    private_dns_zone: str | None = None,
) -> Cluster:
    principal = None if kind is IdentityType.SERVICE_PRINCIPAL else PRINCIPAL
    kubelet = (
        None
        if kind is IdentityType.SERVICE_PRINCIPAL
        else KubeletIdentity(
            azure=None,  # type: ignore[arg-type]
            resource_id=KUBELET,
            client_id="c",
            object_id=KUBELET_OBJECT,
        )
    )
    return Cluster(
        azure=None,  # type: ignore[arg-type]
        id=CLUSTER,
        name="c1",
        location="westus2",
        provisioning_state="Succeeded",
        identity=ClusterIdentity(type=kind, principal_id=principal),
        service_principal_client_id=client_id,
        kubelet_identity=kubelet,
        network=NetworkProfile(subnet_id=subnet),
        agent_pools=(AgentPool(name="nodepool1", node_image_version=image, subnet_id=subnet),),
        addons=addons_,
        node_resource_group=NODE_GROUP,
        private_dns_zone=private_dns_zone,
    )


def assignment(
    principal: str, role: str | Role, scope: str, name: str | None = None
) -> RoleAssignment:
    resolved = get_role(role) if isinstance(role, str) else role
    return RoleAssignment(
        azure=None,  # type: ignore[arg-type]
        id=f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name or 'x'}",
        name=name or assignment_name(scope, principal, resolved.guid),
        scope=scope,
        principal_id=principal,
        principal_type=None,
        role_definition_id=resolved.definition_id(f"/subscriptions/{SUB}"),
    )


def identity(name: str, object_id: str) -> ManagedIdentity:
    return ManagedIdentity(
        azure=None,  # type: ignore[arg-type]
        id=f"{GROUP}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}",
        name=name,
        location="westus2",
        principal_id=object_id,
        client_id="client",
        tenant_id="tenant",
    )


# -- covering assignments ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("held", "wanted", "covers"),
    [
        ("Owner", "Managed Identity Operator", True),
        ("Contributor", "Managed Identity Operator", True),
        ("Reader", "Managed Identity Operator", False),
        ("Contributor", "Network Contributor", True),
        ("Network Contributor", "Contributor", False),
        ("Owner", "AcrPull", True),
        ("AcrPush", "AcrPull", True),
        ("Managed Identity Operator", "Managed Identity Operator", True),
        ("Contributor", "Owner", False),  # its exclusions (role assignments) are not Owner's
        ("Owner", "Contributor", True),
        ("Contributor", "Monitoring Metrics Publisher", False),  # a data action: * is not data
    ],
)
def test_role_covers(held: str, wanted: str, covers: bool) -> None:
    assert role_covers(get_role(held), get_role(wanted)) is covers


def test_a_custom_role_with_the_assign_action_covers_the_operator_grant() -> None:
    custom = Role(name="assigner", guid="22222222-0000-0000-0000-000000000001", actions=[ASSIGN])
    held = assignment(PRINCIPAL, custom, f"/subscriptions/{SUB}")
    snapshot = Snapshot(assignments={PRINCIPAL: (held,)}, roles={custom.guid: custom})
    builder = PlanBuilder("p")

    made = plan_grant(
        builder,
        snapshot,
        FakeWriter(),
        Principal(PRINCIPAL),
        role="Managed Identity Operator",
        scope=KUBELET,
        who="cp",
        reason="r",
    )

    plan = builder.plan(emit_warnings=False)
    assert made is False and plan.writes == ()
    assert plan.grants[0].covered_by == f"assigner at /subscriptions/{SUB}"


@settings(max_examples=25)
@given(depth=st.integers(min_value=0, max_value=3), role=st.sampled_from(["Owner", "Contributor"]))
def test_coverage_holds_at_the_scope_or_above_only(depth: int, role: str) -> None:
    scopes = [f"/subscriptions/{SUB}", GROUP, VNET, SUBNET]
    held = assignment(PRINCIPAL, role, scopes[depth])
    snapshot = Snapshot(assignments={PRINCIPAL: (held,)})
    wanted = get_role("Network Contributor")
    assert covering(snapshot, PRINCIPAL, wanted, ResourceId.parse(SUBNET)) is held
    above = ResourceId.parse(scopes[depth - 1]) if depth else None
    if above is not None:
        assert covering(snapshot, PRINCIPAL, wanted, above) is None


# -- node images -------------------------------------------------------------------------


def test_node_images_nothing_newer_plans_no_write() -> None:
    writer = FakeWriter()
    plan = node_images.plan_upgrade_node_images(
        Snapshot(cluster=cluster(), latest_images={"nodepool1": IMAGE}), writer
    )
    assert plan.writes == () and plan.expected_downtime is None
    assert [type(w) for w in plan.warnings] == [NoNewerNodeImageWarning]
    assert "service principal" not in str(plan.warnings[0])


def test_node_images_nothing_newer_on_a_migrated_cluster_says_the_kubelet_waits() -> None:
    migrated = cluster(client_id="legacy-client-id")
    plan = node_images.plan_upgrade_node_images(
        Snapshot(cluster=migrated, latest_images={"nodepool1": IMAGE}), FakeWriter()
    )
    assert "must wait for the next node image" in str(plan.warnings[0])


@pytest.mark.parametrize("latest", [NEWER, None])
def test_node_images_upgrade_what_is_newer_or_unknown(latest: str | None) -> None:
    writer = FakeWriter()
    plan = node_images.plan_upgrade_node_images(
        Snapshot(cluster=cluster(), latest_images={"nodepool1": latest}), writer
    )
    execute(plan)
    assert [s.action for s in plan.writes] == ["upgrade"]
    assert plan.expected_downtime and [type(w) for w in plan.warnings] == [DowntimeWarning]
    assert writer.calls == [("upgrade", "nodepool1")]


# -- migrations ----------------------------------------------------------------------------


@pytest.mark.parametrize(("latest", "says"), [(IMAGE, "must wait"), (NEWER, "can move now")])
def test_enable_managed_identity_says_when_the_kubelet_moves(latest: str, says: str) -> None:
    legacy = cluster(kind=IdentityType.SERVICE_PRINCIPAL, client_id="sp-client")
    plan = migrate.plan_to_system_assigned(
        Snapshot(cluster=legacy, latest_images={"nodepool1": latest}),
        migrate.MigrationRequest(),
        FakeWriter(),
        operation="enable managed identity",
    )
    kinds = [type(w).__name__ for w in plan.warnings]
    assert kinds[:2] == ["TokenRefreshWarning", "ServicePrincipalKubeletWarning"]
    assert says in str(plan.warnings[1])
    assert "RegistryReattachWarning" in kinds  # no registries= given


def test_registries_passed_to_a_migration_are_granted_to_the_new_kubelet() -> None:
    legacy = cluster(kind=IdentityType.SERVICE_PRINCIPAL, client_id="sp-client")
    writer = FakeWriter(cluster())
    plan = migrate.plan_to_system_assigned(
        Snapshot(cluster=legacy, latest_images={"nodepool1": IMAGE}),
        migrate.MigrationRequest(registries=(ResourceId.parse(REGISTRY),)),
        writer,
        operation="enable managed identity",
    )
    execute(plan)
    assert [(g.role, g.skip_with) for g in plan.grants] == [("AcrPull", "registries=[]")]
    assert ("grant", (KUBELET_OBJECT, "AcrPull", REGISTRY)) in writer.calls
    assert "RegistryReattachWarning" not in [type(w).__name__ for w in plan.warnings]


def test_user_assigned_to_system_assigned_plans_the_new_principals_grants() -> None:
    uami = identity("cp-id", "33333333-0000-0000-0000-000000000001")
    current = attrs_evolve(
        cluster(subnet=SUBNET),
        identity=ClusterIdentity(
            type=IdentityType.USER_ASSIGNED,
            principal_id=uami.principal_id,
            user_assigned=(uami.id,),
        ),
    )
    writer = FakeWriter(cluster(subnet=SUBNET))
    plan = migrate.plan_to_system_assigned(
        Snapshot(cluster=current), migrate.MigrationRequest(), writer, operation="use"
    )
    execute(plan)
    assert type(plan.warnings[0]) is TokenRefreshWarning
    assert ServicePrincipalKubeletWarning not in [type(w) for w in plan.warnings]
    assert writer.calls == [("put", CLUSTER), ("grant", (PRINCIPAL, "Network Contributor", SUBNET))]


def attrs_evolve(instance: Any, **changes: Any) -> Any:
    import attrs

    return attrs.evolve(instance, **changes)


# -- create ----------------------------------------------------------------------------------


def _request(**overrides: Any) -> create.CreateRequest:
    from aks_identity._azure import ClusterSpec

    values: dict[str, Any] = {
        "rid": ResourceId.parse(CLUSTER),
        "control": IdentityType.SYSTEM_ASSIGNED,
        "spec": ClusterSpec(location="westus2", dns_prefix="c1"),
    }
    values.update(overrides)
    return create.CreateRequest(**values)


def test_create_plans_the_system_assigned_subnet_grant_after_the_write() -> None:
    writer = FakeWriter(cluster(subnet=SUBNET))
    plan = create.plan_create(Snapshot(), _request(subnet=ResourceId.parse(SUBNET)), writer)
    execute(plan)
    assert [s.action for s in plan.steps] == ["create", "grant"]
    assert writer.calls == [("put", CLUSTER), ("grant", (PRINCIPAL, "Network Contributor", SUBNET))]


def test_create_refuses_an_existing_cluster_with_another_identity() -> None:
    with pytest.raises(ConflictError, match="use_system_assigned_identity"):
        create.plan_create(
            Snapshot(cluster=cluster()),
            _request(control=IdentityType.USER_ASSIGNED, control_identity=identity("x-id", "4")),
            FakeWriter(),
        )


# -- add-ons -----------------------------------------------------------------------------


def test_addon_grants_match_the_cli() -> None:
    rid = ResourceId.parse(CLUSTER)
    subnet = ResourceId.parse(SUBNET)
    gateway = (
        f"/subscriptions/{SUB}/resourceGroups/gw/providers/Microsoft.Network/applicationGateways/g"
    )

    def table(
        name: str, config: dict[str, str], pool_subnet: ResourceId | None
    ) -> list[tuple[str, str]]:
        return [
            (g.role, str(g.scope))
            for g in addons.addon_grants(name, config, cluster_id=rid, pool_subnet=pool_subnet)
        ]

    assert table("monitoring", {}, None) == [("Monitoring Metrics Publisher", CLUSTER)]
    assert table("omsagent", {"useAADAuth": "True"}, None) == []
    assert (
        addons.addon_grants(
            "omsagent", {}, cluster_id=rid, pool_subnet=None, cloud="AzureUSGovernment"
        )
        == []
    )
    assert table(
        "ingress-appgw",
        {"applicationGatewayId": gateway, "subnetId": SUBNET, "subnetCIDR": "10.2.0.0/16"},
        subnet,
    ) == [
        ("Contributor", f"/subscriptions/{SUB}/resourceGroups/gw"),
        ("Network Contributor", SUBNET),
        ("Contributor", VNET),
    ]
    assert table("virtual-node", {}, subnet) == [("Contributor", VNET)]
    assert table("virtual-node", {}, None) == []  # AKS grants it without a custom network
    assert table("azurepolicy", {}, subnet) == []


def test_enable_addons_grants_to_the_identity_the_update_reports() -> None:
    with_oms = cluster(addons_=(AddonProfile(name="omsagent", enabled=True, object_id=OMS_OBJECT),))
    writer = FakeWriter(with_oms)
    plan = addons.plan_enable_addons(
        Snapshot(cluster=cluster()), {"omsagent": {}}, writer, grant_addons=True
    )
    execute(plan)
    assert [(g.role, g.skip_with) for g in plan.grants] == [
        ("Monitoring Metrics Publisher", "grant_addons=False")
    ]
    assert writer.calls[1] == ("grant", (OMS_OBJECT, "Monitoring Metrics Publisher", CLUSTER))


# -- registries and delete ----------------------------------------------------------------


def test_detach_revokes_its_own_and_keeps_the_others() -> None:
    ours = assignment(KUBELET_OBJECT, "AcrPull", REGISTRY)
    theirs = assignment(
        KUBELET_OBJECT, "AcrPull", REGISTRY, name="9d1c1a7e-0000-0000-0000-000000000000"
    )
    writer = FakeWriter()
    plan = registries.plan_detach(
        cluster(), ResourceId.parse(REGISTRY), [ours, theirs], writer, force=False
    )
    forced = registries.plan_detach(
        cluster(), ResourceId.parse(REGISTRY), [ours, theirs], writer, force=True
    )
    assert [s.action for s in plan.steps] == ["revoke", "keep"]
    assert theirs.id in str(plan.warnings[0])
    assert [s.action for s in forced.steps] == ["revoke", "revoke"]


def test_delete_plans_revokes_for_the_identities_aks_made() -> None:
    with_oms = cluster(addons_=(AddonProfile(name="omsagent", enabled=True, object_id=OMS_OBJECT),))
    held: dict[str, tuple[RoleAssignment, ...]] = {
        PRINCIPAL: (assignment(PRINCIPAL, "Network Contributor", SUBNET),),
        KUBELET_OBJECT: (assignment(KUBELET_OBJECT, "AcrPull", REGISTRY),),
        OMS_OBJECT: (assignment(OMS_OBJECT, "Monitoring Metrics Publisher", CLUSTER),),
    }
    writer = FakeWriter()
    rid = ResourceId.parse(CLUSTER)

    plan = delete.plan_delete_cluster(
        Snapshot(cluster=with_oms, assignments=held), rid, writer, keep_role_assignments=False
    )
    kept = delete.plan_delete_cluster(
        Snapshot(cluster=with_oms, assignments=held), rid, writer, keep_role_assignments=True
    )
    execute(plan)

    assert [s.action for s in plan.steps] == ["revoke", "revoke", "revoke", "delete"]
    assert [c[0] for c in writer.calls] == ["revoke", "revoke", "revoke", "delete"]
    assert [s.action for s in kept.steps] == ["delete"]


def _input(**overrides: Any) -> create.CreateInput:
    values: dict[str, Any] = {
        "name": "c1",
        "resource_group": "rg",
        "location": None,
        "identity": None,
        "kubelet_identity": None,
        "service_principal": None,
        "network": None,
        "private_dns_zone": None,
        "attach_acr": (),
        "grant_kubelet_operator": True,
        "grant_subnet": True,
        "node_count": 1,
        "kubernetes_version": None,
        "addons": (),
        "enable_oidc_issuer": False,
        "enable_workload_identity": False,
        "tags": None,
    }
    values.update(overrides)
    return create.CreateInput(**values)


def test_validate_is_pure_and_names_the_fix() -> None:
    from aks_identity import ServicePrincipal, ValidationError

    checked = create.validate(
        _input(addons={"monitoring": {}}, network=NetworkProfile(subnet_id=SUBNET))
    )
    assert checked.control is IdentityType.SYSTEM_ASSIGNED
    assert checked.addon_config == {"omsagent": {}}
    assert str(checked.subnet) == SUBNET
    sp = ServicePrincipal("44444444-4444-4444-8444-444444444444", "secret")
    with pytest.raises(ValidationError, match="managed-identity cluster"):
        create.validate(_input(service_principal=sp, attach_acr=[REGISTRY]))
    with pytest.raises(ValidationError, match="not both"):
        create.validate(_input(service_principal=sp, identity=identity("cp-id", "5")))
    with pytest.raises(ValidationError, match="list of add-on names"):
        create.validate(_input(addons="omsagent"))
