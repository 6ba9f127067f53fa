"""Routes: Microsoft.ManagedIdentity/userAssignedIdentities."""

from __future__ import annotations

import re
from typing import Any

from ._errors import ArmError, invalid_request, resource_not_found
from ._identities import IDENTITY_TYPE, identity_id
from ._routes import Context, Reply, route

_SUB = r"/subscriptions/(?P<subscription_id>[^/]+)"
_RG = _SUB + r"/resourceGroups/(?P<resource_group>[^/]+)"
_COLLECTION = r"/providers/Microsoft\.ManagedIdentity/userAssignedIdentities"
_IDENTITY = _RG + _COLLECTION + r"/(?P<name>[^/]+)"
_NAME = re.compile(r"^[a-zA-Z0-9][-_a-zA-Z0-9]{2,127}$")


def _get(ctx: Context, subscription_id: str, resource_group: str, name: str) -> dict[str, Any]:
    ctx.state.resources.require_resource_group(subscription_id, resource_group)
    body = ctx.state.identities.get(identity_id(subscription_id, resource_group, name))
    if body is None:
        raise resource_not_found(IDENTITY_TYPE, name, resource_group)
    return body


@route("PUT", _IDENTITY)
def put_identity(ctx: Context, subscription_id: str, resource_group: str, name: str) -> Reply:
    """UserAssignedIdentities_CreateOrUpdate: 201 created, 200 updated."""
    state = ctx.state
    state.resources.require_resource_group(subscription_id, resource_group)
    body = ctx.body if isinstance(ctx.body, dict) else None
    if body is None:
        raise invalid_request()
    location = body.get("location")
    if not isinstance(location, str) or not location:
        raise ArmError(
            400, "LocationRequired", "The location property is required for this definition."
        )
    if not _NAME.fullmatch(name):
        raise ArmError(
            400,
            "InvalidResourceName",
            f"Resource name {name} is invalid. The name can be 3-128 characters long and can "
            "contain letters, digits, hyphens and underscores, starting with a letter or digit.",
        )
    rid = identity_id(subscription_id, resource_group, name)
    existing = state.identities.get(rid)
    if existing is not None and _norm(existing["location"]) != _norm(location):
        raise ArmError(
            400,
            "InvalidResourceLocation",
            f"The resource '{name}' already exists in location '{existing['location']}' in "
            f"resource group '{resource_group}'. A resource with the same name cannot be "
            f"created in location '{location}'. Please select a new resource name.",
        )
    saved = state.identities.create_user_assigned(rid, location, body.get("tags"))
    saved = _versioned(saved, ctx.api_version)
    if existing is not None:
        return Reply(200, saved)
    return Reply(201, saved, {"Location": rid})


@route("GET", _IDENTITY)
def get_identity(ctx: Context, subscription_id: str, resource_group: str, name: str) -> Reply:
    """UserAssignedIdentities_Get."""
    return Reply(200, _versioned(_get(ctx, subscription_id, resource_group, name), ctx.api_version))


@route("PATCH", _IDENTITY)
def patch_identity(ctx: Context, subscription_id: str, resource_group: str, name: str) -> Reply:
    """UserAssignedIdentities_Update: tags."""
    current = _get(ctx, subscription_id, resource_group, name)
    body = ctx.body if isinstance(ctx.body, dict) else {}
    tags = body.get("tags", current.get("tags"))
    saved = ctx.state.identities.create_user_assigned(current["id"], current["location"], tags)
    return Reply(200, saved)


@route("DELETE", _IDENTITY)
def delete_identity(ctx: Context, subscription_id: str, resource_group: str, name: str) -> Reply:
    """UserAssignedIdentities_Delete: 200 deleted, 204 when there was none."""
    ctx.state.resources.require_resource_group(subscription_id, resource_group)
    rid = identity_id(subscription_id, resource_group, name)
    if ctx.state.identities.get(rid) is None:
        return Reply(204)
    ctx.state.resources.delete(rid)
    return Reply(200)


@route("GET", _RG + _COLLECTION)
def list_in_group(ctx: Context, subscription_id: str, resource_group: str) -> Reply:
    """UserAssignedIdentities_ListByResourceGroup."""
    group = ctx.state.resources.require_resource_group(subscription_id, resource_group)
    return Reply(200, ctx.page(lambda: ctx.state.resources.children(group["id"], IDENTITY_TYPE)))


@route("GET", _SUB + _COLLECTION)
def list_in_subscription(ctx: Context, subscription_id: str) -> Reply:
    """UserAssignedIdentities_ListBySubscription."""
    ctx.state.resources.require_subscription(subscription_id)
    scope = f"/subscriptions/{subscription_id}"
    return Reply(200, ctx.page(lambda: ctx.state.resources.children(scope, IDENTITY_TYPE)))


def _versioned(body: dict[str, Any], api_version: str) -> dict[str, Any]:
    """API versions before 2021 also return the identity's ``clientSecretUrl``."""
    if api_version < "2021":
        props = body["properties"]
        props["clientSecretUrl"] = (
            f"https://control-{body['location']}.identity.azure.net{body['id']}/credentials"
            f"?tid={props['tenantId']}&oid={props['principalId']}&aid={props['clientId']}"
        )
    return body


def _norm(location: str) -> str:
    return location.replace(" ", "").lower()
