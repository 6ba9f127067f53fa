"""Which api-versions the emulator answers, and ARM's refusal of the others.

ARM refuses an api-version a resource provider does not register with 400
``NoRegisteredProviderFound``: "No registered resource provider found for location
'westus2' and API version '2099-01-01' for type 'managedClusters'. The supported
api-versions are '...'. The supported locations are '...'." (worded as in ARM's
"Resolve errors for resource provider registration" page and the errors users quote, e.g.
Azure/azure-quickstart-templates issues); its own types (subscriptions, resource groups)
refuse with 400 ``InvalidApiVersionParameter``: "The api-version '...' is invalid. The
supported versions are '...'."

The emulator serves one shape per type, so it accepts every well-formed version
(``YYYY-MM-DD`` with an optional ``-preview`` style suffix, a real date) up to the newest
version listed for the provider: a client newer than the emulator, or a malformed version,
is refused as ARM refuses it. An old version ARM never had is accepted (the emulator does
not keep every provider's full registration list). Providers without a list here (the
generic catch-all resources: networks, vaults, registries, ...) accept any well-formed
version.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

from ._errors import ArmError

__all__ = ["check_api_version"]

_VERSION = re.compile(r"(\d{4})-(\d{2})-(\d{2})(-[a-z]+)?", re.IGNORECASE)

# Versions of the REST API specs (azure-rest-api-specs, stable folders) the emulator's shapes
# follow, newest first; the first is the newest accepted.
SUPPORTED: dict[str, tuple[str, ...]] = {
    "microsoft.resources": (
        "2025-04-01", "2025-03-01", "2024-11-01", "2024-07-01", "2024-03-01", "2023-07-01",
        "2022-12-01", "2022-09-01", "2021-04-01", "2021-01-01", "2020-10-01", "2020-06-01",
        "2019-10-01", "2019-08-01", "2019-07-01", "2019-05-10", "2019-05-01", "2019-03-01",
        "2018-05-01", "2018-02-01", "2017-05-10", "2016-09-01", "2016-07-01", "2016-06-01",
        "2016-02-01",
    ),
    "microsoft.containerservice": (
        "2026-08-01", "2025-10-01", "2025-08-01", "2025-07-01", "2025-05-01", "2025-04-01",
        "2025-03-01", "2025-02-01", "2025-01-01", "2024-10-01", "2024-09-01", "2024-08-01",
        "2024-07-01", "2024-06-01", "2024-05-01", "2024-02-01", "2024-01-01", "2023-11-01",
        "2023-10-01", "2023-09-01", "2023-08-01", "2023-07-01", "2023-06-01", "2023-05-01",
        "2023-04-01", "2023-03-01", "2023-02-01", "2023-01-01", "2022-11-01", "2022-09-01",
        "2022-08-01", "2022-07-01", "2022-06-01", "2022-04-01", "2022-03-01", "2022-02-01",
        "2022-01-01", "2021-10-01", "2021-09-01", "2021-08-01", "2021-07-01", "2021-05-01",
        "2021-03-01", "2021-02-01", "2020-12-01", "2020-11-01", "2020-09-01", "2020-07-01",
        "2020-06-01", "2020-04-01", "2020-03-01", "2020-02-01", "2020-01-01", "2019-11-01",
        "2019-10-01", "2019-08-01", "2019-06-01", "2019-04-01", "2019-02-01", "2018-03-31",
        "2017-08-31", "2016-03-30",
    ),
    # azure-rest-api-specs specification/msi/resource-manager/Microsoft.ManagedIdentity: the
    # stable and preview folders and examples (azure-cli 2.91 sends 2025-05-31-preview)
    "microsoft.managedidentity": (
        "2026-05-31", "2026-04-30", "2025-05-31-preview", "2025-01-31-preview", "2024-11-30",
        "2023-07-31-preview", "2023-01-31", "2022-01-31-preview", "2021-09-30-preview",
        "2018-11-30", "2015-08-31-preview",
    ),
    "microsoft.authorization": (
        "2022-08-01-preview", "2022-05-01-preview", "2022-04-01", "2020-10-01",
        "2020-04-01-preview", "2018-09-01-preview", "2018-01-01-preview", "2015-07-01",
    ),
}  # fmt: skip

_PROVIDER = re.compile(r"/providers/([^/]+)(?:/([^/]+))?", re.IGNORECASE)


def _date(version: str) -> datetime.date | None:
    found = _VERSION.fullmatch(version)
    if found is None:
        return None
    try:
        return datetime.date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        return None


def _family(path: str) -> tuple[str, str]:
    """``(namespace, type)`` the request is routed to: the last provider in the path."""
    found = list(_PROVIDER.finditer(path))
    if not found:
        segments = [s for s in path.split("/") if s]
        kind = "resourceGroups" if len(segments) >= 3 else (segments[-1] if segments else "")
        return "Microsoft.Resources", kind
    last = found[-1]
    return last[1], last[2] or last[1]


def check_api_version(path: str, version: str, location: Callable[[], str | None]) -> None:
    """Refuse ``version`` for ``path`` as ARM does (400); pass when the emulator serves it.

    ``location`` is asked only for a refusal (it names the resource group's location)."""
    namespace, kind = _family(path)
    listed = SUPPORTED.get(namespace.lower())
    date = _date(version)
    if date is not None and (listed is None or date <= (_date(listed[0]) or date)):
        return
    supported = ", ".join(listed) if listed else "YYYY-MM-DD[-preview]"
    if namespace.lower() == "microsoft.resources":
        raise ArmError(
            400,
            "InvalidApiVersionParameter",
            f"The api-version '{version}' is invalid. The supported versions are '{supported}'.",
        )
    raise ArmError(
        400,
        "NoRegisteredProviderFound",
        f"No registered resource provider found for location '{location() or 'global'}' and "
        f"API version '{version}' for type '{kind}'. The supported api-versions are "
        f"'{supported}'.",
    )
