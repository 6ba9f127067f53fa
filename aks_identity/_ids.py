"""ARM resource IDs: parse, validate, format, compare (case-insensitively, as ARM does)."""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from aks_identity._checks import GUID as _GUID
from aks_identity._checks import text_problem
from aks_identity._errors import ValidationError

__all__ = ["ResourceId", "ResourceKind"]

_NAMESPACE = re.compile(r"[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)+")
_FORBIDDEN = re.compile(r"[<>%&:\\?/\x00-\x1f\x7f]")
_TYPE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_FORMAT = (
    "/subscriptions/{subscription-id}[/resourceGroups/{name}]"
    "[/providers/{namespace}/{type}/{name}...]"
)
_TENANT_NAMESPACES = {"microsoft.management", "microsoft.authorization"}

Level = tuple[str, str]
"""One ``{type}/{name}`` pair of a resource path."""
Block = tuple[str, tuple[Level, ...]]
"""One ``providers/{namespace}/{type}/{name}[/{type}/{name}...]`` block."""


class ResourceKind(enum.Enum):
    """The kinds of resource ID the library checks for; the value is a human label."""

    _value_: str
    full_type: str | None
    """E.g. ``Microsoft.ManagedIdentity/userAssignedIdentities``; ``None`` for sub and group."""

    def __new__(cls, label: str, full_type: str | None = None) -> ResourceKind:
        member = object.__new__(cls)
        member._value_ = label
        member.full_type = full_type
        return member

    TENANT = ("tenant root",)
    MANAGEMENT_GROUP = ("management group", "Microsoft.Management/managementGroups")
    SUBSCRIPTION = ("subscription",)
    RESOURCE_GROUP = ("resource group",)
    USER_ASSIGNED_IDENTITY = (
        "user-assigned identity",
        "Microsoft.ManagedIdentity/userAssignedIdentities",
    )
    SUBNET = ("subnet", "Microsoft.Network/virtualNetworks/subnets")
    VIRTUAL_NETWORK = ("virtual network", "Microsoft.Network/virtualNetworks")
    CONTAINER_REGISTRY = ("container registry", "Microsoft.ContainerRegistry/registries")
    KEY_VAULT = ("key vault", "Microsoft.KeyVault/vaults")
    PRIVATE_DNS_ZONE = ("private DNS zone", "Microsoft.Network/privateDnsZones")
    DNS_ZONE = ("DNS zone", "Microsoft.Network/dnsZones")
    MANAGED_CLUSTER = ("AKS cluster", "Microsoft.ContainerService/managedClusters")
    AGENT_POOL = ("agent pool", "Microsoft.ContainerService/managedClusters/agentPools")
    ROLE_ASSIGNMENT = ("role assignment", "Microsoft.Authorization/roleAssignments")
    ROLE_DEFINITION = ("role definition", "Microsoft.Authorization/roleDefinitions")

    @property
    def example(self) -> str:
        """The ID shape this kind has, for messages."""
        if self is ResourceKind.TENANT:
            return "/"
        if self is ResourceKind.SUBSCRIPTION:
            return "/subscriptions/{subscription-id}"
        if self is ResourceKind.RESOURCE_GROUP:
            return "/subscriptions/{subscription-id}/resourceGroups/{name}"
        return str(self.full_type)


_KINDS_BY_TYPE = {k.full_type.lower(): k for k in ResourceKind if k.full_type}
_CANONICAL_TYPES = {t.lower(): t for t in (k.full_type for k in ResourceKind) if t}


def _fail(value: object, problem: str, *, rule: str = "resource_id") -> ValidationError:
    return ValidationError(
        f"{value!r} is not a valid ARM resource ID: {problem}. Expected {_FORMAT}",
        rule=rule,
    )


def _check_name(value: str, name: str, what: str) -> str:
    # azure.mgmt.core.tools.is_valid_resource_name lets a backslash through; ARM does not.
    # ("." and ".." segments never get here: _parse refuses them first.)
    if not 1 <= len(name) <= 260 or _FORBIDDEN.search(name) or name != name.strip():
        raise _fail(
            value,
            f"the {what} name {name!r} is invalid (1-260 characters, none of <>%&:\\?/, "
            "no surrounding spaces)",
        )
    return name


