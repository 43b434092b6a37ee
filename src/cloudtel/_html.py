"""How cloudtel objects look in Jupyter: small HTML tables, everything escaped.

Every everyday object has a ``_repr_html_`` built from the two helpers here:
:func:`table` for a list of rows (users, phones, prompts …) and :func:`fields` for
one object's fields. Every value passes through :func:`text` and
:func:`html.escape`, so a name such as ``<b>Sales & Co</b>`` shows as typed.
"""

from __future__ import annotations

import enum
import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["fields", "records_to_pandas", "table", "text"]

_STYLE = "border-collapse:collapse;text-align:left"
_CELL = "padding:2px 8px;border-bottom:1px solid #ccc;text-align:left;vertical-align:top"


def text(value: object) -> str:
    """A value as a person reads it: enums by value, lists joined, ``None`` empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, tuple | list | frozenset | set):
        return ", ".join(text(item) for item in value)
    return str(value)


def table(
    rows: Iterable[Mapping[str, object]],
    *,
    caption: str = "",
    columns: Sequence[str] | None = None,
    empty: str = "none",
) -> str:
    """An HTML table of ``rows`` (one mapping per row; columns from the first row).

    Args:
        rows: The rows; each maps a column name to its value.
        caption: A caption above the table.
        columns: The columns to show, in order (default: the first row's keys).
        empty: What the table says when there are no rows.
    """
    rows = list(rows)
    if columns is None:
        columns = list(rows[0]) if rows else []
    parts = [f'<table class="cloudtel" style="{_STYLE}">']
    if caption:
        parts.append(f'<caption style="text-align:left">{html.escape(caption)}</caption>')
    if columns:
        head = "".join(f'<th style="{_CELL}">{html.escape(c)}</th>' for c in columns)
        parts.append(f"<thead><tr>{head}</tr></thead>")
    parts.append("<tbody>")
    for row in rows:
        cells = "".join(
            f'<td style="{_CELL}">{html.escape(text(row.get(c)))}</td>' for c in columns
        )
        parts.append(f"<tr>{cells}</tr>")
    if not rows:
        parts.append(f"<tr><td><em>{html.escape(empty)}</em></td></tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def fields(caption: str, values: Mapping[str, object], *, extra: str = "") -> str:
    """One object as a two-column HTML table: field name, value.

    Args:
        caption: What the object is, e.g. ``"User demo.user@orange.be"``.
        values: Field name to value; empty values are left out.
        extra: HTML (already escaped) appended after the table, e.g. a nested table.
    """
    parts = [f'<table class="cloudtel" style="{_STYLE}">']
    parts.append(f'<caption style="text-align:left">{html.escape(caption)}</caption><tbody>')
    for name, value in values.items():
        shown = text(value)
        if shown == "":
            continue
        parts.append(
            f'<tr><th style="{_CELL}">{html.escape(name)}</th>'
            f'<td style="{_CELL}">{html.escape(shown)}</td></tr>'
        )
    parts.append("</tbody></table>")
    return "".join(parts) + extra


def records_to_pandas(records: list[dict[str, Any]], columns: Sequence[str]) -> Any:
    """A :class:`pandas.DataFrame` of ``records`` (needs the ``pandas`` extra).

    Raises:
        ModuleNotFoundError: pandas is not installed; says how to install it.
    """
    try:
        import pandas as pd  # noqa: PLC0415 - optional, only when asked for a frame
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            "to_pandas() needs pandas: pip install 'cloudtel[pandas]' "
            "(to_records() gives the same rows without it)",
            name="pandas",
        ) from exc
    return pd.DataFrame.from_records(records, columns=list(columns))
