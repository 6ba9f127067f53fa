"""The emulator's JWT framing and token checks (pure: no HTTP)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aks_identity.emulator._config import Delay
from aks_identity.emulator._jwt import InvalidJwt, SigningKey, unverified_claims
from aks_identity.emulator._tokens import ARM_AUDIENCES, TokenRejected, Tokens, audience_of

KEY = SigningKey()
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


def _tokens(now: list[float]) -> Tokens:
    return Tokens(
        tenant_id=TENANT,
        now=lambda: now[0],
        epoch=1_700_000_000.0,
        lifetime=lambda: Delay.fixed(3600),
    )


def test_sign_then_verify_round_trips() -> None:
    claims = {"aud": "x", "n": 1, "nested": {"k": ["v"]}}
    token = KEY.sign(claims)
    assert KEY.verify(token) == claims
    assert unverified_claims(token) == claims
    assert KEY.jwks()["keys"][0]["kid"] == KEY.kid


def test_another_keys_token_and_tampering_are_refused() -> None:
    token = SigningKey().sign({"aud": "x"})
    with pytest.raises(InvalidJwt):
        KEY.verify(token)
    header, payload, signature = KEY.sign({"aud": "x"}).split(".")
    with pytest.raises(InvalidJwt):
        KEY.verify(f"{header}.{payload}x.{signature}")
    with pytest.raises(InvalidJwt):
        KEY.verify(f"{header}.{payload}")


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_any_string_is_a_valid_token_or_invalid_jwt(text: str) -> None:
    with pytest.raises(InvalidJwt):
        KEY.verify(text)


@pytest.mark.parametrize(
    ("scopes", "audience"),
    [
        (
            ("https://management.core.windows.net//.default",),
            "https://management.core.windows.net/",
        ),
        (("https://management.azure.com/.default",), "https://management.azure.com/"),
        (("https://graph.microsoft.com/.default",), "https://graph.microsoft.com/"),
        ((), "https://management.azure.com/"),
    ],
)
def test_audience_of_a_scope_is_its_resource(scopes: tuple[str, ...], audience: str) -> None:
    assert audience_of(scopes) == audience


def test_tokens_expire_on_the_given_clock_and_name_the_tenant() -> None:
    now = [0.0]
    tokens = _tokens(now)
    issued = tokens.issue("oid-1")
    assert tokens.verify(issued.token, audiences=ARM_AUDIENCES)["oid"] == "oid-1"
    now[0] = 3600.0
    with pytest.raises(TokenRejected) as expired:
        tokens.verify(issued.token, audiences=ARM_AUDIENCES)
    assert expired.value.code == "ExpiredAuthenticationToken"
    assert "11/14/2023 11:13:20 PM" in expired.value.message  # .NET's UTC format, as ARM's
    other = tokens.issue("oid-1", tenant_id="00000000-0000-0000-0000-000000000001")
    with pytest.raises(TokenRejected) as wrong:
        tokens.verify(other.token, audiences=ARM_AUDIENCES)
    assert (wrong.value.code, wrong.value.authority) == ("InvalidAuthenticationTokenTenant", TENANT)
    graph = tokens.issue("oid-1", audience="https://graph.microsoft.com/")
    with pytest.raises(TokenRejected, match="wrong audience"):
        tokens.verify(graph.token, audiences=ARM_AUDIENCES)
