"""Errors raised by aks_identity.

Every error the library raises derives from :class:`AksIdentityError`::

    AksIdentityError
    ├── ValidationError          bad input or a documented AKS limitation; nothing was written
    ├── NotFoundError            the resource (or principal) does not exist
    ├── ConflictError            another operation or an incompatible resource is in the way
    ├── AuthorizationError       the caller (or an identity) lacks a permission
    ├── TransientError           throttling, server errors, dropped connections after retries
    ├── PropagationTimeout       a grant or identity did not take effect within the budget
    ├── ConfirmationRequired     the operation causes downtime; pass allow_downtime=True
    └── RealAzureBlocked         a request to real Azure while an emulator is active

Each error carries the ARM error ``code`` and HTTP ``status`` when Azure returned one,
the ``resource_id`` concerned when known, and a message that says what to do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aks_identity._plan import Plan

__all__ = [
    "AksIdentityError",
    "AuthorizationError",
    "ConfirmationRequired",
    "ConflictError",
    "NotFoundError",
    "PropagationTimeout",
    "RealAzureBlocked",
    "TransientError",
    "ValidationError",
]


class AksIdentityError(Exception):
    """Base class of every error raised by aks_identity."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        resource_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.resource_id = resource_id
        self.completed_steps: tuple[str, ...] = ()
        """Steps of the operation that were written before this error (re-running converges)."""
        self.pending_steps: tuple[str, ...] = ()
        """Steps that were not run: the failed one first."""

    def record_progress(self, completed: tuple[str, ...], pending: tuple[str, ...]) -> None:
        """Note which steps of a multi-step operation ran before the failure (set once)."""
        if not (self.completed_steps or self.pending_steps):
            self.completed_steps, self.pending_steps = completed, pending

    def __str__(self) -> str:
        prefix = f"({self.code}) " if self.code else ""
        text = prefix + self.message
        if self.completed_steps:
            text += " Already done: " + "; ".join(self.completed_steps) + "."
        if self.pending_steps:
            text += " Not done: " + "; ".join(self.pending_steps) + "."
        return text

    def __repr__(self) -> str:
        parts = [repr(self.message)]
        if self.code:
            parts.append(f"code={self.code!r}")
        if self.status is not None:
            parts.append(f"status={self.status}")
        return f"{type(self).__name__}({', '.join(parts)})"


class ValidationError(AksIdentityError, ValueError):
    """Input is malformed or breaks a documented AKS limitation; nothing was written."""

    def __init__(self, message: str, *, rule: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.rule = rule


class NotFoundError(AksIdentityError, LookupError):
    """The resource or principal does not exist (HTTP 404, or a principal unknown to Entra ID)."""


class ConflictError(AksIdentityError):
    """Another operation, or an incompatible existing resource, prevents this one (HTTP 409)."""


class AuthorizationError(AksIdentityError, PermissionError):
    """The caller or an identity lacks a permission (HTTP 401/403, AKS permission checks)."""


class TransientError(AksIdentityError):
    """Throttling, server errors or dropped connections that persisted after retries."""


class PropagationTimeout(AksIdentityError, TimeoutError):
    """A grant, identity or operation did not take effect within the retry budget."""

    def __init__(self, message: str, *, awaited: str, waited_seconds: float, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.awaited = awaited
        self.waited_seconds = waited_seconds


class ConfirmationRequired(AksIdentityError):
    """The operation causes downtime (node reimage); re-run with ``allow_downtime=True``.

    ``plan`` holds the :class:`~aks_identity.Plan` that would have run.
    """

    def __init__(self, message: str, *, plan: Plan, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.plan: Plan = plan


class RealAzureBlocked(AksIdentityError):
    """A request to real Azure (ARM, Entra ID, Graph, IMDS) while an emulator is active.

    Raised by ``requests`` itself, before anything is sent: inside ``emu.activate()`` and
    the ``arm_emulator`` fixture, tests cannot reach Azure by mistake.
    """