def _canonical_block(namespace: str, levels: Sequence[Level]) -> Block:
    """Apply the documented casing of well-known types (``userassignedidentities`` -> ...)."""
    types = [t for t, _ in levels]
    for depth in range(len(types), 0, -1):
        known = _CANONICAL_TYPES.get("/".join([namespace, *types[:depth]]).lower())
        if known:
            namespace, *canon = known.split("/")
            types[:depth] = canon
            break
    return namespace, tuple(zip(types, (n for _, n in levels), strict=True))


def _blocks(value: str, parts: list[str], i: int) -> tuple[Block, ...]:
    """The ``providers/{namespace}/{type}/{name}...`` blocks of ``parts[i:]``."""
    n = len(parts)
    blocks: list[Block] = []
    while i < n:
        if parts[i].lower() != "providers":
            expected = "'resourceGroups' or 'providers'" if i == 2 else "'providers'"
            raise _fail(value, f"unexpected segment {parts[i]!r}; expected {expected}")
        if i + 1 >= n:
            raise _fail(value, "the provider namespace after 'providers' is missing")
        namespace = parts[i + 1]
        if not _NAMESPACE.fullmatch(namespace):
            problem = f"{namespace!r} is not a provider namespace such as Microsoft.Network"
            raise _fail(value, problem)
        i += 2
        levels: list[Level] = []
        while i < n and parts[i].lower() != "providers":
            kind = parts[i]
            if not _TYPE.fullmatch(kind):
                raise _fail(value, f"{kind!r} is not a resource type such as virtualNetworks")
            if i + 1 >= n:
                chain = "/".join([namespace, *(t for t, _ in levels), kind])
                raise _fail(value, f"the name of the {chain} resource is missing")
            levels.append((kind, _check_name(value, parts[i + 1], kind)))
            i += 2
        if not levels:
            raise _fail(value, f"a resource type and name must follow providers/{namespace}")
        blocks.append(_canonical_block(namespace, levels))
    return tuple(blocks)


def _parse_tenant_level(value: str) -> tuple[str, str | None, tuple[Block, ...]]:
    """The tenant root ``/``, a management group, or an extension resource below them."""
    if value == "/":
        return "", None, ()
    if not value.lower().startswith("/providers/"):
        hint = ""
        if _GUID.fullmatch(value):
            hint = " (this is a bare GUID: a client ID or object ID? pass the resource ID)"
        raise _fail(value, "it must start with /subscriptions/{subscription-id}" + hint)
    parts = value[1:].split("/")
    if "" in parts:
        raise _fail(value, "it contains an empty segment ('//' or a trailing '/')")
    blocks = _blocks(value, parts, 0)
    if blocks[0][0].lower() not in _TENANT_NAMESPACES or (
        blocks[0][0].lower() == "microsoft.management"
        and blocks[0][1][0][0].lower() != "managementgroups"
    ):
        raise _fail(
            value,
            "tenant-level IDs other than management groups are not resource IDs of a "
            "subscription; pass an ID that starts with /subscriptions/{subscription-id}",
        )
    return "", None, blocks


def _parse(value: str) -> tuple[str, str | None, tuple[Block, ...]]:
    problem = text_problem(value)
    if problem:
        raise _fail(value, problem + " (nothing is stripped silently: pass the exact ID)")
    dots = [segment for segment in value.split("/") if segment in (".", "..")]
    if dots:
        raise _fail(
            value,
            f"it contains the relative path segment {dots[0]!r}, which HTTP clients collapse "
            "(the request would reach the parent scope); pass the real name",
        )
    if not value.lower().startswith("/subscriptions/"):
        return _parse_tenant_level(value)
    parts = value[1:].split("/")
    if "" in parts:
        raise _fail(value, "it contains an empty segment ('//' or a trailing '/')")
    subscription = parts[1]
    if not _GUID.fullmatch(subscription):
        raise _fail(value, f"the subscription ID {subscription!r} is not a GUID")
    i, n = 2, len(parts)
    group: str | None = None
    if i < n and parts[i].lower() == "resourcegroups":
        if i + 1 >= n:
            raise _fail(value, "the resource group name after 'resourceGroups' is missing")
        group = _check_name(value, parts[i + 1], "resource group")
        i += 2
    return subscription.lower(), group, _blocks(value, parts, i)


