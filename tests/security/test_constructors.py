"""Constructors: Azure (credentials, endpoints), RetryPolicy, the Emulator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from aks_identity import Azure, RetryPolicy, ValidationError
from aks_identity.emulator import Emulator

from .conftest import World

SUB = "00000000-0000-0000-0000-000000000001"


class _AsyncCredential:
    """Shaped like azure.identity.aio credentials: get_token is a coroutine."""

    async def get_token(self, *scopes: str, **kwargs: object) -> object:  # pragma: no cover
        raise AssertionError("never called")

    async def close(self) -> None:  # pragma: no cover
        pass


class _WrappedAsyncCredential:
    """An async credential whose get_token is a wrapper (not itself a coroutine function)."""

    def __init__(self) -> None:
        self.secret = "not-a-real-secret"
        self.get_token = _AsyncCredential().get_token

    async def __aenter__(self) -> _WrappedAsyncCredential:  # pragma: no cover
        return self

    async def __aexit__(self, *args: object) -> None:  # pragma: no cover
        pass


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda w: None, "credential"),
        (lambda w: "token", "credential"),
        (lambda w: object(), "credential"),
        (lambda w: _AsyncCredential(), "async credential"),
        (lambda w: _WrappedAsyncCredential(), "async credential"),
    ],
    ids=["none", "str", "object", "async-get-token", "async-context-manager"],
)
def test_credentials(
    world: World, refused: Callable[..., ValidationError], make: Any, problem: str
) -> None:
    error = refused(lambda: Azure(make(world), SUB), problem)
    assert "not-a-real-secret" not in str(error)


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"cloud": 5}, "cloud"),
        ({"cloud": "AzureGermanCloud"}, "unknown cloud"),
        ({"base_url": "http://127.0.0.1:1"}, "https://"),
        ({"base_url": 5}, "base_url"),
        ({"connection_verify": 5}, "connection_verify"),
        ({"retry": {"total": 5}}, "RetryPolicy"),
        ({"retry": None}, "RetryPolicy"),
    ],
    ids=repr,
)
def test_azure_settings(
    world: World, refused: Callable[..., ValidationError], settings: dict[str, Any], problem: str
) -> None:
    refused(lambda: Azure(world.emu.credential(), SUB, **settings), problem)


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"total": float("nan")}, "finite"),
        ({"total": float("inf")}, "finite"),
        ({"initial": float("nan")}, "finite"),
        ({"maximum": float("-inf")}, "finite"),
        ({"jitter": float("nan")}, "finite"),
        ({"total": 0}, "too small"),
        ({"initial": -1}, "too small"),
        ({"jitter": -0.5}, "too small"),
        ({"total": "60"}, "number"),
        ({"total": None}, "number"),
        ({"total": True}, "number"),
        ({"initial": 60, "maximum": 30}, "initial <= maximum"),
        ({"clock": 5}, "function"),
        ({"sleep": None}, "function"),
        ({"progress": "yes"}, "True or False"),
        ({"seed": "1"}, "integer"),
    ],
    ids=repr,
)
def test_retry_policy(
    world: World, refused: Callable[..., ValidationError], settings: dict[str, Any], problem: str
) -> None:
    refused(lambda: RetryPolicy(**settings), problem)


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"clock": "fake"}, "clock"),
        ({"time_scale": 0}, "time_scale"),
        ({"time_scale": float("nan")}, "finite"),
        ({"seed": "1"}, "seed"),
        ({"propagation_delay": -1}, "propagation_delay"),
        ({"replication_delay": float("inf")}, "finite"),
        ({"lro_duration": (60, 10)}, "above high"),
        ({"lro_duration": (1, 2, 3)}, "pair"),
        ({"token_lifetime": "1h"}, "token_lifetime"),
        ({"page_size": 0}, "page_size"),
        ({"poll_step": 0}, "poll_step"),
        ({"port": 70000}, "port"),
        ({"subscriptions": 0}, "subscriptions"),
        ({"subscriptions": "2"}, "subscriptions"),
        ({"subscription_id": "sub"}, "subscription_id"),
        ({"tenant_id": "contoso"}, "tenant_id"),
        ({"location": "mars"}, "location"),
        ({"newest_node_image": 5}, "newest_node_image"),
    ],
    ids=repr,
)
def test_emulator_constructor(
    world: World, refused: Callable[..., ValidationError], settings: dict[str, Any], problem: str
) -> None:
    refused(lambda: Emulator(**settings), problem)


@pytest.mark.parametrize(
    ("settings", "environment", "problem"),
    [
        ({"cloud": 5}, SUB, "cloud"),
        ({"retry": "fast"}, SUB, "RetryPolicy"),
        ({}, "not-a-guid", "subscription_id"),
        ({}, f"{SUB}\n", "subscription_id"),
    ],
    ids=repr,
)
def test_from_environment(
    world: World,
    refused: Callable[..., ValidationError],
    monkeypatch: pytest.MonkeyPatch,
    settings: dict[str, Any],
    environment: str,
    problem: str,
) -> None:
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", environment)
    refused(lambda: Azure.from_environment(**settings), problem)
