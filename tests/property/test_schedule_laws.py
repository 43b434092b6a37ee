"""Laws of schedules (issue 5 item 5), checked against a brute-force oracle.

Generators are biased to daylight-saving change days (Europe/Brussels, and America/Santiago
whose clocks change at midnight), Feb 28/29, Dec 31/Jan 1, and event boundaries ± 1 s.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cloudtel.errors import ScheduleError
from cloudtel.schedules import (
    Action,
    DefaultEvent,
    Easter,
    ForwardTarget,
    Once,
    Recurrence,
    Schedule,
    ScheduleEvent,
    ScheduleFleet,
    ScheduleState,
    TimeDefinition,
    Weekday,
    Weekly,
    Yearly,
    states_at_instant,
)

ZONES = ("Europe/Brussels", "America/Santiago")
YEARS = range(2023, 2030)
LAWS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@cache
def special_days(zone_name: str) -> tuple[date, ...]:
    """DST change days (and the day before and after), Feb 28/29, Mar 1, Dec 31, Jan 1."""
    zone = ZoneInfo(zone_name)
    days: set[date] = set()
    for year in YEARS:
        day = date(year, 1, 1)
        previous = datetime(year, 1, 1, 12, tzinfo=UTC).astimezone(zone).utcoffset()
        while day.year == year:
            offset = datetime.combine(day, time(12), UTC).astimezone(zone).utcoffset()
            if offset != previous:
                days.update(day + timedelta(k) for k in (-2, -1, 0, 1))
            previous = offset
            day += timedelta(1)
        days.update({date(year, 2, 28), date(year, 3, 1), date(year, 12, 31), date(year, 1, 1)})
        if year % 4 == 0:
            days.add(date(year, 2, 29))
    return tuple(sorted(days))


SPECIAL_TIMES = tuple(
    time(h, m) for h, m in [(0, 0), (1, 0), (1, 30), (2, 0), (2, 30), (3, 0), (9, 0), (23, 0)]
)
times = st.one_of(
    st.sampled_from(SPECIAL_TIMES),
    st.builds(
        time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]), st.sampled_from([0, 0, 59])
    ),
)
any_days = st.dates(min_value=date(2023, 1, 1), max_value=date(2029, 12, 31))


def days_near(zone_name: str) -> st.SearchStrategy[date]:
    return st.one_of(st.sampled_from(special_days(zone_name)), any_days)


recurrences = st.one_of(
    st.just(Recurrence()),
    st.builds(lambda first: Recurrence(first=first), any_days),
    st.builds(lambda until: Recurrence(until=until), any_days),
    st.builds(
        lambda first, count: Recurrence(first=first, count=count),
        any_days,
        st.integers(1, 120),
    ),
)
month_days = st.one_of(
    st.sampled_from(
        [(2, 28), (2, 29), (3, 1), (12, 31), (1, 1), (3, 29), (10, 25), (4, 5), (9, 6)]
    ),
    st.builds(lambda d: (d.month, d.day), st.dates(date(2024, 1, 1), date(2024, 12, 31))),
)


@st.composite
def yearlies(draw: st.DrawFn) -> Yearly:
    start = (*draw(month_days), draw(times))
    end = (*draw(month_days), draw(times))
    if end[:2] == (2, 29) and not (start[:2] == (2, 29) and end > start):
        end = (3, 1, end[2])
    return Yearly(start=start, end=end, recurrence=draw(recurrences))


@st.composite
def onces(draw: st.DrawFn) -> Once:
    start = datetime.combine(draw(any_days), draw(times))
    length = draw(st.sampled_from([1, 59, 3600, 5400, 86_400, 3 * 86_400, 40 * 86_400]))
    return Once(start=start, end=start + timedelta(seconds=length))


weeklies = st.builds(
    Weekly,
    days=st.frozensets(st.sampled_from(tuple(Weekday)), min_size=1).map(tuple),
    start=times,
    end=times,
    recurrence=recurrences,
)
easters = st.builds(
    Easter,
    offset=st.sampled_from([-80, -2, 0, 1, 39, 49, 50, 250]) | st.integers(-80, 250),
    start=times,
    end=times,
    recurrence=recurrences,
)
whens: st.SearchStrategy[TimeDefinition] = st.one_of(weeklies, yearlies(), easters, onces())
targets = st.sampled_from(
    [ForwardTarget(number="+3292470680"), ForwardTarget(user="jan"), ForwardTarget(user="an")]
)


@st.composite
def states(draw: st.DrawFn) -> ScheduleState:
    action = draw(st.sampled_from(tuple(Action)))
    return ScheduleState(
        action=action,
        forward_to=draw(targets) if action is Action.FORWARD else None,
        instruction=draw(st.sampled_from([None, None, "User unavailable", "Lunch"])),
        language_instructions=draw(
            st.sampled_from([(), (), (("fr", "Fermé"),), (("en", "Closed"), ("fr", "Fermé"))])
        ),
    )


def event_of(name: str, when: TimeDefinition, state: ScheduleState) -> ScheduleEvent:
    return ScheduleEvent(
        name=name,
        when=when,
        action=state.action,
        forward_to=state.forward_to,
        instruction=state.instruction,
        language_instructions=state.language_instructions,
    )


def default_of(state: ScheduleState) -> DefaultEvent:
    return DefaultEvent(
        action=state.action,
        forward_to=state.forward_to,
        instruction=state.instruction,
        language_instructions=state.language_instructions,
    )


@st.composite
def schedules(draw: st.DrawFn, max_events: int = 4) -> Schedule:
    count = draw(st.integers(0, max_events))
    events = tuple(event_of(f"e{i}", draw(whens), draw(states())) for i in range(count))
    return Schedule(
        events=events, default=default_of(draw(states())), time_zone=draw(st.sampled_from(ZONES))
    )


@st.composite
def instants(draw: st.DrawFn, schedule: Schedule) -> float:
    """UTC epoch seconds near DST days, special dates and the schedule's boundaries."""
    zone_name = schedule.time_zone
    assert zone_name is not None
    zone = ZoneInfo(zone_name)
    bound_days = [d for event in schedule.events for d in _bound_days(event.when)]
    bound_days += [
        event.when.day(year)
        for event in schedule.events
        if isinstance(event.when, Easter)
        for year in YEARS
    ]
    if bound_days and draw(st.integers(0, 2)) == 0:
        day = draw(st.sampled_from(bound_days)) + timedelta(draw(st.integers(-1, 1)))
    else:
        day = draw(days_near(zone_name))
    boundaries = [
        t
        for event in schedule.events
        for t in (event.when.start, event.when.end)
        if isinstance(t, time)
    ] + [e.when.start[2] for e in schedule.events if isinstance(e.when, Yearly)]
    wall_time = draw(st.sampled_from(boundaries) if boundaries and draw(st.booleans()) else times)
    wall = datetime.combine(day, wall_time)
    for event in schedule.events:
        if isinstance(event.when, Once) and draw(st.integers(0, 3)) == 0:
            wall = draw(st.sampled_from([event.when.start, event.when.end]))
    aware = wall.replace(tzinfo=zone, fold=draw(st.integers(0, 1)))
    nudge = draw(st.sampled_from([0, 0, -1, 1, -0.25, 0.5]))
    return aware.timestamp() + nudge


