"""Change sets: what differs between two states of an organisation, and how risky it is.

An organisation is a set of *objects*, each with a kind and a key that stays
the same while the object is edited:

=====================  ==============================================
kind                   key
=====================  ==============================================
``organization``       ``settings`` (the ``[organization]`` table)
``group order``        ``priority`` (the order of the user groups)
``group``              the group's name
``user``               the username
``contact``            scope and name: ``group Sales: Jan Peeters``
``hidden contact``     ``user <username>: <name>``
``prompt``             the voice prompt's name
``phone``              the MAC address
``function number``    the function number's name
``account``            the username (password and PIN hashes, roles)
``login failures``     the subject (``user:<username>``, …)
``photo``              the username
``part``               a part's key, for parts of your own
=====================  ==============================================

:func:`diff` (also :meth:`Organization.diff <cloudtel.Organization.diff>`)
compares two organisations object by object and field by field, and returns a
:class:`~cloudtel.ChangeSet`: a list of :class:`~cloudtel.ObjectChange`, each
with a :class:`~cloudtel.Risk`:

- **destructive**: an object is deleted, or a number is freed;
- **externally visible**: a phone's files change (the phone itself, the user
  on it or a colleague its keys watch, the contacts of its directory) or a
  number moves to another holder;
- **behavioural**: calls are handled differently (a schedule's outcome, a
  setting, a membership, the group order); for a schedule the change says for
  which hours of the next 7 days its outcome differs, from the schedule engine;
- **cosmetic**: everything else (descriptions, a department, …).

The same objects are the unit of the three-way merge that
:func:`cloudtel.save` does when the file changed since it was loaded
(:mod:`cloudtel.merging`).
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple
from zoneinfo import ZoneInfo

import attrs
import numpy as np

from cloudtel import _html
from cloudtel.numbers import PhoneNumber

if TYPE_CHECKING:
    from cloudtel.org import Organization

__all__ = [
    "ChangeSet",
    "ObjectChange",
    "ObjectKey",
    "ObjectRef",
    "Risk",
    "diff",
    "objects_of",
    "unchanged",
]

ObjectKey = tuple[str, str]
"""An object of an organisation: ``(kind, key)``, e.g. ``("user", "an@orange.be")``."""

HORIZON_DAYS = 7
"""How far ahead a schedule change is evaluated."""


class Risk(enum.Enum):
    """How much a change matters, the most severe first."""

    DESTRUCTIVE = "destructive"
    """Deletes an object or frees a number."""
    EXTERNAL = "externally visible"
    """Changes a phone's files, or moves a number to another holder."""
    BEHAVIOURAL = "behavioural"
    """Changes how calls are handled (a schedule's outcome, a setting, a membership)."""
    COSMETIC = "cosmetic"
    """Changes nothing a caller or a phone would notice."""

    @property
    def rank(self) -> int:
        """0 for the most severe class, 3 for cosmetic."""
        return list(Risk).index(self)


@attrs.frozen
class ObjectRef:
    """Where an object lives in an org file's data.

    Args:
        kind (str): The object's kind (see the module docs).
        key (str): Its key.
        path (tuple[str, ...]): The keys leading to its array (or to the value itself).
        index (int | None): Its position in that array; ``None`` when ``path``
            leads to the value itself (the ``[organization]`` table, a whole part).
    """

    kind: str
    key: str
    path: tuple[str, ...]
    index: int | None = None


