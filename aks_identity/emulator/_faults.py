"""Fault injection: throttling, server errors, dropped connections, failed operations."""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, field
from typing import Literal, Union

__all__ = ["Fault", "FaultKind", "Faults"]

FaultKind = Union[int, Literal["drop", "lro_failed"]]  # noqa: UP007 (runtime alias)

_KINDS = (429, 500, 502, 503, 504, "drop", "lro_failed")


@dataclass
class Fault:
    """One injected fault; ``hits`` counts how often it fired."""

    status: FaultKind
    method: str | None = None
    path: re.Pattern[str] | None = None
    times: int | None = 1
    probability: float | None = None
    retry_after: float | None = None
    hits: int = field(default=0)

    def matches(self, method: str, path: str) -> bool:
        """Whether the fault applies to a request (ignoring probability and remaining times)."""
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path is None or self.path.search(path) is not None

    @property
    def exhausted(self) -> bool:
        """Whether the fault has fired its ``times``."""
        return self.times is not None and self.hits >= self.times

    @property
    def label(self) -> str:
        """Short description for the request log."""
        return str(self.status)


class Faults:
    """The injected faults, matched in injection order against each request."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._rng = random.Random(seed)
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def inject(
        self,
        status: FaultKind,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int | None = None,
        probability: float | None = None,
        retry_after: float | None = None,
    ) -> Fault:
        """Inject a fault for requests matching ``method`` and the ``path`` regex.

        It fires ``times`` times (default once), or, with ``probability``, on that fraction of
        matching requests (seeded) until ``times`` is reached (unlimited when not given).
        ``status``: 429 (with ``Retry-After``), 500, 502, 503, 504, ``"drop"`` (the connection is
        closed without a response) or ``"lro_failed"`` (the request succeeds; the long-running
        operation it starts ends Failed).
        """
        if status not in _KINDS:
            raise ValueError(f"unsupported fault {status!r}; use one of {_KINDS}")
        if probability is not None and not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be within [0, 1]")
        if times is None and probability is None:
            times = 1
        fault = Fault(
            status=status,
            method=method,
            path=re.compile(path, re.IGNORECASE) if path is not None else None,
            times=times,
            probability=probability,
            retry_after=retry_after,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """The fault that fires for this request (its hit counted), or None."""
        with self._lock:
            for fault in self._faults:
                if fault.exhausted or not fault.matches(method, path):
                    continue
                if fault.probability is not None and self._rng.random() >= fault.probability:
                    continue
                fault.hits += 1
                return fault
        return None

    @property
    def active(self) -> list[Fault]:
        """Faults that can still fire."""
        with self._lock:
            return [f for f in self._faults if not f.exhausted]

    def clear(self) -> None:
        """Remove every fault; reseed the probability RNG."""
        with self._lock:
            self._faults.clear()
            self._rng = random.Random(self._seed)