@lru_cache(maxsize=10_000)
def _bound_days(when: TimeDefinition) -> tuple[date, ...]:
    """The first date, the until date, and the last and next generated day of a count."""
    if isinstance(when, Once):
        return ()
    bounds = when.recurrence
    days = [d for d in (bounds.first, bounds.until) if d is not None]
    if bounds.count is not None and bounds.first is not None:
        seen, current = 0, bounds.first
        while seen <= bounds.count and current.year < 2040:
            if _generated(when, current):
                seen += 1
                if seen >= bounds.count:
                    days.append(current)
            current += timedelta(1)
    return tuple(days)


# -- the oracle: coverage straight from the contract -------------------------------------


def _generated(when: Weekly | Yearly | Easter, day: date) -> bool:
    if isinstance(when, Weekly):
        return Weekday.of(day) in when.days
    if isinstance(when, Easter):
        return day == when.day(day.year)
    return (day.month, day.day) == when.start[:2]


@lru_cache(maxsize=100_000)
def _allowed(when: Weekly | Yearly | Easter, day: date) -> bool:
    """Whether an occurrence starting on ``day`` is kept by the recurrence bounds."""
    bounds = when.recurrence
    if bounds.first is not None and day < bounds.first:
        return False
    if bounds.until is not None and day > bounds.until:
        return False
    if bounds.count is not None:
        assert bounds.first is not None
        seen = 0
        current = bounds.first
        while current <= day:
            seen += _generated(when, current)
            current += timedelta(1)
        return seen <= bounds.count
    return True


