"""A country's public holidays as Closed events of a schedule: yearly rules.

Needs the optional extra ``holidays`` (``pip install 'cloudtel[holidays]'``, the
``holidays`` package); without it :func:`public_holidays` raises :class:`ImportError`
naming the extra.

Each holiday becomes one *rule* that holds every year, from 00:00 on the day to 00:00
the next day, wall-clock time of the schedule, named after the holiday (e.g.
``"Paasmaandag"``):

- a holiday on the same date every year (New Year, 21 July, 11 November …) is a
  :class:`~cloudtel.schedules.Yearly` event;
- a holiday that moves with Easter (Easter Monday, Ascension, Whit Monday …) is an
  :class:`~cloudtel.schedules.Easter` event, computed for any year.

The rule is found by reading the country's holidays over :data:`OBSERVED_YEARS`; a
holiday introduced or abolished inside that window gets a first date or an end. A holiday
that follows neither rule (e.g. a day moved off a Sunday, or one held every fifth year)
cannot be a rule: it becomes one-off events for the ``years`` you pass, named
``"<name> <year>"``; without ``years`` such a holiday is an error that names it. The events
go to the top of the schedule by default, so they win over the weekly opening hours.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final

import attrs

from cloudtel.errors import InvalidValueError, ScheduleError
from cloudtel.schedules._model import (
    NEVER,
    Action,
    Easter,
    Once,
    Recurrence,
    ScheduleEvent,
    TimeDefinition,
    Yearly,
    easter_sunday,
)

if TYPE_CHECKING:
    from cloudtel.schedules._model import Schedule

__all__ = [
    "EXTRA",
    "OBSERVED_YEARS",
    "add_public_holidays",
    "holiday_events",
    "holiday_rules",
    "public_holidays",
]

EXTRA: Final = "holidays"
"""The optional extra that installs what this module needs."""

OBSERVED_YEARS: Final = range(1990, 2100)
"""The years read to find each holiday's yearly rule."""


def _holidays() -> Any:
    try:
        import holidays  # noqa: PLC0415 - optional extra, imported on use
    except ImportError as exc:  # pragma: no cover - exercised by monkeypatching the import
        raise ImportError(
            "public holidays need the optional extra 'holidays': "
            "pip install 'cloudtel[holidays]' (it installs the holidays package)",
            name="holidays",
        ) from exc
    return holidays


def _years(years: Iterable[int] | range | int) -> list[int]:
    listed = [years] if isinstance(years, int) else list(years)
    for year in listed:
        if not isinstance(year, int) or isinstance(year, bool) or not 1902 <= year <= 2999:
            raise InvalidValueError(
                f"year {year!r} is not a year between 1902 and 2999", field="years", value=year
            )
    return sorted(set(listed))


def public_holidays(
    country: str,
    years: Iterable[int] | int,
    *,
    subdivision: str | None = None,
    language: str | None = None,
) -> dict[date, str]:
    """A country's public holidays in some years.

    Args:
        country (str): ISO 3166 code, e.g. ``"BE"``.
        years (Iterable[int] | int): e.g. ``range(2025, 2028)``.
        subdivision (str | None): A region where the country has regional holidays.
        language (str | None): Language of the names, e.g. ``"nl"``, ``"fr"``, ``"en_US"``;
            ``None`` is the country's default.

    Returns:
        dict[date, str]: Day → name, in date order (days with two holidays join the names
        with ``"; "``).

    Raises:
        InvalidValueError: An unknown country, subdivision or language, or a bad year.
        ImportError: The ``holidays`` extra is not installed.
    """
    listed = _years(years)
    _, table = _table(country, listed, subdivision, language)
    return {day: str(table[day]) for day in sorted(table) if day.year in listed}


def _table(
    country: str, years: list[int], subdivision: str | None, language: str | None
) -> tuple[str, Any]:
    package = _holidays()
    code = country.strip().upper() if isinstance(country, str) else country
    supported: Mapping[str, Any] = package.list_supported_countries()
    if code not in supported:
        raise InvalidValueError(
            f"no public holidays known for country {country!r}; use an ISO 3166 code "
            "such as 'BE', 'NL', 'FR', 'DE'",
            field="country",
            value=country,
        )
    if subdivision is not None and subdivision not in supported[code]:
        known = ", ".join(supported[code]) or "none"
        raise InvalidValueError(
            f"{code} has no subdivision {subdivision!r}; subdivisions are: {known}",
            field="subdivision",
            value=subdivision,
        )
    try:
        table = package.country_holidays(code, subdiv=subdivision, years=years, language=language)
    except NotImplementedError as exc:  # pragma: no cover - guarded above
        raise InvalidValueError(str(exc), field="country", value=country) from exc
    if language is not None and language not in getattr(table, "supported_languages", ()):
        known = ", ".join(getattr(table, "supported_languages", ())) or "none"
        raise InvalidValueError(
            f"holiday names of {code} are not available in {language!r}; languages are: {known}",
            field="language",
            value=language,
        )
    return code, table


