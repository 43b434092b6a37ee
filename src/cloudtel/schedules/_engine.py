"""The compiled schedule engine: change instants per UTC year, and binary searches.

How a schedule is compiled for one UTC calendar year ``Y`` (a *chunk*):

1. Every event generates its occurrences as wall-clock intervals ``[start, end)``, in
   *wall seconds* (seconds since 1970-01-01 00:00 of wall-clock time), for the years that
   can reach the chunk. Recurrence bounds were reduced beforehand to a range of allowed
   start days (``after N`` becomes the date of the N-th generated occurrence).
2. The zone's UTC offset is piecewise constant: segments ``[a, b)`` with offset ``o``.
   The instants whose wall-clock time lies in ``[ws, we)`` are, per segment,
   ``[ws - o, we - o) ∩ [a, b)``. This single rule gives the contract's DST behaviour: a
   skipped wall time matches no instant, a repeated one matches one instant per pass.
3. The covered UTC intervals of all events cut the chunk into elementary pieces; each piece
   takes the state of the highest-priority event covering it (``minimum.at`` over event
   positions), else the default's. Neighbouring pieces with the same state are merged.

A chunk is a sorted array of instants (its first element is the start of the year, the
others are genuine changes) with the state code from each instant on. Scalar questions
bisect a Python list copy of it; array questions use :func:`numpy.searchsorted`.
"""

from __future__ import annotations

import math
import operator
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

import attrs
import numpy as np
import numpy.typing as npt

from cloudtel.errors import ScheduleError
from cloudtel.schedules._model import (
    Easter,
    Once,
    Schedule,
    ScheduleState,
    Weekly,
    Yearly,
    easter_sunday,
    zone_of,
)

if TYPE_CHECKING:
    from cloudtel.schedules._model import TimeDefinition

__all__ = ["Change", "CompiledSchedule", "ScheduleFleet", "states_at_instant"]

FIRST_YEAR: Final = 1902
"""The first (UTC) year the engine answers for."""
LAST_YEAR: Final = 2999
"""The last (UTC) year the engine answers for."""

_DAY: Final = 86_400
_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()
_MARGIN: Final = 2 * _DAY  # more than any UTC offset
_CYCLE_YEARS: Final = 400  # the Gregorian calendar (and weekdays) repeat every 400 years
_YEAR_STARTS: Final = [
    (date(year, 1, 1).toordinal() - _EPOCH_ORDINAL) * _DAY
    for year in range(FIRST_YEAR, LAST_YEAR + 2)
]
_YEAR_STARTS_ARRAY: Final = np.array(_YEAR_STARTS, dtype=np.int64)
_FAST_ZONES: Final = frozenset({ZoneInfo, timezone})  # utcoffset() never None for these
_SAMPLE: Final = 6 * 3600  # probe the zone's offset every 6 hours, then bisect

Int64Array = np.ndarray[Any, np.dtype[np.int64]]
CodeArray = np.ndarray[Any, np.dtype[np.int16]]


def _wall(day: date, seconds: int = 0) -> int:
    return (day.toordinal() - _EPOCH_ORDINAL) * _DAY + seconds


def _tod(value: Any) -> int:
    return int(value.hour * 3600 + value.minute * 60 + value.second)


def _year_start(year: int) -> int:
    return _YEAR_STARTS[year - FIRST_YEAR]


def _year_of(t: float) -> int:
    index = bisect_right(_YEAR_STARTS, t) - 1
    if index < 0 or index >= len(_YEAR_STARTS) - 1:
        raise ScheduleError(
            f"instant {t!r} is outside the years {FIRST_YEAR}–{LAST_YEAR} the engine answers for",
            field="instant",
            value=t,
        )
    return FIRST_YEAR + index


def _epoch(instant: datetime | float, field: str = "instant") -> float:
    """UTC epoch seconds of an aware datetime (or of a number, taken as epoch seconds)."""
    if isinstance(instant, datetime):
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ScheduleError(
                f"{field} {instant.isoformat()} has no time zone: give an aware datetime "
                "(e.g. with ZoneInfo('Europe/Brussels') or UTC); a naive one is ambiguous",
                field=field,
                value=instant,
            )
        return instant.timestamp()
    if (
        isinstance(instant, int | float)
        and not isinstance(instant, bool)
        and math.isfinite(instant)
    ):
        return instant
    raise ScheduleError(
        f"{field} must be an aware datetime or UTC epoch seconds, got {instant!r}",
        field=field,
        value=instant,
    )


# -- the zone's offsets ----------------------------------------------------------------

_SEGMENTS: dict[tuple[str, int], tuple[tuple[int, int, int], ...]] = {}


def _offset(zone: ZoneInfo, t: int) -> int:
    offset = datetime.fromtimestamp(t, zone).utcoffset()
    return 0 if offset is None else int(offset.total_seconds())


