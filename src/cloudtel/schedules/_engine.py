"""The compiled engine (being written)."""

from __future__ import annotations

__all__ = ["Change", "CompiledSchedule", "ScheduleFleet", "states_at_instant"]


class Change:
    """Placeholder until the engine lands."""


class CompiledSchedule:
    """Placeholder until the engine lands."""

    def __init__(self, *args: object) -> None:
        raise NotImplementedError("the schedule engine is not committed yet")


class ScheduleFleet:
    """Placeholder until the engine lands."""


def states_at_instant() -> None:
    """Placeholder until the engine lands."""
    raise NotImplementedError("the schedule engine is not committed yet")
