"""Routes: any other provider resource (networks, key vaults, registries, DNS zones...).

Catch-all routes with a low priority: specific routes (identities, clusters, authorization)
win. Resources are stored as sent, with ``id``, ``name``, ``type`` and ``provisioningState``
filled in; nested resources need their parent.
"""

from __future__ import annotations

from ._generic import delete_generic, get_generic, put_generic
from ._routes import Context, Reply, route

_OWNED = r"(?!Microsoft\.(?:ContainerService|Authorization|ManagedIdentity)(?:/|$))"
_RG = r"/subscriptions/(?P<subscription_id>[^/]+)/resourceGroups/(?P<resource_group>[^/]+)"
_PAIRS = r"(?:/[^/]+/[^/]+)*"
_NAMESPACE = _RG + r"/providers/" + _OWNED + r"(?P<namespace>[^/]+)/"
_RESOURCE = _NAMESPACE + r"(?P<rest>[^/]+/[^/]+" + _PAIRS + ")"
_COLLECTION = _NAMESPACE + r"(?P<rest>[^/]+" + _PAIRS + ")"


@route("PUT", _RESOURCE, priority=-1)
def put_resource(
    ctx: Context, subscription_id: str, resource_group: str, namespace: str, rest: str
) -> Reply:
    """Create or replace: 201 or 200."""
    status, body = put_generic(ctx.state, ctx.path, ctx.body)
    return Reply(status, body)


@route("GET", _RESOURCE, priority=-1)
def get_resource(
    ctx: Context, subscription_id: str, resource_group: str, namespace: str, rest: str
) -> Reply:
    """Get: 200 or 404."""
    return Reply(200, get_generic(ctx.state, ctx.path))


@route("DELETE", _RESOURCE, priority=-1)
def delete_resource(
    ctx: Context, subscription_id: str, resource_group: str, namespace: str, rest: str
) -> Reply:
    """Delete: 200, or 204 when there was none."""
    return Reply(200 if delete_generic(ctx.state, ctx.path) else 204)


@route("GET", _COLLECTION, priority=-2)
def list_resources(
    ctx: Context, subscription_id: str, resource_group: str, namespace: str, rest: str
) -> Reply:
    """List a collection in a resource group (or below a parent resource)."""
    group = ctx.state.resources.require_resource_group(subscription_id, resource_group)
    parent = ctx.path.rpartition("/")[0]
    types = rest.split("/")[0::2]
    scope = parent if len(types) > 1 else group["id"]
    full_type = f"{namespace}/{'/'.join(types)}"
    return Reply(200, ctx.page(lambda: ctx.state.resources.children(scope, full_type)))
