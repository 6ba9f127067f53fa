"""Cluster flows, one module per flow (create, migrate, kubelet, node_images, registries,
addons, delete). Each splits a pure planning function (snapshot + request -> Plan, tested
without HTTP) from the code that reads the snapshot and runs the plan (``_runner``).

:class:`Operations` is the one internal interface the domain objects and the
:class:`~aks_identity.Azure` facade call.
"""

from aks_identity._flows._api import Operations

__all__ = ["Operations"]
