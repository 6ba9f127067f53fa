"""The route table: URL patterns to handlers, the request context and the reply.

A route module decorates handlers with :func:`route`; a handler takes the :class:`Context` and
the pattern's named groups and returns a :class:`Reply` (or raises ``ArmError``). Patterns are
regular expressions matched case-insensitively against the whole URL path. Higher ``priority``
wins; generic catch-all routes register with a negative priority.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from ._errors import ArmError

if TYPE_CHECKING:
    from ._state import State

__all__ = ["Context", "Handler", "Reply", "Route", "match", "route"]


@dataclass
class Reply:
    """What a handler answers: status, JSON body (or None) and headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Context:
    """One request, as handlers see it."""

    state: State
    method: str
    path: str
    query: dict[str, str]
    api_version: str
    body: Any
    caller: str
    base_url: str

    def page(self, items: list[dict[str, Any]]) -> dict[str, Any]:
        """One page of a list: ``{"value": [...], "nextLink": ...}`` using ``$skipToken``."""
        size = max(1, self.state.config.page_size)
        token = self.query.get("$skipToken") or self.query.get("$skiptoken") or "0"
        start = int(token) if token.isdigit() else 0
        page: dict[str, Any] = {"value": items[start : start + size]}
        if start + size < len(items):
            query = {k: v for k, v in self.query.items() if k.lower() != "$skiptoken"}
            query["$skipToken"] = str(start + size)
            page["nextLink"] = (
                f"{self.base_url}{self.path}?{urlencode(query, safe=_SAFE, quote_via=quote)}"
            )
        return page


_SAFE = "$'()"

Handler = Callable[..., Reply]


@dataclass(frozen=True)
class Route:
    """A handler for a method and path pattern."""

    method: str
    pattern: re.Pattern[str]
    handler: Handler
    priority: int = 0


_ROUTES: list[Route] = []


def route(method: str, pattern: str, *, priority: int = 0) -> Callable[[Handler], Handler]:
    """Register ``handler(ctx, **groups) -> Reply`` for ``method`` and the path regex."""

    def register(handler: Handler) -> Handler:
        compiled = re.compile(pattern, re.IGNORECASE)
        _ROUTES.append(Route(method.upper(), compiled, handler, priority))
        _ROUTES.sort(key=lambda r: -r.priority)
        return handler

    return register


def match(method: str, path: str) -> tuple[Handler, dict[str, str]]:
    """The handler for a request and its path groups; 404 (or 405) ArmError when none."""
    allowed = False
    for candidate in _ROUTES:
        found = candidate.pattern.fullmatch(path)
        if found is None:
            continue
        if candidate.method == method.upper():
            return candidate.handler, found.groupdict()
        allowed = True
    if allowed:
        raise ArmError(
            405,
            "MethodNotAllowed",
            f"The requested resource does not support http method '{method.upper()}'.",
        )
    raise ArmError(
        404,
        "InvalidResourceType",
        f"The resource type could not be found for the request path '{path}'.",
    )
