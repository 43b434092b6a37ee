"""The one rule for text a user gives cloudtel.

Every text field is either *single-line* (a name, a label, an address line, a
profile, an event name …) or *multi-line* (a description). Both refuse what
breaks the places the text travels to — org files, phone files, vCard,
iCalendar, e-mail and SMS, a terminal:

- a single-line field holds no control character but the tab (none of C0
  with CR and LF, DEL, C1 with NEL), no line or paragraph separator (U+2028,
  U+2029) and no lone surrogate (``"\\ud800"``, which is not UTF-8 and cannot
  be saved); drivers turn a tab into a space where a phone needs that;
- a multi-line field may also hold line feeds (``"\\n"``), nothing else of the
  above.

Format characters (zero-width joiners of emoji, right-to-left marks of Arabic
and Hebrew names) are text and allowed; the ``cloudtel`` command shows them
escaped (:func:`cloudtel.cli.table.visible`).

The checks raise :class:`~cloudtel.InvalidValueError` naming the field, the
character and its position. :func:`line` and :func:`lines` are the same checks
as attrs validators.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from typing import Any

import attrs

from cloudtel.errors import InvalidValueError

__all__ = [
    "check_line",
    "check_lines",
    "interned",
    "line",
    "lines",
    "optional_line",
    "scrub_line",
    "unsafe_in_line",
    "unsafe_in_lines",
]

_NOT_IN_LINE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_NOT_IN_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")

_NAMES = {
    "\t": "a tab",
    "\n": "a line break",
    "\r": "a carriage return",
    "\x00": "NUL",
    "\x1b": "ESC (a terminal escape)",
    "\x85": "a line break (NEL)",
    "\u2028": "a line separator",
    "\u2029": "a paragraph separator",
}


def interned(value: str) -> str:
    """``value``, or an equal text already in memory: many objects of a big organisation
    hold the same texts (group names, usernames in phone keys, key labels), which are
    then kept once. A text of a ``str`` subclass is given back as it is."""
    return sys.intern(value) if type(value) is str else value


def _describe(char: str) -> str:
    code = f"U+{ord(char):04X}"
    if char in _NAMES:
        return f"{_NAMES[char]} ({code})"
    if "\ud800" <= char <= "\udfff":
        return f"a lone surrogate ({code})"
    return f"a control character ({code} {unicodedata.name(char, '')})".replace(" )", ")")


def unsafe_in_line(value: str) -> tuple[int, str] | None:
    """The position and character of the first thing a single-line field may not hold."""
    found = _NOT_IN_LINE.search(value)
    return None if found is None else (found.start(), found.group())


def unsafe_in_lines(value: str) -> tuple[int, str] | None:
    """The position and character of the first thing a multi-line field may not hold."""
    found = _NOT_IN_LINES.search(value)
    return None if found is None else (found.start(), found.group())


def scrub_line(value: str) -> str:
    """``value`` with every character a single-line field refuses turned into a space."""
    return _NOT_IN_LINE.sub(" ", value)


def _check(
    value: object,
    field: str,
    *,
    multi: bool,
    what: str | None,
    error: type[InvalidValueError] = InvalidValueError,
) -> str:
    if type(value) is str and value.isprintable():
        # every character the rules refuse (controls, separators, surrogates) is one
        # Python counts as not printable: printable text passes without the search
        return value
    label = what or field
    if not isinstance(value, str):
        raise error(f"{label} must be text, not {value!r}", field=field, value=value)
    found = (unsafe_in_lines if multi else unsafe_in_line)(value)
    if found is not None:
        position, char = found
        allowed = (
            "it may span lines but holds no other control characters or lone surrogates"
            if multi
            else "it must be one line of text, without line breaks, control characters "
            "or lone surrogates"
        )
        raise error(
            f"{label} {value!r} contains {_describe(char)} at position {position + 1}; {allowed}",
            field=field,
            value=value,
        )
    return value


def check_line(
    value: object,
    field: str,
    *,
    what: str | None = None,
    error: type[InvalidValueError] = InvalidValueError,
) -> str:
    """Check the text of a single-line field; return it.

    Args:
        value: The text.
        field: The field's name, kept in the error's context.
        what: How the message calls the field (default: ``field``).
        error: The error raised: :class:`~cloudtel.InvalidValueError` or a subclass
            (a schedule's fields raise :class:`~cloudtel.ScheduleError`).

    Raises:
        InvalidValueError: It is not text, or holds a control character, a line
            break or a lone surrogate.
    """
    if type(value) is str and value.isprintable():
        return value  # as _check says, without its call
    return _check(value, field, multi=False, what=what, error=error)


def check_lines(value: object, field: str, *, what: str | None = None) -> str:
    """Check the text of a multi-line field (line feeds and tabs allowed); return it.

    Raises:
        InvalidValueError: It is not text, or holds another control character or a
            lone surrogate.
    """
    return _check(value, field, multi=True, what=what)


def line(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: :func:`check_line` under the attribute's name."""
    if not (type(value) is str and value.isprintable()):
        _check(value, attribute.name, multi=False, what=None)


def optional_line(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: ``None`` or :func:`check_line` under the attribute's name."""
    if value is not None:
        _check(value, attribute.name, multi=False, what=None)


def lines(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: :func:`check_lines` under the attribute's name."""
    _check(value, attribute.name, multi=True, what=None)
