"""Azure Resource Graph: ``POST /providers/Microsoft.ResourceGraph/resources`` over the state.

Request and response shapes follow the REST specification (Azure/azure-rest-api-specs,
specification/resourcegraph/resource-manager/Microsoft.ResourceGraph/stable/2021-03-01:
resourcegraph.json and examples/ResourcesBasicQuery.json, ResourcesFacetQuery.json; paging in
preview/2021-06-01-preview/examples/ResourcesFirstPageQuery.json). Tables: ``resources`` (every
resource, its ``type`` and ``resourceGroup`` lower-cased as Resource Graph shows them),
``resourcecontainers`` (subscriptions and resource groups) and ``authorizationresources`` (role
assignments and the built-in role definitions). Rows are limited to the subscriptions asked for
(all the caller's when none are) and to what the caller may read.

A query runs once: its result is kept under the ``$skipToken`` handed out, so fetching every
page costs one evaluation (linear), not one per page. The KQL subset is ``_kql``'s; anything
else gets Resource Graph's own error (400 BadRequest, details InvalidQuery and the parser's).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterator
from typing import Any

from aks_identity._roles import BUILTIN_ROLES

from ._authorization import role_definition_body
from ._errors import ArmError
from ._kql import KqlError, Query, parse
from ._resources import GROUP_TYPE
from ._routes import Context, Reply, route, snapshots
from ._state import State

__all__ = ["graph_rows", "invalid_query"]

_DEFAULT_TOP = 100
_MAX_TOP = 1000
_QUOTA = 15
"""Resource Graph's per-user quota: 15 queries every 5 seconds."""
_QUOTA_WINDOW = 5.0
_COLUMNS = (
    "id",
    "name",
    "type",
    "tenantId",
    "kind",
    "location",
    "resourceGroup",
    "subscriptionId",
    "managedBy",
    "sku",
    "plan",
    "properties",
    "tags",
    "identity",
    "zones",
    "extendedLocation",
)


def invalid_query(error: KqlError) -> ArmError:
    """Resource Graph's 400 for a query it cannot run (the shape Search-AzGraph prints)."""
    details: list[dict[str, Any]] = [
        {
            "code": "InvalidQuery",
            "message": "Query is invalid. Please refer to the documentation for the Azure "
            "Resource Graph service and fix the error before retrying.",
        },
        {
            "code": "ParserFailure" if "supported" not in str(error) else "InvalidQueryLanguage",
            "message": f"{error} (supported by the aks-identity emulator: where, project, "
            "extend, order by, limit/take)",
            "line": 1,
            "characterPositionInLine": error.position,
            "token": error.token,
        },
    ]
    return ArmError(
        400,
        "BadRequest",
        "Please provide below info when asking for support: "
        f"timestamp = {dt.datetime.now(dt.timezone.utc).isoformat()}, "
        f"correlationId = {uuid.uuid4()}.",
        details=details,
    )


def _row(body: dict[str, Any], tenant_id: str) -> dict[str, Any]:
    rid = str(body.get("id", ""))
    parts = rid.split("/")
    subscription = parts[2] if len(parts) > 2 and parts[1].lower() == "subscriptions" else ""
    group = parts[4].lower() if len(parts) > 4 and parts[3].lower() == "resourcegroups" else ""
    row = {column: body.get(column) for column in _COLUMNS}
    row.update(
        id=rid,
        type=str(body.get("type", "")).lower(),
        tenantId=tenant_id,
        resourceGroup=group,
        subscriptionId=subscription,
        kind=body.get("kind") or "",
        location=str(body.get("location") or "").replace(" ", "").lower(),
        managedBy=body.get("managedBy") or "",
        tags=body.get("tags") or {},
        properties=body.get("properties") or {},
        zones=body.get("zones") or [],
        identity=body.get("identity") or {},
    )
    return row


def graph_rows(state: State, table: str, subscriptions: list[str]) -> Iterator[dict[str, Any]]:
    """The rows of a Resource Graph table within ``subscriptions`` (lower-cased IDs)."""
    wanted = set(subscriptions)
    tenant = state.tenant_id
    if table == "authorizationresources":
        for assignment in state.rbac.all():
            row = _row(state.rbac.body(assignment), tenant)
            if row["subscriptionId"].lower() in wanted:
                yield row
        for role in BUILTIN_ROLES:
            yield _row(role_definition_body(state, role, ""), tenant)
        return
    if table == "resourcecontainers":
        from ._subscriptions import subscription_body

        for subscription in state.subscription_ids:
            if subscription in wanted:
                yield _row(subscription_body(state, subscription), tenant)
    for body in state.resources.bodies():
        row = _row(body, tenant)
        if row["subscriptionId"].lower() not in wanted:
            continue
        container = row["type"] == GROUP_TYPE.lower()
        if container == (table == "resourcecontainers"):
            yield row


