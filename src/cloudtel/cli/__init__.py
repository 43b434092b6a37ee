"""The ``cloudtel`` command.

Each capability adds its subcommands through one function in :data:`COMMANDS`
that takes the subparsers object. A command is a function of the parsed
arguments that returns the exit status. A mistake a user can make (a bad file,
an unknown user, an invalid number) raises a :class:`~cloudtel.CloudtelError`;
:func:`main` prints its message as ``cloudtel: …`` and exits with status 1,
never with a traceback.

The commands live in one module per capability: :mod:`cloudtel.cli.core`
(validate, users, numbers), :mod:`~cloudtel.cli.users` (user, group, number,
mobile), :mod:`~cloudtel.cli.contacts`,
:mod:`~cloudtel.cli.prompts`, :mod:`~cloudtel.cli.accounts`,
:mod:`~cloudtel.cli.phones`, :mod:`~cloudtel.cli.serve` (the provisioning server),
:mod:`~cloudtel.cli.functions`,
:mod:`~cloudtel.cli.schedule` (and :mod:`~cloudtel.cli.schedule_edit`), and
:mod:`~cloudtel.cli.demo` (the demo and its sections). Their text
tables all come from :mod:`cloudtel.cli.table`. Every command that changes the
org file goes through :mod:`cloudtel.cli.edit`: ``--dry-run``, ``--json`` and the
safe save, the same way for all of them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from cloudtel.cli.accounts import add_accounts_commands
from cloudtel.cli.changes import add_changes_commands
from cloudtel.cli.contacts import add_contacts_commands
from cloudtel.cli.core import add_core_commands
from cloudtel.cli.demo import add_demo_commands
from cloudtel.cli.functions import add_functions_commands
from cloudtel.cli.phones import add_phones_commands
from cloudtel.cli.prompts import add_prompts_commands
from cloudtel.cli.schedule import add_schedule_commands
from cloudtel.cli.serve import add_serve_commands
from cloudtel.cli.table import visible
from cloudtel.cli.users import USER_ACTIONS, add_users_commands
from cloudtel.errors import CloudtelError, ConflictError

__all__ = ["COMMANDS", "build_parser", "main"]

Command = Callable[[argparse.Namespace], int]


COMMANDS: list[Callable[[Any], None]] = [
    add_core_commands,
    add_users_commands,
    add_demo_commands,
    add_contacts_commands,
    add_prompts_commands,
    add_accounts_commands,
    add_phones_commands,
    add_functions_commands,
    add_schedule_commands,
    add_changes_commands,
    add_serve_commands,
]
"""Functions that add subcommands; each capability appends its own."""


_REQUIRED = "the following arguments are required: "


class _Parser(argparse.ArgumentParser):
    """argparse's parser, except that a missing required option or argument is one line
    naming it and the command (``cloudtel: phone add: missing --model; see 'cloudtel phone
    add --help'``), exit status 2; any other mistake prints the usage as argparse does."""

    def error(self, message: str) -> NoReturn:
        if message.startswith(_REQUIRED):
            missing = message.removeprefix(_REQUIRED)
            command = self.prog.removeprefix("cloudtel").strip()
            where = f"{command}: " if command else ""
            self.exit(
                2,
                visible(f"cloudtel: {where}missing {missing}; see '{self.prog} --help'") + "\n",
            )
        super().error(message)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command of :data:`COMMANDS`.

    A missing required option or argument is one line, ``cloudtel: COMMAND: missing
    OPTION; see 'cloudtel COMMAND --help'``, and exit status 2.
    """
    parser = _Parser(
        prog="cloudtel",
        description="Administer a hosted business telephone system: organisations, users, "
        "contacts, voice prompts, schedules and SIP desk phones.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in COMMANDS:
        add(sub)
    return parser


def _conflict(exc: ConflictError) -> str:
    """A conflict in the words of the command line (no ``overwrite=True`` there)."""
    objects = exc.context.get("objects")
    path = exc.context.get("path")
    if not objects or not path or "overwrite=True" not in str(exc):
        return str(exc)  # e.g. revert's, which says what to do in its own words
    named = ", ".join(f"{kind} {key!r}" for kind, key in objects)
    return (
        f"{path} was saved by another edit while this command ran, and that edit changed "
        f"{named} too; nothing was written: run the command again to make the change on "
        "top of the other edit"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``cloudtel`` command; returns the exit status.

    Args:
        argv: The arguments (without the program name); default ``sys.argv[1:]``.
    """
    parser = build_parser()
    words = list(sys.argv[1:] if argv is None else argv)
    if len(words) >= 2 and words[0] == "user" and words[1] not in (*USER_ACTIONS, "-h", "--help"):
        words.insert(1, "show")  # 'cloudtel user FILE USERNAME' is 'user show'
    args, extra = parser.parse_known_args(words)
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
    except ConflictError as exc:
        sys.stderr.write(visible(f"cloudtel: {_conflict(exc)}") + "\n")
        return 1
    except CloudtelError as exc:
        sys.stderr.write(visible(f"cloudtel: {exc}") + "\n")
        return 1
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        sys.stderr.write(visible(f"cloudtel:{where}: {exc.strerror or exc}") + "\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("cloudtel: interrupted\n")
        return 130
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
