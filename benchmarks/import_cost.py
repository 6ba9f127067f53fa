"""What ``import aks_identity`` costs, beside ``import azure.mgmt.containerservice`` alone.

Each sample is a fresh interpreter (``python -X importtime -c "import <module>"``) whose
cumulative import time of the module is read from stderr, so interpreter start-up is left
out. Both modules are sampled alternately in the same run (the machine's load hits both
alike); the figures are medians and the ratio is library / SDK (goal: <= 1.0).

    python benchmarks/import_cost.py [--runs 30]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys

LIBRARY = "aks_identity"
BASELINE = "azure.mgmt.containerservice"


def import_time(module: str) -> float:
    """Milliseconds a fresh interpreter spends importing ``module`` (cumulative)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
    )
    pattern = re.compile(rf"^import time:\s+\d+ \|\s+(\d+) \| {re.escape(module)}$", re.M)
    found = pattern.findall(done.stderr)
    if not found:
        raise SystemExit(f"no importtime line for {module}")
    return int(found[-1]) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    samples: dict[str, list[float]] = {LIBRARY: [], BASELINE: []}
    for module in (LIBRARY, BASELINE):  # warm the bytecode caches once
        import_time(module)
    for _ in range(args.runs):
        for module in (LIBRARY, BASELINE):
            samples[module].append(import_time(module))
    library, baseline = (statistics.median(samples[m]) for m in (LIBRARY, BASELINE))
    print(f"import cost, median of {args.runs} fresh interpreters each:")
    print(f"  import {LIBRARY:<28} {library:8.1f} ms")
    print(f"  import {BASELINE:<28} {baseline:8.1f} ms")
    print(f"  ratio library / SDK: {library / baseline:.2f}x (goal <= 1.00x)")


if __name__ == "__main__":
    main()