def _segments(zone: ZoneInfo, year: int) -> tuple[tuple[int, int, int], ...]:
    """``(a, b, offset)`` pieces of UTC year ``year`` over which the zone's offset is fixed."""
    key = (zone.key, year)
    cached = _SEGMENTS.get(key)
    if cached is not None:
        return cached
    lo, hi = _year_start(year), _year_start(year + 1)
    pieces: list[tuple[int, int, int]] = []
    start, current = lo, _offset(zone, lo)
    probe = lo
    while probe < hi - 1:
        following = min(probe + _SAMPLE, hi - 1)
        offset = _offset(zone, following)
        if offset != current:
            low, high = probe, following  # offset(low) == current != offset(high)
            while high - low > 1:
                middle = (low + high) // 2
                if _offset(zone, middle) == current:
                    low = middle
                else:
                    high = middle
            pieces.append((start, high, current))
            start, current = high, _offset(zone, high)
            probe = high
            continue
        probe = following
    pieces.append((start, hi, current))
    result = tuple(pieces)
    _SEGMENTS[key] = result
    return result


# -- occurrences -------------------------------------------------------------------------


@attrs.frozen
class _Plan:
    """One event's time definition reduced to numbers (zone independent)."""

    kind: str
    first_day: int | None  # epoch day of the first allowed start date
    last_day: int | None  # epoch day of the last allowed start date
    weekly_mask: tuple[bool, ...] = ()
    start_seconds: int = 0
    duration: int = 0
    yearly: Yearly | None = None
    once: tuple[int, int] = (0, 0)
    easter_offset: int = 0

    @property
    def last_year(self) -> int | None:
        """A UTC year after which the event covers nothing (``None``: runs forever)."""
        if self.kind == "once":
            return datetime.fromtimestamp(self.once[1], UTC).year + 1
        if self.last_day is None:
            return None
        return date.fromordinal(self.last_day + _EPOCH_ORDINAL).year + 2

    @property
    def first_year(self) -> int:
        """A UTC year before which the event covers nothing."""
        if self.kind == "once":
            return datetime.fromtimestamp(self.once[0], UTC).year - 1
        if self.first_day is None:
            return FIRST_YEAR
        return date.fromordinal(self.first_day + _EPOCH_ORDINAL).year - 1


def _epoch_day(day: date | None) -> int | None:
    return None if day is None else day.toordinal() - _EPOCH_ORDINAL


def _plan(when: TimeDefinition) -> _Plan:
    if isinstance(when, Once):
        return _Plan(
            kind="once",
            first_day=None,
            last_day=None,
            once=(
                _wall(when.start.date(), _tod(when.start)),
                _wall(when.end.date(), _tod(when.end)),
            ),
        )
    recurrence = when.recurrence
    first = recurrence.first
    last = recurrence.until
    if isinstance(when, Weekly):
        numbers = {day.number for day in when.days}
        if recurrence.count is not None and first is not None:
            starts = [
                first + timedelta(i)
                for i in range(7)
                if (first + timedelta(i)).weekday() in numbers
            ]
            weeks, rest = divmod(recurrence.count - 1, len(starts))
            last = _clamp_date(starts[rest].toordinal() + 7 * weeks)
        return _Plan(
            kind="weekly",
            first_day=_epoch_day(first),
            last_day=_epoch_day(last),
            weekly_mask=tuple(i in numbers for i in range(7)),
            start_seconds=_tod(when.start),
            duration=when.duration_seconds,
        )
    if isinstance(when, Easter):
        if recurrence.count is not None and first is not None:
            year = first.year if when.day(first.year) >= first else first.year + 1
            last = _clamp_date(
                when.day(min(year + recurrence.count - 1, LAST_YEAR + 1)).toordinal()
            )
        return _Plan(
            kind="easter",
            first_day=_epoch_day(first),
            last_day=_epoch_day(last),
            start_seconds=_tod(when.start),
            duration=when.duration_seconds,
            easter_offset=when.offset,
        )
    month, day, at = when.start
    if recurrence.count is not None and first is not None:
        year = first.year
        found = 0
        while True:
            if year > LAST_YEAR + 1:
                last = None
                break
            if _has_day(year, month, day) and date(year, month, day) >= first:
                found += 1
                if found == recurrence.count:
                    last = date(year, month, day)
                    break
            year += 1
    del at
    return _Plan(
        kind="yearly",
        first_day=_epoch_day(first),
        last_day=_epoch_day(last),
        yearly=when,
    )


def _clamp_date(ordinal: int) -> date | None:
    if ordinal > date(LAST_YEAR + 1, 12, 31).toordinal():
        return None
    return date.fromordinal(ordinal)


def _has_day(year: int, month: int, day: int) -> bool:
    return not (month == 2 and day == 29) or (
        year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    )


