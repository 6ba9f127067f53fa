"""All backend state of the emulator: pure Python, no HTTP.

Route handlers (``_subscriptions``, ``_msi``, ``_authorization``, ``_generic``, ``_aks``) read and
change this; tests may set things up through it directly.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
import secrets
import threading
from typing import Any, Protocol

from ._clock import Clock
from ._config import Delay, EmulatorConfig
from ._directory import Directory, DirectoryPrincipal, new_guid
from ._faults import Faults
from ._identities import Identities
from ._log import RequestLog
from ._operations import Operations
from ._rbac import Rbac, definition_id
from ._resources import ResourceStore
from ._tokens import Tokens

__all__ = ["OWNER", "Delay", "EmulatorConfig", "State"]

OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"


class _Pager(Protocol):
    def page(self, items: list[dict[str, Any]]) -> dict[str, Any]: ...


class State:
    """The emulated tenant, its subscriptions and everything in them."""

    # declared here so that type checkers (pyright --verifytypes) see one type for each
    lock: threading.RLock
    tokens: Tokens
    requests: RequestLog
    faults: Faults
    epoch: dt.datetime
    subscription_id: str
    tenant_id: str
    caller_id: str
    config: EmulatorConfig
    rng: random.Random
    resources: ResourceStore
    directory: Directory
    identities: Identities
    rbac: Rbac
    operations: Operations

    def __init__(
        self,
        *,
        clock: Clock,
        config: EmulatorConfig,
        seed: int = 0,
        subscription_id: str | None = None,
        tenant_id: str | None = None,
        location_default: str = "westus2",
        subscriptions: int = 1,
    ) -> None:
        self.clock = clock
        self.seed = seed
        self.lock = threading.RLock()
        self.requests = RequestLog()
        self.faults = Faults(seed)
        self.location_default = location_default
        self._config = copy.deepcopy(config)
        self.epoch = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        ids = random.Random(f"ids-{seed}")
        self.subscription_id = (subscription_id or new_guid(ids)).lower()
        self.tenant_id = (tenant_id or new_guid(ids)).lower()
        self.caller_id = new_guid(ids)
        """Object ID of the default caller, Owner of every subscription."""
        extra = random.Random(f"subscriptions-{seed}")
        self.subscription_ids: list[str] = [self.subscription_id] + [
            new_guid(extra) for _ in range(subscriptions - 1)
        ]
        """Every emulated subscription of the tenant; the first is :attr:`subscription_id`."""
        self.caller_client_id: str = new_guid(ids)
        """Application (client) ID of the default caller, for the token endpoint."""
        self.caller_secret: str = secrets.token_urlsafe(24)
        """Client secret of the default caller (survives :meth:`reset`)."""
        self.tokens = Tokens(
            tenant_id=self.tenant_id,
            now=clock.now,
            epoch=self.epoch.timestamp(),
            lifetime=lambda: self.config.access_token_lifetime,
            seed=seed,
        )
        self._build()

    def _build(self) -> None:
        self.config = copy.deepcopy(self._config)
        self.rng = random.Random(self.seed)
        self.extensions: dict[str, Any] = {}
        """Private state of backend modules (e.g. AKS), cleared by :meth:`reset`."""
        self.resources = ResourceStore(self.subscription_ids)
        self.directory = Directory(self.rng, self.clock.now, lambda: self.config.replication_delay)
        self.identities = Identities(self.resources, self.directory, self.tenant_id)
        self.rbac = Rbac(
            subscription_id=self.subscription_id,
            tenant_id=self.tenant_id,
            now=self.clock.now,
            rng=self.rng,
            propagation_delay=lambda: self.config.propagation_delay,
            directory=self.directory,
            iso=self.iso,
        )
        self.resources.on_delete(lambda body: self.rbac.delete_at(str(body.get("id", ""))))
        self.operations = Operations(self.clock, self.rng, lambda: self.config.poll_step)
        self.directory.add_principal(
            object_id=self.caller_id,
            client_id=self.caller_client_id,
            display_name="emulator-user",
            principal_type="User",
            replicated=True,
        )
        self.directory.add_secret(self.caller_client_id, self.caller_secret)
        for subscription in self.subscription_ids:
            self.rbac.assign(
                f"/subscriptions/{subscription}",
                definition_id(subscription, OWNER),
                self.caller_id,
                "User",
                propagated=True,
            )

    @property
    def subscription_scope(self) -> str:
        """``/subscriptions/{id}`` of the first (default) subscription."""
        return f"/subscriptions/{self.subscription_id}"

    def add_caller(
        self, display_name: str = "caller", *, principal_type: str = "User"
    ) -> DirectoryPrincipal:
        """A new principal that can call the emulator (replicated at once, no roles)."""
        return self.directory.add_principal(
            display_name=display_name, principal_type=principal_type, replicated=True
        )

    def iso(self, seconds: float) -> str:
        """An emulated instant as ARM formats timestamps."""
        instant = self.epoch + dt.timedelta(seconds=seconds)
        return instant.strftime("%Y-%m-%dT%H:%M:%S.%f0Z")

    def page(self, ctx: _Pager, items: list[dict[str, Any]]) -> dict[str, Any]:
        """A list response page (``value`` and ``nextLink``); see :meth:`Context.page`."""
        return ctx.page(items)

    def reset(self) -> None:
        """Forget every resource, principal, assignment, operation, fault and log entry.

        The subscription, tenant, default caller, clock and issued tokens stay.
        """
        with self.lock:
            self.faults.clear()
            self.requests.clear()
            self._build()
