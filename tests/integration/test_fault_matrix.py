"""Issue 5's fault matrix: every operation under every fault that applies to it.

Each cell injects one fault on the request the operation depends on, runs the operation
through the public API (real azure-mgmt SDKs, emulator on the virtual clock), checks that it
ends in the expected state or a typed ``aks_identity`` error, re-runs it and checks that it
converges, and checks that nothing is duplicated (one role assignment per principal, role and
scope; one identity per ID; one cluster per name).

Faults: ``429`` (Retry-After 1 s), ``500``, ``503``, ``drop`` (connection closed, no answer),
``lro_failed`` (the long-running operation ends Failed), ``busy`` (409 OperationNotAllowed:
another operation runs on the cluster; for a create, an earlier run died once AKS had accepted
its PUT), ``replication`` (every new principal replicates in Entra ID 5 minutes late),
``missing_principal`` (a grant to an object ID Entra ID does not know: principalType is sent,
so ARM makes the assignment without a directory lookup: issue 9 item 5), ``propagation``
(grants take 5 minutes to come into force) and ``propagation_timeout`` (the same with a
2-minute budget).

Inapplicable cells (not generated):

- ``lro_failed`` on create_identity, grant and attach_acr: synchronous PUTs, no LRO.
- ``busy`` on create_identity, grant and attach_acr: they write no cluster, so no cluster
  operation can block them.
- ``replication`` on create_identity (it grants nothing) and upgrade_node_images (no principal).
- ``missing_principal`` everywhere but grant: the other operations grant only to principals
  they read from ARM (identities, clusters), which exist by construction.
- ``propagation`` on create_identity and upgrade_node_images: neither grants nor needs a grant.
- ``propagation_timeout`` where nothing waits for a grant: create_identity, grant, attach_acr
  and upgrade_node_images (never wait), create_system and enable_managed_identity (their
  subnet grant is made after the cluster write, which does not depend on it).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from aks_identity import (
    AksIdentityError,
    Azure,
    Cluster,
    ConflictError,
    IdentityType,
    ManagedIdentity,
    NetworkProfile,
    Principal,
    PropagationTimeout,
    ServicePrincipal,
    TransientError,
    get_role,
)
from aks_identity.emulator import Emulator
from aks_identity.emulator._config import Delay

from .conftest import RG, assignments, writes_since

NAME = "c1"
DELAY = 300.0  # replication / propagation delay of the delay faults
BUDGET = 120.0  # RetryPolicy.total of propagation_timeout
NEWER_IMAGE = "AKSUbuntu-2204gen2containerd-209901.01.0"
ROLE_ASSIGNMENT = r"/providers/Microsoft\.Authorization/roleAssignments/"
CLUSTER_PATH = rf"/managedClusters/{NAME}$"


@dataclass
class World:
    """What an operation works with."""

    emu: Emulator
    az: Azure
    subnet: str
    vault: str
    registry: str
    service_principal: ServicePrincipal
    fault: object = None

    @property
    def network(self) -> NetworkProfile:
        return NetworkProfile(subnet_id=self.subnet)

    def identity(self, name: str) -> ManagedIdentity:
        return self.az.create_identity(name, resource_group=RG)

    def cluster(self, **kwargs: Any) -> Cluster:
        cluster = self.az.create_cluster(NAME, resource_group=RG, **kwargs)
        assert isinstance(cluster, Cluster)
        return cluster

    def one(self, principal_id: str | None, role: str, scope: object) -> None:
        """Exactly one assignment of ``role`` to the principal at ``scope``."""
        assert principal_id
        guid = get_role(role).guid
        found = [a for a in assignments(self.emu, principal_id, str(scope)) if a.role_guid == guid]
        assert len(found) == 1, (role, scope, found)

    def reimaged(self, cluster: Cluster, reason: str) -> None:
        """The nodes were reimaged exactly once: a re-run adds no downtime."""
        reimages = [r.reason for r in self.emu.node_reimages(str(cluster.id))]
        assert reimages == [reason]

    def settled(self, result: Any, kind: IdentityType, principal: str | None = None) -> Cluster:
        """The cluster as ARM has it: Succeeded, ``kind``, the result of the operation."""
        cluster = self.az.get_cluster(NAME, resource_group=RG)
        assert isinstance(result, Cluster) and result.id == cluster.id
        assert cluster.provisioning_state == "Succeeded"
        assert cluster.identity_type is kind
        assert principal is None or cluster.principal_id == principal
        return cluster


Subject = dict[str, Any]


@dataclass(frozen=True)
class Op:
    """An operation: its setup, the call, its end state, the request it depends on."""

    setup: Callable[[World], Subject]
    run: Callable[[World, Subject], Any]
    check: Callable[[World, Subject, Any], None]
    path: str
    method: str = "PUT"
    writes: str | None = None  # "create" or "update" for cluster writes


def _grant(w: World, s: Subject) -> Any:
    who = s["who"]
    if isinstance(who, Principal):  # an explicit principal: principalType is sent
        return w.az.grant(who, "Key Vault Secrets User", w.vault)
    return who.grant("Key Vault Secrets User", scope=w.vault)


def _check_identity(w: World, s: Subject, result: Any) -> None:
    assert result.principal_id == w.az.get_identity(name="app", resource_group=RG).principal_id


def _check_grant(w: World, s: Subject, result: Any) -> None:
    who = s["who"]
    assert result.principal_id == (
        who.object_id if isinstance(who, Principal) else who.principal_id
    )
    w.one(result.principal_id, "Key Vault Secrets User", w.vault)


def _check_system(w: World, s: Subject, result: Any) -> None:
    cluster = w.settled(result, IdentityType.SYSTEM_ASSIGNED)
    w.one(cluster.principal_id, "Network Contributor", w.subnet)


def _check_user(w: World, s: Subject, result: Any) -> None:
    w.settled(result, IdentityType.USER_ASSIGNED, s["cp"].principal_id)
    w.one(s["cp"].principal_id, "Network Contributor", w.subnet)


def _check_kubelet(w: World, s: Subject, result: Any) -> None:
    cluster = w.settled(result, IdentityType.USER_ASSIGNED, s["cp"].principal_id)
    assert cluster.kubelet_identity is not None
    assert cluster.kubelet_identity.resource_id == s["kubelet"].id
    w.one(s["cp"].principal_id, "Managed Identity Operator", s["kubelet"].id)
    if "registry" in s:  # use_kubelet_identity: re-attached, nodes reimaged once
        w.one(s["kubelet"].principal_id, "AcrPull", w.registry)
        w.reimaged(cluster, "kubeletIdentityChange")
        assert w.emu.kubelet_credential(str(cluster.id)).lower() == str(s["kubelet"].id).lower()


def _check_next(w: World, s: Subject, result: Any) -> None:
    w.settled(result, IdentityType.USER_ASSIGNED, s["next"].principal_id)
    w.one(s["next"].principal_id, "Network Contributor", w.subnet)


def _check_images(w: World, s: Subject, result: Any) -> None:
    cluster = w.settled(result, IdentityType.SYSTEM_ASSIGNED)
    assert {p.node_image_version for p in cluster.agent_pools} == {NEWER_IMAGE}
    w.reimaged(cluster, "nodeImageUpgrade")


def _check_attached(w: World, s: Subject, result: Any) -> None:
    kubelet = s["cluster"].kubelet_identity
    assert result.principal_id == kubelet.object_id
    w.one(kubelet.object_id, "AcrPull", w.registry)


def _user_cluster_with_registry(w: World) -> Subject:
    cp = w.identity("cp-id")
    cluster = w.cluster(identity=cp)
    cluster.attach_acr(w.registry)
    return {
        "cp": cp,
        "cluster": cluster,
        "registry": w.registry,
        "kubelet": w.identity("kubelet-id"),
    }


def _newer_image_available(w: World) -> Subject:
    cluster = w.cluster()
    w.emu.set_newest_node_image(NEWER_IMAGE)
    return {"cluster": cluster}


OPS: dict[str, Op] = {
    "create_identity": Op(
        setup=lambda w: {},
        run=lambda w, s: w.identity("app"),
        check=_check_identity,
        path=r"/userAssignedIdentities/app$",
    ),
    "grant": Op(
        setup=lambda w: {"who": w.identity("app")},
        run=_grant,
        check=_check_grant,
        path=ROLE_ASSIGNMENT,
    ),
    "create_system": Op(
        setup=lambda w: {},
        run=lambda w, s: w.cluster(network=w.network),
        check=_check_system,
        path=CLUSTER_PATH,
        writes="create",
    ),
    "create_user": Op(
        setup=lambda w: {"cp": w.identity("cp-id")},
        run=lambda w, s: w.cluster(identity=s["cp"], network=w.network),
        check=_check_user,
        path=CLUSTER_PATH,
        writes="create",
    ),
    "create_kubelet": Op(
        setup=lambda w: {"cp": w.identity("cp-id"), "kubelet": w.identity("kubelet-id")},
        run=lambda w, s: w.cluster(identity=s["cp"], kubelet_identity=s["kubelet"]),
        check=_check_kubelet,
        path=CLUSTER_PATH,
        writes="create",
    ),
    "enable_managed_identity": Op(
        setup=lambda w: {
            "cluster": w.cluster(service_principal=w.service_principal, network=w.network)
        },
        run=lambda w, s: s["cluster"].enable_managed_identity(),
        check=_check_system,
        path=CLUSTER_PATH,
        writes="update",
    ),
    "use_identity": Op(
        setup=lambda w: {"cluster": w.cluster(network=w.network), "next": w.identity("next-id")},
        run=lambda w, s: s["cluster"].use_identity(s["next"]),
        check=_check_next,
        path=CLUSTER_PATH,
        writes="update",
    ),
    "use_kubelet_identity": Op(
        setup=_user_cluster_with_registry,
        run=lambda w, s: s["cluster"].use_kubelet_identity(s["kubelet"], allow_downtime=True),
        check=_check_kubelet,
        path=CLUSTER_PATH,
        writes="update",
    ),
    "upgrade_node_images": Op(
        setup=_newer_image_available,
        run=lambda w, s: s["cluster"].upgrade_node_images(allow_downtime=True),
        check=_check_images,
        path=r"/upgradeNodeImageVersion$",
        method="POST",
        writes="update",
    ),
    "attach_acr": Op(
        setup=lambda w: {"cluster": w.cluster()},
        run=lambda w, s: s["cluster"].attach_acr(w.registry),
        check=_check_attached,
        path=ROLE_ASSIGNMENT,
    ),
}

# -- the matrix: expected outcome of the first run ("ok", or the typed error) -------------------

OK = "ok"
Row = dict[object, Any]
RETRIED: Row = {429: OK, 500: OK, 503: OK, "drop": OK}  # azure-core's pipeline retries them
LRO: Row = {"lro_failed": TransientError, "busy": OK}
DELAYS: Row = {"replication": OK, "propagation": OK}
WAITS: Row = {**DELAYS, "propagation_timeout": PropagationTimeout}

MATRIX: dict[str, Row] = {
    "create_identity": {**RETRIED},
    "grant": {**RETRIED, **DELAYS, "missing_principal": OK},
    "create_system": {**RETRIED, **LRO, **DELAYS},
    "create_user": {**RETRIED, **LRO, **WAITS},
    "create_kubelet": {**RETRIED, **LRO, **WAITS},
    "enable_managed_identity": {**RETRIED, **LRO, **DELAYS},
    "use_identity": {**RETRIED, **LRO, **WAITS},
    "use_kubelet_identity": {**RETRIED, **LRO, **WAITS},
    # azure-core does not retry a POST whose connection dropped (it may have been acted on)
    "upgrade_node_images": {**RETRIED, "drop": TransientError, **LRO},
    "attach_acr": {**RETRIED, **DELAYS},
}
CELLS = [
    pytest.param(op, fault, expected, id=f"{op}-{fault}")
    for op, row in MATRIX.items()
    for fault, expected in row.items()
]


# -- faults ---------------------------------------------------------------------------------


class _Killed(BaseException):
    """The process of an earlier run died once its cluster PUT was accepted."""


def _another_operation(w: World, op: Op, s: Subject) -> None:
    """Leave an operation running on the cluster: 409 OperationNotAllowed for the next write."""
    arm = w.az._arm
    if op.writes == "update":  # someone else updates the cluster's tags, not waiting
        body = arm.get_cluster_body(s["cluster"].id)
        body["tags"] = {"someone": "else"}
        arm._aks.managed_clusters.begin_create_or_update(RG, NAME, body, polling=False)
        return

    def accept_then_die(rid: Any, body: Any, *, doing: str, **conditions: Any) -> None:
        arm._aks.managed_clusters.begin_create_or_update(RG, NAME, body, polling=False)
        raise _Killed

    arm.put_cluster = accept_then_die  # type: ignore[method-assign,assignment]
    try:
        with pytest.raises(_Killed):
            op.run(w, s)
    finally:
        del arm.put_cluster


def _prepare(emu: Emulator, fault: object) -> None:
    """Delays are set before the setup, so every principal and grant of the test has them."""
    config = emu.state.config
    if fault == "replication":
        config.replication_delay = Delay.fixed(DELAY)
    elif fault in ("propagation", "propagation_timeout"):
        config.propagation_delay = Delay.fixed(DELAY)


def _no_duplicates(w: World) -> None:
    grants = Counter(
        (a.principal_id.lower(), a.role_guid, a.scope.lower()) for a in w.emu.state.rbac.all()
    )
    assert [g for g, n in grants.items() if n > 1] == []
    identities = Counter(str(i.id).lower() for i in w.az.list_identities())
    assert [i for i, n in identities.items() if n > 1] == []
    assert len([c for c in w.az.list_clusters() if c.name == NAME]) <= 1


@pytest.fixture
def world(
    request: pytest.FixtureRequest,
    emu: Emulator,
    az: Azure,
    subnet: str,
    vault: str,
    registry: str,
    service_principal: ServicePrincipal,
) -> Iterator[World]:
    callspec = getattr(request.node, "callspec", None)
    fault = callspec.params["fault"] if callspec else None
    _prepare(emu, fault)
    if fault == "propagation_timeout":
        with emu.azure(total=BUDGET) as short:
            yield World(emu, short, subnet, vault, registry, service_principal, fault)
    else:
        yield World(emu, az, subnet, vault, registry, service_principal, fault)


def _inject(w: World, op: Op, s: Subject, fault: Any) -> Any:
    """Inject ``fault`` once on the request ``op`` depends on; the emulator's Fault, if any."""
    if fault in RETRIED or fault == "lro_failed":
        retry_after = 1 if fault == 429 else None
        return w.emu.faults.inject(
            fault, method=op.method, path=op.path, times=1, retry_after=retry_after
        )
    if fault == "busy":
        _another_operation(w, op, s)
    return None


