"""Pacing: stay inside ARM's request limits instead of running into 429s.

ARM meters each subscription with token buckets (documented defaults per region: 250 reads
refilled at 25 a second, 200 writes at 10 a second) and reports what is left on every
response: ``x-ms-ratelimit-remaining-subscription-reads`` / ``-writes``. Resource Graph
reports its per-user quota: ``x-ms-user-quota-remaining`` and ``x-ms-user-quota-resets-after``
(``hh:mm:ss``). A :class:`Pacer` mirrors those buckets from the headers and, when few requests
are left, waits (through the RetryPolicy's sleep) until the bucket has refilled enough, before
sending. It is shared per ARM endpoint by every client in the process, so a fleet's many clients
of one subscription pace together. A 429 that still happens is azure-core's to retry
(``Retry-After``, see ``_pipeline``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping

import attrs

__all__ = ["LOW_WATER", "RATES", "Pacer", "pacer_for"]

RATES = {"reads": 25.0, "writes": 10.0}
"""ARM's documented refill rate per subscription, requests per second."""
BURSTS = {"reads": 250.0, "writes": 200.0}
LOW_WATER = 20.0
"""Requests kept in hand per bucket: below this, wait for the bucket to refill."""
_SUBSCRIPTION = re.compile(r"/subscriptions/([0-9a-f-]{36})", re.IGNORECASE)
_GRAPH = "resourcegraph"


@attrs.define
class _Bucket:
    remaining: float
    at: float
    rate: float
    burst: float

    def level(self, now: float) -> float:
        return min(self.burst, self.remaining + max(0.0, now - self.at) * self.rate)


def _hms(value: str) -> float | None:
    parts = value.strip().split(":")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        return None
    seconds = 0.0
    for number in numbers:
        seconds = seconds * 60 + number
    return seconds


Key = tuple[str, str]
"""What a request is metered on: ``(subscription, "reads" | "writes")``, or Resource Graph's
user quota ``(_GRAPH, "queries")``."""


class Pacer:
    """Mirrors ARM's per-subscription buckets (and Resource Graph's quota) from headers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[Key, _Bucket] = {}
        self._graph_ready_at = 0.0

    @staticmethod
    def key(method: str, url: str) -> Key | None:
        """The bucket a request is metered on; None for requests ARM does not meter here."""
        if "/providers/microsoft.resourcegraph/" in url.lower():
            return (_GRAPH, "queries")
        found = _SUBSCRIPTION.search(url)
        if found is None:
            return None
        kind = "reads" if method.upper() in ("GET", "HEAD") else "writes"
        return (found.group(1).lower(), kind)

    def delay(self, method: str, url: str, now: float) -> float:
        """Seconds to wait before sending; the request is counted as sent."""
        key = self.key(method, url)
        return 0.0 if key is None else self.delay_for(key, now)

    def delay_for(self, key: Key, now: float) -> float:
        """:meth:`delay` for a request whose :meth:`key` is known."""
        with self._lock:
            if key[0] == _GRAPH:
                return max(0.0, self._graph_ready_at - now)
            bucket = self._buckets.get(key)
            if bucket is None:
                return 0.0
            level = bucket.level(now)
            wait = 0.0 if level >= LOW_WATER else (LOW_WATER - level) / bucket.rate
            # spend one request at the moment it will be sent
            bucket.remaining = bucket.level(now + wait) - 1
            bucket.at = now + wait
            return wait

    def observe(self, method: str, url: str, headers: Mapping[str, str], now: float) -> None:
        """Read the remaining-request headers of a response."""
        key = self.key(method, url)
        if key is not None:
            self.observe_for(key, headers, now)

    def observe_for(self, key: Key, headers: Mapping[str, str], now: float) -> None:
        """:meth:`observe` for a request whose :meth:`key` is known."""
        # azure-core's response headers look names up case-insensitively; a plain dict
        # (tests) is lowered once
        lowered = (
            {k.lower(): v for k, v in headers.items()} if isinstance(headers, dict) else headers
        )
        with self._lock:
            if key[0] == _GRAPH:
                quota = lowered.get("x-ms-user-quota-remaining")
                resets = lowered.get("x-ms-user-quota-resets-after")
                after = _hms(resets) if resets else None
                if quota is not None and quota.strip() == "0" and after is not None:
                    self._graph_ready_at = now + after
                return
            subscription, _ = key
            for kind in ("reads", "writes"):
                value = lowered.get(f"x-ms-ratelimit-remaining-subscription-{kind}")
                if value is None:
                    continue
                try:
                    left = float(value)
                except ValueError:
                    continue
                self._buckets[(subscription, kind)] = _Bucket(
                    remaining=left, at=now, rate=RATES[kind], burst=BURSTS[kind]
                )


_PACERS: dict[str, Pacer] = {}
_PACERS_LOCK = threading.Lock()


def pacer_for(resource_manager: str) -> Pacer:
    """The process-wide pacer of one ARM endpoint (one per emulator, one for Azure)."""
    with _PACERS_LOCK:
        return _PACERS.setdefault(resource_manager.rstrip("/").lower(), Pacer())
