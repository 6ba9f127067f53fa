"""Documented AKS limitations and naming rules: every rule, with its message."""

from __future__ import annotations

import string
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aks_identity._errors import ValidationError
from aks_identity._ids import ResourceId
from aks_identity._model import IdentityType
from aks_identity._rules import (
    RULES,
    check_cluster_name,
    check_identity_name,
    check_kubelet_identity,
    check_kubelet_identity_region,
    check_private_dns_zone,
    check_resource_group_name,
    check_role_assignment_scope,
    check_same_tenant,
    check_user_assigned_control_plane_region,
    normalize_location,
)

SUB = "00000000-1111-2222-3333-444444444444"
RG = f"/subscriptions/{SUB}/resourceGroups/myResourceGroup"
IDENTITY = f"{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/myKubeletIdentity"
ZONE = f"{RG}/providers/Microsoft.Network/privateDnsZones/privatelink.eastus.azmk8s.io"
SUBNET = f"{RG}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/default"


def fails(check: Callable[[], object], rule: str) -> ValidationError:
    """Run ``check``; assert it raised ``rule`` with a message naming the rule and a fix."""
    with pytest.raises(ValidationError) as info:
        check()
    error = info.value
    assert error.rule == rule
    assert rule in RULES
    assert f"(rule {rule})" in error.message
    assert "Fix: " in error.message
    return error


# -- regions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("usdodcentral", "usdodcentral"),
        ("USDOD Central", "usdodcentral"),
        ("East US 2", "eastus2"),
        ("(US) East US", "eastus"),
        ("China North", "chinanorth"),
        ("USGov Iowa", "usgoviowa"),
    ],
)
def test_normalize_location(value: str, expected: str) -> None:
    assert normalize_location(value) == expected


@pytest.mark.parametrize("value", ["", "east-us", "East_US", "2east"])
def test_normalize_location_rejects_non_locations(value: str) -> None:
    error = fails(lambda: normalize_location(value), "location")
    assert f"{value!r} is not an Azure location" in error.message


@pytest.mark.parametrize(
    ("location", "label"),
    [
        ("USDOD Central", "USDOD Central (usdodcentral)"),
        ("usdodeast", "USDOD East (usdodeast)"),
        ("USGov Iowa", "USGov Iowa (usgoviowa)"),
    ],
)
def test_user_assigned_control_plane_unsupported_regions(location: str, label: str) -> None:
    error = fails(
        lambda: check_user_assigned_control_plane_region(location),
        "user_assigned_control_plane_region",
    )
    assert f"a user-assigned control-plane identity is not supported in {label}" in error.message
    assert "use the system-assigned identity there (pass identity=None)" in error.message


@pytest.mark.parametrize("location", ["eastus", "USGov Virginia", "China North"])
def test_user_assigned_control_plane_supported_regions(location: str) -> None:
    assert check_user_assigned_control_plane_region(location) == normalize_location(location)


@pytest.mark.parametrize(
    ("location", "label"),
    [("China East", "China East (chinaeast)"), ("chinanorth", "China North (chinanorth)")],
)
def test_kubelet_identity_unsupported_regions(location: str, label: str) -> None:
    error = fails(lambda: check_kubelet_identity_region(location), "kubelet_identity_region")
    assert f"a pre-created kubelet identity is not supported in {label}" in error.message
    assert "omit kubelet_identity so AKS creates the kubelet identity" in error.message


@pytest.mark.parametrize("location", ["chinaeast2", "China North 3", "westeurope", "USDOD East"])
def test_kubelet_identity_supported_regions(location: str) -> None:
    assert check_kubelet_identity_region(location) == normalize_location(location)


# -- kubelet identity ---------------------------------------------------------------------


def test_kubelet_identity_accepted() -> None:
    rid = check_kubelet_identity(IDENTITY.lower(), IdentityType.USER_ASSIGNED)
    assert rid == ResourceId.parse(IDENTITY)


def test_kubelet_identity_accepts_the_enum_value_string() -> None:
    assert check_kubelet_identity(IDENTITY, "UserAssigned")  # type: ignore[arg-type]


def test_kubelet_identity_must_be_user_assigned() -> None:
    error = fails(
        lambda: check_kubelet_identity(SUBNET, IdentityType.USER_ASSIGNED), "kubelet_identity_type"
    )
    assert error.message.startswith(
        "kubelet identity: expected a user-assigned identity ID "
        "(Microsoft.ManagedIdentity/userAssignedIdentities), got a "
        f"Microsoft.Network/virtualNetworks/subnets ID: {SUBNET}"
    )
    assert error.resource_id == SUBNET


