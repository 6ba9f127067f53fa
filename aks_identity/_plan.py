"""Plans: what an operation will do, before it does it.

Every mutating operation builds a :class:`Plan` first (ordered steps, the role assignments it
would make, warnings, expected downtime). With ``dry_run=True`` the plan is returned and
nothing is written; otherwise the same plan runs, step by step.
"""

from __future__ import annotations

import threading
import typing
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Generic, Protocol

import attrs

from aks_identity._doing import doing
from aks_identity._errors import AksIdentityError, ConfirmationRequired, ConflictError
from aks_identity._ids import ResourceId
from aks_identity._permissions import MissingPermission, Need, needs_for
from aks_identity._warnings import AksIdentityWarning, emit

__all__ = ["Plan", "PlannedGrant", "Step", "TargetState"]

if TYPE_CHECKING:  # PEP 696 defaults: typing_extensions for type checkers, not at import
    from typing_extensions import TypeVar

    Result_co = TypeVar("Result_co", covariant=True, default=Any)
    """What a plan's :meth:`Plan.apply` returns (a bare ``Plan`` is ``Plan[Any]``)."""
else:
    Result_co = typing.TypeVar("Result_co", covariant=True)


def _optional_id(value: str | ResourceId | None) -> ResourceId | None:
    return None if value is None else ResourceId.parse(value)


def _to_id(value: str | ResourceId) -> ResourceId:
    return ResourceId.parse(value)


def _needs(value: Sequence[Need]) -> tuple[Need, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True, eq=False)
class Step:
    """One step of a plan: a write to Azure, a read, or a wait."""

    action: str
    """Short verb: ``create``, ``update``, ``grant``, ``revoke``, ``delete``, ``upgrade``."""
    description: str
    target: ResourceId | None = attrs.field(default=None, converter=_optional_id)
    writes: bool = True
    needs: tuple[Need, ...] = attrs.field(default=(), converter=_needs, repr=False)
    """The ``(action, scope)`` RBAC permissions the caller needs for this step."""
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
    covered_by: str | None = None
    """``"<role> at <scope>"`` when an existing assignment already covers this grant (nothing
    is written)."""

    def __repr__(self) -> str:
        return f"PlannedGrant({self.role!r} for {self.principal} on {self.where})"

    def __str__(self) -> str:
        skip = f" [skip with {self.skip_with}]" if self.skip_with else ""
        covered = f" (covered by {self.covered_by})" if self.covered_by else ""
        return f"{self.role} for {self.principal} on {self.where}: {self.reason}{covered}{skip}"

    @property
    def where(self) -> str:
        """The scope in words: ``subnet aks``, ``container registry acr1``."""
        kind = self.scope.kind.value if self.scope.kind else "scope"
        return f"{kind} {self.scope.name}" if self.scope.name else str(self.scope)


@attrs.frozen(kw_only=True)
class TargetState:
    """What a plan's target looked like when it was planned: whether it existed, its ETag."""

    exists: bool
    etag: str | None = None

    def describe(self) -> str:
        if not self.exists:
            return "absent"
        return f"ETag {self.etag}" if self.etag else "present (no ETag)"


class Runner(Protocol):
    """What runs plans for a client: the permission check and a fresh read of the target."""

    def check(self, plan: Plan) -> None:
        """Raise AuthorizationError unless the caller may make every write of ``plan``."""

    def missing(self, plan: Plan) -> list[MissingPermission]:
        """The permissions the caller lacks for ``plan``'s writes."""

    def target_state(self, target: ResourceId) -> TargetState | None:
        """The target as it is now (None: this kind of target cannot be compared)."""


@attrs.define
class _Progress:
    lock: threading.Lock = attrs.field(factory=threading.Lock)
    done: bool = False


