"""Emulator settings: delays (fixed or seeded-random) and knobs tests turn."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Union

__all__ = ["DEFAULT_TOKEN_LIFETIME", "Delay", "DelayLike", "EmulatorConfig"]


@dataclass(frozen=True)
class Delay:
    """A duration in emulated seconds: fixed (``low == high``) or uniform in ``[low, high]``."""

    low: float
    high: float

    def __post_init__(self) -> None:
        if self.low < 0 or self.high < self.low:
            raise ValueError(f"invalid delay range [{self.low}, {self.high}]")

    @classmethod
    def fixed(cls, seconds: float) -> Delay:
        """Always ``seconds``."""
        return cls(float(seconds), float(seconds))

    @classmethod
    def uniform(cls, low: float, high: float) -> Delay:
        """Uniformly random in ``[low, high]`` (seeded)."""
        return cls(float(low), float(high))

    @classmethod
    def of(cls, value: DelayLike) -> Delay:
        """A Delay from seconds, a ``(low, high)`` pair or a Delay."""
        if isinstance(value, Delay):
            return value
        if isinstance(value, tuple):
            low, high = value
            return cls(float(low), float(high))
        return cls(float(value), float(value))

    def sample(self, rng: random.Random) -> float:
        """One duration (draws from ``rng`` only when the delay is random)."""
        if self.low == self.high:
            return self.low
        return rng.uniform(self.low, self.high)


DelayLike = Union[float, int, "tuple[float, float]", Delay]

DEFAULT_TOKEN_LIFETIME = Delay(3600.0, 5400.0)
"""Entra ID's default access token lifetime: uniformly random in 60-90 minutes
(https://learn.microsoft.com/en-us/entra/identity-platform/configurable-token-lifetimes)."""


@dataclass
class EmulatorConfig:
    """Behaviour settings; every delay is drawn from the state's seeded RNG."""

    propagation_delay: Delay = field(default_factory=lambda: Delay(0.0, 0.0))
    """RBAC: from a role assignment's creation until it is in force."""
    replication_delay: Delay = field(default_factory=lambda: Delay(0.0, 0.0))
    """Directory: from a principal's creation until ARM can see it (PrincipalNotFound)."""
    lro_duration: Delay = field(default_factory=lambda: Delay(30.0, 30.0))
    """Long-running operations: from start until they finish."""
    token_lifetime: Delay = field(default_factory=lambda: Delay(3600.0, 86400.0))
    """How long a replaced control-plane identity's token stays in use."""
    access_token_lifetime: Delay = DEFAULT_TOKEN_LIFETIME
    """Bearer tokens the emulator issues: Entra's default, a random 60-90 minutes."""
    newest_node_image: str = "AKSUbuntu-2204gen2containerd-202501.01.0"
    """The newest node image the emulated AKS offers."""
    page_size: int = 100
    """Items per page of a list response (``nextLink`` beyond)."""
    poll_step: float = 15.0
    """On a virtual clock, how far one poll of a running operation moves time."""
    throttling: bool = False
    """ARM's request limits per subscription (token buckets) and Resource Graph's user quota:
    429 with ``Retry-After`` once spent."""
