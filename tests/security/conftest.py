"""Security fixtures: one emulator per module, a small world to aim bad input at, and
``refused(...)``: the call raises the expected error, whose message names the problem and the
fix, and the emulator's request log holds no write (PUT/POST/PATCH/DELETE) after it."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from aks_identity import AksIdentityError, Azure, ValidationError
from aks_identity.emulator import Emulator

LOCATION = "westus2"
RG = "rg"
WRITES = {"PUT", "POST", "PATCH", "DELETE"}
OTHER_SUBSCRIPTION = "0b1f6471-1bf0-4dda-aec3-111111111111"
"""A subscription the emulator does not know."""
FIX = re.compile(r"fix:|expected|pass |use |create |check ", re.IGNORECASE)


@dataclass
class World:
    """What the bad inputs are aimed at (made once per module)."""

    emu: Emulator
    az: Azure
    sub: str
    identity: Any
    cluster: Any
    subnet: str
    registry: str

    def id(self, tail: str) -> str:
        """``/subscriptions/{sub}/resourceGroups/rg`` + ``tail``."""
        return f"/subscriptions/{self.sub}/resourceGroups/{RG}{tail}"


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Emulator(clock="virtual", seed=11, subscriptions=2) as emu:
            az = emu.azure()
            sub = emu.subscription_id
            az.create_resource_group(RG, location=LOCATION)
            base = f"/subscriptions/{sub}/resourceGroups/{RG}/providers"
            vnet = f"{base}/Microsoft.Network/virtualNetworks/vnet1"
            emu.put_resource(
                vnet,
                {
                    "location": LOCATION,
                    "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}},
                },
            )
            subnet = f"{vnet}/subnets/aks"
            emu.put_resource(subnet, {"properties": {"addressPrefix": "10.1.0.0/24"}})
            registry = f"{base}/Microsoft.ContainerRegistry/registries/acr1"
            emu.put_resource(registry, {"location": LOCATION, "sku": {"name": "Basic"}})
            identity = az.create_identity("ident1", resource_group=RG, tags={"team": "a"})
            cluster = az.create_cluster("cluster1", resource_group=RG)
            yield World(emu, az, sub, identity, cluster, subnet, registry)
            az.close()


QUERIES = ("/providers/Microsoft.ResourceGraph/resources",)
"""POSTs that only read: Azure Resource Graph queries (the fleet's reads)."""


def writes_after(emu: Emulator, first: int) -> list[Any]:
    """Write requests the emulator logged after index ``first``."""
    return [
        r
        for r in list(emu.requests)[first:]
        if r.method in WRITES and not (r.method == "POST" and r.path.startswith(QUERIES))
    ]


@pytest.fixture
def refused(world: World) -> Callable[..., AksIdentityError]:
    """``refused(call, *fragments, error=ValidationError)`` -> the error raised.

    Asserts the class, that the message contains each fragment (the problem) and names a fix,
    and that nothing was written.
    """

    def check(
        call: Callable[[], object], *fragments: str, error: type[AksIdentityError] = ValidationError
    ) -> AksIdentityError:
        first = len(world.emu.requests)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(AksIdentityError) as info:
                call()
        raised = info.value
        assert isinstance(raised, error), f"{type(raised).__name__}: {raised}"
        text = str(raised)
        for fragment in fragments:
            assert fragment.lower() in text.lower(), f"{fragment!r} not in {text!r}"
        assert FIX.search(text), f"no fix named in {text!r}"
        assert writes_after(world.emu, first) == [], text
        return raised

    return check


@pytest.fixture(autouse=True)
def _quiet_library_warnings() -> Iterator[None]:
    from aks_identity import AksIdentityWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AksIdentityWarning)
        yield
