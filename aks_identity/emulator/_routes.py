"""The route table: URL patterns to handlers, the request context and the reply.

A route module decorates handlers with :func:`route`; a handler takes the :class:`Context` and
the pattern's named groups and returns a :class:`Reply` (or raises ``ArmError``). Patterns are
regular expressions matched case-insensitively against the whole URL path. Higher ``priority``
wins; generic catch-all routes register with a negative priority.
"""

from __future__ import annotations

import re
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from ._errors import ArmError

if TYPE_CHECKING:
    from ._state import State

__all__ = ["Context", "Handler", "Reply", "Route", "Snapshots", "match", "route"]

Items = list[dict[str, Any]]


class Snapshots:
    """Listings kept for the tokens of their later pages (the newest few).

    A list is built once, on its first page; later pages slice the kept copy, so reading every
    page of N items costs O(N), not O(N) per page.
    """

    def __init__(self, keep: int = 32) -> None:
        self._keep = keep
        self._items: OrderedDict[str, tuple[str, Items]] = OrderedDict()

    def keep(self, fingerprint: str, items: Items) -> str:
        """Keep ``items`` for the request ``fingerprint`` names; the snapshot's key."""
        key = uuid.uuid4().hex
        self._items[key] = (fingerprint, items)
        while len(self._items) > self._keep:
            self._items.popitem(last=False)
        return key

    def get(self, key: str, fingerprint: str) -> Items | None:
        """The kept items, or None when forgotten; ArmError when kept for another request."""
        found = self._items.get(key)
        if found is None:
            return None
        if found[0] != fingerprint:
            raise ArmError(
                400,
                "InvalidSkipToken",
                "The $skipToken belongs to another request: send it with the same request that "
                "returned it.",
            )
        return found[1]


def snapshots(state: State) -> Snapshots:
    """The state's kept listings (forgotten on reset)."""
    kept: Snapshots = state.extensions.setdefault("listings", Snapshots())
    return kept


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
    headers: dict[str, str] = field(default_factory=dict)
    """The request's headers, names in lower case (``if-match``, ``if-none-match``)."""

    def page(self, items: Items | Callable[[], Items]) -> dict[str, Any]:
        """One page of a list: ``{"value": [...], "nextLink": ...}`` using ``$skipToken``.

        Pass a callable to build the list only for the first page: later pages read the copy
        kept for their token (``<snapshot>-<offset>``).
        """
        size = max(1, self.state.config.page_size)
        token = self.query.get("$skipToken") or self.query.get("$skiptoken") or "0"
        key, _, offset = token.rpartition("-")
        start = int(offset) if offset.isdigit() else 0
        query = {k: v for k, v in self.query.items() if k.lower() != "$skiptoken"}
        fingerprint = f"{self.path.lower()}?{sorted(query.items())}"
        kept = snapshots(self.state)
        listing = kept.get(key, fingerprint) if key else None
        if listing is None:
            listing = items() if callable(items) else items
            key = ""
        page: dict[str, Any] = {"value": listing[start : start + size]}
        if start + size < len(listing):
            key = key or kept.keep(fingerprint, listing)
            query["$skipToken"] = f"{key}-{start + size}"
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
