"""The ``cloudtel`` commands that change users, groups, numbers and mobile phones.

``user show|add|set|remove|rename``, ``group add|set|remove|members``,
``number assign|free`` and ``mobile add|remove``; registered in
:data:`cloudtel.cli.COMMANDS` through :func:`add_users_commands`. Every write
command runs through :mod:`cloudtel.cli.edit` (``--dry-run``, ``--json``, the safe
save). ``cloudtel user FILE USERNAME`` (without a word after ``user``) is
``user show``.

A number is written in any notation (``+32 2 781 16 03``, ``027811603``); where a
command gives a line, ``free`` takes the first number of the ranges nobody holds.
Settings are given as ``--setting NAME=VALUE`` (``language=fr``,
``softphone=yes``) and returned to the inherited value with ``--unset NAME``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import typing
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from cloudtel._enums import allowed as allowed_values
from cloudtel._enums import member as enum_member
from cloudtel.cli.edit import Outcome, add_edit_command
from cloudtel.cli.table import say as _print
from cloudtel.cli.table import table
from cloudtel.errors import InvalidValueError, NotFoundError
from cloudtel.numbers import PhoneNumber
from cloudtel.org import Organization
from cloudtel.serialization import load, make_converter
from cloudtel.users import MobilePhone, Settings, User, UserGroup, Visibility

__all__ = [
    "PORTAL_LANGUAGES",
    "USER_ACTIONS",
    "add_users_commands",
    "parse_settings",
    "print_json",
    "user_data",
]

USER_ACTIONS = ("show", "add", "set", "remove", "rename")
"""The words after ``cloudtel user``; anything else is the org file of ``user show``."""

_TEXT_FIELDS = (
    "first_name",
    "last_name",
    "department",
    "email",
    "field_1",
    "field_2",
    "field_3",
)
_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


# --- shared pieces -----------------------------------------------------------------


def user_data(user: User) -> dict[str, Any]:
    """A user as JSON values (for ``--json``).

    Args:
        user (User): The user.

    Returns:
        dict[str, Any]: Username, names, groups, lines (E.164), mobiles and own settings.
    """
    return {
        "username": user.username,
        **{name: getattr(user, name) for name in _TEXT_FIELDS},
        "groups": list(user.groups),
        "primary_line": None if user.primary_line is None else user.primary_line.e164,
        "aliases": [a.e164 for a in user.aliases],
        "mobile_phones": [
            {"number": m.number.e164, "profile": m.profile} for m in user.mobile_phones
        ],
        "settings": {name: getattr(v, "value", v) for name, v in user.settings.items()},
    }


def _group_data(group: UserGroup) -> dict[str, Any]:
    return {
        "name": group.name,
        "description": group.description,
        "settings": {name: getattr(v, "value", v) for name, v in group.settings.items()},
    }


def _setting_types() -> dict[str, Any]:
    hints = typing.get_type_hints(Settings)
    return {field.name: hints[field.name] for field in attrs.fields(Settings)}


PORTAL_LANGUAGES = ("nl", "fr", "en")
"""The languages the portal offers a user (Dutch, French, English): ``--setting
language=`` takes one of them, a region may follow (``nl-BE``)."""

_LANGUAGE_TAG = re.compile(r"([a-z]{2,3})(?:-([a-z]{2}))?", re.IGNORECASE)
_ALLOWED = {
    "language": "nl, fr or en (the portal's languages; a region may follow, e.g. nl-BE)",
    "time_zone": "an IANA time zone such as Europe/Brussels or Europe/Paris",
    "directory_visibility": f"{allowed_values(Visibility).replace(', ', ' or ')} (any case)",
    "cost_centre": "one line of text",
    "mobile_profile": "one line of text, e.g. Standard",
}
"""What each setting that is not yes/no takes, as its error says it."""


def _refused(name: str, text: str, detail: str = "") -> InvalidValueError:
    allowed = _ALLOWED.get(name, "yes or no (true/false, on/off)")
    return InvalidValueError(
        f"setting {name} takes {allowed}, not {text!r}{detail}", field=name, value=text
    )


def _setting_value(name: str, text: str, kind: Any) -> object:
    """The value of ``--setting NAME=TEXT`` by the setting's own rule, or an error naming
    the setting and what it takes."""
    word = text.strip()
    if bool in typing.get_args(kind) or kind is bool:
        if word.lower() in _TRUE:
            return True
        if word.lower() in _FALSE:
            return False
        raise _refused(name, text)
    if name == "language":
        match = _LANGUAGE_TAG.fullmatch(word)
        if match is None or match[1].lower() not in PORTAL_LANGUAGES:
            raise _refused(name, text)
        return match[1].lower() + (f"-{match[2].upper()}" if match[2] else "")
    if name == "directory_visibility":
        found = enum_member(Visibility, word)
        if found is None:
            raise _refused(name, text)
        return found
    given: dict[str, Any] = {name: word}
    try:
        Settings(**given)
    except InvalidValueError as exc:
        raise _refused(name, text, "" if name == "time_zone" else f": {exc}") from None
    return word


def parse_settings(
    current: Settings, pairs: Sequence[str] | None, unset: Sequence[str] | None
) -> Settings:
    """``current`` with ``--setting NAME=VALUE`` applied and ``--unset NAME`` cleared.

    Args:
        current (Settings): The settings as they are.
        pairs (Sequence[str] | None): ``NAME=VALUE`` texts.
        unset (Sequence[str] | None): Names to return to the inherited value.

    Returns:
        Settings: The new settings (each value checked by :class:`~cloudtel.Settings`).

    Raises:
        InvalidValueError: An unknown setting, a pair without ``=`` or a bad value (the
            message names the setting and what it takes: ``language`` one of
            :data:`PORTAL_LANGUAGES`, ``time_zone`` an IANA zone, ``directory_visibility``
            always or hidden, the yes/no ones yes or no).
    """
    types = _setting_types()
    known = ", ".join(types)
    changes: dict[str, object] = {}
    for pair in pairs or ():
        name, sep, value = pair.partition("=")
        name = name.strip().replace("-", "_")
        if not sep:
            raise InvalidValueError(
                f"--setting {pair!r} must be written NAME=VALUE, e.g. language=fr",
                field="setting",
                value=pair,
            )
        if name not in types:
            raise InvalidValueError(
                f"there is no setting {name!r}; settings are: {known}", field="setting", value=name
            )
        changes[name] = _setting_value(name, value, types[name])
    for name in unset or ():
        key = name.strip().replace("-", "_")
        if key not in types:
            raise InvalidValueError(
                f"there is no setting {name!r}; settings are: {known}", field="unset", value=name
            )
        changes[key] = None
    return attrs.evolve(current, **changes) if changes else current  # type: ignore[arg-type]


def line_number(org: Organization, text: str) -> PhoneNumber:
    """A number of the organisation given as text; ``free`` is the first free one.

    Raises:
        NotFoundError: ``free`` when every number of the ranges is held.
        InvalidPhoneNumberError: Text that is not a phone number.
    """
    if text.strip().lower() == "free":
        for number in org.available_numbers():
            return number
        raise NotFoundError(
            "every number of the organisation's ranges is held; free one first",
            kind="number",
            name="free",
        )
    return PhoneNumber.parse(text, org.country)


def _setting_arguments(cmd: argparse.ArgumentParser, *, unset: bool) -> None:
    names = ", ".join(_setting_types())
    cmd.add_argument(
        "--setting",
        action="append",
        metavar="NAME=VALUE",
        help=f"set a setting ({names}); repeatable",
    )
    if unset:
        cmd.add_argument(
            "--unset",
            action="append",
            metavar="NAME",
            help="return a setting to the inherited value; repeatable",
        )


def _user_field_arguments(cmd: argparse.ArgumentParser) -> None:
    for name in _TEXT_FIELDS:
        option = "--" + name.replace("_", "-")
        cmd.add_argument(option, dest=name, help=name.replace("_", " "))


def _fields(args: argparse.Namespace) -> dict[str, Any]:
    return {name: getattr(args, name) for name in _TEXT_FIELDS if getattr(args, name) is not None}


def _describe_lines(user: User) -> str:
    if user.primary_line is None:
        return "no primary line"
    return f"primary line {user.primary_line.international}"


# --- user --------------------------------------------------------------------------


def print_json(document: Mapping[str, Any]) -> None:
    """Print one JSON object, as every ``--json`` of the command line does."""
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n")


def _user_show(args: argparse.Namespace) -> int:
    org = load(args.file)
    user = org.user(args.username)
    if args.json:
        converter = make_converter("json", region=org.country)
        print_json(
            {
                "command": "user show",
                "file": str(args.file),
                "user": converter.unstructure(user, User),
                "resolved_settings": {
                    name: {"value": getattr(r.value, "value", r.value), "from": r.source}
                    for name, r in org.resolve_settings(user.username).items()
                },
            }
        )
        return 0
    rows: list[tuple[str, object]] = [
        ("username", user.username),
        ("name", f"{user.first_name} {user.last_name}".strip()),
        ("department", user.department),
        ("e-mail", user.email),
        ("groups", ", ".join(user.groups)),
        ("primary line", user.primary_line or ""),
        ("aliases", ", ".join(str(a) for a in user.aliases)),
        ("mobile phones", ", ".join(f"{m.number} ({m.profile})" for m in user.mobile_phones)),
    ]
    _print(table(rows, ("Field", "Value")))
    _print("")
    settings = org.resolve_settings(user.username)
    shown = [(name, getattr(r.value, "value", r.value), r.source) for name, r in settings.items()]
    _print(table(shown, ("Setting", "Value", "From")))
    return 0


def _mobile_profile(org: Organization, username: str, given: str | None) -> str:
    if given is not None:
        return given
    value = org.resolve_settings(username)["mobile_profile"].value
    return str(value)


def _user_add(org: Organization, args: argparse.Namespace) -> Outcome:
    line = None if args.line is None else line_number(org, args.line)
    settings = parse_settings(Settings(), args.setting, None)
    user = org.add_user(
        User(
            username=args.username,
            groups=tuple(args.group or ()),
            primary_line=line,
            settings=settings,
            **_fields(args),
        )
    )
    if args.mobile:
        profile = _mobile_profile(org, user.username, None)
        mobiles = [
            MobilePhone(number=PhoneNumber.parse(m, org.country), profile=profile)
            for m in args.mobile
        ]
        user = org.update_user(user.username, mobile_phones=mobiles)
    groups = f" in {', '.join(user.groups)}" if user.groups else ""
    return Outcome(
        f"added user {user.username} ({user.display_name}){groups}, {_describe_lines(user)}",
        user_data(user),
    )


def _user_set(org: Organization, args: argparse.Namespace) -> Outcome:
    current = org.user(args.username)
    changes = _fields(args)
    if args.no_line:  # its aliases and line type go with it: they belong to the line
        changes["primary_line"] = None
        if current.aliases:
            changes["aliases"] = ()
        if current.line_type is not None:
            changes["line_type"] = None
    elif args.line is not None:
        changes["primary_line"] = line_number(org, args.line)
    settings = parse_settings(current.settings, args.setting, args.unset)
    if settings != current.settings:
        changes["settings"] = settings
    user = org.update_user(current.username, **changes) if changes else current
    what = ", ".join(sorted(changes)) or "nothing"
    return Outcome(f"changed user {user.username}: {what}", user_data(user))


def _user_remove(org: Organization, args: argparse.Namespace) -> Outcome:
    name = org.user(args.username).username
    gone = org.referrers("user", name)  # what goes with the user (blocking ones refuse)
    user = org.remove_user(name)
    freed = ", ".join(n.international for n in user.lines)
    return Outcome(
        f"removed user {user.username} ({user.display_name})"
        + (f"; freed {freed}" if freed else ""),
        {**user_data(user), "also_removed": gone},
        notes=[f"gone with the user: {what}" for what in gone],
    )


def _user_rename(org: Organization, args: argparse.Namespace) -> Outcome:
    old = org.user(args.username)
    user = org.update_user(old.username, username=args.new_username)
    return Outcome(
        f"renamed user {old.username} to {user.username}",
        {"old_username": old.username, "user": user_data(user)},
    )


def _add_user_commands(sub: Any) -> None:
    user = sub.add_parser(
        "user",
        help="show, add, change, remove or rename a user",
        description="One user. 'cloudtel user FILE USERNAME' shows the user (as 'user show'); "
        "add, set, remove and rename change the org file.",
    )
    actions = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)

    cmd = actions.add_parser("show", help="one user with every setting and where it came from")
    cmd.add_argument("file", help="the org file")
    cmd.add_argument("username", help="the username, e.g. demo.user@orange.be")
    cmd.add_argument(
        "--json",
        action="store_true",
        help="print the user as the org file's JSON holds it, and every resolved setting "
        "with where it came from",
    )
    cmd.set_defaults(run=_user_show)

    cmd = add_edit_command(
        actions,
        "add",
        _user_add,
        help="add a user, with groups, a primary line and mobile phones",
        full_name="user add",
    )
    cmd.add_argument("username", help="the new username, e-mail-like (jan.peeters@orange.be)")
    _user_field_arguments(cmd)
    cmd.add_argument("--group", action="append", help="a group to join; repeatable")
    cmd.add_argument(
        "--line", metavar="NUMBER|free", help="the primary line (free: the first free)"
    )
    cmd.add_argument("--mobile", action="append", metavar="NUMBER", help="a mobile; repeatable")
    _setting_arguments(cmd, unset=False)

    cmd = add_edit_command(
        actions,
        "set",
        _user_set,
        help="change a user's fields, primary line or settings",
        full_name="user set",
    )
    cmd.add_argument("username", help="the username")
    _user_field_arguments(cmd)
    line = cmd.add_mutually_exclusive_group()
    line.add_argument("--line", metavar="NUMBER|free", help="a new primary line")
    line.add_argument(
        "--no-line", action="store_true", help="free the primary line and its aliases"
    )
    _setting_arguments(cmd, unset=True)

    cmd = add_edit_command(
        actions,
        "remove",
        _user_remove,
        help="delete a user; their numbers become free",
        full_name="user remove",
    )
    cmd.add_argument("username", help="the username")

    cmd = add_edit_command(
        actions,
        "rename",
        _user_rename,
        help="give a user a new username (contacts, keys, schedules follow)",
        full_name="user rename",
    )
    cmd.add_argument("username", help="the current username")
    cmd.add_argument("new_username", help="the new username")


# --- group -------------------------------------------------------------------------


def _position(value: int | None, count: int) -> int | None:
    if value is None:
        return None
    if not 1 <= value <= count:
        raise InvalidValueError(
            f"--position {value} is outside the priority list (1 is the highest, {count} the "
            "lowest)",
            field="position",
            value=value,
        )
    return value - 1


def _group_add(org: Organization, args: argparse.Namespace) -> Outcome:
    settings = parse_settings(Settings(), args.setting, None)
    position = _position(args.position, len(org.groups) + 1)
    group = org.add_group(
        UserGroup(name=args.name, description=args.description or "", settings=settings),
        position=position,
    )
    priority = [g.name for g in org.groups].index(group.name) + 1
    return Outcome(f"added group {group.name!r} at priority {priority}", _group_data(group))


def _group_set(org: Organization, args: argparse.Namespace) -> Outcome:
    current = org.group(args.name)
    changes: dict[str, Any] = {}
    if args.description is not None:
        changes["description"] = args.description
    if args.new_name is not None:
        changes["name"] = args.new_name
    settings = parse_settings(current.settings, args.setting, args.unset)
    if settings != current.settings:
        changes["settings"] = settings
    group = org.update_group(current.name, **changes) if changes else current
    position = _position(args.position, len(org.groups))
    if position is not None:
        org.move_group(group.name, position)
        changes["priority"] = args.position
    what = ", ".join(sorted(changes)) or "nothing"
    return Outcome(f"changed group {group.name!r}: {what}", _group_data(group))


def _group_remove(org: Organization, args: argparse.Namespace) -> Outcome:
    members = [u.username for u in org.members(args.name)]
    group = org.remove_group(args.name)
    left = f"; {len(members)} members left it" if members else ""
    return Outcome(
        f"removed group {group.name!r}{left}", {**_group_data(group), "members": members}
    )


def _group_members(org: Organization, args: argparse.Namespace) -> Outcome:
    if not args.add and not args.remove:
        raise InvalidValueError(
            "group members needs --add USER or --remove USER (list the members with "
            "'cloudtel users FILE --group NAME')",
            field="add",
        )
    group = org.group(args.name)
    joined: list[str] = []
    left: list[str] = []
    notes: list[str] = []
    for username in args.add or ():
        before = org.user(username).groups
        user = org.add_member(username, group.name)
        if user.groups != before:
            joined.append(user.username)
        else:
            notes.append(f"{user.username} is a member of {group.name!r} already")
    for username in args.remove or ():
        before = org.user(username).groups
        user = org.remove_member(username, group.name)
        if user.groups != before:
            left.append(user.username)
        else:
            notes.append(f"{user.username} is not a member of {group.name!r}: nothing to remove")
    parts = []
    if joined:
        parts.append(f"added {', '.join(joined)}")
    if left:
        parts.append(f"removed {', '.join(left)}")
    members = [u.username for u in org.members(group.name)]
    return Outcome(
        f"group {group.name!r}: {'; '.join(parts) or 'members unchanged'} ({len(members)} members)",
        {"group": group.name, "added": joined, "removed": left, "members": members},
        notes,
    )


def _add_group_commands(sub: Any) -> None:
    group = sub.add_parser(
        "group",
        help="add, change or remove a user group; add or remove its members",
        description="User groups, in priority order (1 is the highest). Members inherit a "
        "group's settings.",
    )
    actions = group.add_subparsers(dest="group_command", metavar="ACTION", required=True)

    cmd = add_edit_command(
        actions, "add", _group_add, help="add a user group", full_name="group add"
    )
    cmd.add_argument("name", help="the group's name")
    cmd.add_argument("--description", help="what the group is for")
    cmd.add_argument("--position", type=int, help="its priority, 1 is the highest (default: last)")
    _setting_arguments(cmd, unset=False)

    cmd = add_edit_command(
        actions,
        "set",
        _group_set,
        help="change a group's name, description, priority or settings",
        full_name="group set",
    )
    cmd.add_argument("name", help="the group's name")
    cmd.add_argument("--name", dest="new_name", metavar="NEW_NAME", help="rename the group")
    cmd.add_argument("--description", help="what the group is for")
    cmd.add_argument("--position", type=int, help="its new priority, 1 is the highest")
    _setting_arguments(cmd, unset=True)

    cmd = add_edit_command(
        actions,
        "remove",
        _group_remove,
        help="delete a group; its members leave it",
        full_name="group remove",
    )
    cmd.add_argument("name", help="the group's name")

    cmd = add_edit_command(
        actions,
        "members",
        _group_members,
        help="add users to a group or take them out",
        full_name="group members",
    )
    cmd.add_argument("name", help="the group's name")
    cmd.add_argument("--add", action="append", metavar="USER", help="a user to add; repeatable")
    cmd.add_argument(
        "--remove", action="append", metavar="USER", help="a user to take out; repeatable"
    )


# --- number ------------------------------------------------------------------------


def _number_assign(org: Organization, args: argparse.Namespace) -> Outcome:
    number = line_number(org, args.number)
    user = org.user(args.username)
    if args.alias:
        user = org.update_user(user.username, aliases=(*user.aliases, number))
        role = "alias"
    else:
        if user.primary_line is not None and user.primary_line != number:
            raise InvalidValueError(
                f"user {user.username} has primary line {user.primary_line.e164} already; "
                "give the number with --alias, or free the primary line first",
                field="primary_line",
                value=number.e164,
            )
        user = org.update_user(user.username, primary_line=number)
        role = "primary line"
    return Outcome(
        f"gave {number.international} to {user.username} as {role}",
        {"number": number.e164, "username": user.username, "as": role},
    )


def _number_free(org: Organization, args: argparse.Namespace) -> Outcome:
    number = PhoneNumber.parse(args.number, org.country)
    holder = org.holder_of(number)
    if holder is None:
        raise NotFoundError(f"nobody holds {number.e164}", kind="number", name=number.e164)
    kind, _, name = holder.partition(" ")
    if kind != "user" or not org.has_user(name):
        raise InvalidValueError(
            f"{number.e164} is held by {holder}; change or remove that with "
            "'cloudtel function set|remove'",
            field="number",
            value=number.e164,
        )
    user = org.user(name)
    if user.primary_line == number:
        org.update_user(user.username, primary_line=None)
        role = "primary line"
    else:
        org.update_user(user.username, aliases=[a for a in user.aliases if a != number])
        role = "alias"
    return Outcome(
        f"freed {number.international} ({role} of {user.username})",
        {"number": number.e164, "username": user.username, "was": role},
    )


def _add_number_commands(sub: Any) -> None:
    number = sub.add_parser(
        "number",
        help="give a number of the ranges to a user, or free it",
        description="Numbers of the organisation's ranges. List them with 'cloudtel numbers'.",
    )
    actions = number.add_subparsers(dest="number_command", metavar="ACTION", required=True)
    cmd = add_edit_command(
        actions,
        "assign",
        _number_assign,
        help="give a number to a user as primary line (or alias)",
        full_name="number assign",
    )
    cmd.add_argument("number", metavar="NUMBER|free", help="the number; free: the first free")
    cmd.add_argument("username", help="the user")
    cmd.add_argument("--alias", action="store_true", help="as an alias, not the primary line")
    cmd = add_edit_command(
        actions,
        "free",
        _number_free,
        help="take a number from the user who holds it",
        full_name="number free",
    )
    cmd.add_argument("number", help="the number, any notation")


# --- mobile ------------------------------------------------------------------------


def _mobile_add(org: Organization, args: argparse.Namespace) -> Outcome:
    user = org.user(args.username)
    number = PhoneNumber.parse(args.number, org.country)
    profile = _mobile_profile(org, user.username, args.profile)
    mobile = MobilePhone(number=number, profile=profile)
    user = org.update_user(user.username, mobile_phones=(*user.mobile_phones, mobile))
    return Outcome(
        f"added mobile {number.international} ({profile}) to {user.username}",
        {"username": user.username, "number": number.e164, "profile": profile},
    )


def _mobile_remove(org: Organization, args: argparse.Namespace) -> Outcome:
    user = org.user(args.username)
    number = PhoneNumber.parse(args.number, org.country)
    kept = tuple(m for m in user.mobile_phones if m.number != number)
    if len(kept) == len(user.mobile_phones):
        listed = ", ".join(m.number.e164 for m in user.mobile_phones) or "none"
        raise NotFoundError(
            f"user {user.username} has no mobile {number.e164}; their mobiles: {listed}",
            kind="mobile",
            name=number.e164,
        )
    org.update_user(user.username, mobile_phones=kept)
    return Outcome(
        f"removed mobile {number.international} from {user.username}",
        {"username": user.username, "number": number.e164},
    )


def _add_mobile_commands(sub: Any) -> None:
    mobile = sub.add_parser(
        "mobile",
        help="add or remove a user's mobile phone",
        description="Mobile phones where a user can be reached (and log in with).",
    )
    actions = mobile.add_subparsers(dest="mobile_command", metavar="ACTION", required=True)
    cmd = add_edit_command(
        actions, "add", _mobile_add, help="add a mobile phone to a user", full_name="mobile add"
    )
    cmd.add_argument("username", help="the user")
    cmd.add_argument("number", help="the mobile number, any notation (0470 12 34 56)")
    cmd.add_argument("--profile", help="the mobile profile (default: the user's inherited one)")
    cmd = add_edit_command(
        actions,
        "remove",
        _mobile_remove,
        help="remove a mobile phone of a user",
        full_name="mobile remove",
    )
    cmd.add_argument("username", help="the user")
    cmd.add_argument("number", help="the mobile number, any notation")


def add_users_commands(sub: Any) -> None:
    """Add ``user``, ``group``, ``number`` and ``mobile`` to the ``cloudtel`` command.

    Args:
        sub: The subparsers object of the main parser.
    """
    _add_user_commands(sub)
    _add_group_commands(sub)
    _add_number_commands(sub)
    _add_mobile_commands(sub)
