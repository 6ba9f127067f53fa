"""The HTTP layer: a WSGI app that authenticates, injects faults, checks RBAC, routes, logs.

Every request runs under the state lock, so handlers see a consistent state. Tokens are looked
up, never logged.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import logging
import re
import socket
import uuid
from collections.abc import Iterable
from typing import Any

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from ._actions import required_action
from ._api_versions import check_api_version
from ._errors import ArmError
from ._faults import Fault
from ._log import RequestRecord
from ._routes import Context, Reply, match
from ._state import State

__all__ = ["ROUTE_MODULES", "App"]

_log = logging.getLogger("aks_identity.emulator")

ROUTE_MODULES = (
    "_subscriptions",
    "_msi",
    "_authorization",
    "_providers",
    "_polling",
    "_aks",
)

MAX_BODY_BYTES = 4 * 1024 * 1024
"""ARM refuses bodies over 4 MB: 413 RequestContentTooLarge, "The request content size
exceeds the maximum size of 4 MB." (as quoted in Azure/Azure-Landing-Zones#2644)."""
MAX_URL_CHARS = 16 * 1024
"""Longest path and query answered; longer gets 414 (HTTP.sys's default MaxFieldLength)."""
MAX_JSON_DEPTH = 64
"""Deepest JSON accepted (Json.NET's default MaxDepth, which ARM's front end uses)."""

_EMPTY_SEGMENTS = re.compile(r"/{2,}")

