"""The ``cloudtel schedule`` commands that change a schedule.

``schedule event add|set|move|remove``, ``schedule default``, ``schedule holidays
add`` and ``schedule import-ical``: added to the ``schedule`` command by
:func:`add_schedule_edit_commands` (called from :mod:`cloudtel.cli.schedule`); they
run through :mod:`cloudtel.cli.edit`.

When an event is in force is one of:

- ``--weekly DAYS HH:MM-HH:MM``: days such as ``mon-fri``, ``sat,sun`` or
  ``mon-wed,fri``; an end not after the start runs into the next day;
- ``--yearly MM-DD[THH:MM] MM-DD[THH:MM]``: every year, e.g. ``12-25 12-26``;
- ``--once START END``: one date-time to another, e.g. ``2026-12-24T12:00
  2026-12-25``;
- ``--easter DAYS``: every year, the whole day ``DAYS`` after Easter Sunday (1 is
  Easter Monday, 39 Ascension, -2 Good Friday);

with ``--first DATE`` and ``--until DATE`` or ``--count N`` bounding a repeating
event. ``--to`` (for a forward) is ``user:USERNAME`` (or the bare username),
``function:NUMBER`` or a phone number. Positions count from 1 (the top, highest priority).
"""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, time
from typing import Any

import attrs

from cloudtel._enums import canonical
from cloudtel._files import read_bounded
from cloudtel.cli.edit import Outcome, add_edit_command
from cloudtel.cli.functions import function_data
from cloudtel.errors import InvalidValueError, ScheduleError
from cloudtel.numbers import PhoneNumber
from cloudtel.org import Organization
from cloudtel.schedules import (
    NEVER,
    Action,
    Easter,
    ForwardTarget,
    Once,
    Recurrence,
    ScheduleEvent,
    TimeDefinition,
    Weekday,
    Weekly,
    Yearly,
    zone_of,
)
from cloudtel.schedules.holidays import add_public_holidays
from cloudtel.schedules.ical import from_ical

__all__ = ["add_schedule_edit_commands"]

_DAYS = tuple(Weekday)


def _bad(option: str, text: str, form: str) -> InvalidValueError:
    return InvalidValueError(
        f"{option} {text!r} is not {form}", field=option.lstrip("-"), value=text
    )


def _clock(text: str, option: str) -> time:
    try:
        value = time.fromisoformat(text.strip())
    except ValueError:
        raise _bad(option, text, "a time like 09:00") from None
    return value.replace(microsecond=0)


def _days(text: str) -> tuple[Weekday, ...]:
    names = [d.value for d in _DAYS]
    full = [d.name.lower() for d in _DAYS]

    def index(name: str) -> int:
        name = name.strip()
        if name in names:
            return names.index(name)
        if name in full:
            return full.index(name)
        raise _bad("--weekly", text, "days like mon-fri, sat,sun or mon-wed,fri")

    days: list[Weekday] = []
    for part in text.lower().split(","):
        first, dash, last = part.strip().partition("-")
        start = index(first)
        end = index(last) if dash else start
        span = range(start, end + 1) if end >= start else [*range(start, 7), *range(end + 1)]
        days.extend(_DAYS[i] for i in span)
    return tuple(days)


def _month_day(text: str, option: str) -> tuple[int, int, time]:
    day, _, clock = text.strip().partition("T")
    month, dash, number = day.partition("-")
    if not dash or not month.isdigit() or not number.isdigit():
        raise _bad(option, text, "a day of the year like 12-25 or 12-24T12:00")
    return (int(month), int(number), _clock(clock, option) if clock else time(0))


