"""Example tests of schedules: the model, its editing, and every line of the contract."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from cloudtel.errors import DuplicateError, NotFoundError, ScheduleError
from cloudtel.schedules import (
    WORKDAYS,
    Action,
    Change,
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

BRUSSELS = ZoneInfo("Europe/Brussels")
NEW_YORK = ZoneInfo("America/New_York")
OPEN = ScheduleState(action=Action.OPEN)
CLOSED = ScheduleState(action=Action.CLOSED)
UNAVAILABLE = ScheduleState(action=Action.CLOSED, instruction="User unavailable")
FRI, SAT, SUN, MON, TUE, WED = (
    Weekday.FRIDAY,
    Weekday.SATURDAY,
    Weekday.SUNDAY,
    Weekday.MONDAY,
    Weekday.TUESDAY,
    Weekday.WEDNESDAY,
)


def bxl(*args: int) -> datetime:
    """A Brussels wall-clock instant (first pass when ambiguous)."""
    return datetime(*args, tzinfo=BRUSSELS)  # type: ignore[misc]


def weekly(  # noqa: PLR0917
    name: str,
    days: tuple[Weekday, ...],
    start: time,
    end: time,
    action: Action = Action.OPEN,
    recurrence: Recurrence | None = None,
    **kwargs: object,
) -> ScheduleEvent:
    when = Weekly(days=days, start=start, end=end, recurrence=recurrence or Recurrence())
    return ScheduleEvent(name=name, when=when, action=action, **kwargs)  # type: ignore[arg-type]


def schedule(*events: ScheduleEvent, default: Action = Action.CLOSED) -> Schedule:
    return Schedule(
        events=events, default=DefaultEvent(action=default), time_zone="Europe/Brussels"
    )


def manual_schedule() -> Schedule:
    """The manual's schedule of 5901 'Nederlands Orange labo'."""
    newyear = ScheduleEvent(
        name="newyear",
        when=Yearly(
            start=(1, 1, time(0)),
            end=(1, 2, time(0)),
            recurrence=Recurrence(first=date(2020, 1, 1)),
        ),
        action=Action.CLOSED,
        instruction="User unavailable",
    )
    office = weekly("Ma-Vrij", WORKDAYS, time(9), time(18))
    return schedule(newyear, office)


# -- the manual's example ---------------------------------------------------------------


def test_manual_schedule_is_open_on_weekdays_during_office_hours() -> None:
    s = manual_schedule()
    assert s.state_at(bxl(2026, 11, 26, 10, 0)) == OPEN  # a Thursday
    assert s.state_at(bxl(2026, 11, 28, 10, 0)) == CLOSED  # a Saturday
    assert s.state_at(bxl(2026, 11, 26, 20, 0)) == CLOSED


def test_manual_newyear_overrides_office_hours_with_its_instruction() -> None:
    s = manual_schedule()
    assert s.state_at(bxl(2027, 1, 1, 10, 0)) == UNAVAILABLE  # a Friday
    assert s.state_at(bxl(2027, 1, 1, 23, 59, 59)) == UNAVAILABLE
    assert s.state_at(bxl(2027, 1, 2, 0, 0)) == CLOSED
    assert s.state_at(bxl(2019, 1, 1, 10, 0)) == OPEN  # before its first date (a Tuesday)


# -- contract: wall clock in the organisation's time zone ---------------------------------


def test_times_are_wall_clock_times_of_the_organisations_zone() -> None:
    s = Schedule(events=(weekly("office", WORKDAYS, time(9), time(18)),))
    instant = datetime(2026, 6, 1, 7, 30, tzinfo=UTC)  # Monday 09:30 in Brussels, 03:30 in NY
    assert s.state_at(instant, "Europe/Brussels") == OPEN
    assert s.state_at(instant, "America/New_York") == CLOSED


