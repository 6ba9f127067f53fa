"""Routes: subscriptions, tenants and resource groups (Microsoft.Resources)."""

from __future__ import annotations

import re
from typing import Any

from ._errors import ArmError, invalid_request
from ._resources import GROUP_TYPE, group_body, group_id
from ._routes import Context, Reply, route
from ._scopes import is_within
from ._state import State

__all__ = ["subscription_body", "tenant_body"]

_SUB = r"/subscriptions/(?P<subscription_id>[^/]+)"
_GROUPS = _SUB + r"/resourcegroups"
_GROUP = _GROUPS + r"/(?P<name>[^/]+)"
_GROUP_NAME = re.compile(r"^[-\w.()]{1,90}$")


def subscription_body(state: State, subscription_id: str | None = None) -> dict[str, Any]:
    """An emulated subscription (default: the first), as ARM lists it."""
    subscription = (subscription_id or state.subscription_id).lower()
    index = state.subscription_ids.index(subscription)
    return {
        "id": f"/subscriptions/{subscription}",
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "subscriptionId": subscription,
        "tenantId": state.tenant_id,
        "displayName": "aks-identity emulator" + (f" {index + 1}" if index else ""),
        "state": "Enabled",
        "subscriptionPolicies": {
            "locationPlacementId": "Public_2014-09-01",
            "quotaId": "PayAsYouGo_2014-09-01",
            "spendingLimit": "Off",
        },
    }


def tenant_body(state: State) -> dict[str, Any]:
    """The emulated tenant."""
    return {
        "id": f"/tenants/{state.tenant_id}",
        "tenantId": state.tenant_id,
        "tenantCategory": "Home",
        "displayName": "aks-identity emulator",
        "defaultDomain": "emulator.onmicrosoft.com",
        "domains": ["emulator.onmicrosoft.com"],
        "tenantType": "AAD",
    }


@route("GET", r"/subscriptions")
def list_subscriptions(ctx: Context) -> Reply:
    """Subscriptions_List: those where the caller holds a role (at, above or below them)."""
    state = ctx.state
    now = state.clock.now()
    scopes = [a.scope.lower() for a in state.rbac.of_principal(ctx.caller) if a.effective_at <= now]

    def visible(subscription: str) -> bool:
        root = f"/subscriptions/{subscription}"
        return any(is_within(root, s) or is_within(s, root) for s in scopes)

    listed = [subscription_body(state, s) for s in state.subscription_ids if visible(s)]
    return Reply(200, ctx.page(listed))


@route("GET", _SUB)
def get_subscription(ctx: Context, subscription_id: str) -> Reply:
    """Subscriptions_Get."""
    ctx.state.resources.require_subscription(subscription_id)
    return Reply(200, subscription_body(ctx.state, subscription_id))


@route("GET", r"/tenants")
def list_tenants(ctx: Context) -> Reply:
    """Tenants_List."""
    return Reply(200, ctx.page([tenant_body(ctx.state)]))


@route("GET", _GROUPS)
def list_groups(ctx: Context, subscription_id: str) -> Reply:
    """ResourceGroups_List."""
    ctx.state.resources.require_subscription(subscription_id)
    scope = f"/subscriptions/{subscription_id}"
    return Reply(200, ctx.page(lambda: ctx.state.resources.children(scope, GROUP_TYPE)))


@route("HEAD", _GROUP)
def check_group(ctx: Context, subscription_id: str, name: str) -> Reply:
    """ResourceGroups_CheckExistence: 204 or 404, no body."""
    ctx.state.resources.require_subscription(subscription_id)
    exists = ctx.state.resources.get(group_id(subscription_id, name)) is not None
    return Reply(204 if exists else 404)


@route("GET", _GROUP)
def get_group(ctx: Context, subscription_id: str, name: str) -> Reply:
    """ResourceGroups_Get."""
    return Reply(200, ctx.state.resources.require_resource_group(subscription_id, name))


@route("PUT", _GROUP)
def put_group(ctx: Context, subscription_id: str, name: str) -> Reply:
    """ResourceGroups_CreateOrUpdate: 201 created, 200 updated."""
    store = ctx.state.resources
    store.require_subscription(subscription_id)
    body = ctx.body if isinstance(ctx.body, dict) else {}
    location = body.get("location")
    if not _GROUP_NAME.fullmatch(name) or name.endswith("."):
        raise ArmError(
            400,
            "InvalidResourceGroup",
            f"The provided resource group name '{name}' has these invalid characters or "
            "length. The name can be up to 90 characters in length and can contain "
            "alphanumeric, underscore, parentheses, hyphen and period (except at the end).",
        )
    if not isinstance(location, str) or not location:
        raise ArmError(
            400, "LocationRequired", "The location property is required for this definition."
        )
    rid = group_id(subscription_id, name)
    existing = store.get(rid)
    if existing is not None:
        _not_deleting(existing, name)
        if existing["location"].replace(" ", "").lower() != location.replace(" ", "").lower():
            raise ArmError(
                409,
                "InvalidResourceGroupLocation",
                f"Invalid resource group location '{location}'. The Resource group already "
                f"exists in location '{existing['location']}'.",
            )
        existing["tags"] = dict(body.get("tags") or {})
        return Reply(200, store.put(rid, existing))
    created = group_body(rid, name, location, dict(body.get("tags") or {}))
    return Reply(201, store.put(rid, created))


@route("PATCH", _GROUP)
def patch_group(ctx: Context, subscription_id: str, name: str) -> Reply:
    """ResourceGroups_Update: tags."""
    store = ctx.state.resources
    group = store.require_resource_group(subscription_id, name)
    body = ctx.body if isinstance(ctx.body, dict) else None
    if body is None:
        raise invalid_request()
    if "tags" in body:
        group["tags"] = dict(body["tags"] or {})
    return Reply(200, store.put(group["id"], group))


@route("DELETE", _GROUP)
def delete_group(ctx: Context, subscription_id: str, name: str) -> Reply:
    """ResourceGroups_Delete: 202 and a Location to poll; the group goes when it completes."""
    state = ctx.state
    group = state.resources.require_resource_group(subscription_id, name)
    _not_deleting(group, name)
    group["properties"]["provisioningState"] = "Deleting"
    state.resources.put(group["id"], group)
    rid = group["id"]

    def done() -> None:
        state.resources.delete(rid)

    operation = state.operations.start(
        resource_id=rid, duration=state.config.lro_duration.sample(state.rng), on_done=done
    )
    location = f"{ctx.base_url}/subscriptions/{subscription_id}/operationresults/{operation.id}"
    return Reply(
        202,
        None,
        {
            "Location": f"{location}?api-version={ctx.api_version}",
            **state.operations.retry_headers(operation),
        },
    )


def _not_deleting(group: dict[str, Any], name: str) -> None:
    if group["properties"].get("provisioningState") == "Deleting":
        raise ArmError(
            409,
            "ResourceGroupBeingDeleted",
            f"The resource group '{name}' is in deprovisioning state and cannot perform this "
            "operation.",
        )
