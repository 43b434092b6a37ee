"""iCalendar (RFC 5545) export and import of a schedule.

Needs the optional extra ``ical`` (``pip install 'cloudtel[ical]'``, the ``icalendar``
package); without it both functions raise :class:`ImportError` naming the extra.

The mapping (also in ``docs/schedules-io.md``):

- the schedule is one ``VCALENDAR``; the default event is kept in the calendar's
  ``X-CLOUDTEL-DEFAULT-ACTION`` / ``-FORWARD-TO`` / ``-INSTRUCTION`` properties and a
  schedule's own time zone in ``X-CLOUDTEL-TIME-ZONE``;
- each event is a ``VEVENT`` in priority order, with ``X-CLOUDTEL-PRIORITY`` (1 is the
  top), ``SUMMARY`` (the name), ``X-CLOUDTEL-ACTION`` (``open``, ``forward``,
  ``closed``), ``X-CLOUDTEL-FORWARD-TO`` (``number:+32…``, ``user:name`` or
  ``function:+32…``) and ``X-CLOUDTEL-INSTRUCTION`` (the voice prompt); ``DESCRIPTION``
  says the same in words for people reading the calendar;
- times are ``DTSTART``/``DTEND`` with ``TZID`` of the schedule's zone (a ``VTIMEZONE``
  is included): the wall-clock start and end of the first occurrence;
- weekly: ``RRULE:FREQ=WEEKLY;BYDAY=MO,TU…``; yearly: ``RRULE:FREQ=YEARLY``; once: no
  rule; "until D": ``UNTIL`` = D 23:59:59 local time (in UTC, as RFC 5545 requires with a
  ``TZID``); "after N": ``COUNT=N``; a first date that is not the first occurrence's day
  (or no first date at all) is kept in ``X-CLOUDTEL-FIRST``.

Import reads that back exactly, and also reads calendars from elsewhere as far as
cloudtel can express them: all-day events, ``FREQ=DAILY``, ``DURATION`` instead of
``DTEND``, UTC or other-zone times of one-off events (converted to the schedule's wall
clock), events without cloudtel properties (their action is ``default_action``,
Closed unless told otherwise) and duplicate summaries (numbered ``name (2)`` …).
Anything else (``RDATE`` without ``X-CLOUDTEL-EASTER``, ``EXDATE``, ``RECURRENCE-ID``
overrides, ``INTERVAL`` above 1, monthly rules, ``BYSETPOS`` …) is refused with a
:class:`~cloudtel.errors.ScheduleError` that names the event and the property.

A calendar's ``VTIMEZONE`` components count for that calendar only. icalendar keeps the
zones it reads from them in one cache for the whole process (a ``TZID`` it does not
know, such as ``Brussels``, then means that zone in every later calendar); import reads
each calendar with that cache empty and puts it back as it was afterwards, so a hostile
or broken calendar cannot change how a later calendar, or anything else in the process
that uses icalendar, reads its times. An IANA name (``Europe/Brussels``) always means
the IANA zone, whatever a calendar's ``VTIMEZONE`` of that name says.
"""

from __future__ import annotations

import re
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Final

from cloudtel.errors import CloudtelError, ScheduleError
from cloudtel.numbers import PhoneNumber
from cloudtel.schedules._model import (
    Action,
    DefaultEvent,
    Easter,
    ForwardTarget,
    Once,
    Recurrence,
    Schedule,
    ScheduleEvent,
    TimeDefinition,
    Weekday,
    Weekly,
    Yearly,
    zone_of,
)

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

__all__ = ["EASTER_YEARS", "EXTRA", "from_ical", "to_ical"]

EXTRA: Final = "ical"
"""The optional extra that installs what this module needs."""

PRODID: Final = "-//cloudtel//schedule//EN"
"""The product identifier written into exported calendars."""

ANCHOR: Final = date(2000, 1, 1)
"""Where an event without a first date starts in an exported calendar (a leap year)."""

EASTER_YEARS: Final = 100
"""How many yearly occurrences of an Easter rule an export lists as ``RDATE`` values."""

