"""The audit's rules, pure: clusters and role assignment rows in, findings out (no HTTP)."""

from __future__ import annotations

from typing import Any

from aks_identity import Severity
from aks_identity._azure._convert import cluster as to_cluster
from aks_identity._fleet._audit import Assignment, AuditInput, assignments_from_rows, findings
from aks_identity._objects import Cluster
from aks_identity._roles import get_role

SUB = "00000000-0000-0000-0000-000000000001"
RG = f"/subscriptions/{SUB}/resourceGroups/rg"
SUBNET = f"{RG}/providers/Microsoft.Network/virtualNetworks/v/subnets/aks"
KUBELET = f"{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/kubelet"
CONTROL = f"{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/control"
REGISTRY = f"{RG}/providers/Microsoft.ContainerRegistry/registries/acr"
CUSTOM = "99999999-9999-9999-9999-999999999999"
DEFINITIONS = "/providers/Microsoft.Authorization/roleDefinitions"
CP = "11111111-1111-1111-1111-111111111111"
KP = "22222222-2222-2222-2222-222222222222"
SP_OBJECT = "33333333-3333-3333-3333-333333333333"
SP_CLIENT = "44444444-4444-4444-4444-444444444444"


def cluster(**props: Any) -> Cluster:
    identity = props.pop(
        "identity",
        {"type": "UserAssigned", "userAssignedIdentities": {CONTROL: {"principalId": CP}}},
    )
    body = {
        "id": f"{RG}/providers/Microsoft.ContainerService/managedClusters/c1",
        "name": "c1",
        "location": "westus2",
        "identity": identity,
        "properties": {
            "nodeResourceGroup": "MC_rg_c1_westus2",
            "servicePrincipalProfile": {"clientId": props.pop("client_id", "msi")},
            "identityProfile": {
                "kubeletidentity": {"resourceId": KUBELET, "clientId": "k", "objectId": KP}
            },
            "agentPoolProfiles": [{"name": "p1", "vnetSubnetID": props.pop("subnet", None)}],
            **props,
        },
    }
    return to_cluster(None, body)  # type: ignore[arg-type]


def grant(principal: str, role: str, scope: str) -> Assignment:
    return Assignment(
        id=f"{scope}/providers/Microsoft.Authorization/roleAssignments/{principal[:8]}",
        scope=scope,
        principal_id=principal,
        principal_type="ServicePrincipal",
        role=get_role(role),
    )


OPERATOR = grant(CP, "Managed Identity Operator", KUBELET)


def codes(data: AuditInput) -> list[str]:
    return [f.code for f in findings(data)]


def test_a_healthy_cluster_has_no_findings() -> None:
    data = AuditInput(
        clusters=[cluster(subnet=SUBNET)],
        assignments=[OPERATOR, grant(CP, "Network Contributor", SUBNET)],
    )

    assert codes(data) == []


def test_an_equivalent_role_above_the_scope_counts() -> None:
    owner_of_group = grant(CP, "Owner", RG)

    assert codes(AuditInput(clusters=[cluster(subnet=SUBNET)], assignments=[owner_of_group])) == []


def test_a_role_that_lacks_the_action_does_not_count() -> None:
    reader = grant(CP, "Reader", RG)
    data = AuditInput(clusters=[cluster(subnet=SUBNET)], assignments=[reader])

    assert codes(data) == [
        "KubeletMissingManagedIdentityOperator",
        "SubnetMissingNetworkContributor",
    ]


def test_custom_roles_are_judged_by_their_permissions() -> None:
    rows = [
        {
            "id": f"{DEFINITIONS}/{CUSTOM}",
            "name": CUSTOM,
            "type": "microsoft.authorization/roledefinitions",
            "properties": {
                "roleName": "subnet joiner",
                "type": "CustomRole",
                "permissions": [
                    {"actions": ["Microsoft.Network/virtualNetworks/subnets/join/action"]}
                ],
            },
        },
        {
            "id": f"{SUBNET}/providers/Microsoft.Authorization/roleAssignments/a1",
            "name": "a1",
            "type": "microsoft.authorization/roleassignments",
            "properties": {
                "roleDefinitionId": f"/subscriptions/{SUB}{DEFINITIONS}/{CUSTOM}",
                "principalId": CP.upper(),
                "principalType": "ServicePrincipal",
                "scope": SUBNET,
            },
        },
    ]
    assignments = assignments_from_rows(rows)

    assert [a.principal_id for a in assignments] == [CP]
    assert (
        codes(AuditInput(clusters=[cluster(subnet=SUBNET)], assignments=[*assignments, OPERATOR]))
        == []
    )