def test_a_zone_given_as_zoneinfo_reuses_the_compiled_engine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s = Schedule(events=(weekly("office", WORKDAYS, time(9), time(18)),))
    zone = ZoneInfo("America/New_York")
    instant = datetime(2026, 6, 1, 7, 30, tzinfo=UTC)  # Monday 03:30 in New York
    assert s.state_at(instant, zone) == CLOSED
    calls: list[object] = []
    compiled = Schedule.compiled
    monkeypatch.setattr(
        Schedule, "compiled", lambda self, z=None: calls.append(z) or compiled(self, z)
    )
    later = datetime(2026, 6, 1, 14, 0, tzinfo=UTC)  # Monday 10:00 in New York
    assert [s.state_at(later, zone), s.state_at(later, "America/New_York")] == [OPEN, OPEN]
    assert calls == []  # both spellings of the zone found the engine already compiled


def test_a_schedules_own_time_zone_overrides_the_organisations() -> None:
    s = Schedule(events=(weekly("office", WORKDAYS, time(9), time(18)),), time_zone="Asia/Tokyo")
    instant = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)  # Monday 10:00 in Tokyo
    assert s.state_at(instant, "Europe/Brussels") == OPEN


def test_without_any_time_zone_the_question_is_refused() -> None:
    s = Schedule(events=(weekly("office", WORKDAYS, time(9), time(18)),))
    with pytest.raises(ScheduleError, match="time zone"):
        s.state_at(datetime(2026, 6, 1, tzinfo=UTC))


# -- contract: half-open [start, end) ------------------------------------------------------


def test_an_occurrence_covers_its_start_but_not_its_end() -> None:
    s = schedule(weekly("office", WORKDAYS, time(9), time(18)))
    assert s.state_at(bxl(2026, 11, 26, 8, 59, 59)) == CLOSED
    assert s.state_at(bxl(2026, 11, 26, 9, 0, 0)) == OPEN
    assert s.state_at(bxl(2026, 11, 26, 17, 59, 59)) == OPEN
    assert s.state_at(bxl(2026, 11, 26, 18, 0, 0)) == CLOSED
    just_before_end = bxl(2026, 11, 26, 18, 0) - timedelta(microseconds=1)
    assert s.state_at(just_before_end) == OPEN


# -- contract: daylight saving time ------------------------------------------------------


def test_a_wall_time_skipped_by_spring_forward_never_occurs() -> None:
    # 2026-03-29 in Brussels: 02:00 CET jumps to 03:00 CEST
    s = schedule(weekly("gap", (SUN,), time(2), time(3)))
    day_start = bxl(2026, 3, 29, 0, 0)
    grid = [day_start + timedelta(seconds=k) for k in range(0, 24 * 3600, 60)]
    assert all(s.state_at(t) == CLOSED for t in grid)
    assert s.changes(bxl(2026, 3, 28), bxl(2026, 3, 30)) == ()


def test_an_occurrence_starting_in_the_gap_begins_when_the_clock_reaches_it() -> None:
    s = schedule(weekly("late", (SUN,), time(2, 30), time(4)))
    change = s.next_change(bxl(2026, 3, 29, 0, 0))
    assert change is not None
    assert change.at == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST
    assert change.state == OPEN
    assert s.state_at(datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC)) == CLOSED


def test_a_wall_time_repeated_by_fall_back_is_covered_on_both_passes() -> None:
    # 2026-10-25 in Brussels: 03:00 CEST falls back to 02:00 CET; 02:00-03:00 happens twice
    s = schedule(weekly("twice", (SUN,), time(2, 15), time(2, 45)))
    first = datetime(2026, 10, 25, 2, 30, tzinfo=BRUSSELS, fold=0)
    second = datetime(2026, 10, 25, 2, 30, tzinfo=BRUSSELS, fold=1)
    assert second - first == timedelta(0)  # same wall time …
    assert second.timestamp() - first.timestamp() == 3600  # … an hour apart
    assert s.state_at(first) == OPEN
    assert s.state_at(second) == OPEN
    assert s.state_at(datetime(2026, 10, 25, 1, 0, tzinfo=UTC)) == CLOSED  # 02:00 CET … 2:59
    opened = [c.at.astimezone(UTC) for c in s.changes(bxl(2026, 10, 25), bxl(2026, 10, 26))]
    assert opened == [
        datetime(2026, 10, 25, 0, 15, tzinfo=UTC),
        datetime(2026, 10, 25, 0, 45, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 15, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 45, tzinfo=UTC),
    ]