_BYDAY: Final = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_NAMESPACE: Final = uuid.UUID("6f1c3f5e-2b0e-4c55-9a43-1d8f0c7e5a21")
_LAST_SECOND: Final = time(23, 59, 59)
_UNESCAPE: Final = re.compile(r"\\([\\;,nN])")


def _icalendar() -> Any:
    try:
        import icalendar  # noqa: PLC0415 - optional extra, imported on use
    except ImportError as exc:  # pragma: no cover - exercised by monkeypatching the import
        raise ImportError(
            "iCalendar export and import need the optional extra 'ical': "
            "pip install 'cloudtel[ical]' (it installs the icalendar package)",
            name="icalendar",
        ) from exc
    return icalendar


_ZONE_CACHE_LOCK: Final = threading.Lock()


def _zone_caches(ical: Any) -> list[dict[Any, Any]]:
    """icalendar's process-wide caches of the zones read from ``VTIMEZONE`` components.

    icalendar 7 keeps them on its timezone provider proxy (``tzp``), icalendar 6 in the
    module ``icalendar.timezone.cache``.
    """
    caches: list[dict[Any, Any]] = []
    proxy = getattr(getattr(ical, "timezone", None), "tzp", None)
    module = sys.modules.get("icalendar.timezone.cache")
    for owner, name in ((proxy, "_TZP__tz_cache"), (module, "_timezone_cache")):
        cache = getattr(owner, name, None)
        if isinstance(cache, dict) and not any(cache is known for known in caches):
            caches.append(cache)
    return caches


@contextmanager
def _calendar_own_zones(ical: Any) -> Iterator[None]:
    """Read one calendar with icalendar's zone cache empty; restore the cache after.

    So the zones of this calendar's ``VTIMEZONE`` components are used for this calendar
    only, and zones another calendar defined are not used for this one.
    """
    with _ZONE_CACHE_LOCK:
        caches = _zone_caches(ical)
        saved = [dict(cache) for cache in caches]
        for cache in caches:
            cache.clear()
        try:
            yield
        finally:
            for cache, before in zip(caches, saved, strict=True):
                cache.clear()
                cache.update(before)


# =======================================================================================
# export
# =======================================================================================


def to_ical(
    schedule: Schedule,
    zone: str | ZoneInfo | None = None,
    *,
    name: str | None = None,
    stamp: datetime | None = None,
) -> str:
    """Export a schedule as an iCalendar (RFC 5545) text.

    Args:
        schedule (Schedule): The schedule.
        zone (str | ZoneInfo | None): The organisation's time zone, used when the
            schedule has none of its own.
        name (str | None): A calendar name (``X-WR-CALNAME``), e.g. the function number's.
        stamp (datetime | None): The ``DTSTAMP`` of every event (aware); default now.
            Give a fixed one for reproducible files.

    Returns:
        str: The calendar, lines ending in CRLF as RFC 5545 wants.

    Raises:
        ScheduleError: Neither the schedule nor ``zone`` names a time zone.
        ImportError: The ``ical`` extra is not installed.
    """
    ical = _icalendar()
    zone_name = schedule.time_zone or (
        None if zone is None else (zone if isinstance(zone, str) else zone.key)
    )
    if zone_name is None:
        raise ScheduleError(
            "to export a schedule without a time zone of its own, pass the organisation's zone",
            field="zone",
        )
    tz = zone_of(zone_name)
    stamp = datetime.now(UTC) if stamp is None else stamp.astimezone(UTC)
    calendar = ical.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if name is not None:
        calendar.add("x-wr-calname", ical.vText(name), parameters={"VALUE": "TEXT"})
    if schedule.time_zone is not None:
        calendar.add("x-cloudtel-time-zone", ical.vText(schedule.time_zone))
    default = schedule.default
    calendar.add("x-cloudtel-default-action", ical.vText(default.action.value))
    if default.forward_to is not None:
        calendar.add("x-cloudtel-default-forward-to", ical.vText(_target_text(default.forward_to)))
    if default.instruction is not None:
        calendar.add(
            "x-cloudtel-default-instruction",
            ical.vText(default.instruction),
            parameters={"VALUE": "TEXT"},
        )
    for language, prompt in default.language_instructions:
        calendar.add(
            "x-cloudtel-default-instruction",
            ical.vText(prompt),
            parameters={"VALUE": "TEXT", "LANGUAGE": language},
        )
    first_day = last_day = None
    for position, event in enumerate(schedule.events):
        component, start, end = _event(
            ical, event, position=position, tz=tz, stamp=stamp, zone_name=zone_name
        )
        calendar.add_component(component)
        first_day = start if first_day is None else min(first_day, start)
        last_day = end if last_day is None else max(last_day, end)
    if schedule.events:
        assert first_day is not None  # noqa: S101 - set in the loop
        assert last_day is not None  # noqa: S101
        calendar.add_missing_timezones(
            first_date=min(first_day - timedelta(days=1), date(1970, 1, 1)),
            last_date=max(last_day + timedelta(days=366), date(2038, 1, 1)),
        )
    text: str = calendar.to_ical().decode("utf-8")
    return text


