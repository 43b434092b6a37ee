"""The core ``cloudtel`` commands: validate, users, numbers.

``user`` (show and change one user) is in :mod:`cloudtel.cli.users`.

Registered in :data:`cloudtel.cli.COMMANDS` through :func:`add_core_commands`.
"""

from __future__ import annotations

import argparse
from typing import Any

from cloudtel.cli.onboarding import users_import
from cloudtel.cli.table import say as _print
from cloudtel.cli.table import table
from cloudtel.errors import InvalidValueError
from cloudtel.org import SORT_COLUMNS
from cloudtel.serialization import load

__all__ = ["add_core_commands"]


def _validate(args: argparse.Namespace) -> int:
    org = load(args.file)
    _print(
        f"{args.file}: valid — organisation {org.name!r}, {len(org.groups)} groups, "
        f"{len(org.users)} users"
    )
    return 0


def _users(args: argparse.Namespace) -> int:
    words = list(args.words)
    if words[0] == "import":
        if len(words) != 3:
            args.users_parser.error("users import: expected FILE and CSV")
        return users_import(args, words[1], words[2])
    if len(words) != 1:
        args.users_parser.error("users: expected one FILE (or: users import FILE CSV)")
    args.file = words[0]
    org = load(args.file)
    page = org.find_users(
        args.search or "",
        group=args.group,
        sort=args.sort,
        descending=args.descending,
        page=args.page,
        page_size=args.page_size,
    )
    if page.page > page.pages:
        raise InvalidValueError(
            f"there is no page {page.page}: {page.total} users make {page.pages} "
            f"page{'s' if page.pages != 1 else ''} of {page.page_size}",
            field="page",
            value=page.page,
        )
    rows = [(u.username, u.first_name, u.last_name, u.primary_line or "") for u in page.users]
    _print(table(rows, ("Username", "First name", "Last name", "Primary line")))
    _print(f"page {page.page} of {page.pages} ({page.total} users)")
    return 0


def _numbers(args: argparse.Namespace) -> int:
    if args.limit is not None and args.limit < 1:
        raise InvalidValueError(
            f"--limit takes a whole number from 1, not {args.limit}", field="limit"
        )
    org = load(args.file)
    if args.available:
        free = list(org.available_numbers())
        shown = free if args.limit is None else free[: args.limit]
        _print("\n".join(n.e164 for n in shown))
        _print(f"{len(free)} available numbers in {len(org.number_ranges)} ranges")
        return 0
    rows = []
    for number_range in org.number_ranges:
        for number in number_range:
            rows.append((number.e164, org.holder_of(number) or "free"))
    shown_rows = rows if args.limit is None else rows[: args.limit]
    _print(table(shown_rows, ("Number", "Held by")))
    return 0


def add_core_commands(sub: Any) -> None:
    """Add ``validate``, ``users`` and ``numbers`` to the ``cloudtel`` command.

    Args:
        sub: The subparsers object of the main parser.
    """
    cmd = sub.add_parser("validate", help="check an org file and list every problem")
    cmd.add_argument("file", help="the org file (.toml or .json)")
    cmd.set_defaults(run=_validate)

    cmd = sub.add_parser(
        "users",
        help="list users like the portal: filter, sort, page; or import them from a CSV file",
        usage="cloudtel users FILE [--group G] [--search S] [--sort COL] [--page N]\n"
        "       cloudtel users import FILE CSV [--keep-valid] [--no-assign] "
        "[--welcome web,mobile,softphone] [--outbox DIR]",
    )
    cmd.add_argument("words", nargs="+", metavar="FILE", help="the org file (import: FILE CSV)")
    cmd.add_argument("--group", help="only members of this group")
    cmd.add_argument("--search", help="a part of the username, first or last name")
    cmd.add_argument("--sort", default="username", choices=SORT_COLUMNS, help="sort column")
    cmd.add_argument("--descending", action="store_true", help="reverse the order")
    cmd.add_argument("--page", type=int, default=1, help="page number (from 1)")
    cmd.add_argument("--page-size", type=int, default=25, help="users per page")
    cmd.add_argument(
        "--keep-valid", action="store_true", help="import: import the valid rows anyway"
    )
    cmd.add_argument(
        "--no-assign",
        action="store_true",
        help="import: leave new users without a line instead of the first free number",
    )
    cmd.add_argument(
        "--welcome", metavar="TARGETS", help="import: send welcome messages, e.g. web,mobile"
    )
    cmd.add_argument("--outbox", help="import: the outbox of the welcome messages")
    cmd.set_defaults(run=_users, users_parser=cmd)

    cmd = sub.add_parser("numbers", help="the numbers of the ranges and who holds them")
    cmd.add_argument("file", help="the org file")
    cmd.add_argument("--available", action="store_true", help="only numbers nobody holds")
    cmd.add_argument("--limit", type=int, help="show at most this many")
    cmd.set_defaults(run=_numbers)
