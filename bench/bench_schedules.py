"""Benchmark the schedule engine against a reference evaluator built on dateutil's rrule.

Run: ``python bench/bench_schedules.py`` (needs the ``bench`` dependency group:
python-dateutil). Prints each figure next to its baseline or target as a ratio.

The reference evaluator answers "state at an instant" the obvious way: convert the instant
to wall-clock time in the schedule's zone, then walk the events in priority order and ask
each event's rrule for its latest occurrence start at or before that wall time
(``rrule.before``), covered when the wall time is before that occurrence's end.
"""

from __future__ import annotations

import random
import time as clock
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
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

SEED = 5
FLEET_SIZE = 10_000
YEAR = 2026
RRULE_DAYS = (rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU)


# -- the reference evaluator ---------------------------------------------------------------


class ReferenceEvent:
    """One event as an rrule of occurrence starts plus a fixed wall-clock length."""

    def __init__(self, event: ScheduleEvent) -> None:
        self.state = event.state
        when = event.when
        self.once: tuple[datetime, datetime] | None = None
        if isinstance(when, Once):
            self.once = (when.start, when.end)
            return
        bounds = when.recurrence
        first = bounds.first or date(2000, 1, 1)
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

    def __init__(self, schedule: Schedule) -> None:
        assert schedule.time_zone is not None
        self.zone = ZoneInfo(schedule.time_zone)
        self.events = [ReferenceEvent(event) for event in schedule.events]
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
    """The manual's schedule of 5901 plus a lunch forward."""
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
                when=Weekly(days=tuple(Weekday)[:5], start=time(12), end=time(13)),
                action=Action.FORWARD,
                forward_to=ForwardTarget(number="+3292470680"),
            ),
            ScheduleEvent(
                name="Ma-Vrij",
                when=Weekly(days=tuple(Weekday)[:5], start=time(9), end=time(18)),
                action=Action.OPEN,
            ),
        ),
        time_zone="Europe/Brussels",
    )


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


def show(label: str, value: float, unit: str, *ratios: tuple[str, float]) -> None:
    scale = {"ns": 1e9, "µs": 1e6, "ms": 1e3, "s": 1.0}[unit]
    compared = "   ".join(f"{name} {ratio:,.2f}×" for name, ratio in ratios)
    print(f"  {label:<54} {value * scale:>10.2f} {unit:<2}  {compared}")


