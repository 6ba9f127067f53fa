"""Microsoft Graph v1.0 on the emulator's origin: just what ARM tooling reads.

- ``GET /v1.0/servicePrincipals/{id}`` and ``GET /v1.0/servicePrincipals(appId='{appId}')``
- ``GET /v1.0/servicePrincipals?$filter=`` with ``appId eq '...'``, ``displayName eq '...'``,
  ``id eq '...'`` or ``servicePrincipalNames/any(c:c eq '...')`` (the Azure CLI's
  ``--assignee`` lookup), paged with ``@odata.nextLink``
- ``POST /v1.0/directoryObjects/getByIds`` (``ids`` up to 1000, optional ``types``)

Every principal of the emulated directory appears once replicated (the same delay that
governs ARM's PrincipalNotFound). Responses carry ``@odata.context``; errors have Graph's
shape ``{"error": {"code", "message", "innerError": {"date", "request-id",
"client-request-id"}}}``. Any valid Graph token may read: Graph's application permissions
are not emulated.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import uuid
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from ._directory import DirectoryPrincipal
from ._services import ServiceReply, ServiceRequest
from ._tokens import GRAPH_AUDIENCES, TokenRejected

__all__ = ["GET_BY_IDS_LIMIT", "graph_error", "graph_object", "serve_graph"]

GET_BY_IDS_LIMIT = 1000
"""``directoryObjects/getByIds`` takes at most this many IDs per request (Graph's limit)."""

_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_QUOTED = r"'((?:[^']|'')*)'"
_FILTERS = {
    "appId": re.compile(r"\s*appId\s+eq\s+" + _QUOTED + r"\s*", re.IGNORECASE),
    "id": re.compile(r"\s*id\s+eq\s+" + _QUOTED + r"\s*", re.IGNORECASE),
    "displayName": re.compile(r"\s*displayName\s+eq\s+" + _QUOTED + r"\s*", re.IGNORECASE),
    "servicePrincipalNames": re.compile(
        r"\s*servicePrincipalNames/any\(\s*(\w+)\s*:\s*\1\s+eq\s+" + _QUOTED + r"\s*\)\s*",
        re.IGNORECASE,
    ),
}
_TYPES = {"User": "user", "Group": "group", "ServicePrincipal": "servicePrincipal"}


def graph_error(status: int, code: str, message: str) -> ServiceReply:
    """A Microsoft Graph error response."""
    request_id = str(uuid.uuid4())
    body = {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": request_id,
                "client-request-id": request_id,
            },
        }
    }
    return ServiceReply(status, body, error_code=code)


def _service_principal_names(principal: DirectoryPrincipal) -> list[str]:
    names = [principal.client_id]
    if principal.resource_id is not None:
        tag = base64.urlsafe_b64encode(principal.resource_id.lower().encode()).decode()
        names.append(f"https://identity.azure.net/{tag.rstrip('=')}")
    return names


def graph_object(principal: DirectoryPrincipal, tenant_id: str) -> dict[str, Any]:
    """A principal as Graph's ``user``, ``group`` or ``servicePrincipal`` resource."""
    kind = _TYPES.get(principal.principal_type, "servicePrincipal")
    common: dict[str, Any] = {
        "@odata.type": f"#microsoft.graph.{kind}",
        "id": principal.object_id,
        "deletedDateTime": None,
        "displayName": principal.display_name,
    }
    if kind == "user":
        return {**common, "userPrincipalName": f"{principal.display_name}@emulator.local"}
    if kind == "group":
        return {**common, "securityEnabled": True, "mailEnabled": False}
    managed = principal.resource_id is not None
    alternative: list[str] = []
    if managed:
        explicit = "True" if principal.user_assigned else "False"
        alternative = [f"isExplicit={explicit}", str(principal.resource_id)]
    return {
        **common,
        "accountEnabled": True,
        "alternativeNames": alternative,
        "appDisplayName": None if managed else principal.display_name,
        "appId": principal.client_id,
        "appOwnerOrganizationId": None if managed else tenant_id,
        "servicePrincipalNames": _service_principal_names(principal),
        "servicePrincipalType": "ManagedIdentity" if managed else "Application",
        "signInAudience": None if managed else "AzureADMyOrg",
        "tags": [],
    }


