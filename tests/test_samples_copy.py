"""tests/arm_samples is a verbatim copy of ../shared/arm-samples (the ground truth)."""

from __future__ import annotations

from pathlib import Path

import pytest

COPY = Path(__file__).resolve().parent / "arm_samples"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "arm-samples"


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_copy_holds_the_samples() -> None:
    names = set(_files(COPY))
    assert "SOURCES.md" in names
    assert sum(n.startswith("cli-recordings/") for n in names) == 3
    assert sum(n.startswith("specs/") for n in names) == 12


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/arm-samples is not beside this checkout")
def test_copy_matches_shared_ground_truth() -> None:
    assert _files(COPY) == _files(SHARED)
