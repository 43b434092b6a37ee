"""The compiled schedule engine: change instants per UTC year, and binary searches.

How schedules are compiled for one UTC calendar year ``Y`` (a *chunk*), one or many at a
time through the same array operations (:class:`_Events`):

1. Every event generates its occurrences as wall-clock intervals ``[start, end)``, in
   *wall seconds* (seconds since 1970-01-01 00:00 of wall-clock time), for the years that
   can reach the chunk. Recurrence bounds were reduced beforehand to a range of allowed
   start days (``after N`` becomes the date of the N-th generated occurrence).
2. The zone's UTC offset is piecewise constant: periods ``[a, b)`` with offset ``o``.
   Over a period the state at instant ``t`` is the state at wall time ``t + o``, so the
   UTC chunk is, period by period, the wall-clock time line inside ``[a + o, b + o)``
   moved by ``-o``. This single rule gives the contract's DST behaviour: a skipped wall
   time matches no instant, a repeated one matches one instant per pass.
3. Each elementary piece of the time line takes the state of the highest-priority event
   covering it (``minimum.at`` over event positions), else the default's (code 0).
   Weekly events in force the whole chunk are painted for one week only, which is
   repeated over every period (a broadcast, no sort; :meth:`_Events._weeks`); the
   other occurrences are read in UTC period by period and painted over it
   (:func:`_overlay`). Neighbouring pieces with the same state are merged.

A chunk is a sorted array of instants (seconds into the year, int32; the first is 0, the
others are genuine changes) with the state code (int16) from each instant on. Scalar
questions look up the instant's day in Python tables built for a year when it is first
asked about one instant of that kind (see :class:`_Days`), then bisect that day's few
changes; array questions use :func:`numpy.searchsorted`.
"""

from __future__ import annotations

import itertools
import math
import operator
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Final, NamedTuple
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
# epoch day of 1 January, two years beyond the answered years on each side: an occurrence
# generated in a neighbouring year can reach into the first or the last one
_JAN1_FROM: Final = FIRST_YEAR - 2
_JAN1_DAYS: Final = np.array(
    [date(year, 1, 1).toordinal() - _EPOCH_ORDINAL for year in range(_JAN1_FROM, LAST_YEAR + 3)],
    dtype=np.int64,
)
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


class _Plan(NamedTuple):
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


_CUMULATIVE_DAYS: Final = (
    np.array([0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334], np.int64),
    np.array([0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335], np.int64),
)
_NEVER_BEFORE: Final = -(10**9)  # epoch days standing for "no first date" / "no end"
_NEVER_AFTER: Final = 10**9
_SHIFT: Final = 25  # keys are ``schedule << 25 | seconds``: a year plus margins is < 2**25
_LOW_BITS: Final = (1 << _SHIFT) - 1
_UNCOVERED: Final = np.iinfo(np.int64).max


def _is_leap(years: Int64Array) -> np.ndarray[Any, np.dtype[np.bool_]]:
    leap: np.ndarray[Any, np.dtype[np.bool_]] = (years % 4 == 0) & (
        (years % 100 != 0) | (years % 400 == 0)
    )
    return leap


def _day_numbers(years: Int64Array, month: Int64Array, day: Int64Array) -> Int64Array:
    jan1 = _JAN1_DAYS[years - _JAN1_FROM]
    leap = _is_leap(years)
    before = np.where(leap, _CUMULATIVE_DAYS[1][month - 1], _CUMULATIVE_DAYS[0][month - 1])
    result: Int64Array = jan1 + before + day - 1
    return result


def _ranges(first: Int64Array, count: Int64Array) -> tuple[Int64Array, Int64Array]:
    """``first[i] + 0 … count[i]-1`` for every ``i``, concatenated, and each one's rank."""
    total = int(count.sum())
    rank: Int64Array = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
    return np.repeat(first, count) + rank, rank


@attrs.frozen
class _Compiled:
    """Several engines' compiled UTC year.

    Engine ``i``'s changes are ``seconds[offsets[i]:offsets[i + 1]]`` (seconds since the
    start of the year, the first one 0) with the state code from each on. ``days[i, j]``
    is the position of engine ``i``'s first change after midnight of day ``j`` of the
    year (so its state at that midnight is the one at the position before).
    """

    seconds: np.ndarray[Any, np.dtype[np.int32]]
    codes: CodeArray
    offsets: Int64Array
    days: np.ndarray[Any, np.dtype[np.int32]]


def _weekly(rows: Int64Array, d0: int, d1: int, bounded: bool = True) -> tuple[Int64Array, ...]:
    """The occurrences ``(schedule, priority, start, end)`` (wall seconds) of weekly rows
    (see :class:`_Events`) starting on the epoch days ``d0 … d1``; without ``bounded`` the
    rows' first and last days are not applied."""
    sched, prio, first, last, mask, start, duration = rows.T
    days = np.arange(d0, d1 + 1, dtype=np.int64)
    bits = np.left_shift(1, (days + 3) % 7)  # 1970-01-01 was a Thursday
    on = (mask[:, None] & bits[None, :]) != 0
    if bounded:
        limited = np.flatnonzero((first > d0) | (last < d1))
        if limited.size:
            on[limited] &= (days >= first[limited, None]) & (days <= last[limited, None])
    plan, day = np.nonzero(on)
    begin = days[day] * _DAY + start[plan]
    return sched[plan], prio[plan], begin, begin + duration[plan]