def _event(
    ical: Any,
    event: ScheduleEvent,
    *,
    position: int,
    tz: ZoneInfo,
    stamp: datetime,
    zone_name: str,
) -> tuple[Any, date, date]:
    component = ical.Event()
    uid = uuid.uuid5(_NAMESPACE, f"{zone_name}\n{position}\n{event.name}\n{event.when}")
    component.add("uid", f"{uid}@cloudtel")
    component.add("dtstamp", stamp)
    component.add("summary", event.name)
    component.add("description", _description(event))
    component.add("x-cloudtel-priority", ical.vText(str(position + 1)))
    component.add("x-cloudtel-action", ical.vText(event.action.value))
    if event.forward_to is not None:
        component.add("x-cloudtel-forward-to", ical.vText(_target_text(event.forward_to)))
    if event.instruction is not None:
        component.add(
            "x-cloudtel-instruction", ical.vText(event.instruction), parameters={"VALUE": "TEXT"}
        )
    for language, prompt in event.language_instructions:
        component.add(
            "x-cloudtel-instruction",
            ical.vText(prompt),
            parameters={"VALUE": "TEXT", "LANGUAGE": language},
        )
    when = event.when
    if isinstance(when, Once):
        start, end = when.start, when.end
        last = end.date()
    elif isinstance(when, Easter):
        start, end, later = _easter_dates(when)
        if later:
            component.add("rdate", [moment.replace(tzinfo=tz) for moment in later])
        component.add("x-cloudtel-easter", ical.vText(str(when.offset)))
        recurrence = when.recurrence
        first_bound = "none" if recurrence.first is None else recurrence.first.isoformat()
        component.add("x-cloudtel-first", ical.vText(first_bound))
        if recurrence.until is not None:
            component.add("x-cloudtel-until", ical.vText(recurrence.until.isoformat()))
        if recurrence.count is not None:
            component.add("x-cloudtel-count", ical.vText(str(recurrence.count)))
        last = (later[-1] if later else end).date() + timedelta(days=1)
    else:
        start, end, rule, first_text = _recurring(when, tz)
        component.add("rrule", rule)
        if first_text is not None:
            component.add("x-cloudtel-first", ical.vText(first_text))
        until = when.recurrence.until
        last = max(end.date(), until) if until is not None else end.date()
    component.add("dtstart", start.replace(tzinfo=tz))
    component.add("dtend", end.replace(tzinfo=tz))
    return component, start.date(), last


