"""ARM errors: each knows its wire status, code and message.

Raise an :class:`ArmError` anywhere in a route or in the backend state; the HTTP layer turns it
into ARM's error envelope ``{"error": {"code", "message"}}`` with the status and headers.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ArmError",
    "authorization_failed",
    "invalid_request",
    "resource_group_not_found",
    "resource_not_found",
    "subscription_not_found",
]


class ArmError(Exception):
    """An error response of Azure Resource Manager."""

    headers: dict[str, str]

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        target: str | None = None,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        self.target = target
        self.details = details

    def body(self) -> dict[str, Any]:
        """The JSON body ARM sends for this error."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.target is not None:
            error["target"] = self.target
        if self.details is not None:
            error["details"] = self.details
        return {"error": error}

    def __repr__(self) -> str:
        return f"ArmError({self.status}, {self.code!r})"


def resource_not_found(full_type: str, name: str, resource_group: str) -> ArmError:
    """404 ResourceNotFound, worded as ARM words it."""
    return ArmError(
        404,
        "ResourceNotFound",
        f"The Resource '{full_type}/{name}' under resource group '{resource_group}' was not "
        "found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    )


def resource_group_not_found(name: str) -> ArmError:
    """404 ResourceGroupNotFound."""
    return ArmError(404, "ResourceGroupNotFound", f"Resource group '{name}' could not be found.")


def subscription_not_found(subscription_id: str) -> ArmError:
    """404 SubscriptionNotFound."""
    return ArmError(
        404, "SubscriptionNotFound", f"The subscription '{subscription_id}' could not be found."
    )


def invalid_request(message: str = "The request content was invalid.") -> ArmError:
    """400 InvalidRequestContent."""
    return ArmError(400, "InvalidRequestContent", message)


def authorization_failed(principal_id: str, action: str, scope: str, *, linked: bool) -> ArmError:
    """403 AuthorizationFailed (or LinkedAuthorizationFailed for a referenced resource)."""
    if linked:
        return ArmError(
            403,
            "LinkedAuthorizationFailed",
            f"The client '{principal_id}' with object id '{principal_id}' has permission to "
            f"perform action on the request scope, but does not have permission to perform "
            f"action(s) '{action}' on the linked scope(s) '{scope}' or the linked scope(s) are "
            "invalid.",
        )
    return ArmError(
        403,
        "AuthorizationFailed",
        f"The client '{principal_id}' with object id '{principal_id}' does not have "
        f"authorization to perform action '{action}' over scope '{scope}' or the scope is "
        "invalid. If access was recently granted, please refresh your credentials.",
    )