def test_an_occurrence_ending_in_the_repeated_hour_covers_it_again_on_the_second_pass() -> None:
    # [00:00, 02:30) on the fall-back night: covered until 02:30 CEST, not 02:30-03:00 CEST,
    # covered again from 02:00 CET until 02:30 CET, because only the wall time counts
    s = schedule(weekly("night", (SUN,), time(0), time(2, 30)))
    found = s.changes(bxl(2026, 10, 25, 1, 0), bxl(2026, 10, 25, 12, 0))
    assert [(c.at.astimezone(UTC).strftime("%H:%M"), c.state) for c in found] == [
        ("00:30", CLOSED),
        ("01:00", OPEN),
        ("01:30", CLOSED),
    ]


def test_daylight_saving_in_another_zone() -> None:
    # New York 2026: 02:00 EST jumps to 03:00 EDT on Mar 8; 02:00 EDT falls to 01:00 EST on Nov 1
    gap = Schedule(events=(weekly("gap", (SUN,), time(2), time(3)),), time_zone="America/New_York")
    assert gap.changes(datetime(2026, 3, 7, tzinfo=UTC), datetime(2026, 3, 10, tzinfo=UTC)) == ()
    twice = Schedule(
        events=(weekly("twice", (SUN,), time(1, 15), time(1, 45)),), time_zone="America/New_York"
    )
    fall = twice.changes(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC))
    assert [c.at.astimezone(UTC).strftime("%H:%M") for c in fall] == [
        "05:15",
        "05:45",
        "06:15",
        "06:45",
    ]
    assert [c.state for c in fall] == [OPEN, CLOSED, OPEN, CLOSED]


# -- contract: precedence -----------------------------------------------------------------


def test_the_first_covering_event_wins_else_the_default() -> None:
    lunch = weekly(
        "lunch",
        WORKDAYS,
        time(12),
        time(13),
        Action.FORWARD,
        forward_to=ForwardTarget(number="+3292470680"),
    )
    office = weekly("office", WORKDAYS, time(9), time(18))
    s = schedule(lunch, office)
    assert s.state_at(bxl(2026, 11, 26, 12, 30)).action is Action.FORWARD
    assert s.state_at(bxl(2026, 11, 26, 11, 0)) == OPEN
    assert s.state_at(bxl(2026, 11, 26, 19, 0)) == CLOSED
    assert s.move("office", 0).state_at(bxl(2026, 11, 26, 12, 30)) == OPEN


def test_changing_the_default_changes_only_uncovered_instants() -> None:
    s = schedule(weekly("office", WORKDAYS, time(9), time(18))).set_default(
        Action.CLOSED, instruction="closed prompt"
    )
    assert s.state_at(bxl(2026, 11, 26, 20, 0)) == ScheduleState(
        action=Action.CLOSED, instruction="closed prompt"
    )
    assert s.state_at(bxl(2026, 11, 26, 10, 0)) == OPEN


# -- contract: weekly days and times ---------------------------------------------------------


def test_a_weekly_event_whose_end_is_not_after_its_start_runs_into_the_next_day() -> None:
    s = schedule(weekly("night", (FRI,), time(22), time(6)))
    assert s.state_at(bxl(2026, 11, 27, 22, 0)) == OPEN  # Friday
    assert s.state_at(bxl(2026, 11, 28, 2, 0)) == OPEN  # Saturday 02:00
    assert s.state_at(bxl(2026, 11, 28, 5, 59, 59)) == OPEN
    assert s.state_at(bxl(2026, 11, 28, 6, 0)) == CLOSED
    assert s.state_at(bxl(2026, 11, 27, 2, 0)) == CLOSED  # Friday early: Thursday has none