def _check_fault(
    w: World, op_name: str, s: Subject, fault: object, error: Any, first: int, start: float
) -> None:
    """What each fault proves beyond the end state, from the request log and the clock."""
    op, emu = OPS[op_name], w.emu
    log, waited = list(emu.requests)[first:], emu.clock.now() - start
    if fault in RETRIED and error is None:  # retried at once by azure-core, not by the library
        hit = next(i for i, r in enumerate(log) if r.fault == str(fault))
        faulted, retried = log[hit], log[hit + 1]
        assert (retried.method, retried.path) == (faulted.method, faulted.path)
        assert retried.status is not None and retried.status < 400
        assert retried.time - faulted.time >= (1 if fault == 429 else 0)
    if fault == "busy":
        refused = [r for r in log if r.status == 409]
        if op.writes == "update":  # one 409, then the other operation's change is kept
            assert len(refused) == 1
            cluster = emu.state.resources.get(str(w.az.get_cluster(NAME, resource_group=RG).id))
            assert cluster is not None and cluster["tags"] == {"someone": "else"}
        else:  # the earlier run's create is waited for and reused, not sent again
            assert refused == []
            puts = emu.requests.matching("PUT", f"/managedClusters/{NAME}")
            # the re-run's create carries If-None-Match: * and is refused 412 (nothing created)
            assert [r.status for r in puts if r.status != 412] == [201]
            assert all(r.error_code == "PreConditionFailed" for r in puts if r.status == 412)
    if fault == "propagation":  # only what depends on a grant waits for it
        assert (waited >= DELAY) == ("propagation_timeout" in MATRIX[op_name])
    if fault == "propagation_timeout":
        assert error.waited_seconds <= BUDGET + 30
    if fault == "replication":
        assert not [r for r in log if r.error_code == "PrincipalNotFound"]
        assert waited < DELAY  # nothing waited for replication
    if fault == "missing_principal":  # no directory lookup, so no failed request and no wait
        assert not [r for r in log if r.error_code == "PrincipalNotFound"]
        assert waited < 5
        assert [a.principal_type for a in assignments(emu, s["who"].object_id)] == [
            "ServicePrincipal"
        ]