@attrs.frozen
class ObjectChange:
    """One change of one object.

    Args:
        action (str): ``"added"``, ``"removed"`` or ``"changed"``.
        kind (str): The object's kind (``"user"``, ``"phone"`` …).
        key (str): The object's key (a username, a MAC address …).
        field (str | None): The field that changed; ``None`` for a whole object
            added or removed.
        old (Any): The old value as plain data (text, numbers, lists, tables);
            ``None`` when added.
        new (Any): The new value as plain data; ``None`` when removed.
        risk (Risk): How much it matters.
        reason (str): Why it has that risk, in words (``"frees +3227811601"``).
    """

    action: str
    kind: str
    key: str
    field: str | None
    old: Any
    new: Any
    risk: Risk
    reason: str = ""

    @property
    def target(self) -> ObjectKey:
        """The changed object, ``(kind, key)``."""
        return (self.kind, self.key)

    def to_json(self) -> dict[str, Any]:
        """The change as a JSON object."""
        return {
            "action": self.action,
            "kind": self.kind,
            "key": self.key,
            "field": self.field,
            "old": self.old,
            "new": self.new,
            "risk": self.risk.value,
            "reason": self.reason,
        }

    def __str__(self) -> str:
        where = f"{self.kind} {self.key}"
        if self.action == "added":
            what = f"added {where}"
        elif self.action == "removed":
            what = f"removed {where}"
        else:
            what = f"changed {where}: {self.field} {_short(self.old)} → {_short(self.new)}"
        reason = f", {self.reason}" if self.reason else ""
        return f"{what} ({self.risk.value}{reason})"

    def to_record(self) -> dict[str, object]:
        """The change as one plain row (values shortened for a table)."""
        return {
            "risk": self.risk.value,
            "action": self.action,
            "kind": self.kind,
            "key": self.key,
            "field": self.field or "",
            "old": _short(self.old),
            "new": _short(self.new),
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ObjectChange:
        """Read back what :meth:`to_json` wrote."""
        return cls(
            action=data["action"],
            kind=data["kind"],
            key=data["key"],
            field=data.get("field"),
            old=data.get("old"),
            new=data.get("new"),
            risk=Risk(data["risk"]),
            reason=data.get("reason", ""),
        )


@attrs.frozen
class ChangeSet:
    """The changes from one state of an organisation to another.

    Iterating gives the :class:`ObjectChange` values; an empty change set is false.

    Args:
        changes (tuple[ObjectChange, ...]): The changes, in the order of the objects.
    """

    changes: tuple[ObjectChange, ...] = ()

    def __iter__(self) -> Iterator[ObjectChange]:
        return iter(self.changes)

    def __len__(self) -> int:
        return len(self.changes)

    def __bool__(self) -> bool:
        return bool(self.changes)

    def objects(self) -> list[ObjectKey]:
        """The objects changed, each once, in order."""
        return list(dict.fromkeys(change.target for change in self.changes))

    def risk(self) -> Risk | None:
        """The most severe risk of the changes; ``None`` when there are none."""
        if not self.changes:
            return None
        return min((change.risk for change in self.changes), key=lambda risk: risk.rank)

    def by_risk(self, risk: Risk) -> tuple[ObjectChange, ...]:
        """The changes of one risk class."""
        return tuple(change for change in self.changes if change.risk is risk)

    def to_json(self) -> list[dict[str, Any]]:
        """The changes as a list of JSON objects."""
        return [change.to_json() for change in self.changes]

    def summary(self) -> str:
        """One line: how many changes to how many objects, and the worst risk."""
        if not self.changes:
            return "no changes"
        count, objects = len(self.changes), len(self.objects())
        risk = self.risk()
        return (
            f"{count} change{'' if count == 1 else 's'} to {objects} "
            f"object{'' if objects == 1 else 's'}, worst: {risk.value if risk else ''}"
        )

    def to_records(self) -> list[dict[str, object]]:
        """One plain ``dict`` per change: risk, action, kind, key, field, old, new, reason."""
        return [change.to_record() for change in self.changes]

    def to_pandas(self) -> Any:
        """The changes as a :class:`pandas.DataFrame` (needs the ``pandas`` extra)."""
        columns = ("risk", "action", "kind", "key", "field", "old", "new", "reason")
        return _html.records_to_pandas(self.to_records(), columns)

    def __repr__(self) -> str:
        return f"<ChangeSet: {self.summary()}>"

    def __str__(self) -> str:
        return "\n".join([self.summary(), *(f"  {change}" for change in self.changes)])

    def _repr_html_(self) -> str:
        return _html.table(self.to_records(), caption=self.summary(), empty="no changes")

    @classmethod
    def from_json(cls, data: list[Mapping[str, Any]]) -> ChangeSet:
        """Read back what :meth:`to_json` wrote."""
        return cls(tuple(ObjectChange.from_json(item) for item in data))


def _short(value: Any, limit: int = 60) -> str:
    """A changed value in one short line, for tables and ``str``."""
    if value is None:
        return "—"
    text = repr(value) if isinstance(value, str) else _html.text(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- the objects of an organisation -----------------------------------------------

_KEYED_PARTS: dict[str, dict[str, tuple[str, str]]] = {
    # part key -> field -> (object kind, attribute holding the key)
    "prompts": {"prompts": ("prompt", "name")},
    "phones": {"phones": ("phone", "mac")},
    "functions": {"numbers": ("function number", "name")},
    "accounts": {
        "credentials": ("account", "username"),
        "failures": ("login failures", "subject"),
        "photos": ("photo", "username"),
    },
}


def _header(org: Organization) -> dict[str, Any]:
    return {
        f.name: getattr(org, f.name)
        for f in attrs.fields(type(org))
        if f.init and f.eq and not f.metadata.get("part")
    }


def _is_default(field: attrs.Attribute[Any], value: Any) -> bool:
    default: Any = field.default
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        default = default.factory()
    return default is not attrs.NOTHING and bool(value == default)


def objects_of(org: Organization) -> dict[ObjectKey, tuple[ObjectRef, Any]]:
    """Every object of an organisation with where it lives and its value.

    The values are the organisation's own (a :class:`~cloudtel.User`, a
    :class:`~cloudtel.Contact` …); the ``[organization]`` table is a dict of its
    fields; the group order is the tuple of group names.
    """
    found: dict[ObjectKey, tuple[ObjectRef, Any]] = {}

    def put(ref: ObjectRef, value: Any) -> None:
        found[(ref.kind, ref.key)] = (ref, value)

    put(ObjectRef("organization", "settings", ("organization",)), _header(org))
    put(ObjectRef("group order", "priority", ("groups",)), tuple(g.name for g in org.groups))
    for index, group in enumerate(org.groups):
        put(ObjectRef("group", group.name, ("groups",), index), group)
    for index, user in enumerate(org.users):
        put(ObjectRef("user", user.username, ("users",), index), user)
    for name, item in zip(org.part_names(), org.parts(), strict=True):
        if name == "contacts":
            _contacts(item, put)
        elif name in _KEYED_PARTS:
            keyed = _KEYED_PARTS[name]
            for field in attrs.fields(type(item)):
                if not (field.init and field.eq):
                    continue
                value = getattr(item, field.name)
                if field.name in keyed:
                    kind, attribute = keyed[field.name]
                    for index, element in enumerate(value):
                        key = str(getattr(element, attribute))
                        put(ObjectRef(kind, key, (name, field.name), index), element)
                elif not _is_default(field, value):
                    put(ObjectRef("part", f"{name}.{field.name}", (name, field.name)), value)
        else:
            put(ObjectRef("part", name, (name,)), item)
    return found


def _same(left: Any, right: Any) -> bool:
    """Whether ``left`` and ``right`` are the same object, or lists, tuples or dicts
    (keys in the same order) holding the same objects: equal without comparing."""
    if left is right:
        return True
    kind = type(left)
    if kind is not type(right):
        return False
    if kind is list or kind is tuple:
        return len(left) == len(right) and all(
            a is b or _same(a, b) for a, b in zip(left, right, strict=True)
        )
    if kind is dict:
        return len(left) == len(right) and all(
            ka == kb and (va is vb or _same(va, vb))
            for (ka, va), (kb, vb) in zip(left.items(), right.items(), strict=True)
        )
    return False


def unchanged(old: Organization, new: Organization) -> bool:
    """Whether ``new`` provably holds the same objects as ``old``, cheaply.

    Users, groups, contacts, phones … are immutable: an edit replaces them. An
    organisation and a :func:`~cloudtel.org.snapshot` of it share them until
    then, so when every field of the ``[organization]`` table, every group and
    user, and every field of every part is the very same object (or a list,
    tuple or dict of the very same objects) in both, nothing changed: this
    checks that with identity comparisons only, in microseconds per thousand
    users. ``False`` means "not proven": :func:`diff` then compares object by
    object.
    """
    if type(old) is not type(new):
        return False
    if old is new:
        return True
    if not (_same(old._groups, new._groups) and _same(old._users, new._users)):
        return False
    for field in attrs.fields(type(old)):
        header = field.init and field.eq and not field.metadata.get("part")
        if header and not _same(getattr(old, field.name), getattr(new, field.name)):
            return False
    for name in old.part_names():
        before, after = getattr(old, name), getattr(new, name)
        if before is after:
            continue
        if type(before) is not type(after) or not attrs.has(type(before)):
            return False
        for field in attrs.fields(type(before)):
            if field.eq and not _same(getattr(before, field.name), getattr(after, field.name)):
                return False
    return True


def _contacts(contacts: Any, put: Any) -> None:
    def scope_list(items: Any, path: tuple[str, ...], scope: str, kind: str) -> None:
        seen: dict[str, int] = {}
        for index, contact in enumerate(items):
            name = contact.name
            seen[name] = seen.get(name, 0) + 1
            label = name if seen[name] == 1 else f"{name} #{seen[name]}"
            put(ObjectRef(kind, f"{scope}: {label}", path, index), contact)

    scope_list(contacts.organization, ("contacts", "organization"), "organization", "contact")
    for group, items in contacts.groups.items():
        scope_list(items, ("contacts", "groups", group), f"group {group}", "contact")
    for user, items in contacts.users.items():
        scope_list(items, ("contacts", "users", user), f"user {user}", "contact")
    for user, items in contacts.hidden.items():
        scope_list(items, ("contacts", "hidden", user), f"user {user}", "hidden contact")


# --- plain values for display and JSON -------------------------------------------


def plain(value: Any) -> Any:
    """A value as plain data (text, numbers, lists, tables) for display and JSON.

    Phone numbers are their E.164 text, enums their value, dates ISO 8601, attrs
    objects a table of the fields not at their default.
    """
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, PhoneNumber):
        return value.e164
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((plain(v) for v in value), key=str)
    if attrs.has(type(value)):
        out: dict[str, Any] = {}
        for field in attrs.fields(type(value)):
            if not (field.init and field.eq):
                continue
            item = getattr(value, field.name)
            if not _is_default(field, item):
                out[field.name.lstrip("_")] = plain(item)
        return out
    return str(value)


def _fields(value: Any) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    if attrs.has(type(value)):
        return {
            f.name.lstrip("_"): getattr(value, f.name)
            for f in attrs.fields(type(value))
            if f.init and f.eq
        }
    return {"": value}


# --- risk -------------------------------------------------------------------------

_USER_PHONE_FIELDS = {"username", "first_name", "last_name", "primary_line", "aliases", "settings"}
_COSMETIC_FIELDS = {"description", "department", "cost_centre", "email"}


class _Context:
    """What the risk rules look up in both organisations."""

    def __init__(self, old: Organization, new: Organization, now: dt.datetime) -> None:
        self.old = old
        self.new = new
        self.now = now

    @functools.cached_property
    def old_holders(self) -> dict[str, str]:
        """Number → holder in the old state (read when a change involves numbers)."""
        return self.old._all_holders()

    @functools.cached_property
    def new_holders(self) -> dict[str, str]:
        """Number → holder in the new state."""
        return self.new._all_holders()

    @functools.cached_property
    def _phones_by_user(self) -> dict[str, list[str]]:
        """Username → MAC addresses of the phones, old state's first, showing the user
        (assigned to them, or watching them on a key): built once, not per change."""
        found: dict[str, list[str]] = {}
        for org in (self.old, self.new):
            for phone in getattr(org, "phones", None) or ():
                layout = getattr(phone, "layout", None)
                usernames = getattr(layout, "usernames", None)
                watched = usernames() if callable(usernames) else frozenset()
                mac = str(phone.mac)
                for name in dict.fromkeys([phone.user, *watched]):
                    if isinstance(name, str):
                        found.setdefault(name, []).append(mac)
        return found

    def phones_of(self, username: str) -> list[str]:
        """MAC addresses of phones, in either state, on which the user shows."""
        return list(dict.fromkeys(self._phones_by_user.get(username, ())))

    def has_phones(self) -> bool:
        """Whether either state has phones (whose directories show contacts)."""
        return any(bool(tuple(getattr(org, "phones", None) or ())) for org in (self.old, self.new))

    def numbers_moved(self, numbers: set[str]) -> tuple[list[str], list[str]]:
        """Of ``numbers``: those freed, and those now held by another holder."""
        freed = sorted(n for n in numbers if n in self.old_holders and n not in self.new_holders)
        moved = sorted(
            n
            for n in numbers
            if n in self.old_holders
            and n in self.new_holders
            and self.old_holders[n] != self.new_holders[n]
        )
        return freed, moved


def _numbers(value: Any) -> set[str]:
    if isinstance(value, PhoneNumber):
        return {value.e164}
    if isinstance(value, tuple | list):
        return {n for v in value for n in _numbers(v)}
    return set()


def _schedule_hours(old: Any, new: Any, context: _Context) -> list[str]:
    """The hours of the next days in which two schedules' outcomes differ."""
    zone = context.new.time_zone
    start = context.now.replace(minute=0, second=0, microsecond=0)
    step = 60
    count = HORIZON_DAYS * 24 * 60
    base = start.timestamp()
    instants = base + np.arange(count, dtype=np.float64) * step
    try:
        before = [old.states[int(code)] for code in old.states_at(instants, zone)]
        after = [new.states[int(code)] for code in new.states_at(instants, zone)]
    except Exception:
        return []
    hours = sorted({i // 60 for i in range(count) if before[i] != after[i]})
    spans: list[tuple[int, int]] = []
    for hour in hours:
        if spans and spans[-1][1] == hour:
            spans[-1] = (spans[-1][0], hour + 1)
        else:
            spans.append((hour, hour + 1))
    tz = ZoneInfo(zone)
    out = []
    for first, last in spans:
        begin = dt.datetime.fromtimestamp(base + first * 3600, tz)
        end = dt.datetime.fromtimestamp(base + last * 3600, tz)
        out.append(f"{begin:%a %Y-%m-%d %H:%M}–{end:%a %H:%M}")
    return out


class _Raw(NamedTuple):
    action: str
    kind: str
    key: str
    field: str | None
    old: Any
    new: Any


def _risk(raw: _Raw, context: _Context) -> tuple[Risk, str]:
    action, kind, key, field, old, new = raw
    if action == "removed" and kind not in {"login failures", "hidden contact"}:
        numbers = _numbers(_fields(old).get("primary_line")) | _numbers(_fields(old).get("aliases"))
        numbers |= _numbers(_fields(old).get("number")) if kind == "function number" else set()
        freed, _moved = context.numbers_moved(numbers)
        suffix = f"; frees {', '.join(freed)}" if freed else ""
        return Risk.DESTRUCTIVE, f"deletes {kind} {key}{suffix}"
    numbers = (
        _numbers(old) | _numbers(new) if field in {"primary_line", "aliases", "number"} else set()
    )
    if numbers:
        freed, moved = context.numbers_moved(numbers)
        if freed:
            return Risk.DESTRUCTIVE, f"frees {', '.join(freed)}"
        if moved:
            where = ", ".join(f"{n} to {context.new_holders[n]}" for n in moved)
            return Risk.EXTERNAL, f"moves {where}"
    if kind == "phone":
        return Risk.EXTERNAL, f"phone {key}'s files change"
    if kind == "user" and (action != "changed" or field in _USER_PHONE_FIELDS):
        macs = context.phones_of(key)
        if macs:
            return Risk.EXTERNAL, f"files of phone {', '.join(macs)} change"
    if kind == "user" and field in {"first_name", "last_name"}:
        return Risk.COSMETIC, ""
    if kind in {"contact", "hidden contact"} and context.has_phones():
        return Risk.EXTERNAL, "phone directories change"
    if kind == "function number" and field == "schedule":
        hours = _schedule_hours(old, new, context)
        if hours:
            return Risk.BEHAVIOURAL, "outcome differs " + "; ".join(hours)
        return Risk.COSMETIC, f"same outcome for the next {HORIZON_DAYS} days"
    if kind == "organization" and field in {"main_number", "domain", "number_ranges"}:
        return Risk.EXTERNAL, f"the organisation's {field} changes"
    if field in _COSMETIC_FIELDS or kind in {"photo"}:
        return Risk.COSMETIC, ""
    if kind == "organization" and field == "name":
        return Risk.COSMETIC, ""
    if kind == "contact" or (kind == "prompt" and field == "description"):
        return Risk.COSMETIC, ""
    return Risk.BEHAVIOURAL, "changes how calls or logins are handled"


def diff(old: Organization, new: Organization, *, now: dt.datetime | None = None) -> ChangeSet:
    """The changes that turn ``old`` into ``new``, object by object, field by field.

    Args:
        old (Organization): The state before.
        new (Organization): The state after.
        now (datetime | None): Start of the 7 days in which schedule outcomes are
            compared (aware); by default the current time.
    """
    return diff_objects(old, new, now=now)[0]


_Objects = dict[ObjectKey, tuple[ObjectRef, Any]]


def diff_objects(
    old: Organization, new: Organization, *, now: dt.datetime | None = None
) -> tuple[ChangeSet, _Objects, _Objects]:
    """:func:`diff`, with the :func:`objects_of` of both states it compared (empty
    when :func:`unchanged` proved at once that nothing changed)."""
    if unchanged(old, new):
        return ChangeSet(), {}, {}
    moment = now if now is not None else dt.datetime.now(dt.UTC)
    context = _Context(old, new, moment)
    before = objects_of(old)
    after = objects_of(new)
    changes: list[ObjectChange] = []

    def add(*raw: Any) -> None:
        action, kind, key, field, old_v, new_v = raw
        risk, reason = _risk(_Raw(*raw), context)
        changes.append(
            ObjectChange(action, kind, key, field, plain(old_v), plain(new_v), risk, reason)
        )

    for obj in [*before, *(k for k in after if k not in before)]:
        kind, key = obj
        was = before[obj][1] if obj in before else None
        now_value = after[obj][1] if obj in after else None
        if obj not in after:
            add("removed", kind, key, None, was, None)
        elif obj not in before:
            add("added", kind, key, None, None, now_value)
        elif was is not now_value and was != now_value:  # immutable: the same is equal
            if kind == "group order":
                old_order, new_order = list(was or ()), list(now_value or ())
                common = set(old_order) & set(new_order)
                if [g for g in old_order if g in common] != [g for g in new_order if g in common]:
                    add("changed", kind, key, "order", was, now_value)
                continue  # a group added or removed is its own change
            old_fields, new_fields = _fields(was), _fields(now_value)
            for name in [*old_fields, *(n for n in new_fields if n not in old_fields)]:
                a, b = old_fields.get(name), new_fields.get(name)
                if a is not b and a != b:
                    add("changed", kind, key, name or None, a, b)
    return ChangeSet(tuple(changes)), before, after
