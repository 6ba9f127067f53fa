"""Notebook views: waits show a bar only once an attempt failed; tables fit the cell."""

from __future__ import annotations

import re
from typing import Any

import pytest
import tqdm.auto

from aks_identity import Plan, PlannedGrant, RetryPolicy
from aks_identity._retry import retry_transient

SUB = "/subscriptions/00000000-0000-0000-0000-000000000001"
SUBNET = f"{SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/aks"


class _Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds


class _Bar:
    made: list[_Bar] = []

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.n = kwargs.get("initial", 0)
        self.closed = False
        _Bar.made.append(self)

    def update(self, n: int) -> None:
        self.n += n

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def bars(monkeypatch: pytest.MonkeyPatch) -> list[_Bar]:
    _Bar.made = []
    monkeypatch.setattr(tqdm.auto, "tqdm", _Bar)
    return _Bar.made


def _policy(clock: _Clock) -> RetryPolicy:
    return RetryPolicy(clock=clock.now, sleep=clock.sleep, progress=True, seed=1)


class _NotYet(Exception):
    code = "PrincipalNotFound"


def _failing(times: int) -> Any:
    left = [times]

    def operation() -> str:
        if left[0]:
            left[0] -= 1
            raise _NotYet("not yet")
        return "done"

    return operation


def _retry(clock: _Clock, operation: Any) -> Any:
    return retry_transient(operation, policy=_policy(clock), awaited="the grant",
                           reason=lambda e: "not yet" if isinstance(e, _NotYet) else None)


def test_no_bar_when_the_first_attempt_succeeds(bars: list[_Bar]) -> None:
    assert _retry(_Clock(), _failing(0)) == "done"
    assert bars == []


def test_a_bar_opens_after_a_failure_and_goes_when_done(bars: list[_Bar]) -> None:
    clock = _Clock()
    assert _retry(clock, _failing(3)) == "done"
    assert len(bars) == 1
    (bar,) = bars
    assert bar.kwargs["leave"] is False and bar.closed
    assert bar.n == round(clock.t) > 0


def test_progress_false_never_opens_a_bar(bars: list[_Bar]) -> None:
    clock = _Clock()
    policy = RetryPolicy(clock=clock.now, sleep=clock.sleep, progress=False, seed=1)
    retry_transient(_failing(2), policy=policy, awaited="x",
                    reason=lambda e: "not yet" if isinstance(e, _NotYet) else None)
    assert bars == []


def test_plan_grants_table_fits_a_notebook_cell() -> None:
    grant = PlannedGrant(role="Network Contributor", scope=SUBNET,
                         principal="1a2b3c4d-0000-0000-0000-000000000000",
                         reason="the control plane joins nodes to the subnet",
                         skip_with="grant_subnet=False")
    html = Plan(operation="create cluster c", grants=(grant,))._repr_html_()
    shown = re.sub(r"<[^>]+>", "|", html)
    assert SUBNET not in shown and "subnet aks" in shown   # short in the cell...
    assert f'title="{SUBNET}"' in html                     # ...whole in the tooltip
    assert "1a2b3c4d…" in shown
    assert "grant_subnet=False" in shown
    cells = re.findall(r"<t[dh] style=\"([^\"]+)\"", html)
    assert cells and all("overflow-wrap:anywhere" in style for style in cells)
    assert html.count("max-width:100%") == html.count("<table")


def test_auto_progress_shows_no_bar_when_not_interactive(
    bars: list[_Bar], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    clock = _Clock()
    policy = RetryPolicy(clock=clock.now, sleep=clock.sleep, progress=None, seed=1)
    retry_transient(_failing(2), policy=policy, awaited="x",
                    reason=lambda e: "not yet" if isinstance(e, _NotYet) else None)
    assert bars == []   # pytest's captured stderr is no terminal
