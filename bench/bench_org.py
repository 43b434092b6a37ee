"""Load + validate and save an organisation of 100 000 users from JSON.

Each user has a primary line and a mobile phone. The baseline is the time of the
same number of bare ``phonenumbers.parse`` calls on the same numbers (two per user):
the least any loader that reads real phone numbers must spend. Aim: load <= 3x.

Times are CPU seconds of this process (``time.process_time``), so that other
work on the machine does not skew the ratios; the save's fsync waits are not
counted.

Run: ``python bench/bench_org.py [USERS]``.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import phonenumbers

from cloudtel import load, save

USERS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000


def org_data(users: int) -> dict[str, Any]:
    """An org file's data with ``users`` users (Brussels lines, Belgian mobiles)."""
    ranges = [f"+322{block}000000-+322{block}999999" for block in range(2, 9)]
    lines = [f"+322{2 + i // 1_000_000}{i % 1_000_000:06d}" for i in range(users)]
    return {
        "schema_version": 1,
        "organization": {
            "name": "Bench labo",
            "domain": "bench.be",
            "number_ranges": ranges,
            "main_number": "+3292470680",
        },
        "groups": [{"name": "Everybody"}, {"name": "Sales"}, {"name": "Support"}],
        "users": [
            {
                "username": f"user.{i}@bench.be",
                "first_name": f"First{i}",
                "last_name": f"Last{i}",
                "email": f"user.{i}@bench.be",
                "groups": ["Everybody", ("Sales", "Support")[i % 2]],
                "primary_line": lines[i],
                "mobile_phones": [{"number": f"+32470{i:06d}"}],
            }
            for i in range(users)
        ],
    }


def _forget_parsed_numbers() -> None:
    """Empty cloudtel's cache of parsed numbers: every load is measured cold."""
    from cloudtel import numbers

    numbers._parse.cache_clear()


def best_of(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return min(times)


def main() -> None:
    data = org_data(USERS)
    numbers: list[str] = [u["primary_line"] for u in data["users"]]
    numbers += [u["mobile_phones"][0]["number"] for u in data["users"]]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "organization.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        size = path.stat().st_size

        def parse_all() -> None:
            for text in numbers:
                phonenumbers.parse(text, "BE")

        baseline = best_of(1, parse_all)
        _forget_parsed_numbers()
        start = time.process_time()
        org = load(path)
        load_time = time.process_time() - start
        assert len(org.users) == USERS
        start = time.process_time()
        save(org, path)
        save_time = time.process_time() - start
        _forget_parsed_numbers()
        start = time.process_time()
        again = load(path)
        reload_time = time.process_time() - start
        assert len(again.users) == USERS

    print(f"organisation: {USERS} users (primary line + mobile each), JSON {size / 1e6:.1f} MB")
    print(f"baseline: {len(numbers)} bare phonenumbers.parse calls  {baseline:7.2f} s (CPU)")
    for label, seconds in (
        ("load + validate (first load)", load_time),
        ("save (JSON, atomic)", save_time),
        ("load + validate (saved file)", reload_time),
    ):
        print(f"{label:<44} {seconds:7.2f} s = {seconds / baseline:5.2f}x baseline")
    print("(each load starts with an empty cache of parsed numbers; aim: load <= 3x baseline)")


if __name__ == "__main__":
    main()
