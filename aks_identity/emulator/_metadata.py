"""``GET /metadata/endpoints``: the cloud's endpoints, unauthenticated, shaped as ARM's.

``az cloud register --endpoint-resource-manager <url>`` reads
``<url>/metadata/endpoints?api-version=2022-09-01`` (azure-cli's
``command_modules/cloud/custom.py``) and maps the keys in ``azure/cli/core/cloud.py``
(``_arm_to_cli_mapper``): ``authentication.loginEndpoint`` is the Entra authority,
``authentication.audiences[0]`` the ARM token audience, ``resourceManager`` ARM itself and
``microsoftGraphResourceId`` both Graph's base URL and its token audience. From api-version
2022-09-01 the answer is one cloud; older versions answer a list of clouds.
"""

from __future__ import annotations

from typing import Any

from ._services import ServiceReply, ServiceRequest

__all__ = ["cloud_metadata", "serve_metadata"]

_SINGLE_CLOUD_FROM = "2022-09-01"


def cloud_metadata(base_url: str) -> dict[str, Any]:
    """The emulator as a cloud: ARM, Entra ID and Microsoft Graph all on ``base_url``."""
    return {
        "portal": base_url,
        "authentication": {
            "loginEndpoint": f"{base_url}/",
            "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
            "tenant": "common",
            "identityProvider": "AAD",
        },
        "media": "https://rest.media.azure.net",
        "graphAudience": "https://graph.windows.net/",
        "graph": "https://graph.windows.net/",
        "name": "Emulator",
        "suffixes": {
            "azureDataLakeStoreFileSystem": "azuredatalakestore.net",
            "acrLoginServer": "azurecr.io",
            "sqlServerHostname": "database.windows.net",
            "azureDataLakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
            "keyVaultDns": "vault.azure.net",
            "storage": "core.windows.net",
            "azureFrontDoorEndpointSuffix": "azurefd.net",
            "storageSyncEndpointSuffix": "afs.azure.net",
            "mhsmDns": "managedhsm.azure.net",
            "mysqlServerEndpoint": "mysql.database.azure.com",
            "postgresqlServerEndpoint": "postgres.database.azure.com",
            "mariadbServerEndpoint": "mariadb.database.azure.com",
            "synapseAnalytics": "dev.azuresynapse.net",
            "attestationEndpoint": "attest.azure.net",
        },
        "batch": "https://batch.core.windows.net/",
        "resourceManager": f"{base_url}/",
        "activeDirectoryDataLake": "https://datalake.azure.net/",
        "sqlManagement": "https://management.core.windows.net:8443/",
        "microsoftGraphResourceId": f"{base_url}/",
        "appInsightsResourceId": "https://api.applicationinsights.io",
        "appInsightsTelemetryChannelResourceId": "https://dc.applicationinsights.azure.com/v2/track",
        "attestationResourceId": "https://attest.azure.net",
        "synapseAnalyticsResourceId": "https://dev.azuresynapse.net",
        "logAnalyticsResourceId": "https://api.loganalytics.io",
        "ossrDbmsResourceId": "https://ossrdbms-aad.database.windows.net",
    }


def serve_metadata(request: ServiceRequest) -> ServiceReply:
    """The endpoints document (no authentication, as ARM serves it)."""
    if request.method not in ("GET", "HEAD"):
        return ServiceReply(
            405,
            {
                "error": {
                    "code": "MethodNotAllowed",
                    "message": "The requested resource does not support http method "
                    f"'{request.method}'.",
                }
            },
            error_code="MethodNotAllowed",
        )
    api_version = request.query.get("api-version", "")
    if not api_version:
        return ServiceReply(
            400,
            {
                "error": {
                    "code": "MissingApiVersionParameter",
                    "message": "The api-version query parameter (?api-version=) is required "
                    "for all requests.",
                }
            },
            error_code="MissingApiVersionParameter",
        )
    cloud = cloud_metadata(request.base_url)
    return ServiceReply(200, cloud if api_version >= _SINGLE_CLOUD_FROM else [cloud])
