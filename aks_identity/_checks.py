"""Reusable checks of the values public entry points accept (pure, no I/O).

One function per concern; each raises :class:`ValidationError` whose message names what is
wrong and how to fix it, and returns the checked (never silently altered) value. The entry
points (``Azure``, the domain objects, the model values, ``RetryPolicy``, the emulator's
constructor) call these before they read or write anything.
"""

from __future__ import annotations

import ipaddress
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from aks_identity._errors import ValidationError

__all__ = [
    "check_bool",
    "check_flags",
    "check_choice",
    "check_credential",
    "check_guid",
    "check_int",
    "check_kubernetes_version",
    "check_number",
    "check_optional_str",
    "check_str",
    "check_str_sequence",
    "check_subscription_id",
    "check_tags",
    "check_text",
    "odata_literal",
    "parse_cidr",
    "parse_ip",
    "text_problem",
]

E = TypeVar("E")

GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
"""A GUID in its 8-4-4-4-12 form (use with ``fullmatch``)."""

_INVISIBLE = {
    "\u200b": "ZERO WIDTH SPACE",
    "\u200c": "ZERO WIDTH NON-JOINER",
    "\u200d": "ZERO WIDTH JOINER",
    "\u2060": "WORD JOINER",
    "\ufeff": "ZERO WIDTH NO-BREAK SPACE",
    "\u00ad": "SOFT HYPHEN",
}
_PLAIN = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?")
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_KUBERNETES_VERSION = re.compile(
    r"(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})(\.(0|[1-9][0-9]{0,3}))?"
)
_TAG_NAME_FORBIDDEN = set("<>%&\\?/")
MAX_TAGS = 50
MAX_TAG_NAME = 512
MAX_TAG_VALUE = 256


def _fail(what: str, problem: str, fix: str, rule: str) -> ValidationError:
    return ValidationError(f"{what}: {problem}. Fix: {fix}", rule=rule)


def _type_name(value: object) -> str:
    return type(value).__name__


def text_problem(value: str) -> str | None:
    """What makes ``value`` unsafe as a name or ID, or None.

    Refused: surrounding whitespace (never stripped silently), control characters (a
    trailing newline included), zero-width and bidirectional-override characters.
    """
    if _PLAIN.fullmatch(value):  # printable ASCII without surrounding spaces: the usual case
        return None
    if value != value.strip():
        return "it has leading or trailing whitespace"
    for char in value:
        if char in _INVISIBLE:
            return f"it contains the invisible character U+{ord(char):04X} {_INVISIBLE[char]}"
        if char in _BIDI:
            return f"it contains the bidirectional-text control U+{ord(char):04X}"
        if unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"}:
            return f"it contains the control character U+{ord(char):04X}"
    return None


def check_str(value: object, what: str, *, rule: str = "type", allow_empty: bool = False) -> str:
    """A ``str`` (not bytes, not None), non-empty unless ``allow_empty``."""
    if not isinstance(value, str):
        hint = " (decode bytes first)" if isinstance(value, (bytes, bytearray)) else ""
        raise _fail(what, f"expected a string, got {_type_name(value)}{hint}", "pass a str", rule)
    if not value and not allow_empty:
        raise _fail(what, "it is empty", "pass a non-empty string", rule)
    return value


def check_optional_str(value: object, what: str, *, rule: str = "type") -> str | None:
    """None, or a non-empty ``str``."""
    return None if value is None else check_str(value, what, rule=rule)


def check_text(value: object, what: str, *, rule: str = "type") -> str:
    """A non-empty string without whitespace at its ends, control or invisible characters."""
    text = check_str(value, what, rule=rule)
    problem = text_problem(text)
    if problem:
        raise _fail(
            f"{what} {text!r}",
            problem,
            "remove the whitespace, control or invisible characters (copy the value again "
            "from the portal or `az` output)",
            rule,
        )
    return text