def _paint(
    default: Int64Array,
    sched: Int64Array,
    prio: Int64Array,
    start: Int64Array,
    end: Int64Array,
) -> tuple[Int64Array, Int64Array]:
    """Paint occurrences on empty time lines, one per schedule, from offset 0 on.

    ``start`` and ``end`` are offsets (>= 0) into the time lines. Returns the sorted keys
    ``schedule << _SHIFT | offset`` where a piece starts (offset 0 for every schedule) and
    each piece's priority: the lowest of the occurrences covering it, else the schedule's
    ``default`` (its number of events, which maps to its default's state).
    """
    keep = start < end
    shifted, prio = sched[keep] << _SHIFT, prio[keep]
    key_start, key_end = shifted | start[keep], shifted | end[keep]
    bounds = np.concatenate((np.arange(default.size, dtype=np.int64) << _SHIFT, key_start, key_end))
    bounds.sort()
    bounds = bounds[np.concatenate(([True], bounds[1:] != bounds[:-1]))]
    first = np.searchsorted(bounds, key_start)
    count = np.searchsorted(bounds, key_end) - first
    pieces, _ = _ranges(first, count)
    best = default[bounds >> _SHIFT]
    np.minimum.at(best, pieces, np.repeat(prio, count))
    return bounds, best


def _overlay(
    keys: Int64Array, best: Int64Array, occurrences: tuple[Int64Array, ...], span: int
) -> tuple[Int64Array, Int64Array]:
    """Paint occurrences over painted time lines (``keys`` and ``best`` as :func:`_paint`
    returns them): few occurrences over many pieces, so their bounds are inserted rather
    than everything sorted again. ``occurrences`` are ``(schedule, priority, start,
    end)`` columns, offsets as for :func:`_paint`, at most ``span`` (the time lines' end,
    where no piece starts)."""
    sched, prio, start, end = occurrences
    keep = start < end
    shifted, prio = sched[keep] << _SHIFT, prio[keep]
    key_start, key_end = shifted | start[keep], shifted | end[keep]
    new = np.concatenate((key_start, key_end))
    new = new[(new & _LOW_BITS) < span]
    at = np.searchsorted(keys, new)
    new = new[keys[np.minimum(at, keys.size - 1)] != new]  # not a bound yet
    new.sort()
    if new.size:
        new = new[np.concatenate(([True], new[1:] != new[:-1]))]
    at = np.searchsorted(keys, new)
    # a new bound splits the piece it falls in (every time line has a key at offset 0):
    # the merged arrays, the new bounds at their places and the old ones around them
    places = at + np.arange(new.size)
    old = np.ones(keys.size + new.size, bool)
    old[places] = False
    merged = np.empty(old.size, np.int64)
    merged[old] = keys
    merged[places] = new
    painted = np.empty(old.size, np.int64)
    painted[old] = best
    painted[places] = best[at - 1]
    keys, best = merged, painted
    first = np.searchsorted(keys, key_start)
    count = np.searchsorted(keys, key_end) - first
    pieces, _ = _ranges(first, count)
    np.minimum.at(best, pieces, np.repeat(prio, count))
    return keys, best


_WEEK: Final = 7 * _DAY
_NOWHERE: Final = 1 << 40  # an offset after every time line's end
_ROW_WIDTHS: Final = (
    6,
    3,
    10,
    6,
)  # numbers per event row: weekly, once, yearly, easter


def _origin_day(year: int) -> int:
    """The epoch day whose midnight starts the repeated weeks of a year (any day would
    do; this one is before every wall time that can fall in the year)."""
    return (_year_start(year) - _MARGIN) // _DAY - 1


class _ZoneYear(NamedTuple):
    """A zone's periods of fixed offset in a UTC year, ready for the compiler.

    ``periods``: ``(a, b, o)`` rows, UTC epoch seconds. ``slots``: for every week that a
    period needs (in time order), ``low`` and ``high`` (the period's bounds, relative to
    that week's start in wall-clock time) and ``shift`` (that week's start as seconds into
    the UTC year): a piece of the repeated week starting at offset ``p`` meets the slot
    when ``p < high`` and its end ``> low``, and starts at ``shift + max(p, low)``.
    """

    periods: Int64Array
    slots: tuple[Int64Array, Int64Array, Int64Array]


_ZONE_YEARS: dict[tuple[str, int], _ZoneYear] = {}


