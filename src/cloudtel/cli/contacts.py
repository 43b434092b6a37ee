"""The ``cloudtel contacts`` commands: a user's list, CSV import, CSV/vCard export.

Registered in :data:`cloudtel.cli.COMMANDS` through :func:`add_contacts_commands`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from cloudtel._files import atomic_write
from cloudtel.cli.table import say as _print
from cloudtel.cli.table import table
from cloudtel.contacts import export_csv, export_vcard, import_csv
from cloudtel.serialization import load, save

__all__ = ["add_contacts_commands"]


# --- contacts ------------------------------------------------------------------

_CONTACTS_USAGE = """cloudtel contacts FILE --user USERNAME
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
            csv_path.read_bytes(),
            keep_valid=args.keep_valid,
            source=csv_path.name,
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
    cmd.set_defaults(run=_contacts, contacts_parser=cmd)
