"""Benchmark ``import cloudtel`` in fresh processes.

Run: ``python bench/bench_import.py``. Each figure is the median wall time of fresh
interpreter processes (hyperfine-like: one warm-up, then repeats), less the median of
the baseline ``python -c pass`` (the interpreter's own start), so what is left is the
import alone. Compared with importing every public name (what ``import cloudtel`` cost
when the package imported all its modules eagerly). Target: ``import cloudtel`` ≤ 80 ms.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

REPEATS = 15


def median_run(code: str) -> float:
    """Median seconds of ``python -c code`` in a fresh process (after one warm-up)."""
    command = [sys.executable, "-c", code]
    subprocess.run(command, check=True)
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        subprocess.run(command, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    one, five, _ = os.getloadavg()
    print(
        f"import time, median of {REPEATS} fresh processes "
        f"[machine load {one:.2f} (1 min), {five:.2f} (5 min); {os.cpu_count()} cores]"
    )
    start = median_run("pass")
    print(f"  {'baseline: python -c pass (interpreter start)':<58} {start * 1e3:8.1f} ms")
    rows = [
        ("import cloudtel", "import cloudtel"),
        ("from cloudtel import Schedule", "from cloudtel import Schedule"),
        ("from cloudtel import Organization, load", "from cloudtel import Organization, load"),
        (
            "every public name (the old eager import)",
            "import cloudtel\nfor n in cloudtel.__all__: getattr(cloudtel, n)",
        ),
    ]
    eager = median_run(rows[-1][1]) - start
    for label, code in rows:
        value = median_run(code) - start
        print(
            f"  {label:<58} {value * 1e3:8.1f} ms   vs eager {eager / value:6.2f}×"
            f"   vs 80 ms target {0.080 / value:6.2f}×"
        )
    one, five, _ = os.getloadavg()
    print(f"  [machine load {one:.2f} (1 min), {five:.2f} (5 min)]")


if __name__ == "__main__":
    main()
