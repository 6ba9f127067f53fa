"""Every public operation with ``dry_run`` has the three overloads (issue 12 item 4).

``dry_run: Literal[False] = False -> T``, ``dry_run: Literal[True] -> Plan[T]`` and
``dry_run: bool -> T | Plan[T]``, each with the implementation's other parameters unchanged:
a new operation that forgets one (or returns a bare ``Plan``) fails here, not in a user's
type checker.
"""

from __future__ import annotations

import inspect
import sys
import typing
from collections.abc import Callable, Iterator

import pytest

import aks_identity as aki

pytestmark = pytest.mark.skipif(
    sys.version_info < (3, 11), reason="typing.get_overloads needs Python 3.11"
)

CLASSES = (
    aki.Azure,
    aki.ResourceGroup,
    aki.ManagedIdentity,
    aki.KubeletIdentity,
    aki.RoleAssignment,
    aki.Cluster,
)


def _operations() -> Iterator[tuple[str, Callable[..., object]]]:
    for cls in CLASSES:
        for name, member in inspect.getmembers(cls, inspect.isfunction):
            if not name.startswith("_") and "dry_run" in inspect.signature(member).parameters:
                yield f"{cls.__name__}.{name}", member


OPERATIONS = dict(_operations())


def test_the_operations_are_found() -> None:
    assert {"Azure.create_cluster", "Cluster.use_identity", "Cluster.grant"} <= set(OPERATIONS)
    assert {"ManagedIdentity.grant", "RoleAssignment.revoke", "Azure.delete_cluster"} <= set(
        OPERATIONS
    )
    assert len(OPERATIONS) >= 20


def _without_dry_run(signature: inspect.Signature) -> list[inspect.Parameter]:
    return [p for p in signature.parameters.values() if p.name != "dry_run"]


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_three_overloads_with_exact_results(name: str) -> None:
    implementation = OPERATIONS[name]
    overloads = [inspect.signature(o) for o in typing.get_overloads(implementation)]
    flags = [o.parameters["dry_run"] for o in overloads]
    assert [(f.annotation, f.default) for f in flags] == [
        ("Literal[False]", False),
        ("Literal[True]", inspect.Parameter.empty),
        ("bool", inspect.Parameter.empty),
    ], name
    result = overloads[0].return_annotation
    unions = {f"{result} | Plan[{result}]", f"Plan[{result}] | {result}"}
    assert overloads[1].return_annotation == f"Plan[{result}]", name
    assert overloads[2].return_annotation in unions, name
    others = _without_dry_run(inspect.signature(implementation))
    for overload in overloads:
        assert _without_dry_run(overload) == others, name