def _recurring(
    when: Weekly | Yearly, tz: ZoneInfo
) -> tuple[datetime, datetime, dict[str, Any], str | None]:
    recurrence = when.recurrence
    base = recurrence.first
    if base is None:
        until = recurrence.until
        base = ANCHOR if until is None else min(ANCHOR, until - timedelta(days=400))
    rule: dict[str, Any]
    if isinstance(when, Weekly):
        numbers = {day.number for day in when.days}
        day = base
        while day.weekday() not in numbers:
            day += timedelta(days=1)
        start = datetime.combine(day, when.start)
        end = _weekly_end(start, when)
        rule = {"freq": "WEEKLY", "byday": [_BYDAY[d.number] for d in when.days]}
    else:
        start = _yearly_first(when, base)
        end = _yearly_end(start, when)
        rule = {"freq": "YEARLY"}
    if recurrence.until is not None:
        local_last = datetime.combine(recurrence.until, _LAST_SECOND).replace(tzinfo=tz)
        rule["until"] = local_last.astimezone(UTC)
    if recurrence.count is not None:
        rule["count"] = recurrence.count
    first_text = None
    if recurrence.first is None:
        first_text = "none"
    elif recurrence.first != start.date():
        first_text = recurrence.first.isoformat()
    return start, end, rule, first_text


def _easter_dates(when: Easter) -> tuple[datetime, datetime, list[datetime]]:
    """First occurrence (start, end) of an Easter rule and the starts of the later ones."""
    recurrence = when.recurrence
    base = ANCHOR if recurrence.first is None else recurrence.first
    if recurrence.until is not None and recurrence.until < base:
        base = recurrence.until - timedelta(days=400)
    year = base.year if when.day(base.year) >= base else base.year + 1
    total = EASTER_YEARS if recurrence.count is None else min(recurrence.count, EASTER_YEARS)
    starts: list[datetime] = []
    for number in range(total):
        day = when.day(year + number)
        if recurrence.until is not None and day > recurrence.until:
            break
        starts.append(datetime.combine(day, when.start))
    if not starts:  # an until before any occurrence: show where it would have been
        starts.append(datetime.combine(when.day(year), when.start))
    first = starts[0]
    return first, first + timedelta(seconds=when.duration_seconds), starts[1:]


def _weekly_end(start: datetime, when: Weekly) -> datetime:
    return start + timedelta(seconds=when.duration_seconds)


def _yearly_first(when: Yearly, base: date) -> datetime:
    month, day, at = when.start
    year = base.year
    while True:
        try:
            candidate = date(year, month, day)
        except ValueError:  # Feb 29 in a year without one
            year += 1
            continue
        if candidate >= base:
            return datetime.combine(candidate, at)
        year += 1


def _yearly_end(start: datetime, when: Yearly) -> datetime:
    month, day, at = when.end
    year = start.year if when.end > when.start else start.year + 1
    return datetime.combine(date(year, month, day), at)


def _target_text(target: ForwardTarget) -> str:
    if target.user is not None:
        return f"user:{target.user}"
    if target.number is not None:
        return f"number:{target.number.e164}"
    assert target.function_number is not None  # noqa: S101 - exactly one is set
    return f"function:{target.function_number.e164}"


def _description(event: ScheduleEvent) -> str:
    text = {Action.OPEN: "Open", Action.FORWARD: "Forward", Action.CLOSED: "Closed"}[event.action]
    if event.forward_to is not None:
        text += f" to {event.forward_to}"
    if event.instruction is not None:
        text += f"; plays the voice prompt {event.instruction!r}"
    for language, prompt in event.language_instructions:
        text += f"; in {language} {prompt!r}"
    return text + f" ({event.when})"


# =======================================================================================
# import
# =======================================================================================


