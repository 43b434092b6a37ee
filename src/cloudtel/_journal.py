"""The journal of an org file: one JSON line per save, beside the file.

``organization.toml`` keeps its journal in ``organization.toml.journal``. Each
line is one :class:`JournalEntry`: its number, who saved, when, the SHA-256 of
the file written, the change set, and the data of each changed object before
and after (what :func:`cloudtel.revert` puts back). Entries are appended while
the save holds the file's lock, so they are in the order of the saves. A save
that changed nothing appends no entry (it returns one with ``journaled`` false).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from cloudtel import _html
from cloudtel.changes import ChangeSet, ObjectKey, ObjectRef
from cloudtel.errors import FileProblemsError, Problem

__all__ = [
    "JournalEntry",
    "append_entry",
    "current_user",
    "journal_path",
    "read_journal",
    "unjournaled_entry",
]


def journal_path(file: Path) -> Path:
    """The journal of the org file ``file``: ``<name>.journal`` beside it."""
    return file.with_name(f"{file.name}.journal")


def current_user() -> str:
    """Who is saving: ``$CLOUDTEL_USER``, else the login name, else ``"unknown"``."""
    name = os.environ.get("CLOUDTEL_USER", "").strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return "unknown"


def _ref_json(ref: ObjectRef | None) -> Any:
    return None if ref is None else {"path": list(ref.path), "index": ref.index}


def _ref_of(kind: str, key: str, data: Any) -> ObjectRef | None:
    if data is None:
        return None
    return ObjectRef(kind, key, tuple(data["path"]), data.get("index"))


@attrs.frozen
class JournalEntry:
    """One save of an org file.

    Args:
        entry (int): Its number, from 1.
        who (str): Who saved (``who=`` of :func:`cloudtel.save`, ``$CLOUDTEL_USER``,
            or the login name).
        when (datetime): When (UTC).
        sha256 (str): SHA-256 of the file that save wrote.
        changes (cloudtel.ChangeSet): What changed.
        before (Mapping[ObjectKey, Any]): Each changed object's data before, in the
            org file's JSON form (``None`` for an object the save added).
        after (Mapping[ObjectKey, Any]): Each changed object's data after (``None``
            for one it removed).
        refs (Mapping[ObjectKey, tuple[ObjectRef | None, ObjectRef | None]]): Where
            each object was before and after.
        created (bool): The save created the file (no change set is recorded).
        merged (bool): The save merged another edit made since the organisation
            was loaded.
        journaled (bool): Whether this entry is in the journal. ``False`` for a
            save that changed nothing: it appends no entry, and the one it returns
            has number 0 and no changes.
    """

    entry: int
    who: str
    when: dt.datetime
    sha256: str
    changes: ChangeSet
    before: Mapping[ObjectKey, Any] = attrs.field(factory=dict)
    after: Mapping[ObjectKey, Any] = attrs.field(factory=dict)
    refs: Mapping[ObjectKey, tuple[ObjectRef | None, ObjectRef | None]] = attrs.field(factory=dict)
    created: bool = False
    merged: bool = False
    journaled: bool = True

    def objects(self) -> list[ObjectKey]:
        """The objects this save changed."""
        return list(self.before)

    def summary(self) -> str:
        """One line: the entry, who, when, and what changed."""
        how = " (created the file)" if self.created else " (merged)" if self.merged else ""
        if not self.journaled:
            return (
                f"no journal entry (nothing changed) by {self.who} at "
                f"{self.when:%Y-%m-%d %H:%M:%S} UTC{how}"
            )
        return (
            f"entry {self.entry} by {self.who} at {self.when:%Y-%m-%d %H:%M:%S} UTC{how}: "
            f"{self.changes.summary()}"
        )

    def __repr__(self) -> str:
        return f"<JournalEntry {self.summary()}>"

    def __str__(self) -> str:
        return "\n".join([self.summary(), *(f"  {change}" for change in self.changes)])

    def _repr_html_(self) -> str:
        return _html.table(
            self.changes.to_records(), caption=f"Journal {self.summary()}", empty="no changes"
        )

    def to_json(self) -> dict[str, Any]:
        """The entry as one JSON object (a line of the journal)."""
        return {
            "entry": self.entry,
            "who": self.who,
            "when": self.when.isoformat(),
            "sha256": self.sha256,
            "created": self.created,
            "merged": self.merged,
            "changes": self.changes.to_json(),
            "objects": [
                {
                    "kind": kind,
                    "key": key,
                    "before": self.before.get((kind, key)),
                    "after": self.after.get((kind, key)),
                    "ref_before": _ref_json(self.refs.get((kind, key), (None, None))[0]),
                    "ref_after": _ref_json(self.refs.get((kind, key), (None, None))[1]),
                }
                for kind, key in self.before
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> JournalEntry:
        """Read back what :meth:`to_json` wrote."""
        before: dict[ObjectKey, Any] = {}
        after: dict[ObjectKey, Any] = {}
        refs: dict[ObjectKey, tuple[ObjectRef | None, ObjectRef | None]] = {}
        for item in data.get("objects", []):
            obj = (item["kind"], item["key"])
            before[obj] = item.get("before")
            after[obj] = item.get("after")
            refs[obj] = (
                _ref_of(*obj, item.get("ref_before")),
                _ref_of(*obj, item.get("ref_after")),
            )
        return cls(
            entry=int(data["entry"]),
            who=str(data["who"]),
            when=dt.datetime.fromisoformat(data["when"]),
            sha256=str(data.get("sha256", "")),
            changes=ChangeSet.from_json(data.get("changes", [])),
            before=before,
            after=after,
            refs=refs,
            created=bool(data.get("created", False)),
            merged=bool(data.get("merged", False)),
        )


def _last_number(path: Path) -> int:
    """The number of the last entry, reading only the end of the journal."""
    try:
        with path.open("rb") as stream:
            stream.seek(0, os.SEEK_END)
            size = stream.tell()
            chunk = 4096
            tail = b""
            while True:
                start = max(0, size - len(tail) - chunk)
                stream.seek(start)
                tail = stream.read(size - start)
                lines = [line for line in tail.splitlines() if line.strip()]
                if len(lines) >= 2 or start == 0:
                    break
                chunk *= 2
    except FileNotFoundError:
        return 0
    for line in reversed(lines):
        try:
            return int(json.loads(line)["entry"])
        except (ValueError, KeyError, TypeError):
            continue  # a torn last line (a crash while appending): look one further
    return 0


def append_entry(
    file: Path,
    *,
    who: str,
    sha256: str,
    changes: ChangeSet,
    before: Mapping[ObjectKey, Any],
    after: Mapping[ObjectKey, Any],
    refs: Mapping[ObjectKey, tuple[ObjectRef | None, ObjectRef | None]],
    created: bool = False,
    merged: bool = False,
    when: dt.datetime | None = None,
) -> JournalEntry:
    """Append one entry to the journal of ``file``; call it holding the file's lock."""
    path = journal_path(file)
    entry = JournalEntry(
        entry=_last_number(path) + 1,
        who=who,
        when=when or dt.datetime.now(dt.UTC),
        sha256=sha256,
        changes=changes,
        before=before,
        after=after,
        refs=refs,
        created=created,
        merged=merged,
    )
    line = json.dumps(entry.to_json(), ensure_ascii=False, separators=(",", ":")) + "\n"
    handle = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        size = os.fstat(handle).st_size
        if size and os.pread(handle, 1, size - 1) != b"\n":
            line = "\n" + line  # end a line torn by a crash, so this entry is whole
        os.write(handle, line.encode("utf-8"))
        os.fsync(handle)
    finally:
        os.close(handle)
    return entry


