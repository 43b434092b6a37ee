"""Three-way merge of two edits of one organisation, on org file data.

When :func:`cloudtel.save` finds that the org file changed since the
organisation was loaded (another admin or tool saved in between), it merges:
the *base* is the state as loaded (exact, because ``load(save(org)) == org``),
*ours* is the organisation being saved, *theirs* is the file on disk now. Each
object (see :mod:`cloudtel.changes`: a user, a group, a contact, a function
number, a phone, a prompt, the organisation's settings …) is taken whole:

- changed on one side only: that side's version (a deletion is a change);
- changed the same way on both sides: that version;
- changed differently on both sides: a conflict.

Conflicts make :func:`cloudtel.merge` raise :class:`~cloudtel.ConflictError`
naming every such object (``context["objects"]`` lists them as ``(kind, key)``);
nothing is written.
The merged organisation is checked like a loaded file, so edits that touch
different objects but break a rule together (two users given the same number)
are a conflict too, with the problems listed.

The order of arrays follows ours, with the objects only theirs has placed before
their next neighbour in theirs (last when none); a reordering of the user groups (their priority) on
one side is kept, on both sides differently is a conflict on
``("group order", "priority")``.
"""

from __future__ import annotations

import copy
from collections.abc import Hashable, Sequence
from typing import Any, TypeVar

from cloudtel.changes import ObjectKey, ObjectRef

__all__ = ["MergeResult", "describe", "merge_data", "order"]

Objects = dict[ObjectKey, tuple[ObjectRef, Any]]
_K = TypeVar("_K", bound=Hashable)
_MISSING: Any = object()


class MergeResult:
    """What :func:`merge_data` found.

    Attributes:
        data (dict[str, Any]): The merged org file data (JSON form).
        conflicts (list[ObjectKey]): Objects both sides changed differently.
        from_theirs (list[ObjectKey]): Objects taken from theirs (their edits kept).
    """

    def __init__(
        self, data: dict[str, Any], conflicts: list[ObjectKey], from_theirs: list[ObjectKey]
    ) -> None:
        self.data = data
        self.conflicts = conflicts
        self.from_theirs = from_theirs


def _slice(data: dict[str, Any], ref: ObjectRef) -> Any:
    value: Any = data
    for key in ref.path:
        if not isinstance(value, dict) or key not in value:
            return _MISSING
        value = value[key]
    if ref.index is None:
        return value
    return value[ref.index]


def _set(data: dict[str, Any], path: Sequence[str], value: Any) -> None:
    target = data
    for key in path[:-1]:
        target = target.setdefault(key, {})
    if value is _MISSING:
        target.pop(path[-1], None)
    else:
        target[path[-1]] = value


def order(
    base: Sequence[_K], ours: Sequence[_K], theirs: Sequence[_K], present: set[_K]
) -> list[_K] | None:
    """The merged order of an array's keys; ``None`` when both sides reordered differently.

    The order of the side that reordered the common keys wins (ours when neither
    or both the same); the keys only the other side has go before their next
    neighbour there (last when it has none).
    """
    common = set(base) & set(ours) & set(theirs)

    def relative(seq: Sequence[_K]) -> list[_K]:
        return [k for k in seq if k in common]

    o_moved = relative(ours) != relative(base)
    t_moved = relative(theirs) != relative(base)
    if o_moved and t_moved and relative(ours) != relative(theirs):
        return None
    primary, secondary = (theirs, ours) if t_moved and not o_moved else (ours, theirs)
    result = [k for k in primary if k in present]
    placed = set(result)
    for index, key in enumerate(secondary):
        if key not in present or key in placed:
            continue
        position = len(result)  # before its next neighbour there, else last
        for following in secondary[index + 1 :]:
            if following in placed:
                position = result.index(following)
                break
        result.insert(position, key)
        placed.add(key)
    return result


def merge_data(
    sides: Sequence[Objects], datas: Sequence[dict[str, Any]], parts: Sequence[str]
) -> MergeResult:
    """Merge the edits of ours and theirs to base, as org file data.

    Args:
        sides: :func:`~cloudtel.changes.objects_of` of base, ours and theirs.
        datas: Their org file data in JSON form (:func:`~cloudtel.serialization.to_data`).
        parts: The organisation's part names.

    The result's ``conflicts`` is empty when the merge succeeded.
    """
    keys = list(dict.fromkeys([*sides[1], *sides[2], *sides[0]]))

    def value(side: int, obj: ObjectKey) -> Any:
        found = sides[side].get(obj)
        return _MISSING if found is None else _slice(datas[side], found[0])

    merged = copy.deepcopy(datas[1])
    conflicts: list[ObjectKey] = []
    from_theirs: list[ObjectKey] = []
    chosen: dict[ObjectKey, Any] = {}
    for obj in keys:
        if obj[0] == "group order":
            continue
        b, o, t = value(0, obj), value(1, obj), value(2, obj)
        if _same(o, t) or _same(t, b):
            chosen[obj] = o
        elif _same(o, b):
            chosen[obj] = t
            from_theirs.append(obj)
        else:
            conflicts.append(obj)
            chosen[obj] = o
    arrays: dict[tuple[str, ...], None] = {}
    for obj in keys:
        refs = [side[obj][0] for side in sides if obj in side]
        if obj[0] == "group order":
            continue
        if refs[0].index is None:
            if obj in from_theirs:
                _set(merged, refs[0].path, chosen[obj])
        else:
            for ref in refs:
                arrays[ref.path] = None
    for path in arrays:
        in_path = [
            [obj for obj, (ref, _v) in side.items() if ref.index is not None and ref.path == path]
            for side in sides
        ]
        present = {
            obj for obj in set().union(*in_path) if chosen.get(obj, _MISSING) is not _MISSING
        }
        merged_order = order(in_path[0], in_path[1], in_path[2], present)
        if merged_order is None:
            if path == ("groups",):
                conflicts.append(("group order", "priority"))
            merged_order = order(in_path[0], in_path[1], in_path[1], present) or []
        _set(merged, path, [chosen[obj] for obj in merged_order])
    _prune(merged, parts)
    return MergeResult(merged, conflicts, from_theirs)


def _same(left: Any, right: Any) -> bool:
    if left is _MISSING or right is _MISSING:
        return left is right
    return bool(left == right)


def _prune(data: dict[str, Any], parts: Sequence[str]) -> None:
    """Drop the empty arrays and tables a merge left in the parts (as saving would)."""

    def empty(value: Any) -> bool:
        if isinstance(value, dict):
            for key in [k for k, v in value.items() if empty(v)]:
                del value[key]
            return not value
        return isinstance(value, list) and not value

    for name in parts:
        if name in data and empty(data[name]):
            del data[name]


def describe(objects: Sequence[ObjectKey]) -> str:
    """Objects in words: ``user 'an@orange.be', phone '08000FBBAD78'``."""
    return ", ".join(f"{kind} {key!r}" for kind, key in objects)
