"""Every ```python block of docs/**/*.md (and the README) runs, in order, against the emulator.

One namespace per page, and no prelude: every page makes its own emulator. Blocks fenced
```python-azure need real Azure: they are compiled (syntax-checked) but not run. Functions a
page defines named ``test_*`` are then called with the ``arm_emulator`` fixture's value (an
emulator of the runner's, reset and active) and pytest's ``caplog``, as pytest would.
Emulators and clients a page leaves open are closed at the end. Tracebacks point at the
Markdown file and line.
"""

from __future__ import annotations

import inspect
import re
import warnings
from pathlib import Path

import pytest

from aks_identity import AksIdentityWarning, Azure
from aks_identity.emulator import Emulator

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = [*sorted(DOCS.rglob("*.md")), DOCS.parent / "README.md", DOCS.parent / "CHANGELOG.md"]
IDS = [str(p.relative_to(DOCS)) if p.is_relative_to(DOCS) else p.name for p in PAGES]
EXECUTED = "python"
NOT_EXECUTED = "python-azure"
_FENCE = re.compile(r"^```(\S*)\s*$")


def blocks(page: Path) -> list[tuple[str, int, str]]:
    """``(language, first line number, source)`` of each top-level fenced block."""
    found: list[tuple[str, int, str]] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        start = index + 1
        end = start
        while end < len(lines) and lines[end].rstrip() != "```":
            end += 1
        assert end < len(lines), f"{page.name}:{index + 1}: unclosed code fence"
        found.append((opening.group(1), start + 1, "\n".join(lines[start:end]) + "\n"))
        index = end + 1
    return found


def _compile(page: Path, line: int, source: str) -> object:
    # pad so that tracebacks report the line numbers of the Markdown file
    return compile("\n" * (line - 1) + source, str(page), "exec")


def test_pages_found() -> None:
    names = {p.name for p in PAGES}
    assert {"index.md", "migrations.md", "emulator.md", "quickstart.md", "testing.md"} <= names
    assert len([p for p in PAGES if p.parent.name == "howto"]) >= 10


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_python_fences_are_marked(page: Path) -> None:
    """Python code is either run (```python) or marked as needing Azure (```python-azure)."""
    for language, line, _ in blocks(page):
        if language.startswith("py"):
            assert language in (EXECUTED, NOT_EXECUTED), f"{page.name}:{line}: ```{language}"


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_page_examples_run(page: Path, caplog: pytest.LogCaptureFixture) -> None:
    found = blocks(page)
    for language, line, source in found:
        if language == NOT_EXECUTED:
            _compile(page, line, source)
    runnable = [(line, source) for language, line, source in found if language == EXECUTED]
    if not runnable:
        pytest.skip(f"{page.name} has no ```python blocks")
    namespace: dict[str, object] = {"__name__": f"docs.{page.stem}"}
    emu = Emulator(clock="virtual")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AksIdentityWarning)
            for line, source in runnable:
                exec(_compile(page, line, source), namespace)
            for name, value in list(namespace.items()):
                if name.startswith("test_") and inspect.isfunction(value):
                    fixtures = {"arm_emulator": emu, "caplog": caplog}
                    params = inspect.signature(value).parameters
                    unknown = set(params) - set(fixtures)
                    assert not unknown, f"{page.name}: {name} wants fixtures {unknown}"
                    emu.reset()
                    caplog.clear()
                    with emu.activate():
                        value(**{p: fixtures[p] for p in params})
    finally:
        for value in namespace.values():  # what the page left open
            if isinstance(value, Azure):
                value.close()
        for value in namespace.values():
            if isinstance(value, Emulator):
                value.stop()
