"""A country's public holidays as Closed events of a schedule.

Needs the optional extra ``holidays`` (``pip install 'cloudtel[holidays]'``, the
``holidays`` package); without it :func:`public_holidays` raises :class:`ImportError`
naming the extra.

Each holiday of each year becomes a one-off event (:class:`~cloudtel.schedules.Once`)
from 00:00 on the day to 00:00 the next day, wall-clock time of the schedule, named
``"<holiday name> <year>"`` (e.g. ``"Paasmaandag 2026"``). Holidays that move every year
(Easter Monday, Ascension, Whit Monday in Belgium) therefore land on the right day of
each year. The events go to the top of the schedule by default, so they win over the
weekly opening hours.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Final

import attrs

from cloudtel.errors import InvalidValueError, ScheduleError
from cloudtel.schedules._model import Action, Once, ScheduleEvent

if TYPE_CHECKING:
    from cloudtel.schedules._model import Schedule

__all__ = ["EXTRA", "add_public_holidays", "holiday_events", "public_holidays"]

EXTRA: Final = "holidays"
"""The optional extra that installs what this module needs."""


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
    package = _holidays()
    listed = _years(years)
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
        table = package.country_holidays(code, subdiv=subdivision, years=listed, language=language)
    except NotImplementedError as exc:  # pragma: no cover - guarded above
        raise InvalidValueError(str(exc), field="country", value=country) from exc
    if language is not None and language not in getattr(table, "supported_languages", ()):
        known = ", ".join(getattr(table, "supported_languages", ())) or "none"
        raise InvalidValueError(
            f"holiday names of {code} are not available in {language!r}; languages are: {known}",
            field="language",
            value=language,
        )
    return {day: str(table[day]) for day in sorted(table) if day.year in listed}


def holiday_events(
    country: str,
    years: Iterable[int] | int,
    *,
    subdivision: str | None = None,
    language: str | None = None,
    action: Action = Action.CLOSED,
    instruction: str | None = None,
) -> tuple[ScheduleEvent, ...]:
    """A country's public holidays as one-off events, one per day, in date order.

    Args:
        country (str): ISO 3166 code, e.g. ``"BE"``.
        years (Iterable[int] | int): e.g. ``range(2025, 2028)``.
        subdivision (str | None): A region with regional holidays.
        language (str | None): Language of the event names (``"nl"``, ``"fr"`` …).
        action (Action): Closed by default; Open or Closed (a forward needs a target: add
            those events yourself).
        instruction (str | None): A voice prompt to play, e.g. ``"Closed today"``.

    Returns:
        tuple[ScheduleEvent, ...]: Events named ``"<name> <year>"``, from 00:00 on the day
        to 00:00 the next day.

    Raises:
        InvalidValueError: An unknown country, subdivision or language, or a bad year.
        ScheduleError: A Forward action (it needs a target).
        ImportError: The ``holidays`` extra is not installed.
    """
    if action is Action.FORWARD:
        raise ScheduleError(
            "holiday events are Open or Closed; add forwarding events yourself",
            field="action",
            value=action,
        )
    days = public_holidays(country, years, subdivision=subdivision, language=language)
    return tuple(
        ScheduleEvent(
            name=f"{name} {day.year}",
            when=Once(
                start=datetime.combine(day, time(0)),
                end=datetime.combine(day + timedelta(days=1), time(0)),
            ),
            action=action,
            instruction=instruction,
        )
        for day, name in days.items()
    )


def add_public_holidays(
    schedule: Schedule,
    country: str,
    years: Iterable[int] | int,
    *,
    position: int | None = 0,
    subdivision: str | None = None,
    language: str | None = None,
    action: Action = Action.CLOSED,
    instruction: str | None = None,
) -> Schedule:
    """Add a country's public holidays to a schedule as Closed events.

    Holidays already in the schedule (an event of the same name, or the same day with
    the same action) are skipped, so adding the same years twice changes nothing.

    Args:
        schedule (Schedule): The schedule.
        country (str): ISO 3166 code, e.g. ``"BE"``.
        years (Iterable[int] | int): e.g. ``range(2025, 2028)``.
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
        ImportError: The ``holidays`` extra is not installed.

    Example::

        >>> from cloudtel.schedules import Schedule
        >>> schedule = add_public_holidays(Schedule(), "BE", [2026], language="nl")
        >>> [e.name for e in schedule.events][:3]
        ['Nieuwjaar 2026', 'Pasen 2026', 'Paasmaandag 2026']
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
