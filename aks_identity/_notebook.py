"""Notebook display: small HTML tables for objects, plans and inventories (escaped, no secrets).

Tables fit a notebook cell: long values (resource IDs, GUIDs) are shown short, with the full
value as the cell's tooltip, and every cell wraps rather than widening the table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aks_identity._ids import ResourceId
    from aks_identity._objects import Cluster, IdentityUse
    from aks_identity._plan import Plan

__all__ = ["Short", "cluster_html", "inventory_html", "object_html", "plan_html", "table"]

_STYLE = (
    "border-collapse:collapse;font-family:monospace;font-size:12px;"
    "table-layout:auto;max-width:100%"
)
_CELL = (
    "border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top;"
    "overflow-wrap:anywhere;word-break:break-word;max-width:36em"
)


class Short:
    """A cell value shown abbreviated, the full text in its tooltip."""

    def __init__(self, shown: str, full: str) -> None:
        self.shown = shown
        self.full = full

    def __str__(self) -> str:
        return self.shown


def guid(value: str | None) -> Short | None:
    """A GUID as its first block (``1a2b3c4d…``), the whole GUID in the tooltip."""
    if not value:
        return None
    head = value.split("-")[0]
    return Short(head + "…" if head != value else value, value)


def resource(rid: ResourceId | None) -> Short | None:
    """A resource ID as ``kind name`` (``subnet aks``), the whole ID in the tooltip."""
    if rid is None:
        return None
    kind = rid.kind.value if rid.kind else "scope"
    return Short(f"{kind} {rid.name}" if rid.name else str(rid), str(rid))


def _cell(value: object, tag: str = "td") -> str:
    if isinstance(value, Short):
        return f'<{tag} style="{_CELL}" title="{escape(value.full)}">{escape(value.shown)}</{tag}>'
    text = "" if value is None else str(value)
    return f'<{tag} style="{_CELL}">{escape(text)}</{tag}>'


def table(header: Iterable[str], rows: Iterable[Iterable[object]], caption: str = "") -> str:
    """An HTML table (every value escaped)."""
    head = "".join(_cell(h, "th") for h in header)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    cap = f"<caption style='text-align:left'><b>{escape(caption)}</b></caption>" if caption else ""
    return f'<table style="{_STYLE}">{cap}<tr>{head}</tr>{body}</table>'


def object_html(obj: object, fields: Mapping[str, object]) -> str:
    """Two-column table of an object's fields, captioned with its repr."""
    return table(("field", "value"), fields.items(), caption=repr(obj))


def cluster_html(cluster: Cluster) -> str:
    """A cluster's identities at a glance."""
    kubelet = cluster.kubelet_identity
    fields: dict[str, object] = {
        "id": cluster.id,
        "identity type": cluster.identity_type.value,
        "principal_id": cluster.principal_id,
        "uses managed identity": cluster.uses_managed_identity,
        "kubelet identity": resource(kubelet.resource_id) if kubelet else None,
        "kubelet object_id": kubelet.object_id if kubelet else None,
        "subnets": ", ".join(str(s.name) for s in cluster.subnet_ids) or None,
        "provisioning state": cluster.provisioning_state,
    }
    return object_html(cluster, fields)


def plan_html(plan: Plan) -> str:
    """Steps, grants, downtime and warnings of a plan."""
    parts = [
        table(
            ("#", "action", "description"),
            ((i, s.action, s.description) for i, s in enumerate(plan.steps, 1)),
            caption=f"Plan: {plan.operation}",
        )
    ]
    if plan.grants:
        parts.append(
            table(
                ("role", "for", "on", "why"),
                (
                    (
                        g.role,
                        guid(g.principal) if _is_guid(g.principal) else g.principal,
                        resource(g.scope),
                        g.reason + (f" (skip with {g.skip_with})" if g.skip_with else ""),
                    )
                    for g in plan.grants
                ),
                caption="Role assignments",
            )
        )
    if plan.expected_downtime:
        parts.append(f"<p><b>Downtime:</b> {escape(plan.expected_downtime)}</p>")
    parts += [
        f"<p>⚠ <b>{escape(type(w).__name__)}</b>: {escape(str(w))}</p>" for w in plan.warnings
    ]
    return "".join(parts)


def _is_guid(text: str) -> bool:
    parts = text.split("-")
    return len(parts) == 5 and all(p.isalnum() for p in parts) and len(text) == 36


def inventory_html(rows: Iterable[IdentityUse]) -> str:
    """An identity inventory: one row per identity the cluster uses."""
    return table(
        ("use", "kind", "identity", "object ID", "default permissions", "role assignments", "note"),
        (
            (
                r.use,
                r.kind,
                resource(r.resource_id) if r.resource_id else guid(r.client_id),
                guid(r.object_id),
                "; ".join(r.default_permissions),
                "; ".join(
                    f"{a.role_name} on {a.scope.name or a.scope}" for a in r.role_assignments
                ),
                r.note,
            )
            for r in rows
        ),
    )
