"""Bearer tokens: opaque random strings mapped to principals; the SDK credential."""

from __future__ import annotations

import secrets
import threading
import time
from typing import Any

from azure.core.credentials import AccessToken, AccessTokenInfo

__all__ = ["EmulatorCredential", "TokenFileCredential", "Tokens"]

_LIFETIME = 3600


class Tokens:
    """Tokens the emulator issued, each naming the principal it authenticates."""

    def __init__(self) -> None:
        self._principals: dict[str, str] = {}
        self._lock = threading.Lock()

    def issue(self, principal_id: str) -> str:
        """A new token for ``principal_id``."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._principals[token] = principal_id
        return token

    def principal(self, token: str) -> str | None:
        """The principal a token authenticates, or None for an unknown token."""
        with self._lock:
            return self._principals.get(token)


class EmulatorCredential:
    """An azure-core ``TokenCredential`` whose tokens the emulator accepts."""

    def __init__(self, tokens: Tokens, principal_id: str) -> None:
        self._tokens = tokens
        self.principal_id = principal_id

    def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        """A fresh token (valid for an hour of wall time)."""
        return AccessToken(self._tokens.issue(self.principal_id), int(time.time()) + _LIFETIME)

    def get_token_info(self, *scopes: str, options: Any = None) -> AccessTokenInfo:
        """A fresh token, in the newer azure-core protocol."""
        return AccessTokenInfo(self._tokens.issue(self.principal_id), int(time.time()) + _LIFETIME)

    def close(self) -> None:
        """Nothing to release."""

    def __repr__(self) -> str:
        return f"EmulatorCredential(principal_id={self.principal_id!r})"


class TokenFileCredential:
    """A TokenCredential that reads a token from a file (standalone emulator, other processes)."""

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
        return AccessToken(self._read(), int(time.time()) + _LIFETIME)

    def get_token_info(self, *scopes: str, options: Any = None) -> AccessTokenInfo:
        """The token in the file, in the newer azure-core protocol."""
        return AccessTokenInfo(self._read(), int(time.time()) + _LIFETIME)

    def close(self) -> None:
        """Nothing to release."""

    def __repr__(self) -> str:
        return f"TokenFileCredential(path={self.path!r})"