def test_end_midnight_is_the_midnight_that_ends_the_day() -> None:
    s = schedule(weekly("evening", (MON,), time(18), time(0)))
    assert s.state_at(bxl(2026, 11, 30, 23, 59, 59)) == OPEN  # Monday
    assert s.state_at(bxl(2026, 12, 1, 0, 0)) == CLOSED  # Tuesday
    assert s.state_at(bxl(2026, 11, 30, 0, 0)) == CLOSED  # not the midnight starting Monday


def test_start_equal_to_end_is_24_hours() -> None:
    s = schedule(weekly("day", (MON,), time(9), time(9)))
    assert s.state_at(bxl(2026, 11, 30, 9, 0)) == OPEN
    assert s.state_at(bxl(2026, 12, 1, 8, 59, 59)) == OPEN
    assert s.state_at(bxl(2026, 12, 1, 9, 0)) == CLOSED
    assert Weekly(days=(MON,), start=time(0), end=time(0)).duration_seconds == 86_400


def test_a_24_hour_weekly_event_is_24_real_hours_except_on_dst_days() -> None:
    s = schedule(weekly("sunday", (SUN,), time(0), time(0)))
    spring = s.changes(bxl(2026, 3, 28), bxl(2026, 3, 31))
    assert spring[1].epoch - spring[0].epoch == 23 * 3600
    fall = s.changes(bxl(2026, 10, 24), bxl(2026, 10, 27))
    assert fall[1].epoch - fall[0].epoch == 25 * 3600


# -- contract: recurrence bounds -------------------------------------------------------------


def test_until_keeps_occurrences_that_start_on_or_before_the_date() -> None:
    bounded = Recurrence(until=date(2026, 11, 27))  # a Friday
    s = schedule(weekly("night", (FRI,), time(22), time(6), recurrence=bounded))
    assert s.state_at(bxl(2026, 11, 28, 2, 0)) == OPEN  # started Friday 27, runs into 28
    assert s.state_at(bxl(2026, 12, 4, 23, 0)) == CLOSED  # the next Friday is after until


def test_first_date_drops_earlier_occurrences() -> None:
    s = schedule(
        weekly(
            "office", WORKDAYS, time(9), time(18), recurrence=Recurrence(first=date(2026, 11, 26))
        )
    )
    assert s.state_at(bxl(2026, 11, 25, 10, 0)) == CLOSED
    assert s.state_at(bxl(2026, 11, 26, 10, 0)) == OPEN


def test_after_n_counts_generated_weekly_occurrences() -> None:
    # first date Tuesday 2026-11-24, Mondays and Wednesdays: Wed 25, Mon 30, Wed Dec 2
    three = Recurrence(first=date(2026, 11, 24), count=3)
    s = schedule(weekly("mw", (MON, WED), time(9), time(10), recurrence=three))
    assert s.state_at(bxl(2026, 11, 24, 9, 30)) == CLOSED  # Tuesday is not generated
    assert s.state_at(bxl(2026, 11, 25, 9, 30)) == OPEN
    assert s.state_at(bxl(2026, 11, 30, 9, 30)) == OPEN
    assert s.state_at(bxl(2026, 12, 2, 9, 30)) == OPEN
    assert s.state_at(bxl(2026, 12, 7, 9, 30)) == CLOSED
    assert s.next_change(bxl(2026, 12, 2, 9, 30)) is not None
    assert s.next_change(bxl(2026, 12, 2, 10, 0)) is None


def test_after_n_counts_only_leap_years_for_a_feb_29_event() -> None:
    leap_day = Yearly(
        start=(2, 29, time(0)),
        end=(2, 29, time(12)),
        recurrence=Recurrence(first=date(2023, 1, 1), count=2),
    )
    s = schedule(ScheduleEvent(name="leap", when=leap_day, action=Action.OPEN))
    assert s.state_at(bxl(2024, 2, 29, 6, 0)) == OPEN
    assert s.state_at(bxl(2028, 2, 29, 6, 0)) == OPEN
    assert s.state_at(bxl(2032, 2, 29, 6, 0)) == CLOSED


