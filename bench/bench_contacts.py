"""Benchmark contact lists: effective lists of a large organisation, and CSV import.

Run: ``python bench/bench_contacts.py``. Prints each figure next to its named baseline:

1. Effective lists of every user of an organisation with 10 000 users, 100 groups
   (each user in 3) and 10 000 contacts (1 000 organisation-wide, 40 per group,
   5 000 personal; some defined at several scopes, some hidden). Baseline: a
   straightforward per-user merge written here (a dict per user, precedence
   own > groups > organisation). Target: all users in ≤ 1 s.
2. Importing 100 000 CSV rows (every row a mobile number, every other row a work
   number too, in national notation), as it runs by default (numbers parsed on two
   cores) and on one core. Baseline: a bare loop of ``phonenumbers.parse`` over
   the same numbers. Target: ≥ 0.5× that speed.
"""

from __future__ import annotations

import os
import random
import time

import phonenumbers

from cloudtel import Organization, User, UserGroup
from cloudtel.contacts import (
    Contact,
    ContactKind,
    EffectiveContact,
    PhoneEntry,
    Scope,
    csv_files,
    import_csv,
)
from cloudtel.numbers import PhoneNumber

USERS, GROUPS, PER_USER_GROUPS = 10_000, 100, 3
ORG_CONTACTS, PER_GROUP, PERSONAL = 1_000, 40, 5_000
CSV_ROWS = 100_000


def number(index: int) -> str:
    return f"+32470{index:06d}"


def build() -> Organization:
    rng = random.Random(7)
    org = Organization(name="Bench", domain="bench.be")
    for g in range(GROUPS):
        org.add_group(UserGroup(name=f"group {g:03d}"))
    names = [g.name for g in org.groups]
    for u in range(USERS):
        org.add_user(User(username=f"user.{u}@bench.be", groups=tuple(rng.sample(names, 3))))
    serial = iter(range(10**6))

    def contact(kind: ContactKind = ContactKind.EXTERNAL) -> Contact:
        n = next(serial)
        return Contact(
            first_name=f"First{n}",
            last_name=f"Last{n}",
            kind=kind,
            phones=(PhoneEntry(number=PhoneNumber(number(n))),),
        )

    org_contacts = [
        contact(ContactKind.MANDATORY if i % 50 == 0 else ContactKind.EXTERNAL)
        for i in range(ORG_CONTACTS)
    ]
    org.contacts.set_contacts(Scope.organization(), org_contacts)
    shared = [contact() for _ in range(20)]  # defined in several groups
    for g, name in enumerate(names):
        items = [contact() for _ in range(PER_GROUP - 4)]
        items += [shared[g % 20], shared[(g + 7) % 20]]
        items += [org_contacts[g * 3], org_contacts[g * 3 + 1]]  # also organisation-wide
        org.contacts.set_contacts(Scope.group(name), items)
    users = org.users
    for u in rng.sample(range(USERS), PERSONAL):
        org.contacts.set_contacts(Scope.user(users[u].username), [contact()])
    for user in users[:500]:  # a few users hide an organisation contact
        org.contacts.hide(user.username, org_contacts[1])
    return org


def baseline_merge(org: Organization, users: int) -> dict[str, list[EffectiveContact]]:
    """The straightforward way: for each user, merge the scopes in a dict by identity."""
    part = org.contacts
    order = {g.name: i for i, g in enumerate(org.groups)}
    result = {}
    for user in org.users[:users]:
        groups = sorted(user.groups, key=order.__getitem__)
        scopes = [Scope.user(user.username), *(Scope.group(g) for g in groups)]
        scopes.append(Scope.organization())
        merged: dict[tuple[str, str], EffectiveContact] = {}
        entries: list[EffectiveContact] = []
        for scope in scopes:
            for contact in part.at(scope):
                keys = contact.identity()
                winner = next((merged[k] for k in keys if k in merged), None)
                if winner is not None:
                    continue
                entry = EffectiveContact(
                    contact=contact, source=scope, mandatory=contact.kind is ContactKind.MANDATORY
                )
                entries.append(entry)
                for key in keys:
                    merged[key] = entry
        hidden = {h.key() for h in part.hidden_by(user.username)}
        result[user.username] = [
            e for e in entries if e.mandatory or hidden.isdisjoint(e.contact.identity())
        ]
    return result


