"""Re-running never destroys: tags survive a re-run without tags, and a re-run that changes an
existing resource says so in its plan."""

from __future__ import annotations

from aks_identity.emulator import Emulator

from .conftest import RG, World


def _tags_in_emulator(emu: Emulator, resource_id: str) -> dict[str, str]:
    body = emu.state.resources.get(resource_id) or {}
    return dict(body.get("tags") or {})


def test_create_identity_again_without_tags_keeps_them(world: World) -> None:
    az = world.az
    first = az.create_identity("keep1", resource_group=RG, tags={"team": "a", "cost": "b"})
    plan = az.create_identity("keep1", resource_group=RG, dry_run=True)
    assert "updates existing identity keep1; its tags are kept" in plan.steps[0].description
    again = az.create_identity("keep1", resource_group=RG)
    assert dict(again.tags) == {"team": "a", "cost": "b"}
    assert again.principal_id == first.principal_id
    assert _tags_in_emulator(world.emu, str(first.id)) == {"team": "a", "cost": "b"}


def test_new_tags_replace_and_the_plan_says_so(world: World) -> None:
    az = world.az
    az.create_identity("keep2", resource_group=RG, tags={"team": "a"})
    plan = az.create_identity("keep2", resource_group=RG, tags={"team": "b"}, dry_run=True)
    assert "tags {'team': 'a'} -> {'team': 'b'}" in plan.steps[0].description
    assert dict(az.create_identity("keep2", resource_group=RG, tags={}).tags) == {}


def test_resource_group_re_run_keeps_tags(world: World) -> None:
    az = world.az
    az.create_resource_group("rgtags", location="westus2", tags={"owner": "me"})
    plan = az.create_resource_group("rgtags", location="westus2", dry_run=True)
    assert plan.steps[0].action == "update"
    assert "updates existing resource group rgtags" in plan.steps[0].description
    assert dict(az.create_resource_group("rgtags", location="westus2").tags) == {"owner": "me"}


def test_re_run_in_another_location_is_refused(world: World) -> None:
    import pytest

    from aks_identity import ValidationError

    first = len(world.emu.requests)
    with pytest.raises(ValidationError, match="already exists in westus2"):
        world.az.create_identity("ident1", resource_group=RG, location="eastus")
    assert not [r for r in list(world.emu.requests)[first:] if r.method != "GET"]


def test_first_run_plan_creates(world: World) -> None:
    plan = world.az.create_identity("fresh1", resource_group=RG, dry_run=True)
    assert plan.steps[0].action == "create"
    assert "updates existing" not in plan.steps[0].description


def test_re_run_of_a_failed_cluster_create_says_it_updates_it(world: World) -> None:
    """A cluster whose last operation failed is PUT again by a re-run of create_cluster: the
    plan says that this updates the existing cluster (and that it is not a first create)."""
    az, emu = world.az, world.emu
    emu.faults.inject("lro_failed", method="PUT", path="managedClusters/rerun$", times=1)
    try:
        az.create_cluster("rerun", resource_group=RG)
    except Exception as error:  # the injected failure
        assert "rerun" in str(error)
    plan = az.create_cluster("rerun", resource_group=RG, dry_run=True)
    put = [s for s in plan.steps if s.writes and "PUT managed cluster rerun" in s.description]
    assert len(put) == 1 and put[0].action == "update"
    assert "it exists and its last operation failed, so this PUT updates it" in put[0].description
    first = az.create_cluster("fresh", resource_group=RG, dry_run=True)
    fresh = [s for s in first.steps if "PUT managed cluster fresh" in s.description]
    assert fresh[0].action == "create" and "again" not in fresh[0].description
