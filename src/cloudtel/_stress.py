"""Concurrent writers of one org file, for the test of lost edits and its benchmark.

:func:`run_rounds` starts ``writers`` processes that, in every round, all load
the org file, wait for each other, make one edit each and save at about the
same time. The edits of a round are planned so the outcome is known in
advance: in every fourth round writers 0 and 1 change the same user differently
(an overlap: exactly one of them must get a :class:`~cloudtel.ConflictError`
naming that user); otherwise every writer touches its own object (a user's
department, a group's description, a user it adds and removes), and every edit must be in the
file after the round. The report counts what happened; ``unexpected`` lists
anything else (an error, a conflict where the edits did not overlap).
"""

from __future__ import annotations

import multiprocessing
import time
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import attrs

from cloudtel.errors import ConflictError
from cloudtel.numbers import NumberRange
from cloudtel.org import Organization
from cloudtel.serialization import load, save
from cloudtel.users import User, UserGroup

__all__ = ["StressReport", "edit_of", "run_rounds", "small_org"]

OVERLAP_EVERY = 4
"""Writers 0 and 1 change the same user in rounds divisible by this."""


def small_org(writers: int) -> Organization:
    """An organisation with a user and a group per writer."""
    org = Organization(
        name="Concurrency labo",
        domain="example.be",
        number_ranges=(NumberRange.parse("+3227811600-+3227811699"),),
    )
    for index in range(writers):
        org.add_group(UserGroup(name=f"G{index}"))
        org.add_user(User(username=f"user{index}@example.be", groups=(f"G{index}",)))
    return org


def edit_of(round_number: int, writer: int) -> tuple[str, str, str]:
    """The edit writer ``writer`` makes in a round: ``(kind, key, value)``."""
    value = f"r{round_number}-w{writer}"
    overlap = round_number % OVERLAP_EVERY == 0
    if writer in {0, 1}:
        target = 0 if overlap else writer
        return ("user", f"user{target}@example.be", value)
    if writer % 2 == 0:
        return ("group", f"G{writer}", value)
    # a user of its own that comes and goes, so the file does not grow round by round
    kind = "new user" if round_number % 2 == 0 else "removed user"
    return (kind, f"extra{writer}@example.be", value)


def _apply(org: Organization, edit: tuple[str, str, str]) -> None:
    kind, key, value = edit
    if kind == "user":
        org.update_user(key, department=value)
    elif kind == "group":
        org.update_group(key, description=value)
    elif kind == "removed user":
        org.remove_user(key)
    else:
        org.add_user(User(username=key, department=value))


def _visible(org: Organization, edit: tuple[str, str, str]) -> bool:
    kind, key, value = edit
    if kind == "group":
        return org.group(key).description == value
    if kind == "removed user":
        return not org.has_user(key)
    return org.has_user(key) and org.user(key).department == value


def _writer(path: str, writer: int, rounds: int, barrier: Barrier, out: Any) -> None:
    for number in range(rounds):
        barrier.wait()
        org = load(path)
        barrier.wait()
        edit = edit_of(number, writer)
        _apply(org, edit)
        try:
            entry = save(org, path, who=f"writer {writer}")
        except ConflictError as exc:
            out.put((number, writer, "conflict", [list(o) for o in exc.context.get("objects", [])]))
        except Exception as exc:  # reported to the parent as unexpected
            out.put((number, writer, "error", f"{type(exc).__name__}: {exc}"))
        else:
            out.put((number, writer, "merged" if entry.merged else "saved", []))
        barrier.wait()


@attrs.define
class StressReport:
    """What :func:`run_rounds` saw.

    Args:
        rounds (int): Rounds run.
        writers (int): Writer processes per round.
        saves (int): Saves that succeeded.
        merges (int): Of those, saves that merged another writer's edit.
        conflicts (int): Saves refused with a ConflictError.
        expected_conflicts (int): Overlapping rounds (one conflict each).
        lost_edits (int): Succeeded saves whose edit is not in the file after the round.
        unexpected (list[str]): Anything else, in words.
        seconds (float): Wall time.
    """

    rounds: int
    writers: int
    saves: int = 0
    merges: int = 0
    conflicts: int = 0
    expected_conflicts: int = 0
    lost_edits: int = 0
    unexpected: list[str] = attrs.field(factory=list)
    seconds: float = 0.0


def run_rounds(folder: Path, *, writers: int, rounds: int, fmt: str = "toml") -> StressReport:
    """Run ``rounds`` rounds of ``writers`` concurrent writer processes on a new org file.

    Args:
        folder (Path): Where the org file is created.
        writers (int): Writer processes (2 or more).
        rounds (int): Rounds.
        fmt (str): ``"toml"`` or ``"json"``.
    """
    path = folder / f"organization.{fmt}"
    save(small_org(writers), path, overwrite=True, who="setup")
    context = multiprocessing.get_context()
    barrier = context.Barrier(writers + 1)
    out = context.Queue()
    report = StressReport(rounds=rounds, writers=writers)
    began = time.perf_counter()
    processes = [
        context.Process(target=_writer, args=(str(path), w, rounds, barrier, out), daemon=True)
        for w in range(writers)
    ]
    for process in processes:
        process.start()
    try:
        for number in range(rounds):
            barrier.wait(timeout=60)  # all load
            barrier.wait(timeout=60)  # all edit and save
            barrier.wait(timeout=60)  # all saved
            results = [out.get(timeout=60) for _ in range(writers)]
            _check(report, number, results, load(path))
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
    report.seconds = time.perf_counter() - began
    return report


def _check(report: StressReport, number: int, results: list[Any], org: Organization) -> None:
    overlap = number % OVERLAP_EVERY == 0
    report.expected_conflicts += 1 if overlap else 0
    conflicted = []
    for _round, writer, status, detail in sorted(results):
        edit = edit_of(number, writer)
        if status == "error":
            report.unexpected.append(f"round {number}, writer {writer}: {detail}")
        elif status == "conflict":
            report.conflicts += 1
            conflicted.append(writer)
            if not overlap or writer not in {0, 1}:
                report.unexpected.append(f"round {number}, writer {writer}: conflict on {detail}")
            elif detail != [["user", "user0@example.be"]]:
                report.unexpected.append(f"round {number}: the conflict named {detail}")
            elif _visible(org, edit):
                report.unexpected.append(f"round {number}: a refused edit is in the file")
        else:
            report.saves += 1
            report.merges += status == "merged"
            if not _visible(org, edit):
                report.lost_edits += 1
                report.unexpected.append(f"round {number}, writer {writer}: edit {edit} lost")
    if overlap and len(conflicted) != 1:
        report.unexpected.append(f"round {number}: {len(conflicted)} conflicts, expected 1")
