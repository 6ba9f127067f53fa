"""Microsoft Entra ID on the emulator's origin: OpenID discovery, JWKS, the v2.0 token endpoint.

MSAL (and so the Azure CLI) reads ``/{tenant}/v2.0/.well-known/openid-configuration`` and
takes the tenant from the first path segment of its ``token_endpoint``; a confidential client
then posts ``grant_type=client_credentials`` with ``client_id``, ``client_secret``,
``scope=<resource>/.default``, ``client_info=1`` and often ``claims``. Errors have Entra's
shape: ``error``, ``error_description`` (``AADSTS<n>: ... Trace ID ... Correlation ID ...
Timestamp ...``), ``error_codes``, ``timestamp``, ``trace_id``, ``correlation_id``,
``error_uri``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from ._services import ServiceReply, ServiceRequest
from ._tokens import ARM_AUDIENCES, GRAPH_AUDIENCES

__all__ = ["entra_error", "serve_entra"]


def entra_error(status: int, error: str, code: int, description: str) -> ServiceReply:
    """An Entra ID error response."""
    trace_id, correlation_id = str(uuid.uuid4()), str(uuid.uuid4())
    now = dt.datetime.now(dt.timezone.utc)
    stamp = now.strftime("%Y-%m-%d %H:%M:%SZ")
    body = {
        "error": error,
        "error_description": (
            f"AADSTS{code}: {description} Trace ID: {trace_id} Correlation ID: "
            f"{correlation_id} Timestamp: {stamp}"
        ),
        "error_codes": [code],
        "timestamp": stamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": f"https://login.microsoftonline.com/error?code={code}",
    }
    return ServiceReply(status, body, error_code=f"AADSTS{code}")


def _unknown_tenant(tenant: str) -> ServiceReply:
    return entra_error(
        400,
        "invalid_tenant",
        90002,
        f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and "
        "are signing into the correct cloud. Check with your subscription administrator, this "
        "may happen if there are no active subscriptions for the tenant.",
    )


def openid_configuration(base_url: str, tenant: str) -> dict[str, Any]:
    """The v2.0 OpenID Connect discovery document of ``tenant``."""
    root = f"{base_url}/{tenant}"
    return {
        "token_endpoint": f"{root}/oauth2/v2.0/token",
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "jwks_uri": f"{base_url}/{tenant}/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": f"{root}/v2.0",
        "request_uri_parameter_supported": False,
        "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
        "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
        "end_session_endpoint": f"{root}/oauth2/v2.0/logout",
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "oid", "tid", "ver"],
        "tenant_region_scope": "NA",
        "cloud_instance_name": "emulator",
    }


def serve_entra(request: ServiceRequest) -> ServiceReply:
    """Discovery, keys and tokens for the emulator's tenant."""
    state = request.state
    tenant, _, rest = request.path.lstrip("/").partition("/")
    if tenant.lower() != state.tenant_id:
        return _unknown_tenant(tenant)
    rest = rest.lower()
    if rest == "oauth2/v2.0/token":
        if request.method != "POST":
            return entra_error(
                405, "invalid_request", 900561, "The endpoint only accepts POST requests."
            )
        return _token(request)
    if request.method != "GET":
        return entra_error(405, "invalid_request", 900561, "The endpoint only accepts GET.")
    if rest == "discovery/v2.0/keys":
        return ServiceReply(200, state.tokens.key.jwks())
    return ServiceReply(200, openid_configuration(request.base_url, state.tenant_id))


def _resource(scope: str) -> str | None:
    """The resource of a ``<resource>/.default`` scope (one scope only, as Entra wants)."""
    scopes = scope.split()
    if len(scopes) != 1 or not scopes[0].endswith("/.default"):
        return None
    return scopes[0][: -len(".default")]


def _token(request: ServiceRequest) -> ServiceReply:
    state = request.state
    form = request.form
    grant = form.get("grant_type", "")
    if grant != "client_credentials":
        return entra_error(
            400,
            "unsupported_grant_type",
            70003,
            f"The app requested an unsupported grant type '{grant}'. The emulator issues "
            "tokens for client_credentials with a client secret.",
        )
    client_id = form.get("client_id", "").strip().lower()
    secret = form.get("client_secret", "")
    if not client_id:
        return entra_error(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        )
    principal = state.directory.find_by_client_id(client_id)
    if principal is None or not state.directory.is_replicated(principal.object_id):
        return entra_error(
            400,
            "unauthorized_client",
            700016,
            f"Application with identifier '{client_id}' was not found in the directory "
            f"'{state.tenant_id}'. This can happen if the application has not been installed "
            "by the administrator of the tenant or consented to by any user in the tenant. You "
            "may have sent your authentication request to the wrong tenant.",
        )
    if not secret:
        return entra_error(
            401,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or "
            "'client_secret'.",
        )
    if not state.directory.secret_matches(client_id, secret):
        return entra_error(
            401,
            "invalid_client",
            7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request is "
            "the client secret value, not the client secret ID, for a secret added to app "
            f"'{client_id}'.",
        )
    resource = _resource(form.get("scope", ""))
    if resource is None:
        return entra_error(
            400,
            "invalid_scope",
            1002012,
            f"The provided value for scope {form.get('scope', '')!r} is not valid. Client "
            "credential flows must have a scope value with /.default suffixed to the resource "
            "identifier (application ID URI).",
        )
    graph_here = {f"{request.base_url}/", request.base_url}
    known = {a.rstrip("/") for a in ARM_AUDIENCES | GRAPH_AUDIENCES | graph_here}
    if resource.rstrip("/") not in known:
        return entra_error(
            400,
            "invalid_resource",
            500011,
            f"The resource principal named {resource} was not found in the tenant named "
            f"{state.tenant_id}. This can happen if the application has not been installed by "
            "the administrator of the tenant or consented to by any user in the tenant. You "
            "might have sent your authentication request to the wrong tenant.",
        )
    issued = state.tokens.issue(
        principal.object_id,
        client_id=principal.client_id,
        audience=resource if resource.endswith("/") else resource + "/",
    )
    lifetime = int(issued.expires_on - issued.issued_at)
    body = {
        "token_type": "Bearer",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": issued.token,
    }
    return ServiceReply(200, body, caller=principal.object_id)