def from_ical(
    text: str | bytes,
    zone: str | ZoneInfo | None = None,
    *,
    default_action: Action = Action.CLOSED,
) -> Schedule:
    """Import a schedule from an iCalendar (RFC 5545) text.

    A calendar exported by :func:`to_ical` comes back equal to the schedule exported.

    Args:
        text (str | bytes): The calendar.
        zone (str | ZoneInfo | None): The organisation's time zone: the wall clock of
            the schedule when the calendar does not carry ``X-CLOUDTEL-TIME-ZONE``.
        default_action (Action): The action of events without ``X-CLOUDTEL-ACTION``
            (e.g. a holiday calendar from elsewhere: Closed).

    Returns:
        Schedule: The events in priority order (``X-CLOUDTEL-PRIORITY``, else the order
        in the file) above the default event.

    Raises:
        ScheduleError: Something cloudtel cannot express, or a broken calendar; the
            message names the event and the property.
        ImportError: The ``ical`` extra is not installed.
    """
    ical = _icalendar()
    with _calendar_own_zones(ical):
        try:
            calendar = ical.Calendar.from_ical(text)
        except Exception as exc:  # the parser raises anything on broken input (fuzzing)
            raise ScheduleError(
                f"not an iCalendar text: {type(exc).__name__}: {exc}", field="ical"
            ) from exc
        if calendar.name != "VCALENDAR":
            raise ScheduleError(
                f"expected a VCALENDAR, found {calendar.name}", field="ical", value=calendar.name
            )
        try:
            return _read_calendar(calendar, zone, default_action)
        except CloudtelError:
            raise
        except Exception as exc:  # a property icalendar cannot read (found by fuzzing)
            raise ScheduleError(
                f"the calendar has a property that cannot be read: {type(exc).__name__}: {exc}",
                field="ical",
            ) from exc


def _read_calendar(calendar: Any, zone: str | ZoneInfo | None, default_action: Action) -> Schedule:
    own_zone = _text(calendar.get("x-cloudtel-time-zone"))
    zone_name = own_zone or (
        None if zone is None else (zone if isinstance(zone, str) else zone.key)
    )
    if zone_name is None:
        raise ScheduleError(
            "the calendar does not say its time zone (X-CLOUDTEL-TIME-ZONE): pass the "
            "organisation's zone",
            field="zone",
        )
    tz = zone_of(zone_name)
    default_instruction, default_languages = _instructions(
        calendar.get("x-cloudtel-default-instruction"), "default event"
    )
    default = DefaultEvent(
        action=_action(calendar.get("x-cloudtel-default-action"), Action.CLOSED, "calendar"),
        forward_to=_target(calendar.get("x-cloudtel-default-forward-to"), "default event"),
        instruction=default_instruction,
        language_instructions=default_languages,
    )
    read: list[tuple[float, int, ScheduleEvent]] = []
    taken: set[str] = set()
    for index, component in enumerate(calendar.walk("VEVENT")):
        event = _read_event(component, index, tz, default_action)
        if event.name in taken:
            number = 2
            while f"{event.name} ({number})" in taken:
                number += 1
            event = _renamed(event, f"{event.name} ({number})")
        taken.add(event.name)
        priority = _text(component.get("x-cloudtel-priority"))
        rank = float(priority) if priority is not None and priority.isdigit() else float("inf")
        read.append((rank, index, event))
    read.sort(key=lambda item: (item[0], item[1]))
    return Schedule(events=[event for _, _, event in read], default=default, time_zone=own_zone)


def _renamed(event: ScheduleEvent, name: str) -> ScheduleEvent:
    return ScheduleEvent(
        name=name,
        when=event.when,
        action=event.action,
        forward_to=event.forward_to,
        instruction=event.instruction,
        language_instructions=event.language_instructions,
    )


def _instructions(value: Any, where: str) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """The instruction without a language and the ``(language, prompt)`` pairs."""
    if value is None:
        return None, ()
    items = value if isinstance(value, list) else [value]
    plain: str | None = None
    pairs: list[tuple[str, str]] = []
    for item in items:
        text = _text(item)
        params = getattr(item, "params", {})
        language = params.get("LANGUAGE") if hasattr(params, "get") else None
        if language:
            pairs.append((str(language), text or ""))
        elif plain is None:
            plain = text
        else:
            raise ScheduleError(
                f"{where}: two instructions without a LANGUAGE; give the others a LANGUAGE",
                field="instruction",
            )
    return plain, tuple(pairs)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        value = value[0]
    text = str(value)
    if type(value).__name__ != "vText":
        text = _UNESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), text)
    return text


