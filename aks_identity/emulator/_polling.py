"""Routes: long-running operation status (``Azure-AsyncOperation``) and results (``Location``).

On a virtual clock each poll of a running operation moves time forward (``poll_step``) and the
reply asks for a 1 ms pause, so the SDK's polling loop completes without waiting.
"""

from __future__ import annotations

from ._errors import ArmError
from ._operations import Operation, status_body
from ._routes import Context, Reply, route

_SUB = r"/subscriptions/(?P<subscription_id>[^/]+)"
_PROVIDER_OP = _SUB + r"/providers/(?P<namespace>[^/]+)(?:/locations/(?P<location>[^/]+))?"


def _poll(ctx: Context, operation_id: str) -> Operation:
    operation = ctx.state.operations.poll(operation_id)
    if operation is None:
        raise ArmError(404, "OperationNotFound", f"The operation '{operation_id}' was not found.")
    return operation


@route("GET", _PROVIDER_OP + r"/operations/(?P<operation_id>[^/]+)")
def operation_status(
    ctx: Context, subscription_id: str, namespace: str, location: str | None, operation_id: str
) -> Reply:
    """The operation status resource: InProgress, then Succeeded or Failed."""
    operation = _poll(ctx, operation_id)
    headers = {} if operation.done else ctx.state.operations.retry_headers(operation)
    return Reply(200, status_body(operation, ctx.state.iso), headers)


@route("GET", _PROVIDER_OP + r"/operationresults/(?P<operation_id>[^/]+)")
def provider_operation_result(
    ctx: Context, subscription_id: str, namespace: str, location: str | None, operation_id: str
) -> Reply:
    """A resource provider's operation result: 202 while running, 204 done, 400 failed."""
    return _result(ctx, _poll(ctx, operation_id), done_status=204)


@route("GET", _SUB + r"/operationresults/(?P<operation_id>[^/]+)")
def operation_result(ctx: Context, subscription_id: str, operation_id: str) -> Reply:
    """ARM's own operation result (resource group deletion): 202 while running, 200 when done."""
    return _result(ctx, _poll(ctx, operation_id), done_status=200)


def _result(ctx: Context, operation: Operation, *, done_status: int) -> Reply:
    if not operation.done:
        location = f"{ctx.base_url}{ctx.path}?api-version={ctx.api_version}"
        headers = {"Location": location, **ctx.state.operations.retry_headers(operation)}
        return Reply(202, None, headers)
    if operation.error is not None:
        # A 4xx, as ARM answers a failed operation's Location: final, not retried by clients.
        raise ArmError(400, operation.error["code"], operation.error["message"])
    return Reply(done_status)
