"""The ``cloudtel contacts`` commands (a user's list, CSV import, CSV/vCard export) and
``cloudtel contact add|set|remove`` (one contact at a scope).

Registered in :data:`cloudtel.cli.COMMANDS` through :func:`add_contacts_commands`; the
write commands run through :mod:`cloudtel.cli.edit`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import attrs

from cloudtel._enums import canonical
from cloudtel._files import atomic_write, read_bounded
from cloudtel.cli.edit import Outcome, add_edit_command
from cloudtel.cli.onboarding import ProgressBar
from cloudtel.cli.table import say as _print
from cloudtel.cli.table import table
from cloudtel.cli.users import print_json
from cloudtel.contacts import (
    Contact,
    ContactKind,
    PhoneEntry,
    PhoneType,
    Scope,
    export_csv,
    export_vcard,
    import_csv,
)
from cloudtel.errors import InvalidValueError, NotFoundError
from cloudtel.numbers import PhoneNumber
from cloudtel.org import Organization
from cloudtel.serialization import load, make_converter, save

__all__ = ["add_contacts_commands"]


# --- contacts ------------------------------------------------------------------

_CONTACTS_USAGE = """cloudtel contacts FILE --user USERNAME [--json]
       cloudtel contacts import FILE CSV --scope SCOPE [--keep-valid]
       cloudtel contacts export FILE (--scope SCOPE | --user USERNAME) [--format csv|vcard]
                                [--language en|nl|fr] [--delimiter ,|;|tab] [--out OUT]
