"""Generic ARM resources used as scopes: virtual networks and subnets, key vaults, registries,
private DNS zones, anything else under a provider namespace. Pure state logic, no HTTP."""

from __future__ import annotations

from typing import Any

from ._errors import ArmError, invalid_request, resource_not_found
from ._scopes import full_type, split_provider_path
from ._state import State

__all__ = ["delete_generic", "get_generic", "put_generic"]

_VNET = "microsoft.network/virtualnetworks"
_SUBNETS = "subnets"


def put_generic(state: State, resource_id: str, body: Any) -> tuple[int, dict[str, Any]]:
    """Create or replace a resource; ``(201 | 200, body)``. Parents must exist."""
    split = split_provider_path(resource_id)
    rtype = full_type(resource_id)
    if split is None or rtype is None:
        raise invalid_request(f"'{resource_id}' is not a resource ID.")
    if body is not None and not isinstance(body, dict):
        raise invalid_request()
    parts = resource_id.rstrip("/").split("/")
    group = state.resources.require_resource_group(parts[2], parts[4])
    _, segments = split
    if len(segments) > 1:
        parent = "/".join(parts[:-2])
        if state.resources.get(parent) is None:
            raise ArmError(
                404,
                "ParentResourceNotFound",
                "Can not perform requested operation on nested resource. Parent resource "
                f"'{'/'.join(n for _, n in segments[:-1])}' not found.",
            )
    request = dict(body or {})
    existing = state.resources.get(resource_id)
    stored: dict[str, Any] = {
        **request,
        "id": resource_id.rstrip("/"),
        "name": parts[-1],
        "type": rtype,
        "properties": {**(request.get("properties") or {}), "provisioningState": "Succeeded"},
    }
    if len(segments) == 1:
        stored["location"] = request.get("location") or group["location"]
        stored["tags"] = dict(request.get("tags") or {})
    if rtype.lower() == _VNET:
        _put_subnets(state, stored)
    state.resources.put(resource_id, stored)
    return (200 if existing is not None else 201), get_generic(state, resource_id)


def get_generic(state: State, resource_id: str) -> dict[str, Any]:
    """A resource's body (virtual networks list their subnets), or 404."""
    body = state.resources.get(resource_id)
    if body is None:
        parts = resource_id.rstrip("/").split("/")
        state.resources.require_resource_group(parts[2], parts[4])
        raise resource_not_found(str(full_type(resource_id)), parts[-1], parts[4])
    if str(body.get("type", "")).lower() == _VNET:
        subnets = state.resources.children(body["id"], f"{body['type']}/{_SUBNETS}")
        body["properties"]["subnets"] = subnets
    return body


def delete_generic(state: State, resource_id: str) -> bool:
    """Delete a resource and its children; whether it existed."""
    parts = resource_id.rstrip("/").split("/")
    state.resources.require_resource_group(parts[2], parts[4])
    return state.resources.delete(resource_id)


def _put_subnets(state: State, vnet: dict[str, Any]) -> None:
    """A virtual network's inline subnets become child resources."""
    inline = vnet["properties"].pop(_SUBNETS, None) or []
    for subnet in inline:
        if isinstance(subnet, dict) and subnet.get("name"):
            subnet_id = f"{vnet['id']}/{_SUBNETS}/{subnet['name']}"
            state.resources.put(
                subnet_id,
                {
                    "id": subnet_id,
                    "name": subnet["name"],
                    "type": f"{vnet['type']}/{_SUBNETS}",
                    "properties": {
                        **(subnet.get("properties") or {}),
                        "provisioningState": "Succeeded",
                    },
                },
            )
