"""Benchmark the CSV imports (contacts and users) against pandas + phonenumbers.

Run: ``python bench/bench_csv_import.py [--contacts N] [--users N] [--repeats R]``.

Every figure is the median of ``R`` runs, the two sides taking turns, each run in a
**fresh process** (a new interpreter per run, so no run reuses another's caches: parsed
numbers, compiled patterns, the numbering plan's metadata). The modules are imported
before the clock starts (their import time is printed apart); the clock covers reading
the file's bytes into checked records. What is compared:

1. **One core** (the target: cloudtel ≥ 1× the baseline). Each side runs in its own
   fresh process pinned to core 0 (``os.sched_setaffinity(0, {0})``), so cloudtel's
   second-process number parsing cannot start.

   - *cloudtel contacts*: ``import_csv(org, "org", data)`` of N rows (first name, last
     name, company, a work number on every other row, a mobile number, e-mail; numbers in
     Belgian national notation such as ``0470 000123``), all or nothing, every row
     checked (names, one-line text, e-mail, numbers, duplicates), a row-level report.
   - *cloudtel users*: ``org.import_users(data)`` of N rows (username, first and last
     name, e-mail, primary line ``+32 9 2XX XX XX`` of the organisation's range, a mobile
     ``0470 000123``), tried on a copy first, every organisation rule checked.
   - *baseline* for each: ``pandas.read_csv`` (told the delimiter and encoding; every
     column read as text, no NA conversion) and, per row, what a user would write for
     the same output and the same checks: cells stripped; ``phonenumbers.parse(text,
     "BE")`` + ``is_valid_number`` + ``format_number(E164)`` per number, each distinct
     text parsed once (``functools.cache``); one-line text and e-mail checked with a
     regular expression; a name required; duplicates found with a dict; for users the
     username's shape and uniqueness, the line inside the range and held once, the
     mobile a mobile number (``number_type``) held once; every problem collected with
     its line and column; the output a list of records (one dict per row).

2. **Two processes** (cloudtel's default for large files: a forked worker parses the
   numbers of the last rows): the contacts import, not pinned, against a bare loop of
   ``phonenumbers.parse(text, "BE")`` over the same numbers (no check, no format), in
   its own fresh process. Target ≥ 0.5×.

The machine's load is printed before and after: ratios, not times, are the figures.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# --- the files ------------------------------------------------------------------------


def contacts_csv(rows: int) -> bytes:
    """Contacts in Belgian national notation: a mobile on every row, work on every other."""
    rng = random.Random(11)
    lines = ["First name,Last name,Company,Work,Mobile,E-mail"]
    for i in range(rows):
        mobile = f"0{470 + i % 10} {i // 10:06d}"
        work = f"09 2{i % 100:02d} {rng.randint(0, 9999):04d}" if i % 2 == 0 else ""
        lines.append(f"First{i},Last{i},Company {i % 500},{work},{mobile},first{i}@example.be")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def users_csv(rows: int) -> bytes:
    """Users with a primary line of the range +3292000000-+3292999999 and a mobile."""
    lines = ["Username,First name,Last name,E-mail,Primary line,Mobile"]
    for i in range(rows):
        line = f"+32 9 2{i // 10000 % 100:02d} {i // 100 % 100:02d} {i % 100:02d}"
        mobile = f"0{470 + i % 10} {i // 10:06d}"
        lines.append(f"user.{i}@bench.be,First{i},Last{i},first{i}@example.be,{line},{mobile}")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


RANGE = ("+3292000000", "+3292999999")


# --- the sides (each runs in a child process) -----------------------------------------


def cloudtel_contacts(data: bytes) -> dict[str, Any]:
    from cloudtel import Organization
    from cloudtel.contacts import import_csv

    org = Organization(name="Bench", domain="bench.be")
    started = time.perf_counter()
    report = import_csv(org, "org", data, source="bench.csv")
    seconds = time.perf_counter() - started
    assert report.applied, str(report)[:500]
    assert not report.rejected, str(report)[:500]
    return {"seconds": seconds, "records": report.added}


def cloudtel_users(data: bytes) -> dict[str, Any]:
    from cloudtel import Organization
    from cloudtel.numbers import NumberRange

    org = Organization(
        name="Bench", domain="bench.be", number_ranges=[NumberRange.parse("-".join(RANGE))]
    )
    started = time.perf_counter()
    report = org.import_users(data, source="bench.csv")
    seconds = time.perf_counter() - started
    assert report.applied, str(report)[:500]
    assert not report.rejected, str(report)[:500]
    return {"seconds": seconds, "records": len(report.added)}


def _baseline_tools() -> tuple[Any, Any, Any, Any]:
    """The baseline's number reader: text → (E.164, number type) or an error message."""
    import functools
    import re

    import phonenumbers

    one_line = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
    email = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

    @functools.cache
    def number(text: str) -> tuple[str, int] | str:
        try:
            parsed = phonenumbers.parse(text, "BE")
        except phonenumbers.NumberParseException as exc:
            return f"not a phone number: {exc}"
        if not phonenumbers.is_valid_number(parsed):
            return "not a valid phone number"
        e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        return e164, phonenumbers.number_type(parsed)

    return phonenumbers, one_line, email, number