@pytest.mark.parametrize(("op_name", "fault", "expected"), CELLS)
def test_cell(world: World, op_name: str, fault: object, expected: Any) -> None:
    w, op, emu = world, OPS[op_name], world.emu
    s = op.setup(w)
    if fault == "missing_principal":
        s = {"who": Principal(str(uuid.uuid4()))}
    first, start = len(emu.requests), emu.clock.now()
    injected = _inject(w, op, s, fault)

    try:
        result, error = op.run(w, s), None
    except AksIdentityError as raised:  # anything else (an azure-core error) fails the test
        result, error = None, raised
    if expected == OK:
        assert error is None
        op.check(w, s, result)
    else:
        assert type(error) is expected, repr(error)
    assert injected is None or injected.hits == 1
    _check_fault(w, op_name, s, fault, error, first, start)
    _no_duplicates(w)

    # a re-run converges to the same end state
    if fault == "propagation_timeout":
        emu.clock.advance(DELAY)  # the grant is in force now
    op.check(w, s, op.run(w, s))
    _no_duplicates(w)


def test_create_rerun_with_another_kubelet_identity_refuses_before_writing(world: World) -> None:
    """A create that finds the cluster with another kubelet identity is not a re-run."""
    s = OPS["create_kubelet"].setup(world)
    world.cluster(identity=s["cp"], kubelet_identity=s["kubelet"])
    other = world.identity("other-id")
    first = len(world.emu.requests)
    with pytest.raises(ConflictError, match="use_kubelet_identity"):
        world.cluster(identity=s["cp"], kubelet_identity=other)
    assert writes_since(world.emu, first) == []