def bench_effective() -> None:
    started = time.perf_counter()
    org = build()
    print(
        f"built the organisation in {time.perf_counter() - started:.1f} s "
        f"({USERS} users, {GROUPS} groups, {ORG_CONTACTS + GROUPS * PER_GROUP + PERSONAL} "
        "contact definitions)"
    )
    org.contacts.effective_lists()  # warm the per-scope indexes once
    started = time.perf_counter()
    lists = org.contacts.effective_lists()
    ours = time.perf_counter() - started
    started = time.perf_counter()
    total = sum(len(entries) for entries in lists.values())
    counted = time.perf_counter() - started
    started = time.perf_counter()
    walked = sum(1 for entries in lists.values() for _ in entries)
    iterated = time.perf_counter() - started
    sample = 200  # the baseline is slow: time it on a sample and scale to every user
    started = time.perf_counter()
    base = baseline_merge(org, sample)
    baseline = (time.perf_counter() - started) * len(lists) / sample
    assert walked == total
    assert all(len(base[name]) == len(lists[name]) for name in base)
    assert all(
        {id(e.contact) for e in base[name]} == {id(e.contact) for e in lists[name]} for name in base
    )
    print(
        f"  baseline: per-user merge {baseline:.1f} s (timed on {sample} users, scaled to "
        f"{len(lists)}); it builds every entry of every list"
    )
    print(
        f"effective lists of {len(lists)} users: {ours:.3f} s (target ≤ 1 s) → "
        f"{baseline / ours:.0f}× faster than the baseline"
    )
    print(
        f"effective lists + walking all {total} entries: {ours + iterated:.3f} s "
        f"(walk {iterated:.3f} s) → {baseline / (ours + iterated):.0f}× faster than the "
        f"baseline; len() of every list {counted:.3f} s"
    )


def bench_import() -> None:
    rng = random.Random(11)
    rows = ["First name,Last name,Company,Work,Mobile,E-mail"]
    numbers: list[str] = []
    for i in range(CSV_ROWS):
        mobile = f"0{470 + i % 10} {i // 10:06d}"
        work = f"09 2{i % 100:02d} {rng.randint(0, 9999):04d}" if i % 2 == 0 else ""
        rows.append(f"First{i},Last{i},Company {i % 500},{work},{mobile},first{i}@example.be")
        numbers += [n for n in (work, mobile) if n]
    data = ("\r\n".join(rows) + "\r\n").encode("utf-8")
    started = time.perf_counter()
    for text in numbers:
        phonenumbers.parse(text, "BE")
    baseline = time.perf_counter() - started
    print(f"  baseline: bare phonenumbers.parse loop over the same numbers {baseline:.2f} s")
    for cores, label in ((2, "two cores (the default)"), (1, "one core")):
        if cores == 1:  # numbers parsed in this process only
            csv_files._PARALLEL_FROM = 10**12
        org = Organization(name="Bench", domain="bench.be")
        started = time.perf_counter()
        report = import_csv(org, "org", data, source="bench.csv")
        ours = time.perf_counter() - started
        assert report.applied, str(report)[:500]
        assert report.added == CSV_ROWS
        print(
            f"CSV import of {CSV_ROWS} rows ({len(numbers)} numbers), {label}: {ours:.2f} s = "
            f"{CSV_ROWS / ours:,.0f} rows/s → {baseline / ours:.2f}× the baseline's speed "
            "(target ≥ 0.5×)"
        )


if __name__ == "__main__":
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, load average {load}")
    bench_effective()
    bench_import()
