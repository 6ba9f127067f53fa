"""The emulator's non-ARM services on the same origin: Entra ID, Microsoft Graph, metadata.

They answer before ARM's authentication and ``api-version`` checks, in their own shapes
(OAuth errors, Graph errors). The HTTP layer asks :func:`service_for` which one (if any)
owns a path and logs what it answers like any ARM request.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._state import State

__all__ = ["ServiceReply", "ServiceRequest", "service_for"]


@dataclass
class ServiceRequest:
    """One request to a non-ARM service."""

    state: State
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    data: bytes
    authorization: str
    base_url: str


@dataclass
class ServiceReply:
    """The answer: status, JSON body, headers, and what the request log records."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    caller: str | None = None
    error_code: str | None = None


Service = Callable[[ServiceRequest], ServiceReply]

_ENTRA = re.compile(
    r"/[^/]+/(?:oauth2/v2\.0/token|v2\.0/\.well-known/openid-configuration|discovery/v2\.0/keys)",
    re.IGNORECASE,
)


def service_for(path: str) -> Service | None:
    """The service answering ``path``, or None for ARM."""
    if path.lower() == "/metadata/endpoints":
        from ._metadata import serve_metadata

        return serve_metadata
    if path.lower().startswith("/v1.0/") or path.lower() == "/v1.0":
        from ._graph import serve_graph

        return serve_graph
    if _ENTRA.fullmatch(path):
        from ._entra import serve_entra

        return serve_entra
    return None
