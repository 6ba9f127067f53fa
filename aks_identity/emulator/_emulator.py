"""The Emulator: state, HTTPS server and test hooks in one object."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, TypedDict

from aks_identity._roles import get_role

from ._aks import AksEmulatorMixin
from ._app import App
from ._arguments import check_emulator_arguments
from ._az import AzSetup, az_setup_commands, ca_bundle_with_system
from ._clock import Clock, RealClock, VirtualClock
from ._config import Delay, DelayLike, EmulatorConfig
from ._errors import ArmError
from ._faults import Faults
from ._generic import put_generic
from ._log import RequestLog
from ._rbac import definition_id
from ._server import HttpsServer
from ._state import State
from ._tokens import DEFAULT_TOKEN_LIFETIME, EmulatorCredential, TokenFileCredential

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from aks_identity import Azure, Fleet, RetryPolicy

__all__ = ["Emulator", "RetryOptions"]


class RetryOptions(TypedDict, total=False):
    """The keywords of :meth:`Emulator.azure` that go to its ``RetryPolicy`` (the clock and
    the sleep are always the emulator's)."""

    total: float
    """Budget in seconds for one wait (default 3600)."""
    initial: float
    """First backoff in seconds (default 2)."""
    maximum: float
    """Backoff cap in seconds (default 30)."""
    jitter: float
    """Random seconds added to a growing backoff (default 1)."""
    progress: bool | None
    """Show a progress bar (default False on the emulator)."""
    seed: int | None
    """Seed of the jitter (default the emulator's seed)."""


class Emulator(AksEmulatorMixin):
    """A local Azure Resource Manager over HTTPS on 127.0.0.1.

    ``clock="virtual"`` (nothing waits in real time) or ``"real"`` (``time_scale`` times faster
    than the wall clock). Delays are seconds, or ``(low, high)`` for seeded random durations.
    ``subscriptions=N`` emulates N subscriptions in the one tenant (:attr:`subscription_ids`;
    the first is :attr:`subscription_id`). The default caller is Owner of every subscription.
    ``throttling=True`` enforces ARM's request limits per subscription (token buckets: 250
    reads refilled at 25/s, 200 writes at 10/s) and Resource Graph's user quota, with 429 and
    ``Retry-After`` once spent.
    Bearer tokens are RS256 JWTs that expire
    on the emulator's clock after ``access_token_lifetime`` (Entra's default: a random 60 to 90
    minutes); ``token_lifetime`` is how long a replaced cluster identity's token stays in use.
    """

    state: State
    """The emulated state behind the HTTP layer (resources, principals, assignments)."""

    def __init__(
        self,
        clock: Literal["virtual", "real"] = "virtual",
        *,
        time_scale: float = 1.0,
        seed: int = 0,
        propagation_delay: DelayLike = 0.0,
        replication_delay: DelayLike = 0.0,
        lro_duration: DelayLike = 30.0,
        token_lifetime: DelayLike = (3600.0, 86400.0),
        access_token_lifetime: DelayLike = DEFAULT_TOKEN_LIFETIME,
        newest_node_image: str | None = None,
        page_size: int = 100,
        poll_step: float = 15.0,
        port: int = 0,
        subscription_id: str | None = None,
        tenant_id: str | None = None,
        location: str = "westus2",
        subscriptions: int = 1,
        throttling: bool = False,
    ) -> None:
        check_emulator_arguments(locals())
        self.clock: Clock = VirtualClock() if clock == "virtual" else RealClock(time_scale)
        config = EmulatorConfig(
            propagation_delay=Delay.of(propagation_delay),
            replication_delay=Delay.of(replication_delay),
            lro_duration=Delay.of(lro_duration),
            token_lifetime=Delay.of(token_lifetime),
            access_token_lifetime=Delay.of(access_token_lifetime),
            page_size=page_size,
            poll_step=poll_step,
        )
        config.throttling = bool(throttling)
        if newest_node_image is not None:
            config.newest_node_image = newest_node_image
        self.state = State(
            clock=self.clock,
            config=config,
            seed=seed,
            subscription_id=subscription_id,
            tenant_id=tenant_id,
            location_default=location,
            subscriptions=subscriptions,
        )
        self._port = port
        self._server: HttpsServer | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> Emulator:
        """Start serving (idempotent)."""
        if self._server is None:
            app = App(self.state)
            self._server = HttpsServer(app, self._port)
            app.base_url = self._server.url
            self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving and remove the temporary certificate files."""
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def _running(self) -> HttpsServer:
        if self._server is None:
            raise RuntimeError("the emulator is not running; use start() or a with block")
        return self._server

    # -- connection ----------------------------------------------------------------------

    @property
    def url(self) -> str:
        """``https://127.0.0.1:<port>``: the ``base_url`` for SDK clients."""
        return self._running.url

    @property
    def ca_bundle(self) -> str:
        """Path of the CA certificate: the ``connection_verify`` for SDK clients."""
        return self._running.ca_bundle

    @property
    def subscription_id(self) -> str:
        """The first (default) emulated subscription."""
        return self.state.subscription_id

    @property
    def subscription_ids(self) -> list[str]:
        """Every emulated subscription; the first is :attr:`subscription_id`."""
        return list(self.state.subscription_ids)

    @property
    def tenant_id(self) -> str:
        """The emulated tenant."""
        return self.state.tenant_id

    @property
    def caller_id(self) -> str:
        """Object ID of the default caller (Owner of every subscription)."""
        return self.state.caller_id

    @property
    def requests(self) -> RequestLog:
        """Every request served."""
        return self.state.requests

    @property
    def faults(self) -> Faults:
        """Fault injection: ``emu.faults.inject(429, method="PUT", path="roleAssignments")``."""
        return self.state.faults

    def credential(
        self, principal_id: str | None = None, *, tenant_id: str | None = None
    ) -> EmulatorCredential:
        """A TokenCredential for ``principal_id`` (object ID; default: the Owner caller).

        Its tokens are for ARM or Microsoft Graph, as the scope asks, and renew themselves on
        the emulator's clock. ``tenant_id`` makes tokens of another tenant (ARM refuses them
        with InvalidAuthenticationTokenTenant): for tests.
        """
        return EmulatorCredential(
            self.state.tokens, principal_id or self.state.caller_id, tenant_id=tenant_id
        )

    @property
    def caller_client_id(self) -> str:
        """Application (client) ID of the default caller, for ``az login --service-principal``."""
        return self.state.caller_client_id

    @property
    def caller_secret(self) -> str:
        """Client secret of the default caller at the emulator's token endpoint."""
        return self.state.caller_secret

    def azure(
        self, *, subscription_id: str | None = None, **retry: Unpack[RetryOptions]
    ) -> Azure:
        """An ``aks_identity.Azure`` wired to this emulator; every wait runs on its clock.

        ``subscription_id`` picks one of :attr:`subscription_ids` (default: the first). Other
        keyword arguments go to the ``RetryPolicy`` (:class:`RetryOptions`: ``total``,
        ``initial``, ``maximum``, ``jitter``, ``progress``, ``seed``; e.g. ``total=600``).
        """
        from aks_identity import Azure  # the library imports the emulator lazily too

        return Azure(
            self.credential(),
            subscription_id or self.subscription_id,
            base_url=self.url,
            connection_verify=self.ca_bundle,
            retry=self._retry_policy(**retry),
        )

    @contextmanager
    def activate(self) -> Iterator[Emulator]:
        """Inside the block, clients that name no endpoint reach this emulator, and nothing
        reaches real Azure (moto's ``mock_aws`` is the model).

        ``Azure.from_environment()`` and ``Azure(credential, subscription_id)`` without
        ``base_url`` connect here (with this emulator's credential unless the one given is
        the emulator's, and on its clock unless ``retry`` is given); any request to a public
        or sovereign ARM, Entra ID or Graph endpoint raises ``RealAzureBlocked`` at once.
        Starts the emulator if needed (and then stops it at the end). Activations nest.
        """
        from aks_identity._activation import Target, activated

        started = self._server is None
        self.start()
        target = Target(
            base_url=self.url,
            connection_verify=self.ca_bundle,
            subscription_id=self.subscription_id,
            subscription_ids=tuple(getattr(self, "subscription_ids", (self.subscription_id,))),
            tenant_id=self.tenant_id,
            credential=self.credential(),
            retry=self._retry_policy(),
            owns=lambda credential: isinstance(
                credential, (EmulatorCredential, TokenFileCredential)
            ),
        )
        try:
            with activated(target):
                yield self
        finally:
            if started:
                self.stop()

    def _retry_policy(self, **retry: Unpack[RetryOptions]) -> RetryPolicy:
        from aks_identity import RetryPolicy

        retry.setdefault("progress", False)
        retry.setdefault("seed", self.state.seed)
        return RetryPolicy(clock=self.clock.now, sleep=self.clock.sleep, **retry)

    def fleet(
        self,
        subscriptions: list[str] | None = None,
        *,
        principal_id: str | None = None,
        **retry: Unpack[RetryOptions],
    ) -> Fleet:
        """An ``aks_identity.Fleet`` of this emulator's subscriptions (default: all it sees).

        ``principal_id`` calls as another principal (default: the Owner caller). Other keyword
        arguments go to the ``RetryPolicy`` (:class:`RetryOptions`); every wait runs on the
        emulator's clock.
        """
        from aks_identity import Fleet

        return Fleet(
            self.credential(principal_id),
            subscriptions,
            base_url=self.url,
            connection_verify=self.ca_bundle,
            retry=self._retry_policy(**retry),
        )

    # -- test hooks ----

    def seed_demo_fleet(self) -> dict[str, str]:
        """A small fleet, one cluster per problem ``Fleet.audit()`` reports; name -> cluster ID.

        Needs ``Emulator(subscriptions=3)`` or more (prod, staging, sandbox). Seeded straight
        into the backend, at once on any clock.
        """
        from ._seed import seed_demo_fleet

        return seed_demo_fleet(self)

    # ----------------------------------------------------------------------------------------

    def create_caller(
        self,
        display_name: str = "caller",
        *,
        role: str | None = None,
        scope: str | None = None,
        principal_type: str = "User",
    ) -> str:
        """A new principal that may call the emulator; its object ID.

        With ``role`` (name or GUID) it holds that role at ``scope`` (default: the subscription),
        in force at once. Use :meth:`credential` with the returned ID.
        """
        with self.state.lock:
            principal = self.state.add_caller(display_name, principal_type=principal_type)
            if role is not None:
                self.grant(principal.object_id, role, scope, in_force=True)
        return principal.object_id

    def create_service_principal(
        self,
        display_name: str = "service-principal",
        *,
        replicated: bool = False,
        role: str | None = None,
        scope: str | None = None,
    ) -> tuple[str, str]:
        """A service principal (application with a client secret): ``(client_id, secret)``.

        ARM, Graph and the token endpoint see it after the replication delay, or at once with
        ``replicated=True``. The secret is what the token endpoint checks (a legacy AKS
        service principal, or ``az login --service-principal``). With ``role`` (name or GUID)
        it holds that role at ``scope`` (default: the subscription), in force at once.
        """
        if role is not None:
            get_role(role)  # unknown role names fail before anything is created
        secret = secrets.token_urlsafe(24)
        with self.state.lock:
            principal = self.state.directory.add_principal(
                display_name=display_name, replicated=replicated
            )
            self.state.directory.add_secret(principal.client_id, secret)
            if role is not None:
                self.grant(principal.object_id, role, scope, in_force=True)
        return principal.client_id, secret

    def service_principal_id(self, client_id: str) -> str:
        """The object ID of the service principal with ``client_id`` (KeyError if none)."""
        with self.state.lock:
            principal = self.state.directory.find_by_client_id(client_id)
        if principal is None:
            raise KeyError(f"no service principal with client ID {client_id!r}")
        return principal.object_id

    def grant(
        self,
        principal_id: str,
        role: str,
        scope: str | None = None,
        *,
        in_force: bool = False,
        principal_type: str = "ServicePrincipal",
    ) -> dict[str, Any]:
        """Assign a role directly (no ARM checks); in force now or after the propagation delay."""
        guid = get_role(role).guid
        with self.state.lock:
            return self.state.rbac.assign(
                scope or self.state.subscription_scope,
                definition_id(self.subscription_id, guid),
                principal_id,
                principal_type,
                propagated=in_force,
            )

    def az_setup(
        self, config_dir: str | os.PathLike[str] | None = None, *, role: str = "Owner"
    ) -> AzSetup:
        """Set up the real Azure CLI for this emulator; ``print(emu.az_setup())`` shows how.

        Creates a service principal holding ``role`` on the subscription (in force at once),
        writes the emulator's CA joined with the system's bundle, and returns the
        environment (``AZURE_CONFIG_DIR``, ``REQUESTS_CA_BUNDLE``) and the ``az`` commands:
        ``config set core.instance_discovery=false``, ``cloud register``, ``cloud set`` and
        ``login --service-principal``. ``config_dir`` defaults to a directory beside the CA.
        """
        server = self._running
        directory = Path(config_dir) if config_dir is not None else server.directory / "azure"
        directory.mkdir(parents=True, exist_ok=True)
        bundle = ca_bundle_with_system(self.ca_bundle, server.directory / "ca-with-system.pem")
        client_id, secret = self.create_service_principal("az-cli", replicated=True, role=role)
        commands = az_setup_commands(self.url, client_id, secret, self.tenant_id)
        return AzSetup(
            config_dir=str(directory),
            ca_bundle=str(bundle),
            client_id=client_id,
            object_id=self.service_principal_id(client_id),
            tenant_id=self.tenant_id,
            subscription_id=self.subscription_id,
            commands=tuple(tuple(c) for c in commands),
        )

    def deny_directory_reads(self, principal_id: str | None = None) -> None:
        """Test hook: Microsoft Graph refuses every read of ``principal_id`` (default: the
        default caller) with 403 ``Authorization_RequestDenied``, as for an application
        without Application.Read.All or Directory.Read.All."""
        with self.state.lock:
            self.state.directory.read_denied.add((principal_id or self.state.caller_id).lower())

    def check_access(self, principal_id: str, action: str, scope: str) -> bool:
        """Whether ``principal_id`` may perform ``action`` on ``scope`` now (grants in force)."""
        with self.state.lock:
            self.state.operations.settle()
            return self.state.rbac.check_access(principal_id, action, scope)

    def put_resource(self, resource_id: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """Create a resource to grant on (key vault, registry, network, DNS zone, ...).

        Its resource group is created if missing, in the default location.
        """
        parts = resource_id.split("/")
        with self.state.lock:
            if len(parts) < 9:
                raise ArmError(400, "InvalidResourceId", f"'{resource_id}' is not a resource ID.")
            self.state.resources.require_subscription(parts[2])
            self.state.resources.ensure_resource_group(
                parts[4], self.state.location_default, subscription_id=parts[2]
            )
            return put_generic(self.state, resource_id, body or {})[1]

    def reset(self) -> None:
        """Forget all resources, principals, assignments, operations, faults and requests."""
        self.state.reset()

    def __repr__(self) -> str:
        where = self._server.url if self._server is not None else "stopped"
        return f"<Emulator {where} subscription={self.subscription_id} clock={self.clock!r}>"