def check_bool(value: object, what: str) -> bool:
    """A real ``bool``: a truthy string or number is not consent."""
    if not isinstance(value, bool):
        raise _fail(
            what,
            f"expected True or False, got {_type_name(value)} {value!r}",
            f"pass {what}=True or {what}=False",
            "type",
        )
    return value


def check_flags(**flags: object) -> None:
    """Every flag is a real bool: a truthy string is not consent to reimage nodes."""
    for name, value in flags.items():
        check_bool(value, name)


def check_int(value: object, what: str, *, low: int, high: int, rule: str = "type") -> int:
    """An ``int`` (not a bool, not a float) between ``low`` and ``high`` inclusive."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(
            what, f"expected an integer, got {_type_name(value)} {value!r}", "pass an int", rule
        )
    if not low <= value <= high:
        raise _fail(what, f"{value} is out of range", f"pass a number from {low} to {high}", rule)
    return value


def check_number(
    value: object, what: str, *, minimum: float = 0.0, strict: bool = False, rule: str = "type"
) -> float:
    """A finite real number ``>= minimum`` (``> minimum`` when ``strict``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(
            what, f"expected a number, got {_type_name(value)} {value!r}", "pass a float", rule
        )
    number = float(value)
    if not math.isfinite(number):
        raise _fail(what, f"{value!r} is not a finite number", "pass a finite number", rule)
    if number < minimum or (strict and number == minimum):
        bound = f"greater than {minimum:g}" if strict else f"at least {minimum:g}"
        raise _fail(what, f"{value!r} is too small", f"pass a number {bound}", rule)
    return number


def check_guid(
    value: object,
    what: str,
    *,
    rule: str = "guid",
    source: str = "an object ID from `az ad sp show --id <app-id> --query id`",
) -> str:
    """A GUID string (8-4-4-4-12 hex digits), returned lower-cased."""
    text = check_str(value, what, rule=rule)
    if not GUID.fullmatch(text):
        raise _fail(
            f"{what} {text!r}",
            "it is not a GUID",
            f"pass the GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx), e.g. {source}",
            rule,
        )
    return text.lower()


def check_subscription_id(value: object) -> str:
    """A subscription ID: a GUID (lower-cased)."""
    return check_guid(
        value, "subscription_id", rule="subscription", source="`az account show --query id`"
    )


def odata_literal(value: str) -> str:
    """``value`` as an OData string literal (quotes doubled), for ``$filter``."""
    return "'" + value.replace("'", "''") + "'"


def check_choice(value: object, what: str, choices: Mapping[str, E], *, rule: str) -> E:
    """One of ``choices`` (keys matched case-insensitively)."""
    text = check_str(value, what, rule=rule)
    for key, choice in choices.items():
        if key.lower() == text.lower():
            return choice
    raise _fail(
        f"{what} {text!r}", "it is not a known value", f"use one of {', '.join(choices)}", rule
    )


def check_str_sequence(value: object, what: str, *, rule: str = "type") -> tuple[Any, ...]:
    """A list/tuple (any sequence that is not a string) of items, as a tuple."""
    if isinstance(value, (str, bytes, bytearray)):
        raise _fail(
            what,
            f"expected a list, got a single {_type_name(value)} {value!r} (a string is not "
            "split into characters)",
            f"wrap it in a list: {what}=[{value!r}]",
            rule,
        )
    if isinstance(value, Mapping) or not isinstance(value, (Sequence, set, frozenset)):
        raise _fail(
            what, f"expected a list, got {_type_name(value)}", f"pass {what}=[...] or ()", rule
        )
    return tuple(value)


def check_tags(value: object, what: str = "tags") -> dict[str, str] | None:
    """None or a mapping of str to str within ARM's tag limits; a plain dict copy."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise _fail(
            what,
            f"expected a mapping of str to str, got {_type_name(value)}",
            "pass a dict such as {'team': 'platform'}",
            "tags",
        )
    if len(value) > MAX_TAGS:
        raise _fail(
            what,
            f"{len(value)} tags, ARM allows {MAX_TAGS} per resource",
            f"keep at most {MAX_TAGS} tags",
            "tags",
        )
    tags: dict[str, str] = {}
    for name, text in value.items():
        if not isinstance(name, str) or not isinstance(text, str):
            raise _fail(
                what,
                f"tag {name!r}: {text!r} is not str: str ({_type_name(name)}: {_type_name(text)})",
                "convert names and values to strings",
                "tags",
            )
        if not 1 <= len(name) <= MAX_TAG_NAME or _TAG_NAME_FORBIDDEN & set(name):
            raise _fail(
                f"{what} name {name[:40]!r}",
                f"tag names are 1-{MAX_TAG_NAME} characters without any of <>%&\\?/",
                "rename the tag",
                "tags",
            )
        if len(text) > MAX_TAG_VALUE:
            raise _fail(
                f"{what} {name!r}",
                f"the value has {len(text)} characters, ARM allows {MAX_TAG_VALUE}",
                "shorten the value",
                "tags",
            )
        problem = text_problem(name)
        if problem:
            raise _fail(f"{what} name {name!r}", problem, "rename the tag", "tags")
        tags[name] = text
    return tags


def check_kubernetes_version(value: object) -> str | None:
    """None (AKS's default) or ``MAJOR.MINOR`` / ``MAJOR.MINOR.PATCH`` such as ``1.30``."""
    if value is None:
        return None
    text = check_str(value, "kubernetes_version", rule="kubernetes_version")
    if not _KUBERNETES_VERSION.fullmatch(text):
        raise _fail(
            f"kubernetes_version {text!r}",
            "it is not a Kubernetes version",
            "pass MAJOR.MINOR or MAJOR.MINOR.PATCH such as '1.30' or '1.30.4' (see `az aks "
            "get-versions`), or None for AKS's default",
            "kubernetes_version",
        )
    return text


def check_credential(value: object) -> Any:
    """A synchronous azure-core ``TokenCredential`` (``get_token`` that is not a coroutine)."""
    import inspect

    get_token = getattr(value, "get_token", None)
    if value is None or not callable(get_token):
        raise _fail(
            "credential",
            f"expected an azure-identity credential, got {_type_name(value)}",
            "pass e.g. azure.identity.DefaultAzureCredential() (or emu.credential())",
            "credential",
        )
    from azure.core.credentials_async import AsyncTokenCredential

    if (
        inspect.iscoroutinefunction(get_token)
        or hasattr(value, "__aenter__")
        or (isinstance(value, AsyncTokenCredential) and not hasattr(value, "__enter__"))
    ):
        raise _fail(
            "credential",
            f"{_type_name(value)} is an async credential (azure.identity.aio); aks_identity "
            "uses the synchronous SDK clients",
            "pass the synchronous credential from azure.identity (not azure.identity.aio)",
            "credential",
        )
    return value


def parse_ip(value: object, what: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """An IP address string such as ``10.0.0.10``."""
    text = check_text(value, what, rule="network")
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        raise _fail(
            f"{what} {text!r}",
            "it is not an IP address",
            "pass an address such as 10.0.0.10",
            "network",
        ) from None


def parse_cidr(value: object, what: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """A CIDR string such as ``10.0.0.0/16`` (no host bits set)."""
    text = check_text(value, what, rule="network")
    if "/" not in text:
        raise _fail(
            f"{what} {text!r}",
            "it has no prefix length",
            "pass a CIDR such as 10.0.0.0/16",
            "network",
        )
    try:
        return ipaddress.ip_network(text, strict=True)
    except ValueError as error:
        raise _fail(
            f"{what} {text!r}",
            f"it is not a valid CIDR ({error})",
            "pass a CIDR such as 10.0.0.0/16 whose host bits are zero",
            "network",
        ) from None
