"""Connection settings shared by every SDK client of one :class:`~aks_identity.Azure`.

Cloud endpoints, the caller's SDK options (checked), and one :class:`Connection` that owns the
single HTTP transport (one ``requests`` session, one connection pool) every client uses. The
azure-core and azure-mgmt modules are imported only when a client is first built
(:mod:`aks_identity._azure._http`), so ``import aks_identity`` stays cheap.

azure-core's pipeline retry policy owns transport faults, 5xx and 429 (honouring
``Retry-After``); it is configured explicitly in ``_http`` and nothing else retries those.
"""

from __future__ import annotations

import re
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any, TypedDict

import attrs

from aks_identity._azure._pacing import pacer_for
from aks_identity._errors import ValidationError

if TYPE_CHECKING:
    from azure.core.pipeline.transport import HttpTransport

    from aks_identity._retry import RetryPolicy

__all__ = ["CLOUDS", "Connection", "Endpoints", "SdkOptions", "check_sdk_options", "endpoints"]

CLOUDS: dict[str, tuple[str, str]] = {
    "AzureCloud": ("AZURE_PUBLIC_CLOUD", "login.microsoftonline.com"),
    "AzureUSGovernment": ("AZURE_US_GOVERNMENT", "login.microsoftonline.us"),
    "AzureChinaCloud": ("AZURE_CHINA_CLOUD", "login.chinacloudapi.cn"),
}
"""Azure CLI cloud names -> (``azure.core.AzureClouds`` member, Microsoft Entra authority host).

The hosts are ``azure.identity.AzureAuthorityHosts``' values, written out so that reading
them does not import azure.identity (a unit test pins them to the SDK's)."""


class SdkOptions(TypedDict, total=False):
    """azure-core options :class:`~aks_identity.Azure` passes to every SDK client."""

    logging_enable: bool
    """Log every request and response at DEBUG on the ``azure`` loggers (headers redacted)."""
    transport: HttpTransport[Any, Any]
    """Your own azure-core transport, shared by every client; closing the ``Azure`` closes
    it, as closing an SDK client does. Its sleeps are its own (real time, no progress lines
    for long-running operations)."""
    user_agent: str
    """Put in front of ``aks-identity/<version>`` and the SDK's own User-Agent."""
    proxies: dict[str, str]
    """``requests``-style proxies, e.g. ``{"https": "http://proxy:3128"}``."""
    connection_timeout: float
    """Seconds to wait for a connection."""
    read_timeout: float
    """Seconds to wait for a response."""
    headers: dict[str, str]
    """Extra headers sent with every request (not ``Authorization``)."""


_OPTION_TYPES: dict[str, tuple[type, ...]] = {
    "logging_enable": (bool,),
    "user_agent": (str,),
    "proxies": (dict,),
    "connection_timeout": (int, float),
    "read_timeout": (int, float),
    "headers": (dict,),
}
_TOKEN = re.compile(r"^[\x21-\x7e]+( [\x21-\x7e]+)*$")


def _str_map(name: str, value: dict[Any, Any]) -> None:
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise ValidationError(
                f"{name} must map strings to strings, got {key!r}: {type(item).__name__}",
                rule="sdk-options",
            )


def check_sdk_options(options: dict[str, Any]) -> SdkOptions:
    """``options`` checked against :class:`SdkOptions` (names, types, values)."""
    allowed = {*_OPTION_TYPES, "transport"}
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise ValidationError(
            f"unknown SDK option(s) {', '.join(unknown)}: pass only {', '.join(sorted(allowed))}",
            rule="sdk-options",
        )
    for name, value in options.items():
        if name == "transport":
            from azure.core.pipeline.transport import HttpTransport

            if not isinstance(value, HttpTransport):
                raise ValidationError(
                    f"transport must be an azure.core HttpTransport (e.g. RequestsTransport), "
                    f"got {type(value).__name__}",
                    rule="sdk-options",
                )
            continue
        kinds = _OPTION_TYPES[name]
        if not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool)):
            raise ValidationError(
                f"{name} must be {' or '.join(k.__name__ for k in kinds)}, "
                f"got {type(value).__name__}",
                rule="sdk-options",
            )
        checked: Any = value  # its type was just checked
        if name.endswith("_timeout") and not checked > 0:
            raise ValidationError(f"{name} must be > 0 seconds, got {checked}", rule="sdk-options")
        if name == "user_agent" and not _TOKEN.match(checked):
            raise ValidationError(
                f"user_agent must be printable ASCII words such as 'myapp/1.2', got {checked!r}",
                rule="sdk-options",
            )
        if name in ("proxies", "headers"):
            _str_map(name, checked)
        if name == "headers" and any(k.lower() == "authorization" for k in checked):
            raise ValidationError(
                "headers must not set Authorization: the credential does", rule="sdk-options"
            )
    return options  # type: ignore[return-value]


