"""Bearer tokens: RS256 JWTs on the emulator's clock, bound to a tenant and an audience.

An access token names its principal (``oid``, ``appid``), its tenant (``tid``) and the
service it is for (``aud``: ARM or Microsoft Graph); ``iat``/``nbf``/``exp`` are Unix times
of the emulated clock (its epoch plus emulated seconds). Every ARM and Graph request checks
signature, audience, tenant and expiry (:meth:`Tokens.verify`).

The default lifetime is Microsoft Entra ID's: a random 60 to 90 minutes ("The default
lifetime of an access token is variable ... a random value ranging between 60-90 minutes",
https://learn.microsoft.com/en-us/entra/identity-platform/configurable-token-lifetimes).
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from azure.core.credentials import AccessToken, AccessTokenInfo

from ._config import Delay
from ._jwt import InvalidJwt, SigningKey

__all__ = [
    "ARM_AUDIENCES",
    "DEFAULT_TOKEN_LIFETIME",
    "GRAPH_AUDIENCES",
    "EmulatorCredential",
    "IssuedToken",
    "TokenFileCredential",
    "TokenRejected",
    "Tokens",
    "audience_of",
]

DEFAULT_TOKEN_LIFETIME = Delay(3600.0, 5400.0)
"""Entra's default access token lifetime: uniformly random in 60-90 minutes."""

ARM_AUDIENCES = frozenset(
    {
        "https://management.core.windows.net/",
        "https://management.azure.com/",
        "https://management.usgovcloudapi.net/",
        "https://management.core.usgovcloudapi.net/",
        "https://management.chinacloudapi.cn/",
        "https://management.core.chinacloudapi.cn/",
    }
)
"""Audiences ARM accepts (with or without the trailing slash), every cloud's."""

GRAPH_AUDIENCES = frozenset(
    {
        "https://graph.microsoft.com/",
        "https://graph.microsoft.us/",
        "https://microsoftgraph.chinacloudapi.cn/",
        "00000003-0000-0000-c000-000000000000",
    }
)
"""Audiences Microsoft Graph accepts (plus the emulator's own URL)."""

_REFRESH_MARGIN = 300.0
"""Seconds before expiry at which EmulatorCredential gets a new token (azure-core's window)."""


def audience_of(scopes: Iterable[str]) -> str:
    """The ``aud`` a token for ``scopes`` carries: the resource before ``/.default``."""
    scope = next(iter(scopes), "https://management.azure.com/.default")
    resource = scope[: -len(".default")] if scope.endswith("/.default") else scope
    return resource if resource.endswith("/") else resource + "/"


def _normal(audience: str) -> str:
    return audience if audience.endswith("/") else audience + "/"


class TokenRejected(Exception):
    """A bearer token the service refuses: ARM's code, its message, the challenge text."""

    def __init__(self, code: str, message: str, challenge: str, authority: str = "") -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.challenge = challenge
        self.authority = authority


@dataclass(frozen=True)
class IssuedToken:
    """A signed token and its expiry (Unix time on the emulated clock)."""

    token: str
    expires_on: float
    issued_at: float

    def __repr__(self) -> str:
        return f"IssuedToken(expires_on={self.expires_on:.0f})"


def _dotnet_time(unix: float) -> str:
    """UTC as ARM's messages print it: ``5/25/2017 2:41:43 PM``."""
    moment = dt.datetime.fromtimestamp(unix, dt.timezone.utc)
    hour = moment.hour % 12 or 12
    half = "AM" if moment.hour < 12 else "PM"
    return (
        f"{moment.month}/{moment.day}/{moment.year} "
        f"{hour}:{moment.minute:02d}:{moment.second:02d} {half}"
    )