@attrs.frozen(kw_only=True, eq=False)
class Plan(Generic[Result_co]):
    """What an operation does, in order. Returned by ``dry_run=True``; carried by
    :class:`~aks_identity.ConfirmationRequired`.

    Generic in what :meth:`apply` returns: ``cluster.use_identity(mi, dry_run=True)`` is a
    ``Plan[Cluster]``, a delete's plan a ``Plan[None]``. A bare ``Plan`` annotation means
    ``Plan[Any]``.
    """

    operation: str
    target: ResourceId | None = attrs.field(default=None, converter=_optional_id)
    steps: tuple[Step, ...] = ()
    grants: tuple[PlannedGrant, ...] = ()
    warnings: tuple[AksIdentityWarning, ...] = ()
    expected_downtime: str | None = None
    """What downtime the operation causes (node reimage), or None."""
    planned_state: TargetState | None = None
    """The target when planned (compared with a fresh read by :meth:`apply`), when known."""
    _runner: Runner | None = attrs.field(default=None, alias="runner", repr=False)
    _finish: Callable[[list[Any]], Result_co] | None = attrs.field(
        default=None, alias="finish", repr=False
    )
    _progress: _Progress = attrs.field(factory=_Progress, init=False, repr=False)

    def missing_permissions(self) -> tuple[MissingPermission, ...]:
        """What the caller may not do of this plan's writes (empty: it may do all of them).

        Reads the caller's permissions (cached per resource group for a few minutes, as
        before every run); a dry run itself never reads them. :meth:`apply` refuses a plan
        with missing permissions before its first write.
        """
        if self._runner is None or not self.writes:
            return ()
        return tuple(self._runner.missing(self))

    @property
    def applied(self) -> bool:
        """True once this plan ran to its end (through :meth:`apply` or the operation)."""
        return self._progress.done

    def apply(self, *, allow_downtime: bool = False) -> Result_co:
        """Run this reviewed plan; returns what the same call without ``dry_run`` returns.

        Refuses with :class:`~aks_identity.ConflictError` (nothing written) if the target
        changed since it was planned (a managed cluster's ETag, or its appearance or
        disappearance), and if this plan already ran to its end: a plan is applied at most
        once (make a new plan; re-running an operation converges). A plan whose run failed
        part-way may be applied again (every step is idempotent) unless its target changed
        meanwhile; concurrent applies of one plan run one at a time. A plan that reimages
        nodes needs ``allow_downtime=True``, as the operation does. The caller's permissions
        are checked before the first write.
        """
        if not isinstance(allow_downtime, bool):
            from aks_identity._errors import ValidationError

            raise ValidationError(
                f"allow_downtime must be True or False, got {allow_downtime!r}",
                rule="allow_downtime",
            )
        if self._finish is None or self._runner is None:
            raise ConflictError(
                f"the plan {self.operation!r} cannot be applied: it was not made by an "
                "operation with dry_run=True of an Azure client; re-run the operation instead",
                code="PlanNotApplicable",
            )
        if self.expected_downtime and not allow_downtime:
            raise ConfirmationRequired(
                f"{self.operation} causes downtime ({self.expected_downtime}); apply it with "
                "plan.apply(allow_downtime=True)",
                plan=self,
                resource_id=None if self.target is None else str(self.target),
            )
        if self.target is not None and self.planned_state is not None:
            now = self._runner.target_state(self.target)
            if now is not None and now != self.planned_state:
                raise ConflictError(
                    f"{self.target.name or self.target} changed since the plan "
                    f"{self.operation!r} was made (planned: {self.planned_state.describe()}, "
                    f"now: {now.describe()}); nothing was written: make a new plan and review it",
                    code="PlanOutdated",
                    status=412,
                    resource_id=str(self.target),
                )
        return self._finish(execute(self))

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

    def __init__(
        self,
        operation: str,
        target: str | ResourceId | None = None,
        *,
        runner: Runner | None = None,
        planned_state: TargetState | None = None,
        finish: Callable[[list[Any]], Any] | None = None,
    ) -> None:
        """``runner`` checks permissions before the first write (and lets the plan be
        applied later with ``finish``, which turns the steps' results into the operation's
        result); ``planned_state`` is the target as the plan saw it."""
        self._operation = operation
        self._target = target
        self._runner = runner
        self._planned_state = planned_state
        self._finish = finish
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
        needs: Sequence[Need] | None = None,
    ) -> None:
        """Append a step; ``run`` is called when the plan executes.

        ``needs``: the caller's permissions the step requires; by default what its
        ``action`` needs on ``target`` (``create`` -> ``{type}/write``, ``grant`` ->
        ``roleAssignments/write``, ...).
        """
        rid = _optional_id(target)
        required = needs_for(action, rid) if needs is None else tuple(needs)
        self._steps.append(
            Step(
                action=action,
                description=description,
                target=rid,
                writes=writes,
                needs=required if writes else (),
                run=run,
            )
        )

    def grant(self, grant: PlannedGrant, run: Callable[[], object]) -> None:
        """Append a role assignment step."""
        self._grants.append(grant)
        self.step("grant", str(grant), run, target=grant.scope)

    def covered(self, grant: PlannedGrant) -> None:
        """Record a grant an existing assignment already covers (a step that writes nothing)."""
        self._grants.append(grant)
        self.step("covered", str(grant), None, target=grant.scope, writes=False)

    def warn(self, warning: AksIdentityWarning) -> None:
        """Record a warning (emitted when the plan is built)."""
        self._warnings.append(warning)

    def downtime(self, description: str) -> None:
        """Record the downtime the operation causes."""
        self._downtime = description

    def plan(self, *, emit_warnings: bool = True) -> Plan:
        """The plan so far; its warnings are emitted through :mod:`warnings` (unless
        ``emit_warnings=False``: the caller emits them once it knows the plan runs)."""
        plan = Plan(
            operation=self._operation,
            target=self._target,
            steps=tuple(self._steps),
            grants=tuple(self._grants),
            warnings=tuple(self._warnings),
            expected_downtime=self._downtime,
            planned_state=self._planned_state,
            runner=self._runner,
            finish=self._finish,
        )
        if emit_warnings:
            emit(plan.warnings)
        return plan


def execute(plan: Plan, *, after_step: Callable[[int, Step], None] | None = None) -> list[Any]:
    """Run every step of ``plan`` in order; returns each step's result.

    ``after_step(index, step)`` is called as each step completes (a fleet's journal).

    An error names the steps already written and those not run, so that no partial write
    goes unreported (re-running the operation converges). Before the first write, the
    caller's permissions for every write are checked (when the plan has a runner), and a
    plan that ran to its end does not run again. While a step runs, its description is what
    the HTTP layer logs as the reason of each write it sends.
    """
    progress = plan._progress
    with progress.lock:
        if progress.done:
            raise ConflictError(
                f"the plan {plan.operation!r} was already applied: a plan runs at most once; "
                "make a new plan (re-running the operation converges)",
                code="PlanAlreadyApplied",
            )
        if plan._runner is not None and plan.writes:
            plan._runner.check(plan)
        results: list[Any] = []
        for index, step in enumerate(plan.steps):
            try:
                with doing(f"{plan.operation}: {step}"):
                    results.append(step._run() if step._run is not None else None)
                if after_step is not None:
                    after_step(index, step)
            except AksIdentityError as error:
                done = tuple(str(s) for s in plan.steps[:index] if s.writes)
                error.record_progress(done, tuple(str(s) for s in plan.steps[index:]))
                raise
        progress.done = True
    return results
