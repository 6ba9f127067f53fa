"""Domain-level waits: RBAC propagation, Entra ID replication, operations in progress.

Transport faults, 5xx and 429 with ``Retry-After`` belong to azure-core's pipeline retry
policy (configured in ``_azure``); nothing here retries them a second time. tenacity stays
private to this module: the public surface is :class:`RetryPolicy`.
"""

from __future__ import annotations

import logging
import random
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from aks_identity._checks import check_bool, check_int, check_number
from aks_identity._errors import PropagationTimeout, ValidationError

if TYPE_CHECKING:
    import tenacity

__all__ = ["RetryPolicy", "on_codes", "retry_transient", "wait_until"]

_log = logging.getLogger("aks_identity.retry")

T = TypeVar("T")

Reason = Callable[[BaseException], "str | None"]
"""Says why an error is worth retrying (a short reason for the log), or None to fail fast."""


def on_codes(*codes: str, why: str) -> Reason:
    """A :data:`Reason` that retries errors whose ARM ``code`` is one of ``codes``.

    ``why`` explains in the log why such an error is expected to clear by itself,
    e.g. "the Managed Identity Operator grant has not propagated yet".
    """
    wanted = {c.lower() for c in codes}

    def reason(exc: BaseException) -> str | None:
        code = getattr(exc, "code", None)
        if isinstance(code, str) and code.lower() in wanted:
            return f"{code}: {why}"
        return None

    return reason


