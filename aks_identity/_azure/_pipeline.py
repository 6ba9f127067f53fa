"""Connection settings shared by every SDK client: cloud endpoints, transport, pipeline retry.

azure-core's pipeline retry policy owns transport faults, 5xx and 429 (honouring
``Retry-After``); it is configured explicitly here and nothing else retries those. Every
sleep of the pipeline (retry backoff, ``Retry-After``, LRO polling interval) goes through
the transport's ``sleep``, which calls the library's :class:`~aks_identity.RetryPolicy`
``sleep``: on the emulator's virtual clock nothing waits in real time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
from azure.core import AzureClouds
from azure.core.pipeline.policies import RetryMode
from azure.core.pipeline.policies import RetryPolicy as PipelineRetryPolicy
from azure.core.pipeline.transport import RequestsTransport
from azure.identity import AzureAuthorityHosts
from azure.mgmt.core.tools import get_arm_endpoints

from aks_identity._azure._pacing import Pacer, pacer_for
from aks_identity._errors import ValidationError
from aks_identity._retry import RetryPolicy

__all__ = ["CLOUDS", "Endpoints", "endpoints", "sdk_options"]

CLOUDS: dict[str, tuple[AzureClouds, str]] = {
    "AzureCloud": (AzureClouds.AZURE_PUBLIC_CLOUD, AzureAuthorityHosts.AZURE_PUBLIC_CLOUD),
    "AzureUSGovernment": (AzureClouds.AZURE_US_GOVERNMENT, AzureAuthorityHosts.AZURE_GOVERNMENT),
    "AzureChinaCloud": (AzureClouds.AZURE_CHINA_CLOUD, AzureAuthorityHosts.AZURE_CHINA),
}
"""Azure CLI cloud names -> (azure-core cloud, Microsoft Entra authority host)."""


@attrs.frozen
class Endpoints:
    """Where to reach ARM and Entra ID for a cloud."""

    cloud: str
    resource_manager: str
    credential_scopes: tuple[str, ...]
    authority: str


def endpoints(cloud: str, base_url: str | None = None) -> Endpoints:
    """Endpoints of ``cloud`` (CLI name, any casing); ``base_url`` overrides ARM's (emulator)."""
    names = {name.lower(): name for name in CLOUDS}
    name = names.get(cloud.replace(" ", "").lower())
    if name is None:
        raise ValidationError(
            f"unknown cloud {cloud!r}: use one of {', '.join(CLOUDS)}", rule="cloud"
        )
    setting, authority = CLOUDS[name]
    arm = get_arm_endpoints(setting)
    return Endpoints(
        cloud=name,
        resource_manager=(base_url or arm["resource_manager"]).rstrip("/"),
        credential_scopes=tuple(arm["credential_scopes"]),
        authority=authority,
    )


class _Transport(RequestsTransport):  # type: ignore[misc]
    """requests transport whose sleeps (retry backoff, LRO polling) use the RetryPolicy's,
    paced by ARM's remaining-request headers (see ``_pacing``)."""

    def __init__(
        self,
        sleep: Callable[[float], None],
        *,
        now: Callable[[], float] | None = None,
        pacer: Pacer | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._sleep = sleep
        self._now = now
        self._pacer = pacer

    def sleep(self, duration: float) -> None:
        self._sleep(duration)

    def send(self, request: Any, **kwargs: Any) -> Any:
        if self._pacer is None or self._now is None:
            return super().send(request, **kwargs)
        self._pacer.pace(request.method, request.url, now=self._now, sleep=self._sleep)
        response = super().send(request, **kwargs)
        self._pacer.observe(request.method, request.url, response.headers, self._now())
        return response


def _pipeline_retry() -> PipelineRetryPolicy:  # type: ignore[type-arg]
    """azure-core's retry policy, explicit: 429/5xx/connection faults, Retry-After honoured."""
    policy = PipelineRetryPolicy(
        retry_total=6,
        retry_connect=3,
        retry_read=3,
        retry_status=6,
        retry_backoff_factor=1.0,
        retry_backoff_max=60,
        retry_mode=RetryMode.Exponential,
    )
    policy._respect_retry_after_header = True
    return policy


def sdk_options(
    endpoints: Endpoints, *, connection_verify: str | bool | None, policy: RetryPolicy
) -> dict[str, Any]:
    """Keyword arguments for any azure-mgmt client (one transport per client)."""
    transport_kwargs: dict[str, Any] = {}
    if connection_verify is not None:
        transport_kwargs["connection_verify"] = connection_verify
    return {
        "base_url": endpoints.resource_manager,
        "credential_scopes": list(endpoints.credential_scopes),
        "retry_policy": _pipeline_retry(),
        "transport": _Transport(
            policy.sleep,
            now=policy.clock,
            pacer=pacer_for(endpoints.resource_manager),
            **transport_kwargs,
        ),
    }