def _occurrences(plan: _Plan, lo: int, hi: int) -> tuple[Int64Array, Int64Array]:
    """Wall-second intervals of ``plan``'s occurrences that overlap ``[lo, hi)``."""
    if plan.kind == "once":
        start, end = plan.once
        if end > lo and start < hi:
            return np.array([start], np.int64), np.array([end], np.int64)
        return _EMPTY, _EMPTY
    if plan.kind == "weekly":
        first = lo // _DAY - 1
        last = hi // _DAY
        if plan.first_day is not None:
            first = max(first, plan.first_day)
        if plan.last_day is not None:
            last = min(last, plan.last_day)
        if last < first:
            return _EMPTY, _EMPTY
        days = np.arange(first, last + 1, dtype=np.int64)
        mask = np.array(plan.weekly_mask)[(days + 3) % 7]  # 1970-01-01 was a Thursday
        starts = days[mask] * _DAY + plan.start_seconds
        return starts, starts + plan.duration
    if plan.kind == "easter":
        return _easter_occurrences(plan, lo, hi)
    when = plan.yearly
    if when is None:  # pragma: no cover - every yearly plan has its definition
        return _EMPTY, _EMPTY
    (sm, sd, st), (em, ed, et) = when.start, when.end
    into_next = (em, ed, et) <= (sm, sd, st)
    starts_list: list[int] = []
    ends_list: list[int] = []
    first_year = datetime.fromtimestamp(lo, UTC).year - 2
    for year in range(first_year, first_year + 5):
        if not _has_day(year, sm, sd):
            continue
        start_day = date(year, sm, sd)
        day_number = start_day.toordinal() - _EPOCH_ORDINAL
        if plan.first_day is not None and day_number < plan.first_day:
            continue
        if plan.last_day is not None and day_number > plan.last_day:
            continue
        start = _wall(start_day, _tod(st))
        end = _wall(date(year + 1 if into_next else year, em, ed), _tod(et))
        if end > lo and start < hi:
            starts_list.append(start)
            ends_list.append(end)
    return np.array(starts_list, np.int64), np.array(ends_list, np.int64)


