"""JSON Web Tokens signed with RS256: the emulator's access tokens and the JWKS naming its key.

Only base64url and JSON framing live here; signing and verifying are ``cryptography``'s.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

__all__ = ["InvalidJwt", "SigningKey"]


class InvalidJwt(ValueError):
    """A token that is not a JWT this key signed (malformed, wrong algorithm or signature)."""


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise InvalidJwt("not base64url") from exc


def _uint(number: int) -> str:
    return _b64encode(number.to_bytes((number.bit_length() + 7) // 8, "big"))


def _json_segment(text: str) -> dict[str, Any]:
    try:
        value = json.loads(_b64decode(text))
    except ValueError as exc:
        raise InvalidJwt("not JSON") from exc
    if not isinstance(value, dict):
        raise InvalidJwt("not a JSON object")
    return value


class SigningKey:
    """An RSA key pair that signs tokens (RS256) and publishes itself as a JWK."""

    def __init__(self) -> None:
        self._private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        numbers = self._private.public_key().public_numbers()
        self._jwk = {"kty": "RSA", "use": "sig", "n": _uint(numbers.n), "e": _uint(numbers.e)}
        thumbprint = hashlib.sha256(
            json.dumps(
                {"e": self._jwk["e"], "kty": "RSA", "n": self._jwk["n"]}, separators=(",", ":")
            ).encode()
        ).digest()
        self.kid: str = _b64encode(thumbprint)[:27]
        """Key ID: the start of the RFC 7638 thumbprint, as Entra's kids look."""

    def jwks(self) -> dict[str, Any]:
        """The JSON Web Key Set (``{"keys": [...]}``) verifiers fetch from ``jwks_uri``."""
        return {"keys": [{**self._jwk, "kid": self.kid, "x5t": self.kid}]}

    def sign(self, claims: dict[str, Any]) -> str:
        """A compact JWS of ``claims``."""
        header = {"typ": "JWT", "alg": "RS256", "kid": self.kid, "x5t": self.kid}
        signing_input = (
            _b64encode(json.dumps(header, separators=(",", ":")).encode())
            + "."
            + _b64encode(json.dumps(claims, separators=(",", ":")).encode())
        )
        signature = self._private.sign(
            signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256()
        )
        return signing_input + "." + _b64encode(signature)

    def verify(self, token: str) -> dict[str, Any]:
        """The claims of a token this key signed; :class:`InvalidJwt` for anything else."""
        parts = token.split(".")
        if len(parts) != 3:
            raise InvalidJwt("not a compact JWS")
        header = _json_segment(parts[0])
        if header.get("alg") != "RS256" or header.get("kid") != self.kid:
            raise InvalidJwt("unexpected algorithm or key")
        try:
            self._private.public_key().verify(
                _b64decode(parts[2]),
                f"{parts[0]}.{parts[1]}".encode("ascii"),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (InvalidSignature, UnicodeEncodeError) as exc:
            raise InvalidJwt("bad signature") from exc
        return _json_segment(parts[1])


def unverified_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT without checking its signature (tests and diagnostics only)."""
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidJwt("not a compact JWS")
    return _json_segment(parts[1])
