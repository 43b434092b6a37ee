"""Undo one save: :func:`revert` puts back the objects a journal entry changed.

Every :func:`cloudtel.save` appends an entry to the org file's journal
(:func:`cloudtel.read_journal`) with each changed object's data before and after.
``revert(path, 12)`` sets those objects back to their state before entry 12, when
nothing since changed them: no later entry touched them and each is still as
entry 12 left it (an edit made without cloudtel shows there). Otherwise it
raises :class:`~cloudtel.ConflictError` naming the objects and the entries that
changed them. The revert is a save like any other: merged with concurrent
edits, and journaled.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cloudtel._journal import JournalEntry, read_journal
from cloudtel._merging import describe
from cloudtel.changes import ObjectKey, ObjectRef, objects_of
from cloudtel.errors import ConflictError, FileProblemsError, InvalidValueError, NotFoundError
from cloudtel.serialization import from_data, load, save, to_data

__all__ = ["revert"]

_ABSENT: Any = object()


def _find(entries: list[JournalEntry], number: int, file: Path) -> JournalEntry:
    for entry in entries:
        if entry.entry == number:
            return entry
    span = f"entries 1 to {entries[-1].entry}" if entries else "no entries"
    raise NotFoundError(
        f"{file} has no journal entry {number}; its journal has {span}",
        kind="journal entry",
        name=str(number),
    )


def _container(data: dict[str, Any], path: tuple[str, ...]) -> list[Any]:
    target: Any = data
    for key in path[:-1]:
        target = target.setdefault(key, {})
    found: list[Any] = target.setdefault(path[-1], [])
    return found


def _apply(data: dict[str, Any], entry: JournalEntry, current: dict[ObjectKey, Any]) -> None:
    """Set each object of ``entry`` in ``data`` back to its data before the entry."""
    removals: list[tuple[tuple[str, ...], int]] = []
    inserts: list[tuple[ObjectRef, Any]] = []
    order: list[str] | None = None
    for obj in entry.objects():
        before = entry.before[obj]
        ref_before, ref_after = entry.refs.get(obj, (None, None))
        now_ref: ObjectRef | None = current[obj][0] if obj in current else None
        if obj[0] == "group order":
            order = list(before or [])
            continue
        ref = now_ref or ref_before or ref_after
        if ref is None:
            continue
        if ref.index is None:  # a whole value: the [organization] table, a part
            target: Any = data
            for key in ref.path[:-1]:
                target = target.setdefault(key, {})
            if before is None:
                target.pop(ref.path[-1], None)
            else:
                target[ref.path[-1]] = before
        elif now_ref is not None and now_ref.index is not None:
            if before is None:
                removals.append((now_ref.path, now_ref.index))
            else:
                _container(data, now_ref.path)[now_ref.index] = before
        elif before is not None and ref_before is not None:
            inserts.append((ref_before, before))
    for path, index in sorted(removals, key=lambda item: -item[1]):
        del _container(data, path)[index]
    for ref, value in sorted(inserts, key=lambda item: item[0].index or 0):
        items = _container(data, ref.path)
        items.insert(min(ref.index or 0, len(items)), value)
    if order is not None:
        rank = {name: position for position, name in enumerate(order)}
        groups = data.get("groups", [])
        data["groups"] = sorted(groups, key=lambda g: rank.get(g.get("name"), len(rank)))


def revert(path: str | os.PathLike[str], entry: int, *, who: str | None = None) -> JournalEntry:
    """Undo the save journaled as ``entry`` in the org file ``path``.

    Args:
        path (str | PathLike): The org file.
        entry (int): The journal entry to undo (see :func:`cloudtel.read_journal`).
        who (str | None): Who reverts, for the journal.

    Returns:
        JournalEntry: The journal entry of the revert itself.

    Raises:
        NotFoundError: The journal has no such entry.
        InvalidValueError: The entry created the file (there is nothing before it).
        ConflictError: A later entry, or an edit made without cloudtel, changed an
            object of the entry since; names the objects (``context["objects"]``)
            and the entries.
    """
    file = Path(path)
    entries = read_journal(file)
    target = _find(entries, entry, file)
    if target.created:
        raise InvalidValueError(
            f"journal entry {entry} of {file} created the file; there is nothing to go back to",
            field="entry",
            value=entry,
        )
    touched = set(target.objects())
    later = [
        (item, sorted(touched & set(item.objects())))
        for item in entries
        if item.entry > entry and touched & set(item.objects())
    ]
    if later:
        objects = sorted({obj for _item, objs in later for obj in objs})
        since = "; ".join(
            f"entry {item.entry} ({item.who}, {item.when:%Y-%m-%d %H:%M}) changed {describe(objs)}"
            for item, objs in later
        )
        raise ConflictError(
            f"cannot revert journal entry {entry} of {file}: {since} since; revert those first",
            path=str(file),
            objects=objects,
        )
    org = load(file)
    current = objects_of(org)
    data = to_data(org, "json")
    changed = []
    for obj in target.objects():
        found = current.get(obj)
        if obj[0] == "group order":
            now: Any = list(found[1]) if found else None
        elif found is None:
            now = None
        else:
            now = _slice(data, found[0])
        if now != target.after[obj]:
            changed.append(obj)
    if changed:
        raise ConflictError(
            f"cannot revert journal entry {entry} of {file}: {describe(changed)} changed "
            "since without a journal entry (edited by hand?)",
            path=str(file),
            objects=changed,
        )
    _apply(data, target, current)
    try:
        reverted = from_data(data, source=str(file), organization=type(org))
    except FileProblemsError as exc:
        listed = "; ".join(str(problem) for problem in exc.problems)
        raise ConflictError(
            f"cannot revert journal entry {entry} of {file}: the result would break a "
            f"rule: {listed}",
            path=str(file),
            objects=sorted(touched),
            problems=exc.problems,
        ) from exc
    # the revert is an edit of the organisation as loaded: save merges or refuses as usual
    object.__setattr__(reverted, "_source", org._source)
    object.__setattr__(reverted, "_base", org._base)
    return save(reverted, file, who=who)


def _slice(data: dict[str, Any], ref: ObjectRef) -> Any:
    value: Any = data
    for key in ref.path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value if ref.index is None else value[ref.index]