SCOPE is org, group:NAME or user:USERNAME."""


def _contacts(args: argparse.Namespace) -> int:
    words = list(args.words)
    action = words[0] if words[0] in ("import", "export") else "show"
    rest = words[1:] if action != "show" else words
    wanted = {"show": 1, "import": 2, "export": 1}[action]
    if len(rest) != wanted:
        args.contacts_parser.error(f"contacts {action}: expected {wanted} file argument(s)")
    org = load(rest[0])
    if action == "show":
        if not args.user:
            args.contacts_parser.error("contacts FILE needs --user USERNAME")
        entries = org.contacts.effective(args.user)
        if args.json:
            converter = make_converter("json", region=org.country)
            print_json(
                {
                    "command": "contacts",
                    "file": rest[0],
                    "user": org.user(args.user).username,
                    "contacts": [
                        {
                            "name": entry.name,
                            "kind": entry.kind.value,
                            "from": entry.provenance,
                            "contact": converter.unstructure(entry.contact, Contact),
                        }
                        for entry in entries.ordered()
                    ],
                }
            )
            return 0
        _print(table(entries.rows(), ("Name", "Company", "Numbers", "Kind", "From")))
        groups = ", ".join(g.name for g in org.groups_of(args.user)) or "no groups"
        _print(f"{len(entries)} contacts of {args.user} ({groups}); * = preferred number")
        return 0
    if action == "import":
        if not args.scope:
            args.contacts_parser.error("contacts import needs --scope org|group:NAME|user:NAME")
        csv_path = Path(rest[1])
        report = import_csv(
            org,
            args.scope,
            read_bounded(csv_path, what="CSV file"),
            keep_valid=args.keep_valid,
            source=csv_path.name,
            progress=ProgressBar(label="reading rows"),
        )
        if report.applied:
            save(org, rest[0])
        _print(str(report))
        return 0 if report.applied else 1
    if bool(args.scope) == bool(args.user):
        args.contacts_parser.error("contacts export needs --scope SCOPE or --user USERNAME")
    items = org.contacts.effective(args.user) if args.user else org.contacts.at(args.scope)
    if args.format == "vcard":
        text = export_vcard(items)
        data = text.encode("utf-8")
    else:
        delimiter = "\t" if args.delimiter == "tab" else args.delimiter
        text = export_csv(items, language=args.language, delimiter=delimiter)
        data = ("\ufeff" + text).encode("utf-8")  # the BOM tells spreadsheets it is UTF-8
    if args.out:
        atomic_write(args.out, data)
        _print(f"wrote {args.out}: {len(items)} contacts as {args.format}")
    else:
        sys.stdout.write(text)
    return 0


def add_contacts_commands(sub: Any) -> None:
    """Add ``cloudtel contacts [import|export]`` to the ``cloudtel`` command.

    Args:
        sub: The subparsers object of the main parser.
    """
    cmd = sub.add_parser(
        "contacts",
        help="show a user's contact list with provenance; import or export contacts",
        usage=_CONTACTS_USAGE,
        description="Contact lists. Show a user's effective list (organisation + groups + "
        "own) and where each entry came from; import a CSV file (any spreadsheet's "
        "encoding and delimiter; English, Dutch or French headers) into a scope, all or "
        "nothing unless --keep-valid; export a scope or a user's list as CSV or vCard 4.0.",
    )
    cmd.add_argument("words", nargs="+", metavar="ARGS", help="see usage")
    cmd.add_argument("--user", help="the user whose effective list to show or export")
    cmd.add_argument("--scope", help="org, group:NAME or user:USERNAME")
    cmd.add_argument("--keep-valid", action="store_true", help="import the valid rows")
    cmd.add_argument("--format", choices=("csv", "vcard"), default="csv", help="export format")
    cmd.add_argument("--language", choices=("en", "nl", "fr"), default="en", help="CSV headers")
    cmd.add_argument("--delimiter", choices=(",", ";", "tab"), default=",", help="CSV delimiter")
    cmd.add_argument("--out", help="write the export to this file (default: standard output)")
    cmd.add_argument(
        "--json",
        action="store_true",
        help="show: print the list as JSON, each contact as the org file's JSON holds it",
    )
    cmd.set_defaults(run=_contacts, contacts_parser=cmd)
    _add_contact_commands(sub)


# --- one contact: contact add|set|remove ---------------------------------------

_FAVOURITE = ContactKind.FAVOURITE

_CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "company",
    "department",
    "short_name",
    "address",
    "postal_code",
    "city",
    "country",
    "email",
    "speed_dial",
)


def _contact_data(contact: Contact) -> dict[str, Any]:
    return {
        "name": contact.name,
        **{name: getattr(contact, name) for name in _CONTACT_FIELDS if getattr(contact, name)},
        "kind": contact.kind.value,
        "colleague": contact.colleague or None,
        "phones": [
            {
                "type": e.type.value,
                "number": e.number.e164,
                "abbreviated": e.abbreviated,
                "preferred": e.preferred,
            }
            for e in contact.phones
        ],
    }


def _phone_entries(
    org: Organization, texts: list[str], preferred: str | None
) -> tuple[PhoneEntry, ...]:
    """``[TYPE:]NUMBER[:SHORT]`` texts as phone entries; ``preferred`` names one number."""
    types = {t.value: t for t in PhoneType}
    entries: list[PhoneEntry] = []
    for text in texts:
        parts = [p.strip() for p in text.split(":")]
        kind = PhoneType.WORK
        if parts[0].lower() in types:
            kind = types[parts.pop(0).lower()]
        if not parts or len(parts) > 2 or not parts[0]:
            raise InvalidValueError(
                f"--phone {text!r} must be [TYPE:]NUMBER[:SHORT], e.g. mobile:0470123456; "
                f"types are: {', '.join(types)}",
                field="phone",
                value=text,
            )
        number = PhoneNumber.parse(parts[0], org.country)
        short = parts[1] if len(parts) == 2 else ""
        entries.append(PhoneEntry(type=kind, number=number, abbreviated=short))
    if preferred is not None:
        wanted = PhoneNumber.parse(preferred, org.country)
        if wanted not in [e.number for e in entries]:
            raise InvalidValueError(
                f"--preferred {preferred} is not one of the contact's numbers",
                field="preferred",
                value=preferred,
            )
        entries = [attrs.evolve(e, preferred=e.number == wanted) for e in entries]
    return tuple(entries)


_FOLLOWS_THE_USER = ("first_name", "last_name", "department", "email")


def _check_not_derived(args: argparse.Namespace, username: str) -> None:
    """A colleague's names, department, e-mail and numbers are the user's: refuse them."""
    given = [n for n in _FOLLOWS_THE_USER if getattr(args, n) is not None]
    if args.phone:
        given.append("phone")
    if given:
        options = ", ".join("--" + n.replace("_", "-") for n in given)
        raise InvalidValueError(
            f"{options}: a colleague's contact takes these from the user {username} (change "
            "the user with 'cloudtel user set' and the contact follows)",
            field=given[0],
        )


def _contact_fields(args: argparse.Namespace) -> dict[str, Any]:
    fields = {
        name: getattr(args, name) for name in _CONTACT_FIELDS if getattr(args, name) is not None
    }
    if args.kind is not None:
        fields["kind"] = ContactKind(args.kind)
    return fields


def _find_contact(org: Organization, scope: Scope, key: str) -> Contact:
    """The contact at ``scope`` named ``key`` (any case) or having the number ``key``."""
    items = org.contacts.at(scope)
    found = [c for c in items if c.name.casefold() == key.strip().casefold()]
    if not found:
        try:
            number = PhoneNumber.parse(key, org.country)
        except InvalidValueError:
            number = None
        found = [c for c in items if number is not None and number in c.numbers]
    if len(found) == 1:
        return found[0]
    if not found:
        names = ", ".join(repr(c.name) for c in items[:20]) or "none"
        raise NotFoundError(
            f"{scope.label} has no contact named or numbered {key!r}; its contacts: {names}",
            kind="contact",
            name=key,
        )
    numbers = "; ".join(", ".join(n.e164 for n in c.numbers) for c in found)
    raise InvalidValueError(
        f"{scope.label} has {len(found)} contacts named {key!r}; name one by a number: {numbers}",
        field="contact",
        value=key,
    )


def _contact_add(org: Organization, args: argparse.Namespace) -> Outcome:
    scope = Scope.parse(args.scope)
    fields = _contact_fields(args)
    if args.colleague is not None:
        _check_not_derived(args, args.colleague)
        contact = org.contacts.colleague(args.colleague, kind=fields.pop("kind", _FAVOURITE))
        if args.preferred is not None:
            texts = [f"{e.type.value}:{e.number.e164}" for e in contact.phones]
            fields["phones"] = _phone_entries(org, texts, args.preferred)
        contact = org.contacts.add(scope, attrs.evolve(contact, **fields))
        return Outcome(
            f"added {contact.kind.value} contact {contact.name!r} to {scope.label}, "
            f"following user {contact.colleague}",
            {"scope": str(scope), "contact": _contact_data(contact)},
        )
    if args.phone:
        fields["phones"] = _phone_entries(org, args.phone, args.preferred)
    elif args.preferred is not None:
        raise InvalidValueError("--preferred names one of the --phone numbers", field="preferred")
    contact = org.contacts.add(scope, Contact(**fields))
    return Outcome(
        f"added {contact.kind.value} contact {contact.name!r} to {scope.label}",
        {"scope": str(scope), "contact": _contact_data(contact)},
    )


def _contact_set(org: Organization, args: argparse.Namespace) -> Outcome:
    scope = Scope.parse(args.scope)
    current = _find_contact(org, scope, args.contact)
    if current.colleague:
        _check_not_derived(args, current.colleague)
    changes = _contact_fields(args)
    if args.phone:
        changes["phones"] = _phone_entries(org, args.phone, args.preferred)
    elif args.preferred is not None:
        texts = [
            f"{e.type.value}:{e.number.e164}:{e.abbreviated}".rstrip(":") for e in current.phones
        ]
        changes["phones"] = _phone_entries(org, texts, args.preferred)
    contact = org.contacts.update(scope, current, **changes) if changes else current
    what = ", ".join(sorted(changes)) or "nothing"
    return Outcome(
        f"changed contact {contact.name!r} of {scope.label}: {what}",
        {"scope": str(scope), "contact": _contact_data(contact)},
    )


def _contact_remove(org: Organization, args: argparse.Namespace) -> Outcome:
    scope = Scope.parse(args.scope)
    contact = org.contacts.remove(scope, _find_contact(org, scope, args.contact))
    return Outcome(
        f"removed contact {contact.name!r} from {scope.label}",
        {"scope": str(scope), "contact": _contact_data(contact)},
    )


def _contact_arguments(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--scope", required=True, help="org, group:NAME or user:USERNAME")
    for name in _CONTACT_FIELDS:
        cmd.add_argument("--" + name.replace("_", "-"), dest=name, help=name.replace("_", " "))
    cmd.add_argument(
        "--kind",
        type=canonical(ContactKind),
        choices=[k.value for k in ContactKind],
        help="mandatory (users cannot remove it), favourite or external (the default)",
    )
    cmd.add_argument(
        "--phone",
        action="append",
        metavar="[TYPE:]NUMBER[:SHORT]",
        help="a number: type work (default), mobile, home, fax or other, and an abbreviated "
        "number; repeatable (for set: replaces all numbers)",
    )
    cmd.add_argument("--preferred", metavar="NUMBER", help="which of the numbers is preferred")


def _add_contact_commands(sub: Any) -> None:
    contact = sub.add_parser(
        "contact",
        help="add, change or remove one contact of the organisation, a group or a user",
        description="One contact at a scope: org (every user), group:NAME (its members) or "
        "user:USERNAME. CONTACT names an existing contact by its name (any case) or one of "
        "its numbers.",
    )
    actions = contact.add_subparsers(dest="contact_command", metavar="ACTION", required=True)
    cmd = add_edit_command(
        actions,
        "add",
        _contact_add,
        help="add a contact; --colleague makes a user of the organisation one",
        full_name="contact add",
    )
    _contact_arguments(cmd)
    cmd.add_argument(
        "--colleague",
        metavar="USERNAME",
        help="make this colleague (a user) a contact by reference: their names, department, "
        "e-mail, lines and mobiles follow the user; --kind mandatory or favourite (default)",
    )
    cmd = add_edit_command(
        actions, "set", _contact_set, help="change a contact's fields", full_name="contact set"
    )
    cmd.add_argument("contact", metavar="CONTACT", help="its name or one of its numbers")
    _contact_arguments(cmd)
    cmd = add_edit_command(
        actions,
        "remove",
        _contact_remove,
        help="delete a contact from its scope (mandatory ones too)",
        full_name="contact remove",
    )
    cmd.add_argument("contact", metavar="CONTACT", help="its name or one of its numbers")
    cmd.add_argument("--scope", required=True, help="org, group:NAME or user:USERNAME")
