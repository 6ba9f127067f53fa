"""The HTTP layer: a WSGI app that authenticates, injects faults, checks RBAC, routes, logs.

Every request runs under the state lock, so handlers see a consistent state. Tokens are looked
up, never logged.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import re
import socket
import uuid
from collections.abc import Iterable
from typing import Any

from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from ._actions import required_action
from ._api_versions import check_api_version
from ._bodies import MAX_BODY_BYTES, invalid_content, json_body, oversized, read_chunked, too_large
from ._errors import ArmError
from ._faults import Fault
from ._log import RequestRecord, recorded_headers
from ._routes import Context, Reply, match
from ._services import ServiceReply, ServiceRequest, service_for
from ._state import State
from ._throttle import Throttle
from ._tokens import ARM_AUDIENCES, TokenRejected

__all__ = ["ROUTE_MODULES", "App"]

_log = logging.getLogger("aks_identity.emulator")

ROUTE_MODULES = (
    "_subscriptions",
    "_locations",
    "_msi",
    "_authorization",
    "_providers",
    "_polling",
    "_aks",
    "_aks_credentials",
    "_resource_graph",
)

_EMPTY_SEGMENTS = re.compile(r"/{2,}")
_INTERNAL = ArmError(500, "InternalServerError", "Emulator error.")
"""What a bug in the emulator answers (and logs), never a traceback."""

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
        try:
            chunked_too_large = read_chunked(environ)
        except (OSError, ValueError) as error:  # a broken chunked encoding or a gone client
            raise ConnectionResetError(f"unreadable chunked body: {error}") from None
        request = Request(environ)
        request.max_content_length = MAX_BODY_BYTES
        refused = too_large() if chunked_too_large else oversized(request)
        if refused is None:
            try:
                request.get_data()  # drain the body whatever happens: the connection is kept alive
            except RequestEntityTooLarge:
                refused = too_large()
            except ClientDisconnected:  # the client went away before sending all of its body
                raise ConnectionResetError("client disconnected mid-request") from None
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
        service = service_for(request.path)
        if service is not None:  # Entra ID, Graph, metadata: before ARM's auth and api-version
            return self._serve(request, service)
        limits: dict[str, str] = {}
        with state.lock:
            try:
                state.operations.settle()
                caller = self._authenticate(request)
                fault = state.faults.take(request.method, request.path)
                limits = self._limits(request)
                reply = self._handle(request, caller, fault)
                reply.headers.update(limits)
            except ArmError as error:
                # ARM reports what is left on every response it metered, refusals included
                reply = Reply(error.status, error.body(), {**limits, **error.headers})
                code = error.code
            except _Dropped:
                self._log(request, None, caller, fault)
                raise
            except (TypeError, AttributeError, KeyError, ValueError, RecursionError) as exc:
                if not request.get_data():
                    _log.exception("emulator error on %s %s", request.method, request.path)
                    reply, code = Reply(500, _INTERNAL.body()), _INTERNAL.code
                else:  # the body had the wrong shape somewhere below the top level
                    invalid = invalid_content(f"{type(exc).__name__}: {exc}")
                    reply, code = Reply(invalid.status, invalid.body()), invalid.code
            except Exception:
                _log.exception("emulator error on %s %s", request.method, request.path)
                reply, code = Reply(500, _INTERNAL.body()), _INTERNAL.code
            finally:
                state.operations.doom_next = False
            self._log(request, reply.status, caller, fault, code)
        return _response(reply, request.method)

    def _serve(self, request: Request, service: Any) -> Response:
        """Answer an Entra ID, Graph or metadata request (see ``_services``)."""
        with self.state.lock:
            try:
                served = service(
                    ServiceRequest(
                        state=self.state,
                        method=request.method,
                        path=request.path,
                        query=dict(request.args.items()),
                        form=dict(request.form.items()),
                        data=request.get_data(),
                        authorization=request.headers.get("Authorization", ""),
                        base_url=self.base_url,
                    )
                )
            except Exception:
                _log.exception("emulator error on %s %s", request.method, request.path)
                served = ServiceReply(500, _INTERNAL.body(), error_code=_INTERNAL.code)
            self._log(request, served.status, served.caller, None, served.error_code)
        return _response(Reply(served.status, served.body, served.headers), request.method)

    def _limits(self, request: Request) -> dict[str, str]:
        """ARM's per-subscription request limits (``Emulator(throttling=True)``)."""
        if not self.state.config.throttling:
            return {}
        throttle: Throttle = self.state.extensions.setdefault("throttle", Throttle())
        return throttle.take(request.method, request.path, self.state.clock.now())

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
        try:
            if scheme != "Bearer":
                raise TokenRejected(
                    "InvalidAuthenticationToken",
                    "The access token is invalid.",
                    "The access token is invalid.",
                )
            claims = self.state.tokens.verify(token.strip(), audiences=ARM_AUDIENCES)
        except TokenRejected as rejected:
            raise ArmError(
                401,
                rejected.code,
                rejected.message,
                headers=_challenge(rejected.challenge, rejected.authority),
            ) from None
        return str(claims["oid"])

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
        check_api_version(request.path, api_version, lambda: self._location(segments))
        needed = required_action(request.method, request.path)
        if needed is not None and not self._reads_own_subscription(request, caller, needed):
            self.state.rbac.require(caller, *needed)
        if fault is not None and fault.status == "lro_failed":
            self.state.operations.doom_next = True
        ctx = Context(
            state=self.state,
            method=request.method,
            path=request.path,
            query=dict(request.args.items()),
            api_version=api_version,
            body=json_body(request),
            caller=caller,
            base_url=self.base_url,
            headers={k.lower(): v for k, v in request.headers.items()},
        )
        return handler(ctx, **groups)

    def _reads_own_subscription(
        self, request: Request, caller: str, needed: tuple[str, str]
    ) -> bool:
        """ARM lets a caller read a subscription it holds any role in, even only on one of its
        resource groups (such a caller lists it too): no subscription-wide Reader needed."""
        action, scope = needed
        return (
            request.method == "GET"
            and action.lower() == "microsoft.resources/subscriptions/read"
            and scope.rstrip("/").lower() == request.path.rstrip("/").lower()
            and self.state.rbac.holds_any_within(caller, scope)
        )

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
                headers=recorded_headers(request.headers.items()),
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


def _challenge(description: str, tenant: str = "") -> dict[str, str]:
    return {
        "WWW-Authenticate": f'Bearer authorization_uri="https://login.windows.net/{tenant}", '
        f'error="invalid_token", error_description="{description}"'
    }


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _drop(environ: dict[str, Any]) -> None:
    sock = environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
