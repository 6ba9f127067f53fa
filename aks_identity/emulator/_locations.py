"""Routes: Subscriptions_ListLocations, the regions a subscription can use.

Shape as ARM returns it (Subscriptions - List Locations, api-version 2022-12-01,
https://learn.microsoft.com/rest/api/resources/subscriptions/list-locations): ``id``, ``name``,
``type: Region``, ``displayName``, ``regionalDisplayName`` and ``metadata`` (``regionType``,
``regionCategory``, ``geographyGroup``, ``physicalLocation``, ``pairedRegion``). The emulator
plays every cloud, so the public, US Government and China regions are all listed.
"""

from __future__ import annotations

from typing import Any

from ._routes import Context, Reply, route

__all__ = ["REGIONS", "is_region", "location_body"]

REGIONS: dict[str, tuple[str, str, str, str]] = {
    # name: (display name, geography group, physical location, paired region)
    "eastus": ("East US", "US", "Virginia", "westus"),
    "eastus2": ("East US 2", "US", "Virginia", "centralus"),
    "southcentralus": ("South Central US", "US", "Texas", "northcentralus"),
    "westus": ("West US", "US", "California", "eastus"),
    "westus2": ("West US 2", "US", "Washington", "westcentralus"),
    "westus3": ("West US 3", "US", "Phoenix", "eastus"),
    "centralus": ("Central US", "US", "Iowa", "eastus2"),
    "northcentralus": ("North Central US", "US", "Illinois", "southcentralus"),
    "westcentralus": ("West Central US", "US", "Wyoming", "westus2"),
    "canadacentral": ("Canada Central", "Canada", "Toronto", "canadaeast"),
    "canadaeast": ("Canada East", "Canada", "Quebec", "canadacentral"),
    "brazilsouth": ("Brazil South", "South America", "Sao Paulo State", "southcentralus"),
    "northeurope": ("North Europe", "Europe", "Ireland", "westeurope"),
    "westeurope": ("West Europe", "Europe", "Netherlands", "northeurope"),
    "uksouth": ("UK South", "Europe", "London", "ukwest"),
    "ukwest": ("UK West", "Europe", "Cardiff", "uksouth"),
    "francecentral": ("France Central", "Europe", "Paris", "francesouth"),
    "germanywestcentral": ("Germany West Central", "Europe", "Frankfurt", "germanynorth"),
    "swedencentral": ("Sweden Central", "Europe", "Gävle", "swedensouth"),
    "switzerlandnorth": ("Switzerland North", "Europe", "Zurich", "switzerlandwest"),
    "norwayeast": ("Norway East", "Europe", "Norway", "norwaywest"),
    "polandcentral": ("Poland Central", "Europe", "Warsaw", ""),
    "italynorth": ("Italy North", "Europe", "Milan", ""),
    "uaenorth": ("UAE North", "Middle East", "Dubai", "uaecentral"),
    "qatarcentral": ("Qatar Central", "Middle East", "Doha", ""),
    "southafricanorth": ("South Africa North", "Africa", "Johannesburg", "southafricawest"),
    "centralindia": ("Central India", "Asia Pacific", "Pune", "southindia"),
    "southindia": ("South India", "Asia Pacific", "Chennai", "centralindia"),
    "eastasia": ("East Asia", "Asia Pacific", "Hong Kong", "southeastasia"),
    "southeastasia": ("Southeast Asia", "Asia Pacific", "Singapore", "eastasia"),
    "japaneast": ("Japan East", "Asia Pacific", "Tokyo, Saitama", "japanwest"),
    "japanwest": ("Japan West", "Asia Pacific", "Osaka", "japaneast"),
    "koreacentral": ("Korea Central", "Asia Pacific", "Seoul", "koreasouth"),
    "australiaeast": ("Australia East", "Asia Pacific", "New South Wales", "australiasoutheast"),
    "australiasoutheast": ("Australia Southeast", "Asia Pacific", "Victoria", "australiaeast"),
    "usgovvirginia": ("USGov Virginia", "US", "Virginia", "usgovtexas"),
    "usgovtexas": ("USGov Texas", "US", "Texas", "usgovarizona"),
    "usgovarizona": ("USGov Arizona", "US", "Arizona", "usgovtexas"),
    "usgoviowa": ("USGov Iowa", "US", "Iowa", "usgovvirginia"),
    "usdodcentral": ("USDoD Central", "US", "Iowa", "usdodeast"),
    "usdodeast": ("USDoD East", "US", "Virginia", "usdodcentral"),
    "chinaeast": ("China East", "Asia Pacific", "Shanghai", "chinanorth"),
    "chinanorth": ("China North", "Asia Pacific", "Beijing", "chinaeast"),
    "chinaeast2": ("China East 2", "Asia Pacific", "Shanghai", "chinanorth2"),
    "chinanorth2": ("China North 2", "Asia Pacific", "Beijing", "chinaeast2"),
    "chinanorth3": ("China North 3", "Asia Pacific", "Hebei", "chinaeast3"),
}


def is_region(name: str) -> bool:
    """Whether ``name`` (a region name, any casing, no spaces) is a listed region."""
    return name.replace(" ", "").lower() in REGIONS


def location_body(subscription_id: str, name: str) -> dict[str, Any]:
    """One location as Subscriptions_ListLocations returns it."""
    display, geography, physical, paired = REGIONS[name]
    base = f"/subscriptions/{subscription_id}/locations"
    return {
        "id": f"{base}/{name}",
        "name": name,
        "type": "Region",
        "displayName": display,
        "regionalDisplayName": f"({geography}) {display}",
        "metadata": {
            "regionType": "Physical",
            "regionCategory": "Recommended",
            "geographyGroup": geography,
            "physicalLocation": physical,
            "pairedRegion": [{"name": paired, "id": f"{base}/{paired}"}] if paired else [],
        },
    }


@route("GET", r"/subscriptions/(?P<subscription_id>[^/]+)/locations")
def list_locations(ctx: Context, subscription_id: str) -> Reply:
    """Subscriptions_ListLocations (one page: ARM does not page this list)."""
    ctx.state.resources.require_subscription(subscription_id)
    return Reply(200, {"value": [location_body(subscription_id, n) for n in REGIONS]})
