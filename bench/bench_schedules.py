"""Benchmark the schedule engine against fairly configured baselines.

Run: ``python bench/bench_schedules.py`` (needs the ``bench`` dependency group:
python-dateutil, recurring-ical-events, icalendar). Prints each figure next to its
baseline or target as a ratio, and the machine's load.

Baselines, configured as their users would:

- **rrule**: a reference evaluator on dateutil's ``rrule``: convert the instant to
  wall-clock time in the schedule's zone, walk the events in priority order and ask each
  event's rule for its latest occurrence start at or before that wall time
  (``rrule.before``, ``cache=True``), covered when the wall time is before that
  occurrence's end. Each rule's ``dtstart`` is the event's first date, and the weekly
  events start on 1 January of the queried year (a schedule set up this year), so a
  query walks at most one year of occurrences, not decades.
- **rrule, dtstart in the query's week**: the same with every rule starting on the
  Monday of the queried week (rules rebuilt per week): rrule's best case.
- **recurring-ical-events**: the same schedule exported with ``cloudtel.schedules.ical``
  and asked ``of(calendar).at(instant)``; the highest-priority event found wins.

Timing of single-instant questions, the same for every side: the unloaded cost, as the
best of several runs (the engine: best of 100 passes over all the instants, each pass a
few ms; a baseline, whose pass would take too long to escape a busy machine's load: each
instant timed alone, its best of 3, minus the clock's own cost). The mean is over the same
instants, spread over the year, for every side. Compiling a year (no baseline, a target):
the whole fleet's best of 3 in elapsed and in CPU time, and the unloaded cost (the fleet
in parts of 1000 schedules, each part's best of 5).
"""

from __future__ import annotations

import os
import random
import time as clock
import tracemalloc
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import numpy as np
from dateutil import rrule

from cloudtel.schedules import (
    Action,
    DefaultEvent,
    ForwardTarget,
    Once,
    Recurrence,
    Schedule,
    ScheduleEvent,
    ScheduleFleet,
    ScheduleState,
    Weekday,
    Weekly,
    Yearly,
    states_at_instant,
)
from cloudtel.schedules.ical import to_ical

SEED = 5
FLEET_SIZE = 10_000
YEAR = 2026
THIS_YEAR = Recurrence(first=date(YEAR, 1, 1))
T = TypeVar("T")
RRULE_DAYS = (rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU)


# -- the reference evaluator ---------------------------------------------------------------


class ReferenceEvent:
    """One event as an rrule of occurrence starts plus a fixed wall-clock length."""

    def __init__(self, event: ScheduleEvent, near: date | None = None) -> None:
        self.state = event.state
        when = event.when
        self.once: tuple[datetime, datetime] | None = None
        if isinstance(when, Once):
            self.once = (when.start, when.end)
            return
        bounds = when.recurrence
        first = bounds.first or date(2000, 1, 1)
        if near is not None:  # start the rule near the queries (the rule's best case)
            first = max(first, near - timedelta(400 if isinstance(when, Yearly) else 0))
        until = None if bounds.until is None else datetime.combine(bounds.until, time.max)
        if isinstance(when, Weekly):
            self.rule = rrule.rrule(
                rrule.WEEKLY,
                byweekday=[RRULE_DAYS[day.number] for day in when.days],
                dtstart=datetime.combine(first, when.start),
                until=until,
                count=bounds.count,
                cache=True,
            )
            self.length: Callable[[datetime], datetime] = lambda start, w=when: (
                start + timedelta(seconds=w.duration_seconds)
            )
        else:
            (month, day, at), (end_month, end_day, end_at) = when.start, when.end
            self.rule = rrule.rrule(
                rrule.YEARLY,
                bymonth=month,
                bymonthday=day,
                byhour=at.hour,
                byminute=at.minute,
                bysecond=at.second,
                dtstart=datetime.combine(first, time(0)),
                until=until,
                count=bounds.count,
                cache=True,
            )
            into_next = (end_month, end_day, end_at) <= (month, day, at)
            self.length = lambda start: datetime.combine(
                date(start.year + into_next, end_month, end_day), end_at
            )

    def covers(self, wall: datetime) -> bool:
        if self.once is not None:
            return self.once[0] <= wall < self.once[1]
        start = self.rule.before(wall, inc=True)
        return start is not None and wall < self.length(start)


