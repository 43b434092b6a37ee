"""How schedules are written to org files (cattrs hooks)."""

from __future__ import annotations

import re
from datetime import time
from typing import Any

import cattrs
from cattrs.strategies import configure_tagged_union

from cloudtel.schedules._model import Easter, MonthDayTime, Once, TimeDefinition, Weekly, Yearly

__all__ = ["configure_schedule_converter"]

_TAGS = {Weekly: "weekly", Yearly: "yearly", Easter: "easter", Once: "once"}
_MONTH_DAY_TIME = re.compile(r"(\d{1,2})-(\d{1,2})[ T](\d{1,2}:\d{2}(?::\d{2})?)")


def _render(value: MonthDayTime) -> str:
    month, day, at = value
    return f"{month:02d}-{day:02d} {at.isoformat()}"


def _read(value: Any, _type: Any) -> MonthDayTime:
    if isinstance(value, str):
        match = _MONTH_DAY_TIME.fullmatch(value.strip())
        if match is None:
            raise ValueError(f"expected a month-day-time like '01-01 00:00:00', not {value!r}")
        return (int(match[1]), int(match[2]), time.fromisoformat(match[3]))
    if isinstance(value, list | tuple) and len(value) == 3:
        month, day, at = value
        return (int(month), int(day), at if isinstance(at, time) else time.fromisoformat(at))
    raise ValueError(f"expected a month-day-time like '01-01 00:00:00', not {value!r}")


def configure_schedule_converter(converter: cattrs.Converter) -> None:
    """Teach a converter the time definitions of schedule events.

    An event's ``when`` is a table with a ``kind`` key, ``"weekly"``, ``"yearly"``,
    ``"easter"`` or ``"once"``, next to the fields of :class:`~cloudtel.schedules.Weekly`,
    :class:`~cloudtel.schedules.Yearly`, :class:`~cloudtel.schedules.Easter` or
    :class:`~cloudtel.schedules.Once`. A yearly
    start or end is written ``"01-01 00:00:00"`` (month-day time). The converter must
    already know dates, times and phone numbers (see
    :func:`cloudtel.serialization.configure_converter`).

    Args:
        converter (cattrs.Converter): The converter to configure.
    """
    converter.register_unstructure_hook_func(lambda kind: kind == MonthDayTime, _render)
    converter.register_structure_hook_func(lambda kind: kind == MonthDayTime, _read)
    configure_tagged_union(
        TimeDefinition,
        converter,
        tag_generator=lambda cls: _TAGS[cls],
        tag_name="kind",
    )
