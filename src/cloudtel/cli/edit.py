"""The one mechanism every write command of ``cloudtel`` shares.

A write command is a *change*: a function that takes the loaded organisation and
the parsed arguments, changes the organisation through the SDK (which checks every
rule) and returns an :class:`Outcome` saying what it did. :func:`add_edit_command`
registers it with the arguments all write commands have (the org file,
``--dry-run`` and ``--json``); :func:`run_edit` does the rest, the same way for
every command:

1. load the org file;
2. apply the change (a broken rule raises a :class:`~cloudtel.CloudtelError`: one
   line on standard error, exit status 1, nothing written);
3. compare the org file's text before and after;
4. with ``--dry-run``, show that difference and write nothing; otherwise save
   through :func:`cloudtel.save` (only when something changed; it merges an edit
   another saved meanwhile, or refuses one that changed the same object), then run
   the outcome's follow-up (sending a message, say);
5. print the outcome: one line of text, or with ``--json`` one JSON object.

The JSON object has the keys ``command``, ``file``, ``dry_run``, ``changed``,
``saved``, ``merged``, ``summary``, ``result`` (the command's own data), ``notes`` and ``diff``
(the unified difference of the org file, as a list of lines).
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from cloudtel.cli.table import say
from cloudtel.org import Organization
from cloudtel.serialization import dumps, load, save

__all__ = ["Change", "Outcome", "add_edit_command", "run_edit"]


@attrs.frozen
class Outcome:
    """What a write command did (or, in a dry run, would do).

    Args:
        summary (str): One line in words, e.g. ``"added user jan@orange.be"``; a dry
            run shows it after ``would:``.
        result (Mapping[str, Any]): The command's own data for ``--json`` (JSON values).
        notes (Sequence[str]): More lines printed under the summary, after saving.
        then (Callable[[], Sequence[str]] | None): Work to do only after a successful
            save (never in a dry run), e.g. sending a new password; returns more notes.
    """

    summary: str
    result: Mapping[str, Any] = attrs.field(factory=dict)
    notes: Sequence[str] = ()
    then: Callable[[], Sequence[str]] | None = None


Change = Callable[[Organization, argparse.Namespace], Outcome]
"""A write command's change: applies itself to the organisation and says what it did."""


def _format(path: str) -> Any:
    return "json" if Path(path).suffix.lower() == ".json" else "toml"


def _diff(before: str, after: str, file: str) -> list[str]:
    return list(
        difflib.unified_diff(
            before.splitlines(),
            after.splitlines(),
            f"{file} (now)",
            f"{file} (after)",
            lineterm="",
            n=2,
        )
    )


def run_edit(args: argparse.Namespace, change: Change) -> int:
    """Load → change → show the difference or save → print; the exit status.

    Args:
        args: The parsed arguments, with ``file``, ``dry_run``, ``json`` and
            ``command_name``.
        change: The command's change.

    Returns:
        int: 0 (mistakes raise a :class:`~cloudtel.CloudtelError`).
    """
    org = load(args.file)
    fmt = _format(args.file)
    before = dumps(org, fmt)
    outcome = change(org, args)
    after = dumps(org, fmt)
    changed = after != before
    diff = _diff(before, after, args.file) if changed else []
    saved = merged = False
    notes = list(outcome.notes)
    if changed and not args.dry_run:
        merged = save(org, args.file).merged
        saved = True
        if merged:
            notes.append(f"merged with another edit saved to {args.file} since it was read")
    if not args.dry_run and outcome.then is not None:
        notes.extend(outcome.then())
    if args.json:
        document = {
            "command": args.command_name,
            "file": args.file,
            "dry_run": bool(args.dry_run),
            "changed": changed,
            "saved": saved,
            "merged": merged,
            "summary": outcome.summary,
            "result": dict(outcome.result),
            "notes": notes,
            "diff": diff,
        }
        sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n")
        return 0
    if args.dry_run:
        say(f"would: {outcome.summary}")
        if changed:
            say("\n".join(diff))
        say(f"dry run: {args.file} was not written" if changed else "dry run: nothing to change")
        return 0
    say(outcome.summary if changed else f"{outcome.summary} (no change)")
    for note in notes:
        say(note)
    return 0


def add_edit_command(
    sub: Any,
    name: str,
    change: Change,
    *,
    help: str,  # noqa: A002 - argparse's word for it
    description: str | None = None,
    full_name: str | None = None,
) -> argparse.ArgumentParser:
    """Register a write command: ``FILE``, ``--dry-run`` and ``--json`` come with it.

    Args:
        sub: The subparsers object to add the command to.
        name: The command's word, e.g. ``"add"``.
        change: What it does to the organisation.
        help: One line for the list of commands.
        description: More words for the command's ``--help``.
        full_name: The whole command as ``--json`` names it, e.g. ``"user add"``
            (default: ``name``).

    Returns:
        argparse.ArgumentParser: The command's parser; add its own arguments to it.
    """
    cmd: argparse.ArgumentParser = sub.add_parser(
        name, help=help, description=description or help[:1].upper() + help[1:] + "."
    )
    cmd.add_argument("file", metavar="FILE", help="the org file (.toml or .json)")
    cmd.add_argument(
        "--dry-run",
        action="store_true",
        help="show what would change in the org file, and write nothing",
    )
    cmd.add_argument("--json", action="store_true", help="print the result as one JSON object")

    def run(args: argparse.Namespace) -> int:
        return run_edit(args, change)

    cmd.set_defaults(run=run, command_name=full_name or name)
    return cmd
