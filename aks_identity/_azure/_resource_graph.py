"""Azure Resource Graph adapter: one KQL query over many subscriptions, every page.

Uses ``azure-mgmt-resourcegraph`` (``ResourceGraphClient.resources``) with the same pipeline
settings as every other client (a ``_pipeline.Connection``: retry, transport, pacing). Pages
are 1,000 rows (the service's maximum ``$top``) followed with ``$skipToken``; at most 1,000
subscriptions go into one request (the service's limit), so more are queried in batches.
Also lists the subscriptions the credential can see (``GET /subscriptions``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from aks_identity._azure import _convert
from aks_identity._azure._errors import mapped
from aks_identity._azure._pipeline import Connection, Endpoints
from aks_identity._retry import RetryPolicy

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

    from aks_identity._client import Azure
    from aks_identity._objects import Cluster

__all__ = ["AUTHORIZATION_QUERY", "CLUSTERS_QUERY", "PAGE_ROWS", "ResourceGraph", "clusters"]

PAGE_ROWS = 1000
"""Rows per page (Resource Graph's maximum ``$top``)."""
_SUBSCRIPTIONS_PER_QUERY = 1000
_SUBSCRIPTION_API = "2022-12-01"
_NO_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"

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
        # one Connection: both clients share its transport (one pool), closed once
        self._connection = Connection(
            endpoints, connection_verify=connection_verify, policy=policy, sdk_options={}
        )

    @cached_property
    def _client(self) -> Any:
        from azure.mgmt.resourcegraph import ResourceGraphClient  # imported when first used

        return ResourceGraphClient(self._credential, **self._connection.client_options())

    @cached_property
    def _resources(self) -> Any:
        from azure.mgmt.resource.resources import ResourceManagementClient

        # GET /subscriptions names no subscription; the client needs one to be constructed
        return ResourceManagementClient(
            self._credential, _NO_SUBSCRIPTION, **self._connection.client_options()
        )

    def close(self) -> None:
        """Close the HTTP sessions (those that were opened)."""
        for name in ("_client", "_resources"):
            client = self.__dict__.pop(name, None)
            if client is not None:
                client.close()
        self._connection.close()

    def subscriptions(self) -> list[dict[str, Any]]:
        """Every subscription the credential can see (``subscriptionId``, ``state``, ...)."""
        from aks_identity._azure._http import paged_values

        with mapped("listing subscriptions"):
            url = f"/subscriptions?api-version={_SUBSCRIPTION_API}"
            listed = paged_values(self._resources, url)
        return [v for v in listed if isinstance(v, dict)]

    def query(self, query: str, subscriptions: Sequence[str]) -> list[Row]:
        """Every row ``query`` returns across ``subscriptions`` (all pages, all batches)."""
        rows: list[Row] = []
        ids = list(subscriptions)
        for start in range(0, len(ids), _SUBSCRIPTIONS_PER_QUERY):
            rows.extend(self._query(query, ids[start : start + _SUBSCRIPTIONS_PER_QUERY]))
        return rows

    def _query(self, query: str, subscriptions: list[str]) -> list[Row]:
        from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

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


CLUSTERS_QUERY = (
    "resources"
    " | where type =~ 'microsoft.containerservice/managedclusters'"
    " | project id, name, type, location, tags, sku, identity, properties, subscriptionId"
)
"""Every AKS cluster; the row's ``properties`` and ``identity`` are the ARM resource's."""

AUTHORIZATION_QUERY = (
    "authorizationresources"
    " | where type =~ 'microsoft.authorization/roleassignments'"
    " or (type =~ 'microsoft.authorization/roledefinitions' and properties.type =~ 'CustomRole')"
    " | project id, name, type, properties"
)
"""Role assignments, and the custom role definitions they may name."""


def clusters(
    graph: ResourceGraph, subscriptions: Sequence[str], owner: Callable[[str], Azure]
) -> list[Cluster]:
    """Every cluster of ``subscriptions``, each bound to ``owner(subscription_id)``.

    Resource Graph rows carry the ARM resource's ``properties`` and ``identity``, so the
    converter ``get_cluster`` uses turns them into the same :class:`Cluster`.
    """
    rows = graph.query(CLUSTERS_QUERY, subscriptions)
    return [_convert.cluster(owner(str(row["subscriptionId"]).lower()), row) for row in rows]