def pandas_contacts(data: bytes) -> dict[str, Any]:
    import io

    import pandas as pd

    _, one_line, email, number = _baseline_tools()
    started = time.perf_counter()
    frame = pd.read_csv(
        io.BytesIO(data), sep=",", encoding="utf-8", dtype=str, keep_default_na=False
    )
    records: list[dict[str, str]] = []
    problems: list[tuple[int, str, str, str]] = []
    seen: dict[tuple[str, str], int] = {}
    texts = ("First name", "Last name", "Company", "E-mail")
    for line, row in enumerate(frame.itertuples(index=False, name=None), start=2):
        first, last, company, work, mobile, mail = (cell.strip() for cell in row)
        record = {"first_name": first, "last_name": last, "company": company, "email": mail}
        bad = False
        for header, value in zip(texts, (first, last, company, mail), strict=True):
            if one_line.search(value):
                problems.append((line, header, value, "a control character or line break"))
                bad = True
        if mail and email.fullmatch(mail) is None:
            problems.append((line, "E-mail", mail, "not an e-mail address"))
            bad = True
        name = f"{first} {last}".strip() or company
        if not name:
            problems.append((line, "", "", "a contact needs a name"))
            bad = True
        for header, text in (("Work", work), ("Mobile", mobile)):
            if text:
                found = number(text)
                if isinstance(found, str):
                    problems.append((line, header, text, found))
                    bad = True
                else:
                    record[header.lower()] = found[0]
        keys = [(name.casefold(), record[k]) for k in ("work", "mobile") if k in record]
        earlier = next((seen[k] for k in keys if k in seen), None)
        if earlier is not None:
            problems.append((line, "", name, f"the same contact as line {earlier}"))
            bad = True
        if not bad:
            for key in keys:
                seen[key] = line
            records.append(record)
    seconds = time.perf_counter() - started
    assert not problems, problems[:5]
    return {"seconds": seconds, "records": len(records)}