def covers(when: TimeDefinition, t: float, zone: ZoneInfo) -> bool:
    """Whether the local wall-clock time of instant ``t`` is inside an occurrence."""
    wall = datetime.fromtimestamp(t, zone).replace(tzinfo=None, fold=0)
    if isinstance(when, Once):
        return when.start <= wall < when.end
    if isinstance(when, Weekly):
        for day in (wall.date() - timedelta(1), wall.date()):
            if Weekday.of(day) in when.days and _allowed(when, day):
                start = datetime.combine(day, when.start)
                if start <= wall < start + timedelta(seconds=when.duration_seconds):
                    return True
        return False
    if isinstance(when, Easter):
        for day in (wall.date() - timedelta(1), wall.date()):
            if day == when.day(day.year) and _allowed(when, day):
                start = datetime.combine(day, when.start)
                if start <= wall < start + timedelta(seconds=when.duration_seconds):
                    return True
        return False
    (sm, sd, st_), (em, ed, et) = when.start, when.end
    for year in (wall.year - 1, wall.year):
        try:
            day = date(year, sm, sd)
        except ValueError:  # Feb 29 of a common year: not generated
            continue
        if not _allowed(when, day):
            continue
        start = datetime.combine(day, st_)
        end_year = year + 1 if (em, ed, et) <= (sm, sd, st_) else year
        if start <= wall < datetime.combine(date(end_year, em, ed), et):
            return True
    return False


def expected_state(schedule: Schedule, t: float) -> ScheduleState:
    assert schedule.time_zone is not None
    zone = ZoneInfo(schedule.time_zone)
    for event in schedule.events:
        if covers(event.when, t, zone):
            return event.state
    return schedule.default.state


def covered(schedule: Schedule, t: float) -> bool:
    assert schedule.time_zone is not None
    zone = ZoneInfo(schedule.time_zone)
    return any(covers(event.when, t, zone) for event in schedule.events)


# -- the laws -----------------------------------------------------------------------------


@LAWS
@given(st.data(), schedules())
def test_first_match_wins(data: st.DataObject, schedule: Schedule) -> None:
    for _ in range(5):
        t = data.draw(instants(schedule))
        assert schedule.state_at(t) == expected_state(schedule, t), t


@LAWS
@given(st.data(), schedules(max_events=3), whens, states())
def test_appending_at_the_bottom_never_changes_a_covered_instant(
    data: st.DataObject, schedule: Schedule, when: TimeDefinition, state: ScheduleState
) -> None:
    appended = schedule.insert(event_of("new", when, state))
    for _ in range(5):
        t = data.draw(instants(appended))
        if covered(schedule, t):
            assert appended.state_at(t) == schedule.state_at(t)


@LAWS
@given(st.data(), schedules().filter(lambda s: len(s.events) > 0))
def test_moving_an_event_to_the_top_makes_it_win_where_it_covers(
    data: st.DataObject, schedule: Schedule
) -> None:
    index = data.draw(st.integers(0, len(schedule.events) - 1))
    event = schedule.events[index]
    moved = schedule.move(index, 0)
    assert moved.time_zone is not None
    zone = ZoneInfo(moved.time_zone)
    for _ in range(5):
        t = data.draw(instants(moved))
        if covers(event.when, t, zone):
            assert moved.state_at(t) == event.state
        else:
            assert moved.state_at(t) == schedule.state_at(t)


@LAWS
@given(st.data(), schedules(), states())
def test_changing_the_default_changes_exactly_the_uncovered_instants(
    data: st.DataObject, schedule: Schedule, state: ScheduleState
) -> None:
    changed = schedule.set_default(default_of(state))
    for _ in range(5):
        t = data.draw(instants(schedule))
        if covered(schedule, t):
            assert changed.state_at(t) == schedule.state_at(t)
        else:
            assert changed.state_at(t) == state