def main() -> None:
    rng = random.Random(SEED)
    year_start = datetime(YEAR, 1, 1, tzinfo=UTC).timestamp()
    seconds = 365 * 86_400
    print(f"schedule engine vs dateutil rrule reference (seed {SEED})")

    # -- scalar queries -------------------------------------------------------------------
    schedule = manual_schedule()
    engine = schedule.compiled()
    reference = ReferenceSchedule(schedule)
    moments = [year_start + rng.randrange(seconds) for _ in range(2000)]
    aware = [datetime.fromtimestamp(t, UTC) for t in moments]
    local = [datetime.fromtimestamp(t, ZoneInfo("Europe/Brussels")) for t in moments]
    mismatches = sum(engine.state_at(a) != reference.state_at(a) for a in aware)
    print(
        f"\nstate at an instant (manual schedule + lunch, {len(aware)} instants in {YEAR}; "
        f"{mismatches} disagreements with the reference)"
    )
    iterator = iter(aware * 1000)
    ref_time = per_call(lambda: reference.state_at(next(iterator)), 500)
    for label, items in (
        ("engine.state_at(aware datetime, UTC)", aware),
        ("engine.state_at(aware datetime, Europe/Brussels)", local),
        ("engine.state_at(UTC epoch seconds)", moments),
    ):
        cycle = iter(items * 200)
        value = per_call(lambda c=cycle: engine.state_at(next(c)), 100_000)
        show(
            label, value, "ns", ("vs reference", ref_time / value), ("vs 1 µs target", 1e-6 / value)
        )
    cycle = iter(aware * 200)
    overhead = per_call(lambda: next(cycle), 100_000)
    print(f"  (each figure includes the timing loop's own {overhead * 1e9:.0f} ns per call)")
    cycle = iter(aware * 200)
    value = per_call(lambda: schedule.state_at(next(cycle)), 100_000)
    show(
        "Schedule.state_at(aware datetime, UTC)",
        value,
        "ns",
        ("vs reference", ref_time / value),
        ("vs 1 µs target", 1e-6 / value),
    )
    show("reference (rrule) state_at(aware datetime, UTC)", ref_time, "µs", ("baseline", 1.0))

    # -- a fleet --------------------------------------------------------------------------
    print(
        f"\n{FLEET_SIZE:,} generated schedules "
        "(office hours, lunch forward, holidays, summer closure)"
    )
    started = clock.perf_counter()
    fleet_schedules = [generated_schedule(rng, index) for index in range(FLEET_SIZE)]
    built = clock.perf_counter() - started
    started = clock.perf_counter()
    fleet = ScheduleFleet(fleet_schedules)
    fleet.compile(YEAR)
    compiled = clock.perf_counter() - started
    print(f"  built the schedules in {built:.2f} s")
    show(f"compile {YEAR} for all and stack them", compiled, "s")
    print(f"  {'':<54} {compiled / FLEET_SIZE * 1e6:>10.1f} µs per schedule-year")

    instant = datetime(YEAR, 11, 26, 10, 30, tzinfo=UTC)
    value = per_call(lambda: fleet.states_at(instant), 50)
    show(
        "ScheduleFleet.states_at(instant), all schedules",
        value,
        "ms",
        ("vs 2 ms target", 2e-3 / value),
    )
    value = per_call(lambda: fleet.actions_at(instant), 50)
    show(
        "ScheduleFleet.actions_at(instant) (codes only)",
        value,
        "ms",
        ("vs 2 ms target", 2e-3 / value),
    )
    states_at_instant(fleet_schedules, instant)  # builds and caches the stacked index
    value = per_call(lambda: states_at_instant(fleet_schedules, instant), 20)
    show(
        "states_at_instant(list, instant) (cached fleet)",
        value,
        "ms",
        ("vs 2 ms target", 2e-3 / value),
    )
    sample = fleet_schedules[:100]
    references = [ReferenceSchedule(s) for s in sample]
    started = clock.perf_counter()
    expected = [r.state_at(instant) for r in references]
    ref_fleet = (clock.perf_counter() - started) / len(sample) * FLEET_SIZE
    assert tuple(expected) == fleet.states_at(instant)[: len(sample)], "fleet disagrees"
    fleet_time = per_call(lambda: fleet.states_at(instant), 20)
    show(
        "reference (rrule), all schedules (timed on 100)",
        ref_fleet,
        "ms",
        ("fleet speed-up", ref_fleet / fleet_time),
    )

    # -- one-minute grid over a year ------------------------------------------------------
    minutes = 365 * 24 * 60
    started = clock.perf_counter()
    open_minutes = 0
    for schedule_ in fleet_schedules:
        compiled_ = schedule_.compiled()
        codes = compiled_.states_on_grid(year_start, 60, minutes)
        open_code = OPEN_CODES.setdefault(compiled_.states, _open_code(compiled_.states))
        open_minutes += int(np.count_nonzero(codes == open_code))
    grid_time = clock.perf_counter() - started
    show(
        f"1-minute grid over {YEAR}, {minutes:,} × {FLEET_SIZE:,} states",
        grid_time,
        "s",
        ("vs 10 s target", 10 / grid_time),
    )
    print(f"  {'':<52} mean open hours per schedule: {open_minutes / FLEET_SIZE / 60:,.0f}")
    check = fleet_schedules[0].compiled()
    spot = year_start + 60 * np.arange(0, minutes, 997)
    assert (check.states_on_grid(year_start, 60, minutes)[::997] == check.states_at(spot)).all()


if __name__ == "__main__":
    main()
