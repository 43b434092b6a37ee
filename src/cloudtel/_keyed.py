"""Collections keyed by their natural key: ``org.phones["08:00:0f:bb:ad:78"]``.

Every collection of the organisation (users, groups, phones, function numbers,
voice prompts, the status list) behaves the same way through :class:`Keyed`:

- ``collection[key]`` finds an item by its natural key: a user by username (any
  case), a group by name, a phone by MAC address in any notation, a function number
  by name, short number or number, a prompt by name; an unknown key raises
  :class:`~cloudtel.errors.UnknownKeyError` (a :class:`KeyError`, so a
  :class:`LookupError` and a :class:`~cloudtel.errors.NotFoundError` too) naming the
  key, the closest key there is and the keys; :meth:`~Keyed.find` is the same without
  positions;
- :meth:`~Keyed.get` is a mapping's ``get``: the item, or ``None`` (or the default
  given) when no item has that key; it never raises for a missing or malformed key;
- ``collection[0]`` and ``collection[1:3]`` are positions, as in the list it holds;
- ``key in collection`` asks the same question as ``collection[key]`` (an item itself
  is found too), so a MAC address in another notation is not silently missing;
  ``collection.get(key) is not None`` exactly when ``key in collection`` for a key;
- iterating gives the items in order; :meth:`~Keyed.keys`, :meth:`~Keyed.items` give
  the keys and ``(key, item)`` pairs;
- :meth:`~Keyed.to_records` gives one plain ``dict`` per item, :meth:`~Keyed.to_pandas` a
  :class:`pandas.DataFrame` (with the ``pandas`` extra), and in Jupyter it shows as a
  table.
"""

from __future__ import annotations

import bisect
import difflib
from collections.abc import Iterable
from typing import Any, ClassVar, Generic, TypeVar, overload

from cloudtel import _html
from cloudtel.errors import InvalidValueError, NotFoundError, UnknownKeyError

__all__ = ["Keyed", "KeyedTuple", "unknown_key"]

V = TypeVar("V")
D = TypeVar("D")

_LISTED = 20
"""At most this many keys are listed in the message of an unknown key."""

_COMPARED = 2000
"""At most this many keys are compared with an unknown key to find the closest one."""

_MISSING = (NotFoundError, InvalidValueError, TypeError, AttributeError)
"""What looking up a key that no item has (or a malformed key) raises."""


def unknown_key(
    noun: str,
    key: object,
    keys: Iterable[str],
    *,
    shown: str | None = None,
    listed: Iterable[str] | None = None,
    normal: Any = str.casefold,
) -> UnknownKeyError:
    """The error for ``collection[key]`` when no item has ``key``.

    Args:
        noun: What the items are, e.g. ``"phone"``.
        key: The key asked for (kept in the error's context as ``name``).
        keys: The keys there are.
        shown: How the key is written in the message after the noun (default
            ``repr(key)``), e.g. ``"with MAC address 08000F000001"``.
        listed: How each item is listed (default: the keys, quoted).
        normal: How a key is compared for the closest match (default: ignoring case).

    Returns:
        UnknownKeyError: "no phone …; did you mean '…'? phones are: …".
    """
    keys = list(keys)
    wanted = key if isinstance(key, str) else str(key)
    by_normal = {normal(k): k for k in keys}
    try:
        close = difflib.get_close_matches(
            normal(wanted), _candidates(normal(wanted), list(by_normal)), n=1, cutoff=0.6
        )
    except (TypeError, AttributeError):
        close = []
    closest = by_normal[close[0]] if close else None
    items = [repr(k) for k in keys] if listed is None else list(listed)
    shown_items = ", ".join(items[:_LISTED]) or "none"
    if len(items) > _LISTED:
        shown_items += f", … ({len(items) - _LISTED} more)"
    hint = f"; did you mean {closest!r}?" if closest is not None else ";"
    return UnknownKeyError(
        f"no {noun} {repr(key) if shown is None else shown}{hint} {noun}s are: {shown_items}",
        kind=noun,
        name=key,
        closest=closest,
    )