class ReferenceSchedule:
    """State at an instant by walking the events in order (no compilation)."""

    def __init__(self, schedule: Schedule, near: date | None = None) -> None:
        assert schedule.time_zone is not None
        self.zone = ZoneInfo(schedule.time_zone)
        self.events = [ReferenceEvent(event, near) for event in schedule.events]
        self.default = schedule.default.state

    def state_at(self, instant: datetime) -> ScheduleState:
        wall = instant.astimezone(self.zone).replace(tzinfo=None, fold=0)
        for event in self.events:
            if event.covers(wall):
                return event.state
        return self.default


# -- generated schedules ------------------------------------------------------------------

MOVING_HOLIDAYS = [date(YEAR, 4, 6), date(YEAR, 5, 14), date(YEAR, 5, 25)]  # Easter Mon …
FIXED_HOLIDAYS = [(1, 1), (5, 1), (7, 21), (8, 15), (11, 1), (11, 11), (12, 25)]
ZONES = ["Europe/Brussels"] * 8 + ["Europe/Paris", "America/New_York"]


def generated_schedule(rng: random.Random, index: int) -> Schedule:
    """Office hours, a lunch forward, public holidays and a summer closure."""
    closed = "Closed greeting"
    events = [
        ScheduleEvent(
            name=f"holiday {month:02d}-{day:02d}",
            when=Yearly(
                start=(month, day, time(0)),
                end=(month, day + 1, time(0)) if day < 28 else (month + 1, 1, time(0)),
                recurrence=Recurrence(first=date(2020, 1, 1)),
            ),
            action=Action.CLOSED,
            instruction=closed,
        )
        for month, day in FIXED_HOLIDAYS
    ]
    events += [
        ScheduleEvent(
            name=f"holiday {day}",
            when=Once(
                start=datetime.combine(day, time(0)),
                end=datetime.combine(day, time(0)) + timedelta(1),
            ),
            action=Action.CLOSED,
            instruction=closed,
        )
        for day in MOVING_HOLIDAYS
    ]
    summer = date(YEAR, 7, rng.randint(1, 25))
    events.append(
        ScheduleEvent(
            name="summer closure",
            when=Once(
                start=datetime.combine(summer, time(0)),
                end=datetime.combine(summer + timedelta(rng.choice([7, 14, 21])), time(0)),
            ),
            action=Action.CLOSED,
            instruction="Summer",
        )
    )
    workdays = (
        Weekday.MONDAY,
        Weekday.TUESDAY,
        Weekday.WEDNESDAY,
        Weekday.THURSDAY,
        Weekday.FRIDAY,
    )
    if rng.random() < 0.7:
        events.append(
            ScheduleEvent(
                name="lunch",
                when=Weekly(
                    days=workdays,
                    start=time(12),
                    end=time(13) if rng.random() < 0.5 else time(13, 30),
                ),
                action=Action.FORWARD,
                forward_to=ForwardTarget(number="+3292470680"),
            )
        )
    events.append(
        ScheduleEvent(
            name="office",
            when=Weekly(
                days=workdays[: rng.choice([4, 5, 5, 5])],
                start=time(rng.choice([8, 8, 9]), rng.choice([0, 30])),
                end=time(rng.choice([16, 17, 18]), rng.choice([0, 30])),
                recurrence=Recurrence(first=date(2020, 1, 1)),
            ),
            action=Action.OPEN,
        )
    )
    if rng.random() < 0.3:
        events.append(
            ScheduleEvent(
                name="saturday morning",
                when=Weekly(days=(Weekday.SATURDAY,), start=time(9), end=time(12)),
                action=Action.OPEN,
            )
        )
    return Schedule(
        events=tuple(events),
        default=DefaultEvent(action=Action.CLOSED),
        time_zone=rng.choice(ZONES),
    )


def manual_schedule() -> Schedule:
    """The manual's schedule of 5901 plus a lunch forward, its weekly events set up this year."""
    return Schedule(
        events=(
            ScheduleEvent(
                name="newyear",
                when=Yearly(
                    start=(1, 1, time(0)),
                    end=(1, 2, time(0)),
                    recurrence=Recurrence(first=date(2020, 1, 1)),
                ),
                action=Action.CLOSED,
                instruction="User unavailable",
            ),
            ScheduleEvent(
                name="lunch",
                when=Weekly(
                    days=tuple(Weekday)[:5], start=time(12), end=time(13), recurrence=THIS_YEAR
                ),
                action=Action.FORWARD,
                forward_to=ForwardTarget(number="+3292470680"),
            ),
            ScheduleEvent(
                name="Ma-Vrij",
                when=Weekly(
                    days=tuple(Weekday)[:5], start=time(9), end=time(18), recurrence=THIS_YEAR
                ),
                action=Action.OPEN,
            ),
        ),
        time_zone="Europe/Brussels",
    )


