"""While an emulator is active, no request may reach real Azure.

Installed at the transport level, as moto's ``mock_aws`` patches botocore's: every
``requests`` adapter (the SDK clients' shared transport, azure-identity's and MSAL's
sessions alike) refuses a request to a public or sovereign Azure Resource Manager,
Microsoft Entra ID or Microsoft Graph host, or to the managed-identity endpoint (IMDS),
at once and before any byte is sent, with :class:`~aks_identity.RealAzureBlocked`.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlsplit

from requests.adapters import HTTPAdapter

from aks_identity._errors import RealAzureBlocked

__all__ = ["BLOCKED_HOSTS", "blocked", "install", "uninstall"]

BLOCKED_HOSTS = frozenset(
    {
        # Azure Resource Manager (azure.mgmt.core.tools.get_arm_endpoints, every cloud)
        "management.azure.com",
        "management.usgovcloudapi.net",
        "management.chinacloudapi.cn",
        "management.core.windows.net",
        "management.core.usgovcloudapi.net",
        "management.core.chinacloudapi.cn",
        # Microsoft Entra ID (azure.identity.AzureAuthorityHosts and the legacy hosts)
        "login.microsoftonline.com",
        "login.microsoftonline.us",
        "login.chinacloudapi.cn",
        "login.partner.microsoftonline.cn",
        "login.microsoft.com",
        "login.windows.net",
        "sts.windows.net",
        # Microsoft Graph and Azure AD Graph, national clouds included
        "graph.microsoft.com",
        "graph.microsoft.us",
        "dod-graph.microsoft.us",
        "microsoftgraph.chinacloudapi.cn",
        "graph.chinacloudapi.cn",
        "graph.windows.net",
        # the managed-identity endpoint of Azure VMs (ManagedIdentityCredential)
        "169.254.169.254",
    }
)


def blocked(url: str) -> bool:
    """Whether ``url`` names a real Azure endpoint (the host or any subdomain of it)."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return any(host == h or host.endswith("." + h) for h in BLOCKED_HOSTS)


_original = HTTPAdapter.send
_depth = 0
_lock = threading.Lock()


def _guarded_send(self: HTTPAdapter, request: Any, *args: Any, **kwargs: Any) -> Any:
    url = str(request.url)
    if blocked(url):
        host = urlsplit(url).hostname
        raise RealAzureBlocked(
            f"{request.method} {host}{urlsplit(url).path}: an aks_identity emulator is active, "
            f"so requests to real Azure ({host}) are refused. Build clients inside the "
            "activation without base_url (Azure(credential, subscription_id), "
            "Azure.from_environment()) or from emu.azure(), and they reach the emulator."
        )
    return _original(self, request, *args, **kwargs)


def install() -> None:
    """Start refusing (nested calls count; :func:`uninstall` as often)."""
    global _depth
    with _lock:
        _depth += 1
        HTTPAdapter.send = _guarded_send  # type: ignore[method-assign]


def uninstall() -> None:
    """Undo one :func:`install`; the last one restores ``requests``."""
    global _depth
    with _lock:
        _depth = max(0, _depth - 1)
        if _depth == 0:
            HTTPAdapter.send = _original  # type: ignore[method-assign]
