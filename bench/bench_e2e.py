"""End to end on an organisation of 100 000 users, directories on.

The organisation: 100 000 users (a line, a mobile, two groups each), 100 000 phones
(half Mitel 6940, half Yealink T54W; a line key, four colleagues and two speed dials
each), 1 000 function numbers (office hours, lunch, public holidays) and 10 000
contacts (5 000 of the organisation, 500 in each of 10 groups).

What is timed, in a fresh process that starts from the org file (JSON):

1. load + validate the org file;
2. the function numbers' status list at one instant;
3. provision every phone into an empty folder, directories on (each phone's files and
   the shared directory files);
4. provision again with nothing changed (every file compared, none written);
5. save the org file (JSON, atomic).

Targets (the baseline is the target itself on this 2-core machine): ≤ 30 s in all and
≤ 1.5 GB peak memory (the process's maximum resident set size). Then the same run again
under cProfile, whose 15 most expensive functions (own time) are printed.

Run: ``python bench/bench_e2e.py [USERS]`` (default 100000; a few minutes).
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

USERS = 100_000
FUNCTIONS = 1_000
CONTACTS = 10_000
GROUPS = 10
TARGET_SECONDS = 30.0
TARGET_BYTES = 1.5e9


def org_data(users: int) -> dict[str, Any]:
    """The org file's data (plain JSON data, built directly: fast and small)."""
    functions = FUNCTIONS if users >= 10_000 else users // 100
    contacts = CONTACTS if users >= 10_000 else users // 10
    lines = [f"+322{2 + i // 1_000_000}{i % 1_000_000:06d}" for i in range(users + functions)]
    groups = [f"Team {g}" for g in range(GROUPS)]
    names = [f"user{i:06d}@bench.example" for i in range(users)]
    weekdays = ["mon", "tue", "wed", "thu", "fri"]
    schedule = {
        "events": [
            *(
                {
                    "name": f"holiday {m:02d}-{d:02d}",
                    "when": {
                        "kind": "yearly",
                        "start": f"{m:02d}-{d:02d} 00:00:00",
                        "end": f"{m:02d}-{d + 1:02d} 00:00:00",
                    },
                    "action": "closed",
                }
                for m, d in ((1, 1), (5, 1), (7, 21), (8, 15), (11, 1), (11, 11), (12, 25))
            ),
            {
                "name": "lunch",
                "when": {
                    "kind": "weekly",
                    "days": weekdays,
                    "start": "12:00:00",
                    "end": "13:00:00",
                },
                "action": "forward",
                "forward_to": {"number": "+3292470680"},
            },
            {
                "name": "office",
                "when": {
                    "kind": "weekly",
                    "days": weekdays,
                    "start": "08:30:00",
                    "end": "17:30:00",
                },
                "action": "open",
            },
        ]
    }

    def phone(i: int) -> dict[str, Any]:
        mitel = i % 2 == 0
        layout: list[dict[str, Any]] = [{"position": "L1", "kind": "line", "account": 1}]
        layout += [
            {"position": f"L{k}", "kind": "extension", "user": names[(i + k) % users]}
            for k in range(2, 6)
        ]
        layout += [
            {"position": "L6", "kind": "number", "label": "Reception", "number": "+3292470680"},
            {
                "position": "L7",
                "kind": "number",
                "label": f"Client {i % 997}",
                "number": f"+3293{300000 + i % 9000:06d}",
            },
        ]
        return {
            "mac": (f"08000F{i:06X}" if mitel else f"249AD8{i:06X}"),
            "family": "mitel" if mitel else "yealink",
            "model": "6940" if mitel else "T54W",
            "user": names[i],
            "layout": layout,
        }

    def contact(c: int) -> dict[str, Any]:
        return {
            "first_name": f"Contact{c}",
            "last_name": f"Klant{c % 1000}",
            "company": f"Firma {c % 300}",
            "phones": [{"number": f"+3293{400000 + c:06d}"}],
        }

    per_group = contacts // 2 // GROUPS
    return {
        "schema_version": 1,
        "organization": {
            "name": "Bench",
            "domain": "bench.example",
            "number_ranges": [f"+322{b}000000-+322{b}999999" for b in range(2, 9)],
            "main_number": "+3292470680",
        },
        "groups": [{"name": g} for g in groups],
        "users": [
            {
                "username": names[i],
                "first_name": f"First{i}",
                "last_name": f"Lâst{i}" if i % 10 == 0 else f"Last{i}",
                "groups": [groups[i % GROUPS], groups[(i + 1) % GROUPS]],
                "primary_line": lines[i],
                "mobile_phones": [{"number": f"+32470{i:06d}"}],
            }
            for i in range(users)
        ],
        "contacts": {
            "organization": [contact(c) for c in range(contacts // 2)],
            "groups": {
                g: [contact(contacts // 2 + k * GROUPS + n) for k in range(per_group)]
                for n, g in enumerate(groups)
            },
        },
        "phones": {"phones": [phone(i) for i in range(users)]},
        "functions": {
            "numbers": [
                {
                    "name": f"Function {k}",
                    "kind": "hunt_group",
                    "number": lines[users + k],
                    "schedule": schedule,
                }
                for k in range(functions)
            ]
        },
    }


def run(path: Path, users: int) -> list[tuple[str, float]]:
    """The end-to-end run; returns each stage's wall time."""
    from cloudtel import load, save
    from cloudtel.provisioning import ProvisioningSettings, provision

    stages: list[tuple[str, float]] = []

    def timed(label: str, work: Any) -> Any:
        started = time.perf_counter()
        result = work()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # KiB -> GB-ish
        stages.append(
            (f"{label} (peak so far {peak * 1.024:.2f} GB)", time.perf_counter() - started)
        )
        return result

    org = timed("load + validate the org file", lambda: load(path))
    assert len(org.users) == users
    assert len(org.phones) == users
    status = timed(
        "function numbers' status list at one instant",
        lambda: org.functions.status(datetime(2026, 11, 26, 10, 30, tzinfo=UTC)),
    )
    assert len(status) == len(org.functions.numbers)
    settings = ProvisioningSettings(
        server_url="https://prov.bench.example/",
        sip_passwords={user.username: "Secret-1234" for user in org.users},
    )
    folder = path.parent / "provisioning"
    first = timed("provision every phone, directories on", lambda: provision(org, folder, settings))
    again = timed("provision again, nothing changed", lambda: provision(org, folder, settings))
    assert again.written == 0, again.written
    timed("save the org file (JSON)", lambda: save(org, path, overwrite=True))
    files = len(first.files)
    size = sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
    print(f"  wrote {first.written:,} files ({files:,} reported, {size / 1e6:,.0f} MB)")
    return stages


def child(path: Path, users: int, profile: bool) -> None:
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        run(path, users)
        profiler.disable()
        print("\ncProfile, the 15 functions with the most own time (run under the profiler):")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(15)
        return
    started = time.perf_counter()
    stages = run(path, users)
    total = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    for label, seconds in stages:
        print(f"  {label:<72} {seconds:7.2f} s")
    print(
        f"  {'total':<52} {total:7.2f} s   vs {TARGET_SECONDS:.0f} s target "
        f"{TARGET_SECONDS / total:5.2f}×"
    )
    print(
        f"  {'peak memory (max resident set size)':<52} {peak / 1e9:7.2f} GB  vs 1.5 GB "
        f"target {TARGET_BYTES / peak:5.2f}×"
    )


def load_line() -> str:
    one, five, _ = os.getloadavg()
    return f"[machine load {one:.2f} (1 min), {five:.2f} (5 min); {os.cpu_count()} cores]"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in ("--run", "--profile"):
        child(Path(sys.argv[2]), int(sys.argv[3]), sys.argv[1] == "--profile")
        return
    users = int(sys.argv[1]) if len(sys.argv) > 1 else USERS
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "organization.json"
        started = time.perf_counter()
        path.write_text(json.dumps(org_data(users)), encoding="utf-8")
        print(
            f"end to end: {users:,} users and phones, org file {path.stat().st_size / 1e6:.0f} MB "
            f"(written in {time.perf_counter() - started:.1f} s, not counted) {load_line()}"
        )
        for mode in ("--run", "--profile")[: 1 if os.environ.get("NO_PROFILE") else 2]:
            shutil.rmtree(Path(folder) / "provisioning", ignore_errors=True)
            subprocess.run([sys.executable, __file__, mode, str(path), str(users)], check=True)
            print(f"  {load_line()}")


if __name__ == "__main__":
    main()