def _zone_year(zone: ZoneInfo, year: int) -> _ZoneYear:
    key = (zone.key, year)
    found = _ZONE_YEARS.get(key)
    if found is None:
        lo = _year_start(year)
        origin = _origin_day(year) * _DAY
        periods = np.array(_segments(zone, year), np.int64)
        a, b, o = periods.T
        first = (a + o - origin) // _WEEK
        weeks = np.maximum((b - 1 + o - origin) // _WEEK - first + 1, 0)
        which = np.repeat(np.arange(len(periods)), weeks)
        week = first[which] + np.arange(which.size) - np.repeat(np.cumsum(weeks) - weeks, weeks)
        start = origin + week * _WEEK - o[which]  # UTC epoch seconds of the week's start
        slots = (a[which] - start, b[which] - start, start - lo)
        found = _ZONE_YEARS[key] = _ZoneYear(periods, slots)
    return found


class _Events:
    """The events of several engines as numpy columns, compiled together per UTC year.

    Compiling one schedule and compiling ten thousand run the same few array operations;
    only their length changes (this is what makes a fleet cheap to compile).
    """

    def __init__(self, engines: Sequence[CompiledSchedule]) -> None:
        self.size = len(engines)
        zones: dict[str, tuple[ZoneInfo, list[int]]] = {}
        for index, engine in enumerate(engines):
            zones.setdefault(engine.zone.key, (engine.zone, []))[1].append(index)
        self.zones = [(zone, np.array(members, np.int64)) for zone, members in zones.values()]
        numbers = range(self.size)
        tables = []
        for kind, width in enumerate(_ROW_WIDTHS):
            blobs = [engine._rows[kind] for engine in engines]
            rows = np.frombuffer(b"".join(blobs), np.int64).reshape(-1, width)
            table = np.empty((len(rows), width + 1), np.int64)
            table[:, 0] = np.repeat(numbers, [len(blob) // (8 * width) for blob in blobs])
            table[:, 1:] = rows
            tables.append(table)
        self.weekly, self.once, self.yearly, self.easter = tables
        sizes = [len(engine._code_of) for engine in engines]
        self.codes = np.concatenate([engine._code_of for engine in engines]).astype(np.int64)
        self.code_start = np.cumsum(sizes, dtype=np.int64) - sizes
        codes = self.codes
        # priorities are made group-wide (a schedule's own plus the start of its codes):
        # the order within a schedule is kept and self.codes[priority] is the state code;
        # a schedule's default is one past its events (its codes end with 0)
        for table in (self.weekly, self.once, self.yearly, self.easter):
            table[:, 1] += self.code_start[table[:, 0]]
        self.default = np.append(self.code_start[1:], len(codes)) - 1
        self.zones = [(zone, np.array(members, np.int64)) for zone, members in zones.values()]

    def _yearly(self, year: int, wall_lo: int, wall_hi: int) -> tuple[Int64Array, ...]:
        sched, prio, month, day, seconds, end_month, end_day, end_seconds, into_next = self.yearly[
            :, :9
        ].T
        first_day, last_day = self.yearly[:, 9], self.yearly[:, 10]
        years = np.arange(year - 2, year + 2, dtype=np.int64)[:, None]
        start_day = _day_numbers(years, month, day)
        end_years = years + into_next
        start = start_day * _DAY + seconds
        end = _day_numbers(end_years, end_month, end_day) * _DAY + end_seconds
        keep = (
            ((month != 2) | (day != 29) | _is_leap(years))
            & (start_day >= first_day)
            & (start_day <= last_day)
            & (end > wall_lo)
            & (start < wall_hi)
        )
        shape = keep.shape
        return (
            np.broadcast_to(sched, shape)[keep],
            np.broadcast_to(prio, shape)[keep],
            start[keep],
            end[keep],
        )

    def _easter(self, year: int, wall_lo: int, wall_hi: int) -> tuple[Int64Array, ...]:
        sched, prio, first, last, offset, seconds, duration = self.easter.T
        years = range(year - 1, year + 2)
        sundays = np.array(
            [easter_sunday(y).toordinal() - _EPOCH_ORDINAL for y in years], np.int64
        )[:, None]
        day = sundays + offset
        start = day * _DAY + seconds
        end = start + duration
        keep = (day >= first) & (day <= last) & (end > wall_lo) & (start < wall_hi)
        shape = keep.shape
        return (
            np.broadcast_to(sched, shape)[keep],
            np.broadcast_to(prio, shape)[keep],
            start[keep],
            end[keep],
        )

    def _periods(self, year: int) -> Int64Array:
        """Each schedule's periods of fixed UTC offset in the year: ``(a, b, o)`` rows, UTC
        epoch seconds, shape (schedules, periods, 3); zones with fewer periods are padded
        with empty ones at the year's end."""
        if len(self.zones) == 1:
            table = _zone_year(self.zones[0][0], year).periods
            return np.broadcast_to(table, (self.size, *table.shape))
        found = [(members, _zone_year(zone, year).periods) for zone, members in self.zones]
        most = max(len(table) for _, table in found)
        end = _year_start(year + 1)
        periods = np.empty((self.size, most, 3), np.int64)
        periods[:] = (end, end, 0)
        for members, table in found:
            periods[members, : len(table)] = table
        return periods

    def _slots(self, year: int) -> tuple[Int64Array, Int64Array, Int64Array]:
        """Each schedule's ``(low, high, shift)`` rows of :attr:`_ZoneYear.slots`, padded
        with slots that keep nothing; shape (schedules, slots)."""
        if len(self.zones) == 1:
            low, high, shift = _zone_year(self.zones[0][0], year).slots
            shape = (self.size, low.size)
            return tuple(np.broadcast_to(column, shape) for column in (low, high, shift))  # type: ignore[return-value]
        found = [(members, _zone_year(zone, year).slots) for zone, members in self.zones]
        most = max(slots[0].size for _, slots in found)
        low, high, shift = (np.zeros((self.size, most), np.int64) for _ in range(3))
        for members, (zone_low, zone_high, zone_shift) in found:
            low[members, : zone_low.size] = zone_low
            high[members, : zone_low.size] = zone_high
            shift[members, : zone_low.size] = zone_shift
        return low, high, shift

    def _weeks(self, rows: Int64Array, year: int) -> tuple[Int64Array, Int64Array]:
        """Every schedule's UTC time line over the year painted with weekly ``rows`` that
        are in force all year: one week is painted in wall-clock time (from midnight of an
        origin day, with the occurrences of the day before reaching into it) and repeated
        over each period of fixed offset ``o``, moved by ``-o``.

        Returns keys ``schedule << _SHIFT | seconds into the year`` where a piece starts
        (0 for every schedule) and each piece's priority (see :func:`_paint`).
        """
        d0 = _origin_day(year)
        origin = d0 * _DAY
        sched, prio, start, end = _weekly(rows, d0 - 1, d0 + 6, bounded=False)
        keys, best = _paint(
            self.default,
            sched,
            prio,
            np.clip(start - origin, 0, _WEEK),
            np.clip(end - origin, 0, _WEEK),
        )
        inside = (keys & _LOW_BITS) < _WEEK
        keys, best = keys[inside], best[inside]
        owner = keys >> _SHIFT
        # the week's pieces in a (schedule, piece) grid padded to the longest week, with
        # where each piece ends (the next one's start, or the week's end)
        count = np.bincount(owner, minlength=self.size)
        local = np.arange(keys.size, dtype=np.int64) - (np.cumsum(count) - count)[owner]
        width = int(count.max())
        offset = keys & _LOW_BITS
        starts = np.full((self.size, width), _NOWHERE, np.int64)  # padding: never kept
        starts[owner, local] = offset
        ends = np.full((self.size, width), _WEEK, np.int64)
        later = local > 0
        ends[owner[later], local[later] - 1] = offset[later]
        prios = np.zeros((self.size, width), np.int64)
        prios[owner, local] = best
        # (schedule, slot, piece): in time order; a piece is kept when it meets its
        # period, and the one holding the period's start starts there
        low, high, shift = (column[:, :, None] for column in self._slots(year))
        keep = starts[:, None, :] < high
        keep &= ends[:, None, :] > low
        keyed = np.maximum(starts[:, None, :], low)
        keyed += shift + (np.arange(self.size, dtype=np.int64) << _SHIFT)[:, None, None]
        return keyed[keep], np.broadcast_to(prios[:, None, :], keep.shape)[keep]

    def compile(self, year: int, *, repeat_weeks: bool = True) -> _Compiled:
        """Every engine's changes in UTC year ``year`` (see :class:`_Compiled`).

        ``repeat_weeks=False`` paints every occurrence of the weekly events one by one
        instead of repeating a painted week (the plain way, for tests).
        """
        lo, hi = _year_start(year), _year_start(year + 1)
        wall_lo, wall_hi = lo - _MARGIN, hi + _MARGIN
        # 1. the weekly events in force the whole year: one painted week, repeated over
        #    each period of fixed UTC offset [a, b) moved by -o (over it the state at
        #    instant t is the state at wall time t + o)
        d0, d1 = wall_lo // _DAY - 1, wall_hi // _DAY
        weekly = self.weekly
        periodic = (weekly[:, 2] <= d0) & (weekly[:, 3] >= d1) & repeat_weeks
        keys, best = self._weeks(weekly[periodic], year)
        # 2. the other occurrences, wall-clock intervals, read in UTC period by period
        #    and painted over it: each piece takes the highest-priority (lowest) event
        parts: list[tuple[Int64Array, ...]] = []
        if not periodic.all():
            parts.append(_weekly(weekly[~periodic], d0, d1))
        if len(self.once):
            sched, prio, start, end = self.once.T
            keep = (end > wall_lo) & (start < wall_hi)
            parts.append((sched[keep], prio[keep], start[keep], end[keep]))
        if len(self.yearly):
            parts.append(self._yearly(year, wall_lo, wall_hi))
        if len(self.easter):
            parts.append(self._easter(year, wall_lo, wall_hi))
        if parts:
            sched, prio, start, end = (
                np.concatenate(column) for column in zip(*parts, strict=True)
            )
            a, b, o = np.moveaxis(self._periods(year)[sched], 2, 0)
            begin = np.maximum(start[:, None], a + o) - o - lo
            finish = np.minimum(end[:, None], b + o) - o - lo
            meets = begin < finish
            owner = np.broadcast_to(sched[:, None], meets.shape)[meets]
            rank = np.broadcast_to(prio[:, None], meets.shape)[meets]
            occurrences = (owner, rank, begin[meets], finish[meets])
            keys, best = _overlay(keys, best, occurrences, hi - lo)
        # 3. states, neighbouring pieces with the same state merged, and the day index
        owner = keys >> _SHIFT
        codes = self.codes[best]
        change = np.empty(keys.size, bool)
        change[0] = True
        np.not_equal(codes[1:], codes[:-1], out=change[1:])
        change[1:] |= owner[1:] != owner[:-1]
        owner = owner[change]
        seconds = keys[change] & _LOW_BITS
        offsets = np.searchsorted(owner, np.arange(self.size + 1, dtype=np.int64))
        width = (hi - lo) // _DAY + 1
        day = (seconds + (_DAY - 1)) // _DAY  # a change in (midnight d-1, midnight d]
        counts = np.bincount(owner * width + day, minlength=self.size * width)
        days = np.cumsum(counts.reshape(self.size, width), axis=1)
        days += offsets[:-1, None]
        return _Compiled(
            seconds.astype(np.int32),
            codes[change].astype(np.int16),
            offsets,
            days.astype(np.int32),
        )


# -- compiled chunks ---------------------------------------------------------------------


class _Days:
    """The lookup of epoch seconds in one year, one small table per day.

    ``days[d]`` is ``(bounds, values)`` for epoch day ``first + d``: the answer for ``t``
    is ``values[bisect_right(bounds, t)]`` (a day holds its few changes, so that is a few
    comparisons); ``lo <= t < hi`` is the year. (Datetimes use a dict from their date's
    ordinal to such a table instead, see :data:`_DayTables`.)
    """

    __slots__ = ("count", "days", "first", "hi", "lo")

    def __init__(
        self,
        first: int,
        days: list[tuple[tuple[Any, ...], tuple[ScheduleState | None, ...]]],
        lo: float = math.inf,
        hi: float = -math.inf,
    ) -> None:
        self.first = first
        self.days = days
        self.count = len(days)
        self.lo = lo
        self.hi = hi


_PER_DAY: Final = 1 / _DAY  # (a multiplication is quicker than //; see _day_table)
_NO_DAYS: Final = _Days(0, [])  # nothing yet: every question takes the long way
_DayTables = dict[int, tuple[tuple[datetime, ...], tuple[ScheduleState | None, ...]]]
"""A date's ordinal -> ``(bounds, values)`` for the datetimes of that day (UTC or wall
clock): the answer for ``x`` is ``values[bisect_right(bounds, x)]``, ``None`` where the
table cannot tell (for wall-clock times an hour a clock change repeats or skips, or whose
offset is another year's); days outside the year are missing."""


def _day_table(
    bounds: Int64Array,
    values: list[ScheduleState | None],
    objects: list[Any],
    midnights: list[Any] | None = None,
) -> list[tuple[tuple[Any, ...], tuple[ScheduleState | None, ...]]]:
    """Cut a sorted lookup into days (see :class:`_Days`).

    ``bounds`` are seconds (epoch or wall) with ``values[i]`` holding on
    ``[bounds[i-1], bounds[i])`` (``values`` is one longer); ``objects`` are the bounds as
    the objects questions are compared with. With ``midnights`` (those objects for every
    midnight, one more than the days), each day also starts with its midnight and the
    state just before it, and ends with the next midnight and the state from it on: a
    question landing on a neighbouring day by a rounding error is still answered right.
    """
    first = int(bounds[0]) // _DAY
    last = (int(bounds[-1]) - 1) // _DAY
    starts = np.arange(first, last + 1, dtype=np.int64) * _DAY
    inner = np.searchsorted(bounds, starts, side="right").tolist()
    ends = np.searchsorted(bounds, starts + _DAY, side="left").tolist()
    table: list[tuple[tuple[Any, ...], tuple[ScheduleState | None, ...]]] = []
    if midnights is None:
        constant: dict[int, tuple[tuple[Any, ...], tuple[ScheduleState | None, ...]]] = {}
        for i, j in zip(inner, ends, strict=True):
            if i == j:  # no change that day: share one table per state
                value = values[i]
                table.append(constant.setdefault(id(value), ((), (value,))))
            else:
                table.append((tuple(objects[i:j]), tuple(values[i : j + 1])))
        return table
    before = np.searchsorted(bounds, starts, side="left").tolist()
    after = np.searchsorted(bounds, starts + _DAY, side="right").tolist()
    for day, (h, i, j, k) in enumerate(zip(before, inner, ends, after, strict=True)):
        table.append(
            (
                (midnights[day], *objects[i:j], midnights[day + 1]),
                (values[h], *values[i : j + 1], values[k]),
            )
        )
    return table


class _Chunk:
    """One UTC year of one schedule: change instants (seconds into the year; the first is
    0) and the state code from each on. Numpy arrays only (a few bytes a change); the
    day tables that make scalar questions fast are built for one kind of instant when a
    question of that kind is first asked (see :meth:`CompiledSchedule.state_at`).
    """

    __slots__ = ("by_epoch", "by_utc", "by_wall", "codes", "hi", "lo", "seconds")

    def __init__(
        self,
        lo: int,
        hi: int,
        seconds: np.ndarray[Any, np.dtype[np.int32]],
        codes: CodeArray,
    ) -> None:
        self.lo = lo
        self.hi = hi
        self.seconds = seconds
        self.codes = codes
        self.by_epoch: _Days | None = None
        self.by_utc: _DayTables | None = None
        self.by_wall: _DayTables | None = None

    @property
    def starts(self) -> Int64Array:
        """The change instants as UTC epoch seconds."""
        starts: Int64Array = self.seconds.astype(np.int64) + self.lo
        return starts

    def _flat(self, engine: CompiledSchedule) -> tuple[Int64Array, list[ScheduleState | None]]:
        """The changes and the year's end, and the states in between (None outside)."""
        bounds = np.append(self.seconds.astype(np.int64) + self.lo, self.hi)
        states: list[ScheduleState | None] = engine._state_objects[self.codes].tolist()
        return bounds, [None, *states, None]

    def epoch_days(self, engine: CompiledSchedule) -> _Days:
        """The day tables for UTC epoch seconds given as floats."""
        found = self.by_epoch
        if found is None:
            bounds, values = self._flat(engine)
            midnights = np.arange(self.lo, self.hi + 1, _DAY, dtype=np.float64).tolist()
            table = _day_table(bounds, values, bounds.astype(np.float64).tolist(), midnights)
            # a float just below the year's end may round to it: one more copy of the last day
            table.append(table[-1])
            found = self.by_epoch = _Days(self.lo // _DAY, table, float(self.lo), float(self.hi))
        return found

    def utc_days(self, engine: CompiledSchedule) -> _DayTables:
        """The day tables for aware datetimes in UTC (datetimes of one tzinfo compare by
        their fields, which for UTC is their order in time)."""
        found = self.by_utc
        if found is None:
            bounds, values = self._flat(engine)
            table = _day_table(bounds, values, _datetimes(bounds, UTC))
            found = self.by_utc = dict(enumerate(table, self.lo // _DAY + _EPOCH_ORDINAL))
        return found

    def wall_days(self, engine: CompiledSchedule, year: int) -> _DayTables:
        """The day tables for aware datetimes in the engine's own zone, read by their
        wall-clock fields (a wall-clock day's ordinal is its date's).

        Over a period of fixed offset ``o`` the wall time ``w`` is the instant ``w - o``;
        wall times that are repeated (the hour after a clock goes back), skipped (the hour
        it jumps over) or whose offset is another year's map to ``None``.
        """
        found = self.by_wall
        if found is not None:
            return found
        zone = engine.zone
        wall = [(a + o, b + o, o, True) for a, b, o in _segments(zone, year)]
        if year > FIRST_YEAR:  # a wall time may also be read in the neighbouring years
            a, b, o = _segments(zone, year - 1)[-1]
            wall.append((a + o, b + o, o, False))
        if year < LAST_YEAR:
            a, b, o = _segments(zone, year + 1)[0]
            wall.append((a + o, b + o, o, False))
        cuts = sorted({edge for start, end, _, _ in wall if start < end for edge in (start, end)})
        starts = self.seconds.astype(np.int64) + self.lo
        states = engine._state_objects[self.codes]
        bounds: list[int] = []
        values: list[ScheduleState | None] = [None]
        for left, right in itertools.pairwise(cuts):
            holders = [(o, mine) for start, end, o, mine in wall if start <= left and right <= end]
            bounds.append(left)
            if len(holders) != 1 or not holders[0][1]:
                values.append(None)
                continue
            offset = holders[0][0]
            first = int(np.searchsorted(starts, left - offset, side="right")) - 1
            last = int(np.searchsorted(starts, right - offset, side="left"))
            values.append(states[first])
            bounds.extend((starts[first + 1 : last] + offset).tolist())
            values.extend(states[first + 1 : last].tolist())
        bounds.append(cuts[-1])
        values.append(None)
        keep = [0] + [i for i in range(1, len(bounds)) if values[i + 1] is not values[i]]
        kept_bounds = np.array([bounds[i] for i in keep], np.int64)
        kept_values: list[ScheduleState | None] = [None]
        kept_values += [values[i + 1] for i in keep]
        table = _day_table(kept_bounds, kept_values, _datetimes(kept_bounds, zone))
        first = int(kept_bounds[0]) // _DAY + _EPOCH_ORDINAL
        found = self.by_wall = dict(enumerate(table, first))
        return found


def _datetimes(seconds: Int64Array, zone: ZoneInfo | timezone) -> list[datetime]:
    """Datetimes with ``zone`` whose fields are ``seconds`` since 1970-01-01 00:00."""
    naive: list[datetime] = seconds.astype("datetime64[s]").astype(object).tolist()
    return [moment.replace(tzinfo=zone) for moment in naive]


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

    __slots__ = (
        "_action_of",
        "_by_epoch",
        "_by_utc",
        "_by_wall",
        "_chunks",
        "_code_of",
        "_constant",
        "_events",
        "_plans",
        "_quiet_after",
        "_rows",
        "_runs_forever",
        "_state_objects",
        "schedule",
        "states",
        "zone",
    )

    def __init__(self, schedule: Schedule, zone: ZoneInfo) -> None:
        self.schedule = schedule
        self.zone = zone
        # the default's state is code 0, then each new state in event order (as
        # Schedule.states, computed here once per event: a state is built on each access)
        event_states = [event.state for event in schedule.events]
        index = {schedule.default.state: 0}
        for state in event_states:
            index.setdefault(state, len(index))
        self.states: tuple[ScheduleState, ...] = tuple(index)
        self._state_objects = np.empty(len(self.states), dtype=object)
        self._state_objects[:] = self.states
        self._plans = [_plan(event.when) for event in schedule.events]
        # priority p (event position; len(events) is the default) -> state code
        self._code_of = np.array([index[state] for state in event_states] + [0], dtype=np.int16)
        self._action_of: np.ndarray[Any, np.dtype[np.int8]] = np.array(
            [state.action.code for state in self.states], dtype=np.int8
        )
        self._chunks: dict[int, _Chunk] = {}
        # scalar questions: the day tables of the year last asked about, one per kind of
        # instant (see state_at)
        self._by_epoch = _NO_DAYS
        self._by_utc: _DayTables = {}
        self._by_wall: _DayTables = {}
        self._events: _Events | None = None
        # the events as rows of numbers for the compiler (see _Events), by kind: weekly,
        # once, yearly, easter; int64 bytes, quick to join for a group of engines
        rows: tuple[list[int], ...] = ([], [], [], [])
        for priority, plan in enumerate(self._plans):
            first = _NEVER_BEFORE if plan.first_day is None else plan.first_day
            last = _NEVER_AFTER if plan.last_day is None else plan.last_day
            if plan.kind == "weekly":
                mask = sum(1 << day for day, on in enumerate(plan.weekly_mask) if on)
                rows[0].extend((priority, first, last, mask, plan.start_seconds, plan.duration))
            elif plan.kind == "once":
                rows[1].extend((priority, *plan.once))
            elif plan.kind == "easter":
                rows[3].extend(
                    (
                        priority,
                        first,
                        last,
                        plan.easter_offset,
                        plan.start_seconds,
                        plan.duration,
                    )
                )
            elif plan.yearly is not None:
                (month, day, at), (end_month, end_day, end_at) = (
                    plan.yearly.start,
                    plan.yearly.end,
                )
                into_next = (end_month, end_day, end_at) <= (month, day, at)
                row = (priority, month, day, _tod(at), end_month, end_day, _tod(end_at))
                rows[2].extend((*row, int(into_next), first, last))
        self._rows = tuple(array("q", numbers).tobytes() for numbers in rows)
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
        if self._events is None:
            self._events = _Events([self])
        compiled = self._events.compile(year)
        return _Chunk(_year_start(year), _year_start(year + 1), compiled.seconds, compiled.codes)

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
        # the fast paths: the instant's day in the day tables of the year last asked
        # about, for its kind (epoch seconds; a datetime in UTC or in the schedule's zone,
        # compared as datetimes of one tzinfo: no conversion; a datetime in another zone
        # as its epoch seconds), then a bisect among that day's few changes; every other
        # case (another year, an hour the clock repeats or skips, bad input) goes to
        # _state_at, which also makes the instant's year the current one for its kind
        kind = type(instant)
        if kind is not float:
            if kind is datetime:
                zone = instant.tzinfo  # type: ignore[union-attr]
                if zone is self.zone:
                    tables: _DayTables | None = self._by_wall
                elif zone is UTC:
                    tables = self._by_utc
                elif type(zone) in _FAST_ZONES:
                    tables = None  # another zone: the instant as epoch seconds, below
                else:
                    return self._state_at(instant)
                if tables is not None:
                    day = tables.get(instant.toordinal())  # type: ignore[union-attr]
                    if day is not None:
                        found = day[1][bisect_right(day[0], instant)]
                        if found is not None:
                            return found
                    return self._state_at(instant)
                instant = instant.timestamp()  # type: ignore[union-attr]
            elif kind is not int:
                return self._state_at(instant)
        table = self._by_epoch
        if table.lo <= instant < table.hi:  # type: ignore[operator]
            bounds, values = table.days[int((instant - table.lo) * _PER_DAY)]  # type: ignore[operator]
            found = values[bisect_right(bounds, instant)]
            if found is not None:
                return found
        return self._state_at(instant)

    def _state_at(self, instant: datetime | float) -> ScheduleState:
        """:meth:`state_at` the long way; makes the instant's year the current one."""
        if type(instant) is datetime and type(instant.tzinfo) in _FAST_ZONES:
            t = instant.timestamp()  # aware: the zone's utcoffset() is never None
        else:
            t = _epoch(instant)
        if not math.isfinite(t):
            raise ScheduleError(f"instant {t!r} is not a number", field="instant", value=t)
        year = _year_of(t)
        chunk = self._chunk(year)
        table = self._by_epoch = chunk.epoch_days(self)
        if type(instant) is datetime:
            if instant.tzinfo is self.zone:
                self._by_wall = chunk.wall_days(self, year)
            elif instant.tzinfo is UTC:
                self._by_utc = chunk.utc_days(self)
        t = float(t)  # exact: |t| < 2**53
        bounds, values = table.days[int((t - table.lo) * _PER_DAY)]
        found = values[bisect_right(bounds, t)]
        if found is None:  # pragma: no cover - t is inside the table's year
            raise ScheduleError(f"instant {t!r} fell outside its own year", field="instant")
        return found

    def _changes_from(self, t: float) -> Iterator[tuple[int, int, int]]:
        """``(instant, previous code, code)`` of every change strictly after ``t``."""
        if self._constant:
            return
        year = _year_of(t)
        chunk = self._chunk(year)
        position = int(np.searchsorted(chunk.seconds, t - chunk.lo, side="right"))
        current = int(chunk.codes[position - 1])
        horizon = max(year, self._quiet_after) + (_CYCLE_YEARS + 1 if self._runs_forever else 1)
        while True:
            codes = chunk.codes.tolist()
            seconds = chunk.seconds.tolist()
            for index in range(max(position, 1), len(codes)):
                yield chunk.lo + seconds[index], current, codes[index]
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
            out[:] = chunk.codes[np.searchsorted(chunk.seconds, flat - chunk.lo, side="right") - 1]
        else:
            for year in np.unique(years).tolist():
                chunk = self._chunk(year)
                mask = years == year
                found = np.searchsorted(chunk.seconds, flat[mask] - chunk.lo, side="right")
                out[mask] = chunk.codes[found - 1]
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
        maps: list[int] = []
        map_start: list[int] = []
        for engine in self.engines:
            map_start.append(len(maps))
            maps.extend(table.setdefault(s, len(table)) for s in engine.states)
        # fleet code of engine i's code c: _map[_map_start[i] + c]
        self._map = np.array(maps, np.int32)
        self._map_start = np.array(map_start, np.int64)
        self.states: tuple[ScheduleState, ...] = tuple(table)
        objects = np.empty(len(self.states), dtype=object)
        objects[:] = self.states
        self._objects = objects
        self._action_of: np.ndarray[Any, np.dtype[np.int8]] = np.array(
            [s.action.code for s in self.states], np.int8
        )
        self._groups: list[_Events] = []
        self._years: dict[int, _Compiled] = {}
        self._days: dict[int, tuple[Int64Array, np.ndarray[Any, np.dtype[np.int32]]]] = {}
        self._base = np.arange(len(self.schedules), dtype=np.int64) << 26

    def _year(self, year: int) -> _Compiled:
        """Every schedule's changes in a UTC year, compiled together, and a day index:
        ``days[i, j]`` is the position of schedule ``i``'s first change after day ``j``'s
        midnight (its state at that midnight is the one at the position before)."""
        stacked = self._years.get(year)
        if stacked is None:
            if not FIRST_YEAR <= year <= LAST_YEAR:
                raise ScheduleError(
                    f"year {year} is outside the years {FIRST_YEAR}–{LAST_YEAR} the engine "
                    "answers for",
                    field="instant",
                    value=year,
                )
            if not self._groups:
                self._groups = [
                    _Events(self.engines[start : start + _GROUP])
                    for start in range(0, len(self.engines), _GROUP)
                ]
            stacked = _stack([group.compile(year) for group in self._groups])
            lo, hi = _year_start(year), _year_start(year + 1)
            seconds, codes, offsets = stacked.seconds, stacked.codes, stacked.offsets
            self._years[year] = stacked
            bounds = offsets.tolist()
            for engine, start, end in zip(self.engines, bounds, bounds[1:], strict=False):
                if year not in engine._chunks:  # share the arrays with each engine
                    engine._chunks[year] = _Chunk(lo, hi, seconds[start:end], codes[start:end])
        return stacked

    def _day(self, day: int) -> tuple[Int64Array, np.ndarray[Any, np.dtype[np.int32]]]:
        """The stacked index of one UTC day (epoch day): each schedule's state at midnight
        UTC and its changes during the day; small enough to stay in the CPU's cache."""
        stacked = self._days.get(day)
        if stacked is None:
            t = day * _DAY
            year = _year_of(t)
            compiled = self._year(year)
            lo = _year_start(year)
            column = (t - lo) // _DAY
            after_midnight = compiled.days[:, column].astype(np.int64)
            count = compiled.days[:, column + 1] - after_midnight + 1
            source, rank = _ranges(after_midnight - 1, count)
            owner = np.repeat(np.arange(len(self.engines), dtype=np.int64), count)
            seconds = compiled.seconds[source].astype(np.int64)
            seconds[rank == 0] = t - lo
            codes = self._map[self._map_start[owner] + compiled.codes[source]]
            stacked = ((owner << 26) | seconds, codes)
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


_DAYS_KEPT: Final = 8
_GROUP: Final = 256  # schedules compiled together: their arrays stay in the CPU's caches


def _stack(parts: list[_Compiled]) -> _Compiled:
    """Concatenate the compiled years of consecutive groups of engines.

    The day index holds positions in the whole fleet's changes: int32 while they fit.
    """
    if not parts:
        return _Compiled(
            np.zeros(0, np.int32),
            np.zeros(0, np.int16),
            np.zeros(1, np.int64),
            np.zeros((0, 367), np.int32),
        )
    sizes = [len(part.seconds) for part in parts]
    starts = np.cumsum([0, *sizes]).tolist()
    total, width = starts[-1], parts[0].days.shape[1]
    position = np.int32 if total < 2**31 else np.int64
    rows = [0, *np.cumsum([len(part.days) for part in parts]).tolist()]
    seconds = np.empty(total, np.int32)
    codes = np.empty(total, np.int16)
    offsets = np.empty(rows[-1] + 1, np.int64)
    offsets[0] = 0
    days = np.empty((rows[-1], width), position)
    for index, part in enumerate(parts):
        start, end = starts[index], starts[index + 1]
        seconds[start:end] = part.seconds
        codes[start:end] = part.codes
        offsets[rows[index] + 1 : rows[index + 1] + 1] = part.offsets[1:] + start
        np.add(part.days, start, out=days[rows[index] : rows[index + 1]], casting="unsafe")
    return _Compiled(seconds, codes, offsets, days)


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
