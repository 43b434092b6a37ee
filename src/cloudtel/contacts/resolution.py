"""Effective contact lists: how a user's list is resolved from the scopes, with provenance.

A user's **effective list** is the organisation's contacts, plus those of every
group they are a member of, plus their own, and every entry says where it came
from. The rules, in the order they are applied:

1. **One person, one entry.** Two contacts are *the same contact* when they have
   the same name (:attr:`Contact.name`, compared case- and space-insensitively)
   and share a phone number (or both have none). The same contact reached
   through several scopes appears once.
2. **The most specific scope wins.** When the same contact is defined at
   several scopes, the entry shows the user's own version, else the version of
   the first of their groups in the organisation's priority order, else the
   organisation's. The entry lists the other scopes in
   :attr:`EffectiveContact.also_from`. So a user's own contact *shadows* an
   inherited one with the same name and number.
3. **Mandatory is sticky.** An entry is mandatory when any of the versions it
   merges is mandatory: a group or a user cannot make an organisation's
   mandatory contact optional by defining it again.
4. **Hiding.** A user can hide an inherited, non-mandatory contact from their
   own list (:meth:`Contacts.hide`); hiding or removing a mandatory one raises
   :class:`~cloudtel.MandatoryContactError`. A user's own contacts are not
   hidden but deleted.
5. **Live.** Effective lists are computed from the current state: deleting a
   contact at a scope removes it from every list that inherited it, and adding
   a user to a group changes their list at once.

This module holds the entries (:class:`EffectiveContact`), the list
(:class:`EffectiveList`) and the engine that merges the scopes, sharing each
scope's entries between every user's list; the state it reads is the
:class:`~cloudtel.contacts.lists.Contacts` part.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence, Set
from functools import lru_cache
from itertools import chain
from typing import Any, overload

import attrs

from cloudtel import _html
from cloudtel.contacts.model import Contact, ContactKind, HiddenContact, Scope, ScopeKind, _normal
from cloudtel.numbers import PhoneNumber

__all__ = ["EffectiveContact", "EffectiveList"]

_NOT_DIGIT = re.compile(r"\D")
_NUMBER_QUERY = re.compile(r"[0-9+\s().\-/]+")


@attrs.frozen(kw_only=True)
class EffectiveContact:
    """One entry of a user's effective list: a contact and where it came from.

    Args:
        contact (Contact): The version shown (from the most specific scope).
        source (Scope): The scope that version comes from.
        also_from (tuple[Scope, ...]): Other scopes defining the same contact,
            which this entry merges (and, for the user's own, shadows).
        mandatory (bool): Whether any merged version is mandatory.
    """

    contact: Contact
    source: Scope
    also_from: tuple[Scope, ...] = ()
    mandatory: bool = False

    @property
    def kind(self) -> ContactKind:
        """The effective kind: mandatory when any merged version is."""
        return ContactKind.MANDATORY if self.mandatory else self.contact.kind

    @property
    def name(self) -> str:
        """The contact's name."""
        return self.contact.name

    @property
    def inherited(self) -> bool:
        """Whether the entry comes from the organisation or a group."""
        return self.source.kind is not ScopeKind.USER

    @property
    def provenance(self) -> str:
        """Where it came from in words, e.g. ``group Sales (also organisation)``."""
        text = self.source.label
        if self.also_from:
            text += f" (also {', '.join(s.label for s in self.also_from)})"
        return text


@lru_cache(maxsize=65536)
def _number_digits(e164: str) -> tuple[str, str]:
    return e164[1:], _NOT_DIGIT.sub("", PhoneNumber(e164).national)


def _matches(entry: EffectiveContact, needle: str, digits: str) -> bool:
    contact = entry.contact
    if needle:
        for text in (
            contact.name,
            contact.first_name,
            contact.last_name,
            contact.short_name,
            contact.company,
        ):
            if needle in _normal(text):
                return True
    if digits:
        for phone in contact.phones:
            international, national = _number_digits(phone.number.e164)
            if digits in international or digits in national or digits in phone.abbreviated:
                return True
    return False


_KIND_RANK = {ContactKind.MANDATORY: 0, ContactKind.FAVOURITE: 1, ContactKind.EXTERNAL: 2}


_Key = tuple[str, str]


class EffectiveList(Sequence[EffectiveContact]):
    """A user's effective contact list, each entry with its provenance.

    Entries come in scope order: the organisation's, then each group's in the
    organisation's priority order, then the user's own. The list does not copy
    entries: it refers to the entries of each scope, which are shared with
    every other user's list, plus the few changes that are this user's own
    (entries merged, shadowed or hidden). Entries are produced when the list
    is walked or indexed. Build one with :meth:`Contacts.effective`.
    """

    __slots__ = ("_changes", "_entries", "_length", "_segments", "username")

    def __init__(
        self,
        username: str,
        segments: tuple[tuple[EffectiveContact, ...], ...],
        changes: Sequence[Mapping[int, EffectiveContact | None]] = (),
    ) -> None:
        # The entries are the segments one after the other, except that in a
        # segment with changes, entry i is replaced by changes[i], or left out when
        # that is None. No changes: every segment as it is.
        self.username = username
        self._segments = segments
        self._changes = changes
        self._entries: tuple[EffectiveContact, ...] | None = None
        self._length = -1

    def _parts(self) -> list[Sequence[EffectiveContact]]:
        parts: list[Sequence[EffectiveContact]] = []
        for entries, changes in zip(self._segments, self._changes, strict=True):
            if not changes:
                parts.append(entries)
                continue
            start = 0
            for item in sorted(changes):
                if item > start:
                    parts.append(entries[start:item])
                replacement = changes[item]
                if replacement is not None:
                    parts.append((replacement,))
                start = item + 1
            if start < len(entries):
                parts.append(entries[start:])
        return parts

    def __iter__(self) -> Iterator[EffectiveContact]:
        if self._entries is not None:
            return iter(self._entries)
        if not self._changes:
            return chain.from_iterable(self._segments)
        return chain.from_iterable(self._parts())

    def __reversed__(self) -> Iterator[EffectiveContact]:
        return reversed(self._entries if self._entries is not None else tuple(self))

    def __len__(self) -> int:
        if self._length < 0:
            total = sum(len(entries) for entries in self._segments)
            left_out = sum(list(c.values()).count(None) for c in self._changes if c)
            self._length = total - left_out
        return self._length

    @overload
    def __getitem__(self, index: int) -> EffectiveContact: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[EffectiveContact]: ...

    def __getitem__(self, index: int | slice) -> EffectiveContact | Sequence[EffectiveContact]:
        if self._entries is not None:
            return self._entries[index]
        if isinstance(index, slice):
            self._entries = tuple(self)
            return self._entries[index]
        position = operator.index(index)
        if position < 0:
            position += len(self)
        if not 0 <= position < len(self):
            raise IndexError("effective list index out of range")
        changes_of = self._changes or [{}] * len(self._segments)
        for entries, changes in zip(self._segments, changes_of, strict=True):
            if not changes:
                if position < len(entries):
                    return entries[position]
                position -= len(entries)
                continue
            shown = len(entries) - list(changes.values()).count(None)
            if position >= shown:
                position -= shown
                continue
            for item in sorted(changes):
                if item > position:
                    break
                replacement = changes[item]
                if replacement is None:
                    position += 1  # a left-out entry before it shifts it
                elif item == position:
                    return replacement
            return entries[position]
        raise IndexError("effective list index out of range")  # pragma: no cover

    @property
    def contacts(self) -> tuple[Contact, ...]:
        """The contacts shown, in list order."""
        return tuple(entry.contact for entry in self)

    def find(self, text: str) -> tuple[EffectiveContact, ...]:
        """The entries whose name, first/last/short name or company contains ``text``,
        or whose number (international or national digits) or abbreviated number
        contains the digits of ``text``. Case and spaces do not matter.

        Args:
            text (str): E.g. ``"peet"``, ``"Orange"``, ``"0470 12"``, ``"+32 9 247"``.

        Returns:
            The matching entries, in list order; all entries for empty text.
        """
        needle = _normal(text)
        digits = _NOT_DIGIT.sub("", text) if _NUMBER_QUERY.fullmatch(text.strip()) else ""
        if not needle:
            return tuple(self)
        return tuple(entry for entry in self if _matches(entry, needle, digits))

    def ordered(self) -> tuple[EffectiveContact, ...]:
        """The entries as the portal shows them: mandatory, favourites, external; by name."""
        return tuple(sorted(self, key=lambda e: (_KIND_RANK[e.kind], _normal(e.name))))

    def rows(self) -> list[tuple[str, str, str, str, str]]:
        """One row per entry (ordered): name, company, numbers, kind, where it came from."""
        rows = []
        for entry in self.ordered():
            contact = entry.contact
            numbers = ", ".join(
                f"{p.number.international}{' *' if p.preferred else ''} ({p.type.value})"
                for p in contact.phones
            )
            rows.append((entry.name, contact.company, numbers, entry.kind.value, entry.provenance))
        return rows

    _COLUMNS = ("name", "company", "numbers", "kind", "from")

    def to_records(self) -> list[dict[str, object]]:
        """One plain ``dict`` per entry (ordered): name, company, numbers, kind, from."""
        return [dict(zip(self._COLUMNS, row, strict=True)) for row in self.rows()]

    def to_pandas(self) -> Any:
        """The entries as a :class:`pandas.DataFrame` (needs the ``pandas`` extra)."""
        return _html.records_to_pandas(self.to_records(), self._COLUMNS)

    def __str__(self) -> str:
        names = [entry.name for entry in self.ordered()]
        shown = ", ".join(names[:5]) + (f", … ({len(names) - 5} more)" if len(names) > 5 else "")
        return f"contacts of {self.username} ({len(names)}): {shown or 'none'}"

    def __repr__(self) -> str:
        return f"<EffectiveList {self}>"

    def _repr_html_(self) -> str:
        caption = f"Contacts of {self.username} ({len(self)})"
        return _html.table(self.to_records(), caption=caption, columns=self._COLUMNS)


class _Index:
    """The entries and keys of one scope, shared by every effective list that
    inherits them; rebuilt when the scope's tuple changes."""

    __slots__ = ("contacts", "entries", "item_keys", "keys", "single")

    def __init__(self, scope: Scope, contacts: tuple[Contact, ...]) -> None:
        self.contacts = contacts
        self.entries = tuple(
            EffectiveContact(contact=c, source=scope, mandatory=c.kind is ContactKind.MANDATORY)
            for c in contacts
        )
        self.item_keys = tuple(c.identity() for c in contacts)
        self.keys: dict[_Key, int] = {}
        for index, keys in enumerate(self.item_keys):
            for key in keys:
                self.keys.setdefault(key, index)
        # every contact has one key (one number, or none)
        self.single = all(len(keys) == 1 for keys in self.item_keys)


class _Pair:
    """The keys two scopes share and, when every contact of both has one key, the
    merge: the first scope's entries (merged) and the second's left out."""

    __slots__ = ("common", "drops", "simple", "wins")

    def __init__(self, common: Set[_Key]) -> None:
        self.common = frozenset(common)
        self.wins: dict[int, EffectiveContact | None] = {}
        self.drops: dict[int, EffectiveContact | None] = {}
        self.simple = False


_MERGED_CACHE = 1 << 16
_NO_CONTACTS = _Index(Scope(ScopeKind.USER, "-"), ())


class _Resolver:
    """The resolution engine of one organisation's contacts: each scope's
    :class:`_Index`, what pairs of scopes share, and the merged entries, all
    shared by every user's effective list and dropped when a shared scope changes."""

    __slots__ = ("_cache", "_merged", "_overlaps")

    def __init__(self) -> None:
        self._cache: dict[Scope, _Index] = {}
        self._overlaps: dict[tuple[_Index, _Index], _Pair] = {}
        self._merged: dict[
            tuple[int, ...], tuple[EffectiveContact, tuple[EffectiveContact, ...]]
        ] = {}

    def index(self, scope: Scope, contacts: tuple[Contact, ...]) -> _Index:
        """The index of ``scope``, whose contacts are ``contacts`` now."""
        index = self._cache.get(scope)
        if index is None or index.contacts is not contacts:
            index = _Index(scope, contacts)
            self._cache[scope] = index
            if scope.kind is not ScopeKind.USER:
                self._overlaps.clear()
                self._merged.clear()
        return index

    def _pair(self, first: _Index, second: _Index) -> _Pair:
        """What two scopes share (cached for the organisation's and groups' scopes)."""
        pair = _Pair(first.keys.keys() & second.keys.keys())
        if pair.common and first.single and second.single:
            # each shared key: the first scope's entry shows it, merging the second's
            for key in pair.common:
                item, other = first.keys[key], second.keys[key]
                pair.wins[item] = self._merged_entry(first.entries[item], (second.entries[other],))
                pair.drops[other] = None
            pair.simple = True
        return pair

    def _merged_entry(
        self, entry: EffectiveContact, absorbed: Sequence[EffectiveContact]
    ) -> EffectiveContact:
        """``entry`` merging the same contact of other scopes (shared by all users)."""
        # keyed by the identity of the entries, which the value keeps alive
        key = (id(entry), *map(id, absorbed))
        found = self._merged.get(key)
        if found is None:
            if len(self._merged) >= _MERGED_CACHE:
                self._merged.clear()
            merged = EffectiveContact(
                contact=entry.contact,
                source=entry.source,
                also_from=tuple(e.source for e in absorbed),
                mandatory=entry.mandatory or any(e.mandatory for e in absorbed),
            )
            found = self._merged[key] = (merged, (entry, *absorbed))
        return found[0]

    def resolve(
        self,
        username: str,
        own: _Index,
        groups: Sequence[_Index],
        org: _Index,
        hides: Sequence[HiddenContact],
    ) -> EffectiveList:
        """The effective list of ``username`` from their own, their groups' (in
        priority order) and the organisation's index, without what they hid."""
        # Precedence: own (position 0), groups in priority order, organisation (last).
        indexes = (own, *groups, org)
        last = len(indexes) - 1
        # Only contacts whose keys another of these scopes has too can merge, shadow
        # or be shadowed: find those keys by intersecting the scopes' key sets (the
        # pairs of shared scopes are cached) and leave every other entry as it is.
        overlaps: list[tuple[int, int, _Pair]] = []
        if own.keys:
            mine = own.keys.keys()
            for b in range(1, last + 1):
                if not mine.isdisjoint(indexes[b].keys.keys()):
                    overlaps.append((0, b, self._pair(own, indexes[b])))
        cache = self._overlaps
        for a in range(1, last):
            first = indexes[a]
            if not first.keys:
                continue
            for b in range(a + 1, last + 1):
                both = (first, indexes[b])
                pair = cache.get(both)
                if pair is None:
                    pair = cache[both] = self._pair(first, indexes[b])
                if pair.common:
                    overlaps.append((a, b, pair))
        if not overlaps and not hides:
            return EffectiveList(username, tuple(i.entries for i in (org, *groups, own) if i.keys))
        changes: list[dict[int, EffectiveContact | None]] = [{} for _ in indexes]
        claimed: dict[_Key, tuple[int, int]] = {}
        if all(pair.simple for _, _, pair in overlaps):
            commons = [pair.common for _, _, pair in overlaps]
            if len(commons) < 2 or sum(map(len, commons)) == len(frozenset().union(*commons)):
                # no key is in more than two of these scopes: the pairs' merges apply
                for a, b, pair in overlaps:
                    changes[a].update(pair.wins)
                    changes[b].update(pair.drops)
            else:
                self._merge_single(indexes, overlaps, changes)
        else:
            claimed = self._merge(indexes, overlaps, changes)
        for hide in hides:
            key = hide.key()
            found = claimed.get(key)
            if found is None:
                # a key no other scope shares shows the first scope's entry that has it
                for position in range(last + 1):
                    item = indexes[position].keys.get(key)
                    if item is not None:
                        found = (position, item)
                        break
            if found is None or found[0] == 0:
                continue  # lapsed, or the user's own
            current = changes[found[0]].get(found[1], indexes[found[0]].entries[found[1]])
            if current is not None and not current.mandatory:
                changes[found[0]][found[1]] = None
        order = [p for p in (last, *range(1, last), 0) if indexes[p].keys]
        return EffectiveList(
            username, tuple(indexes[p].entries for p in order), [changes[p] for p in order]
        )

    def _merge_single(
        self,
        indexes: Sequence[_Index],
        overlaps: Iterable[tuple[int, int, _Pair]],
        changes: Sequence[dict[int, EffectiveContact | None]],
    ) -> None:
        """Merge entries when every contact concerned has one key: each shared key
        shows the entry of the first scope that has it, merging the others."""
        holders: dict[_Key, list[int]] = {}
        for a, b, pair in overlaps:
            for key in pair.common:
                found = holders.get(key)
                if found is None:
                    holders[key] = [a, b]
                else:
                    if a not in found:
                        found.append(a)
                    if b not in found:
                        found.append(b)
        for key, positions in holders.items():
            positions.sort()
            absorbed = []
            for position in positions[1:]:
                index = indexes[position]
                item = index.keys[key]
                absorbed.append(index.entries[item])
                changes[position][item] = None
            winner = indexes[positions[0]]
            item = winner.keys[key]
            changes[positions[0]][item] = self._merged_entry(winner.entries[item], absorbed)

    def _merge(
        self,
        indexes: Sequence[_Index],
        overlaps: Iterable[tuple[int, int, _Pair]],
        changes: Sequence[dict[int, EffectiveContact | None]],
    ) -> dict[_Key, tuple[int, int]]:
        """Merge entries in scope order: an entry that has a key an earlier scope's
        entry shows merges into that entry, which then shows all its keys too."""
        shared: list[set[_Key]] = [set() for _ in indexes]
        for a, b, pair in overlaps:
            shared[a].update(pair.common)
            shared[b].update(pair.common)
        last = len(indexes) - 1
        claimed: dict[_Key, tuple[int, int]] = {}
        merged: dict[tuple[int, int], list[EffectiveContact]] = {}
        for position, index in enumerate(indexes):
            here = shared[position]
            if not here:
                continue
            first_item = index.keys
            involved = sorted({first_item[key] for key in here})
            keys = [(key, first_item[key]) for item in involved for key in index.item_keys[item]]
            dropped: set[int] = set()
            if claimed:
                for key, item in [(key, item) for key, item in keys if key in claimed]:
                    if item in dropped:
                        continue
                    dropped.add(item)
                    changes[position][item] = None
                    winner = claimed[key]
                    merged.setdefault(winner, []).append(index.entries[item])
                    if position != last:
                        for other in index.item_keys[item]:
                            claimed.setdefault(other, winner)
            if position != last:
                for key, item in keys:
                    if item not in dropped:
                        claimed.setdefault(key, (position, item))
        for (position, item), absorbed in merged.items():
            entry = indexes[position].entries[item]
            changes[position][item] = self._merged_entry(entry, absorbed)
        return claimed
