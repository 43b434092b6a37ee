"""The ``cloudtel function add|set|remove`` commands: function numbers.

Registered in :data:`cloudtel.cli.COMMANDS` through :func:`add_functions_commands`;
they run through :mod:`cloudtel.cli.edit`. Their schedules are changed with
``cloudtel schedule`` (:mod:`cloudtel.cli.schedule`).

``NUMBER`` names a function number by its name (any case), short number or number
in any notation; a new function number's number may be ``free`` (the first number
of the ranges nobody holds).
"""

from __future__ import annotations

import argparse
from typing import Any

from cloudtel.cli.edit import Outcome, add_edit_command
from cloudtel.cli.users import line_number
from cloudtel.functions import FunctionKind, FunctionNumber
from cloudtel.org import Organization

__all__ = ["add_functions_commands", "function_data"]


def function_data(function: FunctionNumber) -> dict[str, Any]:
    """A function number as JSON values (for ``--json``).

    Args:
        function (FunctionNumber): The function number.

    Returns:
        dict[str, Any]: Name, kind, number (E.164), short number, time zone, event names.
    """
    return {
        "name": function.name,
        "kind": function.kind.value,
        "number": function.number.e164,
        "short_number": function.short_number,
        "time_zone": function.time_zone,
        "events": [e.name for e in function.schedule.events],
        "default": function.schedule.default.action.value,
    }


def _function_add(org: Organization, args: argparse.Namespace) -> Outcome:
    function = org.functions.create(
        args.name,
        FunctionKind.parse(args.kind),
        line_number(org, args.number),
        short_number=args.short,
        time_zone=args.time_zone,
    )
    return Outcome(
        f"added {function.label} on {function.number.international} (schedule: always closed)",
        function_data(function),
    )


def _function_set(org: Organization, args: argparse.Namespace) -> Outcome:
    current = org.functions.find(args.key)
    changes: dict[str, Any] = {}
    if args.name is not None:
        changes["name"] = args.name
    if args.kind is not None:
        changes["kind"] = FunctionKind.parse(args.kind)
    if args.number is not None:
        changes["number"] = line_number(org, args.number)
    if args.no_short:
        changes["short_number"] = None
    elif args.short is not None:
        changes["short_number"] = args.short
    if args.no_time_zone:
        changes["time_zone"] = None
    elif args.time_zone is not None:
        changes["time_zone"] = args.time_zone
    function = org.functions.update(current.name, **changes) if changes else current
    what = ", ".join(sorted(changes)) or "nothing"
    return Outcome(f"changed {function.label}: {what}", function_data(function))


def _function_remove(org: Organization, args: argparse.Namespace) -> Outcome:
    function = org.functions.remove(args.key)
    return Outcome(
        f"removed {function.label}; {function.number.international} is free",
        function_data(function),
    )


def add_functions_commands(sub: Any) -> None:
    """Add ``cloudtel function add|set|remove`` to the ``cloudtel`` command.

    Args:
        sub: The subparsers object of the main parser.
    """
    kinds = ", ".join(k.value for k in FunctionKind)
    group = sub.add_parser(
        "function",
        help="add, change or remove a function number (IVR, ACD, hunt group …)",
        description="Function numbers: numbers that ring a group, a menu or a shared line. "
        "NUMBER is a function number's name, short number or number.",
    )
    actions = group.add_subparsers(dest="function_command", metavar="ACTION", required=True)

    cmd = add_edit_command(
        actions,
        "add",
        _function_add,
        help="add a function number with an empty schedule (always closed)",
        full_name="function add",
    )
    cmd.add_argument("name", help="its name, unique in the organisation")
    cmd.add_argument("--kind", required=True, help=f"the kind: {kinds}")
    cmd.add_argument(
        "--number", required=True, metavar="NUMBER|free", help="a free number of the ranges"
    )
    cmd.add_argument("--short", help="the short number dialled inside, e.g. 5901")
    cmd.add_argument("--time-zone", help="an IANA zone overriding the organisation's")

    cmd = add_edit_command(
        actions,
        "set",
        _function_set,
        help="change a function number's name, kind, number, short number or time zone",
        full_name="function set",
    )
    cmd.add_argument("key", metavar="NUMBER", help="name, short number or number")
    cmd.add_argument("--name", help="a new name")
    cmd.add_argument("--kind", help=f"a new kind: {kinds}")
    cmd.add_argument("--number", metavar="NUMBER|free", help="a new number of the ranges")
    short = cmd.add_mutually_exclusive_group()
    short.add_argument("--short", help="a new short number")
    short.add_argument("--no-short", action="store_true", help="remove the short number")
    zone = cmd.add_mutually_exclusive_group()
    zone.add_argument("--time-zone", help="an IANA zone overriding the organisation's")
    zone.add_argument(
        "--no-time-zone", action="store_true", help="follow the organisation's time zone"
    )

    cmd = add_edit_command(
        actions,
        "remove",
        _function_remove,
        help="delete a function number and its schedule (refused while another forwards to it)",
        full_name="function remove",
    )
    cmd.add_argument("key", metavar="NUMBER", help="name, short number or number")
