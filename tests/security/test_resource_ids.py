"""Resource IDs: relative segments, empty segments, whitespace, hidden characters, wrong kinds.

``..`` used to collapse in urllib3 (``parse_url`` removes dot segments, RFC 3986 5.2.4), so a
grant on ``.../resourceGroups/..`` landed on the whole subscription: now refused on parse.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import urllib3

from aks_identity import ResourceId, ValidationError

from .conftest import World

SUB = "{sub}"
GOOD = "/subscriptions/{sub}/resourceGroups/rg"
IDENT = GOOD + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ident1"

# (template, fragment of the message that names the problem)
BAD_IDS = [
    (GOOD + "/..", "relative path segment"),
    (GOOD.replace("/rg", "/.."), "relative path segment"),
    (GOOD.replace("/rg", "/."), "relative path segment"),
    (IDENT.replace("/ident1", "/.."), "relative path segment"),
    (IDENT.replace("/ident1", "/."), "relative path segment"),
    (GOOD + "/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/..", "relative path"),
    ("/subscriptions/{sub}/resourceGroups//providers", "empty segment"),
    (GOOD + "/", "empty segment"),
    ("/subscriptions/{sub}//resourceGroups/rg", "empty segment"),
    (GOOD + "\n", "whitespace"),
    (" " + GOOD, "whitespace"),
    (GOOD + " ", "whitespace"),
    ("\t" + GOOD, "whitespace"),
    (GOOD + "\r\n", "whitespace"),
    (GOOD.replace("rg", "r\x00g"), "control character"),
    (GOOD.replace("rg", "r\x1bg"), "control character"),
    (GOOD.replace("rg", "r\x7fg"), "control character"),
    (GOOD.replace("rg", "r\u200bg"), "ZERO WIDTH SPACE"),
    (GOOD.replace("rg", "r\u200dg"), "ZERO WIDTH JOINER"),
    (GOOD.replace("rg", "r\ufeffg"), "ZERO WIDTH NO-BREAK"),
    (GOOD.replace("rg", "r\u202eg"), "bidirectional"),
    (GOOD.replace("rg", "r\u2066g"), "bidirectional"),
    (GOOD.replace("rg", "r\u200fg"), "bidirectional"),
    (GOOD.replace("rg", "r\u2028g"), "control character"),
    ("/subscriptions/not-a-guid/resourceGroups/rg", "not a GUID"),
    ("/subscriptions/{sub}x/resourceGroups/rg", "not a GUID"),
    ("subscriptions/{sub}/resourceGroups/rg", "must start with /subscriptions/"),
    ("{sub}", "bare GUID"),
    (GOOD + "/providers/Microsoft.Network", "type and name must follow"),
    (GOOD + "/providers/Microsoft.Network/virtualNetworks", "is missing"),
    (GOOD + "/providers/notanamespace/x/y", "not a provider namespace"),
    (GOOD + "/providers/Microsoft.Network/virtual networks/v", "not a resource type"),
    (GOOD + "/providers/Microsoft.Network/virtualNetworks/v<1", "is invalid"),
    (GOOD + "/providers/Microsoft.Network/virtualNetworks/v%2F", "is invalid"),
    ("/providers/Microsoft.Compute/virtualMachines/vm", "tenant-level"),
]


def _fill(template: str, world: World) -> str:
    return template.replace("{sub}", world.sub)


@pytest.mark.parametrize(("template", "problem"), BAD_IDS)
def test_parse_refuses(
    world: World, refused: Callable[..., ValidationError], template: str, problem: str
) -> None:
    refused(lambda: ResourceId.parse(_fill(template, world)), problem)


@pytest.mark.parametrize(
    ("template", "problem"),
    [t for t in BAD_IDS if "{sub}" in t[0] and "must start" not in t[1]][:20],
)
def test_grant_scope_refuses(
    world: World, refused: Callable[..., ValidationError], template: str, problem: str
) -> None:
    refused(lambda: world.identity.grant("Reader", scope=_fill(template, world)), problem)


@pytest.mark.parametrize(
    "value",
    [
        IDENT + "\n",
        IDENT.replace("ident1", ".."),
        IDENT.replace("userAssignedIdentities", "virtualNetworks"),
        GOOD,
        "ident1",
    ],
)
def test_identity_references_refuse(
    world: World, refused: Callable[..., ValidationError], value: str
) -> None:
    refused(lambda: world.az.get_identity(_fill(value, world)))
    refused(lambda: world.az.delete_identity(_fill(value, world)))
    refused(lambda: world.cluster.use_identity(_fill(value, world)))


def test_dot_dot_never_reaches_the_wire(world: World, refused: Callable[..., object]) -> None:
    # Why it used to land on the subscription: urllib3 normalises dot segments away.
    assert urllib3.util.parse_url("https://h/s/x/resourceGroups/..").path == "/s/x/"
    first = len(world.emu.requests)
    refused(
        lambda: world.identity.grant("Reader", scope=_fill(GOOD + "/..", world)),
        "relative path segment",
    )
    paths = [r.path for r in list(world.emu.requests)[first:]]
    assert paths == []  # not even a read: refused before any request
    ok = world.identity.grant("Reader", scope=_fill(GOOD, world), dry_run=True)
    assert str(ok.grants[0].scope) == _fill(GOOD, world)


def test_trailing_newline_is_not_accepted_by_a_dollar_anchor() -> None:
    with pytest.raises(ValidationError):
        ResourceId.parse("/subscriptions/00000000-0000-0000-0000-000000000001\n")
