"""What the library is doing right now: the plan step whose requests are being sent.

Plan execution sets it; the HTTP layer reads it to say *why* it writes (the write log).
A context variable, so parallel plans in threads each see their own step.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["current", "doing"]

_step: ContextVar[str | None] = ContextVar("aks_identity_step", default=None)


def current() -> str | None:
    """The description of the step being run, or None outside a plan."""
    return _step.get()


@contextmanager
def doing(description: str) -> Iterator[None]:
    """Run the block as ``description`` (nested steps name the innermost)."""
    token = _step.set(description)
    try:
        yield
    finally:
        _step.reset(token)
