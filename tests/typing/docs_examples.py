"""Write each docs page's ```python blocks as one module, for mypy --strict and pyright.

    python tests/typing/docs_examples.py OUTDIR && mypy --strict OUTDIR

Blocks are concatenated in page order (as tests/test_docs.py runs them: every page makes its
own emulator); ``# line N`` comments point back at the Markdown. Pages are found as
tests/test_docs.py finds them.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from test_docs import EXECUTED, PAGES, blocks  # noqa: E402

PRELUDE = "# generated from {page}: do not edit\n"


def module_name(page: Path) -> str:
    relative = page.relative_to(ROOT).with_suffix("")
    return "_".join(relative.parts).replace("-", "_").replace(".", "_").lower()


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    for page in PAGES:
        runnable = [(line, src) for lang, line, src in blocks(page) if lang == EXECUTED]
        if not runnable:
            continue
        text = PRELUDE.format(page=page.relative_to(ROOT))
        for line, source in runnable:
            text += f"\n# line {line} of {page.relative_to(ROOT)}\n{source}"
        (out / f"{module_name(page)}.py").write_text(text, encoding="utf-8")
        written += 1
    print(f"{written} pages written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1])))
