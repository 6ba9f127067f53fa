"""A cluster's inventory is a list that a notebook shows as one table."""

from __future__ import annotations

import aks_identity as aki


def test_identities_is_a_list_shown_as_one_table(az: aki.Azure, rg: str) -> None:
    ident = az.create_identity("control", resource_group=rg)
    kubelet = az.create_identity("kubelet", resource_group=rg)
    cluster = az.create_cluster("c", resource_group=rg, identity=ident, kubelet_identity=kubelet)
    rows = cluster.identities()
    assert isinstance(rows, list) and isinstance(rows, aki.IdentityInventory)
    assert [r.use for r in rows][:2] == ["control plane", "kubelet"]
    assert rows[0].object_id == ident.principal_id
    html = rows._repr_html_()
    assert html.count("<table") == 1
    assert html.count("<tr>") == len(rows) + 1
    assert repr(rows) == f"<IdentityInventory: {len(rows)} identities>"
    assert rows[:1] == [rows[0]] and sorted(rows, key=str) is not rows  # plain list
