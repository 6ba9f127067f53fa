"""The user-style script that CI type-checks also runs (on the emulator)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "typing"))

import user_script


def test_the_user_script_runs() -> None:
    lines = user_script.main()
    assert lines[0].startswith("control plane: UserAssigned ")
    assert any(line.startswith("kubelet client ID ") for line in lines)
