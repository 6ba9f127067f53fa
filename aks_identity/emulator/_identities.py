"""Microsoft.ManagedIdentity: user-assigned identities, each a principal in the directory."""

from __future__ import annotations

from typing import Any

from ._directory import Directory
from ._resources import ResourceStore

__all__ = ["IDENTITY_TYPE", "Identities", "identity_id"]

IDENTITY_TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities"


def identity_id(subscription_id: str, resource_group: str, name: str) -> str:
    """Resource ID of a user-assigned identity, cased as the MSI resource provider returns it."""
    return (
        f"/subscriptions/{subscription_id}/resourcegroups/{resource_group}"
        f"/providers/{IDENTITY_TYPE}/{name}"
    )


class Identities:
    """User-assigned identities; creating one creates its service principal."""

    def __init__(self, store: ResourceStore, directory: Directory, tenant_id: str) -> None:
        self._store = store
        self._directory = directory
        self._tenant_id = tenant_id
        store.on_delete(self._deleted)

    def create_user_assigned(
        self, resource_id: str, location: str, tags: dict[str, str] | None
    ) -> dict[str, Any]:
        """Create (or update location and tags of) an identity; its ARM body."""
        parts = resource_id.rstrip("/").split("/")
        rid = identity_id(parts[2], parts[4], parts[-1])
        existing = self._store.get(rid)
        if existing is not None:
            existing["tags"] = dict(tags or {})
            return self._store.put(rid, existing)
        principal = self._directory.add_principal(
            display_name=parts[-1], resource_id=rid, user_assigned=True
        )
        body = {
            "id": rid,
            "name": parts[-1],
            "type": IDENTITY_TYPE,
            "location": location,
            "tags": dict(tags or {}),
            "properties": {
                "tenantId": self._tenant_id,
                "principalId": principal.object_id,
                "clientId": principal.client_id,
            },
        }
        return self._store.put(rid, body)

    def get(self, resource_id: str) -> dict[str, Any] | None:
        """An identity's body, or None (also for IDs of other resource types)."""
        body = self._store.get(resource_id)
        if body is None or str(body.get("type", "")).lower() != IDENTITY_TYPE.lower():
            return None
        return body

    def _deleted(self, body: dict[str, Any]) -> None:
        if str(body.get("type", "")).lower() == IDENTITY_TYPE.lower():
            self._directory.remove(str(body["properties"]["principalId"]))