@LAWS
@given(st.data(), schedules(), st.sampled_from(["UTC", "Asia/Kolkata", "America/Santiago"]))
def test_the_answer_does_not_depend_on_the_zone_of_the_instant(
    data: st.DataObject, schedule: Schedule, other: str
) -> None:
    t = data.draw(instants(schedule))
    assert schedule.time_zone is not None
    answer = schedule.state_at(t)
    for zone in (schedule.time_zone, other):
        assert schedule.state_at(datetime.fromtimestamp(t, ZoneInfo(zone))) == answer


@LAWS
@given(st.data(), schedules())
def test_states_are_constant_between_changes_and_next_change_agrees(
    data: st.DataObject, schedule: Schedule
) -> None:
    start = data.draw(instants(schedule))
    end = start + data.draw(st.sampled_from([3600, 86_400, 8 * 86_400]))
    found = schedule.changes(start, end)
    state = schedule.state_at(start - 1e-3)  # changes() includes a change at start itself
    cursor = start - 1e-3
    for change in found:
        assert change.previous == state != change.state
        assert schedule.state_at(change.epoch) == change.state
        assert schedule.state_at(change.epoch - 1) == change.previous
        following = schedule.next_change(cursor)
        assert following == change
        # constant in between: sample the open interval
        for t in np.linspace(cursor, change.epoch, 5, endpoint=False)[1:]:
            assert schedule.state_at(float(t)) == state
        state, cursor = change.state, change.epoch
    following = schedule.next_change(cursor)
    assert following is None or following.epoch >= end


@LAWS
@given(st.data(), schedules())
def test_vectorised_answers_equal_scalar_ones(data: st.DataObject, schedule: Schedule) -> None:
    points = [data.draw(instants(schedule)) for _ in range(8)]
    codes = schedule.states_at(np.array(points))
    assert [schedule.states[c] for c in codes] == [schedule.state_at(t) for t in points]
    start = points[0]
    grid = schedule.compiled().states_on_grid(start, 600, 300)
    expected = schedule.states_at(start + 600 * np.arange(300))
    assert (grid == expected).all()


@LAWS
@given(st.data(), st.lists(schedules(max_events=2), min_size=1, max_size=5))
def test_a_fleet_answers_like_each_schedule(data: st.DataObject, fleet: list[Schedule]) -> None:
    t = data.draw(instants(fleet[0]))
    expected = tuple(s.state_at(t) for s in fleet)
    assert states_at_instant(fleet, t) == expected
    assert ScheduleFleet(fleet).states_at(t) == expected


@LAWS
@given(st.data(), st.lists(schedules(max_events=3), min_size=1, max_size=6))
def test_a_fleet_compiled_together_answers_like_the_oracle_on_every_day(
    data: st.DataObject, fleet: list[Schedule]
) -> None:
    # fresh schedules: nothing compiled one by one, the fleet compiles them all at once
    fresh = [Schedule(events=s.events, default=s.default, time_zone=s.time_zone) for s in fleet]
    prepared = ScheduleFleet(fresh)
    for _ in range(3):  # several instants, on different days (a new day index each)
        t = data.draw(instants(fleet[data.draw(st.integers(0, len(fleet) - 1))]))
        expected = tuple(expected_state(s, t) for s in fleet)
        assert prepared.states_at(t) == expected, t
        # the engines share what the fleet compiled and answer alike on their own
        assert tuple(s.state_at(t) for s in fresh) == expected, t


@LAWS
@given(st.data(), schedules(), st.integers(0, 1))
def test_a_datetime_in_the_schedules_own_zone_is_read_as_its_instant(
    data: st.DataObject, schedule: Schedule, fold: int
) -> None:
    """Wall times that are repeated (either pass) or skipped by a clock change included."""
    assert schedule.time_zone is not None
    zone = ZoneInfo(schedule.time_zone)
    fresh = Schedule(events=schedule.events, default=schedule.default, time_zone=zone.key)
    for _ in range(4):
        wall = datetime.combine(data.draw(days_near(zone.key)), data.draw(times))
        aware = wall.replace(tzinfo=zone, fold=fold)
        expected = expected_state(schedule, aware.timestamp())
        # the first question about a year compiles it, the next ones take the fast path
        assert [fresh.state_at(aware) for _ in range(2)] == [expected, expected], aware