@attrs.frozen(eq=False, repr=False)
class ResourceId:
    """An Azure Resource Manager resource ID (or a subscription or resource group scope).

    Build one with :meth:`parse` or :meth:`build`. ``str(rid)`` is the canonical form
    (``resourceGroups``, documented casing of well-known types, lower-case subscription
    GUID); equality and hashing ignore case, as ARM does.
    """

    subscription_id: str
    resource_group: str | None = None
    _blocks: tuple[Block, ...] = attrs.field(default=(), alias="blocks")
    _text: str = attrs.field(init=False)
    _key: str = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        kwargs: dict[str, str | None] = {
            "subscription": self.subscription_id,
            "resource_group": self.resource_group,
        }
        level = 0
        for index, (namespace, levels) in enumerate(self._blocks):
            for depth, (kind, name) in enumerate(levels):
                if index == 0 and depth == 0:
                    kwargs.update(namespace=namespace, type=kind, name=name)
                    continue
                level += 1
                if depth == 0:
                    kwargs[f"child_namespace_{level}"] = namespace
                kwargs[f"child_type_{level}"] = kind
                kwargs[f"child_name_{level}"] = name
        from azure.mgmt.core.tools import resource_id  # on first use: it imports azure-core

        text = resource_id(**kwargs) if self.subscription_id else _tenant_text(self._blocks)
        object.__setattr__(self, "_text", text)
        object.__setattr__(self, "_key", text.lower())

    @classmethod
    def parse(cls, value: str | ResourceId) -> ResourceId:
        """Parse and validate an ID or scope; :class:`ValidationError` says what is wrong."""
        if isinstance(value, ResourceId):
            return value
        if not isinstance(value, str):
            hint = " (decode bytes first)" if isinstance(value, (bytes, bytearray)) else ""
            raise ValidationError(
                f"expected a resource ID string, got {type(value).__name__}{hint}. Fix: pass "
                f"the ID as a str, {_FORMAT}",
                rule="resource_id",
            )
        if cls is ResourceId:
            return _parsed(value)  # immutable values: the same text parses once
        subscription, group, blocks = _parse(value)
        return cls(subscription, group, blocks=blocks)

    @classmethod
    def build(
        cls,
        *,
        subscription_id: str,
        resource_group: str | None = None,
        namespace: str | None = None,
        type: str | None = None,
        name: str | None = None,
        children: Iterable[tuple[str, str]] = (),
    ) -> ResourceId:
        """Compose an ID from its parts (validated like :meth:`parse`).

        ``children`` are ``(type, name)`` pairs below the top-level resource, e.g.
        ``[("subnets", "default")]`` under a virtual network.
        """
        path = f"/subscriptions/{subscription_id}"
        if resource_group is not None:
            path += f"/resourceGroups/{resource_group}"
        top = (namespace, type, name)
        children = tuple(children)
        if any(part is not None for part in top) or children:
            if any(not part for part in top):
                raise ValidationError(
                    "namespace, type and name must all be given for a resource ID "
                    f"(got namespace={namespace!r}, type={type!r}, name={name!r})",
                    rule="resource_id",
                )
            path += f"/providers/{namespace}/{type}/{name}"
            path += "".join(f"/{child_type}/{child_name}" for child_type, child_name in children)
        return cls.parse(path)

    # -- accessors ---------------------------------------------------------------------

    @property
    def namespace(self) -> str | None:
        """The resource provider namespace, e.g. ``Microsoft.Network``."""
        return self._blocks[-1][0] if self._blocks else None

    @property
    def type(self) -> str | None:
        """The type chain without namespace, e.g. ``virtualNetworks/subnets``."""
        return "/".join(t for t, _ in self._blocks[-1][1]) if self._blocks else None

    @property
    def full_type(self) -> str | None:
        """Namespace and type, e.g. ``Microsoft.Network/virtualNetworks/subnets``."""
        return f"{self.namespace}/{self.type}" if self._blocks else None

    @property
    def name(self) -> str | None:
        """The last name in the path: the resource's name, or the group's for a group scope."""
        if self._blocks:
            return self._blocks[-1][1][-1][1]
        return self.resource_group

    @property
    def parent(self) -> ResourceId | None:
        """The enclosing scope: vnet of a subnet, RG of a resource, subscription of a group."""
        if self._blocks:
            namespace, levels = self._blocks[-1]
            rest = self._blocks[:-1] + (((namespace, levels[:-1]),) if len(levels) > 1 else ())
            return ResourceId(self.subscription_id, self.resource_group, blocks=rest)
        if self.resource_group is not None:
            return ResourceId(self.subscription_id)
        return None

    @property
    def subscription(self) -> ResourceId:
        """The subscription scope this ID lives in."""
        return ResourceId(self.subscription_id)

    @property
    def resource_group_id(self) -> ResourceId | None:
        """The resource group scope this ID lives in, if any."""
        if self.resource_group is None:
            return None
        return ResourceId(self.subscription_id, self.resource_group)

    @property
    def kind(self) -> ResourceKind | None:
        """The well-known kind of this ID, or ``None`` for other resource types."""
        if not self.subscription_id and not self._blocks:
            return ResourceKind.TENANT
        if not self._blocks:
            return ResourceKind.RESOURCE_GROUP if self.resource_group else ResourceKind.SUBSCRIPTION
        return _KINDS_BY_TYPE.get(str(self.full_type).lower())

    @property
    def is_scope_only(self) -> bool:
        """True for a bare subscription or resource group scope."""
        return not self._blocks

    # -- derivation and checks -----------------------------------------------------------

    def child(self, type: str, name: str) -> ResourceId:
        """The ID of a child resource, e.g. ``vnet.child("subnets", "default")``."""
        if not self._blocks:
            raise ValidationError(
                f"{self} is a {self.kind.value if self.kind else 'scope'}; a child resource "
                "needs a resource parent (use extension() for extension resources)",
                rule="resource_id",
            )
        return ResourceId.parse(f"{self}/{type}/{name}")

    def extension(self, namespace: str, type: str, name: str) -> ResourceId:
        """An extension resource at this scope, e.g. a role assignment on a key vault."""
        return ResourceId.parse(f"{self}/providers/{namespace}/{type}/{name}")

    def expect(
        self, kind: ResourceKind, *, what: str = "resource ID", rule: str = "resource_id_kind"
    ) -> ResourceId:
        """Return ``self`` if it is a ``kind`` ID; otherwise raise a :class:`ValidationError`.

        The message names what was expected and what was given, e.g. ``expected a
        user-assigned identity ID (Microsoft.ManagedIdentity/userAssignedIdentities),
        got a Microsoft.Network/virtualNetworks/subnets ID: /subscriptions/...``.
        """
        if self.kind is kind:
            return self
        got = self.full_type or (self.kind.value if self.kind else "resource")
        prefix = "" if what == "resource ID" else f"{what}: "
        raise ValidationError(
            f"{prefix}expected {_article(kind.value)} {kind.value} ID ({kind.example}), "
            f"got {_article(got)} {got} ID: {self}",
            rule=rule,
            resource_id=str(self),
        )

    def is_within(self, other: ResourceId | str) -> bool:
        """True if this ID is ``other`` or lies below it (scope containment, case-insensitive)."""
        key = ResourceId.parse(other)._key
        if key == "/":
            return True
        return self._key == key or self._key.startswith(key + "/")

    # -- value behaviour -----------------------------------------------------------------

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"ResourceId({self._text!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ResourceId):
            return NotImplemented
        return self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __lt__(self, other: ResourceId) -> bool:
        return self._key < other._key

    def __reduce__(self) -> tuple[Any, ...]:
        return (ResourceId.parse, (self._text,))


def _tenant_text(blocks: tuple[Block, ...]) -> str:
    """``/`` or ``/providers/Microsoft.Management/managementGroups/{id}[/providers/...]``."""
    return "/" + "/".join(
        f"providers/{namespace}/" + "/".join(f"{t}/{n}" for t, n in levels)
        for namespace, levels in blocks
    )


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeio" else "a"


@functools.lru_cache(maxsize=4096)
def _parsed(value: str) -> ResourceId:
    """:meth:`ResourceId.parse` of a string, remembered (errors are not cached)."""
    subscription, group, blocks = _parse(value)
    return ResourceId(subscription, group, blocks=blocks)
