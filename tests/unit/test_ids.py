"""ResourceId: parsing, canonical form, case-insensitive identity, kinds, scopes."""

from __future__ import annotations

import pickle
import string

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from aks_identity._errors import ValidationError
from aks_identity._ids import ResourceId, ResourceKind

SUB = "00000000-1111-2222-3333-444444444444"
RG = f"/subscriptions/{SUB}/resourceGroups/myResourceGroup"
VNET = f"{RG}/providers/Microsoft.Network/virtualNetworks/myVnet"
SUBNET = f"{VNET}/subnets/default"
IDENTITY = f"{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/myIdentity"


# -- strategies ---------------------------------------------------------------------------

names = st.text(string.ascii_letters + string.digits + "-_.()", min_size=1, max_size=20).filter(
    lambda s: s == s.strip() and s not in (".", "..")
)
types = st.from_regex(r"\A[A-Za-z][A-Za-z0-9]{0,12}\Z")
namespaces = st.from_regex(r"\A[A-Za-z][A-Za-z0-9]{0,8}\.[A-Za-z][A-Za-z0-9]{0,8}\Z")
subscriptions = st.uuids().map(str)


@st.composite
def resource_ids(draw: st.DrawFn) -> str:
    path = f"/subscriptions/{draw(subscriptions)}"
    if draw(st.booleans()):
        path += f"/resourceGroups/{draw(names)}"
    for _ in range(draw(st.integers(0, 2))):
        path += f"/providers/{draw(namespaces)}"
        for _ in range(draw(st.integers(1, 3))):
            path += f"/{draw(types)}/{draw(names)}"
    return path


def swap_case(text: str, bits: int) -> str:
    return "".join(c.swapcase() if bits >> i & 1 else c for i, c in enumerate(text))


# -- properties ---------------------------------------------------------------------------


@given(resource_ids())
def test_round_trip_through_canonical_string(value: str) -> None:
    rid = ResourceId.parse(value)
    assert ResourceId.parse(str(rid)) == rid
    assert str(ResourceId.parse(str(rid))) == str(rid)
    assert str(rid).lower() == value.lower()


@given(resource_ids(), st.integers(min_value=0, max_value=2**400))
def test_equality_and_hash_ignore_case(value: str, bits: int) -> None:
    other = swap_case(value, bits)
    assert ResourceId.parse(value) == ResourceId.parse(other)
    assert hash(ResourceId.parse(value)) == hash(ResourceId.parse(other))
    assert len({ResourceId.parse(value), ResourceId.parse(other)}) == 1


@given(resource_ids(), resource_ids())
def test_distinct_ids_are_unequal(a: str, b: str) -> None:
    assume(a.lower() != b.lower())
    assert ResourceId.parse(a) != ResourceId.parse(b)


@given(resource_ids())
def test_an_id_is_within_each_of_its_parents(value: str) -> None:
    rid = ResourceId.parse(value)
    scope: ResourceId | None = rid
    while scope is not None:
        assert rid.is_within(scope)
        scope = scope.parent
    assert rid.is_within(rid.subscription)


@given(resource_ids())
def test_truncated_ids_with_a_dangling_segment_are_rejected(value: str) -> None:
    parts = value.split("/")
    assume(len(parts) > 3)
    truncated = "/".join(parts[: len(parts) - 1])
    # Dropping the last name leaves a type (or keyword) without its name.
    with pytest.raises(ValidationError) as info:
        ResourceId.parse(truncated)
    assert info.value.rule == "resource_id"
    assert repr(truncated) in info.value.message


@given(st.text(max_size=60))
def test_arbitrary_text_is_rejected_or_parsed_never_crashes(value: str) -> None:
    try:
        rid = ResourceId.parse(value)
    except ValidationError as error:
        assert "is not a valid ARM resource ID" in error.message
    else:
        assert rid == ResourceId.parse(str(rid))


@given(resource_ids(), st.sampled_from(["<", ">", "%", "&", ":", "\\", "?"]))
def test_forbidden_characters_in_names_are_rejected(value: str, char: str) -> None:
    assume(ResourceId.parse(value).name is not None)
    with pytest.raises(ValidationError, match=r"name .* is invalid"):
        ResourceId.parse(value + char)


