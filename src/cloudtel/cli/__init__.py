"""The ``cloudtel`` command.

Each capability adds its subcommands through one function in :data:`COMMANDS`
that takes the subparsers object. A command is a function of the parsed
arguments that returns the exit status. A mistake a user can make (a bad file,
an unknown user, an invalid number) raises a :class:`~cloudtel.CloudtelError`;
:func:`main` prints its message as ``cloudtel: …`` and exits with status 1,
never with a traceback.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from cloudtel._accounts_cli import accounts_demo_section, add_accounts_commands
from cloudtel._contacts_cli import add_contacts_commands
from cloudtel._phones_cli import add_phones_commands
from cloudtel._phones_cli import demo_section as phones_demo_section
from cloudtel._prompts_cli import add_prompts_commands, prompts_demo_section
from cloudtel._schedule_cli import add_schedule_commands
from cloudtel._text import say as _print
from cloudtel._text import table
from cloudtel.contacts_io import demo_section as contacts_demo_section
from cloudtel.errors import CloudtelError, InvalidValueError, NotFoundError
from cloudtel.functions import demo_section as functions_demo_section
from cloudtel.org import SORT_COLUMNS, Organization
from cloudtel.serialization import load

__all__ = ["COMMANDS", "main", "table"]

Command = Callable[[argparse.Namespace], int]

EXAMPLE = Path("examples") / "orange-labo" / "organization.toml"
"""The example organisation, relative to a checkout of cloudtel."""


# --- core commands -----------------------------------------------------------


def _validate(args: argparse.Namespace) -> int:
    org = load(args.file)
    _print(
        f"{args.file}: valid — organisation {org.name!r}, {len(org.groups)} groups, "
        f"{len(org.users)} users"
    )
    return 0


def _users(args: argparse.Namespace) -> int:
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


def _user(args: argparse.Namespace) -> int:
    org = load(args.file)
    user = org.user(args.username)
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


def _example_path(given: str | None) -> Path:
    if given:
        return Path(given)
    here = Path.cwd() / EXAMPLE
    if here.exists():
        return here
    checkout = Path(__file__).resolve().parents[2] / EXAMPLE
    if checkout.exists():
        return checkout
    raise NotFoundError(
        f"cannot find the example organisation {EXAMPLE}; run the demo from a checkout of "
        "cloudtel or pass --example PATH",
        path=str(EXAMPLE),
    )


def _demo(args: argparse.Namespace) -> int:
    path = _example_path(args.example)
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="cloudtel-demo-"))
    org = load(path)
    _print(f"== {org.name} ({org.domain}) — loaded and validated {path}")
    _print(
        f"{len(org.groups)} user groups, {len(org.users)} users, "
        f"{sum(len(r) for r in org.number_ranges)} numbers in {len(org.number_ranges)} ranges, "
        f"main number {org.main_number or '-'}"
    )
    _print("")
    _print("== Users, page 1 (sorted by last name)")
    page = org.find_users(sort="last_name", page_size=5)
    rows = [(u.username, u.first_name, u.last_name, u.primary_line or "") for u in page]
    _print(table(rows, ("Username", "First name", "Last name", "Primary line")))
    _print(f"page 1 of {page.pages} ({page.total} users)")
    for section in _demo_sections():
        text = section(org, out)
        if text:
            _print("")
            _print(text)
    _print("")
    _print(f"Files written by the demo are in {out}")
    return 0


def _demo_sections() -> list[Callable[[Organization, Path], str]]:
    """The demo's sections after the core one, in the manual's order."""
    return [
        contacts_demo_section,
        prompts_demo_section,
        functions_demo_section,
        accounts_demo_section,
        phones_demo_section,
    ]


def _add_core_commands(sub: Any) -> None:
    cmd = sub.add_parser("validate", help="check an org file and list every problem")
    cmd.add_argument("file", help="the org file (.toml or .json)")
    cmd.set_defaults(run=_validate)

    cmd = sub.add_parser("users", help="list users like the portal: filter, sort, page")
    cmd.add_argument("file", help="the org file")
    cmd.add_argument("--group", help="only members of this group")
    cmd.add_argument("--search", help="a part of the username, first or last name")
    cmd.add_argument("--sort", default="username", choices=SORT_COLUMNS, help="sort column")
    cmd.add_argument("--descending", action="store_true", help="reverse the order")
    cmd.add_argument("--page", type=int, default=1, help="page number (from 1)")
    cmd.add_argument("--page-size", type=int, default=25, help="users per page")
    cmd.set_defaults(run=_users)

    cmd = sub.add_parser("user", help="show one user with every setting and where it came from")
    cmd.add_argument("file", help="the org file")
    cmd.add_argument("username", help="the username, e.g. demo.user@orange.be")
    cmd.set_defaults(run=_user)

    cmd = sub.add_parser("numbers", help="the numbers of the ranges and who holds them")
    cmd.add_argument("file", help="the org file")
    cmd.add_argument("--available", action="store_true", help="only numbers nobody holds")
    cmd.add_argument("--limit", type=int, help="show at most this many")
    cmd.set_defaults(run=_numbers)

    cmd = sub.add_parser("demo", help="run the tour on the bundled example organisation")
    cmd.add_argument("--example", help="another org file to run the demo on")
    cmd.add_argument("--out", help="folder for the files the demo writes (default: a temp dir)")
    cmd.set_defaults(run=_demo)


COMMANDS: list[Callable[[Any], None]] = [
    _add_core_commands,
    add_contacts_commands,
    add_prompts_commands,
    add_accounts_commands,
    add_phones_commands,
    add_schedule_commands,
]
"""Functions that add subcommands; each capability appends its own."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command of :data:`COMMANDS`."""
    parser = argparse.ArgumentParser(
        prog="cloudtel",
        description="Administer a hosted business telephone system: organisations, users, "
        "contacts, voice prompts, schedules and SIP desk phones.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``cloudtel`` command; returns the exit status.

    Args:
        argv: The arguments (without the program name); default ``sys.argv[1:]``.
    """
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        # argparse cannot take a list of positionals after options (``sync FILE --reboot
        # MAC``); a command that names such a list with ``trailing=`` gets the rest of them
        trailing: str | None = getattr(args, "trailing", None)
        if trailing is None or any(word.startswith("-") for word in extra):
            unknown = [w for w in extra if trailing is None or w.startswith("-")]
            parser.error(f"unrecognized arguments: {' '.join(unknown)}")
        else:
            setattr(args, trailing, [*getattr(args, trailing), *extra])
    try:
        status: int = args.run(args)
    except CloudtelError as exc:
        sys.stderr.write(f"cloudtel: {exc}\n")
        return 1
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        sys.stderr.write(f"cloudtel:{where}: {exc.strerror or exc}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("cloudtel: interrupted\n")
        return 130
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
