"""Fleet migration plans: one single-cluster Plan per cluster, made with ``dry_run=True``."""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from aks_identity._errors import AksIdentityError, ValidationError
from aks_identity._model import IdentityType
from aks_identity._objects import Cluster, ManagedIdentity
from aks_identity._plan import Plan
from aks_identity._warnings import AksIdentityWarning

if TYPE_CHECKING:
    from ._fleet import Fleet
    from ._run import FleetResult

__all__ = ["ClusterPlan", "FleetPlan", "plan_migration"]


@attrs.frozen(kw_only=True, eq=False)
class ClusterPlan:
    """One cluster of a fleet plan: its Plan, or why it has none."""

    cluster: Cluster
    plan: Plan[Cluster] | None
    skipped: str | None = None
    """Why there is no plan (the operation refused the cluster)."""

    @property
    def cluster_id(self) -> str:
        """The cluster's resource ID."""
        return str(self.cluster.id)

    @property
    def writes(self) -> int:
        """Writes the plan makes."""
        return len(self.plan.writes) if self.plan is not None else 0

    @property
    def status(self) -> str:
        """``migrate``, ``unchanged`` (nothing to write) or ``skipped``."""
        if self.plan is None:
            return "skipped"
        return "migrate" if self.plan.writes else "unchanged"


@attrs.frozen(kw_only=True, eq=False)
class FleetPlan:
    """What :meth:`Fleet.plan_migration` would do, cluster by cluster. Nothing written yet."""

    _fleet: Fleet = attrs.field(alias="fleet", repr=False)
    target: str
    """``system-assigned``, or the user-assigned identity's resource ID."""
    entries: tuple[ClusterPlan, ...]

    @property
    def plans(self) -> tuple[Plan[Cluster], ...]:
        """The per-cluster plans (clusters without one left out)."""
        return tuple(e.plan for e in self.entries if e.plan is not None)

    @property
    def writes(self) -> int:
        """Writes across the fleet."""
        return sum(e.writes for e in self.entries)

    @property
    def grants(self) -> int:
        """Role assignments the plans make (or reuse)."""
        return sum(len(p.grants) for p in self.plans)

    @property
    def downtime(self) -> tuple[str, ...]:
        """IDs of the clusters whose plan causes downtime."""
        return tuple(e.cluster_id for e in self.entries if e.plan and e.plan.expected_downtime)

    @property
    def fingerprint(self) -> str:
        """Identifies the plan in its journal: the target and the clusters."""
        ids = sorted(e.cluster_id.lower() for e in self.entries)
        return hashlib.sha256(json.dumps([self.target, ids]).encode()).hexdigest()[:16]

    def __len__(self) -> int:
        return len(self.entries)

    def as_dict(self) -> dict[str, Any]:
        """The plan as plain data (the CLI's ``--json``): totals and each cluster's steps."""
        return {
            "target": self.target,
            "writes": self.writes,
            "grants": self.grants,
            "downtime": list(self.downtime),
            "clusters": [
                {
                    "cluster_id": e.cluster_id,
                    "status": e.status,
                    "skipped": e.skipped,
                    "operation": e.plan.operation if e.plan is not None else None,
                    "steps": [str(step) for step in e.plan.steps] if e.plan is not None else [],
                    "warnings": [str(w) for w in e.plan.warnings] if e.plan is not None else [],
                }
                for e in self.entries
            ],
        }

    def summary(self) -> str:
        """One line of totals."""
        counts = {
            s: sum(e.status == s for e in self.entries) for s in ("migrate", "unchanged", "skipped")
        }
        return (
            f"{len(self.entries)} clusters to {self.target}: {counts['migrate']} to migrate, "
            f"{counts['unchanged']} unchanged, {counts['skipped']} skipped; {self.writes} writes, "
            f"{self.grants} grants, downtime on {len(self.downtime)}"
        )

    def _rows(self) -> list[tuple[str, str, str, str]]:
        return [
            (
                e.cluster.name,
                e.status,
                str(e.writes),
                e.skipped or (e.plan.operation if e.plan is not None else ""),
            )
            for e in self.entries
        ]

    def __repr__(self) -> str:
        return f"<FleetPlan {self.summary()}>"

    def __str__(self) -> str:
        from ._report import text_table

        return text_table(("cluster", "status", "writes", "operation"), self._rows()) + (
            "\n" + self.summary()
        )

    def _repr_html_(self) -> str:
        from aks_identity._notebook import table

        return table(("cluster", "status", "writes", "operation"), self._rows(), self.summary())

    def apply(
        self,
        max_parallel: int = 4,
        journal: str | os.PathLike[str] | None = None,
        allow_downtime: bool = False,
        max_failures: int | None = None,
        *,
        progress: bool | None = None,
    ) -> FleetResult:
        """Run every cluster's plan, ``max_parallel`` clusters at a time.

        A cluster's failure is its own: the others go on, and the result says what happened
        to each. After ``max_failures`` failures no new cluster starts. Every completed step is
        appended to ``journal``: run again with the same journal (after a crash or a kill) and
        what was done is skipped, what was left is finished, with no duplicate assignment.
        One progress bar (``progress``: True, False, or None for the fleet's RetryPolicy).
        """
        from ._run import run

        if progress is not None and not isinstance(progress, bool):
            raise ValidationError(
                f"progress must be True, False or None, got {type(progress).__name__} "
                f"{progress!r}: pass progress=True to show the bar, False to hide it",
                rule="progress",
            )
        return run(
            self,
            max_parallel=max_parallel,
            journal=journal,
            allow_downtime=allow_downtime,
            max_failures=max_failures,
            progress=self._fleet.retry.progress if progress is None else progress,
        )


