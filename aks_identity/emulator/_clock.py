"""Clocks: every wait in the emulator reads time and sleeps through one of these.

:class:`VirtualClock` never waits in real time: ``sleep`` advances it at once.
:class:`RealClock` follows the wall clock, optionally faster (``time_scale=60``: a minute of
emulated time per real second), so demos feel real without taking an hour.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

__all__ = ["Clock", "RealClock", "VirtualClock"]


class Clock(Protocol):
    """Emulated time in seconds."""

    virtual: bool

    def now(self) -> float:
        """Emulated seconds since the clock started."""
        ...

    def advance(self, seconds: float) -> None:
        """Move time forward (no real waiting on a virtual clock)."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of emulated time."""
        ...


class VirtualClock:
    """A clock that only moves when told to; ``sleep`` returns at once."""

    virtual = True

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("cannot move a clock backwards")
        with self._lock:
            self._now += seconds

    def sleep(self, seconds: float) -> None:
        self.advance(max(0.0, seconds))

    def __repr__(self) -> str:
        return f"VirtualClock(now={self._now:.1f})"


class RealClock:
    """Wall-clock time, ``time_scale`` times faster; ``advance`` adds an offset."""

    virtual = False

    def __init__(self, time_scale: float = 1.0) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be > 0")
        self.time_scale = time_scale
        self._origin = time.monotonic()
        self._offset = 0.0

    def now(self) -> float:
        return (time.monotonic() - self._origin) * self.time_scale + self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("cannot move a clock backwards")
        self._offset += seconds

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds) / self.time_scale)

    def __repr__(self) -> str:
        return f"RealClock(time_scale={self.time_scale}, now={self.now():.1f})"
