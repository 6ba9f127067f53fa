"""RetryPolicy and the domain-level waits, on a fake clock (no real sleeps)."""

from __future__ import annotations

import logging

import attrs
import pytest

from aks_identity import PropagationTimeout, RetryPolicy
from aks_identity._retry import retry_transient, wait_until


@attrs.define
class FakeClock:
    t: float = 0.0
    sleeps: list[float] = attrs.Factory(list)

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


class Flaky(Exception):
    pass


def policy(clock: FakeClock, **kw: float) -> RetryPolicy:
    return RetryPolicy(clock=clock.now, sleep=clock.sleep, progress=False, seed=1, **kw)


def test_backoff_grows_then_caps_at_maximum() -> None:
    import random

    p = RetryPolicy(initial=2, maximum=30, jitter=1)
    waits = [p.backoff(n, random.Random(0)) for n in range(1, 10)]
    assert waits[0] < 3 and waits[-1] == 30
    assert all(w <= 30 for w in waits)
    assert waits == sorted(waits)


def test_retries_named_errors_until_success_and_logs_reason(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    calls = iter([Flaky(), Flaky(), "done"])

    def op() -> str:
        item = next(calls)
        if isinstance(item, Exception):
            raise item
        return item

    with caplog.at_level(logging.INFO, logger="aks_identity.retry"):
        result = retry_transient(
            op,
            policy=policy(clock),
            reason=lambda e: "flaky" if isinstance(e, Flaky) else None,
            awaited="the grant",
        )
    assert result == "done"
    assert len(clock.sleeps) == 2
    assert sum("flaky" in r.getMessage() for r in caplog.records) == 2


def test_unnamed_errors_fail_fast() -> None:
    clock = FakeClock()

    def op() -> None:
        raise KeyError("boom")

    with pytest.raises(KeyError):
        retry_transient(op, policy=policy(clock), reason=lambda e: None, awaited="x")
    assert clock.sleeps == []


def test_budget_exhausted_raises_propagation_timeout_naming_what_and_how_long() -> None:
    clock = FakeClock()

    def op() -> None:
        raise Flaky("still missing")

    with pytest.raises(PropagationTimeout) as info:
        retry_transient(
            op,
            policy=policy(clock, total=600),
            reason=lambda e: "flaky",
            awaited="Managed Identity Operator grant",
        )
    err = info.value
    assert err.awaited == "Managed Identity Operator grant"
    assert err.waited_seconds == pytest.approx(600)
    assert "Managed Identity Operator grant" in str(err) and "600 s" in str(err)
    assert isinstance(err.__cause__, Flaky)
    assert clock.t == pytest.approx(600)  # never sleeps past the deadline


def test_steady_state_polls_at_most_twice_a_minute() -> None:
    clock = FakeClock()
    attempts: list[float] = []

    def op() -> None:
        attempts.append(clock.t)
        raise Flaky()

    with pytest.raises(PropagationTimeout):
        retry_transient(op, policy=policy(clock, total=3600), reason=lambda e: "x", awaited="x")
    after_first_minute = [t for t in attempts if t >= 60]
    assert len(after_first_minute) <= 2 * 59 + 1


def test_wait_until_condition() -> None:
    clock = FakeClock()
    wait_until(lambda: clock.t >= 100, policy=policy(clock), awaited="visible")
    assert 100 <= clock.t <= 130
    with pytest.raises(PropagationTimeout):
        wait_until(lambda: False, policy=policy(clock), awaited="never", timeout=50)


def test_negative_budget_rejected() -> None:
    with pytest.raises(ValueError, match="total"):
        RetryPolicy(total=-1)


def test_on_codes_matches_arm_code_case_insensitively() -> None:
    from aks_identity import AuthorizationError
    from aks_identity._retry import on_codes

    reason = on_codes("LinkedAuthorizationFailed", why="grant not in force yet")
    hit = reason(AuthorizationError("x", code="linkedauthorizationfailed"))
    assert hit is not None and "grant not in force yet" in hit
    assert reason(AuthorizationError("x", code="AuthorizationFailed")) is None
    assert reason(ValueError("no code")) is None