def test_a_yearly_feb_29_event_occurs_only_in_leap_years() -> None:
    leap_day = Yearly(start=(2, 29, time(0)), end=(3, 1, time(0)))
    s = schedule(ScheduleEvent(name="leap", when=leap_day, action=Action.OPEN))
    assert s.state_at(bxl(2028, 2, 29, 12, 0)) == OPEN
    assert s.state_at(bxl(2027, 2, 28, 12, 0)) == CLOSED
    assert s.state_at(bxl(2027, 3, 1, 12, 0)) == CLOSED
    assert s.state_at(bxl(2100, 3, 1, 12, 0)) == CLOSED  # 2100 is not a leap year
    assert len(s.changes(bxl(2025, 1, 1), bxl(2033, 1, 1))) == 4  # 2028 and 2032


def test_a_yearly_event_whose_end_is_not_after_its_start_ends_next_year() -> None:
    holidays = Yearly(start=(12, 24, time(12)), end=(1, 2, time(0)))
    s = schedule(ScheduleEvent(name="xmas", when=holidays, action=Action.OPEN))
    assert s.state_at(bxl(2026, 12, 31, 23, 59, 59)) == OPEN
    assert s.state_at(bxl(2027, 1, 1, 0, 0)) == OPEN
    assert s.state_at(bxl(2027, 1, 2, 0, 0)) == CLOSED
    assert s.state_at(bxl(2026, 12, 24, 11, 59, 59)) == CLOSED


def test_a_once_event_covers_its_interval_only() -> None:
    once = Once(start=datetime(2026, 12, 31, 16), end=datetime(2027, 1, 1, 2))
    s = schedule(ScheduleEvent(name="party", when=once, action=Action.OPEN))
    assert s.state_at(bxl(2026, 12, 31, 16, 0)) == OPEN
    assert s.state_at(bxl(2027, 1, 1, 1, 59, 59)) == OPEN
    assert s.state_at(bxl(2027, 1, 1, 2, 0)) == CLOSED
    assert s.next_change(bxl(2027, 1, 1, 2, 0)) is None


# -- questions -------------------------------------------------------------------------------


def test_the_answer_does_not_depend_on_the_zone_the_instant_is_given_in() -> None:
    s = manual_schedule()
    instant = bxl(2026, 11, 26, 9, 0)
    for zone in (UTC, NEW_YORK, ZoneInfo("Asia/Kolkata")):
        assert s.state_at(instant.astimezone(zone)) == OPEN
    assert s.state_at(instant.timestamp()) == OPEN


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ScheduleError, match="no time zone"):
        manual_schedule().state_at(datetime(2026, 11, 26, 10, 0))
    with pytest.raises(ScheduleError):
        manual_schedule().next_change(datetime(2026, 11, 26, 10, 0))


def test_a_boundary_that_keeps_the_state_is_not_a_change() -> None:
    morning = weekly("morning", WORKDAYS, time(9), time(12))
    afternoon = weekly("afternoon", WORKDAYS, time(12), time(18))
    s = schedule(morning, afternoon)
    change = s.next_change(bxl(2026, 11, 26, 9, 30))
    assert change is not None
    assert change.at == bxl(2026, 11, 26, 18, 0)
    assert change.previous == OPEN
    assert change.state == CLOSED


def test_an_instruction_change_is_a_change() -> None:
    s = manual_schedule()
    change = s.next_change(bxl(2026, 12, 31, 20, 0))
    assert change == Change(at=bxl(2027, 1, 1, 0, 0), state=UNAVAILABLE, previous=CLOSED)


def test_next_change_is_none_when_the_state_never_changes() -> None:
    assert schedule().next_change(bxl(2026, 1, 1)) is None
    same = weekly("closed anyway", WORKDAYS, time(9), time(18), Action.CLOSED)
    assert schedule(same).next_change(bxl(2026, 1, 1)) is None
    always = weekly("always", tuple(Weekday), time(0), time(0))
    assert schedule(always).next_change(bxl(2026, 1, 1)) is None


def test_next_change_crosses_years() -> None:
    s = manual_schedule()
    change = s.next_change(bxl(2027, 12, 31, 18, 0))  # Friday evening
    assert change is not None
    assert change.at == bxl(2028, 1, 1, 0, 0)


