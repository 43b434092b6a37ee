"""Schedules of function numbers: prioritised events and an engine that answers time questions.

The model (:class:`Schedule`, :class:`ScheduleEvent`, :class:`Weekly`, :class:`Yearly`,
:class:`Easter`, :class:`Once`, …) lives in ``_model``; the compiled engine
(:class:`CompiledSchedule`, :class:`ScheduleFleet`) in ``_engine``. This module only re-exports.
"""

from __future__ import annotations

from cloudtel.schedules._engine import (
    Change,
    CompiledSchedule,
    ScheduleFleet,
    states_at_instant,
)
from cloudtel.schedules._model import (
    EASTER_OFFSETS,
    NEVER,
    WORKDAYS,
    Action,
    DefaultEvent,
    Easter,
    ForwardTarget,
    LanguageInstructions,
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
    easter_sunday,
    zone_of,
)
from cloudtel.schedules._serialize import configure_schedule_converter

__all__ = [
    "EASTER_OFFSETS",
    "NEVER",
    "WORKDAYS",
    "Action",
    "Change",
    "CompiledSchedule",
    "DefaultEvent",
    "Easter",
    "ForwardTarget",
    "LanguageInstructions",
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
    "easter_sunday",
    "states_at_instant",
    "zone_of",
]
