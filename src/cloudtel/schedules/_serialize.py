"""How schedules are written to org files (cattrs hooks)."""

from __future__ import annotations

import cattrs
from cattrs.strategies import configure_tagged_union

from cloudtel.schedules._model import Once, TimeDefinition, Weekly, Yearly

__all__ = ["configure_schedule_converter"]

_TAGS = {Weekly: "weekly", Yearly: "yearly", Once: "once"}


def configure_schedule_converter(converter: cattrs.Converter) -> None:
    """Teach a converter the time definitions of schedule events.

    An event's ``when`` is a table with a ``kind`` key, ``"weekly"``, ``"yearly"`` or
    ``"once"``, next to the fields of :class:`~cloudtel.schedules.Weekly`,
    :class:`~cloudtel.schedules.Yearly` or :class:`~cloudtel.schedules.Once`. The
    converter must already know dates, times and phone numbers (see
    :func:`cloudtel.serialization.configure_converter`).

    Args:
        converter (cattrs.Converter): The converter to configure.
    """
    configure_tagged_union(
        TimeDefinition,
        converter,
        tag_generator=lambda cls: _TAGS[cls],
        tag_name="kind",
    )