def _action(value: Any, default: Action, where: str) -> Action:
    text = _text(value)
    if text is None:
        return default
    try:
        return Action(text.strip().lower())
    except ValueError:
        raise ScheduleError(
            f"{where}: X-CLOUDTEL-ACTION {text!r} is not open, forward or closed",
            field="action",
            value=text,
        ) from None


def _target(value: Any, where: str) -> ForwardTarget | None:
    text = _text(value)
    if text is None:
        return None
    kind, _, rest = text.partition(":")
    if kind == "user" and rest:
        return ForwardTarget(user=rest)
    if kind in ("number", "function") and rest:
        number = PhoneNumber.parse(rest)
        if kind == "number":
            return ForwardTarget(number=number)
        return ForwardTarget(function_number=number)
    raise ScheduleError(
        f"{where}: forward target {text!r} is not number:+32…, user:NAME or function:+32…",
        field="forward_to",
        value=text,
    )


_UNSUPPORTED: Final = ("rdate", "exdate", "recurrence-id", "exrule")
_RULE_PARTS: Final = {
    "FREQ",
    "UNTIL",
    "COUNT",
    "INTERVAL",
    "BYDAY",
    "WKST",
    "BYMONTH",
    "BYMONTHDAY",
}


def _read_event(component: Any, index: int, tz: ZoneInfo, default_action: Action) -> ScheduleEvent:
    name = _text(component.get("summary")) or f"event {index + 1}"
    where = f"event {index + 1} ({name!r})"
    easter = _text(component.get("x-cloudtel-easter"))
    for key in _UNSUPPORTED:
        if key == "rdate" and easter is not None:
            continue
        if component.get(key) is not None:
            raise ScheduleError(
                f"{where}: {key.upper()} cannot be expressed in a cloudtel schedule (add the "
                "exceptions as events of their own above it)",
                field=key,
            )
    action = _action(component.get("x-cloudtel-action"), default_action, where)
    forward_to = _target(component.get("x-cloudtel-forward-to"), where)
    if action is Action.FORWARD and forward_to is None:
        raise ScheduleError(f"{where}: a forward event needs X-CLOUDTEL-FORWARD-TO", field="action")
    instruction, languages = _instructions(component.get("x-cloudtel-instruction"), where)
    start, end, all_day = _span(component, tz, where)
    rule = component.get("rrule")
    when: TimeDefinition
    if easter is not None:
        if rule is not None:
            raise ScheduleError(
                f"{where}: an Easter rule (X-CLOUDTEL-EASTER) cannot also have an RRULE",
                field="rrule",
            )
        when = _easter_rule(easter, start, end, component, where)
    elif rule is None:
        when = Once(start=start, end=end)
    else:
        if not all_day:
            _same_zone(component, tz, where)
        when = _rule(rule, start, end, component=component, tz=tz, where=where, all_day=all_day)
    try:
        return ScheduleEvent(
            name=name,
            when=when,
            action=action,
            forward_to=forward_to,
            instruction=instruction,
            language_instructions=languages,
        )
    except ScheduleError as exc:
        raise ScheduleError(f"{where}: {exc}", **exc.context) from exc


def _easter_rule(
    offset_text: str, start: datetime, end: datetime, component: Any, where: str
) -> Easter:
    try:
        offset = int(offset_text.strip())
    except ValueError:
        raise ScheduleError(
            f"{where}: X-CLOUDTEL-EASTER {offset_text!r} is not a number of days",
            field="x-cloudtel-easter",
            value=offset_text,
        ) from None
    first_text = _text(component.get("x-cloudtel-first"))
    until_text = _text(component.get("x-cloudtel-until"))
    count_text = _text(component.get("x-cloudtel-count"))
    try:
        first = (
            start.date()
            if first_text is None
            else None
            if first_text.strip().lower() == "none"
            else date.fromisoformat(first_text.strip())
        )
        until = None if until_text is None else date.fromisoformat(until_text.strip())
        count = None if count_text is None else int(count_text.strip())
    except ValueError as exc:
        raise ScheduleError(
            f"{where}: bad bounds of an Easter rule: {exc}", field="x-cloudtel-first"
        ) from None
    try:
        when = Easter(
            offset=offset,
            start=start.time(),
            end=end.time(),
            recurrence=Recurrence(first=first, until=until, count=count),
        )
    except ScheduleError as exc:
        raise ScheduleError(f"{where}: {exc}", **exc.context) from exc
    if when.day(start.year) != start.date() or end - start != timedelta(
        seconds=when.duration_seconds
    ):
        raise ScheduleError(
            f"{where}: DTSTART {start} to DTEND {end} is not an occurrence of "
            f"X-CLOUDTEL-EASTER {offset} (Easter Sunday {offset:+d} days, at most a day long)",
            field="dtstart",
            value=start,
        )
    return when


