"""One converter for every field that holds several values.

A field such as ``User.groups`` takes a list, but people naturally write one value
alone: ``User(groups="Sales")``, ``mobile_phones="0475 11 22 33"``,
``Weekly(days="mon")``. Python would then iterate over the string's characters and
produce ``('S', 'a', 'l', 'e', 's')``. :func:`as_items` reads a lone value as a
one-item list instead, so every such field behaves the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cloudtel.errors import InvalidValueError

__all__ = ["as_items"]


def as_items(value: object, field: str, single: tuple[type[Any], ...] = ()) -> tuple[Any, ...]:
    """The values of a many-valued field as a tuple; a lone value becomes a 1-tuple.

    Text (``str``) is always one value, never a sequence of characters; so is anything
    not iterable (an enum member, a number) and an instance of any type in ``single``.
    A mapping is refused: its keys alone would silently drop its values.

    Args:
        value: What the caller gave: one value or an iterable of values.
        field: The field's name, for the error message.
        single: Types whose instances count as one value even when iterable.

    Raises:
        InvalidValueError: ``value`` is a mapping.
    """
    if (type(value) is tuple or type(value) is list) and not (single and isinstance(value, single)):
        return tuple(value)  # what the checks below give a list or tuple, without them
    if isinstance(value, str | bytes) or (single and isinstance(value, single)):
        return (value,)
    if isinstance(value, dict):
        raise InvalidValueError(
            f"{field} takes a list of values, not a mapping {value!r}", field=field, value=value
        )
    if not isinstance(value, Iterable):
        return (value,)  # one value; the field's own check says whether it is a good one
    return tuple(value)