def _easter_occurrences(plan: _Plan, lo: int, hi: int) -> tuple[Int64Array, Int64Array]:
    """Wall-second intervals of an :class:`Easter` plan's occurrences overlapping ``[lo, hi)``."""
    starts_list: list[int] = []
    middle = datetime.fromtimestamp((lo + hi) // 2, UTC).year
    for year in range(max(middle - 1, FIRST_YEAR), min(middle + 1, LAST_YEAR + 1) + 1):
        day = easter_sunday(year).toordinal() - _EPOCH_ORDINAL + plan.easter_offset
        if plan.first_day is not None and day < plan.first_day:
            continue
        if plan.last_day is not None and day > plan.last_day:
            continue
        start = day * _DAY + plan.start_seconds
        if start + plan.duration > lo and start < hi:
            starts_list.append(start)
    starts = np.array(starts_list, np.int64)
    return starts, starts + plan.duration


_EMPTY: Final = np.zeros(0, np.int64)


_CUMULATIVE_DAYS: Final = (
    np.array([0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334], np.int64),
    np.array([0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335], np.int64),
)


def _is_leap(years: Int64Array) -> np.ndarray[Any, np.dtype[np.bool_]]:
    leap: np.ndarray[Any, np.dtype[np.bool_]] = (years % 4 == 0) & (
        (years % 100 != 0) | (years % 400 == 0)
    )
    return leap


class _YearlyTable:
    """The yearly events of a schedule as columns, expanded per year with numpy."""

    def __init__(self, plans: list[tuple[int, _Plan]]) -> None:
        self.size = len(plans)
        definitions = [plan.yearly for _, plan in plans]
        self.priority = np.array([p for p, _ in plans], np.int64)
        self.month = np.array([w.start[0] for w in definitions if w], np.int64)
        self.day = np.array([w.start[1] for w in definitions if w], np.int64)
        self.seconds = np.array([_tod(w.start[2]) for w in definitions if w], np.int64)
        self.end_month = np.array([w.end[0] for w in definitions if w], np.int64)
        self.end_day = np.array([w.end[1] for w in definitions if w], np.int64)
        self.end_seconds = np.array([_tod(w.end[2]) for w in definitions if w], np.int64)
        self.into_next = np.array([w.end <= w.start for w in definitions if w], np.int64)
        never_before, never_after = -(10**9), 10**9
        self.first_day = np.array(
            [never_before if p.first_day is None else p.first_day for _, p in plans], np.int64
        )
        self.last_day = np.array(
            [never_after if p.last_day is None else p.last_day for _, p in plans], np.int64
        )

    @staticmethod
    def _day_numbers(years: Int64Array, month: Int64Array, day: Int64Array) -> Int64Array:
        jan1 = _YEAR_STARTS_ARRAY[years - FIRST_YEAR] // _DAY
        leap = _is_leap(years)
        before = np.where(leap, _CUMULATIVE_DAYS[1][month - 1], _CUMULATIVE_DAYS[0][month - 1])
        result: Int64Array = jan1 + before + day - 1
        return result

    def occurrences(self, year: int, lo: int, hi: int) -> tuple[Int64Array, Int64Array, Int64Array]:
        """Wall-second intervals and priorities of the occurrences overlapping ``[lo, hi)``."""
        first = max(year - 2, FIRST_YEAR)
        years = np.arange(first, min(year + 2, LAST_YEAR + 1), dtype=np.int64)[:, None]
        start_day = self._day_numbers(years, self.month, self.day)
        end_years = np.minimum(years + self.into_next, LAST_YEAR)
        end_day = self._day_numbers(end_years, self.end_month, self.end_day)
        start = start_day * _DAY + self.seconds
        end = end_day * _DAY + self.end_seconds
        keep = (
            ((self.month != 2) | (self.day != 29) | _is_leap(years))
            & (start_day >= self.first_day)
            & (start_day <= self.last_day)
            & (end > lo)
            & (start < hi)
        )
        priority = np.broadcast_to(self.priority, keep.shape)
        return start[keep], end[keep], priority[keep]


# -- compiled chunks ---------------------------------------------------------------------


@attrs.frozen
class _Chunk:
    """One UTC year: change instants (the first is the year's start) and state codes."""

    lo: int
    hi: int
    starts: Int64Array
    codes: CodeArray
    starts_list: list[float]  # floats: bisecting floats with a float is fastest
    states_list: list[ScheduleState]


_NO_CHUNK: Final = _Chunk(
    lo=0,
    hi=0,
    starts=np.zeros(0, np.int64),
    codes=np.zeros(0, np.int16),
    starts_list=[],
    states_list=[],
)


@attrs.frozen(kw_only=True)
class Change:
    """A change of state at an instant.

    Args:
        at (datetime): The instant, aware, in the schedule's time zone.
        state (ScheduleState): The state from ``at`` on.
        previous (ScheduleState): The state just before ``at``.
    """

    at: datetime
    state: ScheduleState
    previous: ScheduleState

    @property
    def epoch(self) -> int:
        """The instant as UTC epoch seconds."""
        return int(self.at.timestamp())

    def __str__(self) -> str:
        return f"{self.at.isoformat()}: {self.previous} -> {self.state}"


class CompiledSchedule:
    """A schedule compiled for one time zone: answers time questions by binary search.

    Chunks (one per UTC year) are compiled on first use and kept. A
    :class:`~cloudtel.schedules.Schedule` is immutable, so its compiled engine never goes
    stale; an edit makes a new schedule with a new, empty cache.

    Args:
        schedule (Schedule): The schedule.
        zone (ZoneInfo): Its effective time zone.
    """

    def __init__(self, schedule: Schedule, zone: ZoneInfo) -> None:
        self.schedule = schedule
        self.zone = zone
        self.states: tuple[ScheduleState, ...] = schedule.states
        index = {state: code for code, state in enumerate(self.states)}
        self._state_objects = np.empty(len(self.states), dtype=object)
        self._state_objects[:] = self.states
        self._plans = [_plan(event.when) for event in schedule.events]
        # priority p (event position; len(events) is the default) -> state code
        self._code_of = np.array(
            [index[event.state] for event in schedule.events] + [0], dtype=np.int16
        )
        self._action_of: np.ndarray[Any, np.dtype[np.int8]] = np.array(
            [state.action.code for state in self.states], dtype=np.int8
        )
        self._chunks: dict[int, _Chunk] = {}
        self._last: _Chunk = _NO_CHUNK
        self._weekly = [
            (p, plan) for p, plan in enumerate(self._plans) if plan.kind in ("weekly", "easter")
        ]
        onces = [(p, plan.once) for p, plan in enumerate(self._plans) if plan.kind == "once"]
        self._once_start = np.array([once[0] for _, once in onces], np.int64)
        self._once_end = np.array([once[1] for _, once in onces], np.int64)
        self._once_priority = np.array([p for p, _ in onces], np.int64)
        self._yearly = _YearlyTable(
            [(p, plan) for p, plan in enumerate(self._plans) if plan.yearly]
        )
        # the state never changes when no event can show anything but the default's state
        self._constant = all(code == 0 for code in self._code_of)
        bounded = [plan.last_year for plan in self._plans]
        self._runs_forever = any(year is None for year in bounded)
        self._quiet_after = max(
            [year for year in bounded if year is not None]
            + [plan.first_year + 1 for plan in self._plans]
            + [FIRST_YEAR]
        )

    # -- compiling -----------------------------------------------------------------------

    def _chunk(self, year: int) -> _Chunk:
        chunk = self._chunks.get(year)
        if chunk is None:
            if not FIRST_YEAR <= year <= LAST_YEAR:
                raise ScheduleError(
                    f"year {year} is outside the years {FIRST_YEAR}–{LAST_YEAR} the engine "
                    "answers for",
                    field="instant",
                    value=year,
                )
            chunk = self._compile(year)
            self._chunks[year] = chunk
        return chunk

    def _compile(self, year: int) -> _Chunk:
        lo, hi = _year_start(year), _year_start(year + 1)
        wall_lo, wall_hi = lo - _MARGIN, hi + _MARGIN
        starts: list[Int64Array] = []
        ends: list[Int64Array] = []
        priorities: list[Int64Array] = []
        for priority, plan in self._weekly:
            if plan.first_year > year or (plan.last_year or LAST_YEAR) < year:
                continue
            s, e = _occurrences(plan, wall_lo, wall_hi)
            if s.size:
                starts.append(s)
                ends.append(e)
                priorities.append(np.full(s.size, priority, np.int64))
        if self._once_start.size:
            keep = (self._once_end > wall_lo) & (self._once_start < wall_hi)
            if keep.any():
                starts.append(self._once_start[keep])
                ends.append(self._once_end[keep])
                priorities.append(self._once_priority[keep])
        if self._yearly.size:
            s, e, p = self._yearly.occurrences(year, wall_lo, wall_hi)
            if s.size:
                starts.append(s)
                ends.append(e)
                priorities.append(p)
        default = len(self._plans)
        if not starts:
            return self._make_chunk(lo, hi, np.array([lo], np.int64), self._code_of[[default]])
        wall_start = np.concatenate(starts)
        wall_end = np.concatenate(ends)
        event_priority = np.concatenate(priorities)
        # wall-clock intervals -> UTC intervals, segment by segment of fixed offset
        los: list[Int64Array] = []
        his: list[Int64Array] = []
        pris: list[Int64Array] = []
        for a, b, offset in _segments(self.zone, year):
            low = np.maximum(wall_start - offset, a)
            high = np.minimum(wall_end - offset, b)
            keep = low < high
            los.append(low[keep])
            his.append(high[keep])
            pris.append(event_priority[keep])
        low = np.concatenate(los)
        high = np.concatenate(his)
        pri = np.concatenate(pris)
        if not low.size:
            return self._make_chunk(lo, hi, np.array([lo], np.int64), self._code_of[[default]])
        bounds = np.sort(np.concatenate(([lo, hi], low, high)))
        bounds = bounds[np.concatenate(([True], bounds[1:] != bounds[:-1]))]
        pieces = bounds.size - 1
        first = np.searchsorted(bounds, low)
        count = np.searchsorted(bounds, high) - first
        total = int(count.sum())
        offsets = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
        piece = np.repeat(first, count) + offsets
        best = np.full(pieces, default, np.int64)
        np.minimum.at(best, piece, np.repeat(pri, count))
        codes = self._code_of[best]
        keep_piece = np.empty(pieces, bool)
        keep_piece[0] = True
        np.not_equal(codes[1:], codes[:-1], out=keep_piece[1:])
        return self._make_chunk(lo, hi, bounds[:-1][keep_piece], codes[keep_piece])

    def _make_chunk(self, lo: int, hi: int, starts: Int64Array, codes: CodeArray) -> _Chunk:
        return _Chunk(
            lo=lo,
            hi=hi,
            starts=starts,
            codes=codes,
            starts_list=starts.astype(np.float64).tolist(),
            states_list=self._state_objects[codes].tolist(),
        )

    def _chunk_at(self, t: float) -> _Chunk:
        chunk = self._last
        if not chunk.lo <= t < chunk.hi:
            if not math.isfinite(t):
                raise ScheduleError(f"instant {t!r} is not a number", field="instant", value=t)
            chunk = self._chunk(_year_of(t))
            self._last = chunk
        return chunk

    def compile_years(self, first: int, last: int) -> None:
        """Compile every UTC year from ``first`` to ``last`` now (questions do it on demand).

        Args:
            first (int): First year.
            last (int): Last year (inclusive).

        Raises:
            ScheduleError: A year outside :data:`FIRST_YEAR` … :data:`LAST_YEAR`.
        """
        for year in range(first, last + 1):
            self._chunk(year)

    def year_changes(self, year: int) -> tuple[Int64Array, CodeArray]:
        """The compiled chunk of a UTC year.

        Args:
            year (int): The UTC calendar year.

        Returns:
            tuple[ndarray, ndarray]: Sorted instants (UTC epoch seconds; the first is
            the start of the year, every other one is a change) and the state code (index
            into :attr:`states`) from each instant on.

        Raises:
            ScheduleError: A year outside :data:`FIRST_YEAR` … :data:`LAST_YEAR`.
        """
        chunk = self._chunk(year)
        return chunk.starts, chunk.codes

    # -- questions -----------------------------------------------------------------------

    def state_at(self, instant: datetime | float) -> ScheduleState:
        """The state at an instant.

        Args:
            instant (datetime | float): Aware datetime in any zone, or UTC epoch seconds.

        Returns:
            ScheduleState: The state of the first event covering the instant, else the
            default event's.

        Raises:
            ScheduleError: A naive datetime, or an instant outside the supported years.
        """
        kind = type(instant)
        if kind is float or kind is int:
            t: float = instant  # type: ignore[assignment]
        elif kind is datetime and type(instant.tzinfo) in _FAST_ZONES:  # type: ignore[union-attr]
            t = instant.timestamp()  # type: ignore[union-attr]
        else:
            t = _epoch(instant)
        chunk = self._last
        if not chunk.lo <= t < chunk.hi:
            chunk = self._chunk_at(t)
        return chunk.states_list[bisect_right(chunk.starts_list, t) - 1]

    def _code_at(self, t: float) -> int:
        chunk = self._chunk_at(t)
        return int(chunk.codes[bisect_right(chunk.starts_list, t) - 1])

    def _changes_from(self, t: float) -> Iterator[tuple[int, int, int]]:
        """``(instant, previous code, code)`` of every change strictly after ``t``."""
        if self._constant:
            return
        year = _year_of(t)
        chunk = self._chunk(year)
        position = bisect_right(chunk.starts_list, t)
        current = int(chunk.codes[position - 1])
        horizon = max(year, self._quiet_after) + (_CYCLE_YEARS + 1 if self._runs_forever else 1)
        while True:
            codes = chunk.codes.tolist()
            for index in range(max(position, 1), len(codes)):
                yield int(chunk.starts_list[index]), current, codes[index]
                current = codes[index]
            year += 1
            if year > min(horizon, LAST_YEAR):
                return
            chunk = self._chunk(year)
            position = 1
            if int(chunk.codes[0]) != current:
                yield chunk.lo, current, int(chunk.codes[0])
                current = int(chunk.codes[0])

    def next_change(self, after: datetime | float) -> Change | None:
        """The first change strictly after an instant.

        A change is an instant where the state (action, forward target, instruction)
        differs from the state just before; event boundaries that keep the state are not
        changes.

        Args:
            after (datetime | float): Aware datetime or UTC epoch seconds.

        Returns:
            Change | None: The change, or ``None`` when the state never changes again (no
            event is in force after the last bounded one, or the schedule repeats for a
            whole 400-year calendar cycle without a change).

        Raises:
            ScheduleError: A naive datetime.
        """
        for at, previous, code in self._changes_from(_epoch(after, "after")):
            return self._change(at, previous, code)
        return None

    def changes(self, start: datetime | float, end: datetime | float) -> tuple[Change, ...]:
        """Every change at an instant ``t`` with ``start <= t < end``.

        Args:
            start (datetime | float): Aware datetime or UTC epoch seconds.
            end (datetime | float): Same.

        Returns:
            tuple[Change, ...]: In time order; empty when ``end <= start``.

        Raises:
            ScheduleError: A naive datetime.
        """
        t0 = _epoch(start, "start")
        t1 = _epoch(end, "end")
        found: list[Change] = []
        if t1 <= t0:
            return ()
        for at, previous, code in self._changes_from(math.ceil(t0) - 1):
            if at >= t1:
                break
            if at >= t0:
                found.append(self._change(at, previous, code))
        return tuple(found)

    def _change(self, at: int, previous: int, code: int) -> Change:
        return Change(
            at=datetime.fromtimestamp(at, self.zone),
            state=self.states[code],
            previous=self.states[previous],
        )

    def states_at(self, instants: npt.ArrayLike) -> CodeArray:
        """State codes at many instants, vectorised.

        Args:
            instants (ArrayLike): UTC epoch seconds (int or float) or ``datetime64`` values
                (numpy's are zone-less; they are taken as UTC).

        Returns:
            ndarray: int16 codes, indexes into :attr:`states`, same shape as the input.

        Raises:
            ScheduleError: An instant outside the supported years, or not a number.
        """
        t = _as_epoch_array(instants)
        flat = t.ravel()
        out = np.empty(flat.shape, np.int16)
        if not flat.size:
            return out.reshape(t.shape)
        years = np.searchsorted(_YEAR_STARTS_ARRAY, flat, side="right") - 1 + FIRST_YEAR
        low, high = int(years.min()), int(years.max())
        if low < FIRST_YEAR or high > LAST_YEAR:
            raise ScheduleError(
                f"instants outside the years {FIRST_YEAR}–{LAST_YEAR} the engine answers for",
                field="instants",
            )
        if low == high:
            chunk = self._chunk(low)
            out[:] = chunk.codes[np.searchsorted(chunk.starts, flat, side="right") - 1]
        else:
            for year in np.unique(years).tolist():
                chunk = self._chunk(year)
                mask = years == year
                out[mask] = chunk.codes[np.searchsorted(chunk.starts, flat[mask], side="right") - 1]
        return out.reshape(t.shape)

    @property
    def action_codes(self) -> np.ndarray[Any, np.dtype[np.int8]]:
        """Action code (:attr:`Action.code`) of each state code: ``action_codes[codes]``."""
        return self._action_of

    def actions_at(self, instants: npt.ArrayLike) -> np.ndarray[Any, np.dtype[np.int8]]:
        """Action codes (:attr:`Action.code`) at many instants, vectorised.

        Args:
            instants (ArrayLike): As for :meth:`states_at`.

        Returns:
            ndarray: int8 action codes, same shape as the input.
        """
        return self._action_of[self.states_at(instants)]

    def states_on_grid(
        self, start: datetime | float, step: timedelta | float, count: int
    ) -> CodeArray:
        """State codes on a regular grid ``start + k * step``, ``k`` in ``0 … count-1``.

        Faster than :meth:`states_at` for long grids: one division per change instead of
        one search per grid point.

        Args:
            start (datetime | float): First instant, aware datetime or UTC epoch seconds.
            step (timedelta | float): Grid step (positive), a timedelta or seconds.
            count (int): Number of grid points.

        Returns:
            ndarray: int16 codes into :attr:`states`, length ``count``.

        Raises:
            ScheduleError: A non-positive step, a naive start, or instants outside the
                supported years.
        """
        t0 = _epoch(start, "start")
        seconds = step.total_seconds() if isinstance(step, timedelta) else float(step)
        if not seconds > 0:
            raise ScheduleError(f"step must be positive, got {step!r}", field="step", value=step)
        if count <= 0:
            return np.zeros(0, np.int16)
        t_last = t0 + (count - 1) * seconds
        years = range(_year_of(t0), _year_of(t_last) + 1)
        chunks = [self._chunk(year) for year in years]
        starts = np.concatenate([chunk.starts for chunk in chunks])
        codes = np.concatenate([chunk.codes for chunk in chunks])
        return np.repeat(codes, _grid_repeats(starts, t0, seconds, count))

    def actions_on_grid(
        self, start: datetime | float, step: timedelta | float, count: int
    ) -> np.ndarray[Any, np.dtype[np.int8]]:
        """Action codes (:attr:`Action.code`) on a regular grid, like :meth:`states_on_grid`.

        Args:
            start (datetime | float): First instant, aware datetime or UTC epoch seconds.
            step (timedelta | float): Grid step (positive), a timedelta or seconds.
            count (int): Number of grid points.

        Returns:
            ndarray: int8 action codes, length ``count``.

        Raises:
            ScheduleError: As :meth:`states_on_grid`.
        """
        t0 = _epoch(start, "start")
        seconds = step.total_seconds() if isinstance(step, timedelta) else float(step)
        if not seconds > 0:
            raise ScheduleError(f"step must be positive, got {step!r}", field="step", value=step)
        if count <= 0:
            return np.zeros(0, np.int8)
        years = range(_year_of(t0), _year_of(t0 + (count - 1) * seconds) + 1)
        chunks = [self._chunk(year) for year in years]
        starts = np.concatenate([chunk.starts for chunk in chunks])
        actions = self._action_of[np.concatenate([chunk.codes for chunk in chunks])]
        result: np.ndarray[Any, np.dtype[np.int8]] = np.repeat(
            actions, _grid_repeats(starts, t0, seconds, count)
        )
        return result


def _grid_repeats(
    starts: Int64Array, t0: float, seconds: float, count: int
) -> np.ndarray[Any, np.dtype[np.int64]]:
    first_index = np.clip(np.ceil((starts - t0) / seconds), 0, count).astype(np.int64)
    repeats: np.ndarray[Any, np.dtype[np.int64]] = np.diff(np.append(first_index, count))
    return repeats


def _as_epoch_array(instants: npt.ArrayLike) -> np.ndarray[Any, np.dtype[np.float64]]:
    array = np.asarray(instants)
    if np.issubdtype(array.dtype, np.datetime64):
        micro = array.astype("datetime64[us]").astype(np.int64)
        return micro.astype(np.float64) / 1e6
    if array.dtype == object or not np.issubdtype(array.dtype, np.number):
        raise ScheduleError(
            "instants must be UTC epoch seconds or numpy datetime64 values",
            field="instants",
            value=str(array.dtype),
        )
    result = array.astype(np.float64)
    if not np.isfinite(result).all():
        raise ScheduleError("instants must be finite numbers", field="instants")
    return result


# -- fleets ------------------------------------------------------------------------------


class ScheduleFleet:
    """Many schedules asked about one instant at once (the portal's status list).

    Per UTC year the fleet stacks every schedule's chunk into one sorted key array
    (``schedule index << 26 | seconds into the year``), so the states of all schedules at
    one instant are a single :func:`numpy.searchsorted`.

    Args:
        schedules (Sequence[Schedule]): The schedules, in the order answers are wanted.
        zone (str | ZoneInfo | None): The organisation's time zone, for schedules without
            one of their own.

    Raises:
        ScheduleError: A schedule without a zone when no zone is given.
    """

    def __init__(self, schedules: Sequence[Schedule], zone: str | ZoneInfo | None = None) -> None:
        self.schedules = tuple(schedules)
        self.zone = None if zone is None else zone_of(zone)
        self.engines = tuple(schedule.compiled(self.zone) for schedule in self.schedules)
        table: dict[ScheduleState, int] = {}
        self._maps: list[np.ndarray[Any, np.dtype[np.int32]]] = []
        for engine in self.engines:
            self._maps.append(
                np.array([table.setdefault(s, len(table)) for s in engine.states], np.int32)
            )
        self.states: tuple[ScheduleState, ...] = tuple(table)
        objects = np.empty(len(self.states), dtype=object)
        objects[:] = self.states
        self._objects = objects
        self._action_of: np.ndarray[Any, np.dtype[np.int8]] = np.array(
            [s.action.code for s in self.states], np.int8
        )
        self._years: dict[int, tuple[Int64Array, np.ndarray[Any, np.dtype[np.int32]]]] = {}
        self._days: dict[int, tuple[Int64Array, np.ndarray[Any, np.dtype[np.int32]]]] = {}
        self._base = np.arange(len(self.schedules), dtype=np.int64) << 26

    def _year(self, year: int) -> tuple[Int64Array, np.ndarray[Any, np.dtype[np.int32]]]:
        stacked = self._years.get(year)
        if stacked is None:
            lo = _year_start(year)
            keys = []
            codes = []
            for index, engine in enumerate(self.engines):
                chunk = engine._chunk(year)
                keys.append((chunk.starts - lo) | (index << 26))
                codes.append(self._maps[index][chunk.codes])
            if keys:
                stacked = (np.concatenate(keys), np.concatenate(codes))
            else:
                stacked = (np.zeros(0, np.int64), np.zeros(0, np.int32))
            self._years[year] = stacked
        return stacked

    def _day(self, day: int) -> tuple[Int64Array, np.ndarray[Any, np.dtype[np.int32]]]:
        """The stacked index of one UTC day (epoch day): each schedule's state at midnight
        UTC and its changes during the day; small enough to stay in the CPU's cache."""
        stacked = self._days.get(day)
        if stacked is None:
            t = day * _DAY
            year = _year_of(t)
            keys, codes = self._year(year)
            d0 = t - _year_start(year)
            at_midnight = self._base | d0
            first = np.searchsorted(keys, at_midnight, side="right") - 1
            seconds = keys & _SECONDS_MASK
            inside = np.flatnonzero((seconds > d0) & (seconds < d0 + _DAY))
            day_keys = np.concatenate((at_midnight, keys[inside]))
            order = np.argsort(day_keys, kind="stable")
            stacked = (day_keys[order], np.concatenate((codes[first], codes[inside]))[order])
            if len(self._days) >= _DAYS_KEPT:
                del self._days[next(iter(self._days))]
            self._days[day] = stacked
        return stacked

    def compile(self, year: int) -> None:
        """Compile every schedule for a UTC year and stack them (questions do it on demand).

        Args:
            year (int): The UTC calendar year.
        """
        self._year(year)

    def codes_at(self, instant: datetime | float) -> np.ndarray[Any, np.dtype[np.int32]]:
        """Every schedule's state code (index into :attr:`states`) at one instant.

        Args:
            instant (datetime | float): Aware datetime or UTC epoch seconds.

        Returns:
            ndarray: int32 codes, one per schedule in order.

        Raises:
            ScheduleError: A naive datetime.
        """
        t = math.floor(_epoch(instant))
        year = _year_of(t)
        keys, codes = self._day(t // _DAY)
        query = self._base | (t - _year_start(year))
        found: np.ndarray[Any, np.dtype[np.int32]] = codes[
            np.searchsorted(keys, query, side="right") - 1
        ]
        return found

    def actions_at(self, instant: datetime | float) -> np.ndarray[Any, np.dtype[np.int8]]:
        """Every schedule's action code (:attr:`Action.code`) at one instant.

        Args:
            instant (datetime | float): Aware datetime or UTC epoch seconds.

        Returns:
            ndarray: int8 action codes, one per schedule in order.
        """
        actions: np.ndarray[Any, np.dtype[np.int8]] = self._action_of[self.codes_at(instant)]
        return actions

    def states_at(self, instant: datetime | float) -> tuple[ScheduleState, ...]:
        """Every schedule's state at one instant.

        Args:
            instant (datetime | float): Aware datetime or UTC epoch seconds.

        Returns:
            tuple[ScheduleState, ...]: One per schedule in order.
        """
        return tuple(self._objects[self.codes_at(instant)].tolist())


_SECONDS_MASK: Final = (1 << 26) - 1
_DAYS_KEPT: Final = 8

_FLEETS: list[ScheduleFleet] = []  # most recently built first
_FLEET_CACHE_SIZE: Final = 4


def states_at_instant(
    schedules: Iterable[Schedule] | ScheduleFleet,
    instant: datetime | float,
    zone: str | ZoneInfo | None = None,
) -> tuple[ScheduleState, ...]:
    """Every schedule's state at one instant, in one call.

    The stacked index is kept for the last few fleets (found again by the identity of
    their schedules, which it keeps alive), so asking again about the same schedules costs
    one search; a :class:`ScheduleFleet` can be passed instead to manage that yourself.

    Args:
        schedules (Iterable[Schedule] | ScheduleFleet): The schedules (or a prepared fleet).
        instant (datetime | float): Aware datetime in any zone, or UTC epoch seconds.
        zone (str | ZoneInfo | None): The organisation's time zone, for schedules without
            their own.

    Returns:
        tuple[ScheduleState, ...]: One state per schedule, in order.

    Raises:
        ScheduleError: A naive datetime, or a schedule without a zone and no zone given.
    """
    if isinstance(schedules, ScheduleFleet):
        return schedules.states_at(instant)
    listed = tuple(schedules)
    zone_key = None if zone is None else zone_of(zone).key
    for fleet in _FLEETS:
        if (
            len(fleet.schedules) == len(listed)
            and (fleet.zone.key if fleet.zone else None) == zone_key
            and all(map(operator.is_, listed, fleet.schedules))
        ):
            return fleet.states_at(instant)
    fleet = ScheduleFleet(listed, zone)
    _FLEETS.insert(0, fleet)
    del _FLEETS[_FLEET_CACHE_SIZE:]
    return fleet.states_at(instant)
