"""Checks of the Emulator's constructor arguments: ValidationError before anything starts."""

from __future__ import annotations

from typing import Any

from aks_identity._checks import check_guid, check_int, check_number, check_optional_str
from aks_identity._errors import ValidationError

from ._config import Delay
from ._locations import is_region

__all__ = ["check_emulator_arguments"]

_DELAYS = (
    "propagation_delay",
    "replication_delay",
    "lro_duration",
    "token_lifetime",
    "access_token_lifetime",
)


def _delay(value: object, what: str) -> None:
    if isinstance(value, Delay):
        value = (value.low, value.high)
    if isinstance(value, tuple):
        if len(value) != 2:
            raise ValidationError(
                f"{what}: expected seconds or a (low, high) pair, got {len(value)} values. "
                f"Fix: pass {what}=30 or {what}=(10, 60)",
                rule="emulator",
            )
        low = check_number(value[0], f"{what} low", rule="emulator")
        high = check_number(value[1], f"{what} high", rule="emulator")
        if low > high:
            raise ValidationError(
                f"{what}: low {low:g} is above high {high:g}. Fix: pass ({high:g}, {low:g})",
                rule="emulator",
            )
        return
    check_number(value, what, rule="emulator")


def check_emulator_arguments(arguments: dict[str, Any]) -> None:
    """Every constructor argument has the right type and a possible value."""
    if arguments["clock"] not in ("virtual", "real"):
        raise ValidationError(
            f"clock: expected 'virtual' or 'real', got {arguments['clock']!r}. Fix: pass "
            "clock='virtual' (tests) or clock='real' (demos)",
            rule="emulator",
        )
    check_number(arguments["time_scale"], "time_scale", strict=True, rule="emulator")
    check_int(arguments["seed"], "seed", low=-(2**63), high=2**63 - 1, rule="emulator")
    for name in _DELAYS:
        _delay(arguments[name], name)
    check_optional_str(arguments["newest_node_image"], "newest_node_image", rule="emulator")
    check_int(arguments["page_size"], "page_size", low=1, high=10_000, rule="emulator")
    check_number(arguments["poll_step"], "poll_step", strict=True, rule="emulator")
    check_int(arguments["port"], "port", low=0, high=65_535, rule="emulator")
    check_int(arguments["subscriptions"], "subscriptions", low=1, high=1_000, rule="emulator")
    if not isinstance(arguments["throttling"], bool):
        raise ValidationError(
            f"throttling: expected True or False, got {arguments['throttling']!r}. Fix: pass "
            "throttling=True (ARM's request limits) or throttling=False",
            rule="emulator",
        )
    for name in ("subscription_id", "tenant_id"):
        if arguments[name] is not None:
            check_guid(arguments[name], name, rule="emulator", source="str(uuid.uuid4())")
    location = arguments["location"]
    if not isinstance(location, str) or not is_region(location):
        raise ValidationError(
            f"location: {location!r} is not a region the emulator lists. Fix: pass a region "
            "name such as 'westus2' or 'eastus'",
            rule="emulator",
        )