# -- examples -----------------------------------------------------------------------------


def test_accessors_of_a_subnet() -> None:
    rid = ResourceId.parse(SUBNET)
    assert rid.subscription_id == SUB
    assert rid.resource_group == "myResourceGroup"
    assert rid.namespace == "Microsoft.Network"
    assert rid.type == "virtualNetworks/subnets"
    assert rid.full_type == "Microsoft.Network/virtualNetworks/subnets"
    assert rid.name == "default"
    assert rid.kind is ResourceKind.SUBNET
    assert rid.parent == ResourceId.parse(VNET)
    assert rid.parent is not None and rid.parent.kind is ResourceKind.VIRTUAL_NETWORK


def test_parent_chain_ends_at_the_subscription() -> None:
    vnet = ResourceId.parse(VNET)
    group = vnet.parent
    assert group == ResourceId.parse(RG)
    assert group is not None and group.kind is ResourceKind.RESOURCE_GROUP
    assert group.name == "myResourceGroup"
    subscription = group.parent
    assert subscription == ResourceId.parse(f"/subscriptions/{SUB}")
    assert subscription is not None and subscription.kind is ResourceKind.SUBSCRIPTION
    assert subscription.parent is None
    assert subscription.namespace is None and subscription.type is None
    assert subscription.name is None and subscription.full_type is None


def test_canonical_form_fixes_keyword_and_well_known_type_casing() -> None:
    # As AKS reports kubelet identities: lower-case "resourcegroups" and type.
    reported = (
        f"/subscriptions/{SUB.upper()}/resourcegroups/myResourceGroup/providers/"
        "microsoft.managedidentity/userassignedidentities/myIdentity"
    )
    rid = ResourceId.parse(reported)
    assert str(rid) == IDENTITY
    assert rid == ResourceId.parse(IDENTITY)
    assert rid.kind is ResourceKind.USER_ASSIGNED_IDENTITY


def test_names_keep_their_case() -> None:
    assert str(ResourceId.parse(IDENTITY.replace("myIdentity", "MyID"))).endswith("/MyID")


@pytest.mark.parametrize("value", [f"  {VNET}", f"{VNET}\n", f"{VNET} ", f"\t{VNET}"])
def test_surrounding_whitespace_is_refused_not_stripped(value: str) -> None:
    with pytest.raises(ValidationError, match="leading or trailing whitespace"):
        ResourceId.parse(value)


def test_tenant_root_and_management_groups_are_scopes() -> None:
    assert ResourceId.parse("/").kind is ResourceKind.TENANT
    group = ResourceId.parse("/providers/microsoft.management/managementgroups/mg1")
    assert str(group) == "/providers/Microsoft.Management/managementGroups/mg1"
    assert group.kind is ResourceKind.MANAGEMENT_GROUP
    assert group.parent == ResourceId.parse("/")
    assert ResourceId.parse(VNET).is_within("/")


def test_parse_returns_resource_ids_unchanged() -> None:
    rid = ResourceId.parse(VNET)
    assert ResourceId.parse(rid) is rid


def test_repr_and_str() -> None:
    rid = ResourceId.parse(VNET)
    assert repr(rid) == f"ResourceId({VNET!r})"
    assert str(rid) == VNET


def test_not_equal_to_strings() -> None:
    assert ResourceId.parse(VNET) != VNET


def test_sortable() -> None:
    ids = [ResourceId.parse(SUBNET), ResourceId.parse(RG), ResourceId.parse(VNET)]
    assert [str(i) for i in sorted(ids)] == [RG, VNET, SUBNET]


def test_pickles() -> None:
    rid = ResourceId.parse(SUBNET)
    assert pickle.loads(pickle.dumps(rid)) == rid


def test_build_matches_parse() -> None:
    built = ResourceId.build(
        subscription_id=SUB,
        resource_group="myResourceGroup",
        namespace="Microsoft.Network",
        type="virtualNetworks",
        name="myVnet",
        children=[("subnets", "default")],
    )
    assert built == ResourceId.parse(SUBNET)
    assert ResourceId.build(subscription_id=SUB) == ResourceId.parse(f"/subscriptions/{SUB}")
    assert ResourceId.build(subscription_id=SUB, resource_group="myResourceGroup") == (
        ResourceId.parse(RG)
    )