def _unquote(value: str) -> str:
    return value.replace("''", "'")


def _matches(principal: DirectoryPrincipal, field: str, value: str) -> bool:
    wanted = value.lower()
    if field == "appId":
        return principal.client_id == wanted
    if field == "id":
        return principal.object_id == wanted
    if field == "displayName":
        return principal.display_name.lower() == wanted
    return wanted in (n.lower() for n in _service_principal_names(principal))


def _select(principals: Iterable[DirectoryPrincipal], odata_filter: str | None) -> Any:
    """Principals matching ``$filter``, or a Graph error reply for a filter it can't run."""
    service_principals = [p for p in principals if p.principal_type == "ServicePrincipal"]
    if odata_filter is None:
        return service_principals
    for field, pattern in _FILTERS.items():
        found = pattern.fullmatch(odata_filter)
        if found is not None:
            value = _unquote(found.groups()[-1])
            return [p for p in service_principals if _matches(p, field, value)]
    return graph_error(
        400,
        "Request_UnsupportedQuery",
        f"Unsupported or invalid query filter clause specified for property of resource "
        f"'ServicePrincipal': {odata_filter!r}. The emulator supports appId eq, id eq, "
        "displayName eq and servicePrincipalNames/any(c:c eq ...).",
    )


class _Graph:
    def __init__(self, request: ServiceRequest) -> None:
        self.request = request
        self.state = request.state
        self.root = f"{request.base_url}/v1.0"

    def context(self, fragment: str) -> str:
        return f"{self.root}/$metadata#{fragment}"

    def visible(self) -> list[DirectoryPrincipal]:
        return self.state.directory.replicated()

    def find(self, object_id: str) -> DirectoryPrincipal | None:
        principal = self.state.directory.get(object_id)
        if principal is None or not self.state.directory.is_replicated(object_id):
            return None
        return principal

    def not_found(self, object_id: str) -> ServiceReply:
        return graph_error(
            404,
            "Request_ResourceNotFound",
            f"Resource '{object_id}' does not exist or one of its queried reference-property "
            "objects are not present.",
        )

    def entity(self, principal: DirectoryPrincipal) -> ServiceReply:
        body = graph_object(principal, self.state.tenant_id)
        body.pop("@odata.type")
        return ServiceReply(
            200, {"@odata.context": self.context("servicePrincipals/$entity"), **body}
        )

    def service_principal(self, object_id: str) -> ServiceReply:
        if _GUID.fullmatch(object_id) is None:
            return graph_error(
                400, "Request_BadRequest", f"Invalid object identifier '{object_id}'."
            )
        principal = self.find(object_id)
        if principal is None or principal.principal_type != "ServicePrincipal":
            return self.not_found(object_id)
        return self.entity(principal)

    def by_app_id(self, app_id: str) -> ServiceReply:
        found = [p for p in self.visible() if p.principal_type == "ServicePrincipal"]
        match = next((p for p in found if p.client_id == app_id.lower()), None)
        if match is None:
            return self.not_found(app_id)
        return self.entity(match)

    def list_service_principals(self) -> ServiceReply:
        selected = _select(self.visible(), self.request.query.get("$filter"))
        if isinstance(selected, ServiceReply):
            return selected
        size = max(1, self.state.config.page_size)
        token = self.request.query.get("$skiptoken", "0")
        start = int(token) if token.isdigit() else 0
        items = [graph_object(p, self.state.tenant_id) for p in selected[start : start + size]]
        for item in items:  # only this page's principals are shaped
            item.pop("@odata.type")
        body: dict[str, Any] = {
            "@odata.context": self.context("servicePrincipals"),
            "value": items,
        }
        if start + size < len(selected):
            query = {k: v for k, v in self.request.query.items() if k != "$skiptoken"}
            query["$skiptoken"] = str(start + size)
            encoded = "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in query.items())
            body["@odata.nextLink"] = f"{self.root}/servicePrincipals?{encoded}"
        return ServiceReply(200, body)

    def get_by_ids(self) -> ServiceReply:
        try:
            payload = json.loads(self.request.data or b"null")
        except ValueError:
            payload = None
        ids = payload.get("ids") if isinstance(payload, dict) else None
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            return graph_error(
                400,
                "Request_BadRequest",
                "The request body must be a JSON object with 'ids', a list of object IDs.",
            )
        if len(ids) > GET_BY_IDS_LIMIT:
            return graph_error(
                400,
                "Request_BadRequest",
                f"Too many ids: {len(ids)}. At most {GET_BY_IDS_LIMIT} may be requested at once.",
            )
        types = payload.get("types") if isinstance(payload, dict) else None
        wanted = {str(t).lower() for t in types} if isinstance(types, list) and types else None
        value = []
        for object_id in ids:
            principal = self.find(object_id) if _GUID.fullmatch(object_id) else None
            if principal is None:
                continue
            item = graph_object(principal, self.state.tenant_id)
            kind = item["@odata.type"].rsplit(".", 1)[-1].lower()
            if wanted is None or kind in wanted or "directoryobject" in wanted:
                value.append(item)
        return ServiceReply(
            200, {"@odata.context": self.context("directoryObjects"), "value": value}
        )


