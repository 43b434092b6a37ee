"""Concurrent writers of one org file: lost edits, merges, conflicts, and what the lock costs.

Part 1 runs rounds of 2 and of 4 writer processes that all load the same org file and
save at the same moment (``cloudtel._stress``; every fourth round two of them change the
same user). It prints rounds, saves, merges, conflicts and lost edits (must be 0).

Part 2 times one save of a small organisation, four ways:

- baseline, *an unlocked save*: what ``save`` did before issue 11: read the file, compare
  its hash, write it atomically (``atomic_write``, with its fsyncs);
- the same with the lock around it (``flock`` on ``.<name>.lock``) and the clean-up of
  crashed saves' temporary files: the cost of the lock itself;
- ``cloudtel.save`` of the organisation unchanged: lock, re-check, write; the change set
  is empty (proven from the snapshot kept at load), so no journal entry;
- ``cloudtel.save`` after one edit (a user's department, a new value each time): the
  same, plus the change set and its journal entry (fsynced).

Each figure is printed as a ratio to the baseline, with the machine's load.

Run: ``python bench/bench_concurrency.py [ROUNDS]`` (default 250 per configuration).
"""

from __future__ import annotations

import hashlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cloudtel import load, save
from cloudtel._files import atomic_write
from cloudtel._locking import clean_temporaries, file_lock
from cloudtel._stress import run_rounds, small_org
from cloudtel.serialization import dumps

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 250
REPEAT = 200


def load_line() -> str:
    one, five, _ = os.getloadavg()
    return f"(load average {one:.2f} / {five:.2f} on {os.cpu_count()} CPUs)"


def per_call(action: Callable[[], object]) -> float:
    """Median wall seconds of ``action`` over REPEAT calls."""
    times = []
    for _ in range(REPEAT):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def main() -> None:
    print(f"concurrent writers of one org file {load_line()}")
    print(
        f"{'writers':>8} {'rounds':>7} {'saves':>6} {'merges':>7} {'conflicts':>10} "
        f"{'expected':>9} {'lost edits':>11} {'seconds':>8}"
    )
    lost = 0
    for writers, fmt in ((2, "toml"), (4, "json")):
        with tempfile.TemporaryDirectory() as folder:
            report = run_rounds(Path(folder), writers=writers, rounds=ROUNDS, fmt=fmt)
        lost += report.lost_edits
        print(
            f"{writers:>8} {report.rounds:>7} {report.saves:>6} {report.merges:>7} "
            f"{report.conflicts:>10} {report.expected_conflicts:>9} {report.lost_edits:>11} "
            f"{report.seconds:>8.2f}"
        )
        for line in report.unexpected[:5]:
            print(f"    unexpected: {line}")
    print(f"lost edits: {lost} (must be 0)")

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "organization.toml"
        save(small_org(4), path)
        org = load(path)

        def unlocked() -> None:
            current = hashlib.sha256(path.read_bytes()).hexdigest()
            assert current == hashlib.sha256(path.read_bytes()).hexdigest()
            atomic_write(path, dumps(org, "toml").encode("utf-8"))

        def locked() -> None:
            with file_lock(path):
                clean_temporaries([path])
                unlocked()

        def full() -> None:
            save(org, path)

        edits = iter(range(10**9))

        def edited() -> None:
            org.update_user(org.users[0].username, department=f"Dept {next(edits)}")
            save(org, path)

        baseline = per_call(unlocked)
        with_lock = per_call(locked)
        whole = per_call(full)
        one_edit = per_call(edited)
    print(f"\none save of a small organisation (4 users), median of {REPEAT} {load_line()}")
    print(
        f"  {'baseline: unlocked save (hash check + atomic write)':<56} "
        f"{baseline * 1e3:7.2f} ms  1.00×"
    )
    print(
        f"  {'with the lock and the clean-up of temporaries':<56} "
        f"{with_lock * 1e3:7.2f} ms  {with_lock / baseline:.2f}×"
    )
    print(
        f"  {'cloudtel.save, nothing changed (lock, re-check, write)':<56} "
        f"{whole * 1e3:7.2f} ms  {whole / baseline:.2f}×"
    )
    print(
        f"  {'cloudtel.save after one edit (the same + journal entry)':<56} "
        f"{one_edit * 1e3:7.2f} ms  {one_edit / baseline:.2f}×"
    )


if __name__ == "__main__":
    main()