# -- the recurring-ical-events baseline ----------------------------------------------------


class IcalSchedule:
    """State at an instant from the schedule's iCalendar export via recurring-ical-events."""

    def __init__(self, schedule: Schedule) -> None:
        import icalendar
        import recurring_ical_events

        text = to_ical(schedule, stamp=datetime(YEAR, 1, 1, tzinfo=UTC))
        self.query = recurring_ical_events.of(icalendar.Calendar.from_ical(text))
        self.states = {event.name: event.state for event in schedule.events}
        self.default = schedule.default.state

    def state_at(self, instant: datetime) -> ScheduleState:
        found = self.query.at(instant)
        if not found:
            return self.default
        top = min(found, key=lambda event: int(event["X-CLOUDTEL-PRIORITY"]))
        return self.states[str(top["SUMMARY"])]


# -- helpers ----------------------------------------------------------------------------------

OPEN_CODES: dict[tuple[ScheduleState, ...], int] = {}


def _open_code(states: tuple[ScheduleState, ...]) -> int:
    return next((code for code, s in enumerate(states) if s.action is Action.OPEN), -1)


def per_call(function: Callable[[], object], repeat: int) -> float:
    """Best-of-3 seconds per call."""
    best = float("inf")
    for _ in range(3):
        started = clock.perf_counter()
        for _ in range(repeat):
            function()
        best = min(best, (clock.perf_counter() - started) / repeat)
    return best


def per_item(function: Callable[[T], object], items: list[T], rounds: int) -> float:
    """Seconds per call over ``items``: the best of ``rounds`` passes (each a few ms).

    Short passes and the best one: on a busy machine some passes run without being
    interrupted, so the figure is the unloaded cost; used for the engine's quick calls.
    """
    best = float("inf")
    for _ in range(rounds):
        started = clock.perf_counter()
        for item in items:
            function(item)
        best = min(best, clock.perf_counter() - started)
    return best / len(items)


def per_item_each(function: Callable[[T], object], items: list[T], rounds: int) -> float:
    """Seconds per call over ``items``: each item timed alone, its best of ``rounds``.

    The same "unloaded cost" as :func:`per_item` for slow calls (tens of µs), where a pass
    over every item would take too long to escape the machine's load; the clock's own
    cost is taken off.
    """
    now = clock.perf_counter
    tick = min(-now() + now() for _ in range(1000))
    best = [float("inf")] * len(items)
    for _ in range(rounds):
        for index, item in enumerate(items):
            started = now()
            function(item)
            best[index] = min(best[index], now() - started - tick)
    return sum(best) / len(best)


def show(label: str, value: float, unit: str, *ratios: tuple[str, float]) -> None:
    scale = {"ns": 1e9, "µs": 1e6, "ms": 1e3, "s": 1.0, "KB": 1e-3}[unit]
    compared = "   ".join(f"{name} {ratio:,.2f}×" for name, ratio in ratios)
    print(f"  {label:<56} {value * scale:>10.2f} {unit:<2}  {compared}")


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"[machine load {one:.2f} (1 min), {five:.2f} (5 min); {os.cpu_count()} cores]"


def fresh(schedules: list[Schedule]) -> list[Schedule]:
    """Equal schedules with nothing compiled yet."""
    return [Schedule(events=s.events, default=s.default, time_zone=s.time_zone) for s in schedules]


