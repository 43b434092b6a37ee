"""Benchmark contact lists: the effective lists of a large organisation.

Run: ``python bench/bench_contacts.py``. Prints each figure next to its named baseline:

1. Effective lists of every user of an organisation with 10 000 users, 100 groups
   (each user in 3) and 10 000 contacts (1 000 organisation-wide, 40 per group,
   5 000 personal; some defined at several scopes, some hidden). Baseline: a
   straightforward per-user merge written here (a dict per user, precedence
   own > groups > organisation). Target: all users in ≤ 1 s.

The CSV import is timed by ``bench/bench_csv_import.py`` (fresh processes, one core
and two, against pandas + phonenumbers).
"""

from __future__ import annotations

import os
import random
import time

from cloudtel import Organization, User, UserGroup
from cloudtel.contacts import (
    Contact,
    ContactKind,
    EffectiveContact,
    PhoneEntry,
    Scope,
)
from cloudtel.numbers import PhoneNumber

USERS, GROUPS, PER_USER_GROUPS = 10_000, 100, 3
ORG_CONTACTS, PER_GROUP, PERSONAL = 1_000, 40, 5_000


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


if __name__ == "__main__":
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, load average {load}")
    bench_effective()
