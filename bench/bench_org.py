"""Load + validate and save organisations of 10 000 and 100 000 users from JSON.

Each user has a primary line and a mobile phone; each size is loaded without and with
1 000 function numbers (each with office hours), to show that the load stays linear in
the users whatever the number of function numbers. The baseline is the time of the same
number of bare ``phonenumbers.parse`` calls on the same numbers (two per user): the least
any loader that reads real phone numbers must spend. Targets: load ≤ 10 µs per user,
save ≤ load.

Times are CPU seconds of this process (``time.process_time``), so that other work on
the machine skews the ratios less; the save's fsync waits are not counted.

Run: ``python bench/bench_org.py [USERS ...]`` (default 10000 100000).
"""

from __future__ import annotations

import gc
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import phonenumbers

from cloudtel import load, save

SIZES = [int(a) for a in sys.argv[1:]] or [10_000, 100_000]
FUNCTIONS = 1_000


def org_data(users: int, functions: int = 0) -> dict[str, Any]:
    """An org file's data: ``users`` users (Brussels lines, Belgian mobiles) and
    ``functions`` function numbers (numbers after the users' lines)."""
    ranges = [f"+322{block}000000-+322{block}999999" for block in range(2, 9)]
    lines = [f"+322{2 + i // 1_000_000}{i % 1_000_000:06d}" for i in range(users + functions)]
    office = {
        "name": "office",
        "when": {
            "kind": "weekly",
            "days": ["mon", "tue", "wed", "thu", "fri"],
            "start": "09:00:00",
            "end": "17:00:00",
        },
        "action": "open",
    }
    data: dict[str, Any] = {
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
    if functions:
        data["functions"] = {
            "numbers": [
                {
                    "name": f"Function {k}",
                    "kind": "hunt_group",
                    "number": lines[users + k],
                    "schedule": {"events": [office]},
                }
                for k in range(functions)
            ]
        }
    return data


def _forget_parsed_numbers() -> None:
    """Empty cloudtel's cache of parsed numbers: every load is measured cold."""
    from cloudtel import numbers

    numbers._parse.cache_clear()


def cpu(work: Any) -> tuple[float, Any]:
    gc.collect()
    start = time.process_time()
    result = work()
    return time.process_time() - start, result


def load_line() -> str:
    one, five, _ = os.getloadavg()
    return f"[machine load {one:.2f} (1 min), {five:.2f} (5 min); {os.cpu_count()} cores]"


def main() -> None:
    print(f"organisation load and save (JSON), CPU seconds {load_line()}")
    for users in SIZES:
        data = org_data(users)
        numbers: list[str] = [u["primary_line"] for u in data["users"]]
        numbers += [u["mobile_phones"][0]["number"] for u in data["users"]]

        def parse_all(numbers: list[str] = numbers) -> None:
            for text in numbers:
                phonenumbers.parse(text, "BE")

        baseline, _ = cpu(parse_all)
        print(f"\n{users:,} users; baseline: {len(numbers):,} bare phonenumbers.parse calls")
        print(f"  {'baseline':<50} {baseline:7.2f} s  {baseline / users * 1e6:6.1f} µs/user")
        for functions in (0, FUNCTIONS):
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "organization.json"
                path.write_text(json.dumps(org_data(users, functions)), encoding="utf-8")
                _forget_parsed_numbers()
                load_time, org = cpu(lambda path=path: load(path))
                assert len(org.users) == users
                assert len(org.functions.numbers) == functions
                save_time, _ = cpu(lambda org=org, path=path: save(org, path, overwrite=True))
                _forget_parsed_numbers()
                del org
                reload_time, again = cpu(lambda path=path: load(path))
                assert len(again.users) == users
                del again
            what = f"{functions:,} function numbers"
            for label, seconds in (
                (f"load + validate ({what})", load_time),
                (f"save, JSON, atomic ({what})", save_time),
                (f"load the saved file ({what})", reload_time),
            ):
                print(
                    f"  {label:<50} {seconds:7.2f} s  {seconds / users * 1e6:6.1f} µs/user"
                    f"  = {seconds / baseline:5.2f}× baseline   vs 10 µs/user "
                    f"{10e-6 * users / seconds:5.2f}×"
                )
            print(f"  save / load = {save_time / load_time:.2f} (target ≤ 1) {load_line()}")


if __name__ == "__main__":
    main()
