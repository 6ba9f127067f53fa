"""Request bodies and sizes as ARM's front end judges them, before any handler runs.

- bodies over 4 MB: 413 ``RequestContentTooLarge``, "The request content size exceeds the
  maximum size of 4 MB." (ARM's answer, quoted in Azure/Azure-Landing-Zones#2644);
- URLs over :data:`MAX_URL_CHARS`: 414 in ARM's error envelope;
- bodies that are not JSON, not UTF-8, nested deeper than Json.NET's default ``MaxDepth``
  (64), not an object for a write, or whose ARM envelope (``location``, ``tags``,
  ``properties``, ...) has the wrong JSON type: 400 ``InvalidRequestContent``, "The request
  content was invalid and could not be deserialized: ..." (ARM's wording).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from typing import Any

from werkzeug.wrappers import Request

from ._errors import ArmError

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_URL_CHARS",
    "invalid_content",
    "json_body",
    "oversized",
    "read_chunked",
    "too_large",
]

MAX_BODY_BYTES = 4 * 1024 * 1024
"""ARM refuses bodies over 4 MB: 413 RequestContentTooLarge, "The request content size
exceeds the maximum size of 4 MB." (as quoted in Azure/Azure-Landing-Zones#2644)."""
MAX_URL_CHARS = 16 * 1024
"""Longest path and query answered; longer gets 414 (HTTP.sys's default MaxFieldLength)."""
MAX_JSON_DEPTH = 64
"""Deepest JSON accepted (Json.NET's default MaxDepth, which ARM's front end uses)."""

_TYPE_NAMES: dict[type, str] = {str: "string", dict: "object", list: "array"}

# The resource envelope ARM itself deserializes (Json.NET into its resource definition), for
# requests below /subscriptions or /providers: a wrong JSON type there is refused by ARM, not
# by the resource provider.
_ENVELOPE: dict[str, tuple[type, ...]] = {
    "location": (str,),
    "tags": (dict,),
    "properties": (dict,),
    "identity": (dict,),
    "sku": (dict,),
    "plan": (dict,),
    "kind": (str,),
    "zones": (list,),
    "extendedLocation": (dict,),
}


def json_body(request: Request) -> Any:
    """The JSON body: a JSON object for writes; 400 InvalidRequestContent otherwise."""
    raw = request.get_data()
    if not raw:
        return None
    try:
        body = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise invalid_content(str(error)) from None
    if _depth(body) > MAX_JSON_DEPTH:
        raise invalid_content(f"The reader's MaxDepth of {MAX_JSON_DEPTH} has been exceeded.")
    if request.method in {"PUT", "PATCH"} and not isinstance(body, dict):
        raise invalid_content(f"expected a JSON object, got a JSON {_json_type(body)}.")
    if isinstance(body, dict) and request.path.lower().startswith(("/subscriptions", "/providers")):
        _check_envelope(body)
    return body


def _check_envelope(body: dict[str, Any]) -> None:
    """The top-level members ARM reads itself have the JSON types ARM expects."""
    for name, types in _ENVELOPE.items():
        value = body.get(name)
        if value is not None and not isinstance(value, types):
            wanted = _TYPE_NAMES[types[0]]
            raise invalid_content(
                f"Error converting value {json.dumps(value)[:60]} to a JSON {wanted}. "
                f"Path '{name}'."
            )
    tags = body.get("tags")
    if isinstance(tags, dict):
        for key, value in tags.items():
            if value is not None and not isinstance(value, (str, int, float, bool)):
                raise invalid_content(
                    f"Error reading string. Unexpected token: {_json_type(value)}. "
                    f"Path 'tags.{key}'."
                )


def invalid_content(detail: str) -> ArmError:
    """400 InvalidRequestContent, as ARM words a body it cannot deserialize."""
    return ArmError(
        400,
        "InvalidRequestContent",
        f"The request content was invalid and could not be deserialized: '{detail}'",
    )


def _depth(value: Any) -> int:
    """How deeply arrays and objects nest in ``value`` (iterative: no recursion limit)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


def _json_type(value: Any) -> str:
    names = {list: "array", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def oversized(request: Request) -> ArmError | None:
    """413 for a body over ARM's limit, 414 for a very long URL (before reading the body)."""
    raw_uri = str(request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or "")
    if len(raw_uri or request.full_path) > MAX_URL_CHARS:
        return ArmError(
            414,
            "RequestUriTooLong",
            f"The request URL is longer than the maximum of {MAX_URL_CHARS} characters.",
        )
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return too_large()
    return None


def read_chunked(environ: dict[str, Any]) -> bool:
    """Read a chunked body (no Content-Length) up to the limit; True when it is longer.

    The body read is put back as a plain stream with its length, as if it had been sent with
    ``Content-Length``.
    """
    if environ.get("CONTENT_LENGTH") or not environ.get("wsgi.input_terminated"):
        return False
    data = environ["wsgi.input"].read(MAX_BODY_BYTES + 1)
    if len(data) > MAX_BODY_BYTES:
        return True
    environ["wsgi.input"] = io.BytesIO(data)
    environ["CONTENT_LENGTH"] = str(len(data))
    return False


def too_large() -> ArmError:
    return ArmError(
        413,
        "RequestContentTooLarge",
        "The request content size exceeds the maximum size of 4 MB.",
    )