def _whole_day(day: date) -> Once:
    return Once(
        start=datetime.combine(day, time(0)),
        end=datetime.combine(day + timedelta(days=1), time(0)),
    )


@lru_cache(maxsize=32)
def _rules(
    country: str, subdivision: str | None, language: str | None
) -> tuple[tuple[tuple[str, TimeDefinition], ...], tuple[str, ...]]:
    """``((name, rule), …)`` in date order, and the names that follow no yearly rule."""
    _, table = _table(country, list(OBSERVED_YEARS), subdivision, language)
    seen: dict[str, dict[int, list[date]]] = defaultdict(lambda: defaultdict(list))
    for day in sorted(table):
        if day.year in OBSERVED_YEARS:
            for name in table.get_list(day):
                seen[str(name)][day.year].append(day)
    rules: list[tuple[int, str, TimeDefinition]] = []
    irregular: list[str] = []
    for name, by_year in seen.items():
        rule = _rule_of(by_year)
        if rule is None:
            irregular.append(name)
            continue
        middle = sorted(by_year)[len(by_year) // 2]
        rules.append((by_year[middle][0].timetuple().tm_yday, name, rule))
    rules.sort(key=lambda item: (item[0], item[1]))
    return tuple((name, rule) for _, name, rule in rules), tuple(sorted(irregular))


def _rule_of(by_year: Mapping[int, list[date]]) -> TimeDefinition | None:
    """The yearly rule the observed days follow, or None."""
    years = sorted(by_year)
    if any(len(days) != 1 for days in by_year.values()):
        return None
    if years != list(range(years[0], years[-1] + 1)):
        return None  # gaps: not every year
    days = [by_year[year][0] for year in years]
    first = days[0] if years[0] != OBSERVED_YEARS.start else None
    until = days[-1] if years[-1] != OBSERVED_YEARS.stop - 1 else None
    recurrence = NEVER if first is None and until is None else Recurrence(first=first, until=until)
    if len({(day.month, day.day) for day in days}) == 1:
        month, day = days[0].month, days[0].day
        after = days[0] + timedelta(days=1)
        if (month, day) == (2, 29):
            return None
        return Yearly(
            start=(month, day, time(0)),
            end=(after.month, after.day, time(0)),
            recurrence=recurrence,
        )
    offsets = {(day - easter_sunday(day.year)).days for day in days}
    if len(offsets) == 1:
        return Easter(offset=offsets.pop(), recurrence=recurrence)
    return None


def holiday_rules(
    country: str,
    *,
    subdivision: str | None = None,
    language: str | None = None,
) -> dict[str, TimeDefinition]:
    """A country's public holidays as yearly rules, by name.

    Args:
        country (str): ISO 3166 code, e.g. ``"BE"``.
        subdivision (str | None): A region with regional holidays.
        language (str | None): Language of the names (``"nl"``, ``"fr"`` …).

    Returns:
        dict[str, TimeDefinition]: Name → :class:`~cloudtel.schedules.Yearly` (same date
        every year) or :class:`~cloudtel.schedules.Easter` (days from Easter Sunday), in
        the order of the year. Holidays that follow neither rule are left out (see
        :func:`holiday_events`).

    Raises:
        InvalidValueError: An unknown country, subdivision or language.
        ImportError: The ``holidays`` extra is not installed.

    Example::

        >>> rules = holiday_rules("BE", language="nl")
        >>> str(rules["Paasmaandag"])
        'easter+1 00:00:00-00:00:00'
    """
    rules, _ = _rules(_code(country), subdivision, language)
    return dict(rules)


def _code(country: str) -> str:
    return country.strip().upper() if isinstance(country, str) else country


def holiday_events(
    country: str,
    years: Iterable[int] | int | None = None,
    *,
    subdivision: str | None = None,
    language: str | None = None,
    action: Action = Action.CLOSED,
    instruction: str | None = None,
) -> tuple[ScheduleEvent, ...]:
    """A country's public holidays as schedule events: one yearly rule per holiday.

    Args:
        country (str): ISO 3166 code, e.g. ``"BE"``.
        years (Iterable[int] | int | None): Only for holidays that follow no yearly rule
            (e.g. moved off a Sunday): they become one-off events in these years. The rules
            hold every year whatever is given here.
        subdivision (str | None): A region with regional holidays.
        language (str | None): Language of the event names (``"nl"``, ``"fr"`` …).
        action (Action): Closed by default; Open or Closed (a forward needs a target: add
            those events yourself).
        instruction (str | None): A voice prompt to play, e.g. ``"Closed today"``.

    Returns:
        tuple[ScheduleEvent, ...]: The rules named after the holiday, whole days, in the
        order of the year; then the one-off events named ``"<name> <year>"``.

    Raises:
        InvalidValueError: An unknown country, subdivision or language, or a bad year.
        ScheduleError: A Forward action (it needs a target), or a holiday that follows no
            yearly rule while ``years`` is not given (the message names it).
        ImportError: The ``holidays`` extra is not installed.
    """
    if action is Action.FORWARD:
        raise ScheduleError(
            "holiday events are Open or Closed; add forwarding events yourself",
            field="action",
            value=action,
        )
    listed = None if years is None else _years(years)
    rules, irregular = _rules(_code(country), subdivision, language)
    events = [
        ScheduleEvent(name=name, when=rule, action=action, instruction=instruction)
        for name, rule in rules
    ]
    if irregular and listed is None:
        raise ScheduleError(
            f"{_code(country)} has holidays that follow no yearly rule: "
            f"{', '.join(irregular)}; pass years=... to add them as one-off events of those years",
            field="years",
            value=irregular,
        )
    if irregular and listed:
        _, table = _table(country, listed, subdivision, language)
        wanted = set(irregular)
        for day in sorted(table):
            if day.year not in listed:
                continue
            for name in table.get_list(day):
                if str(name) in wanted:
                    events.append(
                        ScheduleEvent(
                            name=f"{name} {day.year}",
                            when=_whole_day(day),
                            action=action,
                            instruction=instruction,
                        )
                    )
    return tuple(events)


def add_public_holidays(
    schedule: Schedule,
    country: str,
    years: Iterable[int] | int | None = None,
    *,
    position: int | None = 0,
    subdivision: str | None = None,
    language: str | None = None,
    action: Action = Action.CLOSED,
    instruction: str | None = None,
) -> Schedule:
    """Add a country's public holidays to a schedule as Closed events, one rule each.

    Holidays already in the schedule (an event of the same name, or the same time
    definition with the same action) are skipped, so adding them twice changes nothing.

    Args:
        schedule (Schedule): The schedule.
        country (str): ISO 3166 code, e.g. ``"BE"``.
        years (Iterable[int] | int | None): Only for holidays that follow no yearly rule:
            the years to add them in as one-off events (see :func:`holiday_events`).
        position (int | None): Where the holidays go; 0 (the default) is the top, so
            they win over everything else; ``None`` is the bottom, above the default.
        subdivision (str | None): A region with regional holidays.
        language (str | None): Language of the event names.
        action (Action): Closed by default, or Open.
        instruction (str | None): A voice prompt to play on those days.

    Returns:
        Schedule: The new schedule (schedules are immutable).

    Raises:
        InvalidValueError: An unknown country, subdivision or language, or a bad year.
        ScheduleError: A holiday that follows no yearly rule while ``years`` is not given.
        ImportError: The ``holidays`` extra is not installed.

    Example::

        >>> from cloudtel.schedules import Schedule
        >>> schedule = add_public_holidays(Schedule(), "BE", language="nl")
        >>> [e.name for e in schedule.events][:3]
        ['Nieuwjaar', 'Pasen', 'Paasmaandag']
    """
    events = holiday_events(
        country,
        years,
        subdivision=subdivision,
        language=language,
        action=action,
        instruction=instruction,
    )
    names = {event.name for event in schedule.events}
    spans = {(event.when, event.action) for event in schedule.events}
    new = [e for e in events if e.name not in names and (e.when, e.action) not in spans]
    at = len(schedule.events) if position is None else position
    events_list = list(schedule.events)
    events_list[at:at] = new
    return attrs.evolve(schedule, events=tuple(events_list))