def unjournaled_entry(*, who: str, sha256: str, merged: bool = False) -> JournalEntry:
    """What :func:`cloudtel.save` returns when it changed nothing: an entry not in the
    journal (number 0, no changes, ``journaled`` false)."""
    return JournalEntry(
        entry=0,
        who=who,
        when=dt.datetime.now(dt.UTC),
        sha256=sha256,
        changes=ChangeSet(),
        merged=merged,
        journaled=False,
    )


def _entries(path: Path) -> Iterator[JournalEntry]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return
    except OSError as exc:
        raise FileProblemsError(str(path), [Problem("", f"cannot read: {exc.strerror}")]) from exc
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError:
            continue  # a line torn by a crash while appending (that save's file was written)
        try:
            yield JournalEntry.from_json(data)
        except (ValueError, KeyError, TypeError) as exc:
            raise FileProblemsError(
                str(path), [Problem(f"line {number}", f"not a journal entry: {exc}")]
            ) from exc


def read_journal(file: str | os.PathLike[str]) -> list[JournalEntry]:
    """The journal entries of the org file ``file``, oldest first (none when no journal).

    A line that is not JSON (torn by a crash while appending) is skipped.

    Raises:
        FileProblemsError: A line is JSON but not a journal entry (names the line).
    """
    return list(_entries(journal_path(Path(file))))


def changed_since(entries: Sequence[JournalEntry], number: int) -> list[JournalEntry]:
    """The entries after entry ``number``."""
    return [entry for entry in entries if entry.entry > number]
