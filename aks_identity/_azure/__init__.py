"""The only package that imports azure.mgmt.*: adapter, converters, error mapping, pipeline."""

from aks_identity._azure._arm import Arm, PreconditionFailed
from aks_identity._azure._convert import (
    ClusterSpec,
    KubeletSpec,
    cluster_body,
    set_addons,
    set_control_plane,
    set_kubelet,
)
from aks_identity._azure._errors import mapped, translate
from aks_identity._azure._pipeline import (
    CLOUDS,
    Connection,
    Endpoints,
    SdkOptions,
    check_sdk_options,
    endpoints,
)

__all__ = [
    "CLOUDS",
    "Arm",
    "ClusterSpec",
    "Connection",
    "Endpoints",
    "KubeletSpec",
    "PreconditionFailed",
    "SdkOptions",
    "check_sdk_options",
    "cluster_body",
    "endpoints",
    "mapped",
    "set_addons",
    "set_control_plane",
    "set_kubelet",
    "translate",
]