@attrs.frozen
class Endpoints:
    """Where to reach ARM and Entra ID for a cloud."""

    cloud: str
    resource_manager: str
    credential_scopes: tuple[str, ...]
    authority: str


def endpoints(cloud: str, base_url: str | None = None) -> Endpoints:
    """Endpoints of ``cloud`` (CLI name, any casing); ``base_url`` overrides ARM's (emulator)."""
    if not isinstance(cloud, str):
        raise ValidationError(
            f"cloud must be a string such as 'AzureCloud', got {type(cloud).__name__}",
            rule="cloud",
        )
    names = {name.lower(): name for name in CLOUDS}
    name = names.get(cloud.replace(" ", "").lower())
    if name is None:
        raise ValidationError(
            f"unknown cloud {cloud!r}: use one of {', '.join(CLOUDS)}", rule="cloud"
        )
    from azure.core import AzureClouds
    from azure.mgmt.core.tools import get_arm_endpoints

    setting, authority = CLOUDS[name]
    arm = get_arm_endpoints(AzureClouds[setting])
    return Endpoints(
        cloud=name,
        resource_manager=(base_url or arm["resource_manager"]).rstrip("/"),
        credential_scopes=tuple(arm["credential_scopes"]),
        authority=authority,
    )


class Connection:
    """What every SDK client of one ``Azure`` shares: endpoints, options, one transport.

    The transport (and its ``requests`` session) is made when the first client is built,
    and closed once by :meth:`close`; a transport passed in ``sdk_options`` is used instead
    (and closed by the SDK clients' own ``close``, as azure-core does).
    """

    def __init__(
        self,
        endpoints: Endpoints,
        *,
        connection_verify: str | bool | None,
        policy: RetryPolicy,
        sdk_options: SdkOptions,
    ) -> None:
        self.endpoints = endpoints
        self._verify = connection_verify
        self._policy = policy
        self._options = sdk_options
        self._transport: Any = None
        self._wait: Any = None

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for any azure-mgmt client (the same transport every time)."""
        from aks_identity._azure import _http

        if self._transport is None:
            self._wait = _http.Wait(self._policy.clock)
            self._transport = self._options.get("transport") or _http.shared_transport(
                self._policy.sleep,
                self._wait,
                connection_verify=self._verify,
                now=self._policy.clock,
                pacer=pacer_for(self.endpoints.resource_manager),
            )
        extra = {k: v for k, v in self._options.items() if k not in ("transport", "user_agent")}
        return {
            **extra,
            "base_url": self.endpoints.resource_manager,
            "credential_scopes": list(self.endpoints.credential_scopes),
            "retry_policy": _http.pipeline_retry(),
            "transport": self._transport,
            "user_agent": _http.user_agent(self._options.get("user_agent")),
            "raw_request_hook": _http.log_write,
        }

    def waiting(self, what: str) -> AbstractContextManager[None]:
        """Time a long-running operation's wait (progress at INFO at least once a minute)."""
        if self._wait is None:
            return nullcontext()
        return self._wait.waiting(what)  # type: ignore[no-any-return]

    @property
    def transport(self) -> Any:
        """The one transport of every client (None until the first client is built)."""
        return self._transport

    def close(self) -> None:
        """Close the shared session (a transport the caller passed: its clients closed it)."""
        transport, self._transport = self._transport, None
        if transport is not None and "transport" not in self._options:
            transport.close_session()