def pandas_users(data: bytes) -> dict[str, Any]:
    import io

    import pandas as pd

    phonenumbers, one_line, email, number = _baseline_tools()
    mobile_types = (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
    low, high = int(RANGE[0][1:]), int(RANGE[1][1:])
    started = time.perf_counter()
    frame = pd.read_csv(
        io.BytesIO(data), sep=",", encoding="utf-8", dtype=str, keep_default_na=False
    )
    records: list[dict[str, str]] = []
    problems: list[tuple[int, str, str, str]] = []
    usernames: dict[str, int] = {}
    held: dict[str, int] = {}
    texts = ("First name", "Last name", "E-mail")
    for line, row in enumerate(frame.itertuples(index=False, name=None), start=2):
        username, first, last, mail, primary, mobile = (cell.strip() for cell in row)
        bad = False
        if not username or email.fullmatch(username.lower()) is None:
            problems.append((line, "Username", username, "not a username like name@domain"))
            bad = True
        elif username.lower() in usernames:
            problems.append((line, "Username", username, "the same username as another line"))
            bad = True
        for header, value in zip(texts, (first, last, mail), strict=True):
            if one_line.search(value):
                problems.append((line, header, value, "a control character or line break"))
                bad = True
        if mail and email.fullmatch(mail.lower()) is None:
            problems.append((line, "E-mail", mail, "not an e-mail address"))
            bad = True
        record = {"username": username, "first_name": first, "last_name": last, "email": mail}
        for header, text in (("Primary line", primary), ("Mobile", mobile)):
            if not text:
                continue
            found = number(text)
            if isinstance(found, str):
                problems.append((line, header, text, found))
                bad = True
                continue
            e164, kind = found
            if header == "Mobile" and kind not in mobile_types:
                problems.append((line, header, text, "not a mobile number"))
                bad = True
            elif header == "Primary line" and not low <= int(e164[1:]) <= high:
                problems.append((line, header, text, "outside the number range"))
                bad = True
            elif e164 in held:
                problems.append((line, header, text, f"held already (line {held[e164]})"))
                bad = True
            else:
                record[header] = e164
        if not bad:
            usernames[username.lower()] = line
            for header in ("Primary line", "Mobile"):
                if header in record:
                    held[record[header]] = line
            records.append(record)
    seconds = time.perf_counter() - started
    assert not problems, problems[:5]
    return {"seconds": seconds, "records": len(records)}


def bare_parse(data: bytes) -> dict[str, Any]:
    import phonenumbers

    numbers = [
        cell
        for line in data.decode("utf-8").splitlines()[1:]
        for cell in line.split(",")[3:5]
        if cell
    ]
    started = time.perf_counter()
    for text in numbers:
        phonenumbers.parse(text, "BE")
    return {"seconds": time.perf_counter() - started, "records": len(numbers)}


SIDES = {
    "cloudtel-contacts": cloudtel_contacts,
    "cloudtel-users": cloudtel_users,
    "pandas-contacts": pandas_contacts,
    "pandas-users": pandas_users,
    "bare-parse": bare_parse,
}
IMPORTS = {
    "cloudtel-contacts": ("cloudtel.contacts", "cloudtel.org", "cloudtel.numbers"),
    "cloudtel-users": ("cloudtel.onboarding", "cloudtel.org", "cloudtel.numbers"),
    "pandas-contacts": ("pandas", "phonenumbers"),
    "pandas-users": ("pandas", "phonenumbers"),
    "bare-parse": ("phonenumbers",),
}


def child(side: str, path: str, pinned: bool) -> None:
    """One run in this fresh process: import the side's modules, then time the work."""
    if pinned:
        os.sched_setaffinity(0, {0})
    started = time.perf_counter()
    for module in IMPORTS[side]:  # the side's modules, before the clock starts
        importlib.import_module(module)
    imported = time.perf_counter() - started
    data = Path(path).read_bytes()
    result = SIDES[side](data)
    result["import_seconds"] = imported
    result["cores"] = sorted(os.sched_getaffinity(0))
    print(json.dumps(result))


# --- the parent ------------------------------------------------------------------------


def run(
    sides: tuple[str, str], path: Path, *, pinned: bool, repeats: int
) -> tuple[dict[str, Any], ...]:
    """The median of ``repeats`` fresh processes of each side, the sides taking turns
    (baseline, cloudtel, baseline, …) so that a change of the machine's load falls on
    both."""
    results: dict[str, list[dict[str, Any]]] = {side: [] for side in sides}
    for _ in range(repeats):
        for side in sides:
            done = subprocess.run(
                [sys.executable, __file__, "--child", side, str(path), "1" if pinned else "0"],
                check=True,
                capture_output=True,
                text=True,
            )
            results[side].append(json.loads(done.stdout.strip().splitlines()[-1]))
    return tuple(
        {
            "seconds": statistics.median(r["seconds"] for r in results[side]),
            "all": [r["seconds"] for r in results[side]],
            "import_seconds": statistics.median(r["import_seconds"] for r in results[side]),
            "records": results[side][0]["records"],
            "cores": results[side][0]["cores"],
        }
        for side in sides
    )


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"machine load {one:.2f} (1 min), {five:.2f} (5 min); {os.cpu_count()} cores"


def show(label: str, result: dict[str, Any]) -> None:
    runs = ", ".join(f"{s:.2f}" for s in result["all"])
    print(
        f"  {label:<44} {result['seconds']:7.2f} s  (runs {runs}; cores {result['cores']}; "
        f"modules imported in {result['import_seconds']:.2f} s, not timed)"
    )


def configuration(repeats: int) -> list[str]:
    """How each side is configured, as printed above the figures."""
    from importlib.metadata import version

    return [
        f"every figure: the median of {repeats} runs, the sides taking turns, each a fresh"
        " interpreter; the sides'"
        " modules imported before the clock starts, the clock covers bytes → checked records",
        "one core: each child pins itself to core 0 (os.sched_setaffinity(0, {0})), both sides",
        f"baseline (pandas {version('pandas')}, phonenumbers {version('phonenumbers')}):"
        ' pandas.read_csv(sep=",", encoding="utf-8", dtype=str, keep_default_na=False);',
        '  per row: cells stripped; phonenumbers.parse(text, "BE") + is_valid_number +'
        " format_number(E164), once per distinct text (functools.cache); one-line text and"
        " e-mail by regular expression; a name; duplicates by a dict; every problem kept with"
        " its line and column; one dict per row",
        "  users also: the username's shape and uniqueness, the line inside the range and"
        " held once, the mobile a mobile number (number_type) held once",
        'cloudtel: import_csv(org, "org", data) and org.import_users(data) as a user calls'
        " them: encoding and delimiter detected, every rule of the model checked, all or"
        " nothing, a report by line and column (users: tried on a copy first)",
        "two processes: cloudtel's default (not pinned: a forked worker parses the numbers of"
        ' the last rows) against a bare phonenumbers.parse(text, "BE") loop (no check, no'
        " format), each in its own fresh process",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000, help="rows of the contacts file")
    parser.add_argument("--users", type=int, default=20_000, help="rows of the users file")
    parser.add_argument("--repeats", type=int, default=3, help="fresh processes per figure")
    parser.add_argument("--only", choices=("contacts", "users", "two"), help="run one figure only")
    args = parser.parse_args()
    print(f"CSV import, median of {args.repeats} fresh processes per figure [{load()}]")
    for line in configuration(args.repeats):
        print(f"  {line}")
    with tempfile.TemporaryDirectory() as folder:
        contacts = Path(folder, "contacts.csv")
        contacts.write_bytes(contacts_csv(args.contacts))
        users = Path(folder, "users.csv")
        users.write_bytes(users_csv(args.users))
        print("\n1. one core (each side pinned to core 0 in its own fresh process)")
        for what, path, rows in (
            ("contacts", contacts, args.contacts),
            ("users", users, args.users),
        ):
            if args.only not in (None, what):
                continue
            base, ours = run(
                (f"pandas-{what}", f"cloudtel-{what}"), path, pinned=True, repeats=args.repeats
            )
            assert base["records"] == ours["records"] == rows, (base, ours)
            print(f" {what}: {rows:,} rows")
            show("baseline: pandas.read_csv + phonenumbers", base)
            show(f"cloudtel {what} import", ours)
            print(
                f"  → cloudtel {base['seconds'] / ours['seconds']:.2f}× the baseline's speed "
                f"(target ≥ 1×) [{load()}]"
            )
        if args.only not in (None, "two"):
            return
        print("\n2. two processes (cloudtel's default: a forked worker parses numbers too)")
        base, ours = run(
            ("bare-parse", "cloudtel-contacts"), contacts, pinned=False, repeats=args.repeats
        )
        print(f" contacts: {args.contacts:,} rows, {base['records']:,} numbers")
        show("baseline: bare phonenumbers.parse loop", base)
        show("cloudtel contacts import (default)", ours)
        print(
            f"  → cloudtel {base['seconds'] / ours['seconds']:.2f}× the baseline's speed "
            f"(target ≥ 0.5×) [{load()}]"
        )


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[4] == "1")
    else:
        main()
