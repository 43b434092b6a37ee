"""The ``cloudtel`` commands of change sets and the journal: diff, plan, log, revert.

- ``cloudtel diff OLD NEW``: the change set from one org file to another, as a
  table or ``--json``; ``--exit-code`` exits with 1 when there are changes (like
  ``git diff --exit-code``), 0 when there are none.
- ``cloudtel plan FILE --against REF_OR_FILE``: what saving FILE changes compared
  with another file, or with FILE as it is in a git commit (``git show REF:path``),
  e.g. ``--against HEAD`` or ``--against origin/main``.
- ``cloudtel log FILE``: the journal of saves of FILE.
- ``cloudtel revert FILE ENTRY``: undo one journal entry.

Registered in :data:`cloudtel.cli.COMMANDS` through :func:`add_changes_commands`.
See :doc:`/concurrent-editing`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from cloudtel._journal import read_journal
from cloudtel.changes import ChangeSet, Risk
from cloudtel.cli.table import say, table
from cloudtel.errors import FileProblemsError, NotFoundError, Problem
from cloudtel.history import revert
from cloudtel.org import Organization
from cloudtel.serialization import Format, load, loads

__all__ = ["add_changes_commands", "git_file"]

_WIDTH = 60


def _short(value: Any) -> str:
    if value is None:
        return "-"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= _WIDTH else text[: _WIDTH - 1] + "…"


def _summary(changes: ChangeSet) -> str:
    if not changes:
        return "no changes"
    counts = [
        f"{len(changes.by_risk(risk))} {risk.value}" for risk in Risk if changes.by_risk(risk)
    ]
    objects = len(changes.objects())
    return (
        f"{len(changes)} change{'s' if len(changes) != 1 else ''} to {objects} "
        f"object{'s' if objects != 1 else ''}: {', '.join(counts)}"
    )


def _show(changes: ChangeSet, args: argparse.Namespace, old: str, new: str) -> int:
    if args.json:
        risk = changes.risk()
        say(
            json.dumps(
                {
                    "old": old,
                    "new": new,
                    "risk": None if risk is None else risk.value,
                    "changes": changes.to_json(),
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        rows = [
            (
                change.risk.value,
                change.action,
                f"{change.kind} {change.key}",
                change.field or "",
                _short(change.old),
                _short(change.new),
                change.reason,
            )
            for change in sorted(changes, key=lambda c: c.risk.rank)
        ]
        if rows:
            say(table(rows, ("Risk", "Change", "Object", "Field", "Old", "New", "Why")))
        say(f"{old} → {new}: {_summary(changes)}")
    return 1 if args.exit_code and changes else 0


def _read(path: str | Path, kind: type[Organization] = Organization) -> Organization:
    """An org file's organisation, without checking the files kept beside it.

    A change set compares what the files say (an audio file's checksum included), so
    an old copy kept elsewhere (a backup, ``git show`` into a temporary file) can be
    compared although its prompts' audio is not beside it.
    """
    file = Path(path)
    fmt: Format = "json" if file.suffix.lower() == ".json" else "toml"
    if file.suffix.lower() not in {".toml", ".json"}:
        return load(file, organization=kind)  # says which file types there are
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise FileProblemsError(str(file), [Problem("", f"cannot read: {exc.strerror}")]) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileProblemsError(str(file), [Problem("", f"not UTF-8 text: {exc}")]) from exc
    return loads(text, fmt, source=str(file), organization=kind)


def _diff(args: argparse.Namespace) -> int:
    old, new = _read(args.old), _read(args.new)
    return _show(old.diff(new), args, args.old, args.new)


def git_file(file: Path, ref: str) -> bytes:
    """The content of ``file`` as it is in the git commit ``ref`` (``git show REF:path``).

    Raises:
        FileProblemsError: Not in a git repository, or no such commit or file there;
            says what git said.
    """
    folder = file.resolve().parent
    program = shutil.which("git")
    if program is None:
        raise FileProblemsError(str(file), [Problem("", "git is not installed (or not on PATH)")])

    def git(*words: str) -> bytes:
        try:  # a fixed program and arguments, no shell
            done = subprocess.run(  # noqa: S603
                [program, "-C", str(folder), *words], capture_output=True, check=False, timeout=60
            )
        except OSError as exc:
            raise FileProblemsError(
                str(file), [Problem("", f"cannot run git: {exc.strerror}")]
            ) from exc
        if done.returncode != 0:
            said = done.stderr.decode("utf-8", "replace").strip()
            raise FileProblemsError(str(file), [Problem("", f"git {words[0]}: {said}")])
        return done.stdout

    top = Path(git("rev-parse", "--show-toplevel").decode("utf-8").strip())
    relative = file.resolve().relative_to(top.resolve()).as_posix()
    return git("show", f"{ref}:{relative}")


def _against(file: Path, against: str, kind: type[Organization]) -> tuple[Organization, str]:
    other = Path(against)
    if other.is_file():
        return _read(other, kind), against
    raw = git_file(file, against)
    fmt: Format = "json" if file.suffix.lower() == ".json" else "toml"
    source = f"{against}:{file.name}"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileProblemsError(source, [Problem("", f"not UTF-8 text: {exc}")]) from exc
    return loads(text, fmt, source=source, organization=kind), source


def _plan(args: argparse.Namespace) -> int:
    file = Path(args.file)
    new = load(file)
    old, source = _against(file, args.against, type(new))
    return _show(old.diff(new), args, source, args.file)


def _log(args: argparse.Namespace) -> int:
    entries = read_journal(args.file)
    if args.json:
        say(
            json.dumps(
                [
                    {key: value for key, value in entry.to_json().items() if key not in {"objects"}}
                    for entry in entries
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    rows = []
    for entry in entries:
        if entry.created:
            what = "created the file"
        else:
            objects = entry.changes.objects()
            named = ", ".join(f"{kind} {key}" for kind, key in objects[:3])
            more = f" and {len(objects) - 3} more" if len(objects) > 3 else ""
            what = f"{_summary(entry.changes)} ({named}{more})" if objects else "no changes"
        merged = " [merged]" if entry.merged else ""
        rows.append((entry.entry, f"{entry.when:%Y-%m-%d %H:%M:%S}", entry.who, what + merged))
    if not rows:
        say(f"{args.file}: no journal yet (it starts with the next save)")
        return 0
    say(table(rows, ("Entry", "When (UTC)", "Who", "What")))
    return 0


def _revert(args: argparse.Namespace) -> int:
    try:
        number = int(args.entry)
    except ValueError:
        raise NotFoundError(
            f"a journal entry is a number (see `cloudtel log {args.file}`), not {args.entry!r}",
            kind="journal entry",
            name=args.entry,
        ) from None
    done = revert(args.file, number, who=args.who)
    if not done.journaled:
        say(f"{args.file}: reverting entry {number} changes nothing (no journal entry written)")
        return 0
    say(f"{args.file}: reverted entry {number} as entry {done.entry}: {_summary(done.changes)}")
    return 0


def add_changes_commands(sub: Any) -> None:
    """Add ``diff``, ``plan``, ``log`` and ``revert`` to the ``cloudtel`` command.

    Args:
        sub: The subparsers object of the main parser.
    """

    def output(command: argparse.ArgumentParser) -> None:
        command.add_argument("--json", action="store_true", help="print the changes as JSON")
        command.add_argument(
            "--exit-code",
            action="store_true",
            help="exit with 1 when there are changes, 0 when there are none (like git)",
        )

    diff = sub.add_parser("diff", help="the changes from one org file to another, with their risk")
    diff.add_argument("old", help="the org file before")
    diff.add_argument("new", help="the org file after")
    output(diff)
    diff.set_defaults(run=_diff)

    plan = sub.add_parser(
        "plan", help="what an org file changes compared with another file or a git commit"
    )
    plan.add_argument("file", help="the org file")
    plan.add_argument(
        "--against",
        required=True,
        metavar="GIT_REF_OR_FILE",
        help="an org file, or a git commit (HEAD, origin/main …) holding this file",
    )
    output(plan)
    plan.set_defaults(run=_plan)

    log = sub.add_parser("log", help="the journal of saves of an org file")
    log.add_argument("file", help="the org file")
    log.add_argument("--json", action="store_true", help="print the entries as JSON")
    log.set_defaults(run=_log)

    undo = sub.add_parser("revert", help="undo one journal entry of an org file")
    undo.add_argument("file", help="the org file")
    undo.add_argument("entry", help="the entry number (see `cloudtel log FILE`)")
    undo.add_argument("--who", help="who reverts, for the journal (default: $CLOUDTEL_USER)")
    undo.set_defaults(run=_revert)
