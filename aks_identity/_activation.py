"""The active emulator: where clients built without an endpoint go during ``emu.activate()``.

A stack (activations nest; the innermost wins), process-wide as moto's ``mock_aws`` is.
:class:`~aks_identity.Azure` reads :func:`active` when it is built without ``base_url``;
``Azure.from_environment()`` (and the fleet's) read it instead of the environment. While
any emulator is active, :mod:`aks_identity._azure._guard` refuses every request to a public
Azure Resource Manager, Microsoft Entra ID or Microsoft Graph endpoint.
"""

from __future__ import annotations

import abc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

    from aks_identity._retry import RetryPolicy

__all__ = ["ClosesOnExit", "Target", "activated", "active", "connection_for"]


@attrs.frozen(kw_only=True)
class Target:
    """What an active emulator offers the clients built while it is active."""

    base_url: str
    connection_verify: str
    subscription_id: str
    subscription_ids: tuple[str, ...]
    tenant_id: str
    credential: TokenCredential = attrs.field(repr=False)
    """The emulator's Owner credential, used when the caller's is not the emulator's."""
    retry: RetryPolicy = attrs.field(repr=False)
    """A RetryPolicy on the emulator's clock, used when the caller keeps the default."""
    owns: Callable[[Any], bool] = attrs.field(repr=False)
    """Whether a credential was issued by this emulator (kept as the caller's credential)."""

    def credential_for(self, given: Any) -> TokenCredential:
        """``given`` when the emulator issued it, else the emulator's Owner credential: a
        real credential would fetch tokens from Microsoft Entra ID."""
        return given if self.owns(given) else self.credential


_stack: list[Target] = []
_lock = threading.Lock()


def active() -> Target | None:
    """The innermost active emulator, or None."""
    with _lock:
        return _stack[-1] if _stack else None


def connection_for(
    credential: Any,
    base_url: str | None,
    connection_verify: str | bool | None,
    retry: RetryPolicy,
    *,
    default_retry: RetryPolicy,
) -> tuple[Any, str | None, str | bool | None, RetryPolicy]:
    """``(credential, base_url, connection_verify, retry)`` a client built with these
    arguments uses: them as given, or (built without ``base_url`` while an emulator is
    active) the emulator's endpoint, its credential unless ``credential`` is one of the
    emulator's, its CA bundle unless one is given, and its clock unless ``retry`` is not
    ``default_retry``. Checked by the caller afterwards."""
    target = active() if base_url is None else None
    if target is None:
        return credential, base_url, connection_verify, retry
    return (
        target.credential_for(credential),
        target.base_url,
        target.connection_verify if connection_verify is None else connection_verify,
        target.retry if retry is default_retry else retry,
    )


_C = TypeVar("_C", bound="ClosesOnExit")


class ClosesOnExit(abc.ABC):
    """``with client:`` closes it at the end of the block (``close()`` is the subclass's)."""

    @abc.abstractmethod
    def close(self) -> None:
        """Close every HTTP session."""

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


@contextmanager
def activated(target: Target) -> Iterator[Target]:
    """Make ``target`` the active emulator for the block, and block real Azure meanwhile."""
    from aks_identity._azure import _guard

    with _lock:
        _stack.append(target)
    _guard.install()
    try:
        yield target
    finally:
        _guard.uninstall()
        with _lock:
            _stack.remove(target)