def test_build_needs_namespace_type_and_name_together() -> None:
    with pytest.raises(ValidationError, match="namespace, type and name must all be given"):
        ResourceId.build(subscription_id=SUB, resource_group="rg", namespace="Microsoft.Network")


def test_build_validates_like_parse() -> None:
    with pytest.raises(ValidationError, match="subscription ID 'nope' is not a GUID"):
        ResourceId.build(subscription_id="nope")


def test_child_and_extension() -> None:
    vnet = ResourceId.parse(VNET)
    assert vnet.child("subnets", "default") == ResourceId.parse(SUBNET)
    assignment = vnet.extension("Microsoft.Authorization", "roleAssignments", "abc")
    assert assignment.kind is ResourceKind.ROLE_ASSIGNMENT
    assert assignment.namespace == "Microsoft.Authorization"
    assert assignment.type == "roleAssignments"
    assert assignment.parent == vnet
    assert assignment.is_within(vnet)
    assert str(assignment) == f"{VNET}/providers/Microsoft.Authorization/roleAssignments/abc"


def test_child_of_a_scope_is_refused() -> None:
    with pytest.raises(ValidationError, match="needs a resource parent"):
        ResourceId.parse(RG).child("subnets", "x")


def test_subscription_level_resources() -> None:
    definition = ResourceId.parse(
        f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/"
        "acdd72a7-3385-48ef-bd42-f606fba81ae7"
    )
    assert definition.kind is ResourceKind.ROLE_DEFINITION
    assert definition.resource_group is None
    assert definition.resource_group_id is None
    assert definition.parent == definition.subscription


def test_resource_group_id_and_subscription_helpers() -> None:
    rid = ResourceId.parse(SUBNET)
    assert rid.resource_group_id == ResourceId.parse(RG)
    assert rid.subscription == ResourceId.parse(f"/subscriptions/{SUB}")
    assert not rid.is_scope_only
    assert ResourceId.parse(RG).is_scope_only


def test_unknown_types_have_no_kind() -> None:
    rid = ResourceId.parse(f"{RG}/providers/Microsoft.Compute/virtualMachines/vm")
    assert rid.kind is None
    assert rid.full_type == "Microsoft.Compute/virtualMachines"


@pytest.mark.parametrize(
    ("inner", "outer", "expected"),
    [
        (SUBNET, VNET, True),
        (SUBNET, RG, True),
        (SUBNET, f"/subscriptions/{SUB}", True),
        (VNET, VNET.upper().replace("SUBSCRIPTIONS", "subscriptions"), True),
        (VNET, SUBNET, False),
        (f"{VNET}2", VNET, False),  # a sibling whose name extends the other's
        (f"{RG}2", RG, False),
    ],
)
def test_is_within(inner: str, outer: str, expected: bool) -> None:
    assert ResourceId.parse(inner).is_within(outer) is expected


# -- malformed IDs say what is wrong ------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "must start with /subscriptions/"),
        ("myIdentity", "must start with /subscriptions/"),
        (SUB, "bare GUID: a client ID or object ID?"),
        ("/providers/Microsoft.Compute/virtualMachines/vm", "tenant-level"),
        (f"/subscriptions/{SUB}/resourceGroups/..", "relative path segment"),
        (f"{VNET}/subnets/.", "relative path segment"),
        ("/subscriptions/not-a-guid", "subscription ID 'not-a-guid' is not a GUID"),
        (f"/subscriptions/{SUB}/", "empty segment"),
        (f"/subscriptions/{SUB}//resourceGroups/rg", "empty segment"),
        (f"/subscriptions/{SUB}/resourceGroups", "resource group name after 'resourceGroups'"),
        (f"/subscriptions/{SUB}/groups/rg", "unexpected segment 'groups'"),
        (f"{RG}/extra", "unexpected segment 'extra'; expected 'providers'"),
        (f"{RG}/providers", "provider namespace after 'providers' is missing"),
        (f"{RG}/providers/Network/virtualNetworks/v", "'Network' is not a provider namespace"),
        (f"{RG}/providers/Microsoft.Network", "a resource type and name must follow"),
        (f"{RG}/providers/Microsoft.Network/virtualNetworks", "name of the Microsoft.Network/"),
        (f"{VNET}/subnets", "name of the Microsoft.Network/virtualNetworks/subnets resource"),
        (f"{RG}/providers/Microsoft.Network/1nets/v", "'1nets' is not a resource type"),
        (f"{RG}/providers/Microsoft.Network/virtualNetworks/ v", "name ' v' is invalid"),
    ],
)
def test_malformed_ids_are_rejected_with_a_precise_message(value: str, problem: str) -> None:
    with pytest.raises(ValidationError) as info:
        ResourceId.parse(value)
    assert problem in info.value.message
    assert info.value.rule == "resource_id"
    assert isinstance(info.value, ValueError)


