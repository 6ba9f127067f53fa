"""The journal of a fleet migration: JSON lines, one per completed step, appended and flushed.

Line 1 is the header (``format``, ``version``, the plan's ``fingerprint``, its target and its
clusters); then ``planned`` (a cluster's steps, before the first runs), ``step`` (one step
done) and ``done`` (a cluster finished) events. A run that was killed leaves a prefix of this;
the next run with the same file skips what is done and finishes the rest.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from aks_identity._errors import ValidationError

__all__ = ["FORMAT", "Journal", "JournalState"]

FORMAT = "aks-identity/fleet-journal"
VERSION = 1


@attrs.define
class JournalState:
    """What an earlier run recorded, per cluster (lower-case IDs)."""

    planned: dict[str, list[dict[str, Any]]] = attrs.field(factory=dict)
    done_steps: dict[str, set[int]] = attrs.field(factory=dict)
    finished: dict[str, str] = attrs.field(factory=dict)


class Journal:
    """Append-only record of completed steps (thread-safe); ``None`` path: keeps nothing."""

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        if path is not None and not isinstance(path, (str, os.PathLike)):
            raise ValidationError(
                f"journal must be a file path, got {type(path).__name__}: pass a str or "
                "pathlib.Path, e.g. journal='migration.jsonl'",
                rule="journal",
            )
        if isinstance(path, str) and not path.strip():
            raise ValidationError(
                "journal='' names no file: pass a file name, e.g. journal='migration.jsonl' "
                "(or None to keep no journal)",
                rule="journal",
            )
        self.path = None if path is None else Path(path)
        if self.path is not None and self.path.is_dir():
            raise ValidationError(
                f"journal {self.path} is a directory, not a file: pass a file path, e.g. "
                f"journal='{self.path / 'migration.jsonl'}'",
                rule="journal",
            )
        self._lock = threading.Lock()
        self.state = JournalState()

    def open(self, fingerprint: str, target: str, clusters: Iterable[str]) -> None:
        """Read an earlier run's journal (checking it is this plan's) or start a new one.

        ValidationError, before any write, for a file that is not this library's journal or
        that belongs to another plan.
        """
        if self.path is None:
            return
        ids = sorted(c.lower() for c in clusters)
        if self.path.exists() and self.path.stat().st_size > 0:
            self.state = _read(self.path, fingerprint, target, ids)
            _drop_torn_line(self.path)
            return
        header = {
            "format": FORMAT,
            "version": VERSION,
            "fingerprint": fingerprint,
            "target": target,
            "clusters": ids,
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._append(header)
        except OSError as error:
            raise ValidationError(
                f"journal {self.path} cannot be written ({type(error).__name__}: "
                f"{error.strerror or error}): pass a path in a directory you can write to",
                rule="journal",
            ) from None

    def planned(self, cluster_id: str, steps: list[dict[str, Any]]) -> None:
        """Record a cluster's steps before the first one runs."""
        self.state.planned[cluster_id.lower()] = steps
        self._append({"event": "planned", "cluster": cluster_id.lower(), "steps": steps})

    def step(self, cluster_id: str, index: int, description: str) -> None:
        """Record one completed step."""
        self.state.done_steps.setdefault(cluster_id.lower(), set()).add(index)
        self._append(
            {"event": "step", "cluster": cluster_id.lower(), "index": index, "step": description}
        )

    def finished(self, cluster_id: str, outcome: str) -> None:
        """Record a cluster whose plan ran to the end."""
        self.state.finished[cluster_id.lower()] = outcome
        self._append({"event": "done", "cluster": cluster_id.lower(), "outcome": outcome})

    def _append(self, record: Mapping[str, Any]) -> None:
        if self.path is None:
            return
        line = json.dumps(record, separators=(",", ":")) + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())


def _drop_torn_line(path: Path) -> None:
    """A killed run may leave half a line at the end: cut it, so appends start afresh."""
    data = path.read_bytes()
    if data.endswith(b"\n"):
        return
    with path.open("r+b") as handle:
        handle.truncate(data.rfind(b"\n") + 1)


def _not_ours(path: Path, why: str) -> ValidationError:
    return ValidationError(
        f"{path} is not an aks-identity fleet journal ({why}): pass a new file name as "
        "journal=, or the journal an earlier apply() of this plan wrote",
        rule="journal",
    )


def _read(path: Path, fingerprint: str, target: str, clusters: list[str]) -> JournalState:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise _not_ours(path, f"unreadable: {type(error).__name__}") from None
    try:
        header = json.loads(lines[0])
    except (ValueError, IndexError):
        raise _not_ours(path, "its first line is not JSON") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise _not_ours(path, "no aks-identity header on its first line")
    if header.get("version") != VERSION:
        raise _not_ours(path, f"version {header.get('version')!r}, this library writes {VERSION}")
    recorded = set(header.get("clusters") or [])
    if header.get("target") != target or not set(clusters) <= recorded:
        extra = sorted(set(clusters) - recorded)
        why = (
            f"it migrates to {header.get('target')!r}, this plan to {target!r}"
            if header.get("target") != target
            else f"{len(extra)} cluster(s) of this plan are not in it, e.g. {extra[0]}"
        )
        raise ValidationError(
            f"journal {path} belongs to another plan ({why}): use a new journal file for a new "
            "plan, or re-make the plan with the same to= and where=",
            rule="journal",
        )
    state = JournalState()
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            if number == len(lines):
                break  # the last line of a killed run may be cut short
            raise _not_ours(path, f"line {number} is not JSON") from None
        _replay(state, record)
    return state


def _replay(state: JournalState, record: Any) -> None:
    if not isinstance(record, dict):
        return
    cluster = str(record.get("cluster", "")).lower()
    event = record.get("event")
    if event == "planned" and isinstance(record.get("steps"), list):
        state.planned[cluster] = record["steps"]
    elif event == "step" and isinstance(record.get("index"), int):
        state.done_steps.setdefault(cluster, set()).add(record["index"])
    elif event == "done":
        state.finished[cluster] = str(record.get("outcome", "succeeded"))
