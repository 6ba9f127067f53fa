"""SDK errors -> the domain error hierarchy: ARM code, HTTP status, resource ID and what to do."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from aks_identity._errors import (
    AksIdentityError,
    AuthorizationError,
    ConflictError,
    NotFoundError,
    TransientError,
    ValidationError,
)

if TYPE_CHECKING:
    from azure.core.exceptions import AzureError, HttpResponseError

__all__ = ["error_code", "mapped", "translate"]

_NOT_FOUND = {
    "resourcenotfound",
    "resourcegroupnotfound",
    "notfound",
    "principalnotfound",
    "subscriptionnotfound",
    "roleassignmentnotfound",
    "roledefinitiondoesnotexist",
    "parentresourcenotfound",
    "serviceprincipalnotfound",
}
_AUTHORIZATION = {
    "authorizationfailed",
    "linkedauthorizationfailed",
    "customkubeletidentitymissingpermissionerror",
    "invalidauthenticationtoken",
    "expiredauthenticationtoken",
    "authenticationfailed",
}
_CONFLICT = {
    "roleassignmentexists",
    "operationnotallowed",
    "conflict",
    "invalidresourcegrouplocation",
    "resourcegroupbeingdeleted",
}

_ADVICE = {
    "authorizationfailed": "The signed-in principal lacks this permission: ask an Owner or "
    "User Access Administrator of the scope to grant it, then re-run.",
    "linkedauthorizationfailed": "A permission on a linked resource is missing (or has not "
    "propagated yet, which can take up to 60 minutes): grant it, wait, then re-run.",
    "customkubeletidentitymissingpermissionerror": "The control-plane identity needs "
    "'Managed Identity Operator' on the kubelet identity; grants can take up to 60 minutes "
    "to propagate.",
    "principalnotfound": "The principal does not exist in Microsoft Entra ID (yet): pass its "
    "object ID (not its client ID); a new identity can take a few minutes to replicate.",
    "operationnotallowed": "Another operation is running on the cluster: wait for it to finish, "
    "then re-run.",
    "roleassignmentexists": "An equivalent role assignment already exists.",
    "resourcegroupnotfound": "Create the resource group first (Azure.create_resource_group).",
    "resourcenotfound": "Check the name, resource group and subscription.",
    "subscriptionnotfound": "Check the subscription ID in the resource ID: the credential must "
    "see that subscription (same tenant, `az account list`); it is never re-pointed at this "
    "client's subscription.",
    "serviceprincipalnotfound": "Check the service principal's client ID; a new service "
    "principal can take a few minutes to replicate.",
}


def error_code(error: HttpResponseError) -> str | None:
    """The ARM error code of an SDK error, from the parsed model or the raw body."""
    parsed = getattr(error, "error", None)
    code = getattr(parsed, "code", None)
    if code:
        return str(code)
    response = error.response
    if response is None:
        return None
    try:
        body = json.loads(response.text())
    except (ValueError, TypeError, AttributeError):
        return None
    if isinstance(body, dict):
        inner = body.get("error") if isinstance(body.get("error"), dict) else body
        value = inner.get("code") if isinstance(inner, dict) else None
        return str(value) if value else None
    return None


def _message(error: HttpResponseError) -> str:
    parsed = getattr(error, "error", None)
    text = getattr(parsed, "message", None)
    if text:
        return str(text)
    return str(error.reason or error.message or "request failed")


_OPERATION_INTERNAL = {"internaloperationerror", "internalservererror"}
"""Codes of operations that failed inside Azure for no reason of the caller's."""


def translate(error: AzureError, *, doing: str, resource_id: str | None = None) -> AksIdentityError:
    """The domain error for an SDK error raised while ``doing`` something."""
    from azure.core.exceptions import (
        ClientAuthenticationError,
        HttpResponseError,
        ServiceRequestError,
        ServiceResponseError,
    )

    if isinstance(error, ClientAuthenticationError) and error.status_code is None:
        return AuthorizationError(
            f"{doing}: could not get a token for Azure Resource Manager. Sign in (az login) "
            "or check the credential's configuration.",
            resource_id=resource_id,
        )
    if isinstance(error, HttpResponseError) and error.status_code is not None:
        status = int(error.status_code)
        code = error_code(error)
        key = (code or "").lower()
        advice = _ADVICE.get(key, "")
        text = f"{doing} failed: {_message(error)}" + (f" {advice}" if advice else "")
        kwargs = {"code": code, "status": status, "resource_id": resource_id}
        cls: type[AksIdentityError]
        if status < 400:  # a long-running operation that ended Failed (the poll itself was OK)
            kwargs["status"] = None
            text = f"{doing} failed: the operation ended Failed in Azure: {_message(error)}"
            if key in _OPERATION_INTERNAL:
                return TransientError(text + " Re-run; the operation converges.", **kwargs)  # type: ignore[arg-type]
            return AksIdentityError(text, **kwargs)  # type: ignore[arg-type]
        if key in _NOT_FOUND or status == 404:
            cls = NotFoundError
        elif key in _AUTHORIZATION or status in (401, 403):
            cls = AuthorizationError
        elif key in _CONFLICT or status == 409:
            cls = ConflictError
        elif status == 429 or status >= 500:
            cls = TransientError
        elif status == 400:
            return ValidationError(text, **kwargs)  # type: ignore[arg-type]
        else:
            cls = AksIdentityError
        return cls(text, **kwargs)  # type: ignore[arg-type]
    if isinstance(error, (ServiceRequestError, ServiceResponseError)):
        return TransientError(
            f"{doing} failed: the connection to Azure Resource Manager failed after retries "
            f"({type(error).__name__}). Re-run; the operation converges.",
            resource_id=resource_id,
        )
    return AksIdentityError(f"{doing} failed: {error.message}", resource_id=resource_id)


@contextmanager
def mapped(doing: str, resource_id: object = None) -> Iterator[None]:
    """Turn any azure-core error raised inside the block into the matching domain error."""
    try:
        yield
    except Exception as error:
        from azure.core.exceptions import AzureError  # imported already: an SDK call raised

        if not isinstance(error, AzureError):
            raise
        rid = None if resource_id is None else str(resource_id)
        raise translate(error, doing=doing, resource_id=rid) from error