def test_kubelet_identity_must_be_a_resource_id() -> None:
    with pytest.raises(ValidationError, match="bare GUID") as info:
        check_kubelet_identity(SUB, IdentityType.USER_ASSIGNED)
    assert info.value.rule == "resource_id"


@pytest.mark.parametrize(
    "control_plane", [IdentityType.SYSTEM_ASSIGNED, IdentityType.SERVICE_PRINCIPAL]
)
def test_kubelet_identity_needs_user_assigned_control_plane(control_plane: IdentityType) -> None:
    error = fails(
        lambda: check_kubelet_identity(IDENTITY, control_plane), "kubelet_identity_control_plane"
    )
    assert (
        "a pre-created kubelet identity needs a user-assigned control-plane identity, but the "
        f"control plane is {control_plane.value}"
    ) in error.message
    assert "Managed Identity Operator on the kubelet identity" in error.message


# -- private DNS zone ---------------------------------------------------------------------


@pytest.mark.parametrize("zone", [None, "system", "System", "none", "NONE"])
@pytest.mark.parametrize("control_plane", list(IdentityType))
def test_aks_managed_dns_zone_modes_are_fine(zone: str | None, control_plane: IdentityType) -> None:
    assert check_private_dns_zone(zone, control_plane) is None


@pytest.mark.parametrize(
    "control_plane", [IdentityType.USER_ASSIGNED, IdentityType.SERVICE_PRINCIPAL]
)
def test_custom_dns_zone_with_user_assigned_or_service_principal(
    control_plane: IdentityType,
) -> None:
    assert check_private_dns_zone(ZONE, control_plane) == ResourceId.parse(ZONE)


def test_custom_dns_zone_refused_with_system_assigned() -> None:
    error = fails(
        lambda: check_private_dns_zone(ZONE, IdentityType.SYSTEM_ASSIGNED),
        "private_dns_zone_system_assigned",
    )
    assert "AKS does not support a system-assigned identity with a custom private DNS zone" in (
        error.message
    )
    assert "use a user-assigned control-plane identity" in error.message
    assert error.resource_id == ZONE


def test_custom_dns_zone_must_be_a_private_dns_zone() -> None:
    public = ZONE.replace("privateDnsZones", "dnsZones")
    error = fails(
        lambda: check_private_dns_zone(public, IdentityType.USER_ASSIGNED), "private_dns_zone"
    )
    assert "expected a private DNS zone ID (Microsoft.Network/privateDnsZones)" in error.message
    assert "got a Microsoft.Network/dnsZones ID" in error.message


def test_custom_dns_zone_must_parse() -> None:
    error = fails(
        lambda: check_private_dns_zone("privatelink.eastus.azmk8s.io", IdentityType.USER_ASSIGNED),
        "private_dns_zone",
    )
    assert "neither 'system', 'none' nor a resource ID" in error.message


# -- tenants ------------------------------------------------------------------------------


def test_same_tenant_ignores_case() -> None:
    tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    check_same_tenant(tenant.upper(), tenant, what="identity myIdentity")  # does not raise


@pytest.mark.parametrize(("identity", "cluster"), [(None, "t"), ("t", None), ("", "t")])
def test_unknown_tenants_are_not_checked(identity: str | None, cluster: str | None) -> None:
    check_same_tenant(identity, cluster, what="identity")  # does not raise


def test_cross_tenant_identity_refused() -> None:
    error = fails(
        lambda: check_same_tenant("tenant-a", "tenant-b", what="kubelet identity myId"),
        "same_tenant",
    )
    assert "kubelet identity myId is in tenant tenant-a but the cluster is in tenant tenant-b" in (
        error.message
    )
    assert "create the identity in a subscription of tenant tenant-b" in error.message


# -- names --------------------------------------------------------------------------------

ascii_name_chars = string.ascii_letters + string.digits + "-_"


