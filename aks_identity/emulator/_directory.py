"""The emulated Microsoft Entra ID directory: principals and their replication to ARM."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from ._config import Delay

__all__ = ["Directory", "DirectoryPrincipal", "new_guid"]


def new_guid(rng: random.Random) -> str:
    """A GUID drawn from the seeded RNG (reproducible runs)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


@dataclass(frozen=True)
class DirectoryPrincipal:
    """A principal (service principal, user, group) in the directory."""

    object_id: str
    client_id: str
    display_name: str
    principal_type: str
    created_at: float
    replicated_at: float


class Directory:
    """Principals by object ID; each becomes visible to ARM after a replication delay."""

    def __init__(
        self, rng: random.Random, now: Callable[[], float], replication_delay: Callable[[], Delay]
    ) -> None:
        self._rng = rng
        self._now = now
        self._delay = replication_delay
        self._principals: dict[str, DirectoryPrincipal] = {}

    def add_principal(
        self,
        *,
        object_id: str | None = None,
        client_id: str | None = None,
        display_name: str,
        principal_type: str = "ServicePrincipal",
        replicated: bool = False,
    ) -> DirectoryPrincipal:
        """Create a principal; ARM sees it after the replication delay (or at once)."""
        now = self._now()
        delay = 0.0 if replicated else self._delay().sample(self._rng)
        principal = DirectoryPrincipal(
            object_id=(object_id or new_guid(self._rng)).lower(),
            client_id=(client_id or new_guid(self._rng)).lower(),
            display_name=display_name,
            principal_type=principal_type,
            created_at=now,
            replicated_at=now + delay,
        )
        self._principals[principal.object_id] = principal
        return principal

    def get(self, object_id: str) -> DirectoryPrincipal | None:
        """A principal by object ID (replicated or not), or None."""
        return self._principals.get(object_id.lower())

    def find_by_client_id(self, client_id: str) -> DirectoryPrincipal | None:
        """A principal by client (application) ID, or None."""
        wanted = client_id.lower()
        return next((p for p in self._principals.values() if p.client_id == wanted), None)

    def is_replicated(self, object_id: str) -> bool:
        """Whether ARM can see the principal now."""
        principal = self.get(object_id)
        return principal is not None and principal.replicated_at <= self._now()

    def remove(self, object_id: str) -> None:
        """Delete a principal (its role assignments stay, as in Azure)."""
        self._principals.pop(object_id.lower(), None)

    def clear(self) -> None:
        """Forget every principal."""
        self._principals.clear()
