"""The ``cloudtel schedule`` commands: the status list, one schedule's week, the next change.

The commands that change a schedule (``event``, ``default``, ``holidays``,
``import-ical``) are in :mod:`cloudtel.cli.schedule_edit`.

Registered in :data:`cloudtel.cli.COMMANDS` through :func:`add_schedule_commands`;
:func:`status_table` is the status list as text, for ``schedule status`` and the demo.

``NUMBER`` is a function number's name (any case), short number (``5901``) or number in
any notation (``+32 9 247 06 80``, ``092470680``). Times given without a UTC offset
(``--at 2025-03-03T10:00``) are wall-clock times of the organisation's time zone.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cloudtel._files import atomic_write
from cloudtel.cli.schedule_edit import add_schedule_edit_commands
from cloudtel.cli.table import say as _print
from cloudtel.cli.table import table
from cloudtel.cli.users import print_json
from cloudtel.errors import InvalidValueError
from cloudtel.functions import FunctionNumber, FunctionStatus
from cloudtel.schedules import ScheduleState, zone_of
from cloudtel.schedules.ical import to_ical
from cloudtel.schedules.view import Stretch, describe_events, week_view
from cloudtel.serialization import load, make_converter

__all__ = ["add_schedule_commands", "describe_state", "status_table"]


# --- the status list as text (schedule status and the demo) -------------------------


def describe_state(state: ScheduleState) -> str:
    """A state in the words of the status list: ``open``, ``closed (User unavailable)`` …

    Args:
        state (ScheduleState): The state.

    Returns:
        str: One short line.
    """
    text = state.action.value
    if state.forward_to is not None:
        text += f" to {state.forward_to}"
    if state.instruction is not None:
        text += f", plays {state.instruction!r}"
    return text


def status_table(statuses: Iterable[FunctionStatus], zone: str) -> str:
    """The status list as a text table (name, number, short number, type, status, next).

    Args:
        statuses (Iterable[FunctionStatus]): From :meth:`FunctionNumbers.status
            <cloudtel.FunctionNumbers.status>`.
        zone (str): The organisation's time zone, for showing the next change.

    Returns:
        str: The table; ``(no function numbers)`` when there are none.
    """
    rows = []
    for status in statuses:
        function = status.function
        change = status.next_change
        if change is None:
            next_text = "never"
        else:
            local = change.at.astimezone(zone_of(function.time_zone or zone))
            next_text = f"{local:%Y-%m-%d %H:%M} {describe_state(change.state)}"
        mark = "●" if status.is_open else "○"
        rows.append(
            (
                function.name,
                function.number.e164,
                function.short_number or "",
                function.kind.label,
                f"{mark} {describe_state(status.state)}",
                next_text,
            )
        )
    if not rows:
        return "(no function numbers)"
    return table(rows, ("Name", "Number", "Short", "Type", "Status", "Next change"))


# --- the commands ----------------------------------------------------------------------


def _instant(text: str | None, zone: str, option: str) -> datetime:
    if text is None:
        return datetime.now(UTC).astimezone(zone_of(zone))
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidValueError(
            f"{option} {text!r} is not an ISO 8601 date-time like 2025-03-03T10:00 or "
            "2025-03-03T10:00+01:00",
            field=option,
            value=text,
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone_of(zone))
    return value


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise InvalidValueError(
            f"{option} {text!r} is not a date like 2025-03-03", field=option, value=text
        ) from None


def _status(args: argparse.Namespace) -> int:
    org = load(args.file)
    at = _instant(args.at, org.time_zone, "--at")
    local = at.astimezone(zone_of(org.time_zone))
    _print(f"Function numbers of {org.name}, status at {local:%Y-%m-%d %H:%M %Z}")
    _print(status_table(org.functions.status(at), org.time_zone))
    return 0


def _show(args: argparse.Namespace) -> int:
    org = load(args.file)
    function = org.functions.find(args.number)
    zone = org.functions.time_zone_of(function.name)
    week = week_view(function.schedule, org.time_zone, _day(args.week, "--week"))
    if args.json:
        converter = make_converter("json", region=org.country)
        print_json(
            {
                "command": "schedule show",
                "file": str(args.file),
                "function": converter.unstructure(function, FunctionNumber),
                "time_zone": zone,
                "week": {
                    "monday": week.monday.isoformat(),
                    "zone": week.zone,
                    "stretches": [_stretch_data(stretch) for stretch in week.stretches],
                },
            }
        )
        return 0
    _print(f"{function.label}  {function.number.international}  (time zone {zone})")
    _print("Events, highest priority first:")
    for line in describe_events(function.schedule):
        _print(f"  {line}")
    _print("")
    _print(week.text())
    return 0


def _stretch_data(stretch: Stretch) -> dict[str, Any]:
    state = stretch.state
    return {
        "start": stretch.start.isoformat(),
        "end": stretch.end.isoformat(),
        "action": state.action.value,
        "forward_to": None if state.forward_to is None else str(state.forward_to),
        "instruction": state.instruction,
        "event": stretch.event,
    }


def _next(args: argparse.Namespace) -> int:
    org = load(args.file)
    function = org.functions.find(args.number)
    zone = org.functions.time_zone_of(function.name)
    after = _instant(args.after, zone, "--after")
    state = function.schedule.state_at(after, org.time_zone)
    change = function.schedule.next_change(after, org.time_zone)
    local = after.astimezone(zone_of(zone))
    _print(f"{function.label} at {local:%Y-%m-%d %H:%M:%S %Z}: {describe_state(state)}")
    if change is None:
        _print("next change: none, the state never changes after that")
    else:
        when = change.at.astimezone(zone_of(zone))
        _print(f"next change: {when:%Y-%m-%d %H:%M:%S %Z} ({when.isoformat()})")
        _print(f"  {describe_state(change.previous)} -> {describe_state(change.state)}")
    return 0


def _export(args: argparse.Namespace) -> int:
    org = load(args.file)
    function = org.functions.find(args.number)
    text = to_ical(function.schedule, org.time_zone, name=function.name)
    if args.output is None:
        sys.stdout.write(text)
    else:
        atomic_write(Path(args.output), text.encode("utf-8"))
        _print(f"wrote {args.output} ({len(function.schedule.events)} events)")
    return 0


def add_schedule_commands(sub: Any) -> None:
    """Add ``cloudtel schedule status|show|next|export`` to the ``cloudtel`` command.

    Args:
        sub: The subparsers object of the main parser.
    """
    schedule = sub.add_parser(
        "schedule",
        help="function numbers' schedules: status list, a week, the next change; edit them",
        description="Ask and change the schedules of the function numbers. NUMBER is a function "
        "number's name, short number or number in any notation; a time without a UTC "
        "offset is wall-clock time of the organisation (for next: of the function number's zone).",
    )
    commands = schedule.add_subparsers(dest="schedule_command", metavar="COMMAND", required=True)

    cmd = commands.add_parser("status", help="every function number: open, closed or forward")
    cmd.add_argument("file", help="the org file")
    cmd.add_argument("--at", help="the instant, ISO 8601 (default: now)")
    cmd.set_defaults(run=_status)

    cmd = commands.add_parser("show", help="one schedule's events in order and a week view")
    cmd.add_argument("file", help="the org file")
    cmd.add_argument("number", metavar="NUMBER", help="name, short number or number")
    cmd.add_argument("--week", help="any day of the week to show, e.g. 2025-03-03 (default: now)")
    cmd.add_argument(
        "--json",
        action="store_true",
        help="print the function number and its schedule as the org file's JSON holds "
        "them, and the week's stretches",
    )
    cmd.set_defaults(run=_show)

    cmd = commands.add_parser("next", help="the next change of a function number's state")
    cmd.add_argument("file", help="the org file")
    cmd.add_argument("number", metavar="NUMBER", help="name, short number or number")
    cmd.add_argument("--after", help="the instant, ISO 8601 (default: now)")
    cmd.set_defaults(run=_next)

    cmd = commands.add_parser("export", help="a schedule as an iCalendar (.ics) file")
    cmd.add_argument("file", help="the org file")
    cmd.add_argument("number", metavar="NUMBER", help="name, short number or number")
    cmd.add_argument("-o", "--output", help="the .ics file to write (default: standard output)")
    cmd.set_defaults(run=_export)

    add_schedule_edit_commands(commands)