@LAWS
@given(schedules(), st.sampled_from(list(YEARS)), st.integers(1, 5))
def test_compiling_a_longer_horizon_changes_nothing_inside_a_shorter_one(
    schedule: Schedule, year: int, more: int
) -> None:
    short = Schedule(events=schedule.events, default=schedule.default, time_zone=schedule.time_zone)
    long = Schedule(events=schedule.events, default=schedule.default, time_zone=schedule.time_zone)
    long.compiled().compile_years(year - more, year + more)
    for a, b in zip(
        short.compiled().year_changes(year), long.compiled().year_changes(year), strict=True
    ):
        assert (a == b).all()
    window = (datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC))
    assert short.changes(*window) == long.changes(*window)


def _expand(when: Yearly, years: range) -> list[Once]:
    (sm, sd, st_), (em, ed, et) = when.start, when.end
    result = []
    for year in years:
        try:
            day = date(year, sm, sd)
        except ValueError:
            continue
        if _allowed(when, day):
            end_year = year + 1 if (em, ed, et) <= (sm, sd, st_) else year
            start = datetime.combine(day, st_)
            result.append(Once(start=start, end=datetime.combine(date(end_year, em, ed), et)))
    return result


@LAWS
@given(st.data(), schedules(max_events=3), yearlies(), states())
def test_yearly_equals_its_per_year_one_off_expansion(
    data: st.DataObject, schedule: Schedule, yearly: Yearly, state: ScheduleState
) -> None:
    position = data.draw(st.integers(0, len(schedule.events)))
    with_yearly = schedule.insert(event_of("yearly", yearly, state), position)
    expanded = schedule
    for k, once in enumerate(_expand(yearly, range(2015, 2045))):
        expanded = expanded.insert(event_of(f"y{k}", once, state), position + k)
    for _ in range(5):
        t = data.draw(instants(with_yearly))
        assert with_yearly.state_at(t) == expanded.state_at(t)


def _expand_easter(when: Easter, years: range) -> list[Once]:
    result = []
    for year in years:
        day = when.day(year)
        if _allowed(when, day):
            start = datetime.combine(day, when.start)
            result.append(Once(start=start, end=start + timedelta(seconds=when.duration_seconds)))
    return result


@LAWS
@given(st.data(), schedules(max_events=3), easters, states())
def test_an_easter_rule_equals_its_per_year_one_off_expansion(
    data: st.DataObject, schedule: Schedule, easter: Easter, state: ScheduleState
) -> None:
    position = data.draw(st.integers(0, len(schedule.events)))
    with_rule = schedule.insert(event_of("easter", easter, state), position)
    expanded = schedule
    for k, once in enumerate(_expand_easter(easter, range(2015, 2045))):
        expanded = expanded.insert(event_of(f"y{k}", once, state), position + k)
    for _ in range(5):
        t = data.draw(instants(with_rule))
        assert with_rule.state_at(t) == expanded.state_at(t)


def test_refusing_a_naive_instant_is_part_of_every_question() -> None:
    schedule = Schedule(time_zone="Europe/Brussels")
    naive = datetime(2026, 1, 1)
    for question in (schedule.state_at, schedule.next_change):
        try:
            question(naive)
        except ScheduleError:
            continue
        raise AssertionError(f"{question} accepted a naive datetime")


@LAWS
@given(schedules(), st.sampled_from(["toml", "json"]))
def test_a_schedule_reads_back_from_its_org_file_form(schedule: Schedule, fmt: str) -> None:
    import json
    import tomllib

    import tomli_w

    from cloudtel.serialization import make_converter

    converter = make_converter(fmt)  # type: ignore[arg-type]
    data = converter.unstructure(schedule)
    text = tomli_w.dumps(data) if fmt == "toml" else json.dumps(data)
    parsed = tomllib.loads(text) if fmt == "toml" else json.loads(text)
    assert converter.structure(parsed, Schedule) == schedule


