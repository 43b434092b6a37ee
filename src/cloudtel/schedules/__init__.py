"""Schedules of function numbers: prioritised events and an engine that answers time questions.

The model (:class:`Schedule`, :class:`ScheduleEvent`, :class:`Weekly`, :class:`Yearly`,
:class:`Once`, …) lives in ``_model``; the compiled engine (:class:`CompiledSchedule`,
:class:`ScheduleFleet`) in ``_engine``. This module only re-exports.
"""

from __future__ import annotations

from cloudtel.schedules._engine import (
    Change,
    CompiledSchedule,
    ScheduleFleet,
    states_at_instant,
)
from cloudtel.schedules._model import (
    NEVER,
    WORKDAYS,
    Action,
    DefaultEvent,
    ForwardTarget,
    MonthDayTime,
    Once,
    Recurrence,
    Schedule,
    ScheduleEvent,
    ScheduleState,
    TimeDefinition,
    Weekday,
    Weekly,
    Yearly,
    zone_of,
)
from cloudtel.schedules._serialize import configure_schedule_converter

__all__ = [
    "NEVER",
    "WORKDAYS",
    "Action",
    "Change",
    "CompiledSchedule",
    "DefaultEvent",
    "ForwardTarget",
    "MonthDayTime",
    "Once",
    "Recurrence",
    "Schedule",
    "ScheduleEvent",
    "ScheduleFleet",
    "ScheduleState",
    "TimeDefinition",
    "Weekday",
    "Weekly",
    "Yearly",
    "configure_schedule_converter",
    "states_at_instant",
    "zone_of",
]