def _readable(state: State, caller: str, requested: list[str] | None) -> list[str]:
    """The subscriptions to query: those asked for (default: all) the caller may read."""
    candidates = requested if requested is not None else state.subscription_ids
    return [
        s.lower()
        for s in candidates
        if s.lower() in state.subscription_ids
        and state.rbac.check_access(
            caller, "Microsoft.Resources/subscriptions/read", f"/subscriptions/{s}"
        )
    ]


def _visible(state: State, caller: str, rows: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Rows the caller may read (Resource Graph shows nothing else)."""
    for row in rows:
        rid = row["id"]
        if not rid.lower().startswith("/subscriptions/"):
            yield row  # built-in role definitions: readable by everyone
            continue
        action = f"{row['type']}/read" if row["type"] else "*/read"
        if state.rbac.check_access(caller, action, rid):
            yield row


def _token(snapshot: str, offset: int) -> str:
    raw = json.dumps({"s": snapshot, "o": offset}).encode()
    return base64.b64encode(raw).decode()


def _untoken(token: str) -> tuple[str, int]:
    try:
        decoded = json.loads(base64.b64decode(token.encode(), validate=True))
        return str(decoded["s"]), int(decoded["o"])
    except (ValueError, KeyError, TypeError):
        raise ArmError(
            400, "BadRequest", "The $skipToken is not valid: pass the one a response returned."
        ) from None


def _integer(options: dict[str, Any], name: str, low: int, high: int | None) -> int | None:
    value = options.get(name)
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < low
        or (high is not None and value > high)
    ):
        limit = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ArmError(400, "BadRequest", f"Option '{name}' must be an integer {limit}.")
    return value


def _quota(ctx: Context) -> dict[str, str]:
    """Resource Graph's per-user quota headers; 429 past the quota when throttling is on."""
    now = ctx.state.clock.now()
    windows: dict[str, list[float]] = ctx.state.extensions.setdefault("resource_graph_quota", {})
    recent = [t for t in windows.get(ctx.caller, []) if now - t < _QUOTA_WINDOW]
    resets = _QUOTA_WINDOW - (now - recent[0]) if recent else _QUOTA_WINDOW
    throttled = ctx.state.config.throttling and len(recent) >= _QUOTA
    if not throttled:
        recent.append(now)
    windows[ctx.caller] = recent
    headers = {
        "x-ms-user-quota-remaining": str(max(0, _QUOTA - len(recent))),
        "x-ms-user-quota-resets-after": _hms(resets),
    }
    if throttled:
        raise ArmError(
            429,
            "RateLimiting",
            "Please provide below info when asking for support: the query quota of the user is "
            "exhausted; retry after the quota resets.",
            headers={**headers, "Retry-After": str(max(1, round(resets)))},
        )
    return headers


def _hms(seconds: float) -> str:
    whole = max(0, int(seconds + 0.999))
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


@route("POST", r"/providers/Microsoft\.ResourceGraph/resources")
def query_resources(ctx: Context) -> Reply:
    """Resources (the Resource Graph query API)."""
    headers = _quota(ctx)
    body = ctx.body if isinstance(ctx.body, dict) else None
    if body is None or not isinstance(body.get("query"), str):
        raise ArmError(400, "BadRequest", "The request must carry a 'query' string (QueryRequest).")
    options = body.get("options") or {}
    if not isinstance(options, dict):
        raise ArmError(400, "BadRequest", "'options' must be an object (QueryRequestOptions).")
    top = _integer(options, "$top", 1, _MAX_TOP)
    skip = _integer(options, "$skip", 0, None)
    result_format = options.get("resultFormat", "objectArray")
    if result_format not in ("objectArray", "table"):
        raise ArmError(400, "BadRequest", "resultFormat must be 'objectArray' or 'table'.")
    if body.get("managementGroups"):
        raise ArmError(
            400,
            "BadRequest",
            "Management group scopes are not emulated: pass 'subscriptions' (or neither, for "
            "every subscription the caller can read).",
        )
    requested = body.get("subscriptions")
    if requested is not None and (
        not isinstance(requested, list) or not all(isinstance(s, str) for s in requested)
    ):
        raise ArmError(400, "BadRequest", "'subscriptions' must be a list of subscription IDs.")
    try:
        query = parse(body["query"])
    except KqlError as error:
        raise invalid_query(error) from None
    state = ctx.state
    scopes = _readable(state, ctx.caller, requested)
    fingerprint = hashlib.sha256(json.dumps([body["query"], sorted(scopes)]).encode()).hexdigest()
    kept = snapshots(state)
    token = options.get("$skipToken")
    rows: list[dict[str, Any]] | None = None
    offset = 0
    snapshot = ""
    if isinstance(token, str) and token:
        snapshot, offset = _untoken(token)
        rows = kept.get(snapshot, fingerprint)
    if rows is None:
        rows = _evaluate(state, ctx.caller, query, scopes)
        snapshot = ""
    if skip is not None:
        offset = skip
    size = top or _DEFAULT_TOP
    page = rows[offset : offset + size]
    pageable = all("id" in r for r in page)
    reply: dict[str, Any] = {
        "totalRecords": len(rows),
        "count": len(page),
        "resultTruncated": "true" if (not pageable and offset + size < len(rows)) else "false",
        "facets": [_facet(rows, f) for f in body.get("facets") or []],
        "data": _format(page, result_format),
    }
    if pageable and offset + size < len(rows):
        snapshot = snapshot or kept.keep(fingerprint, rows)
        reply["$skipToken"] = _token(snapshot, offset + size)
    return Reply(200, reply, headers)


def _evaluate(state: State, caller: str, query: Query, scopes: list[str]) -> list[dict[str, Any]]:
    state.operations.settle()
    return query.run(_visible(state, caller, graph_rows(state, query.table, scopes)))


def _column_type(values: list[Any]) -> str:
    for value in values:
        if value is None:
            continue
        if isinstance(value, bool):
            return "boolean"
        if isinstance(value, int):
            return "integer"
        if isinstance(value, float):
            return "number"
        if isinstance(value, (dict, list)):
            return "object"
        return "string"
    return "string"


def _format(page: list[dict[str, Any]], result_format: str) -> Any:
    if result_format == "objectArray":
        return page
    names: list[str] = []
    for row in page:
        names.extend(k for k in row if k not in names)
    return {
        "columns": [{"name": n, "type": _column_type([r.get(n) for r in page])} for n in names],
        "rows": [[r.get(n) for n in names] for r in page],
    }


def _facet(rows: list[dict[str, Any]], request: Any) -> dict[str, Any]:
    """A facet over one column (or dotted path) of the result: value counts."""
    expression = request.get("expression") if isinstance(request, dict) else None
    options = (request.get("options") or {}) if isinstance(request, dict) else {}
    if not isinstance(expression, str):
        return _facet_error("", "InvalidFacet", "A facet needs an expression.")
    unsupported = [k for k in options if k in ("sortBy", "filter")]
    if unsupported:
        return _facet_error(
            expression,
            "UnsupportedFacetOption",
            f"The aks-identity emulator does not support facet option(s) {unsupported}.",
        )
    names = expression.split(".")
    if not all(n.isidentifier() for n in names):
        return _facet_error(expression, "NoValidColumns", "No valid columns in facet expression.")
    if rows and not any(names[0] in r for r in rows):
        return {
            "expression": expression,
            "resultType": "FacetError",
            "errors": [
                {"code": "NoValidColumns", "message": "No valid columns in facet expression."},
                {
                    "code": "InvalidColumnNames",
                    "message": f"Invalid column names: [{names[0]}].",
                },
            ],
        }
    column = "_".join(names)
    counts: dict[str, tuple[Any, int]] = {}
    for row in rows:
        value: Any = row.get(names[0])
        for name in names[1:]:
            value = value.get(name) if isinstance(value, dict) else None
        label = json.dumps(value, sort_keys=True)
        counts[label] = (value, counts.get(label, (value, 0))[1] + 1)
    descending = options.get("sortOrder", "desc") != "asc"
    ordered = sorted(counts.values(), key=lambda vc: vc[1], reverse=descending)
    top = options.get("$top")
    shown = ordered[: top if isinstance(top, int) and top > 0 else None]
    return {
        "expression": expression,
        "resultType": "FacetResult",
        "totalRecords": len(ordered),
        "count": len(shown),
        "data": [{column: value, "count": count} for value, count in shown],
    }


def _facet_error(expression: str, code: str, message: str) -> dict[str, Any]:
    return {
        "expression": expression,
        "resultType": "FacetError",
        "errors": [{"code": code, "message": message}],
    }