# -- the scalar fast paths (lookups of the year last asked about) ------------------------

EDGE_YEARS = (1902, 2999)  # the first and last year the engine answers for


@st.composite
def year_edges(draw: st.DrawFn) -> float:
    """Instants at a UTC New Year inside :data:`YEARS` or at the engine's horizon."""
    year = draw(st.sampled_from([*YEARS, YEARS.stop, EDGE_YEARS[0], EDGE_YEARS[1] + 1]))
    nudge = draw(st.sampled_from([0, -1, 1, -0.5, 0.25, -3600, 3600, -86_400]))
    return datetime(year, 1, 1, tzinfo=UTC).timestamp() + nudge


def forms(t: float, zone: ZoneInfo, other: str) -> list[datetime | float]:
    """The same instant as a float, an int (when whole), and aware datetimes in UTC, in the
    schedule's own zone (the right fold) and in another zone."""
    found: list[datetime | float] = [t]
    if t == int(t):
        found.append(int(t))
    found += [
        datetime.fromtimestamp(t, UTC),
        datetime.fromtimestamp(t, zone),
        datetime.fromtimestamp(t, ZoneInfo(other)),
    ]
    return found


@LAWS
@given(
    st.data(),
    schedules(max_events=3),
    st.sampled_from(["Asia/Kolkata", "America/Santiago", "Europe/Brussels"]),
)
def test_the_fast_paths_answer_like_the_long_way_and_the_oracle(
    data: st.DataObject, schedule: Schedule, other: str
) -> None:
    """Every kind of instant, in any order: DST days, New Years, the horizon's edges."""
    assert schedule.time_zone is not None
    zone = ZoneInfo(schedule.time_zone)
    engine = Schedule(
        events=schedule.events, default=schedule.default, time_zone=zone.key
    ).compiled()
    moments = data.draw(
        st.lists(st.one_of(instants(schedule), year_edges()), min_size=1, max_size=6)
    )
    for t in moments * 2:  # the second pass finds every year's lookups built
        inside = EDGE_YEARS[0] <= datetime.fromtimestamp(t, UTC).year <= EDGE_YEARS[1]
        for form in forms(t, zone, other):
            if not inside:
                try:
                    engine.state_at(form)
                except ScheduleError:
                    continue
                raise AssertionError(f"{form!r} is outside the engine's years")
            expected = expected_state(schedule, t)
            assert engine.state_at(form) == expected, form
            assert engine._state_at(form) == expected, form


@LAWS
@given(st.data(), schedules(max_events=3), st.integers(0, 1))
def test_a_repeated_or_skipped_wall_time_in_the_schedules_zone_is_read_by_its_fold(
    data: st.DataObject, schedule: Schedule, fold: int
) -> None:
    """Wall times near a clock change, asked after other times of that year (fast path on)."""
    assert schedule.time_zone is not None
    zone = ZoneInfo(schedule.time_zone)
    engine = Schedule(
        events=schedule.events, default=schedule.default, time_zone=zone.key
    ).compiled()
    day = data.draw(st.sampled_from(special_days(zone.key)))
    engine.state_at(datetime.combine(day, time(12), zone))  # builds that year's lookup
    for minute in range(0, 24 * 60, data.draw(st.sampled_from([30, 59, 61]))):
        wall = datetime.combine(day, time(minute // 60, minute % 60), zone).replace(fold=fold)
        assert engine.state_at(wall) == expected_state(schedule, wall.timestamp()), wall


@LAWS
@given(
    st.lists(schedules(max_events=4), min_size=1, max_size=4),
    st.sampled_from([*YEARS, *EDGE_YEARS]),
)
def test_repeating_a_painted_week_compiles_like_painting_every_occurrence(
    fleet: list[Schedule], year: int
) -> None:
    """The compiler's shortcut for weekly events in force all year, against the plain way."""
    from cloudtel.schedules._engine import _Events

    events = _Events([schedule.compiled() for schedule in fleet])
    quick = events.compile(year)
    plain = events.compile(year, repeat_weeks=False)
    for name in ("seconds", "codes", "offsets", "days"):
        assert (getattr(quick, name) == getattr(plain, name)).all(), name