_APP_ID_KEY = re.compile(r"/v1\.0/servicePrincipals\(appId='((?:[^']|'')*)'\)", re.IGNORECASE)
_BY_ID = re.compile(r"/v1\.0/servicePrincipals/([^/]+)", re.IGNORECASE)


def _authenticate(request: ServiceRequest) -> str | ServiceReply:
    scheme, _, token = request.authorization.partition(" ")
    if not request.authorization or scheme.lower() != "bearer" or not token.strip():
        return graph_error(401, "InvalidAuthenticationToken", "Access token is empty.")
    audiences = GRAPH_AUDIENCES | {f"{request.base_url}/"}
    try:
        claims = request.state.tokens.verify(token.strip(), audiences=audiences)
    except TokenRejected as rejected:
        messages = {
            "ExpiredAuthenticationToken": "Lifetime validation failed, the token is expired.",
            "InvalidAuthenticationTokenTenant": "Access token validation failure. Invalid issuer.",
        }
        message = messages.get(rejected.code)
        if message is None:
            wrong_audience = "audience" in rejected.message
            message = "Access token validation failure." + (
                " Invalid audience." if wrong_audience else ""
            )
        return graph_error(401, "InvalidAuthenticationToken", message)
    return str(claims["oid"])


def serve_graph(request: ServiceRequest) -> ServiceReply:
    """Route one Graph request."""
    caller = _authenticate(request)
    if isinstance(caller, ServiceReply):
        return caller
    if caller.lower() in request.state.directory.read_denied:
        # Graph's answer to an app without Application.Read.All / Directory.Read.All
        denied = graph_error(
            403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
        )
        denied.caller = caller
        return denied
    graph = _Graph(request)
    path, method = request.path, request.method
    reply: ServiceReply | None = None
    if method == "POST" and path.lower() == "/v1.0/directoryobjects/getbyids":
        reply = graph.get_by_ids()
    elif method == "GET" and path.lower() == "/v1.0/serviceprincipals":
        reply = graph.list_service_principals()
    elif method == "GET" and (found := _APP_ID_KEY.fullmatch(path)) is not None:
        reply = graph.by_app_id(_unquote(found.group(1)))
    elif method == "GET" and (found := _BY_ID.fullmatch(path)) is not None:
        reply = graph.service_principal(found.group(1))
    if reply is None:
        segment = path.split("/")[2] if path.count("/") >= 2 else path
        reply = graph_error(
            400,
            "BadRequest",
            f"Resource not found for the segment '{segment}'.",
        )
    reply.caller = caller
    return reply
