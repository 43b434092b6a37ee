"""Public holidays as Closed events: yearly rules (Belgium first)."""

from __future__ import annotations

import builtins
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cloudtel.errors import InvalidValueError, ScheduleError
from cloudtel.schedules import (
    WORKDAYS,
    Action,
    Easter,
    Once,
    Recurrence,
    Schedule,
    ScheduleEvent,
    Weekly,
    Yearly,
    easter_sunday,
)
from cloudtel.schedules.holidays import (
    add_public_holidays,
    holiday_events,
    holiday_rules,
    public_holidays,
)

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


@pytest.mark.parametrize("year", [*sorted(MOVING), 2028, 2035, 2049, 2100, 2285])
def test_the_office_is_closed_on_the_moving_days_of_any_year_and_open_the_day_after(
    year: int,
) -> None:
    # one rule per holiday, no year list: 2028 and later are closed too (they used to be
    # one-off events for the years asked, and the office stayed open from 2028 on)
    schedule = add_public_holidays(office(), "BE")
    easter = easter_sunday(year)
    for day in (easter + timedelta(1), easter + timedelta(39), easter + timedelta(50)):
        if year in MOVING:
            assert day in MOVING[year]
        # Easter Monday and Whit Monday are Mondays, Ascension a Thursday: workdays
        assert day.weekday() in (0, 3)
        during = datetime.combine(day, time(10), BRUSSELS)
        after = datetime.combine(day + timedelta(1), time(10), BRUSSELS)
        assert schedule.state_at(during, "Europe/Brussels").action is Action.CLOSED
        if (day + timedelta(1)) != date(year, 5, 1):  # Ascension on April 30 (e.g. 2285)
            assert schedule.state_at(after, "Europe/Brussels").action is Action.OPEN
    national_day = datetime.combine(date(year, 7, 21), time(10), BRUSSELS)
    if national_day.weekday() < 5:
        assert schedule.state_at(national_day, "Europe/Brussels").action is Action.CLOSED


def test_belgian_holidays_are_twelve_rules_fixed_or_counted_from_easter() -> None:
    rules = holiday_rules("BE", language="nl")
    assert len(rules) == 12
    assert rules["Paasmaandag"] == Easter(offset=1)
    assert rules["O. L. H. Hemelvaart"] == Easter(offset=39)
    assert rules["Pinkstermaandag"] == Easter(offset=50)
    assert rules["Nieuwjaar"] == Yearly(start=(1, 1, time(0)), end=(1, 2, time(0)))
    assert rules["Nationale feestdag"] == Yearly(start=(7, 21, time(0)), end=(7, 22, time(0)))
    assert rules["Wapenstilstand"] == Yearly(start=(11, 11, time(0)), end=(11, 12, time(0)))
    assert list(rules)[:3] == ["Nieuwjaar", "Pasen", "Paasmaandag"]


def test_the_rules_give_the_same_days_as_the_holiday_calendar_every_year() -> None:
    rules = holiday_rules("BE", language="nl")
    for year in range(1995, 2100):
        days = public_holidays("BE", year, language="nl")
        from_rules: dict[date, list[str]] = {}
        for name, rule in rules.items():
            day = rule.day(year) if isinstance(rule, Easter) else date(year, *rule.start[:2])
            from_rules.setdefault(day, []).append(name)
        assert {day: "; ".join(sorted(names)) for day, names in from_rules.items()} == {
            day: "; ".join(sorted(name.split("; "))) for day, name in days.items()
        }, year


def test_holidays_are_whole_days_named_after_the_holiday() -> None:
    events = holiday_events("BE", language="fr")
    easter_monday = next(e for e in events if e.when == Easter(offset=1))
    assert easter_monday.name == "Lundi de Pâques"
    assert easter_monday.when.duration_seconds == 86_400
    assert easter_monday.action is Action.CLOSED
    assert easter_monday.instruction is None
    assert all(not isinstance(e.when, Once) for e in events)


def test_holidays_that_follow_no_rule_need_years_and_become_one_off_events() -> None:
    # the Netherlands: King's Day moves to the 26th when the 27th is a Sunday
    with pytest.raises(ScheduleError, match="King's Day") as caught:
        holiday_events("NL", language="en_US")
    assert "years=" in str(caught.value)
    events = holiday_events("NL", range(2025, 2027), language="en_US")
    by_name = {e.name: e.when for e in events}
    assert by_name["Easter Monday"] == Easter(offset=1)
    assert by_name["King's Day 2025"] == Once(
        start=datetime(2025, 4, 26), end=datetime(2025, 4, 27)
    )
    assert by_name["King's Day 2026"] == Once(
        start=datetime(2026, 4, 27), end=datetime(2026, 4, 28)
    )


def test_a_holiday_introduced_inside_the_observed_years_starts_that_year(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cloudtel.schedules import holidays as module

    class Fake(dict[date, str]):
        supported_languages = ("en_US",)

        def get_list(self, day: date) -> list[str]:
            return [self[day]]

    class Package:
        @staticmethod
        def list_supported_countries() -> dict[str, list[str]]:
            return {"ZZ": []}

        @staticmethod
        def country_holidays(code: str, **kwargs: Any) -> Fake:
            table = Fake()
            for year in kwargs["years"]:
                table[date(year, 1, 1)] = "New Year"
                if year >= 2010:
                    table[easter_sunday(year) + timedelta(1)] = "Easter Monday"
                if year % 5 == 0:
                    table[date(year, 5, 5)] = "Lustrum"
            return table

    monkeypatch.setattr(module, "_holidays", lambda: Package)
    module._rules.cache_clear()
    try:
        rules = holiday_rules("ZZ")
    finally:
        module._rules.cache_clear()
    assert rules["New Year"] == Yearly(start=(1, 1, time(0)), end=(1, 2, time(0)))
    assert rules["Easter Monday"] == Easter(
        offset=1, recurrence=Recurrence(first=easter_sunday(2010) + timedelta(1))
    )
    assert "Lustrum" not in rules  # every fifth year is not a yearly rule


def test_holidays_go_to_the_top_by_default_or_where_asked() -> None:
    on_top = add_public_holidays(office(), "BE", instruction="Closed today")
    assert on_top.events[-1].name == "office hours"
    assert len(on_top.events) == 13
    assert {e.instruction for e in on_top.events[:-1]} == {"Closed today"}
    below = add_public_holidays(office(), "BE", position=None)
    assert below.events[0].name == "office hours"
    # below the office hours a holiday on a workday does not close the office
    monday = datetime(2025, 4, 21, 10, tzinfo=BRUSSELS)
    assert below.state_at(monday, "Europe/Brussels").action is Action.OPEN
    assert on_top.state_at(monday, "Europe/Brussels").action is Action.CLOSED


def test_adding_the_holidays_twice_changes_nothing() -> None:
    once = add_public_holidays(office(), "BE", language="nl")
    assert add_public_holidays(once, "BE", range(2025, 2027), language="nl") == once
    # the same rules in another language are the same events: not added again
    assert add_public_holidays(once, "BE", language="fr") == once


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
        holiday_events("BE", action=Action.FORWARD)


def test_without_the_extra_the_error_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_holidays(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "holidays":
            raise ModuleNotFoundError("No module named 'holidays'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_holidays)
    with pytest.raises(ImportError, match=r"cloudtel\[holidays\]"):
        public_holidays("BE", 2025)
