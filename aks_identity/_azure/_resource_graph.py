"""Azure Resource Graph adapter: one KQL query over many subscriptions, every page.

Uses ``azure-mgmt-resourcegraph`` (``ResourceGraphClient.resources``) with the same pipeline
settings as every other client (``_pipeline.sdk_options``: retry, transport, pacing). Pages
are 1,000 rows (the service's maximum ``$top``) followed with ``$skipToken``; at most 1,000
subscriptions go into one request (the service's limit), so more are queried in batches.
Also lists the subscriptions the credential can see (``GET /subscriptions``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from azure.core.rest import HttpRequest
from azure.mgmt.resourcegraph import ResourceGraphClient
from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

from aks_identity._azure._errors import mapped
from aks_identity._azure._pipeline import Endpoints, sdk_options
from aks_identity._retry import RetryPolicy

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

__all__ = ["PAGE_ROWS", "ResourceGraph"]

PAGE_ROWS = 1000
"""Rows per page (Resource Graph's maximum ``$top``)."""
_SUBSCRIPTIONS_PER_QUERY = 1000
_SUBSCRIPTION_API = "2022-12-01"

Row = dict[str, Any]


class ResourceGraph:
    """Resource Graph queries and the subscription list, for one credential and cloud."""

    def __init__(
        self,
        credential: TokenCredential,
        endpoints: Endpoints,
        *,
        connection_verify: str | bool | None,
        policy: RetryPolicy,
    ) -> None:
        self._credential = credential
        self._endpoints = endpoints
        self._verify = connection_verify
        self._policy = policy

    @cached_property
    def _client(self) -> Any:
        options = sdk_options(self._endpoints, connection_verify=self._verify, policy=self._policy)
        return ResourceGraphClient(self._credential, **options)

    def close(self) -> None:
        """Close the HTTP session (if one was opened)."""
        client = self.__dict__.pop("_client", None)
        if client is not None:
            client.close()

    def subscriptions(self) -> list[dict[str, Any]]:
        """Every subscription the credential can see (``subscriptionId``, ``state``, ...)."""
        found: list[dict[str, Any]] = []
        url: str | None = f"/subscriptions?api-version={_SUBSCRIPTION_API}"
        with mapped("listing subscriptions"):
            while url:
                response = self._client.send_request(HttpRequest("GET", url))
                response.raise_for_status()
                page = response.json()
                found.extend(v for v in page.get("value") or [] if isinstance(v, dict))
                url = page.get("nextLink")
        return found

    def query(self, query: str, subscriptions: Sequence[str]) -> list[Row]:
        """Every row ``query`` returns across ``subscriptions`` (all pages, all batches)."""
        rows: list[Row] = []
        ids = list(subscriptions)
        for start in range(0, len(ids), _SUBSCRIPTIONS_PER_QUERY):
            rows.extend(self._query(query, ids[start : start + _SUBSCRIPTIONS_PER_QUERY]))
        return rows

    def _query(self, query: str, subscriptions: list[str]) -> list[Row]:
        rows: list[Row] = []
        token: str | None = None
        with mapped("querying Azure Resource Graph"):
            while True:
                options = QueryRequestOptions(
                    top=PAGE_ROWS, skip_token=token, result_format="objectArray"
                )
                request = QueryRequest(subscriptions=subscriptions, query=query, options=options)
                response = self._client.resources(request)
                rows.extend(r for r in response.data or [] if isinstance(r, dict))
                token = response.skip_token
                if not token:
                    return rows
