"""Helpers for the emulator core tests: SDK clients, raw requests, shape comparison."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from azure.core.rest import HttpRequest, HttpResponse
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.msi import ManagedServiceIdentityClient
from azure.mgmt.resource.resources import ResourceManagementClient

from aks_identity.emulator import Emulator

SAMPLES = Path(__file__).resolve().parents[1] / "arm_samples"  # copy of ../shared/arm-samples
LOCATION = "westus2"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
MANAGED_IDENTITY_OPERATOR = "f1a07417-d97a-45cb-824c-7a7467783830"
NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7"
IDENTITY_TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities"


@dataclass
class Clients:
    """The real SDK clients, pointed at the emulator (only base_url, TLS and credential set)."""

    emu: Emulator
    resources: ResourceManagementClient
    msi: ManagedServiceIdentityClient
    auth: AuthorizationManagementClient

    @classmethod
    def connect(cls, emu: Emulator, principal_id: str | None = None, **extra: Any) -> Clients:
        kwargs: dict[str, Any] = {
            "credential": emu.credential(principal_id),
            "subscription_id": emu.subscription_id,
            "base_url": emu.url,
            "connection_verify": emu.ca_bundle,
            **extra,
        }
        return cls(
            emu=emu,
            resources=ResourceManagementClient(**kwargs),
            msi=ManagedServiceIdentityClient(**kwargs),
            auth=AuthorizationManagementClient(**kwargs),
        )

    @property
    def sub(self) -> str:
        return f"/subscriptions/{self.emu.subscription_id}"

    def raw(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        **params: str,
    ) -> HttpResponse:
        """A request through the SDK pipeline (auth, TLS, retries) for wire-level checks."""
        params.setdefault("api-version", "2022-04-01")
        request = HttpRequest(
            method, f"{self.emu.url}{path}", params=params, json=body, headers=headers
        )
        return self.resources.send_request(request)

    def group(self, name: str = "rg1") -> str:
        self.resources.resource_groups.create_or_update(name, {"location": LOCATION})
        return f"{self.sub}/resourceGroups/{name}"

    def identity(self, name: str = "id1", group: str = "rg1") -> Any:
        return self.msi.user_assigned_identities.create_or_update(
            group, name, {"location": LOCATION}
        )

    def definition(self, guid: str) -> str:
        return f"{self.sub}/providers/Microsoft.Authorization/roleDefinitions/{guid}"

    def assign(
        self,
        scope: str,
        guid: str,
        principal_id: str,
        principal_type: str | None = None,
        name: str | None = None,
    ) -> Any:
        properties: dict[str, Any] = {
            "role_definition_id": self.definition(guid),
            "principal_id": principal_id,
        }
        if principal_type is not None:
            properties["principal_type"] = principal_type
        return self.auth.role_assignments.create(scope, name or str(uuid.uuid4()), properties)


def spec_example(relative: str) -> dict[str, Any]:
    """A REST API example from arm-samples/specs."""
    return json.loads((SAMPLES / "specs" / relative).read_text())  # type: ignore[no-any-return]