def _candidates(wanted: str, keys: list[str]) -> list[str]:
    """The keys to look for the closest one among: all of a small collection; of a large
    one the keys next to ``wanted`` in sorted order (a typo after the first letters), so
    a missing key costs a sort, not a comparison with every key."""
    if len(keys) <= _COMPARED:
        return keys
    keys.sort()
    at = bisect.bisect_left(keys, wanted)
    return keys[max(0, at - _COMPARED // 2) : at + _COMPARED // 2]


class Keyed(Generic[V]):
    """A collection keyed by its items' natural key; see the module docs.

    A subclass says what its items are (:meth:`_items`), how a key is looked up
    (:meth:`_lookup`: the item or None, cheaply, without building an error), each
    item's key (:meth:`_key`) and table row (:meth:`_row`); :meth:`_unknown` words
    the error of a missing key.
    """

    _columns: ClassVar[tuple[str, ...]] = ()
    _noun: ClassVar[str] = "item"

    def _items(self) -> tuple[V, ...]:
        raise NotImplementedError

    def _lookup(self, key: Any) -> V | None:
        raise NotImplementedError

    def _find(self, key: Any) -> V:
        item = self._lookup(key)
        if item is None:
            raise self._unknown(key)
        return item

    def _key(self, item: V) -> str:
        raise NotImplementedError

    def _row(self, item: V) -> dict[str, object]:
        raise NotImplementedError

    def _caption(self) -> str:
        count = len(self._items())
        return f"{count} {self._noun}{'' if count == 1 else 's'}"

    def _unknown(self, key: Any, *, shown: str | None = None) -> UnknownKeyError:
        """The error for a key no item has (see :func:`unknown_key`)."""
        return unknown_key(self._noun, key, self.keys(), shown=shown)

    def find(self, key: Any) -> V:
        """The item with this natural key (never a position).

        Args:
            key: A username, group name, MAC address, function number's name, short
                number or number, prompt name … as the collection is keyed.

        Returns:
            The item.

        Raises:
            UnknownKeyError: No item has that key; names the closest key and the keys.
            InvalidValueError: A key of the wrong form (e.g. not a MAC address).
        """
        return self._find(key)

    @overload
    def get(self, key: Any) -> V | None: ...
    @overload
    def get(self, key: Any, default: D) -> V | D: ...
    def get(self, key: Any, default: object = None) -> object:
        """The item with this natural key, or ``default`` when there is none.

        As :meth:`dict.get`: a key no item has, or one that cannot be a key (a malformed
        MAC address, a number where text belongs), gives ``default``; it never raises.
        Positions are not keys: ``get(0)`` looks for an item keyed ``0``.

        Args:
            key: The natural key, as for ``collection[key]``.
            default: What to return when no item has the key.
        """
        try:
            item = self._lookup(key)
        except _MISSING:
            return default
        return default if item is None else item

    @overload
    def __getitem__(self, key: int) -> V: ...
    @overload
    def __getitem__(self, key: slice) -> tuple[V, ...]: ...
    @overload
    def __getitem__(self, key: Any) -> V: ...
    def __getitem__(self, key: Any) -> V | tuple[V, ...]:
        if isinstance(key, int | slice) and not isinstance(key, bool):
            items = self._items()
            if isinstance(key, slice):
                return items[key]
            try:
                return items[key]
            except IndexError:
                raise IndexError(
                    f"there are {len(items)} {self._noun}s; position {key} is not one of them"
                ) from None
        return self._find(key)

    def __contains__(self, key: object) -> bool:
        items = self._items()
        if any(key is item for item in items):
            return True
        if isinstance(key, int | slice):
            return False
        try:
            found = self._lookup(key)
        except _MISSING:
            found = None
        return True if found is not None else key in items

    def keys(self) -> tuple[str, ...]:
        """The items' natural keys, in order."""
        return tuple(self._key(item) for item in self._items())

    def values(self) -> tuple[V, ...]:
        """The items, in order."""
        return self._items()

    def items(self) -> tuple[tuple[str, V], ...]:
        """``(key, item)`` pairs, in order."""
        return tuple((self._key(item), item) for item in self._items())

    def to_records(self) -> list[dict[str, object]]:
        """One plain ``dict`` per item (text, numbers, booleans), for CSV or a data frame."""
        return [self._row(item) for item in self._items()]

    def to_pandas(self) -> Any:
        """The items as a :class:`pandas.DataFrame`, one row per item.

        Raises:
            ModuleNotFoundError: pandas is not installed (``pip install 'cloudtel[pandas]'``).
        """
        return _html.records_to_pandas(self.to_records(), self._columns)

    def _repr_html_(self) -> str:
        return _html.table(self.to_records(), caption=self._caption(), columns=self._columns)

    def __str__(self) -> str:
        keys = self.keys()
        shown = ", ".join(keys[:5]) + (f", … ({len(keys) - 5} more)" if len(keys) > 5 else "")
        return f"{self._caption()}: {shown}" if keys else self._caption()


class KeyedTuple(Keyed[V], tuple[V, ...]):  # type: ignore[misc]  # [key] adds to tuple's [i]
    """A tuple that is also :class:`Keyed`: equal to the plain tuple of its items.

    Subclasses implement :meth:`_key` and :meth:`_normal` (a key as the index holds
    it); :meth:`_find` looks keys up in an index built on first use.
    """

    _index: dict[str, V]

    def _items(self) -> tuple[V, ...]:
        return tuple.__getitem__(self, slice(None))

    def _normal(self, key: Any) -> str:
        return str(key)

    def _lookup(self, key: Any) -> V | None:
        try:
            index = self.__dict__["_index"]
        except KeyError:
            index = self.__dict__["_index"] = {self._key(item): item for item in self}
        try:
            return index.get(self._normal(key))  # type: ignore[no-any-return]
        except (AttributeError, TypeError):  # not a key at all: a list, a number …
            return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self}>"

    __hash__ = tuple.__hash__
    __eq__ = tuple.__eq__
    __iter__ = tuple.__iter__
    __len__ = tuple.__len__

    def __reduce__(self) -> tuple[Any, ...]:
        return (tuple, (tuple(self),))
