"""The HTTP layer under every SDK client: one shared transport, pipeline retry, User-Agent,
and the log of every write and of every long wait (INFO on the ``aks_identity`` logger).

Imported on first use only (it imports azure-core and requests). Every sleep of the pipeline
(retry backoff, ``Retry-After``, LRO polling interval) goes through the transport's ``sleep``,
which calls the library's :class:`~aks_identity.RetryPolicy` ``sleep``: on the emulator's
virtual clock nothing waits in real time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import RetryMode
from azure.core.pipeline.policies import RetryPolicy as PipelineRetryPolicy
from azure.core.pipeline.transport import RequestsTransport

from aks_identity import _doing
from aks_identity._azure._pacing import Pacer
from aks_identity._retry import PROGRESS_EVERY
from aks_identity._version import version

__all__ = [
    "WRITE_METHODS",
    "Wait",
    "pipeline_retry",
    "shared_transport",
    "user_agent",
    "log_write",
    "paged_values",
]

_log = logging.getLogger("aks_identity")

WRITE_METHODS = frozenset({"PUT", "DELETE", "POST", "PATCH"})


class Wait:
    """The long-running operation one connection is waiting for, if any (policy clock).

    Per connection, not per thread: azure-core polls a long-running operation from a thread
    of its own, while the caller's thread waits for its result."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.what = ""
        self.since: float | None = None
        self.logged = 0.0

    @contextmanager
    def waiting(self, what: str) -> Iterator[None]:
        """Time the block as a wait for ``what`` (the plan step, or the adapter's words)."""
        self.what, self.since, self.logged = _doing.current() or what, self.clock(), 0.0
        try:
            yield
        finally:
            self.since = None

    def tick(self) -> None:
        """After each pipeline sleep: a progress line at least once a minute of waiting."""
        if self.since is None:
            return
        waited = self.clock() - self.since
        if waited - self.logged >= PROGRESS_EVERY:
            self.logged = waited
            _log.info("still waiting for %s: %.0f s so far", self.what, waited)


def log_write(request: PipelineRequest[Any]) -> None:
    """An azure-core ``raw_request_hook`` that logs each write with the plan step making it."""
    http = request.http_request
    if http.method not in WRITE_METHODS:
        return
    path = urlsplit(http.url).path
    why = _doing.current()
    _log.info("%s %s (%s)", http.method, path, why or "no plan step")


class _Transport(RequestsTransport):  # type: ignore[misc]
    """requests transport whose sleeps (retry backoff, LRO polling) use the RetryPolicy's,
    paced by ARM's remaining-request headers (see ``_pacing``)."""

    def __init__(
        self,
        sleep: Callable[[float], None],
        wait: Wait,
        *,
        now: Callable[[], float] | None = None,
        pacer: Pacer | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._sleep = sleep
        self._wait = wait
        self._now = now
        self._pacer = pacer

    def send(self, request: Any, **kwargs: Any) -> Any:
        """Send, first waiting as long as the subscription's remaining requests ask."""
        pacer, now = self._pacer, self._now
        key = None if pacer is None or now is None else pacer.key(request.method, request.url)
        if key is None:  # not metered (or no pacing): send at once
            return super().send(request, **kwargs)
        assert pacer is not None and now is not None
        wait = pacer.delay_for(key, now())
        if wait > 0:
            self.sleep(wait)
        response = super().send(request, **kwargs)
        pacer.observe_for(key, response.headers, now())
        return response

    def sleep(self, duration: float) -> None:
        """Every pipeline wait (polling interval, retry backoff): the policy's sleep, and a
        progress line at least once a minute of waiting."""
        self._sleep(duration)
        self._wait.tick()

    def close(self) -> None:
        """Nothing: every client shares this transport, and closing one client must not
        close the others' session; :meth:`close_session` closes it, once."""

    def close_session(self) -> None:
        """Close the shared session (and its connection pool)."""
        super().close()


def shared_transport(
    sleep: Callable[[float], None],
    wait: Wait,
    *,
    connection_verify: str | bool | None,
    now: Callable[[], float] | None = None,
    pacer: Pacer | None = None,
) -> _Transport:
    """One transport for every client: one ``requests`` session and connection pool, made
    by azure-core as for any of its transports when the first request is sent."""
    kwargs: dict[str, Any] = {}
    if connection_verify is not None:
        kwargs["connection_verify"] = connection_verify
    return _Transport(sleep, wait, now=now, pacer=pacer, **kwargs)


def user_agent(prefix: str | None) -> str:
    """``[prefix ]aks-identity/<version>``: azure-core puts its own after it."""
    ours = f"aks-identity/{version()}"
    return f"{prefix} {ours}" if prefix else ours


def pipeline_retry() -> PipelineRetryPolicy:  # type: ignore[type-arg]
    """azure-core's retry policy, explicit: 429/5xx/connection faults, Retry-After honoured."""
    return PipelineRetryPolicy(
        retry_total=6,
        retry_connect=3,
        retry_read=3,
        retry_status=6,
        retry_backoff_factor=1.0,
        retry_backoff_max=60,
        retry_mode=RetryMode.Exponential,
    )


def paged_values(client: Any, url: str) -> list[Any]:
    """Every ``value`` item of an ARM GET list through ``client.send_request``, following
    ``nextLink`` (for lists the SDK has no operation for)."""
    from azure.core.rest import HttpRequest

    items: list[Any] = []
    next_url: str | None = url
    while next_url:
        response = client.send_request(HttpRequest("GET", next_url))
        response.raise_for_status()
        page = response.json()
        items += page.get("value") or []
        next_url = page.get("nextLink")
    return items