def test_changes_lists_every_change_in_a_half_open_range() -> None:
    s = manual_schedule()
    week = s.changes(bxl(2026, 11, 23, 9, 0), bxl(2026, 11, 30, 9, 0))
    assert len(week) == 10
    assert week[0].at == bxl(2026, 11, 23, 9, 0)
    assert week[-1].at == bxl(2026, 11, 27, 18, 0)
    assert all(a.at < b.at for a, b in itertools.pairwise(week))
    assert s.changes(bxl(2026, 11, 30), bxl(2026, 11, 23)) == ()
    assert all(c.at.tzinfo == BRUSSELS for c in week)


def test_states_at_answers_an_array_like_state_at() -> None:
    s = manual_schedule()
    instants = [bxl(2026, 11, 26, 10), bxl(2026, 11, 26, 20), bxl(2027, 1, 1, 10)]
    codes = s.states_at(np.array([t.timestamp() for t in instants]))
    assert [s.states[c] for c in codes] == [OPEN, CLOSED, UNAVAILABLE]
    as_datetime64 = np.array(
        [t.astimezone(UTC).replace(tzinfo=None) for t in instants], "datetime64[s]"
    )
    assert (s.states_at(as_datetime64) == codes).all()
    engine = s.compiled()
    assert [tuple(Action)[a] for a in engine.actions_at([instants[0].timestamp()])] == [Action.OPEN]


def test_states_on_a_grid() -> None:
    s = manual_schedule()
    engine = s.compiled()
    start = bxl(2026, 11, 23)
    grid = engine.states_on_grid(start, timedelta(minutes=30), 48 * 7)
    open_code = s.states.index(OPEN)
    assert int((grid == open_code).sum()) == 5 * 18  # 5 days × 9 h × 2 half hours


def test_the_status_list_of_a_fleet_in_one_call() -> None:
    manual = manual_schedule()
    always_open = schedule(weekly("always", tuple(Weekday), time(0), time(0)))
    closed = schedule()
    fleet = [manual, always_open, closed]
    at = bxl(2026, 11, 26, 10, 0)
    assert states_at_instant(fleet, at) == (OPEN, OPEN, CLOSED)
    assert states_at_instant(fleet, bxl(2026, 11, 26, 20, 0)) == (CLOSED, OPEN, CLOSED)
    prepared = ScheduleFleet(fleet)
    assert prepared.states_at(at) == (OPEN, OPEN, CLOSED)
    assert prepared.actions_at(at).tolist() == [
        Action.OPEN.code,
        Action.OPEN.code,
        Action.CLOSED.code,
    ]


# -- editing -----------------------------------------------------------------------------------


def test_editing_returns_a_new_schedule_and_leaves_the_old_one_alone() -> None:
    s = manual_schedule()
    at = bxl(2027, 1, 1, 10, 0)
    assert s.state_at(at) == UNAVAILABLE  # compiled and cached
    edited = s.remove("newyear")
    assert edited.state_at(at) == OPEN
    assert s.state_at(at) == UNAVAILABLE
    assert [e.name for e in s.move("newyear", -1).events] == ["Ma-Vrij", "newyear"]


def test_insert_move_replace_remove() -> None:
    a = weekly("a", (MON,), time(9), time(10))
    b = weekly("b", (TUE,), time(9), time(10))
    c = weekly("c", (WED,), time(9), time(10))
    s = schedule(a).insert(b).insert(c, 0)
    assert [e.name for e in s.events] == ["c", "a", "b"]
    assert [e.name for e in s.move("b", 0).events] == ["b", "c", "a"]
    assert [e.name for e in s.move(0, 2).events] == ["a", "b", "c"]
    replaced = s.replace("a", weekly("a2", (FRI,), time(9), time(10)))
    assert [e.name for e in replaced.events] == ["c", "a2", "b"]
    assert [e.name for e in s.remove(1).events] == ["c", "b"]
    assert s.event("b") == b
    with pytest.raises(DuplicateError):
        s.insert(a)
    with pytest.raises(NotFoundError):
        s.remove("nope")
    with pytest.raises(NotFoundError):
        s.move("a", 3)