class Tokens:
    """Issues and verifies the emulator's access tokens."""

    def __init__(
        self,
        *,
        tenant_id: str,
        now: Callable[[], float],
        epoch: float,
        lifetime: Callable[[], Delay],
        seed: int = 0,
    ) -> None:
        self.tenant_id = tenant_id
        self._now = now
        self._epoch = epoch
        self._lifetime = lifetime
        self._rng = random.Random(f"tokens-{seed}")
        self._key: SigningKey | None = None
        self._lock = threading.Lock()

    @property
    def key(self) -> SigningKey:
        """The signing key (made on first use: an RSA key takes a moment)."""
        with self._lock:
            if self._key is None:
                self._key = SigningKey()
            return self._key

    def unix_now(self) -> float:
        """The emulated instant as Unix time."""
        return self._epoch + self._now()

    def issue(
        self,
        principal_id: str,
        *,
        client_id: str | None = None,
        audience: str = "https://management.azure.com/",
        tenant_id: str | None = None,
        lifetime: float | None = None,
    ) -> IssuedToken:
        """A new token for ``principal_id`` (object ID) and ``audience``."""
        tenant = (tenant_id or self.tenant_id).lower()
        with self._lock:
            seconds = self._lifetime().sample(self._rng) if lifetime is None else lifetime
        issued = int(self.unix_now())
        expires = issued + int(seconds)
        claims: dict[str, Any] = {
            "aud": audience,
            "iss": f"https://sts.windows.net/{tenant}/",
            "iat": issued,
            "nbf": issued,
            "exp": expires,
            "appid": client_id or principal_id,
            "appidacr": "1",
            "idtyp": "app",
            "oid": principal_id,
            "sub": principal_id,
            "tid": tenant,
            "uti": uuid.uuid4().hex[:22],
            "ver": "1.0",
        }
        return IssuedToken(self.key.sign(claims), float(expires), float(issued))

    def verify(self, token: str, *, audiences: Iterable[str]) -> dict[str, Any]:
        """The claims of a valid token for one of ``audiences``; :class:`TokenRejected` if not.

        Checked in ARM's order: signature, audience, tenant, lifetime.
        """
        try:
            claims = self.key.verify(token)
        except InvalidJwt:
            raise TokenRejected(
                "InvalidAuthenticationToken",
                "The access token is invalid.",
                "The access token is invalid.",
            ) from None
        allowed = sorted({_normal(a) for a in audiences})
        audience = str(claims.get("aud", ""))
        if _normal(audience) not in allowed:
            listed = ",".join(f"'{a}','{a.rstrip('/')}'" for a in allowed)
            raise TokenRejected(
                "InvalidAuthenticationToken",
                f"The access token has been obtained for wrong audience or resource "
                f"'{audience}'. It should exactly match with one of the allowed audiences "
                f"{listed}.",
                "The access token has been obtained for wrong audience or resource.",
            )
        tenant = str(claims.get("tid", ""))
        if tenant != self.tenant_id:
            # Message as ARM sends it (quoted in Azure/azure-sdk-for-net#49391).
            raise TokenRejected(
                "InvalidAuthenticationTokenTenant",
                f"The access token is from the wrong issuer 'https://sts.windows.net/{tenant}/'."
                f" It must match the tenant 'https://sts.windows.net/{self.tenant_id}/' "
                "associated with this subscription. Please use the authority (URL) "
                f"'https://login.windows.net/{self.tenant_id}' to get the token. Note, if the "
                "subscription is transferred to another tenant there is no impact to the "
                "services, but information about new tenant could take time to propagate (up "
                "to an hour). If you just transferred your subscription and see this error "
                "message, please try back later.",
                "The access token is from the wrong issuer.",
                authority=self.tenant_id,
            )
        now = self.unix_now()
        expires = float(claims.get("exp", 0))
        if now >= expires:
            message = (
                f"The access token expiry UTC time '{_dotnet_time(expires)}' is earlier than "
                f"current UTC time '{_dotnet_time(now)}'."
            )
            raise TokenRejected("ExpiredAuthenticationToken", message, message)
        if now < float(claims.get("nbf", 0)):
            raise TokenRejected(
                "InvalidAuthenticationToken",
                "The access token is not yet valid.",
                "The access token is not yet valid.",
            )
        return claims


class EmulatorCredential:
    """An azure-core ``TokenCredential`` whose tokens the emulator accepts.

    Tokens expire on the emulator's clock, which may run far ahead of the wall clock (a
    virtual clock jumps hours at once). So the credential keeps its token itself, renews it
    five emulated minutes before expiry, and tells azure-core's authentication policy
    (through ``refresh_on``) to ask it on every request: refreshing is transparent.
    """

    def __init__(self, tokens: Tokens, principal_id: str, *, tenant_id: str | None = None) -> None:
        self._tokens = tokens
        self.principal_id = principal_id
        self.tenant_id = tenant_id
        self._cache: dict[str, IssuedToken] = {}
        self._lock = threading.Lock()

    def _current(self, scopes: tuple[str, ...]) -> IssuedToken:
        audience = audience_of(scopes)
        with self._lock:
            held = self._cache.get(audience)
            if held is None or held.expires_on - self._tokens.unix_now() < _REFRESH_MARGIN:
                held = self._tokens.issue(
                    self.principal_id, audience=audience, tenant_id=self.tenant_id
                )
                self._cache[audience] = held
            return held

    def _wall_expiry(self, held: IssuedToken) -> int:
        return int(time.time() + max(0.0, held.expires_on - self._tokens.unix_now()))

    def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        """A token for ``scopes`` (ARM's when none), valid on the emulator's clock."""
        held = self._current(scopes)
        return AccessToken(held.token, self._wall_expiry(held))

    def get_token_info(self, *scopes: str, options: Any = None) -> AccessTokenInfo:
        """A token, in the newer azure-core protocol; ``refresh_on`` makes the policy ask again."""
        held = self._current(scopes)
        return AccessTokenInfo(
            held.token, self._wall_expiry(held), refresh_on=int(time.time()) - 120
        )

    def close(self) -> None:
        """Nothing to release."""

    def __repr__(self) -> str:
        return f"EmulatorCredential(principal_id={self.principal_id!r})"


class TokenFileCredential:
    """A TokenCredential that reads a token from a file (standalone emulator, other processes).

    The standalone emulator rewrites the file before the token in it expires; the file is read
    on every request.
    """

    def __init__(self, path: str) -> None:
        self.path = path

    def _read(self) -> str:
        with open(self.path, encoding="utf-8") as handle:
            return handle.read().strip()

    def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        """The token in the file."""
        return AccessToken(self._read(), int(time.time()) + 300)

    def get_token_info(self, *scopes: str, options: Any = None) -> AccessTokenInfo:
        """The token in the file, in the newer azure-core protocol (read again every request)."""
        return AccessTokenInfo(
            self._read(), int(time.time()) + 300, refresh_on=int(time.time()) - 120
        )

    def close(self) -> None:
        """Nothing to release."""

    def __repr__(self) -> str:
        return f"TokenFileCredential(path={self.path!r})"
