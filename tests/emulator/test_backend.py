"""The backend without HTTP: scopes, actions, filters, operations, paging, reset."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aks_identity.emulator import ArmError, Emulator, VirtualClock
from aks_identity.emulator._actions import required_action
from aks_identity.emulator._authorization import parse_filter
from aks_identity.emulator._operations import Operations
from aks_identity.emulator._routes import Context
from aks_identity.emulator._scopes import full_type, is_within

SUB = "/subscriptions/s1"
RG = f"{SUB}/resourceGroups/rg1"
VNET = f"{RG}/providers/Microsoft.Network/virtualNetworks/v1"

segment = st.text(alphabet="abcdefgXYZ019-_.", min_size=1, max_size=8)


@given(st.lists(segment, min_size=1, max_size=6), st.data())
def test_every_prefix_scope_contains_the_resource(parts: list[str], data: Any) -> None:
    rid = "/subscriptions/" + "/".join(parts)
    cut = data.draw(st.integers(min_value=1, max_value=len(parts)))
    scope = "/subscriptions/" + "/".join(parts[:cut])

    assert is_within(rid, scope)
    assert is_within(rid.upper(), scope.lower())
    assert not is_within(scope + "x", rid + "/y")


def test_sibling_with_a_common_prefix_is_not_within() -> None:
    assert not is_within(f"{RG}2", RG)
    assert is_within(f"{VNET}/subnets/s", VNET)


@pytest.mark.parametrize(
    ("rid", "expected"),
    [
        (SUB, "Microsoft.Resources/subscriptions"),
        (RG, "Microsoft.Resources/resourceGroups"),
        (f"{VNET}/subnets/s", "Microsoft.Network/virtualNetworks/subnets"),
        ("/nope", None),
    ],
)
def test_full_type(rid: str, expected: str | None) -> None:
    assert full_type(rid) == expected


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", SUB, ("Microsoft.Resources/subscriptions/read", SUB)),
        (
            "GET",
            f"{SUB}/resourcegroups",
            ("Microsoft.Resources/subscriptions/resourceGroups/read", SUB),
        ),
        ("PUT", RG, ("Microsoft.Resources/subscriptions/resourceGroups/write", RG)),
        ("DELETE", RG, ("Microsoft.Resources/subscriptions/resourceGroups/delete", RG)),
        (
            "PUT",
            f"{VNET}/subnets/s",
            ("Microsoft.Network/virtualNetworks/subnets/write", f"{VNET}/subnets/s"),
        ),
        (
            "GET",
            f"{RG}/providers/Microsoft.Network/virtualNetworks",
            ("Microsoft.Network/virtualNetworks/read", f"{RG}/providers/Microsoft.Network"),
        ),
        (
            "POST",
            f"{RG}/providers/Microsoft.ContainerService/managedClusters/c/agentPools/p/"
            "upgradeNodeImageVersion",
            (
                "Microsoft.ContainerService/managedClusters/agentPools/upgradeNodeImageVersion/action",
                f"{RG}/providers/Microsoft.ContainerService/managedClusters/c/agentPools/p",
            ),
        ),
        (
            "PUT",
            f"{VNET}/providers/Microsoft.Authorization/roleAssignments/n",
            (
                "Microsoft.Authorization/roleAssignments/write",
                f"{VNET}/providers/Microsoft.Authorization/roleAssignments/n",
            ),
        ),
        ("GET", f"{SUB}/providers/Microsoft.ContainerService/locations/w/operations/o", None),
        ("GET", f"{RG}/providers/Microsoft.Authorization/permissions", None),
        ("GET", "/subscriptions", None),
    ],
)
def test_required_action(method: str, path: str, expected: tuple[str, str] | None) -> None:
    assert required_action(method, path) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, (False, None)),
        ("atScope()", (True, None)),
        ("assignedTo('abc')", (False, "abc")),
        ("principalId eq 'abc'", (False, "abc")),
        ("atScope() and assignedTo('abc')", (True, "abc")),
    ],
)
def test_role_assignment_filters(text: str | None, expected: tuple[bool, str | None]) -> None:
    assert parse_filter(text) == expected


def test_unknown_filter_is_an_arm_error() -> None:
    with pytest.raises(ArmError) as caught:
        parse_filter("roleName eq 'x'")

    assert caught.value.status == 400
    assert caught.value.body()["error"]["code"] == "UnsupportedQuery"


def _operations(clock: VirtualClock) -> Operations:
    return Operations(clock, random.Random(0), lambda: 10.0)


def test_operations_finish_in_end_time_order_when_settled() -> None:
    clock = VirtualClock()
    ops = _operations(clock)
    done: list[str] = []
    ops.start(resource_id="/b", duration=20, on_done=lambda: done.append("b"))
    first = ops.start(resource_id="/a", duration=10, on_done=lambda: done.append("a"))

    ops.settle()
    active = ops.active("/A")
    clock.advance(25)
    ops.settle()

    assert active is first
    assert done == ["a", "b"]
    assert ops.active("/a") is None


def test_poll_moves_a_virtual_clock_by_at_most_the_step() -> None:
    clock = VirtualClock()
    ops = _operations(clock)
    op = ops.start(resource_id="/a", duration=25)

    statuses = [ops.poll(op.id).status for _ in range(3)]  # type: ignore[union-attr]

    assert statuses == ["InProgress", "InProgress", "Succeeded"]
    assert clock.now() == 25
    assert ops.poll("missing") is None


def test_doomed_operation_runs_on_failed_and_a_raising_callback_fails() -> None:
    clock = VirtualClock()
    ops = _operations(clock)
    failed: list[bool] = []
    ops.doom_next = True
    doomed = ops.start(resource_id="/a", duration=0, on_failed=lambda: failed.append(True))
    ops.doom_next = False

    def boom() -> None:
        raise ArmError(409, "Conflict", "no")

    raising = ops.start(resource_id="/b", duration=0, on_done=boom)
    ops.settle()

    assert (doomed.status, failed) == ("Failed", [True])
    assert raising.status == "Failed"
    assert raising.error == {"code": "Conflict", "message": "no"}


def test_page_keeps_the_query_and_links_the_next_page() -> None:
    emu = Emulator(page_size=2)
    ctx = Context(
        state=emu.state,
        method="GET",
        path="/x",
        query={"api-version": "1", "$filter": "atScope()"},
        api_version="1",
        body=None,
        caller="c",
        base_url="https://h",
    )
    items = [{"n": i} for i in range(5)]

    first = ctx.page(items)
    ctx.query = {"api-version": "1", "$skipToken": "4"}
    last = ctx.page(items)

    assert first["value"] == [{"n": 0}, {"n": 1}]
    base, _, token = first["nextLink"].partition("&$skipToken=")
    assert base == "https://h/x?api-version=1&$filter=atScope()"
    assert token.endswith("-2")
    assert last == {"value": [{"n": 4}]}
    assert emu.state.page(ctx, items) == last


def test_later_pages_read_the_listing_kept_at_the_first_page() -> None:
    emu = Emulator(page_size=2)
    ctx = Context(
        state=emu.state,
        method="GET",
        path="/x",
        query={"api-version": "1"},
        api_version="1",
        body=None,
        caller="c",
        base_url="https://h",
    )
    built: list[int] = []

    def listing() -> list[dict[str, int]]:
        built.append(1)
        return [{"n": i} for i in range(5)]

    pages = [ctx.page(listing)]
    while "nextLink" in pages[-1]:
        ctx.query = {"api-version": "1", "$skipToken": pages[-1]["nextLink"].rsplit("=", 1)[1]}
        pages.append(ctx.page(listing))

    assert [item["n"] for page in pages for item in page["value"]] == [0, 1, 2, 3, 4]
    assert built == [1]  # built once for three pages: linear, not once per page


def test_reset_keeps_identity_of_the_subscription_and_caller() -> None:
    emu = Emulator(seed=5)
    before = (emu.subscription_id, emu.tenant_id, emu.caller_id)
    emu.state.resources.ensure_resource_group("rg1", "westus2")
    emu.state.extensions["x"] = 1
    emu.state.config.page_size = 1

    emu.reset()

    assert (emu.subscription_id, emu.tenant_id, emu.caller_id) == before
    assert (
        emu.state.resources.get(f"/subscriptions/{emu.subscription_id}/resourceGroups/rg1") is None
    )
    assert emu.state.extensions == {}
    assert emu.state.config.page_size == 100
    assert emu.check_access(
        emu.caller_id,
        "Microsoft.Anything/write",
        f"/subscriptions/{emu.subscription_id}/resourceGroups/x",
    )


def test_same_seed_same_subscription_and_principals() -> None:
    one, two = Emulator(seed=9), Emulator(seed=9)

    assert one.subscription_id == two.subscription_id
    assert (
        one.state.directory.add_principal(display_name="p").object_id
        == two.state.directory.add_principal(display_name="p").object_id
    )


def test_emulator_is_not_reachable_before_start() -> None:
    emu = Emulator()

    with pytest.raises(RuntimeError, match="not running"):
        _ = emu.url
    assert "stopped" in repr(emu)


def test_bad_clock_is_refused() -> None:
    with pytest.raises(ValueError, match="clock"):
        Emulator(clock="sundial")  # type: ignore[arg-type]


def test_create_service_principal_replicates_like_any_principal() -> None:
    emu = Emulator(replication_delay=60)

    client_id, secret = emu.create_service_principal("legacy")
    principal = emu.state.directory.find_by_client_id(client_id)
    ready_id, _ = emu.create_service_principal("ready", replicated=True)

    assert principal is not None and secret
    assert not emu.state.directory.is_replicated(principal.object_id)
    emu.clock.advance(60)
    assert emu.state.directory.is_replicated(principal.object_id)
    ready = emu.state.directory.find_by_client_id(ready_id)
    assert ready is not None and emu.state.directory.is_replicated(ready.object_id)
