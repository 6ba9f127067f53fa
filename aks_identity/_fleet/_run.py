"""Running a fleet plan: clusters in parallel, each isolated, journaled step by step.

Each cluster's plan runs through the library's own execution path (``_plan.execute``), one
step at a time so that every completed step is journaled before the next starts; the caller's
permissions for the whole plan are checked once before its first step, so a cluster the caller
may not fully migrate is refused before anything is written to it. A re-run with
the same journal skips finished clusters; a cluster whose identity update was done but whose
grants were not (killed in between) gets exactly those grants, made idempotently (the grant
engine reuses an equivalent assignment), so nothing is assigned twice.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import attrs

from aks_identity._checks import check_bool
from aks_identity._errors import ConfirmationRequired, ValidationError
from aks_identity._model import Principal, PrincipalType
from aks_identity._objects import Cluster
from aks_identity._plan import Plan, Step, execute

from ._journal import Journal, JournalState
from ._plan import ClusterPlan, FleetPlan
from ._report import text_table

if TYPE_CHECKING:
    from tqdm.auto import tqdm

__all__ = ["ClusterOutcome", "FleetResult", "run"]

_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
STATUSES = ("succeeded", "unchanged", "done-earlier", "failed", "skipped", "not-started")


@attrs.frozen(kw_only=True, eq=False)
class ClusterOutcome:
    """What happened to one cluster of a fleet plan."""

    cluster_id: str
    status: str
    """``succeeded``, ``unchanged``, ``done-earlier`` (per the journal), ``failed``,
    ``skipped`` (no plan) or ``not-started`` (``max_failures`` reached)."""
    message: str = ""
    error: BaseException | None = None
    cluster: Cluster | None = None
    """The refreshed cluster after a successful run."""

    @property
    def name(self) -> str:
        """The cluster's name."""
        return self.cluster_id.rstrip("/").rsplit("/", 1)[-1]


@attrs.frozen(kw_only=True, eq=False)
class FleetResult:
    """Every cluster's outcome, in plan order."""

    outcomes: tuple[ClusterOutcome, ...]
    stopped_early: bool = False
    """True when ``max_failures`` stopped new clusters from starting."""

    def with_status(self, status: str) -> list[ClusterOutcome]:
        """The outcomes of one status."""
        return [o for o in self.outcomes if o.status == status]

    @property
    def failed(self) -> list[ClusterOutcome]:
        """Clusters whose plan failed."""
        return self.with_status("failed")

    @property
    def ok(self) -> bool:
        """No cluster failed and every cluster was started."""
        return not self.failed and not self.with_status("not-started")

    def as_dict(self) -> dict[str, Any]:
        """The outcomes as plain data (the CLI's ``--json``)."""
        return {
            "ok": self.ok,
            "stopped_early": self.stopped_early,
            "clusters": [
                {"cluster_id": o.cluster_id, "status": o.status, "message": o.message}
                for o in self.outcomes
            ],
        }

    def summary(self) -> str:
        """Counts by status."""
        counts = [f"{len(self.with_status(s))} {s}" for s in STATUSES if self.with_status(s)]
        stop = " (stopped after max_failures)" if self.stopped_early else ""
        return f"{len(self.outcomes)} clusters: " + ", ".join(counts) + stop

    def __repr__(self) -> str:
        return f"<FleetResult {self.summary()}>"

    def __str__(self) -> str:
        rows = [(o.name, o.status, o.message) for o in self.outcomes]
        return text_table(("cluster", "status", "message"), rows) + "\n" + self.summary()

    def _repr_html_(self) -> str:
        from aks_identity._notebook import table

        rows = ((o.name, o.status, o.message) for o in self.outcomes)
        return table(("cluster", "status", "message"), rows, caption=self.summary())


def _positive(value: Any, name: str, *, allow_none: bool) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(
            f"{name} must be a whole number >= 1, got {type(value).__name__} {value!r}: pass "
            f"e.g. {name}={4 if name == 'max_parallel' else 1}"
            + (" (or None for no limit)" if allow_none else ""),
            rule=name,
        )


def _steps_record(plan: Plan) -> list[dict[str, Any]]:
    """Each step as the journal keeps it; grant steps with role, scope and principal."""
    grants: Iterator[Any] = iter(plan.grants)
    record = []
    for step in plan.steps:
        grant = next(grants, None) if step.action == "grant" else None
        record.append(
            {
                "action": step.action,
                "description": step.description,
                "writes": step.writes,
                "grant": None
                if grant is None
                else {"role": grant.role, "scope": str(grant.scope), "principal": grant.principal},
            }
        )
    return record


