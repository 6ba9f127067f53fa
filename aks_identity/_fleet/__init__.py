"""Many clusters in many subscriptions: Resource Graph inventory, audit, fleet plans, apply."""

from aks_identity._fleet._fleet import Fleet
from aks_identity._fleet._plan import ClusterPlan, FleetPlan
from aks_identity._fleet._report import AuditReport, Finding, Severity
from aks_identity._fleet._run import ClusterOutcome, FleetResult

__all__ = [
    "AuditReport",
    "ClusterOutcome",
    "ClusterPlan",
    "Finding",
    "Fleet",
    "FleetPlan",
    "FleetResult",
    "Severity",
]
