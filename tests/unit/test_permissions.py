"""Pure logic of the caller's permission check: ARM's matching rule, role choice, step needs."""

from __future__ import annotations

import pytest

from aks_identity._ids import ResourceId
from aks_identity._permissions import (
    ASSIGN_IDENTITY,
    ROLE_ASSIGNMENT_WRITE,
    granted,
    least_privileged_role,
    needs_for,
)
from aks_identity._roles import BUILTIN_ROLES

SUB = "/subscriptions/00000000-0000-0000-0000-000000000001"
RG = f"{SUB}/resourceGroups/rg"
CLUSTER = ResourceId.parse(f"{RG}/providers/Microsoft.ContainerService/managedClusters/c")


@pytest.mark.parametrize(
    ("action", "role"),
    [
        (ROLE_ASSIGNMENT_WRITE, "Role Based Access Control Administrator"),
        (
            "Microsoft.Authorization/roleAssignments/delete",
            "Role Based Access Control Administrator",
        ),
        (ASSIGN_IDENTITY, "Managed Identity Operator"),
        ("Microsoft.ContainerService/managedClusters/write", "Contributor"),
        ("Microsoft.Network/virtualNetworks/subnets/join/action", "Network Contributor"),
        ("Microsoft.Authorization/roleDefinitions/write", "User Access Administrator"),
    ],
)
def test_least_privileged_builtin_role(action: str, role: str) -> None:
    found = least_privileged_role(action)
    assert found is not None and found.name == role


def test_no_role_when_none_of_the_candidates_permits_it() -> None:
    reader = [r for r in BUILTIN_ROLES if r.name == "Reader"]
    assert least_privileged_role(ROLE_ASSIGNMENT_WRITE, reader) is None


def test_granted_follows_actions_and_not_actions_per_block() -> None:
    contributor = [{"actions": ["*"], "notActions": ["Microsoft.Authorization/*/Write"]}]
    assert granted(contributor, "Microsoft.ContainerService/managedClusters/write")
    assert not granted(contributor, ROLE_ASSIGNMENT_WRITE)
    assert not granted(contributor, ROLE_ASSIGNMENT_WRITE.upper())  # case-insensitive
    # a second block (another role) that allows it wins: ARM unions the roles
    assert granted(
        [*contributor, {"actions": ["Microsoft.Authorization/*"]}], ROLE_ASSIGNMENT_WRITE
    )
    # the middle wildcard of Managed Identity Operator covers the assign action
    operator = [{"actions": ["Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action"]}]
    assert granted(operator, ASSIGN_IDENTITY)
    assert not granted([], ASSIGN_IDENTITY)
    assert not granted([{"actions": ["*/read"]}], ASSIGN_IDENTITY)


def test_default_needs_of_steps() -> None:
    assert needs_for("update", CLUSTER) == (
        ("Microsoft.ContainerService/managedClusters/write", CLUSTER),
    )
    assert needs_for("grant", CLUSTER) == ((ROLE_ASSIGNMENT_WRITE, CLUSTER),)
    group = ResourceId.parse(RG)
    assert needs_for("create", group) == (
        ("Microsoft.Resources/subscriptions/resourceGroups/write", ResourceId.parse(SUB)),
    )
    assert needs_for("delete", group) == (
        ("Microsoft.Resources/subscriptions/resourceGroups/delete", group),
    )
    assert needs_for("upgrade", CLUSTER)[0][0].endswith("upgradeNodeImageVersion/action")
    assert needs_for("none", CLUSTER) == () and needs_for("create", None) == ()
