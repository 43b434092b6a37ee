"""Collections keyed by their natural key: ``org.phones["08:00:0f:bb:ad:78"]``.

Every collection of the organisation (users, groups, phones, function numbers,
voice prompts, the status list) behaves the same way through :class:`Keyed`:

- ``collection[key]`` finds an item by its natural key: a user by username (any
  case), a group by name, a phone by MAC address in any notation, a function number
  by name, short number or number, a prompt by name; an unknown key raises
  :class:`~cloudtel.errors.NotFoundError` (a :class:`LookupError` too) listing the keys;
- ``collection[0]`` and ``collection[1:3]`` are positions, as in the list it holds;
- ``key in collection`` asks the same question as ``collection[key]`` (an item itself
  is found too), so a MAC address in another notation is not silently missing;
- iterating gives the items in order; :meth:`~Keyed.keys`, :meth:`~Keyed.items` give
  the keys and ``(key, item)`` pairs;
- :meth:`~Keyed.to_records` gives one plain ``dict`` per item, :meth:`~Keyed.to_pandas` a
  :class:`pandas.DataFrame` (with the ``pandas`` extra), and in Jupyter it shows as a
  table.
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar, overload

from cloudtel import _html
from cloudtel.errors import InvalidValueError, NotFoundError

__all__ = ["Keyed", "KeyedTuple"]

V = TypeVar("V")


class Keyed(Generic[V]):
    """A collection keyed by its items' natural key; see the module docs.

    A subclass says what its items are (:meth:`_items`), how a key is found
    (:meth:`_find`), each item's key (:meth:`_key`) and table row (:meth:`_row`).
    """

    _columns: ClassVar[tuple[str, ...]] = ()
    _noun: ClassVar[str] = "item"

    def _items(self) -> tuple[V, ...]:
        raise NotImplementedError

    def _find(self, key: Any) -> V:
        raise NotImplementedError

    def _key(self, item: V) -> str:
        raise NotImplementedError

    def _row(self, item: V) -> dict[str, object]:
        raise NotImplementedError

    def _caption(self) -> str:
        count = len(self._items())
        return f"{count} {self._noun}{'' if count == 1 else 's'}"

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
            self._find(key)
        except (NotFoundError, InvalidValueError, TypeError, AttributeError):
            return key in items
        return True

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

    def _find(self, key: Any) -> V:
        try:
            index = self.__dict__["_index"]
        except KeyError:
            index = self.__dict__["_index"] = {self._key(item): item for item in self}
        try:
            return index[self._normal(key)]  # type: ignore[no-any-return]
        except (KeyError, AttributeError, TypeError):
            known = ", ".join(repr(k) for k in index) or "none"
            raise NotFoundError(
                f"no {self._noun} {key!r}; {self._noun}s are: {known}", kind=self._noun, name=key
            ) from None

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self}>"

    __hash__ = tuple.__hash__
    __eq__ = tuple.__eq__
    __iter__ = tuple.__iter__
    __len__ = tuple.__len__

    def __reduce__(self) -> tuple[Any, ...]:
        return (tuple, (tuple(self),))