def test_non_strings_are_rejected() -> None:
    with pytest.raises(ValidationError, match="expected a resource ID string, got int"):
        ResourceId.parse(42)  # type: ignore[arg-type]


# -- expect -------------------------------------------------------------------------------


def test_expect_returns_the_id_for_the_right_kind() -> None:
    rid = ResourceId.parse(IDENTITY)
    assert rid.expect(ResourceKind.USER_ASSIGNED_IDENTITY) is rid


def test_expect_says_what_was_expected_and_what_was_given() -> None:
    with pytest.raises(ValidationError) as info:
        ResourceId.parse(SUBNET).expect(ResourceKind.USER_ASSIGNED_IDENTITY)
    assert info.value.message == (
        "expected a user-assigned identity ID (Microsoft.ManagedIdentity/userAssignedIdentities)"
        f", got a Microsoft.Network/virtualNetworks/subnets ID: {SUBNET}"
    )
    assert info.value.rule == "resource_id_kind"
    assert info.value.resource_id == SUBNET


def test_expect_names_the_argument_and_scope_shapes() -> None:
    with pytest.raises(ValidationError) as info:
        ResourceId.parse(f"/subscriptions/{SUB}").expect(
            ResourceKind.RESOURCE_GROUP, what="resource_group"
        )
    assert info.value.message == (
        "resource_group: expected a resource group ID "
        "(/subscriptions/{subscription-id}/resourceGroups/{name}), "
        f"got a subscription ID: /subscriptions/{SUB}"
    )


def test_expect_on_an_unknown_type() -> None:
    with pytest.raises(ValidationError, match=r"expected a key vault ID .* got a Microsoft\.Web"):
        ResourceId.parse(f"{RG}/providers/Microsoft.Web/sites/app").expect(ResourceKind.KEY_VAULT)


@pytest.mark.parametrize("kind", list(ResourceKind))
def test_every_kind_is_recognised_from_its_type(kind: ResourceKind) -> None:
    if kind.full_type is None:
        return
    namespace, *chain = kind.full_type.split("/")
    path = f"{RG}/providers/{namespace}" + "".join(f"/{t}/n{i}" for i, t in enumerate(chain))
    assert ResourceId.parse(path.lower()).kind is kind
    assert f"/providers/{namespace}/{chain[0]}/" in str(ResourceId.parse(path.lower()))


def test_kind_values_are_human_labels() -> None:
    assert ResourceKind.USER_ASSIGNED_IDENTITY.value == "user-assigned identity"
    assert ResourceKind.SUBNET.full_type == "Microsoft.Network/virtualNetworks/subnets"
    assert ResourceKind.SUBSCRIPTION.full_type is None
    assert ResourceKind("key vault") is ResourceKind.KEY_VAULT


_HIDDEN = st.sampled_from(
    ["\n", "\r", "\t", "\x00", "\x7f", "\u200b", "\u200d", "\ufeff", "\u202e", "\u2066", "\u2028"]
)


@given(resource_ids(), _HIDDEN, st.integers(min_value=0))
def test_hidden_characters_anywhere_are_refused(value: str, char: str, at: int) -> None:
    position = at % (len(value) + 1)
    with pytest.raises(ValidationError, match="is not a valid ARM resource ID"):
        ResourceId.parse(value[:position] + char + value[position:])


@given(resource_ids(), st.sampled_from([".", ".."]))
def test_relative_segments_are_refused(value: str, segment: str) -> None:
    with pytest.raises(ValidationError, match="relative path segment"):
        ResourceId.parse(f"{value}/{segment}")