class _Runner:
    def __init__(
        self,
        plan: FleetPlan,
        journal: Journal,
        max_failures: int | None,
        bar: tqdm[Any] | None,
    ) -> None:
        self._plan = plan
        self._journal = journal
        self._max_failures = max_failures
        self._bar = bar
        self._lock = threading.Lock()
        self._next = 0
        self._failures = 0
        self.stopped = False
        self.outcomes: dict[int, ClusterOutcome] = {}

    def worker(self) -> None:
        while True:
            with self._lock:
                if self._next >= len(self._plan.entries) or self.stopped:
                    return
                index = self._next
                self._next += 1
            entry = self._plan.entries[index]
            outcome = self._one(entry)
            with self._lock:
                self.outcomes[index] = outcome
                if outcome.status == "failed":
                    self._failures += 1
                    if self._max_failures is not None and self._failures >= self._max_failures:
                        self.stopped = True
                if self._bar is not None:
                    self._bar.update(1)
                    self._bar.set_postfix(failed=self._failures, refresh=False)

    def _one(self, entry: ClusterPlan) -> ClusterOutcome:
        key = entry.cluster_id.lower()
        state: JournalState = self._journal.state
        if key in state.finished:
            return ClusterOutcome(
                cluster_id=entry.cluster_id,
                status="done-earlier",
                message=f"finished in an earlier run ({state.finished[key]})",
            )
        try:
            recorded, done = state.planned.get(key), state.done_steps.get(key, set())
            if recorded is not None and _update_done_grants_left(recorded, done):
                return self._finish_grants(entry, recorded, done)
            if entry.plan is None:
                return ClusterOutcome(
                    cluster_id=entry.cluster_id, status="skipped", message=entry.skipped or ""
                )
            return self._execute(entry, entry.plan)
        except Exception as error:  # one cluster's failure is its own
            return ClusterOutcome(
                cluster_id=entry.cluster_id,
                status="failed",
                message=f"{type(error).__name__}: {error}",
                error=error,
            )

    def _execute(self, entry: ClusterPlan, plan: Plan) -> ClusterOutcome:
        if not plan.writes:
            self._journal.finished(entry.cluster_id, "unchanged")
            return ClusterOutcome(
                cluster_id=entry.cluster_id, status="unchanged", message="nothing to change"
            )
        self._journal.planned(entry.cluster_id, _steps_record(plan))
        # execute() checks the whole plan's permissions before its first write and journals
        # each step as it completes
        def journaled(index: int, step: Step) -> None:
            self._journal.step(entry.cluster_id, index, str(step))

        outputs = execute(plan, after_step=journaled)
        result = next((o for o in reversed(outputs) if isinstance(o, Cluster)), None)
        self._journal.finished(entry.cluster_id, "succeeded")
        return ClusterOutcome(
            cluster_id=entry.cluster_id,
            status="succeeded",
            message=f"{plan.operation}: {len(plan.writes)} writes",
            cluster=result or entry.cluster.refresh(),
        )

    def _finish_grants(
        self, entry: ClusterPlan, recorded: list[dict[str, Any]], done: set[int]
    ) -> ClusterOutcome:
        """The identity update ran in an earlier run; make the grants that followed it."""
        cluster = entry.cluster.refresh()
        pending = [i for i in range(len(recorded)) if i not in done and recorded[i]["writes"]]
        for index in pending:
            grant = recorded[index]["grant"]
            known = _GUID.search(str(grant["principal"]))
            if known is not None:
                principal = Principal(known.group(0).lower(), PrincipalType.SERVICE_PRINCIPAL)
                azure = self._plan._fleet.azure(cluster.id.subscription_id or "")
                azure.grant(principal, grant["role"], grant["scope"])
            else:  # the principal the update made: the cluster's control plane now
                cluster.grant(grant["role"], grant["scope"])
            self._journal.step(entry.cluster_id, index, str(recorded[index]["description"]))
        self._journal.finished(entry.cluster_id, "succeeded")
        return ClusterOutcome(
            cluster_id=entry.cluster_id,
            status="succeeded",
            message=f"resumed: {len(pending)} remaining grant(s) made",
            cluster=cluster,
        )


def _update_done_grants_left(recorded: list[dict[str, Any]], done: set[int]) -> bool:
    """An earlier run wrote the cluster but stopped before the grants after it."""
    writes = [i for i, step in enumerate(recorded) if step.get("writes")]
    updated = any(i in done and recorded[i].get("grant") is None for i in writes)
    left = [i for i in writes if i not in done]
    return updated and bool(left) and all(recorded[i].get("grant") for i in left)


def run(
    plan: FleetPlan,
    *,
    max_parallel: int,
    journal: str | os.PathLike[str] | None,
    allow_downtime: bool,
    max_failures: int | None,
    progress: bool | None,
) -> FleetResult:
    """See :meth:`FleetPlan.apply`."""
    _positive(max_parallel, "max_parallel", allow_none=False)
    _positive(max_failures, "max_failures", allow_none=True)
    check_bool(allow_downtime, "allow_downtime")
    record = Journal(journal)
    needing = [e for e in plan.entries if e.plan is not None and e.plan.expected_downtime]
    if needing and not allow_downtime:
        first = needing[0].plan
        assert first is not None
        raise ConfirmationRequired(
            f"{len(needing)} cluster plan(s) cause downtime (e.g. {needing[0].cluster.name}: "
            f"{first.expected_downtime}); re-run apply(allow_downtime=True)",
            plan=first,
        )
    record.open(plan.fingerprint, plan.target, (e.cluster_id for e in plan.entries))
    bar = None
    if plan.entries and progress is not False:
        from tqdm.auto import tqdm

        bar = tqdm(
            total=len(plan.entries),
            desc=f"migrating to {plan.target.rsplit('/', 1)[-1]}",
            unit="cluster",
            disable=None if progress is None else not progress,
        )
    runner = _Runner(plan, record, max_failures, bar)
    try:
        workers = min(max_parallel, max(1, len(plan.entries)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="aks-fleet") as pool:
            futures = [pool.submit(runner.worker) for _ in range(workers)]
            try:
                for future in futures:
                    future.result()
            except BaseException:  # Ctrl-C: start no new cluster; those running finish
                runner.stopped = True
                raise
    finally:
        if bar is not None:
            bar.close()
    outcomes = tuple(
        runner.outcomes.get(i)
        or ClusterOutcome(
            cluster_id=entry.cluster_id,
            status="not-started",
            message=f"not started: {max_failures} failure(s) reached max_failures",
        )
        for i, entry in enumerate(plan.entries)
    )
    return FleetResult(outcomes=outcomes, stopped_early=runner.stopped)
