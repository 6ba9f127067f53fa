"""Audit results: typed findings and the report that renders them (table, JSON, CSV, HTML)."""

from __future__ import annotations

import csv
import enum
import io
import json
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

from aks_identity._checks import check_choice, check_int, check_str

if TYPE_CHECKING:
    from aks_identity._objects import Cluster

__all__ = ["AuditReport", "Finding", "Severity", "text_table"]


class Severity(str, enum.Enum):
    """How much a finding matters; ordered ``INFO < WARNING < ERROR``."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        """0 for info, 1 for warning, 2 for error."""
        return ("info", "warning", "error").index(self.value)


@attrs.frozen(kw_only=True)
class Finding:
    """One problem the audit found, and the library call that fixes it."""

    cluster_id: str
    """The cluster's resource ID; ``/subscriptions/<id>`` for a finding about a subscription."""
    code: str
    """Stable identifier, e.g. ``ServicePrincipalControlPlane``."""
    severity: Severity
    message: str
    fix: str
    """The library call that fixes it (``cluster`` is the cluster; ``az`` its subscription)."""

    def as_dict(self) -> dict[str, str]:
        """The finding as plain strings (JSON and CSV rows)."""
        return {
            "cluster_id": self.cluster_id,
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "fix": self.fix,
        }


_COLUMNS = ("severity", "code", "cluster", "message", "fix")
_MIN_WIDTH = 40
"""The narrowest table: the 9-character indent and a few words of message."""


def _severity(value: object) -> Severity:
    if isinstance(value, Severity):
        return value
    return check_choice(value, "severity", {s.value: s for s in Severity}, rule="severity")


def _cluster_label(cluster_id: str) -> str:
    """``name (group, subscription 1234abcd)`` for a cluster ID; other IDs as they are."""
    parts = cluster_id.split("/")
    if len(parts) >= 9:
        return f"{parts[8]} ({parts[4]}, subscription {parts[2][:8]})"
    if len(parts) == 3:
        return f"subscription {parts[2]}"
    return cluster_id


@attrs.frozen(kw_only=True, eq=False)
class AuditReport:
    """What :meth:`Fleet.audit` found, sorted by severity (errors first)."""

    findings: tuple[Finding, ...]
    clusters: tuple[Cluster, ...] = ()
    subscriptions: tuple[str, ...] = ()
    """The subscriptions that were read."""

    def at_least(self, severity: Severity | str) -> list[Finding]:
        """Findings at or above ``severity``."""
        threshold = _severity(severity)
        return [f for f in self.findings if f.severity.rank >= threshold.rank]

    def by_cluster(self, cluster_id: str) -> list[Finding]:
        """The findings about one cluster (any casing)."""
        from aks_identity._ids import ResourceId

        if isinstance(cluster_id, ResourceId):
            cluster_id = str(cluster_id)
        wanted = check_str(cluster_id, "cluster_id", rule="cluster").lower()
        return [f for f in self.findings if f.cluster_id.lower() == wanted]

    def to_json(self, *, indent: int | None = 2) -> str:
        """The findings as a JSON document (``{"subscriptions", "clusters", "findings"}``)."""
        if indent is not None:
            check_int(indent, "indent", low=0, high=16, rule="indent")
        return json.dumps(
            {
                "subscriptions": list(self.subscriptions),
                "clusters": len(self.clusters),
                "findings": [f.as_dict() for f in self.findings],
            },
            indent=indent,
        )

    def to_csv(self) -> str:
        """The findings as CSV with a header row."""
        out = io.StringIO()
        writer = csv.DictWriter(
            out,
            fieldnames=["cluster_id", "code", "severity", "message", "fix"],
            lineterminator="\n",
        )
        writer.writeheader()
        for finding in self.findings:
            writer.writerow(finding.as_dict())
        return out.getvalue()

    def summary(self) -> str:
        """One line: clusters, subscriptions, findings by severity."""
        counts = {s: sum(f.severity is s for f in self.findings) for s in Severity}
        parts = [f"{counts[s]} {s.value}{'s' * (counts[s] != 1)}" for s in reversed(Severity)]
        return (
            f"{len(self.clusters)} cluster{'s' * (len(self.clusters) != 1)} in "
            f"{len(self.subscriptions)} subscription{'s' * (len(self.subscriptions) != 1)}: "
            + ", ".join(parts)
        )

    def to_table(self, width: int = 100) -> str:
        """Plain text for a terminal (the CLI's): one block per finding, then the summary.

        Each block: severity, code and cluster on one line; the message wrapped below it, then
        the fix (the library call) on one line.
        """
        check_int(width, "width", low=_MIN_WIDTH, high=10_000, rule="width")
        code_width = max([len(f.code) for f in self.findings] + [4])
        indent = " " * 9
        lines = [f"aks-identity audit: {self.summary()}", ""]
        for finding in self.findings:
            lines.append(
                f"{finding.severity.value.upper():<8} {finding.code:<{code_width}}  "
                f"{_cluster_label(finding.cluster_id)}"
            )
            lines += textwrap.wrap(
                finding.message, width, initial_indent=indent, subsequent_indent=indent
            )
            lines.append(f"{indent}fix: {finding.fix}")  # not wrapped: it is code to copy
        if not self.findings:
            lines.append("no findings")
        else:
            lines += [
                "",
                "Each fix is Python: `cluster` is the cluster (fleet.clusters()), `az` its "
                "subscription's client (fleet.azure(subscription_id)).",
            ]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_table()

    def __repr__(self) -> str:
        return f"<AuditReport {self.summary()}>"

    def _repr_html_(self) -> str:
        from aks_identity._notebook import table

        return table(
            _COLUMNS,
            (
                (f.severity.value, f.code, _cluster_label(f.cluster_id), f.message, f.fix)
                for f in self.findings
            ),
            caption=f"Audit: {self.summary()}",
        )


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]], width: int = 160) -> str:
    """Columns sized to their content; the widest (message) is cut to fit ``width``."""
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
    excess = sum(widths) + 2 * (len(widths) - 1) - width
    if excess > 0:
        widest = max(range(len(widths)), key=lambda i: widths[i])
        widths[widest] = max(len(header[widest]), widths[widest] - excess)

    def line(values: Sequence[str]) -> str:
        cells = []
        for value, size in zip(values, widths, strict=True):
            text = value if len(value) <= size else value[: max(0, size - 1)] + "…"
            cells.append(text.ljust(size))
        return "  ".join(cells).rstrip()

    separator = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), separator, *(line(r) for r in rows)])
