"""The emulated Microsoft Entra ID directory: principals and their replication to ARM."""

from __future__ import annotations

import hmac
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
    resource_id: str | None = None
    """For a managed identity, the resource it belongs to (identity or cluster ID)."""
    user_assigned: bool = False
    """For a managed identity: user-assigned (True) or system-assigned (False)."""


class Directory:
    """Principals by object ID; each becomes visible to ARM after a replication delay."""

    def __init__(
        self, rng: random.Random, now: Callable[[], float], replication_delay: Callable[[], Delay]
    ) -> None:
        self._rng = rng
        self._now = now
        self._delay = replication_delay
        self._principals: dict[str, DirectoryPrincipal] = {}
        self._secrets: dict[str, str] = {}
        self.read_denied: set[str] = set()
        """Object IDs whose Microsoft Graph reads are refused (no directory read permission)."""

    def add_principal(
        self,
        *,
        object_id: str | None = None,
        client_id: str | None = None,
        display_name: str,
        principal_type: str = "ServicePrincipal",
        replicated: bool = False,
        resource_id: str | None = None,
        user_assigned: bool = False,
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
            resource_id=resource_id,
            user_assigned=user_assigned,
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

    def add_secret(self, client_id: str, secret: str) -> None:
        """Give an application (by client ID) a client secret the token endpoint accepts."""
        self._secrets[client_id.lower()] = secret

    def secret_matches(self, client_id: str, secret: str) -> bool:
        """Whether ``secret`` is the application's client secret (constant-time compare)."""
        expected = self._secrets.get(client_id.lower())
        return expected is not None and hmac.compare_digest(
            expected.encode("utf-8"), secret.encode("utf-8")
        )

    def replicated(self) -> list[DirectoryPrincipal]:
        """Every principal ARM and Graph can see now, in creation order."""
        now = self._now()
        return [p for p in self._principals.values() if p.replicated_at <= now]

    def is_replicated(self, object_id: str) -> bool:
        """Whether ARM can see the principal now."""
        principal = self.get(object_id)
        return principal is not None and principal.replicated_at <= self._now()

    def remove(self, object_id: str) -> None:
        """Delete a principal (its role assignments stay, as in Azure)."""
        removed = self._principals.pop(object_id.lower(), None)
        if removed is not None:
            self._secrets.pop(removed.client_id, None)

    def clear(self) -> None:
        """Forget every principal."""
        self._principals.clear()
        self._secrets.clear()
