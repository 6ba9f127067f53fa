"""Typed warnings: what an operation cannot fix by itself but you need to know.

Every warning derives from :class:`AksIdentityWarning` (a ``UserWarning``), is emitted
through :mod:`warnings` and is recorded on the :class:`~aks_identity.Plan` of the operation::

    AksIdentityWarning
    ├── DowntimeWarning                 nodes are reimaged: workloads restart
    ├── PropagationWarning              a new grant can take up to 60 minutes to take effect
    ├── TokenRefreshWarning             the old control-plane identity stays in use for hours
    ├── ServicePrincipalKubeletWarning  kubelet keeps its service principal until new node images
    ├── RegistryReattachWarning         container registries must be re-attached
    ├── NoNewerNodeImageWarning         no pool has a newer node image: nothing is reimaged
    └── KeptAssignmentWarning           role assignments aks_identity did not make were kept
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterable

__all__ = [
    "AksIdentityWarning",
    "DowntimeWarning",
    "KeptAssignmentWarning",
    "NoNewerNodeImageWarning",
    "PropagationWarning",
    "RegistryReattachWarning",
    "ServicePrincipalKubeletWarning",
    "TokenRefreshWarning",
    "emit",
]


class AksIdentityWarning(UserWarning):
    """Base class of every warning aks_identity emits."""

    @property
    def message(self) -> str:
        """The warning's text."""
        return str(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class DowntimeWarning(AksIdentityWarning):
    """The operation reimages nodes: pods are evicted and restarted."""


class PropagationWarning(AksIdentityWarning):
    """A new role assignment can take up to 60 minutes to take effect everywhere."""


class TokenRefreshWarning(AksIdentityWarning):
    """The previous control-plane identity stays in use until its token expires (hours)."""


class ServicePrincipalKubeletWarning(AksIdentityWarning):
    """The kubelet keeps using the service principal until the nodes get a newer node image."""


class RegistryReattachWarning(AksIdentityWarning):
    """Container registries attached to the old kubelet credential must be attached again."""


class NoNewerNodeImageWarning(AksIdentityWarning):
    """No node pool has a newer node image to consume: an upgrade has nothing to do (and a
    kubelet still on a service principal must wait for the next image)."""


class KeptAssignmentWarning(AksIdentityWarning):
    """Role assignments aks_identity did not make were left in place (their IDs are named)."""


_PACKAGE_DIR = __file__.rsplit("/", 1)[0].rsplit("\\", 1)[0]


def _stacklevel() -> int:
    """The stack level of the first frame outside aks_identity (the caller's code)."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def emit(items: Iterable[AksIdentityWarning]) -> None:
    """Emit warnings through :mod:`warnings`, attributed to the caller's line."""
    level = _stacklevel()
    for item in items:
        warnings.warn(item, stacklevel=level)
