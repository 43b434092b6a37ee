"""Easter rules: holidays that move with Easter, computed for any year."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cloudtel.errors import ScheduleError
from cloudtel.schedules import (
    Action,
    DefaultEvent,
    Easter,
    Recurrence,
    Schedule,
    ScheduleEvent,
    easter_sunday,
)
from cloudtel.schedules.ical import from_ical, to_ical

BRUSSELS = ZoneInfo("Europe/Brussels")
STAMP = datetime(2025, 1, 1, tzinfo=UTC)

# Easter Sunday from published church calendars, including the earliest (March 22) and
# the latest (April 25) dates the computus gives.
KNOWN = {
    1818: date(1818, 3, 22),
    1943: date(1943, 4, 25),
    2000: date(2000, 4, 23),
    2019: date(2019, 4, 21),
    2024: date(2024, 3, 31),
    2025: date(2025, 4, 20),
    2026: date(2026, 4, 5),
    2027: date(2027, 3, 28),
    2038: date(2038, 4, 25),
    2285: date(2285, 3, 22),
}


@pytest.mark.parametrize("year", sorted(KNOWN))
def test_easter_sunday_of_known_years(year: int) -> None:
    assert easter_sunday(year) == KNOWN[year]


@given(st.integers(1583, 9999))
def test_easter_is_a_sunday_between_march_22_and_april_25(year: int) -> None:
    day = easter_sunday(year)
    assert day.weekday() == 6
    assert date(year, 3, 22) <= day <= date(year, 4, 25)


def test_a_year_before_the_gregorian_calendar_is_refused() -> None:
    with pytest.raises(ScheduleError, match="1583"):
        easter_sunday(1500)


def closed_on(when: Easter) -> Schedule:
    return Schedule(
        events=(ScheduleEvent(name="holiday", when=when, action=Action.CLOSED),),
        default=DefaultEvent(action=Action.OPEN),
        time_zone="Europe/Brussels",
    )


def action_at(schedule: Schedule, day: date, at: time) -> Action:
    return schedule.state_at(datetime.combine(day, at, BRUSSELS)).action


def test_whit_monday_is_closed_all_day_in_any_year_and_open_around_it() -> None:
    schedule = closed_on(Easter(offset=50))
    for year in (2026, 2027, 2031, 2060, 2199):
        whit_monday = easter_sunday(year) + timedelta(50)
        assert whit_monday.weekday() == 0
        assert action_at(schedule, whit_monday, time(0)) is Action.CLOSED
        assert action_at(schedule, whit_monday, time(23, 59, 59)) is Action.CLOSED
        assert action_at(schedule, whit_monday - timedelta(1), time(23, 59, 59)) is Action.OPEN
        assert action_at(schedule, whit_monday + timedelta(1), time(0)) is Action.OPEN


def test_the_next_change_after_new_year_is_the_next_easter_monday() -> None:
    schedule = closed_on(Easter(offset=1))
    change = schedule.next_change(datetime(2040, 1, 1, tzinfo=UTC))
    assert change is not None
    assert change.at == datetime(2040, 4, 2, tzinfo=BRUSSELS)
    assert change.state.action is Action.CLOSED


def test_a_part_of_the_day_and_bounds() -> None:
    # Good Friday afternoons, from 2027 on, three times
    when = Easter(
        offset=-2,
        start=time(12),
        end=time(18),
        recurrence=Recurrence(first=date(2027, 1, 1), count=3),
    )
    schedule = closed_on(when)
    assert str(when) == "easter-2 12:00:00-18:00:00 from 2027-01-01 after 3"
    for year in (2027, 2028, 2029):
        good_friday = easter_sunday(year) - timedelta(2)
        assert action_at(schedule, good_friday, time(11, 59)) is Action.OPEN
        assert action_at(schedule, good_friday, time(12)) is Action.CLOSED
        assert action_at(schedule, good_friday, time(18)) is Action.OPEN
    for year in (2026, 2030):
        good_friday = easter_sunday(year) - timedelta(2)
        assert action_at(schedule, good_friday, time(13)) is Action.OPEN


@pytest.mark.parametrize("offset", [-81, 251, 1.5, True])
def test_an_offset_outside_the_year_of_its_easter_is_refused(offset: object) -> None:
    with pytest.raises(ScheduleError, match="days from Easter Sunday between -80 and 250"):
        Easter(offset=offset)  # type: ignore[arg-type]


def test_the_ical_export_lists_the_days_for_other_calendar_programs_and_reads_back() -> None:
    import icalendar

    schedule = closed_on(Easter(offset=39))
    text = to_ical(schedule, stamp=STAMP)
    assert "X-CLOUDTEL-EASTER:39" in text
    (event,) = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert event.get("rrule") is None
    first = event.decoded("dtstart")
    assert first == datetime(2000, 6, 1, tzinfo=BRUSSELS)  # Ascension 2000
    listed = {moment.dt.date() for moment in event.get("rdate").dts}
    assert date(2026, 5, 14) in listed
    assert date(2027, 5, 6) in listed
    assert len(listed) == 99
    assert from_ical(text) == schedule


def test_an_ical_easter_rule_whose_start_is_not_an_occurrence_is_refused() -> None:
    text = to_ical(closed_on(Easter(offset=1)), stamp=STAMP)
    # a day later: Tuesday 2000-04-25 to Wednesday, no longer Easter Monday
    broken = text.replace(":20000425T", ":20000426T").replace(":20000424T", ":20000425T")
    assert broken != text
    with pytest.raises(ScheduleError, match="not an occurrence of X-CLOUDTEL-EASTER 1"):
        from_ical(broken)


def test_an_rdate_without_an_easter_rule_is_still_refused() -> None:
    text = to_ical(closed_on(Easter(offset=1)), stamp=STAMP).replace("X-CLOUDTEL-EASTER:1\r\n", "")
    with pytest.raises(ScheduleError, match="RDATE"):
        from_ical(text)
