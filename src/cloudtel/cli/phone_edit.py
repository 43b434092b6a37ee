"""The ``cloudtel`` commands that change SIP desk phones: ``phone add|assign|remove``
and ``key set|clear``.

Added by :func:`add_phone_edit_commands` (called from :mod:`cloudtel.cli.phones`,
which lists phones and keys and provisions them); they run through
:mod:`cloudtel.cli.edit`. ``MAC`` is a phone's MAC address in any common notation;
``POSITION`` is a key: ``L20`` (line key 20, the portal's T20), ``P3``
(programmable key 3) or ``E1.5`` (expansion module 1, key 5).
"""

from __future__ import annotations

import argparse
from typing import Any

from cloudtel.cli.edit import Outcome, add_edit_command
from cloudtel.devices import (
    EmptyKey,
    ExtensionKey,
    Key,
    KeyPosition,
    LineKey,
    PhoneNumberKey,
    SipPhone,
)
from cloudtel.errors import InvalidValueError
from cloudtel.numbers import PhoneNumber
from cloudtel.org import Organization

__all__ = ["add_phone_edit_commands"]


def _phone_data(phone: SipPhone) -> dict[str, Any]:
    return {
        "mac": phone.name,
        "family": phone.family,
        "model": phone.model,
        "user": phone.user,
        "description": phone.description,
        "free_seating": phone.free_seating,
        "expansion_modules": phone.expansion_modules,
        "keys": len(phone.layout),
    }


def _phone_add(org: Organization, args: argparse.Namespace) -> Outcome:
    user = None if args.user is None else org.user(args.user).username
    phone = org.phones.add(
        SipPhone(
            mac=args.mac,
            family=args.family.strip().lower(),
            model=args.model,
            description=args.description or "",
            user=user,
            free_seating=args.free_seating,
            expansion_modules=args.expansion_modules,
        )
    )
    to = f", assigned to {phone.user}" if phone.user else ", not assigned"
    return Outcome(
        f"added phone {phone.name} ({phone.family.capitalize()} {phone.model}){to}",
        _phone_data(phone),
    )


def _phone_assign(org: Organization, args: argparse.Namespace) -> Outcome:
    if (args.user is None) == (not args.nobody):
        raise InvalidValueError(
            "phone assign takes a USER, or --nobody to take the phone from its user",
            field="user",
        )
    user = None if args.nobody else org.user(args.user).username
    phone = org.phones.update(args.mac, user=user)
    text = f"assigned phone {phone.name} to {user}" if user else f"phone {phone.name} is unassigned"
    return Outcome(text, _phone_data(phone))


def _phone_remove(org: Organization, args: argparse.Namespace) -> Outcome:
    phone = org.phones.remove(args.mac)
    return Outcome(f"removed phone {phone.name}", _phone_data(phone))


def _key(org: Organization, args: argparse.Namespace) -> Key:
    given = [args.line is not None, args.extension is not None, args.number is not None]
    if sum(given) != 1:
        raise InvalidValueError(
            "key set takes one of --line N, --extension USER or --number NUMBER --label TEXT",
            field="key",
        )
    if args.line is not None:
        return LineKey(account=args.line)
    if args.extension is not None:
        return ExtensionKey(username=org.user(args.extension).username)
    if not args.label:
        raise InvalidValueError("a speed-dial key (--number) needs --label TEXT", field="label")
    return PhoneNumberKey(label=args.label, number=PhoneNumber.parse(args.number, org.country))


def _describe(key: Key) -> str:
    if isinstance(key, LineKey):
        return f"line (account {key.account})"
    if isinstance(key, ExtensionKey):
        return f"extension of {key.username}"
    if isinstance(key, PhoneNumberKey):
        return f"speed dial {key.label!r} {key.number.international}"
    return "empty"


def _key_set(org: Organization, args: argparse.Namespace) -> Outcome:
    position = KeyPosition.parse(args.position)
    key = _key(org, args)
    phone = org.phones.set_key(args.mac, position, key)
    return Outcome(
        f"phone {phone.name}: {position.describe()} ({position}) is now {_describe(key)}",
        {"mac": phone.name, "position": str(position), "key": _describe(key)},
    )


def _key_clear(org: Organization, args: argparse.Namespace) -> Outcome:
    position = KeyPosition.parse(args.position)
    phone = org.phones.set_key(args.mac, position, EmptyKey())
    return Outcome(
        f"phone {phone.name}: cleared {position.describe()} ({position})",
        {"mac": phone.name, "position": str(position), "key": "empty"},
    )


def add_phone_edit_commands(sub: Any) -> None:
    """Add ``phone add|assign|remove`` and ``key set|clear`` to the ``cloudtel`` command.

    Args:
        sub: The subparsers object of the main parser.
    """
    group = sub.add_parser(
        "phone",
        help="add a SIP desk phone, assign it to a user, or remove it",
        description="SIP desk phones. List them with 'cloudtel phones'; write their files "
        "with 'cloudtel provision'.",
    )
    actions = group.add_subparsers(dest="phone_command", metavar="ACTION", required=True)

    cmd = add_edit_command(
        actions, "add", _phone_add, help="add a phone by its MAC address", full_name="phone add"
    )
    cmd.add_argument("mac", metavar="MAC", help="its MAC address, e.g. 08:00:0f:bb:ad:78")
    cmd.add_argument("--family", required=True, help="the driver family, e.g. mitel or yealink")
    cmd.add_argument("--model", required=True, help="the model, e.g. 6940")
    cmd.add_argument("--user", help="the user it belongs to")
    cmd.add_argument("--description", help="where it is, e.g. reception desk")
    cmd.add_argument(
        "--free-seating", action="store_true", help="users log in on it with their PIN"
    )
    cmd.add_argument("--expansion-modules", type=int, default=0, help="expansion modules attached")

    cmd = add_edit_command(
        actions,
        "assign",
        _phone_assign,
        help="give a phone to a user (or to nobody)",
        full_name="phone assign",
    )
    cmd.add_argument("mac", metavar="MAC", help="its MAC address")
    cmd.add_argument("user", nargs="?", help="the user")
    cmd.add_argument("--nobody", action="store_true", help="take the phone from its user")

    cmd = add_edit_command(
        actions, "remove", _phone_remove, help="delete a phone", full_name="phone remove"
    )
    cmd.add_argument("mac", metavar="MAC", help="its MAC address")

    group = sub.add_parser(
        "key",
        help="program or clear a key of a phone",
        description="One key of a phone. Show the keys with 'cloudtel keys FILE MAC --all'.",
    )
    actions = group.add_subparsers(dest="key_command", metavar="ACTION", required=True)
    cmd = add_edit_command(
        actions,
        "set",
        _key_set,
        help="program a key: a line, a colleague's extension or a speed dial",
        full_name="key set",
    )
    cmd.add_argument("mac", metavar="MAC", help="the phone's MAC address")
    cmd.add_argument("position", metavar="POSITION", help="L20, P3 or E1.5")
    cmd.add_argument("--line", type=int, metavar="N", help="the phone's SIP account N (1: own)")
    cmd.add_argument("--extension", metavar="USER", help="a colleague: presence and call")
    cmd.add_argument("--number", help="a speed dial to this number (with --label)")
    cmd.add_argument("--label", help="the speed dial's text on the phone")
    cmd = add_edit_command(
        actions, "clear", _key_clear, help="clear a key (no function)", full_name="key clear"
    )
    cmd.add_argument("mac", metavar="MAC", help="the phone's MAC address")
    cmd.add_argument("position", metavar="POSITION", help="L20, P3 or E1.5")
