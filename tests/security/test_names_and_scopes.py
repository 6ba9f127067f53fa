"""Names (identities, clusters, resource groups wherever one is accepted), broad scopes, roles,
and IDs in another subscription."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from aks_identity import AuthorizationError, NotFoundError, Principal, ValidationError

from .conftest import OTHER_SUBSCRIPTION, RG, World

BAD_GROUPS = [
    ("..", "relative path segment"),
    (".", "relative path segment"),
    ("rg.", "ends with a period"),
    ("rg\n", "whitespace"),
    (" rg", "whitespace"),
    ("r\u200bg", "ZERO WIDTH SPACE"),
    ("r\u202eg", "bidirectional"),
    ("r/g", "contains"),
    ("", "characters"),
    ("x" * 91, "characters"),
]

GROUP_TAKERS: list[tuple[str, Callable[[Any, str], object]]] = [
    ("create_resource_group", lambda az, g: az.create_resource_group(g, location="westus2")),
    ("get_resource_group", lambda az, g: az.get_resource_group(g)),
    ("delete_resource_group", lambda az, g: az.delete_resource_group(g)),
    ("create_identity", lambda az, g: az.create_identity("ident9", resource_group=g)),
    ("get_identity", lambda az, g: az.get_identity(name="ident1", resource_group=g)),
    ("list_identities", lambda az, g: az.list_identities(g)),
    ("create_cluster", lambda az, g: az.create_cluster("c9", resource_group=g)),
    ("get_cluster", lambda az, g: az.get_cluster("cluster1", resource_group=g)),
    ("list_clusters", lambda az, g: az.list_clusters(resource_group=g)),
    ("delete_cluster", lambda az, g: az.delete_cluster("cluster1", resource_group=g)),
]


@pytest.mark.parametrize(("group", "problem"), BAD_GROUPS)
def test_resource_group_names_are_checked_everywhere(
    world: World, refused: Callable[..., ValidationError], group: str, problem: str
) -> None:
    for _, take in GROUP_TAKERS:
        refused(lambda take=take: take(world.az, group), problem)


BAD_IDENTITY_NAMES = [
    "ab",
    "ident\n",
    " ident",
    "iden t",
    "-ident",
    "ident.1",
    "id\u200bent",
    "id\u202eent",
    "..",
    "x" * 129,
]


@pytest.mark.parametrize("name", BAD_IDENTITY_NAMES)
def test_identity_names(world: World, refused: Callable[..., ValidationError], name: str) -> None:
    refused(lambda: world.az.create_identity(name, resource_group=RG), "identity name")
    refused(lambda: world.az.get_identity(name=name, resource_group=RG), "identity name")


BAD_CLUSTER_NAMES = ["c\n", "-c", "c-", "c.c", "c c", "c\u200d", "x" * 64, ".."]


@pytest.mark.parametrize("name", BAD_CLUSTER_NAMES)
def test_cluster_names(world: World, refused: Callable[..., ValidationError], name: str) -> None:
    refused(lambda: world.az.create_cluster(name, resource_group=RG), "cluster name")
    refused(lambda: world.az.get_cluster(name, resource_group=RG), "cluster name")


@pytest.mark.parametrize(
    "scope",
    [
        "/",
        "/providers/Microsoft.Management/managementGroups/mg1",
        "/providers/microsoft.management/managementgroups/root",
        "/subscriptions/{sub}",
        "/subscriptions/{SUB}",
    ],
)
def test_broad_scopes_need_consent(
    world: World, refused: Callable[..., ValidationError], scope: str
) -> None:
    text = scope.replace("{sub}", world.sub).replace("{SUB}", world.sub.upper())
    error = refused(lambda: world.identity.grant("Reader", scope=text), "allow_broad_scope=True")
    assert error.rule == "broad_scope"  # type: ignore[attr-defined]
    refused(lambda: world.cluster.grant("Reader", scope=text), "allow_broad_scope=True")
    plan = world.identity.grant("Reader", scope=text, allow_broad_scope=True, dry_run=True)
    assert str(plan.grants[0].scope).lower() == text.lower()


def test_broad_scope_is_sent_to_arm_as_given(world: World) -> None:
    """The tenant root and a management group are read at their own URL, never a
    subscription's; a subscription Owner lacks roleAssignments/write there, so the grant is
    refused up front (issue 8 item 6) naming the scope, and nothing is written."""
    first = len(world.emu.requests)
    for scope in ("/", "/providers/Microsoft.Management/managementGroups/mg1"):
        with pytest.raises(AuthorizationError) as info:
            world.identity.grant("Reader", scope=scope, allow_broad_scope=True)
        assert info.value.code == "AuthorizationFailed"
        assert f"Microsoft.Authorization/roleAssignments/write on {scope}" in str(info.value)
    sent = list(world.emu.requests)[first:]
    assert sent and all(r.path.startswith("/providers/") for r in sent)
    assert {r.method for r in sent} == {"GET"}
    assert any(
        r.path == "/providers/Microsoft.Management/managementGroups/mg1/providers/"
        "Microsoft.Authorization/permissions"
        for r in sent
    )


@pytest.mark.parametrize(
    ("role", "problem"),
    [
        ("Reader\n", "whitespace"),
        (" Reader", "whitespace"),
        ("Rea\u200bder", "ZERO WIDTH"),
        ("Readr", "did you mean"),
        ("", "role"),
        (5, "role"),
        (None, "role"),
        (b"Reader", "role"),
        (["Reader"], "role"),
    ],
)
def test_roles(
    world: World, refused: Callable[..., ValidationError], role: object, problem: str
) -> None:
    scope = world.registry
    refused(lambda: world.identity.grant(role, scope=scope), problem)
    refused(lambda: world.az.grant(Principal(world.identity.principal_id), role, scope), problem)


def test_custom_role_from_another_subscription_is_refused(
    world: World, refused: Callable[..., ValidationError]
) -> None:
    other = world.emu.subscription_ids[1]
    custom = (
        f"/subscriptions/{other}/providers/Microsoft.Authorization/roleDefinitions/"
        "11111111-2222-3333-4444-555555555555"
    )
    refused(lambda: world.identity.grant(custom, scope=world.registry), "custom role", other)


def test_builtin_role_definition_id_under_any_subscription_is_the_same_role(world: World) -> None:
    reader = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
    other = world.emu.subscription_ids[1]
    plan = world.identity.grant(
        f"/subscriptions/{other}/providers/Microsoft.Authorization/roleDefinitions/{reader}",
        scope=world.registry,
        dry_run=True,
    )
    assert plan.grants[0].role == "Reader"


def _other(world: World, tail: str, subscription: str = OTHER_SUBSCRIPTION) -> str:
    return f"/subscriptions/{subscription}/resourceGroups/{RG}{tail}"


IDENTITY_TAIL = "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ident1"
CLUSTER_TAIL = "/providers/Microsoft.ContainerService/managedClusters/cluster1"


def test_unknown_subscription_is_never_re_pointed(
    world: World, refused: Callable[..., ValidationError]
) -> None:
    """Before: this subscription's same-named identity came back. Now: the other
    subscription is asked, and says it does not exist."""
    ident = _other(world, IDENTITY_TAIL)
    for call in (
        lambda: world.az.get_identity(ident),
        lambda: world.az.get_cluster(_other(world, CLUSTER_TAIL)),
        lambda: world.cluster.use_identity(ident),
        lambda: world.az.create_cluster("c8", resource_group=RG, identity=ident),
    ):
        error = refused(call, OTHER_SUBSCRIPTION, error=NotFoundError)
        assert error.code == "SubscriptionNotFound"


def test_identity_in_another_subscription_is_read_there(world: World) -> None:
    other = world.emu.subscription_ids[1]
    there = world.emu.azure(subscription_id=other)
    there.create_resource_group(RG, location="westus2")
    theirs = there.create_identity("ident1", resource_group=RG)
    found = world.az.get_identity(_other(world, IDENTITY_TAIL, other))
    assert found.principal_id == theirs.principal_id != world.identity.principal_id
    assert found.id.subscription_id == other


def test_cluster_with_an_identity_of_another_subscription_uses_that_identity(
    world: World,
) -> None:
    other = world.emu.subscription_ids[1]
    there = world.emu.azure(subscription_id=other)
    there.create_resource_group("rgx", location="westus2")
    theirs = there.create_identity("identx", resource_group="rgx")
    ident_id = (
        f"/subscriptions/{other}/resourceGroups/rgx{IDENTITY_TAIL.replace('ident1', 'identx')}"
    )
    plan = world.az.create_cluster("xsub1", resource_group=RG, identity=ident_id, dry_run=True)
    assert plan.operation.endswith("(UserAssigned)")
    cluster = world.az.create_cluster("xsub1", resource_group=RG, identity=ident_id)
    assert cluster.principal_id == theirs.principal_id
    assert [str(i).lower() for i in cluster.identity.user_assigned] == [ident_id.lower()]


def test_the_adapter_never_re_points_an_id_at_its_own_subscription(world: World) -> None:
    """The last line of defence: a per-subscription adapter refuses another subscription's ID."""
    from aks_identity import ResourceId

    rid = ResourceId.parse(_other(world, IDENTITY_TAIL))
    first = len(world.emu.requests)
    with pytest.raises(ValidationError, match="not " + world.sub):
        world.az._arm.get_identity(rid)
    assert len(world.emu.requests) == first