@given(
    st.sampled_from(string.ascii_letters + string.digits),
    st.text(ascii_name_chars, min_size=2, max_size=127),
)
def test_valid_identity_names(first: str, rest: str) -> None:
    assert check_identity_name(first + rest) == first + rest


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("ab", "it has 2 characters, 3-128 are allowed"),
        ("a" * 129, "it has 129 characters, 3-128 are allowed"),
        ("-identity", "it must start with a letter or digit"),
        ("_identity", "it must start with a letter or digit"),
        ("my.identity", "it contains '.'"),
        ("my identity!", "it contains ' !'"),
        ("idéntity", "it contains 'é'"),
    ],
)
def test_invalid_identity_names(name: str, problem: str) -> None:
    error = fails(lambda: check_identity_name(name), "identity_name")
    assert f"{name!r} is not a valid user-assigned identity name: {problem}" in error.message


@given(
    st.sampled_from(string.ascii_letters + string.digits),
    st.text(ascii_name_chars, max_size=61),
    st.sampled_from(string.ascii_letters + string.digits),
)
def test_valid_cluster_names(first: str, middle: str, last: str) -> None:
    assert check_cluster_name(first + middle + last) == first + middle + last
    assert check_cluster_name(first) == first


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "it has 0 characters, 1-63 are allowed"),
        ("a" * 64, "it has 64 characters, 1-63 are allowed"),
        ("cluster-", "it must start and end with a letter or digit"),
        ("_cluster", "it must start and end with a letter or digit"),
        ("my.cluster", "it contains '.'"),
    ],
)
def test_invalid_cluster_names(name: str, problem: str) -> None:
    error = fails(lambda: check_cluster_name(name), "cluster_name")
    assert f"{name!r} is not a valid AKS cluster name: {problem}" in error.message


@pytest.mark.parametrize(
    "name",
    ["myResourceGroup", "MC_myResourceGroup_myCluster_eastus", "rg.(test)-1", "グループ", "a" * 90],
)
def test_valid_resource_group_names(name: str) -> None:
    assert check_resource_group_name(name) == name


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "it has 0 characters, 1-90 are allowed"),
        ("a" * 91, "it has 91 characters, 1-90 are allowed"),
        ("rg.", "it ends with a period"),
        ("my rg/x", "it contains ' /'"),
        ("rg#1", "it contains '#'"),
    ],
)
def test_invalid_resource_group_names(name: str, problem: str) -> None:
    error = fails(lambda: check_resource_group_name(name), "resource_group_name")
    assert f"{name!r} is not a valid resource group name: {problem}" in error.message


def test_non_string_names_are_refused() -> None:
    error = fails(lambda: check_cluster_name(None), "cluster_name")  # type: ignore[arg-type]
    assert "expected a string, got NoneType" in error.message


# -- role-assignment scopes ---------------------------------------------------------------


@pytest.mark.parametrize("scope", [RG, SUBNET, ZONE])
def test_narrow_scopes_are_fine(scope: str) -> None:
    assert check_role_assignment_scope(scope, allow_broad_scope=False) == ResourceId.parse(scope)


def test_subscription_scope_refused_by_default() -> None:
    error = fails(
        lambda: check_role_assignment_scope(f"/subscriptions/{SUB}", allow_broad_scope=False),
        "broad_scope",
    )
    assert f"role assignment scope /subscriptions/{SUB} is a whole subscription" in error.message
    assert "allow_broad_scope=True" in error.message
    assert error.resource_id == f"/subscriptions/{SUB}"


def test_subscription_scope_allowed_explicitly() -> None:
    scope = ResourceId.parse(f"/subscriptions/{SUB}")
    assert check_role_assignment_scope(scope, allow_broad_scope=True) is scope


@pytest.mark.parametrize("scope", ["/", "/providers/Microsoft.Management/managementGroups/mg"])
def test_wider_scopes_are_broad_scopes(scope: str) -> None:
    error = fails(
        lambda: check_role_assignment_scope(scope, allow_broad_scope=False), "broad_scope"
    )
    assert "allow_broad_scope=True" in error.message
    assert str(check_role_assignment_scope(scope, allow_broad_scope=True)) == scope


@pytest.mark.parametrize("value", ["  East US 2 ", "eastus\n", "east\u200bus"])
def test_location_with_hidden_characters_is_refused(value: str) -> None:
    fails(lambda: normalize_location(value), "location")


def test_malformed_scope_says_what_is_wrong() -> None:
    with pytest.raises(ValidationError, match="subscription ID 'abc' is not a GUID"):
        check_role_assignment_scope("/subscriptions/abc", allow_broad_scope=True)


def test_every_rule_is_described() -> None:
    assert all(description.endswith(".") for description in RULES.values())