def _positive(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    strict = attribute.name in ("total", "initial", "maximum")
    check_number(value, f"RetryPolicy.{attribute.name}", strict=strict, rule="retry")


def _callable(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not callable(value):
        raise ValidationError(
            f"RetryPolicy.{attribute.name}: expected a function, got {type(value).__name__}. "
            "Fix: pass a callable (e.g. emu.clock.now / emu.clock.sleep)",
            rule="retry",
        )


def _optional_bool(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        check_bool(value, f"RetryPolicy.{attribute.name}")


def _optional_int(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        check_int(value, f"RetryPolicy.{attribute.name}", low=-(2**63), high=2**63 - 1)


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How long and how often to wait for Azure to catch up.

    ``total`` is the budget in seconds for one wait (default 60 minutes, the documented
    worst case for RBAC propagation). Backoff starts at ``initial`` seconds, doubles, and
    is capped at ``maximum``; up to ``jitter`` seconds of randomness are added while it
    grows, never past the cap. ``clock`` and ``sleep`` are what every wait reads and calls,
    so tests pass a virtual clock (the emulator's) and nothing waits in real time.
    ``progress``: True shows a progress bar, False never, None when interactive.
    """

    total: float = attrs.field(default=3600.0, validator=_positive)
    initial: float = attrs.field(default=2.0, validator=_positive)
    maximum: float = attrs.field(default=30.0, validator=_positive)
    jitter: float = attrs.field(default=1.0, validator=_positive)
    clock: Callable[[], float] = attrs.field(
        default=time.monotonic, repr=False, validator=_callable
    )
    sleep: Callable[[float], None] = attrs.field(
        default=time.sleep, repr=False, validator=_callable
    )
    progress: bool | None = attrs.field(default=None, validator=_optional_bool)
    seed: int | None = attrs.field(default=None, repr=False, validator=_optional_int)

    def __attrs_post_init__(self) -> None:
        if self.initial > self.maximum:
            raise ValidationError(
                f"RetryPolicy: expected initial <= maximum, got initial={self.initial}, "
                f"maximum={self.maximum}. Fix: order them, e.g. "
                "RetryPolicy(initial=2, maximum=30)",
                rule="retry",
            )

    def with_total(self, total: float) -> RetryPolicy:
        """A copy with another budget."""
        return attrs.evolve(self, total=total)

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait after the ``attempt``-th failure (1-based)."""
        grown = self.initial * 2.0 ** max(attempt - 1, 0)
        if grown >= self.maximum:
            return self.maximum
        return min(self.maximum, grown + rng.uniform(0, self.jitter))


PROGRESS_EVERY = 60.0
"""Seconds of waiting between two INFO progress lines of one wait (a CI log shows them)."""


class _Progress:
    """A wait's visible progress: an INFO line at least once a minute of (virtual) waiting,
    and a progress bar opened only once the first attempt has failed (so a grant that works
    at once shows none), gone when the wait ends (``leave=False``)."""

    def __init__(self, policy: RetryPolicy, awaited: str, budget: float) -> None:
        self._policy = policy
        self._awaited = awaited
        self._total = round(budget)
        self._bar: Any = None
        self._logged = 0.0

    def tick(self, elapsed: float) -> None:
        if elapsed - self._logged >= PROGRESS_EVERY:
            self._logged = elapsed
            _log.info("still waiting for %s: %.0f s of %d s", self._awaited, elapsed, self._total)
        if self._bar is None:
            if not self._shown():
                return
            from tqdm.auto import tqdm  # imported only when a bar is shown

            self._bar = tqdm(
                total=self._total,
                initial=min(round(elapsed), self._total),
                desc=f"waiting for {self._awaited}",
                unit="s",
                disable=False,
                leave=False,
                bar_format="{desc}: {n_fmt}/{total_fmt} s{postfix}",
            )
        self._bar.update(max(0, min(round(elapsed), self._total) - self._bar.n))

    def _shown(self) -> bool:
        """``progress``: True always, False never, None in a notebook or a terminal."""
        if self._policy.progress is not None:
            return self._policy.progress
        stderr = sys.stderr
        return "ipykernel" in sys.modules or bool(getattr(stderr, "isatty", lambda: False)())

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def retry_transient(
    operation: Callable[[], T],
    *,
    policy: RetryPolicy,
    reason: Reason,
    awaited: str,
    timeout: float | None = None,
) -> T:
    """Run ``operation`` until it succeeds, retrying only errors ``reason`` names.

    Each retry is logged at INFO with its reason. When the budget (``timeout`` or
    ``policy.total``) runs out, raises :class:`PropagationTimeout` naming ``awaited``,
    chained to the last error. Errors ``reason`` does not name propagate at once.
    """
    import tenacity

    budget = policy.total if timeout is None else timeout
    rng = random.Random(policy.seed)
    start = policy.clock()
    deadline = start + budget

    def wait(state: tenacity.RetryCallState) -> float:
        return max(0.0, min(policy.backoff(state.attempt_number, rng), deadline - policy.clock()))

    def stop(state: tenacity.RetryCallState) -> bool:
        return policy.clock() >= deadline

    def should_retry(state: tenacity.RetryCallState) -> bool:
        outcome = state.outcome
        if outcome is None or not outcome.failed:
            return False
        why = reason(outcome.exception())  # type: ignore[arg-type]
        if why is None:
            return False
        _log.info(
            "retrying %s (attempt %d, %.0f s elapsed): %s",
            awaited,
            state.attempt_number,
            policy.clock() - start,
            why,
        )
        return True

    progress = _Progress(policy, awaited, budget)

    def sleep(seconds: float) -> None:
        while seconds > 0:  # in steps of at most a minute, so that progress shows
            step = min(seconds, PROGRESS_EVERY)
            policy.sleep(step)
            seconds -= step
            progress.tick(policy.clock() - start)

    retrying = tenacity.Retrying(
        retry=should_retry, wait=wait, stop=stop, sleep=sleep, reraise=False
    )
    try:
        return retrying(operation)
    except tenacity.RetryError as exhausted:
        last = exhausted.last_attempt.exception()
        waited = policy.clock() - start
        raise PropagationTimeout(
            f"gave up waiting for {awaited} after {waited:.0f} s "
            f"(budget {budget:.0f} s); last error: {last}. Azure can take up to 60 minutes "
            "to propagate role assignments: re-run the operation later, it converges.",
            awaited=awaited,
            waited_seconds=waited,
            code=getattr(last, "code", None),
        ) from last
    finally:
        progress.close()


class _NotYet(Exception):
    """Internal: the awaited condition does not hold yet."""


def wait_until(
    condition: Callable[[], bool],
    *,
    policy: RetryPolicy,
    awaited: str,
    timeout: float | None = None,
) -> None:
    """Poll ``condition`` with backoff until it returns True, or raise PropagationTimeout."""

    def check() -> None:
        if not condition():
            raise _NotYet(f"{awaited}: not yet")

    retry_transient(
        check,
        policy=policy,
        reason=lambda exc: "not yet" if isinstance(exc, _NotYet) else None,
        awaited=awaited,
        timeout=timeout,
    )
