"""Long-running operations: start, finish on the clock, poll.

An operation finishes when the clock passes its end time; :meth:`Operations.settle` runs the
callbacks of every operation that is due (the HTTP layer calls it before each request, so work
completes whether or not anybody polls). On a virtual clock a poll of a running operation moves
time forward by ``poll_step`` so the real SDK's polling loop ends without real waiting.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ._clock import Clock
from ._directory import new_guid
from ._errors import ArmError

__all__ = ["Operation", "Operations"]

_API_VERSIONS = {"microsoft.containerservice": "2016-03-30"}


class _UrlContext(Protocol):
    base_url: str
    api_version: str


@dataclass
class Operation:
    """One long-running operation."""

    id: str
    resource_id: str
    start_time: float
    end_time: float
    location: str | None = None
    status: str = "InProgress"
    error: dict[str, str] | None = None
    doomed: bool = False
    on_done: Callable[[], None] | None = field(default=None, repr=False)
    on_failed: Callable[[], None] | None = field(default=None, repr=False)

    @property
    def done(self) -> bool:
        """Whether the operation reached a terminal status."""
        return self.status != "InProgress"


_INJECTED = {
    "code": "InternalOperationError",
    "message": "The operation failed with an internal error (fault injected by the emulator).",
}


class Operations:
    """Every operation by ID; finishes them as the clock passes their end time."""

    doom_next: bool
    """Whether the next operation started ends Failed (the ``lro_failed`` fault)."""

    def __init__(self, clock: Clock, rng: random.Random, poll_step: Callable[[], float]) -> None:
        self._clock = clock
        self._rng = rng
        self._poll_step = poll_step
        self._ops: dict[str, Operation] = {}
        self.doom_next = False
        """Set by fault injection: operations started while it is true end Failed."""

    def start(
        self,
        *,
        resource_id: str,
        duration: float,
        on_done: Callable[[], None] | None = None,
        on_failed: Callable[[], None] | None = None,
        location: str | None = None,
    ) -> Operation:
        """Start an operation that finishes ``duration`` seconds from now."""
        now = self._clock.now()
        operation = Operation(
            id=new_guid(self._rng),
            resource_id=resource_id,
            start_time=now,
            end_time=now + max(0.0, duration),
            location=location,
            doomed=self.doom_next,
            on_done=on_done,
            on_failed=on_failed,
        )
        self._ops[operation.id] = operation
        return operation

    def get(self, operation_id: str) -> Operation | None:
        """An operation by ID, or None."""
        return self._ops.get(operation_id.lower())

    def active(self, resource_id: str) -> Operation | None:
        """The running operation on ``resource_id``, or None."""
        wanted = resource_id.lower()
        return next(
            (o for o in self._ops.values() if not o.done and o.resource_id.lower() == wanted),
            None,
        )

    def settle(self) -> None:
        """Finish every operation whose end time has passed, in end-time order."""
        now = self._clock.now()
        due = sorted(
            (o for o in self._ops.values() if not o.done and o.end_time <= now),
            key=lambda o: o.end_time,
        )
        for operation in due:
            self._finish(operation)

    def poll(self, operation_id: str) -> Operation | None:
        """Settle, then (virtual clock) move time towards the operation's end; the operation."""
        self.settle()
        operation = self.get(operation_id)
        if operation is not None and not operation.done and self._clock.virtual:
            remaining = operation.end_time - self._clock.now()
            self._clock.advance(max(0.0, min(remaining, self._poll_step())))
            self.settle()
        return operation

    def retry_headers(self, operation: Operation) -> dict[str, str]:
        """How long a poller should wait before polling again.

        Real clock: ``Retry-After`` with the real seconds left (at most 10), or
        ``x-ms-retry-after-ms`` under a second (fast time scales). Virtual clock:
        ``x-ms-retry-after-ms: 1``, which azure-core honours (a ``Retry-After: 0`` would make it
        fall back to its 30-second default and wait in real time).
        """
        if self._clock.virtual:
            return {"x-ms-retry-after-ms": "1"}
        remaining = max(0.0, operation.end_time - self._clock.now())
        real = remaining / float(getattr(self._clock, "time_scale", 1.0))
        if real < 1:
            return {"x-ms-retry-after-ms": str(max(1, math.ceil(real * 1000)))}
        return {"Retry-After": str(min(10, math.ceil(real)))}

    def status_url(
        self,
        ctx: _UrlContext,
        op: Operation,
        *,
        namespace: str = "Microsoft.Resources",
        location: str | None = None,
    ) -> str:
        """URL of the operation's status resource (``Azure-AsyncOperation``)."""
        return self._url(ctx, op, "operations", namespace, location)

    def result_url(
        self,
        ctx: _UrlContext,
        op: Operation,
        *,
        namespace: str = "Microsoft.Resources",
        location: str | None = None,
    ) -> str:
        """URL of the operation's result (``Location``): 202 while running, 204 when done."""
        return self._url(ctx, op, "operationresults", namespace, location)

    def _url(
        self, ctx: _UrlContext, op: Operation, kind: str, namespace: str, location: str | None
    ) -> str:
        subscription = op.resource_id.split("/")[2]
        where = f"/locations/{location or op.location or 'global'}"
        version = _API_VERSIONS.get(namespace.lower(), ctx.api_version)
        return (
            f"{ctx.base_url}/subscriptions/{subscription}/providers/{namespace}{where}"
            f"/{kind}/{op.id}?api-version={version}"
        )

    def clear(self) -> None:
        """Forget every operation."""
        self._ops.clear()
        self.doom_next = False

    def _finish(self, operation: Operation) -> None:
        callback = operation.on_failed if operation.doomed else operation.on_done
        operation.status = "Failed" if operation.doomed else "Succeeded"
        operation.error = dict(_INJECTED) if operation.doomed else None
        operation.end_time = min(operation.end_time, self._clock.now())
        try:
            if callback is not None:
                callback()
        except ArmError as exc:
            operation.status = "Failed"
            operation.error = {"code": exc.code, "message": exc.message}


def status_body(operation: Operation, iso: Callable[[float], str]) -> dict[str, Any]:
    """The operation status resource, as ARM returns it."""
    body: dict[str, Any] = {
        "name": operation.id,
        "status": operation.status,
        "startTime": iso(operation.start_time),
    }
    if operation.done:
        body["endTime"] = iso(operation.end_time)
    if operation.error is not None:
        body["error"] = dict(operation.error)
    return body