def _span(component: Any, tz: ZoneInfo, where: str) -> tuple[datetime, datetime, bool]:
    prop = component.get("dtstart")
    if prop is None:
        raise ScheduleError(f"{where}: no DTSTART", field="dtstart")
    start_value = prop.dt
    all_day = not isinstance(start_value, datetime)
    start = _wall(start_value, tz)
    end_prop = component.get("dtend")
    duration = component.get("duration")
    if end_prop is not None:
        end = _wall(end_prop.dt, tz)
    elif duration is not None:
        end = start + duration.dt
    elif all_day:
        end = start + timedelta(days=1)
    else:
        raise ScheduleError(
            f"{where}: an event without DTEND or DURATION lasts no time; cloudtel events "
            "last at least a second",
            field="dtend",
        )
    if end <= start:
        raise ScheduleError(
            f"{where}: ends ({end}) before or when it starts ({start})", field="dtend"
        )
    return start, end, all_day


def _wall(value: date | datetime, tz: ZoneInfo) -> datetime:
    """The naive wall-clock date-time of a DTSTART/DTEND value in the schedule's zone."""
    if not isinstance(value, datetime):
        return datetime.combine(value, time(0))
    if value.tzinfo is None:
        return value.replace(microsecond=0)
    key = getattr(value.tzinfo, "key", None)
    if key == tz.key:
        return value.replace(tzinfo=None, microsecond=0)
    return value.astimezone(tz).replace(tzinfo=None, microsecond=0)


def _same_zone(component: Any, tz: ZoneInfo, where: str) -> None:
    for key in ("dtstart", "dtend"):
        prop = component.get(key)
        if prop is None or not isinstance(prop.dt, datetime) or prop.dt.tzinfo is None:
            continue
        zone_key = getattr(prop.dt.tzinfo, "key", None)
        if zone_key != tz.key:
            shown = zone_key or prop.params.get("TZID") or str(prop.dt.tzinfo)
            raise ScheduleError(
                f"{where}: a repeating event in time zone {shown} cannot be expressed in a "
                f"schedule that runs on the wall clock of {tz.key}",
                field=key,
                value=shown,
            )