def _moment(text: str, option: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise _bad(option, text, "a date or date-time like 2026-12-24T12:00") from None
    if value.tzinfo is not None:
        raise _bad(option, text, "a wall-clock time (write it without a UTC offset)")
    return value.replace(microsecond=0)


def _date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise _bad(option, text, "a date like 2026-01-01") from None


def _recurrence(args: argparse.Namespace, current: Recurrence) -> Recurrence:
    """``current`` with the bounds the options give; ``--until`` and ``--count`` replace
    each other."""
    if args.first is None and args.until is None and args.count is None:
        return current
    first = current.first if args.first is None else _date(args.first, "--first")
    until, count = current.until, current.count
    if args.until is not None:
        until, count = _date(args.until, "--until"), None
    if args.count is not None:
        until, count = None, args.count
    return Recurrence(first=first, until=until, count=count)


def _when(args: argparse.Namespace, current: TimeDefinition | None) -> TimeDefinition | None:
    """The time definition the options give, else ``current`` with a new recurrence."""
    if args.weekly is not None:
        days, span = args.weekly
        start, dash, end = span.partition("-")
        if not dash:
            raise _bad("--weekly", span, "a span of time like 09:00-18:00")
        base = current.recurrence if isinstance(current, Weekly | Yearly | Easter) else NEVER
        return Weekly(
            days=_days(days),
            start=_clock(start, "--weekly"),
            end=_clock(end, "--weekly"),
            recurrence=_recurrence(args, base),
        )
    if args.yearly is not None:
        base = current.recurrence if isinstance(current, Weekly | Yearly | Easter) else NEVER
        return Yearly(
            start=_month_day(args.yearly[0], "--yearly"),
            end=_month_day(args.yearly[1], "--yearly"),
            recurrence=_recurrence(args, base),
        )
    if args.easter is not None:
        base = current.recurrence if isinstance(current, Weekly | Yearly | Easter) else NEVER
        return Easter(offset=args.easter, recurrence=_recurrence(args, base))
    if args.once is not None:
        if args.first or args.until or args.count:
            raise ScheduleError(
                "--first, --until and --count bound a repeating event, not --once",
                field="recurrence",
            )
        return Once(start=_moment(args.once[0], "--once"), end=_moment(args.once[1], "--once"))
    if current is None:
        return None
    if isinstance(current, Weekly | Yearly | Easter):
        return attrs.evolve(current, recurrence=_recurrence(args, current.recurrence))
    if args.first or args.until or args.count:
        raise ScheduleError(
            "--first, --until and --count bound a repeating event, not a one-off",
            field="recurrence",
        )
    return current


def _target(org: Organization, text: str | None) -> ForwardTarget | None:
    if text is None:
        return None
    kind, colon, rest = text.partition(":")
    if colon and kind.strip().lower() == "user":
        return ForwardTarget(user=org.user(rest).username)
    if colon and kind.strip().lower() == "function":
        return ForwardTarget(function_number=org.functions.find(rest).number)
    if "@" in text:  # a username given without 'user:'
        return ForwardTarget(user=org.user(text).username)
    return ForwardTarget(number=PhoneNumber.parse(text, org.country))


def _action(text: str | None) -> Action | None:
    return None if text is None else Action(text)


def _position(value: int | None, size: int, option: str = "--position") -> int | None:
    if value is None:
        return None
    if not 1 <= value <= size:
        raise InvalidValueError(
            f"{option} {value} is outside the schedule (1 is the top, {size} the bottom)",
            field=option.lstrip("-"),
            value=value,
        )
    return value - 1


def _not_over(
    org: Organization, function_name: str, args: argparse.Namespace, when: object
) -> None:
    """Refuse an ``--until`` before today or a ``--once`` that has ended: such an event
    is never in force again (a typo for next year, most likely)."""
    zone = org.functions.time_zone_of(function_name)
    now = datetime.now(UTC).astimezone(zone_of(zone)).replace(tzinfo=None, microsecond=0)
    recurrence = getattr(when, "recurrence", None)
    until = None if recurrence is None else recurrence.until
    if args.until is not None and until is not None and until < now.date():
        raise ScheduleError(
            f"--until {until.isoformat()} is before today ({now.date().isoformat()} in {zone}): "
            "the event would never be in force again; give a later date, or remove the "
            "event with 'cloudtel schedule event remove'",
            field="until",
            value=args.until,
        )
    if args.once is not None and isinstance(when, Once) and when.end <= now:
        raise ScheduleError(
            f"--once ends at {when.end:%Y-%m-%d %H:%M}, which is over (it is "
            f"{now:%Y-%m-%d %H:%M} in {zone}): the event would never be in force; give "
            "dates to come",
            field="once",
            value=" ".join(args.once),
        )


def _event_add(org: Organization, args: argparse.Namespace) -> Outcome:
    function = org.functions.find(args.number)
    when = _when(args, None)
    if when is None:
        raise ScheduleError(
            "an event needs --weekly, --yearly or --once to say when it is in force",
            field="when",
        )
    _not_over(org, function.name, args, when)
    action = _action(args.action) or Action.CLOSED
    event = ScheduleEvent(
        name=args.event,
        when=when,
        action=action,
        forward_to=_target(org, args.to),
        instruction=args.prompt,
    )
    schedule = function.schedule
    position = _position(args.position, len(schedule.events) + 1)
    function = org.functions.set_schedule(function.name, schedule.insert(event, position))
    at = [e.name for e in function.schedule.events].index(event.name) + 1
    return Outcome(
        f"added event {event.name!r} ({event.when}, {event.state}) to {function.label} "
        f"at position {at}",
        function_data(function),
    )


def _event_set(org: Organization, args: argparse.Namespace) -> Outcome:
    function = org.functions.find(args.number)
    schedule = function.schedule
    old = schedule.event(args.event)
    action = _action(args.action) or old.action
    forward_to = _target(org, args.to)
    if forward_to is None and action is Action.FORWARD:
        forward_to = old.forward_to
    instruction = None if args.no_prompt else (args.prompt or old.instruction)
    when = _when(args, old.when) or old.when
    _not_over(org, function.name, args, when)
    new = ScheduleEvent(
        name=args.name or old.name,
        when=when,
        action=action,
        forward_to=forward_to,
        instruction=instruction,
    )
    function = org.functions.set_schedule(function.name, schedule.replace(old.name, new))
    return Outcome(
        f"changed event {old.name!r} of {function.label}: {new.name!r} {new.when}, {new.state}",
        function_data(function),
    )


def _event_move(org: Organization, args: argparse.Namespace) -> Outcome:
    function = org.functions.find(args.number)
    schedule = function.schedule
    position = _position(args.position, len(schedule.events), "POSITION") or 0
    function = org.functions.set_schedule(function.name, schedule.move(args.event, position))
    order = ", ".join(e.name for e in function.schedule.events)
    return Outcome(
        f"moved event {args.event!r} of {function.label} to position {args.position}: {order}",
        function_data(function),
    )


def _event_remove(org: Organization, args: argparse.Namespace) -> Outcome:
    function = org.functions.find(args.number)
    event = function.schedule.event(args.event)
    function = org.functions.set_schedule(function.name, function.schedule.remove(event.name))
    return Outcome(f"removed event {event.name!r} from {function.label}", function_data(function))


def _default(org: Organization, args: argparse.Namespace) -> Outcome:
    function = org.functions.find(args.number)
    schedule = function.schedule.set_default(
        Action(args.action), forward_to=_target(org, args.to), instruction=args.prompt
    )
    function = org.functions.set_schedule(function.name, schedule)
    return Outcome(
        f"the default event of {function.label} is now: {function.schedule.default.state}",
        function_data(function),
    )


def _years(texts: list[str]) -> list[int]:
    years: list[int] = []
    for text in texts:
        for part in text.split(","):
            first, dash, last = part.strip().partition("-")
            if not first.isdigit() or (dash and not last.isdigit()):
                raise _bad("--years", text, "years like 2026, 2026-2028 or 2026,2027")
            years.extend(range(int(first), int(last if dash else first) + 1))
    return years


def _holidays_add(org: Organization, args: argparse.Namespace) -> Outcome:
    # each holiday is one yearly rule (Easter-based ones included); --years only for
    # the holidays of a country that follow no rule
    function = org.functions.find(args.number)
    before = {e.name for e in function.schedule.events}
    schedule = add_public_holidays(
        function.schedule,
        args.country,
        None if args.years is None else _years(args.years),
        position=None if args.bottom else 0,
        subdivision=args.subdivision,
        language=args.language,
        action=Action(args.action),
        instruction=args.prompt,
    )
    function = org.functions.set_schedule(function.name, schedule)
    added = [e.name for e in function.schedule.events if e.name not in before]
    return Outcome(
        f"added {len(added)} holidays of {args.country.upper()} to {function.label}",
        {**function_data(function), "added": added},
    )


def _import_ical(org: Organization, args: argparse.Namespace) -> Outcome:
    function = org.functions.find(args.number)
    zone = org.functions.time_zone_of(function.name)
    imported = from_ical(read_bounded(args.ics, what="iCalendar file"), zone)
    if args.append:
        schedule = function.schedule
        for event in imported.events:
            schedule = schedule.insert(event)
    else:
        schedule = attrs.evolve(imported, time_zone=function.schedule.time_zone)
    function = org.functions.set_schedule(function.name, schedule)
    how = "appended to" if args.append else "replacing the schedule of"
    return Outcome(
        f"imported {len(imported.events)} events from {args.ics}, {how} {function.label}",
        function_data(function),
    )


def _event_arguments(cmd: argparse.ArgumentParser) -> None:
    when = cmd.add_mutually_exclusive_group()
    when.add_argument(
        "--weekly",
        nargs=2,
        metavar=("DAYS", "HH:MM-HH:MM"),
        help="every week on these days, e.g. mon-fri 09:00-18:00",
    )
    when.add_argument(
        "--yearly",
        nargs=2,
        metavar=("MM-DD[THH:MM]", "MM-DD[THH:MM]"),
        help="every year, e.g. 12-25 12-26",
    )
    when.add_argument(
        "--once",
        nargs=2,
        metavar=("START", "END"),
        help="once, from a date(-time) to another, e.g. 2026-12-24T12:00 2026-12-25",
    )
    when.add_argument(
        "--easter", type=int, metavar="DAYS", help="every year, the whole day DAYS after Easter"
    )
    cmd.add_argument("--first", metavar="DATE", help="the first day it may occur")
    bound = cmd.add_mutually_exclusive_group()
    bound.add_argument("--until", metavar="DATE", help="the last day an occurrence starts")
    bound.add_argument("--count", type=int, help="after this many occurrences")
    cmd.add_argument(
        "--action",
        type=canonical(Action),
        choices=[a.value for a in Action],
        help="what calls get (add: closed); any case",
    )
    cmd.add_argument(
        "--to",
        metavar="TARGET",
        help="forward to user:NAME (or a username), function:NUMBER, or a number",
    )


def add_schedule_edit_commands(commands: Any) -> None:
    """Add the ``schedule`` commands that change a schedule.

    Args:
        commands: The subparsers object of the ``schedule`` command.
    """
    event = commands.add_parser("event", help="add, change, move or remove a schedule event")
    actions = event.add_subparsers(dest="event_command", metavar="ACTION", required=True)

    cmd = add_edit_command(
        actions,
        "add",
        _event_add,
        help="add an event to a function number's schedule",
        full_name="schedule event add",
    )
    cmd.add_argument("number", metavar="NUMBER", help="the function number")
    cmd.add_argument("event", metavar="EVENT", help="the new event's name")
    _event_arguments(cmd)
    cmd.add_argument("--prompt", help="the voice prompt to play (by name)")
    cmd.add_argument("--position", type=int, help="its place, 1 is the top (default: the bottom)")

    cmd = add_edit_command(
        actions,
        "set",
        _event_set,
        help="change an event: name, time, action, target or prompt",
        full_name="schedule event set",
    )
    cmd.add_argument("number", metavar="NUMBER", help="the function number")
    cmd.add_argument("event", metavar="EVENT", help="the event's name")
    cmd.add_argument("--name", help="a new name")
    _event_arguments(cmd)
    prompt = cmd.add_mutually_exclusive_group()
    prompt.add_argument("--prompt", help="the voice prompt to play (by name)")
    prompt.add_argument("--no-prompt", action="store_true", help="play no prompt")

    cmd = add_edit_command(
        actions,
        "move",
        _event_move,
        help="move an event to another priority (1 is the top)",
        full_name="schedule event move",
    )
    cmd.add_argument("number", metavar="NUMBER", help="the function number")
    cmd.add_argument("event", metavar="EVENT", help="the event's name")
    cmd.add_argument("position", metavar="POSITION", type=int, help="its new place, 1 is the top")

    cmd = add_edit_command(
        actions,
        "remove",
        _event_remove,
        help="remove an event from a schedule",
        full_name="schedule event remove",
    )
    cmd.add_argument("number", metavar="NUMBER", help="the function number")
    cmd.add_argument("event", metavar="EVENT", help="the event's name")

    cmd = add_edit_command(
        commands,
        "default",
        _default,
        help="set what happens where no event is in force",
        full_name="schedule default",
    )
    cmd.add_argument("number", metavar="NUMBER", help="the function number")
    cmd.add_argument(
        "--action", required=True, type=canonical(Action), choices=[a.value for a in Action]
    )
    cmd.add_argument(
        "--to",
        metavar="TARGET",
        help="forward to user:NAME (or a username), function:NUMBER, or a number",
    )
    cmd.add_argument("--prompt", help="the voice prompt to play (by name)")

    holidays = commands.add_parser("holidays", help="add a country's public holidays")
    actions = holidays.add_subparsers(dest="holidays_command", metavar="ACTION", required=True)
    cmd = add_edit_command(
        actions,
        "add",
        _holidays_add,
        help="add a country's public holidays as events (already there: skipped)",
        full_name="schedule holidays add",
    )
    cmd.add_argument("number", metavar="NUMBER", help="the function number")
    cmd.add_argument("country", metavar="COUNTRY", help="ISO code, e.g. BE")
    cmd.add_argument(
        "--years",
        nargs="+",
        help="for holidays that follow no yearly rule (added as one-off events in these "
        "years), e.g. 2026, 2026-2028 or 2026 2027",
    )
    cmd.add_argument("--subdivision", help="a region with its own holidays")
    cmd.add_argument("--language", help="language of the event names, e.g. nl")
    cmd.add_argument(
        "--action", type=canonical(Action), choices=("closed", "open"), default="closed"
    )
    cmd.add_argument("--prompt", help="the voice prompt to play on those days")
    cmd.add_argument(
        "--bottom", action="store_true", help="below the other events (default: on top)"
    )

    cmd = add_edit_command(
        commands,
        "import-ical",
        _import_ical,
        help="replace a schedule by an iCalendar (.ics) file's events",
        full_name="schedule import-ical",
    )
    cmd.add_argument("number", metavar="NUMBER", help="the function number")
    cmd.add_argument("ics", metavar="ICS", help="the .ics file")
    cmd.add_argument(
        "--append", action="store_true", help="add its events below the current ones instead"
    )
