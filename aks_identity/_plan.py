"""Plans: what an operation will do, before it does it.

Every mutating operation builds a :class:`Plan` first (ordered steps, the role assignments it
would make, warnings, expected downtime). With ``dry_run=True`` the plan is returned and
nothing is written; otherwise the same plan runs, step by step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from aks_identity._doing import doing
from aks_identity._errors import AksIdentityError
from aks_identity._ids import ResourceId
from aks_identity._warnings import AksIdentityWarning, emit

__all__ = ["Plan", "PlannedGrant", "Step"]


def _optional_id(value: str | ResourceId | None) -> ResourceId | None:
    return None if value is None else ResourceId.parse(value)


def _to_id(value: str | ResourceId) -> ResourceId:
    return ResourceId.parse(value)


@attrs.frozen(kw_only=True, eq=False)
class Step:
    """One step of a plan: a write to Azure, a read, or a wait."""

    action: str
    """Short verb: ``create``, ``update``, ``grant``, ``revoke``, ``delete``, ``upgrade``."""
    description: str
    target: ResourceId | None = attrs.field(default=None, converter=_optional_id)
    writes: bool = True
    _run: Callable[[], object] | None = attrs.field(default=None, alias="run", repr=False)

    def __repr__(self) -> str:
        return f"Step({self.action}: {self.description})"

    def __str__(self) -> str:
        return f"{self.action}: {self.description}"


@attrs.frozen(kw_only=True, eq=False)
class PlannedGrant:
    """A role assignment the operation makes (or reuses when an equivalent one exists)."""

    role: str
    scope: ResourceId = attrs.field(converter=_to_id)
    principal: str
    """The principal's object ID, or what it is when unknown before the operation runs."""
    reason: str
    skip_with: str | None = None
    """The keyword argument that skips this grant, e.g. ``grant_subnet=False``."""

    def __repr__(self) -> str:
        return f"PlannedGrant({self.role!r} for {self.principal} on {self.where})"

    def __str__(self) -> str:
        skip = f" [skip with {self.skip_with}]" if self.skip_with else ""
        return f"{self.role} for {self.principal} on {self.where}: {self.reason}{skip}"

    @property
    def where(self) -> str:
        """The scope in words: ``subnet aks``, ``container registry acr1``."""
        kind = self.scope.kind.value if self.scope.kind else "scope"
        return f"{kind} {self.scope.name}" if self.scope.name else str(self.scope)


@attrs.frozen(kw_only=True, eq=False)
class Plan:
    """What an operation does, in order. Returned by ``dry_run=True``; carried by
    :class:`~aks_identity.ConfirmationRequired`."""

    operation: str
    target: ResourceId | None = attrs.field(default=None, converter=_optional_id)
    steps: tuple[Step, ...] = ()
    grants: tuple[PlannedGrant, ...] = ()
    warnings: tuple[AksIdentityWarning, ...] = ()
    expected_downtime: str | None = None
    """What downtime the operation causes (node reimage), or None."""

    @property
    def writes(self) -> tuple[Step, ...]:
        """The steps that change something in Azure."""
        return tuple(s for s in self.steps if s.writes)

    def __repr__(self) -> str:
        parts = [f"{len(self.steps)} steps", f"{len(self.grants)} grants"]
        if self.warnings:
            parts.append(f"{len(self.warnings)} warnings")
        if self.expected_downtime:
            parts.append("downtime")
        return f"<Plan {self.operation}: {', '.join(parts)}>"

    def __str__(self) -> str:
        lines = [f"Plan: {self.operation}"]
        lines += [f"  {i}. {step}" for i, step in enumerate(self.steps, 1)]
        if self.expected_downtime:
            lines.append(f"  downtime: {self.expected_downtime}")
        lines += [f"  warning ({type(w).__name__}): {w}" for w in self.warnings]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from aks_identity._notebook import plan_html

        return plan_html(self)


class PlanBuilder:
    """Collects the steps of an operation, then returns its plan or runs it."""

    def __init__(self, operation: str, target: str | ResourceId | None = None) -> None:
        self._operation = operation
        self._target = target
        self._steps: list[Step] = []
        self._grants: list[PlannedGrant] = []
        self._warnings: list[AksIdentityWarning] = []
        self._downtime: str | None = None

    def step(
        self,
        action: str,
        description: str,
        run: Callable[[], object] | None,
        *,
        target: str | ResourceId | None = None,
        writes: bool = True,
    ) -> None:
        """Append a step; ``run`` is called when the plan executes."""
        self._steps.append(
            Step(action=action, description=description, target=target, writes=writes, run=run)
        )

    def grant(self, grant: PlannedGrant, run: Callable[[], object]) -> None:
        """Append a role assignment step."""
        self._grants.append(grant)
        self.step("grant", str(grant), run, target=grant.scope)

    def warn(self, warning: AksIdentityWarning) -> None:
        """Record a warning (emitted when the plan is built)."""
        self._warnings.append(warning)

    def downtime(self, description: str) -> None:
        """Record the downtime the operation causes."""
        self._downtime = description

    def plan(self) -> Plan:
        """The plan so far; its warnings are emitted through :mod:`warnings`."""
        plan = Plan(
            operation=self._operation,
            target=self._target,
            steps=tuple(self._steps),
            grants=tuple(self._grants),
            warnings=tuple(self._warnings),
            expected_downtime=self._downtime,
        )
        emit(plan.warnings)
        return plan


def execute(plan: Plan) -> list[Any]:
    """Run every step of ``plan`` in order; returns each step's result.

    An error names the steps already written and those not run, so that no partial write
    goes unreported (re-running the operation converges). While a step runs, its
    description is what the HTTP layer logs as the reason of each write it sends.
    """
    results: list[Any] = []
    for index, step in enumerate(plan.steps):
        try:
            with doing(f"{plan.operation}: {step}"):
                results.append(step._run() if step._run is not None else None)
        except AksIdentityError as error:
            done = tuple(str(s) for s in plan.steps[:index] if s.writes)
            error.record_progress(done, tuple(str(s) for s in plan.steps[index:]))
            raise
    return results