def test_sibling_clients_are_cached_and_share_settings(world: World) -> None:
    other = world.emu.subscription_ids[1]
    sibling = world.az._in_subscription(other)
    assert sibling is world.az._in_subscription(other.upper())
    assert world.az._in_subscription(world.sub) is world.az
    assert sibling.subscription_id == other
    assert (sibling.base_url, sibling.retry) == (world.az.base_url, world.az.retry)
    assert sibling._settings[0] is world.az._settings[0]  # the same credential object


def test_broad_scope_with_consent_and_permission_is_written_there(world: World) -> None:
    """With allow_broad_scope=True and the right to write there, the assignment is PUT at the
    tenant root's and the management group's own URLs, never under a subscription."""
    for scope in ("/", "/providers/Microsoft.Management/managementGroups/mg1"):
        world.emu.grant(world.emu.caller_id, "User Access Administrator", scope, in_force=True)
    first = len(world.emu.requests)
    root = world.identity.grant("Reader", scope="/", allow_broad_scope=True)
    group = world.identity.grant(
        "Network Contributor",
        scope="/providers/Microsoft.Management/managementGroups/mg1",
        allow_broad_scope=True,
    )
    puts = [r.path for r in list(world.emu.requests)[first:] if r.method == "PUT"]
    assert puts == [
        f"/providers/Microsoft.Authorization/roleAssignments/{root.name}",
        "/providers/Microsoft.Management/managementGroups/mg1/providers/"
        f"Microsoft.Authorization/roleAssignments/{group.name}",
    ]
    assert str(root.scope) == "/"
