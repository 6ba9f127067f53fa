"""Resource ID strings as scopes: normalising, containment, ARM types (no I/O)."""

from __future__ import annotations

import re

__all__ = ["full_type", "is_within", "key", "split_provider_path"]

_PROVIDERS = "/providers/"


def key(resource_id: str) -> str:
    """The store key of a resource ID: lower case, no trailing slash."""
    return resource_id.rstrip("/").lower()


def is_within(resource_id: str, scope: str) -> bool:
    """Whether ``resource_id`` is ``scope`` or below it (case-insensitive)."""
    rid, sc = key(resource_id), key(scope)
    return sc in ("", rid) or rid.startswith(sc + "/")


_SEGMENTS = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/(?P<ns>[^/]+)/(?P<rest>.+)$",
    re.IGNORECASE,
)


def split_provider_path(resource_id: str) -> tuple[str, list[tuple[str, str]]] | None:
    """``(namespace, [(type, name), ...])`` of a provider resource ID, or None."""
    match = _SEGMENTS.match(resource_id.rstrip("/"))
    if match is None:
        return None
    parts = match["rest"].split("/")
    if len(parts) % 2:
        return None
    return match["ns"], [(parts[i], parts[i + 1]) for i in range(0, len(parts), 2)]


def full_type(resource_id: str) -> str | None:
    """ARM type of a resource ID: ``Microsoft.Network/virtualNetworks/subnets``."""
    parts = resource_id.rstrip("/").split("/")
    lowered = [p.lower() for p in parts]
    if len(parts) == 3 and lowered[1] == "subscriptions":
        return "Microsoft.Resources/subscriptions"
    if len(parts) == 5 and lowered[3] == "resourcegroups":
        return "Microsoft.Resources/resourceGroups"
    split = split_provider_path(resource_id)
    if split is None:
        return None
    namespace, segments = split
    return "/".join([namespace, *(t for t, _ in segments)])