def _rule(
    rule: Any,
    start: datetime,
    end: datetime,
    *,
    component: Any,
    tz: ZoneInfo,
    where: str,
    all_day: bool,
) -> Weekly | Yearly:
    if isinstance(rule, list):
        if len(rule) != 1:
            raise ScheduleError(f"{where}: more than one RRULE", field="rrule")
        rule = rule[0]
    parts = {key.upper(): value for key, value in rule.items()}
    unknown = sorted(set(parts) - _RULE_PARTS)
    if unknown:
        raise ScheduleError(
            f"{where}: RRULE part {unknown[0]} cannot be expressed in a cloudtel schedule",
            field="rrule",
            value=unknown[0],
        )
    freq = str(parts["FREQ"][0]).upper() if "FREQ" in parts else ""
    interval = int(parts.get("INTERVAL", [1])[0])
    if interval != 1:
        raise ScheduleError(
            f"{where}: RRULE INTERVAL={interval} (every {interval} periods) cannot be "
            "expressed; cloudtel repeats every week or every year",
            field="rrule",
            value=interval,
        )
    recurrence = _bounds(parts, start, component, tz, where, all_day=all_day)
    if freq in ("WEEKLY", "DAILY"):
        if "BYMONTH" in parts or "BYMONTHDAY" in parts:
            raise ScheduleError(
                f"{where}: a weekly RRULE with BYMONTH or BYMONTHDAY cannot be expressed",
                field="rrule",
            )
        length = end - start
        if length > timedelta(days=1):
            raise ScheduleError(
                f"{where}: a repeating {freq.lower()} event longer than 24 hours ({length}) "
                "cannot be expressed",
                field="dtend",
            )
        if "BYDAY" in parts:
            days = [_weekday(str(code), where) for code in parts["BYDAY"]]
        elif freq == "DAILY":
            days = list(Weekday)
        else:
            days = [Weekday.of(start.date())]
        return Weekly(days=days, start=start.time(), end=end.time(), recurrence=recurrence)
    if freq == "YEARLY":
        if "BYDAY" in parts:
            raise ScheduleError(
                f"{where}: a yearly RRULE with BYDAY (e.g. the last Sunday) cannot be expressed",
                field="rrule",
            )
        if [int(m) for m in parts.get("BYMONTH", [start.month])] != [start.month] or [
            int(d) for d in parts.get("BYMONTHDAY", [start.day])
        ] != [start.day]:
            raise ScheduleError(
                f"{where}: a yearly RRULE on other days than DTSTART's cannot be expressed",
                field="rrule",
            )
        yearly = Yearly(
            start=(start.month, start.day, start.time()),
            end=(end.month, end.day, end.time()),
            recurrence=recurrence,
        )
        if _yearly_end(start, yearly) != end:
            raise ScheduleError(
                f"{where}: a yearly event from {start} to {end} lasts a year or more, which "
                "cannot be expressed",
                field="dtend",
            )
        return yearly
    raise ScheduleError(
        f"{where}: RRULE FREQ={freq or '?'} cannot be expressed; cloudtel repeats weekly "
        "(or daily) and yearly",
        field="rrule",
        value=freq,
    )


def _weekday(code: str, where: str) -> Weekday:
    key = code.strip().upper()
    if key not in _BYDAY:
        raise ScheduleError(
            f"{where}: BYDAY {code!r} (an ordinal weekday) cannot be expressed; only MO … SU",
            field="rrule",
            value=code,
        )
    return tuple(Weekday)[_BYDAY.index(key)]


def _bounds(
    parts: dict[str, Any],
    start: datetime,
    component: Any,
    tz: ZoneInfo,
    where: str,
    *,
    all_day: bool,
) -> Recurrence:
    first_text = _text(component.get("x-cloudtel-first"))
    first: date | None
    if first_text is None:
        first = start.date()
    elif first_text.strip().lower() == "none":
        first = None
    else:
        try:
            first = date.fromisoformat(first_text.strip())
        except ValueError:
            raise ScheduleError(
                f"{where}: X-CLOUDTEL-FIRST {first_text!r} is not a date or 'none'",
                field="first",
                value=first_text,
            ) from None
    until: date | None = None
    count: int | None = None
    if "UNTIL" in parts:
        until = _until(parts["UNTIL"][0], start, tz, all_day=all_day)
    if "COUNT" in parts:
        count = int(parts["COUNT"][0])
    try:
        return Recurrence(first=first, until=until, count=count)
    except ScheduleError as exc:
        raise ScheduleError(f"{where}: {exc}", **exc.context) from exc


def _until(value: date | datetime, start: datetime, tz: ZoneInfo, *, all_day: bool) -> date:
    """The last start date D of "until D" from an RRULE UNTIL.

    RFC 5545 keeps the occurrences that start at or before UNTIL; an occurrence starts on
    some day at the event's start time, so D is UNTIL's day when that time is not later
    than UNTIL's time of day, else the day before.
    """
    if not isinstance(value, datetime):
        return value
    wall = _wall(value, tz)
    if all_day:
        return wall.date()
    if start.time() <= wall.time():
        return wall.date()
    return wall.date() - timedelta(days=1)
