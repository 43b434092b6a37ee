"""One rule for the enumerated values people type: any case, one canonical member.

An action, a contact's kind, a phone type, a directory visibility … is an
:class:`enum.Enum` member; where a user may give it as text (``action="OPEN"``,
``"Closed"``, ``kind="Colleague"``), :func:`member` reads the member's value or name in
any case, with spaces or hyphens where the name has underscores, and :func:`to_member`
raises an error listing the allowed values when the text is none of them.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Callable
from typing import TypeVar

from cloudtel.errors import InvalidValueError

__all__ = ["allowed", "canonical", "member", "to_member"]

E = TypeVar("E", bound=enum.Enum)

_SEPARATORS = re.compile(r"[\s\-]+")


def _key(text: str) -> str:
    return _SEPARATORS.sub("_", text.strip()).casefold()


@functools.cache
def _members(kind: type[enum.Enum]) -> dict[str, enum.Enum]:
    table: dict[str, enum.Enum] = {}
    for item in kind:
        table[_key(item.name)] = item
        if isinstance(item.value, str):
            table[_key(item.value)] = item
    return table


def member(kind: type[E], value: object) -> E | None:
    """The member of ``kind`` that ``value`` is or names, else None.

    Args:
        kind: The enumeration, e.g. :class:`~cloudtel.Action`.
        value: A member, or text: a member's value or name in any case (``"open"``,
            ``"OPEN"``, ``"Open"``), spaces and hyphens standing for underscores.
    """
    if isinstance(value, kind):
        return value
    if isinstance(value, str):
        found = _members(kind).get(_key(value))
        return found if isinstance(found, kind) else None
    return None


def allowed(kind: type[enum.Enum]) -> str:
    """The values of ``kind`` as a message lists them: ``"open, forward, closed"``."""
    return ", ".join(str(item.value) for item in kind)


def to_member(
    kind: type[E],
    value: object,
    *,
    field: str,
    what: str,
    error: type[InvalidValueError] = InvalidValueError,
) -> E:
    """The member of ``kind`` that ``value`` is or names (see :func:`member`).

    Args:
        kind: The enumeration.
        value: A member or text.
        field: The field's name, for the error's context.
        what: How the message names the value, e.g. ``"directory_visibility"``.
        error: The error class to raise.

    Raises:
        InvalidValueError: ``value`` names no member; the message lists the values.
    """
    found = member(kind, value)
    if found is None:
        raise error(
            f"{what} {value!r} is not one of {allowed(kind)} (any case)", field=field, value=value
        )
    return found


def canonical(kind: type[enum.Enum]) -> Callable[[str], str]:
    """An argparse ``type=`` that writes a member's value or name in any case as the
    value (``"OPEN"`` → ``"open"``); other text is kept, for ``choices=`` to refuse."""

    def convert(text: str) -> str:
        found = member(kind, text)
        return text if found is None else str(found.value)

    convert.__name__ = kind.__name__  # argparse names the type in its messages
    return convert
