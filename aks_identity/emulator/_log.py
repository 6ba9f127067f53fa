"""The request log: one entry per request served (never the token)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import overload

__all__ = ["RequestLog", "RequestRecord", "recorded_headers"]

_NEVER_RECORDED = frozenset({"authorization", "cookie", "proxy-authorization"})
"""Headers that carry secrets: the log never holds them."""


def recorded_headers(headers: Iterable[tuple[str, str]]) -> Mapping[str, str]:
    """The request headers worth keeping (lower-cased names), without any credential."""
    return MappingProxyType(
        {name.lower(): value for name, value in headers if name.lower() not in _NEVER_RECORDED}
    )


@dataclass(frozen=True)
class RequestRecord:
    """A request the emulator answered."""

    method: str
    path: str
    api_version: str | None
    status: int | None
    time: float
    caller: str | None = None
    fault: str | None = None
    error_code: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    """Request headers, names lower-cased; never ``Authorization`` or cookies."""

    @property
    def user_agent(self) -> str | None:
        """The request's User-Agent."""
        return self.headers.get("user-agent")

    def __repr__(self) -> str:
        extra = f" {self.error_code}" if self.error_code else ""
        extra += f" fault={self.fault}" if self.fault else ""
        return f"<{self.method} {self.path} -> {self.status}{extra}>"


class RequestLog(Sequence[RequestRecord]):
    """Every request, oldest first (thread-safe append)."""

    def __init__(self) -> None:
        self._records: list[RequestRecord] = []
        self._lock = threading.Lock()

    def append(self, record: RequestRecord) -> None:
        """Record a request."""
        with self._lock:
            self._records.append(record)

    @overload
    def __getitem__(self, index: int) -> RequestRecord: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[RequestRecord]: ...
    def __getitem__(self, index: int | slice) -> RequestRecord | Sequence[RequestRecord]:
        with self._lock:
            return self._records[index]

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[RequestRecord]:
        with self._lock:
            return iter(list(self._records))

    def matching(self, method: str | None = None, path: str | None = None) -> list[RequestRecord]:
        """Records with this method and whose path contains ``path`` (case-insensitive)."""
        return [
            r
            for r in self
            if (method is None or r.method == method.upper())
            and (path is None or path.lower() in r.path.lower())
        ]

    def clear(self) -> None:
        """Forget every record."""
        with self._lock:
            self._records.clear()

    def __repr__(self) -> str:
        return f"RequestLog({len(self)} requests)"