def scalar_queries(rng: random.Random) -> None:
    schedule = manual_schedule()
    engine = schedule.compiled()
    zone = ZoneInfo("Europe/Brussels")
    year_start = datetime(YEAR, 1, 1, tzinfo=UTC).timestamp()
    moments = [year_start + rng.randrange(365 * 86_400) for _ in range(2000)]
    aware = [datetime.fromtimestamp(t, UTC) for t in moments]
    local = [datetime.fromtimestamp(t, zone) for t in moments]
    reference = ReferenceSchedule(schedule)
    mismatches = sum(engine.state_at(a) != reference.state_at(a) for a in aware)
    print(
        f"\nstate at an instant: the manual's schedule + lunch, {len(aware)} instants spread "
        f"over {YEAR} ({mismatches} disagreements with the rrule reference) {load()}"
    )
    rrule_year = per_item_each(reference.state_at, aware, 3)
    # rrule's best case: each week's instants against rules that start that Monday
    monday = date(YEAR, 3, 2)
    week = [
        datetime.combine(monday, time(0), zone) + timedelta(seconds=rng.randrange(7 * 86_400))
        for _ in range(500)
    ]
    near = ReferenceSchedule(schedule, near=monday)
    assert all(near.state_at(w) == engine.state_at(w) for w in week)
    rrule_week = per_item_each(near.state_at, week, 3)
    ical = IcalSchedule(schedule)
    sample = aware[:60]
    assert [ical.state_at(a) for a in sample] == [engine.state_at(a) for a in sample]
    ical_time = per_item_each(ical.state_at, sample, 3)
    show("baseline rrule, dtstart 1 Jan of the queried year", rrule_year, "µs", ("baseline", 1))
    show("rrule, dtstart on the Monday of the queried week", rrule_week, "µs")
    show("recurring-ical-events .at(instant), same calendar", ical_time, "µs")
    for label, items, function in (
        ("engine.state_at(aware datetime, Europe/Brussels = zone)", local, engine.state_at),
        ("engine.state_at(aware datetime, UTC)", aware, engine.state_at),
        ("engine.state_at(UTC epoch seconds)", moments, engine.state_at),
        ("Schedule.state_at(aware datetime, Europe/Brussels)", local, schedule.state_at),
    ):
        value = per_item(function, items, 100)
        show(
            label,
            value,
            "ns",
            ("vs rrule (year)", rrule_year / value),
            ("vs rrule (week)", rrule_week / value),
            ("vs ical", ical_time / value),
            ("vs 1 µs", 1e-6 / value),
        )
    overhead = per_item(lambda item: None, aware, 100)
    print(
        f"  (in the same loop a call of a function that does nothing takes {overhead * 1e9:.0f} ns)"
    )
    print(f"  targets: ≥ 100× the rrule baseline, ≤ 1 µs in the organisation's zone {load()}")