_FAULT_CODES = {
    429: "TooManyRequests",
    500: "InternalServerError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}


def load_routes() -> None:
    """Import every route module (each registers its routes at import)."""
    for name in ROUTE_MODULES:
        try:
            importlib.import_module(f"{__package__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__package__}.{name}":
                raise


class _Dropped(Exception):
    """The connection was closed on purpose (fault injection)."""


class App:
    """The WSGI application serving one :class:`State`."""

    def __init__(self, state: State, base_url: str = "") -> None:
        load_routes()
        self.state = state
        self.base_url = base_url

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        # ARM reads empty segments as absent: the SDKs send ``{namespace}//{type}`` when a
        # resource has no parent path (Resources_Get, Permissions_ListForResource).
        environ["PATH_INFO"] = _EMPTY_SEGMENTS.sub("/", str(environ.get("PATH_INFO") or ""))
        chunked_too_large = _read_chunked(environ)
        request = Request(environ)
        request.max_content_length = MAX_BODY_BYTES
        refused = _too_large() if chunked_too_large else _oversized(request)
        if refused is None:
            try:
                request.get_data()  # drain the body whatever happens: the connection is kept alive
            except RequestEntityTooLarge:
                refused = _too_large()
        if refused is not None:  # the rest of the body is not read: close the connection
            with self.state.lock:
                self._log(request, refused.status, None, None, refused.code)
            reply = Reply(refused.status, refused.body(), {"Connection": "close"})
            return _response(reply, request.method)(environ, start_response)
        try:
            response = self._respond(request)
        except _Dropped:
            _drop(environ)
            raise ConnectionResetError("connection dropped (fault injected)") from None
        return response(environ, start_response)

    def _respond(self, request: Request) -> Response:
        state = self.state
        caller: str | None = None
        fault: Fault | None = None
        code: str | None = None
        with state.lock:
            try:
                state.operations.settle()
                caller = self._authenticate(request)
                fault = state.faults.take(request.method, request.path)
                reply = self._handle(request, caller, fault)
            except ArmError as error:
                reply = Reply(error.status, error.body(), error.headers)
                code = error.code
            except _Dropped:
                self._log(request, None, caller, fault)
                raise
            except (TypeError, AttributeError, KeyError, ValueError, RecursionError) as exc:
                if not request.get_data():
                    _log.exception("emulator error on %s %s", request.method, request.path)
                    code = "InternalServerError"
                    reply = Reply(500, {"error": {"code": code, "message": "Emulator error."}})
                else:  # the body had the wrong shape somewhere below the top level
                    invalid = _invalid_content(f"{type(exc).__name__}: {exc}")
                    reply, code = Reply(invalid.status, invalid.body()), invalid.code
            except Exception:
                _log.exception("emulator error on %s %s", request.method, request.path)
                code = "InternalServerError"
                reply = Reply(500, {"error": {"code": code, "message": "Emulator error."}})
            finally:
                state.operations.doom_next = False
            self._log(request, reply.status, caller, fault, code)
        return _response(reply, request.method)

    def _authenticate(self, request: Request) -> str:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if not header:
            raise ArmError(
                401,
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is missing.",
                headers=_challenge(
                    "The authentication failed because of missing 'Authorization' header."
                ),
            )
        principal = self.state.tokens.principal(token.strip()) if scheme == "Bearer" else None
        if principal is None:
            raise ArmError(
                401,
                "InvalidAuthenticationToken",
                "The access token is invalid.",
                headers=_challenge("The access token is invalid."),
            )
        return principal

    def _handle(self, request: Request, caller: str, fault: Fault | None) -> Reply:
        if fault is not None:
            _raise_fault(fault)
        api_version = request.args.get("api-version")
        if not api_version:
            raise ArmError(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            )
        handler, groups = match(request.method, request.path)
        segments = request.path.split("/")
        if len(segments) > 2 and segments[1].lower() == "subscriptions":
            self.state.resources.require_subscription(segments[2])
        check_api_version(request.path, api_version, self._location(segments))
        needed = required_action(request.method, request.path)
        if needed is not None:
            self.state.rbac.require(caller, *needed)
        if fault is not None and fault.status == "lro_failed":
            self.state.operations.doom_next = True
        ctx = Context(
            state=self.state,
            method=request.method,
            path=request.path,
            query=dict(request.args.items()),
            api_version=api_version,
            body=_json_body(request),
            caller=caller,
            base_url=self.base_url,
        )
        return handler(ctx, **groups)

    def _location(self, segments: list[str]) -> str | None:
        """The location of the request's resource group, for ARM's api-version refusal."""
        if len(segments) > 4 and segments[3].lower() == "resourcegroups":
            group = self.state.resources.get(
                f"/subscriptions/{segments[2]}/resourceGroups/{segments[4]}"
            )
            if group is not None:
                return str(group.get("location") or "") or None
        return None

    def _log(
        self,
        request: Request,
        status: int | None,
        caller: str | None,
        fault: Fault | None,
        error_code: str | None = None,
    ) -> None:
        self.state.requests.append(
            RequestRecord(
                method=request.method,
                path=request.path,
                api_version=request.args.get("api-version"),
                status=status,
                time=self.state.clock.now(),
                caller=caller,
                fault=fault.label if fault is not None else None,
                error_code=error_code,
            )
        )


def _raise_fault(fault: Fault) -> None:
    """Answer as the fault says: drop the connection or an error status."""
    if fault.status == "drop":
        raise _Dropped
    if isinstance(fault.status, int):
        headers = {}
        if fault.retry_after is not None or fault.status == 429:
            headers["Retry-After"] = _seconds(fault.retry_after or 0)
        code = _FAULT_CODES.get(fault.status, "InternalServerError")
        message = f"{code} (fault injected by the emulator)."
        raise ArmError(fault.status, code, message, headers=headers)


def _json_body(request: Request) -> Any:
    """The JSON body: a JSON object for writes; 400 InvalidRequestContent otherwise."""
    raw = request.get_data()
    if not raw:
        return None
    try:
        body = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise _invalid_content(str(error)) from None
    if _depth(body) > MAX_JSON_DEPTH:
        raise _invalid_content(f"The reader's MaxDepth of {MAX_JSON_DEPTH} has been exceeded.")
    if request.method in {"PUT", "PATCH"} and not isinstance(body, dict):
        raise _invalid_content(f"expected a JSON object, got a JSON {_json_type(body)}.")
    return body


def _invalid_content(detail: str) -> ArmError:
    """400 InvalidRequestContent, as ARM words a body it cannot deserialize."""
    return ArmError(
        400,
        "InvalidRequestContent",
        f"The request content was invalid and could not be deserialized: '{detail}'",
    )


def _depth(value: Any) -> int:
    """How deeply arrays and objects nest in ``value`` (iterative: no recursion limit)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


def _json_type(value: Any) -> str:
    names = {list: "array", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _oversized(request: Request) -> ArmError | None:
    """413 for a body over ARM's limit, 414 for a very long URL (before reading the body)."""
    raw_uri = str(request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or "")
    if len(raw_uri or request.full_path) > MAX_URL_CHARS:
        return ArmError(
            414,
            "RequestUriTooLong",
            f"The request URL is longer than the maximum of {MAX_URL_CHARS} characters.",
        )
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return _too_large()
    return None


def _read_chunked(environ: dict[str, Any]) -> bool:
    """Read a chunked body (no Content-Length) up to the limit; True when it is longer.

    The body read is put back as a plain stream with its length, as if it had been sent with
    ``Content-Length``.
    """
    if environ.get("CONTENT_LENGTH") or not environ.get("wsgi.input_terminated"):
        return False
    data = environ["wsgi.input"].read(MAX_BODY_BYTES + 1)
    if len(data) > MAX_BODY_BYTES:
        return True
    environ["wsgi.input"] = io.BytesIO(data)
    environ["CONTENT_LENGTH"] = str(len(data))
    return False


def _too_large() -> ArmError:
    return ArmError(
        413,
        "RequestContentTooLarge",
        "The request content size exceeds the maximum size of 4 MB.",
    )


def _response(reply: Reply, method: str) -> Response:
    request_id = str(uuid.uuid4())
    headers = {
        "Cache-Control": "no-cache",
        "Pragma": "no-cache",
        "Expires": "-1",
        "x-ms-request-id": request_id,
        "x-ms-correlation-request-id": request_id,
        "x-content-type-options": "nosniff",
        **reply.headers,
    }
    if reply.body is None or method == "HEAD":
        return Response(b"", status=reply.status, headers=headers)
    return Response(
        json.dumps(reply.body),
        status=reply.status,
        headers=headers,
        content_type="application/json; charset=utf-8",
    )


def _challenge(description: str) -> dict[str, str]:
    return {
        "WWW-Authenticate": 'Bearer authorization_uri="https://login.windows.net/", '
        f'error="invalid_token", error_description="{description}"'
    }


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _drop(environ: dict[str, Any]) -> None:
    sock = environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
