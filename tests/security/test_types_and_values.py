"""Types and values at the public entry points: flags, GUIDs, principal types, tags,
sequences, node counts, Kubernetes versions, locations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from aks_identity import Principal, ServicePrincipal, ValidationError

from .conftest import RG, World

NOT_BOOLS = ["yes", "False", 1, 0, None, 1.0, [], b"true"]


def _flag_calls(world: World) -> dict[str, tuple[str, Callable[[Any], object]]]:
    c, az, ident = world.cluster, world.az, world.identity
    rg = az.get_resource_group(RG)
    return {
        "create_identity": (
            "dry_run",
            lambda v: az.create_identity("ident5", resource_group=RG, dry_run=v),
        ),
        "upgrade_node_images": (
            "allow_downtime",
            lambda v: c.upgrade_node_images(allow_downtime=v),
        ),
        "use_kubelet_identity": (
            "allow_downtime",
            lambda v: c.use_kubelet_identity(ident, allow_downtime=v),
        ),
        "use_identity": ("grant_subnet", lambda v: c.use_identity(ident, grant_subnet=v)),
        "create_cluster": (
            "grant_kubelet_operator",
            lambda v: az.create_cluster("c7", resource_group=RG, grant_kubelet_operator=v),
        ),
        "use_kubelet_identity acr": (
            "grant_acr",
            lambda v: c.use_kubelet_identity(ident, grant_acr=v),
        ),
        "identity.grant": (
            "allow_broad_scope",
            lambda v: ident.grant("Reader", world.registry, allow_broad_scope=v),
        ),
        "create_cluster oidc": (
            "enable_oidc_issuer",
            lambda v: az.create_cluster("c7", resource_group=RG, enable_oidc_issuer=v),
        ),
        "ResourceGroup.delete": ("dry_run", lambda v: rg.delete(dry_run=v)),
        "ManagedIdentity.delete": ("dry_run", lambda v: ident.delete(dry_run=v)),
        "Cluster.delete": ("dry_run", lambda v: c.delete(dry_run=v)),
        "attach_acr": ("dry_run", lambda v: c.attach_acr(world.registry, dry_run=v)),
        "detach_acr": ("dry_run", lambda v: c.detach_acr(world.registry, dry_run=v)),
        "enable_managed_identity": ("dry_run", lambda v: c.enable_managed_identity(dry_run=v)),
        "delete_cluster": (
            "dry_run",
            lambda v: az.delete_cluster("cluster1", resource_group=RG, dry_run=v),
        ),
        "delete_resource_group": ("dry_run", lambda v: az.delete_resource_group(RG, dry_run=v)),
    }


FLAG_CALLS = [
    "create_identity",
    "upgrade_node_images",
    "use_kubelet_identity",
    "use_identity",
    "create_cluster",
    "use_kubelet_identity acr",
    "identity.grant",
    "create_cluster oidc",
    "ResourceGroup.delete",
    "ManagedIdentity.delete",
    "Cluster.delete",
    "attach_acr",
    "detach_acr",
    "enable_managed_identity",
    "delete_cluster",
    "delete_resource_group",
]


@pytest.mark.parametrize("value", NOT_BOOLS, ids=repr)
@pytest.mark.parametrize("entry", FLAG_CALLS)
def test_flags_must_be_real_bools(
    world: World, refused: Callable[..., ValidationError], entry: str, value: object
) -> None:
    flag, call = _flag_calls(world)[entry]
    refused(lambda: call(value), flag, "True or False")


@pytest.mark.parametrize(
    "object_id",
    [
        "x",
        "' or principalId ne '",
        "00000000-0000-0000-0000-00000000000",
        "00000000-0000-0000-0000-0000000000000",
        "00000000-0000-0000-0000-00000000000g",
        "00000000-0000-0000-0000-000000000001\n",
        " 00000000-0000-0000-0000-000000000001",
        "{00000000-0000-0000-0000-000000000001}",
        5,
        None,
        b"00000000-0000-0000-0000-000000000001",
    ],
    ids=repr,
)
def test_object_ids_are_guids(
    world: World, refused: Callable[..., ValidationError], object_id: object
) -> None:
    refused(lambda: Principal(object_id), "object_id")  # type: ignore[arg-type]
    if object_id is not None:  # None means every principal
        refused(lambda: world.az.role_assignments(principal=object_id), "object id")  # type: ignore[arg-type]


def test_odata_filter_never_carries_unescaped_input(world: World) -> None:
    first = len(world.emu.requests)
    with pytest.raises(ValidationError):
        world.az.role_assignments(principal="x' or 1 eq 1 or principalId eq 'y")
    assert len(world.emu.requests) == first  # refused before any request


@pytest.mark.parametrize("principal_type", ["Robot", "serviceprincipal ", "", 3, None], ids=repr)
def test_principal_types_from_the_enum(
    world: World, refused: Callable[..., ValidationError], principal_type: object
) -> None:
    refused(
        lambda: Principal("00000000-0000-0000-0000-000000000001", principal_type),  # type: ignore[arg-type]
        "principal_type",
    )


@pytest.mark.parametrize(
    ("client_id", "secret"),
    [
        ("not-a-guid", "s3cr3t-value"),
        (None, "s3cr3t-value"),
        ("00000000-0000-0000-0000-000000000001", ""),
        ("00000000-0000-0000-0000-000000000001", None),
        ("00000000-0000-0000-0000-000000000001", 5),
    ],
    ids=repr,
)
def test_service_principal_values(
    world: World, refused: Callable[..., ValidationError], client_id: object, secret: object
) -> None:
    error = refused(lambda: ServicePrincipal(client_id, secret), "ServicePrincipal")  # type: ignore[arg-type]
    assert not (isinstance(secret, str) and secret and secret in str(error))


@pytest.mark.parametrize(
    "subscription",
    [
        "",
        "sub",
        "00000000-0000-0000-0000-00000000000",
        None,
        5,
        b"x",
        "00000000-0000-0000-0000-000000000001\n",
    ],
    ids=repr,
)
def test_subscription_ids_are_guids(
    world: World, refused: Callable[..., ValidationError], subscription: object
) -> None:
    from aks_identity import Azure

    refused(lambda: Azure(world.emu.credential(), subscription), "subscription_id")  # type: ignore[arg-type]


BAD_TAGS: list[tuple[object, str]] = [
    ("team=a", "mapping"),
    (["team", "a"], "mapping"),
    ({"team": 1}, "str: str"),
    ({1: "a"}, "str: str"),
    ({"team": None}, "str: str"),
    ({"a/b": "x"}, "tag names"),
    ({"a<b": "x"}, "tag names"),
    ({"a%b": "x"}, "tag names"),
    ({"a?b": "x"}, "tag names"),
    ({"": "x"}, "tag names"),
    ({"x" * 513: "x"}, "tag names"),
    ({"team": "x" * 257}, "256"),
    ({f"t{i}": "x" for i in range(51)}, "50"),
    ({"team\n": "x"}, "whitespace"),
    ({"te\u200bam": "x"}, "ZERO WIDTH"),
]


@pytest.mark.parametrize(("tags", "problem"), BAD_TAGS, ids=[str(i) for i in range(len(BAD_TAGS))])
def test_tags(
    world: World, refused: Callable[..., ValidationError], tags: object, problem: str
) -> None:
    refused(lambda: world.az.create_identity("ident1", resource_group=RG, tags=tags), problem)  # type: ignore[arg-type]
    refused(lambda: world.az.create_resource_group(RG, location="westus2", tags=tags), problem)  # type: ignore[arg-type]
    refused(lambda: world.az.create_cluster("c6", resource_group=RG, tags=tags), problem)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("argument", "value", "problem"),
    [
        ("addons", "omsagent", "a string is not split"),
        ("addons", b"omsagent", "a string is not split"),
        ("addons", {"omsagent": True}, "not a mapping of str to str"),
        ("addons", {"omsagent": {"k": 1}}, "not a mapping of str to str"),
        ("addons", {"oms agent": {}}, "add-on name"),
        ("addons", 5, "expected a list"),
        ("addons", ["oms agent"], "add-on name"),
        ("addons", [None], "add-on name"),
        ("attach_acr", "{registry}", "a string is not split"),
        ("attach_acr", 7, "expected a list"),
        ("attach_acr", ["{ident}"], "container registry"),
        ("attach_acr", [None], "resource ID"),
    ],
    ids=repr,
)
def test_sequences(
    world: World,
    refused: Callable[..., ValidationError],
    argument: str,
    value: object,
    problem: str,
) -> None:
    if isinstance(value, str):
        value = value.replace("{registry}", world.registry)
    if isinstance(value, list) and value and isinstance(value[0], str):
        value = [str(v).replace("{ident}", str(world.identity.id)) for v in value]
    refused(lambda: world.az.create_cluster("c5", resource_group=RG, **{argument: value}), problem)


@pytest.mark.parametrize(
    ("node_count", "problem"),
    [
        (0, "out of range"),
        (-1, "out of range"),
        (1001, "out of range"),
        (1.5, "integer"),
        ("3", "integer"),
        (True, "integer"),
        (None, "integer"),
        (float("nan"), "integer"),
    ],
    ids=repr,
)
def test_node_counts(
    world: World, refused: Callable[..., ValidationError], node_count: object, problem: str
) -> None:
    refused(
        lambda: world.az.create_cluster("c4", resource_group=RG, node_count=node_count), problem
    )  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "version",
    ["1", "v1.30", "1.30.", "1.30.4-beta", "latest", "1.30\n", " 1.30", "01.30", 1.3, "1..30"],
    ids=repr,
)
def test_kubernetes_versions(
    world: World, refused: Callable[..., ValidationError], version: object
) -> None:
    refused(
        lambda: world.az.create_cluster("c3", resource_group=RG, kubernetes_version=version),  # type: ignore[arg-type]
        "kubernetes_version",
    )


@pytest.mark.parametrize(
    ("location", "problem"),
    [
        ("westus9", "not a location of this subscription"),
        ("mars", "not a location of this subscription"),
        ("West US 9", "not a location of this subscription"),
        ("westus2\n", "whitespace"),
        (" westus2", "whitespace"),
        ("west\u200bus2", "ZERO WIDTH"),
        ("", "not an azure location"),
        ("west-us", "not an azure location"),
        (5, "expected a string"),
        (None, "expected a string"),
    ],
    ids=repr,
)
def test_locations(
    world: World, refused: Callable[..., ValidationError], location: object, problem: str
) -> None:
    refused(lambda: world.az.create_resource_group("rg2", location=location), problem)  # type: ignore[arg-type]
    if location is not None:
        refused(
            lambda: world.az.create_identity("ident4", resource_group=RG, location=location),
            problem,
        )  # type: ignore[arg-type]
        refused(
            lambda: world.az.create_cluster("c2", resource_group=RG, location=location), problem
        )  # type: ignore[arg-type]


def test_locations_are_read_once_per_client(world: World) -> None:
    az = world.emu.azure()
    for _ in range(3):
        az.create_identity("ident1", resource_group=RG, location="westus2", dry_run=True)
    assert len([r for r in world.emu.requests if r.path.endswith("/locations")]) >= 1
    before = len(world.emu.requests.matching("GET", "/locations"))
    az.create_resource_group(RG, location="westus2", dry_run=True)
    assert len(world.emu.requests.matching("GET", "/locations")) == before
    az.close()


@pytest.mark.parametrize(
    "value",
    [5, "Reader", None, ("00000000-0000-0000-0000-000000000001", "ServicePrincipal")],
    ids=repr,
)
def test_grant_principal_type(
    world: World, refused: Callable[..., ValidationError], value: object
) -> None:
    refused(lambda: world.az.grant(value, "Reader", world.registry), "Principal")  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [5, None, b"x", ["cluster1"], "cluster1\n"], ids=repr)
def test_cluster_references(
    world: World, refused: Callable[..., ValidationError], value: object
) -> None:
    refused(lambda: world.az.get_cluster(value, resource_group=RG))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"identity": 5}, "resource ID string"),
        ({"identity": "{registry}"}, "user-assigned identity"),
        ({"kubelet_identity": b"x"}, "decode bytes"),
        ({"network": "azure"}, "NetworkProfile"),
        ({"service_principal": "app-id"}, "ServicePrincipal"),
        ({"private_dns_zone": 5}, "private_dns_zone"),
        ({"private_dns_zone": "system\n"}, "whitespace"),
        ({"private_dns_zone": "{registry}"}, "private DNS zone"),
    ],
    ids=repr,
)
def test_create_cluster_references(
    world: World, refused: Callable[..., ValidationError], settings: dict[str, Any], problem: str
) -> None:
    values = {
        k: v.replace("{registry}", world.registry) if isinstance(v, str) else v
        for k, v in settings.items()
    }
    refused(lambda: world.az.create_cluster("c9", resource_group=RG, **values), problem)


@pytest.mark.parametrize(
    "call",
    [
        lambda w: w.cluster.use_identity(None),
        lambda w: w.cluster.use_kubelet_identity(5, allow_downtime=True),
        lambda w: w.cluster.attach_acr(None),
        lambda w: w.cluster.detach_acr(5),
        lambda w: w.identity.role_assignments(scope=5),
        lambda w: w.az.get_identity(),
        lambda w: w.az.get_identity(5),
        lambda w: w.az.get_role_assignment(w.registry),
        lambda w: w.az.delete_identity(None),
        lambda w: w.az.role_assignments(scope=b"/"),
    ],
    ids=[
        "use_identity(None)",
        "use_kubelet_identity(5)",
        "attach_acr(None)",
        "detach_acr(5)",
        "role_assignments(scope=5)",
        "get_identity()",
        "get_identity(5)",
        "get_role_assignment(registry)",
        "delete_identity(None)",
        "role_assignments(bytes)",
    ],
)
def test_object_arguments(world: World, refused: Callable[..., ValidationError], call: Any) -> None:
    refused(lambda: call(world))