def fleet_queries(rng: random.Random) -> list[Schedule]:
    print(
        f"\n{FLEET_SIZE:,} generated schedules (office hours, lunch forward, holidays, "
        f"summer closure) {load()}"
    )
    started = clock.perf_counter()
    schedules = [generated_schedule(rng, index) for index in range(FLEET_SIZE)]
    print(f"  built the schedules in {clock.perf_counter() - started:.2f} s")

    # memory of a compiled year, on fresh copies of the first 2 000 (tracemalloc is slow)
    sample = fresh(schedules[:2000])
    tracemalloc.start()
    fleet = ScheduleFleet(sample)
    set_up, _ = tracemalloc.get_traced_memory()
    fleet.compile(YEAR)
    compiled_memory, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del fleet, sample

    started = clock.perf_counter()
    fleet = ScheduleFleet(schedules)
    prepared = clock.perf_counter() - started
    # compile: the first year of a fleet (its event tables included); best of 3 fleets of
    # the same schedules, nothing compiled before, in elapsed and in CPU time (the latter
    # is what other processes' load changes least)
    elapsed = cpu = float("inf")
    for attempt in range(3):
        compiling = fleet if attempt == 0 else ScheduleFleet(fresh(schedules))
        started, started_cpu = clock.perf_counter(), clock.process_time()
        compiling.compile(YEAR)
        elapsed = min(elapsed, clock.perf_counter() - started)
        cpu = min(cpu, clock.process_time() - started_cpu)
        del compiling
    # the unloaded cost, as for single questions: the fleet in parts of 1000 schedules
    # (tens of ms each), each part's best of 5 fresh compiles, summed
    part_size, unloaded = 1000, 0.0
    for start in range(0, FLEET_SIZE, part_size):
        part = schedules[start : start + part_size]
        best = float("inf")
        for _ in range(5):
            compiling = ScheduleFleet(fresh(part))
            started = clock.perf_counter()
            compiling.compile(YEAR)
            best = min(best, clock.perf_counter() - started)
        unloaded += best
    show("ScheduleFleet(schedules): one engine each", prepared / FLEET_SIZE, "µs")
    for label, value in (
        ("whole fleet, best of 3, elapsed", elapsed),
        ("whole fleet, best of 3, CPU time", cpu),
        ("unloaded (parts of 1000, best of 5)", unloaded),
    ):
        per_year = value / FLEET_SIZE
        show(
            f"compile {YEAR} per schedule-year, {label}",
            per_year,
            "µs",
            ("vs 50 µs target", 50e-6 / per_year),
        )
    show(
        "  memory of a compiled year (per schedule-year)",
        (compiled_memory - set_up) / 2000,
        "KB",
        ("vs 10 KB target", 10_000 / ((compiled_memory - set_up) / 2000)),
    )
    show("  memory of an engine (per schedule)", set_up / 2000, "KB")

    instant = datetime(YEAR, 11, 26, 10, 30, tzinfo=UTC)
    fleet.states_at(instant)
    value = per_call(lambda: fleet.states_at(instant), 50)
    show("ScheduleFleet.states_at(instant), same day again", value, "ms", ("vs 2 ms", 2e-3 / value))
    value = per_call(lambda: fleet.actions_at(instant), 50)
    show(
        "ScheduleFleet.actions_at(instant), same day again", value, "ms", ("vs 2 ms", 2e-3 / value)
    )
    days = iter(range(1, 10_000))
    value = per_call(lambda: fleet.states_at(instant + timedelta(next(days))), 10)
    show(
        "ScheduleFleet.states_at(instant) on a NEW day each time",
        value,
        "ms",
        ("vs 5 ms target", 5e-3 / value),
    )
    states_at_instant(schedules, instant)  # builds and caches a fleet of the same list
    value = per_call(lambda: states_at_instant(schedules, instant), 20)
    show("states_at_instant(list, instant), cached fleet", value, "ms", ("vs 2 ms", 2e-3 / value))
    sample_refs = [ReferenceSchedule(s, near=date(YEAR, 1, 1)) for s in schedules[:100]]
    started = clock.perf_counter()
    expected = [r.state_at(instant) for r in sample_refs]
    ref_fleet = (clock.perf_counter() - started) / len(sample_refs) * FLEET_SIZE
    assert tuple(expected) == fleet.states_at(instant)[:100], "fleet disagrees"
    show(
        "baseline rrule (dtstart ≥ 1 Jan), all schedules (timed on 100)",
        ref_fleet,
        "ms",
        ("fleet at a new day", ref_fleet / value),
    )
    print(f"  {load()}")
    return schedules


def grid(schedules: list[Schedule]) -> None:
    minutes = 365 * 24 * 60
    year_start = datetime(YEAR, 1, 1, tzinfo=UTC).timestamp()
    print(f"\n1-minute grid over {YEAR}: {minutes:,} × {FLEET_SIZE:,} states {load()}")
    for label, compile_first in (
        ("each schedule compiled on its own, then its grid", False),
        ("compiled together (ScheduleFleet), then each grid", True),
    ):
        copies = fresh(schedules)
        started = clock.perf_counter()
        if compile_first:
            ScheduleFleet(copies).compile(YEAR)
        open_minutes = 0
        for schedule in copies:
            compiled = schedule.compiled()
            codes = compiled.states_on_grid(year_start, 60, minutes)
            open_code = OPEN_CODES.setdefault(compiled.states, _open_code(compiled.states))
            open_minutes += int(np.count_nonzero(codes == open_code))
        grid_time = clock.perf_counter() - started
        show(f"{label} (compile included)", grid_time, "s", ("vs 10 s target", 10 / grid_time))
    print(f"  mean open hours per schedule: {open_minutes / FLEET_SIZE / 60:,.0f} {load()}")
    check = schedules[0].compiled()
    spot = year_start + 60 * np.arange(0, minutes, 997)
    assert (check.states_on_grid(year_start, 60, minutes)[::997] == check.states_at(spot)).all()


def main() -> None:
    rng = random.Random(SEED)
    print(f"schedule engine vs fair baselines (seed {SEED}); see this file's docstring")
    scalar_queries(rng)
    schedules = fleet_queries(rng)
    grid(schedules)


if __name__ == "__main__":
    main()
