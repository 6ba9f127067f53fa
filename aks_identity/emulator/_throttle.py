"""ARM's request limits per subscription: token buckets on the emulator's clock.

As documented for Azure Resource Manager (regional defaults, per subscription): reads come from
a bucket of 250 refilled at 25 a second, writes from one of 200 refilled at 10 a second. Every
response to a subscription's request carries what is left,
``x-ms-ratelimit-remaining-subscription-reads`` (or ``-writes``); a request that finds its
bucket empty gets 429 ``SubscriptionRequestsThrottled`` with ``Retry-After``. Only with
``Emulator(throttling=True)``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ._errors import ArmError

__all__ = ["LIMITS", "Throttle"]

LIMITS = {"reads": (250.0, 25.0), "writes": (200.0, 10.0)}
"""Bucket size and refill rate (per second) of each kind of request."""
_SUBSCRIPTION = re.compile(r"^/subscriptions/([^/]+)", re.IGNORECASE)


@dataclass
class _Bucket:
    tokens: float
    at: float


class Throttle:
    """The buckets of every subscription."""

    def __init__(self) -> None:
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    def take(self, method: str, path: str, now: float) -> dict[str, str]:
        """Spend one request; its headers, or 429 ArmError when the bucket is empty."""
        found = _SUBSCRIPTION.match(path)
        if found is None:
            return {}
        subscription = found.group(1).lower()
        kind = "reads" if method.upper() in ("GET", "HEAD") else "writes"
        size, rate = LIMITS[kind]
        bucket = self._buckets.setdefault((subscription, kind), _Bucket(size, now))
        bucket.tokens = min(size, bucket.tokens + max(0.0, now - bucket.at) * rate)
        bucket.at = now
        header = f"x-ms-ratelimit-remaining-subscription-{kind}"
        if bucket.tokens < 1.0:
            wait = math.ceil((1.0 - bucket.tokens) / rate)
            raise ArmError(
                429,
                "SubscriptionRequestsThrottled",
                f"Number of '{kind[:-1]}' requests for subscription '{subscription}' exceeded. "
                f"Please try again after '{wait}' seconds after additional tokens are "
                "available. Refer to https://aka.ms/arm-throttling",
                headers={"Retry-After": str(wait), header: "0"},
            )
        bucket.tokens -= 1.0
        return {header: str(int(bucket.tokens))}
