"""Errors AKS returns, with AKS's codes and body shape.

ARM-level errors (ResourceNotFound, LinkedAuthorizationFailed from ARM's own linked check) use
ARM's ``{"error": {...}}`` envelope. Errors raised by the AKS resource provider itself come back
un-enveloped, as recorded: ``{"code", "details", "message", "subcode"}``. azure-core's ARM error
format reads both.
"""

from __future__ import annotations

from typing import Any

from ._aks_shapes import ClusterRef
from ._errors import ArmError, resource_not_found


class AksError(ArmError):
    """An error raised by the AKS resource provider (un-enveloped body)."""

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "details": None, "message": self.message, "subcode": ""}


_CLUSTERS = "Microsoft.ContainerService/managedClusters"


def cluster_not_found(ref: ClusterRef) -> ArmError:
    """404 for a cluster that does not exist, as ARM words it."""
    return resource_not_found(_CLUSTERS, ref.name, ref.resource_group)


def pool_not_found(ref: ClusterRef, pool: str) -> ArmError:
    """404 for an agent pool that does not exist."""
    return resource_not_found(_CLUSTERS, f"{ref.name}/agentPools/{pool}", ref.resource_group)


def operation_not_allowed(ref: ClusterRef, kind: str) -> AksError:
    """409 while another operation runs on the cluster."""
    return AksError(
        409,
        "OperationNotAllowed",
        f"Operation is not allowed because there's an in progress {kind} managed cluster "
        f"operation on managed cluster '{ref.name}'. Please wait for it to finish before "
        "starting a new operation. See https://aka.ms/aks-pending-operation for more details.",
    )


def linked_subnet_failed(principal_id: str, subnet_id: str) -> AksError:
    """400 when a user-assigned control plane may not join the cluster's custom subnet."""
    return AksError(
        400,
        "LinkedAuthorizationFailed",
        f"The client '{principal_id}' with object id '{principal_id}' does not have permission "
        "to perform action(s) 'Microsoft.Network/virtualNetworks/subnets/join/action' on the "
        f"linked scope(s) '{subnet_id}' or the linked scope(s) are invalid. Grant the "
        "control-plane identity 'Network Contributor' on the subnet; see "
        "https://aka.ms/aks/byo-vnet-permissions",
    )


def precondition_failed(ref: ClusterRef, why: str) -> AksError:
    """412 when ``If-Match`` / ``If-None-Match`` does not hold. The code is AKS's own spelling
    (learn.microsoft.com/azure/aks/use-etags, "PreConditionFailed"; the table there: PUT with
    ``If-None-Match: *`` on an existing cluster, or ``If-Match`` with another eTag, 412)."""
    return AksError(
        412,
        "PreConditionFailed",
        f"Precondition failed for managed cluster '{ref.name}': {why}. Get the managed "
        "cluster again for its latest eTag and retry the request.",
    )


def bad_precondition(why: str) -> AksError:
    """400 for ``If-None-Match`` other than ``*``, or both headers at once (AKS's checks)."""
    return AksError(400, "BadRequest", why)
