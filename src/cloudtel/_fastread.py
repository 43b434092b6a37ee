"""Fast readers for the values an org file holds by the hundred thousand.

cattrs structures a user, a phone or a contact field by field through its hooks, each
call wrapped to note which field failed. For a table that has the plain shape an org
file written by cloudtel has (exact ``str``, ``bool`` and ``int`` values, arrays of
them, phone numbers as text, nested tables of the same kind) a reader here builds the
same keyword arguments with a type check per value and calls the same class, whose
converters and validators check everything as before.

A table of any other shape (an unknown key, a value of another type) and a table the
class refuses take cattrs' way, which then reports the problem as it always did, with
its path: the fast reader only ever gives the object cattrs would give.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from typing import Any

import attrs
import cattrs

__all__ = ["register_fast_readers"]

_Rule = Callable[[Any], Any]


class _NotPlainError(Exception):
    """The value has not the plain shape: cattrs reads it."""


def _exact(kind: type[Any]) -> _Rule:
    def rule(value: Any) -> Any:
        if type(value) is kind:
            return value
        raise _NotPlainError

    return rule


def _optional(inner: _Rule) -> _Rule:
    def rule(value: Any) -> Any:
        return None if value is None else inner(value)

    return rule


def _strings(value: Any) -> Any:
    if type(value) is list and all(type(item) is str for item in value):
        return tuple(value)
    raise _NotPlainError


def _items(inner: _Rule) -> _Rule:
    def rule(value: Any) -> Any:
        if type(value) is list:
            return tuple([inner(item) for item in value])
        raise _NotPlainError

    return rule


def _hooked(converter: cattrs.Converter, kind: Any) -> _Rule:
    hook = converter.get_structure_hook(kind)

    def rule(value: Any) -> Any:
        return hook(value, kind)

    return rule


def _rule(converter: cattrs.Converter, kind: Any, readers: dict[type[Any], _Rule]) -> _Rule:
    """How a value of the annotation ``kind`` is read, as cattrs reads it."""
    if kind in (str, bool, int):
        return _exact(kind)  # cloudtel's str and bool hooks give back exact values as they are
    if kind in readers:
        return readers[kind]
    origin = typing.get_origin(kind)
    args = typing.get_args(kind)
    if origin in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
        (inner,) = (arg for arg in args if arg is not type(None))
        return _optional(_rule(converter, inner, readers))
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        if args[0] is str:
            return _strings
        return _items(_rule(converter, args[0], readers))
    return _hooked(converter, kind)


def _reader(
    converter: cattrs.Converter, cls: type[Any], readers: dict[type[Any], _Rule]
) -> _Rule | None:
    """A fast reader of ``cls``; ``None`` when its fields are not all read by name."""
    try:
        attrs.resolve_types(cls)
    except NameError:  # an annotation that does not resolve: cattrs' way alone
        return None
    fields = [field for field in attrs.fields(cls) if field.init]
    if any(field.alias != field.name or field.type is None for field in fields):
        return None
    rules = {field.name: _rule(converter, field.type, readers) for field in fields}

    def read(value: Any) -> Any:
        if type(value) is not dict:
            raise _NotPlainError
        given = {}
        for key, item in value.items():
            rule = rules.get(key)
            if rule is None:
                raise _NotPlainError
            given[key] = rule(item)
        return cls(**given)

    return read


def _only(cls: type[Any]) -> Callable[[Any], bool]:
    def matches(kind: Any) -> bool:
        return kind is cls

    return matches


def register_fast_readers(converter: cattrs.Converter, classes: list[type[Any]]) -> None:
    """Read ``classes`` (inner ones first) through fast readers, cattrs' way otherwise.

    Register after every other hook: cattrs' own hook of each class is made here, and
    the fast reader uses the converter's hooks for the types it does not read itself.
    """
    readers: dict[type[Any], _Rule] = {}
    for cls in classes:
        plain = converter.get_structure_hook(cls)
        read = _reader(converter, cls, readers)
        if read is None:
            continue
        readers[cls] = read

        def structure(
            value: Any, kind: Any, read: _Rule = read, plain: Any = plain, cls: Any = cls
        ) -> Any:
            if kind is cls:
                try:
                    return read(value)
                except Exception:  # noqa: S110 - cattrs' way says what is wrong, and where
                    pass
            return plain(value, kind)

        # this class only: a subclass gets cattrs' hook of its own, as before
        converter.register_structure_hook_func(_only(cls), structure)
