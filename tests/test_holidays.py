"""Public holidays as Closed events (Belgium first)."""

from __future__ import annotations

import builtins
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cloudtel.errors import InvalidValueError, ScheduleError
from cloudtel.schedules import WORKDAYS, Action, Once, Schedule, ScheduleEvent, Weekly
from cloudtel.schedules.holidays import add_public_holidays, holiday_events, public_holidays

BRUSSELS = ZoneInfo("Europe/Brussels")

# The days that move with Easter, by year: Easter Monday, Ascension, Whit Monday.
MOVING = {
    2025: (date(2025, 4, 21), date(2025, 5, 29), date(2025, 6, 9)),
    2026: (date(2026, 4, 6), date(2026, 5, 14), date(2026, 5, 25)),
    2027: (date(2027, 3, 29), date(2027, 5, 6), date(2027, 5, 17)),
}


def office() -> Schedule:
    return Schedule(
        events=(
            ScheduleEvent(
                name="office hours",
                when=Weekly(days=WORKDAYS, start=time(9), end=time(18)),
                action=Action.OPEN,
            ),
        )
    )


@pytest.mark.parametrize("year", sorted(MOVING))
def test_belgian_moving_holidays(year: int) -> None:
    days = public_holidays("BE", year, language="nl")
    easter_monday, ascension, whit_monday = MOVING[year]
    assert days[easter_monday] == "Paasmaandag"
    assert days[ascension] == "O. L. H. Hemelvaart"
    assert days[whit_monday] == "Pinkstermaandag"
    assert days[date(year, 7, 21)] == "Nationale feestdag"
    assert days[date(year, 11, 11)] == "Wapenstilstand"
    assert len(days) == 12
    assert list(days) == sorted(days)


@pytest.mark.parametrize("year", sorted(MOVING))
def test_the_office_is_closed_on_the_moving_days_and_open_the_day_after(year: int) -> None:
    schedule = add_public_holidays(office(), "BE", range(2025, 2028))
    for day in MOVING[year]:
        # Easter Monday and Whit Monday are Mondays, Ascension a Thursday: workdays
        assert day.weekday() in (0, 3)
        during = datetime.combine(day, time(10), BRUSSELS)
        after = datetime.combine(date.fromordinal(day.toordinal() + 1), time(10), BRUSSELS)
        assert schedule.state_at(during, "Europe/Brussels").action is Action.CLOSED
        assert schedule.state_at(after, "Europe/Brussels").action is Action.OPEN


def test_holidays_are_whole_days_named_with_their_year() -> None:
    events = holiday_events("BE", 2026, language="fr")
    easter_monday = next(
        e for e in events if isinstance(e.when, Once) and e.when.start.date() == date(2026, 4, 6)
    )
    assert easter_monday.name == "Lundi de Pâques 2026"
    assert easter_monday.when == Once(start=datetime(2026, 4, 6), end=datetime(2026, 4, 7))
    assert easter_monday.action is Action.CLOSED
    assert easter_monday.instruction is None


def test_holidays_go_to_the_top_by_default_or_where_asked() -> None:
    on_top = add_public_holidays(office(), "BE", 2025, instruction="Closed today")
    assert on_top.events[-1].name == "office hours"
    assert len(on_top.events) == 13
    assert {e.instruction for e in on_top.events[:-1]} == {"Closed today"}
    below = add_public_holidays(office(), "BE", 2025, position=None)
    assert below.events[0].name == "office hours"
    # below the office hours a holiday on a workday does not close the office
    monday = datetime(2025, 4, 21, 10, tzinfo=BRUSSELS)
    assert below.state_at(monday, "Europe/Brussels").action is Action.OPEN
    assert on_top.state_at(monday, "Europe/Brussels").action is Action.CLOSED


def test_adding_the_same_years_twice_changes_nothing() -> None:
    once = add_public_holidays(office(), "BE", [2025, 2026], language="nl")
    assert add_public_holidays(once, "BE", range(2025, 2027), language="nl") == once
    # the same days in another language are the same events: not added again
    assert add_public_holidays(once, "BE", 2026, language="fr") == once


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"country": "XX"}, "no public holidays known for country 'XX'"),
        ({"country": "BE", "language": "tlh"}, "languages are"),
        ({"country": "BE", "subdivision": "QQ"}, "subdivision"),
        ({"country": "BE", "years": [1800]}, "year 1800"),
    ],
)
def test_bad_arguments_say_what_is_allowed(kwargs: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {"years": 2025, **kwargs}
    with pytest.raises(InvalidValueError, match=message):
        public_holidays(**arguments)


def test_a_forward_on_holidays_needs_a_target() -> None:
    with pytest.raises(ScheduleError, match="Open or Closed"):
        holiday_events("BE", 2025, action=Action.FORWARD)


def test_without_the_extra_the_error_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_holidays(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "holidays":
            raise ModuleNotFoundError("No module named 'holidays'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_holidays)
    with pytest.raises(ImportError, match=r"cloudtel\[holidays\]"):
        public_holidays("BE", 2025)