def test_kubelet_on_the_service_principal_says_whether_a_newer_image_exists() -> None:
    migrated = cluster(identity={"type": "SystemAssigned", "principalId": CP}, client_id=SP_CLIENT)
    key = str(migrated.id).lower()

    def message(newer: bool | None) -> str:
        data = AuditInput(
            clusters=[migrated],
            assignments=[],
            newer_node_image={key: newer} if newer is not None else {},
        )
        [finding] = [f for f in findings(data) if f.code == "KubeletOnServicePrincipal"]
        return finding.message

    assert "a newer node image is available" in message(True)
    assert "no newer node image exists yet" in message(False)
    assert "unknown" in message(None)


def test_registries_only_the_retired_service_principal_could_pull_from() -> None:
    migrated = cluster(identity={"type": "SystemAssigned", "principalId": CP}, client_id=SP_CLIENT)
    sp_pulls = grant(SP_OBJECT, "AcrPull", REGISTRY)
    base = {"clusters": [migrated], "service_principals": {SP_CLIENT: SP_OBJECT}}

    before = findings(AuditInput(assignments=[sp_pulls], **base))  # type: ignore[arg-type]
    after = findings(AuditInput(assignments=[sp_pulls, grant(KP, "AcrPull", REGISTRY)], **base))  # type: ignore[arg-type]

    [left] = [f for f in before if f.code == "RegistryOnlyServicePrincipal"]
    assert left.fix == f"cluster.attach_acr('{REGISTRY}')"
    assert not [f for f in after if f.code == "RegistryOnlyServicePrincipal"]


def test_broad_roles_at_subscription_or_wider_but_not_below() -> None:
    at_sub = grant(CP, "Owner", f"/subscriptions/{SUB}")
    at_root = grant(KP, "Contributor", "/")
    at_group = grant(CP, "Contributor", RG)
    data = AuditInput(clusters=[cluster()], assignments=[OPERATOR, at_sub, at_root, at_group])
    broad = [f for f in findings(data) if f.code == "BroadRoleAssignment"]

    assert sorted((f.severity, "kubelet" in f.message) for f in broad) == [
        (Severity.ERROR, False),
        (Severity.WARNING, True),
    ]


def test_orphans_only_when_the_directory_was_read() -> None:
    gone = grant("55555555-5555-5555-5555-555555555555", "Reader", RG)
    known = AuditInput(clusters=[], assignments=[gone], existing_principals=frozenset())
    unknown = AuditInput(
        clusters=[], assignments=[gone], existing_principals=None, directory_error="denied"
    )

    [orphan] = findings(known)
    assert orphan.code == "OrphanedRoleAssignment" and orphan.cluster_id == f"/subscriptions/{SUB}"
    assert codes(unknown) == ["DirectoryNotReadable"]


def test_system_assigned_with_a_custom_private_dns_zone() -> None:
    zone = f"{RG}/providers/Microsoft.Network/privateDnsZones/privatelink.westus2.azmk8s.io"
    custom = cluster(
        identity={"type": "SystemAssigned", "principalId": CP},
        apiServerAccessProfile={"enablePrivateCluster": True, "privateDNSZone": zone},
    )
    system = cluster(
        identity={"type": "SystemAssigned", "principalId": CP},
        apiServerAccessProfile={"enablePrivateCluster": True, "privateDNSZone": "system"},
    )

    assert codes(AuditInput(clusters=[custom], assignments=[OPERATOR])) == [
        "SystemAssignedWithCustomPrivateDnsZone"
    ]
    assert codes(AuditInput(clusters=[system], assignments=[OPERATOR])) == []


def test_errors_come_first() -> None:
    sp = cluster(identity=None, client_id=SP_CLIENT, podIdentityProfile={"enabled": True})
    severities = [f.severity for f in findings(AuditInput(clusters=[sp], assignments=[]))]

    assert severities == sorted(severities, key=lambda s: -s.rank)
    assert severities[0] is Severity.ERROR


def test_add_on_identities_with_broad_roles_are_found() -> None:
    addon = "66666666-6666-6666-6666-666666666666"
    with_addon = cluster(
        addonProfiles={
            "omsagent": {
                "enabled": True,
                "identity": {"resourceId": CONTROL, "clientId": "c", "objectId": addon},
            }
        }
    )
    data = AuditInput(
        clusters=[with_addon],
        assignments=[OPERATOR, grant(addon, "Owner", f"/subscriptions/{SUB}")],
    )

    [broad] = [f for f in findings(data) if f.code == "BroadRoleAssignment"]
    assert "add-on omsagent" in broad.message and broad.severity is Severity.ERROR
