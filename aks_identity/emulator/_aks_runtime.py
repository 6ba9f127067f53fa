"""What AKS knows about a cluster beyond its ARM body: which credentials are really in use.

ARM shows the configured identities; the nodes and the control plane may still use older ones:
the kubelet keeps a service principal after a migration to managed identity until its nodes are
reimaged with a newer node image, and a replaced control-plane identity keeps working until its
token expires. Tests read this through the Emulator's AKS test hooks.
"""

from __future__ import annotations

import dataclasses

SERVICE_PRINCIPAL_PREFIX = "servicePrincipal:"
SYSTEM_ASSIGNED_PREFIX = "systemAssigned:"


def service_principal_label(client_id: str) -> str:
    """The credential label of a service principal."""
    return f"{SERVICE_PRINCIPAL_PREFIX}{client_id}"


def system_assigned_label(principal_id: str) -> str:
    """The credential label of a system-assigned identity."""
    return f"{SYSTEM_ASSIGNED_PREFIX}{principal_id}"


@dataclasses.dataclass(frozen=True)
class Reimage:
    """Nodes of some agent pools were reimaged (downtime for their workloads)."""

    time: float
    pools: tuple[str, ...]
    reason: str  # "kubeletIdentityChange" | "nodeImageUpgrade" | "serviceAccountIssuerChange"
    node_image_version: str


@dataclasses.dataclass
class Transition:
    """Credential changes an operation applies when it succeeds."""

    kubelet: dict[str, str] = dataclasses.field(default_factory=dict)
    control_plane: str | None = None
    reimage_pools: tuple[str, ...] = ()
    reimage_reason: str = ""


@dataclasses.dataclass
class ClusterRuntime:
    """Per-cluster AKS-internal state."""

    control_plane: str
    kubelet: dict[str, str]  # agent pool name -> credential label
    kubelet_custom: bool = False
    system_principal_id: str | None = None
    previous_control_planes: list[tuple[str, float]] = dataclasses.field(default_factory=list)
    reimages: list[Reimage] = dataclasses.field(default_factory=list)
    owned: list[str] = dataclasses.field(default_factory=list)  # IDs AKS created (node RG content)
    operation_kind: str = ""  # of the latest operation, for OperationNotAllowed

    def control_planes_in_use(self, now: float) -> list[str]:
        """The current control-plane credential, then replaced ones whose token is still valid."""
        self.previous_control_planes = [
            (label, expiry) for label, expiry in self.previous_control_planes if expiry > now
        ]
        older = [label for label, _ in self.previous_control_planes if label != self.control_plane]
        return [self.control_plane, *dict.fromkeys(older)]

    def apply(
        self, transition: Transition, *, now: float, token_lifetime: float, image: str
    ) -> None:
        """Apply a succeeded operation's credential changes."""
        if transition.control_plane and transition.control_plane != self.control_plane:
            self.previous_control_planes.append((self.control_plane, now + token_lifetime))
            self.control_plane = transition.control_plane
        self.kubelet.update(transition.kubelet)
        if transition.reimage_pools:
            self.reimages.append(
                Reimage(now, transition.reimage_pools, transition.reimage_reason, image)
            )
