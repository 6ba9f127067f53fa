"""The generic resource store: ARM bodies keyed by lower-cased resource ID."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from ._errors import ArmError, resource_group_not_found, resource_not_found, subscription_not_found
from ._scopes import full_type, is_within, key

__all__ = ["GROUP_TYPE", "ResourceStore", "group_id"]

GROUP_TYPE = "Microsoft.Resources/resourceGroups"


def group_id(subscription_id: str, name: str) -> str:
    """Resource ID of a resource group."""
    return f"/subscriptions/{subscription_id}/resourceGroups/{name}"


class ResourceStore:
    """ARM resources as JSON bodies. Reads and writes copy, so callers never share state."""

    def __init__(self, subscription_ids: list[str]) -> None:
        self.subscription_ids: list[str] = [s.lower() for s in subscription_ids]
        """The emulated subscriptions; the first is the default one."""
        self.subscription_id: str = self.subscription_ids[0]
        self._subscriptions = set(self.subscription_ids)
        self._bodies: dict[str, dict[str, Any]] = {}
        self._deleted: list[Callable[[dict[str, Any]], None]] = []

    def on_delete(self, listener: Callable[[dict[str, Any]], None]) -> None:
        """Call ``listener(body)`` for every resource removed (nested ones included)."""
        self._deleted.append(listener)

    def get(self, resource_id: str) -> dict[str, Any] | None:
        """The body of a resource, or None."""
        body = self._bodies.get(key(resource_id))
        return copy.deepcopy(body) if body is not None else None

    def exists(self, resource_id: str) -> bool:
        """Whether the resource (or resource group) exists; a subscription exists if it is ours."""
        parts = resource_id.rstrip("/").split("/")
        if len(parts) == 3 and parts[1].lower() == "subscriptions":
            return parts[2].lower() in self._subscriptions
        return key(resource_id) in self._bodies

    def put(self, resource_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Store ``body`` (a copy) under ``resource_id``; returns the stored copy."""
        self._bodies[key(resource_id)] = copy.deepcopy(body)
        return copy.deepcopy(body)

    def delete(self, resource_id: str) -> bool:
        """Remove a resource and everything below it; whether it existed."""
        root = key(resource_id)
        doomed = [k for k in self._bodies if is_within(k, root)]
        existed = root in self._bodies
        for k in sorted(doomed, key=len, reverse=True):
            body = self._bodies.pop(k)
            for listener in self._deleted:
                listener(body)
        return existed

    def bodies(self) -> list[dict[str, Any]]:
        """Every stored body, not copied: read them, never change them (Resource Graph)."""
        return list(self._bodies.values())

    def children(self, prefix_id: str, full_type: str) -> list[dict[str, Any]]:
        """Every resource of type ``full_type`` at or below ``prefix_id``, in creation order."""
        wanted = full_type.lower()
        return [
            copy.deepcopy(body)
            for k, body in self._bodies.items()
            if is_within(k, prefix_id) and str(body.get("type", "")).lower() == wanted
        ]

    def require_subscription(self, subscription_id: str) -> None:
        """404 SubscriptionNotFound unless it is one of the emulated subscriptions."""
        if subscription_id.lower() not in self._subscriptions:
            raise subscription_not_found(subscription_id)

    def require_resource_group(self, subscription_id: str, name: str) -> dict[str, Any]:
        """The resource group's body, or 404 ResourceGroupNotFound."""
        self.require_subscription(subscription_id)
        body = self.get(group_id(subscription_id, name))
        if body is None:
            raise resource_group_not_found(name)
        return body

    def require_scope(self, scope: str) -> None:
        """404 unless ``scope`` (subscription, resource group or resource) exists.

        The tenant root (``""`` or ``/``) and management groups always exist: the emulator does
        not model the management-group hierarchy (RBAC still decides who may act there).
        """
        parts = scope.rstrip("/").split("/")
        if parts == [""] or (
            len(parts) == 5 and "/".join(parts[:4]).lower() == "/providers/microsoft.management"
            "/managementgroups"
        ):
            return
        if len(parts) < 3 or parts[1].lower() != "subscriptions":
            raise ArmError(400, "InvalidScope", f"The scope '{scope}' is not valid.")
        self.require_subscription(parts[2])
        if len(parts) >= 5:
            self.require_resource_group(parts[2], parts[4])
        if len(parts) > 5 and key(scope) not in self._bodies:
            raise resource_not_found(str(full_type(scope) or parts[-2]), parts[-1], parts[4])

    def ensure_resource_group(
        self,
        name: str,
        location: str,
        tags: dict[str, str] | None = None,
        *,
        subscription_id: str | None = None,
    ) -> dict[str, Any]:
        """Create the resource group if missing (default: the first subscription); its body."""
        rid = group_id(subscription_id or self.subscription_id, name)
        existing = self.get(rid)
        if existing is not None:
            return existing
        return self.put(rid, group_body(rid, name, location, tags or {}))

    def delete_resource_group(self, subscription_id: str, name: str) -> bool:
        """Delete a resource group and its contents; whether it existed."""
        return self.delete(group_id(subscription_id, name))

    def clear(self) -> None:
        """Forget every resource (no delete listeners run)."""
        self._bodies.clear()


def group_body(rid: str, name: str, location: str, tags: dict[str, str]) -> dict[str, Any]:
    """A resource group as ARM returns it."""
    return {
        "id": rid,
        "name": name,
        "type": GROUP_TYPE,
        "location": location,
        "tags": dict(tags),
        "properties": {"provisioningState": "Succeeded"},
    }