def test_the_default_event_is_closed_until_changed() -> None:
    s = Schedule()
    assert s.default == DefaultEvent(action=Action.CLOSED)
    assert s.set_default(Action.OPEN).default.action is Action.OPEN


def test_instructions_lists_every_prompt_reference() -> None:
    s = manual_schedule().set_default(Action.CLOSED, instruction="Closed")
    assert list(s.instructions()) == [
        ("event 'newyear'", "User unavailable"),
        ("default event", "Closed"),
    ]


# -- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Weekly(days=(), start=time(9), end=time(10)), "at least one weekday"),
        (lambda: Weekly(days=("xyz",), start=time(9), end=time(10)), "not a weekday"),
        (lambda: Weekly(days=(MON,), start=time(9, 0, 0, 5), end=time(10)), "whole seconds"),
        (
            lambda: Weekly(days=(MON,), start=time(9, tzinfo=UTC), end=time(10)),
            "naive time",
        ),
        (lambda: Yearly(start=(2, 30, time(0)), end=(3, 1, time(0))), "not a day of the year"),
        (lambda: Yearly(start=(2, 1, time(0)), end=(2, 29, time(0))), "02-29"),
        (lambda: Once(start=datetime(2026, 1, 2), end=datetime(2026, 1, 1)), "end after"),
        (lambda: Recurrence(until=date(2026, 1, 1), count=2), "not both"),
        (lambda: Recurrence(count=2), "first date"),
        (lambda: Recurrence(first=date(2026, 1, 1), count=0), "at least 1"),
        (lambda: Recurrence(first=date(2026, 2, 1), until=date(2026, 1, 1)), "before"),
        (
            lambda: ScheduleEvent(
                name="x",
                when=Once(start=datetime(2026, 1, 1), end=datetime(2026, 1, 2)),
                action=Action.FORWARD,
            ),
            "needs forward_to",
        ),
        (ForwardTarget, "exactly one"),
        (lambda: Schedule(time_zone="Mars/Olympus"), "not a time zone"),
    ],
)
def test_invalid_definitions_are_refused_with_a_clear_message(build: object, message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        build()  # type: ignore[operator]


def test_weekdays_are_accepted_in_several_spellings_and_stored_sorted() -> None:
    when = Weekly(days=("fri", 0, Weekday.WEDNESDAY, "monday"), start=time(9), end=time(10))
    assert when.days == (MON, WED, FRI)


# -- the engine's first and last years (regressions) ------------------------------------


def test_a_yearly_occurrence_from_the_year_before_the_first_covers_its_start() -> None:
    """1902 is the first year answered; the occurrence of 28 Feb 1901 runs into it."""
    year_long = Yearly(start=(2, 28, time(0)), end=(2, 28, time(0)))  # a whole year
    schedule = Schedule(
        events=(ScheduleEvent(name="all year", when=year_long, action=Action.OPEN),),
        time_zone="Europe/Brussels",
    )
    assert schedule.state_at(datetime(1902, 1, 1, tzinfo=UTC)) == OPEN
    assert schedule.state_at(datetime(1902, 2, 27, 23, 59, tzinfo=UTC)) == OPEN


def test_an_occurrence_on_new_years_day_after_the_last_year_covers_its_start() -> None:
    """2999 is the last year answered; at UTC+14 its last ten hours are 1 January 3000."""
    kiritimati = ZoneInfo("Pacific/Kiritimati")
    new_year = Yearly(start=(1, 1, time(0)), end=(1, 2, time(0)))
    schedule = Schedule(
        events=(ScheduleEvent(name="new year", when=new_year, action=Action.OPEN),),
        time_zone=kiritimati.key,
    )
    wall = datetime(3000, 1, 1, 0, 30, tzinfo=kiritimati)
    assert wall.astimezone(UTC).year == 2999
    assert schedule.state_at(wall) == OPEN
    assert schedule.state_at(wall.timestamp()) == OPEN
    assert schedule.state_at(datetime(2999, 12, 31, 23, 59, tzinfo=kiritimati)) == CLOSED
