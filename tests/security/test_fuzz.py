"""Fuzzing the public entry points: random strings, numbers, None, bytes and nested values
give success or an AksIdentityError subclass, never anything else, and never a write."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aks_identity import AksIdentityError, NetworkProfile, Principal, ResourceId, RetryPolicy

from .conftest import RG, World, writes_after

FUZZ = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.binary(max_size=20),
    st.sampled_from(["..", ".", "/", "rg\n", "/subscriptions/", "westus2", "Reader", "\u202e"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def _only_domain_errors(world: World, call: Callable[[], object]) -> None:
    first = len(world.emu.requests)
    with contextlib.suppress(AksIdentityError):  # anything else fails the test
        call()
    assert writes_after(world.emu, first) == []


def _entry_points(world: World) -> list[Callable[[Any, Any], object]]:
    az, ident, cluster = world.az, world.identity, world.cluster
    return [
        lambda a, b: ResourceId.parse(a),
        Principal,
        lambda a, b: RetryPolicy(total=a, initial=b),
        lambda a, b: NetworkProfile(service_cidr=a, dns_service_ip=b),
        lambda a, b: NetworkProfile(plugin=a, subnet_id=b),
        lambda a, b: az.get_identity(a),
        lambda a, b: az.get_identity(name=a, resource_group=b),
        lambda a, b: az.create_identity(a, resource_group=RG, tags=b, dry_run=True),
        lambda a, b: az.create_identity("fuzz1", resource_group=RG, location=a, dry_run=True),
        lambda a, b: az.create_resource_group(a, location=b, dry_run=True),
        lambda a, b: az.get_cluster(a, resource_group=b),
        lambda a, b: az.list_clusters(resource_group=a),
        lambda a, b: az.list_identities(a),
        lambda a, b: az.role_assignments(principal=a, scope=b),
        lambda a, b: az.get_role_assignment(a),
        lambda a, b: ident.grant(a, scope=b, dry_run=True),
        lambda a, b: cluster.grant(a, scope=b, dry_run=True),
        lambda a, b: az.create_cluster(
            "fuzz1", resource_group=RG, addons=a, node_count=b, dry_run=True
        ),
        lambda a, b: az.create_cluster(
            "fuzz1", resource_group=RG, kubernetes_version=a, attach_acr=b, dry_run=True
        ),
        lambda a, b: cluster.use_identity(a, dry_run=True),
        lambda a, b: cluster.use_kubelet_identity(a, allow_downtime=b, dry_run=True),
        lambda a, b: cluster.attach_acr(a, dry_run=True),
        lambda a, b: az.delete_identity(a, dry_run=True),
        lambda a, b: az.delete_cluster(a, resource_group=b, dry_run=True),
    ]


@pytest.mark.parametrize("index", range(24))
@FUZZ
@given(a=values, b=values)
def test_entry_points_raise_only_domain_errors(world: World, index: int, a: Any, b: Any) -> None:
    call = _entry_points(world)[index]
    _only_domain_errors(world, lambda: call(a, b))


@FUZZ
@given(text=st.text(max_size=80))
def test_resource_id_text(world: World, text: str) -> None:
    _only_domain_errors(world, lambda: ResourceId.parse(text))
    _only_domain_errors(world, lambda: world.identity.grant("Reader", scope=text, dry_run=True))