def _plan_one(cluster: Cluster, target: str | ManagedIdentity) -> ClusterPlan:
    try:
        if isinstance(target, ManagedIdentity):
            return ClusterPlan(cluster=cluster, plan=cluster.use_identity(target, dry_run=True))
        if cluster.identity_type is IdentityType.USER_ASSIGNED:
            plan = cluster.use_system_assigned_identity(dry_run=True)
            return ClusterPlan(cluster=cluster, plan=plan)
        # a service principal cluster migrates; a system-assigned one: a plan writing nothing
        return ClusterPlan(cluster=cluster, plan=cluster.enable_managed_identity(dry_run=True))
    except AksIdentityError as error:
        return ClusterPlan(cluster=cluster, plan=None, skipped=f"refused: {error}")


def plan_migration(
    fleet: Fleet,
    clusters: Sequence[Cluster],
    target: str | ManagedIdentity,
    where: Callable[[Cluster], bool] | None,
) -> FleetPlan:
    """The fleet plan for ``clusters`` that ``where`` selects (all when None)."""
    chosen = []
    for cluster in clusters:
        try:
            selected = True if where is None else where(cluster)
        except Exception as error:
            raise ValidationError(
                f"where raised {type(error).__name__} for cluster {cluster.name}: {error}; "
                "pass a function of a Cluster that returns True or False for every cluster",
                rule="where",
                resource_id=str(cluster.id),
            ) from error
        if not isinstance(selected, bool):
            raise ValidationError(
                f"where returned {type(selected).__name__} {selected!r} for cluster "
                f"{cluster.name}, not True or False (a truthy value does not select a cluster "
                "for a migration): pass one that returns a bool, e.g. "
                "where=lambda c: c.name in names",
                rule="where",
                resource_id=str(cluster.id),
            )
        if selected:
            chosen.append(cluster)
    with warnings.catch_warnings():  # every plan records its warnings; don't print 100 copies
        warnings.simplefilter("ignore", AksIdentityWarning)
        entries = tuple(_plan_one(c, target) for c in chosen)
    label = target if isinstance(target, str) else str(target.id)
    return FleetPlan(fleet=fleet, target=label, entries=entries)
