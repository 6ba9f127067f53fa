"""Microsoft Graph v1.0 reads on azure-core's pipeline (no Graph SDK): principals by app ID or
object ID, and which object IDs still exist.

The Graph endpoint and token scope follow the cloud (``graph.microsoft.com``,
``graph.microsoft.us``, ``microsoftgraph.chinacloudapi.cn``); with a ``base_url`` (the
emulator) Graph is on that origin and its token scope is ``<base_url>/.default``, as the
emulator's ``/metadata/endpoints`` names it. ``directoryObjects/getByIds`` takes at most 1000
IDs, so larger sets go in batches.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from azure.core import PipelineClient
from azure.core.exceptions import AzureError
from azure.core.pipeline.policies import (
    BearerTokenCredentialPolicy,
    HeadersPolicy,
    UserAgentPolicy,
)
from azure.core.rest import HttpRequest

from aks_identity._azure import _http
from aks_identity._azure._errors import translate
from aks_identity._azure._pipeline import CLOUDS
from aks_identity._checks import GUID
from aks_identity._errors import ValidationError
from aks_identity._retry import RetryPolicy

__all__ = ["GET_BY_IDS_BATCH", "GRAPH_ENDPOINTS", "Graph"]

GRAPH_ENDPOINTS = {
    "AzureCloud": "https://graph.microsoft.com",
    "AzureUSGovernment": "https://graph.microsoft.us",
    "AzureChinaCloud": "https://microsoftgraph.chinacloudapi.cn",
}
"""Microsoft Graph per cloud (Azure CLI cloud names)."""

GET_BY_IDS_BATCH = 1000
"""``POST directoryObjects/getByIds`` accepts up to 1000 IDs."""

JSON = dict[str, Any]


def _guid(value: object, what: str) -> str:
    if not isinstance(value, str) or GUID.fullmatch(value) is None:
        raise ValidationError(
            f"{what} must be a GUID such as 00000000-0000-0000-0000-000000000000, got "
            f"{value!r}: pass the ID as Azure shows it",
            rule="guid",
        )
    return value.lower()


class Graph:
    """Microsoft Graph v1.0 for one credential and cloud."""

    def __init__(
        self,
        credential: Any,
        *,
        cloud: str = "AzureCloud",
        base_url: str | None = None,
        connection_verify: str | bool | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        names = {name.lower(): name for name in CLOUDS}
        name = names.get(cloud.replace(" ", "").lower())
        if name is None:
            raise ValidationError(
                f"unknown cloud {cloud!r}: use one of {', '.join(CLOUDS)}", rule="cloud"
            )
        root = (base_url or GRAPH_ENDPOINTS[name]).rstrip("/")
        self.endpoint = f"{root}/v1.0"
        self.scope = f"{root}/.default"
        retry = policy or RetryPolicy()
        self._transport = _http.shared_transport(
            retry.sleep, _http.Wait(retry.clock), connection_verify=connection_verify
        )
        self._client: PipelineClient[HttpRequest, Any] = PipelineClient(
            root,
            policies=[
                HeadersPolicy({"Accept": "application/json"}),
                UserAgentPolicy(_http.user_agent(None)),
                _http.pipeline_retry(),
                BearerTokenCredentialPolicy(credential, self.scope),
            ],
            transport=self._transport,
        )

    def _send(self, method: str, url: str, body: JSON | None = None) -> JSON | None:
        """One Graph call; None for 404, the JSON body otherwise, domain errors for the rest."""
        headers = {"Content-Type": "application/json"} if body is not None else {}
        request = HttpRequest(
            method, url, headers=headers, content=None if body is None else json.dumps(body)
        )
        path = url.split("?", maxsplit=1)[0].removeprefix(self.endpoint)
        doing = f"Microsoft Graph {method} {path}"
        try:
            response = self._client.send_request(request)
            if response.status_code == 404:
                return None
            response.raise_for_status()
        except AzureError as error:
            raise translate(error, doing=doing) from None
        payload: JSON = response.json()
        return payload

    def _pages(self, url: str) -> list[JSON]:
        items: list[JSON] = []
        next_url: str | None = url
        while next_url:
            page = self._send("GET", next_url) or {}
            items.extend(page.get("value", []))
            next_url = page.get("@odata.nextLink")
        return items

    def service_principal(self, object_id: str) -> JSON | None:
        """The service principal with this object ID, or None."""
        return self._send(
            "GET", f"{self.endpoint}/servicePrincipals/{_guid(object_id, 'object ID')}"
        )

    def service_principal_by_app_id(self, app_id: str) -> JSON | None:
        """The service principal of the application (client) ID ``app_id``, or None."""
        guid = _guid(app_id, "app ID")
        return self._send("GET", f"{self.endpoint}/servicePrincipals(appId='{guid}')")

    def service_principals_named(self, service_principal_name: str) -> list[JSON]:
        """Service principals with this entry in ``servicePrincipalNames`` (the CLI's lookup)."""
        if not isinstance(service_principal_name, str) or not service_principal_name.strip():
            raise ValidationError(
                "service principal name must be a non-empty string: pass an app ID or URI",
                rule="service_principal_name",
            )
        escaped = service_principal_name.replace("'", "''")
        odata = quote(f"servicePrincipalNames/any(c:c eq '{escaped}')", safe="")
        return self._pages(f"{self.endpoint}/servicePrincipals?$filter={odata}")

    def get_by_ids(self, ids: Iterable[str]) -> list[JSON]:
        """The directory objects (users, groups, service principals) among ``ids``.

        Missing IDs are left out, as Graph does; batched by 1000.
        """
        wanted = [_guid(i, "object ID") for i in _materialise(ids)]
        found: list[JSON] = []
        for start in range(0, len(wanted), GET_BY_IDS_BATCH):
            body = {
                "ids": wanted[start : start + GET_BY_IDS_BATCH],
                "types": ["user", "group", "servicePrincipal"],
            }
            page = self._send("POST", f"{self.endpoint}/directoryObjects/getByIds", body) or {}
            found.extend(page.get("value", []))
        return found

    def existing_object_ids(self, ids: Iterable[str]) -> set[str]:
        """Those of ``ids`` that exist in the directory (lower-case)."""
        return {str(item["id"]).lower() for item in self.get_by_ids(ids)}

    def close(self) -> None:
        """Close the connection pool (the shared transport's close() alone keeps it)."""
        self._client.close()
        self._transport.close_session()

    def __repr__(self) -> str:
        return f"Graph(endpoint={self.endpoint!r})"


def _materialise(ids: Iterable[str]) -> list[str]:
    if isinstance(ids, (str, bytes)):
        raise ValidationError(
            "ids must be a list of object IDs, not a single string: wrap it in a list",
            rule="ids",
        )
    try:
        return list(dict.fromkeys(ids))
    except TypeError:
        raise ValidationError(
            f"ids must be an iterable of object IDs, got {type(ids).__name__}: pass a list",
            rule="ids",
        ) from None
