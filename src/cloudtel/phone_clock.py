"""What a desk phone needs to show the right time and date: a vendor-neutral time rule.

Phones take a time zone as an offset from UTC plus a daylight-saving rule ("last
Sunday of March at 02:00"), not as an IANA name. :func:`time_rule` reads the rule of a
zone (``Europe/Brussels``) for one year from the system's time-zone database, and the
drivers write it in their own parameters (Mitel ``time zone minutes``/``dst …``,
Yealink ``local_time.*``; see ``docs/drivers/``).

:data:`DATE_FORMATS` are the date formats cloudtel can ask a phone for: the ones whose
code both drivers' sources agree on. :func:`phone_language` reduces a language tag
(``nl-BE``) to the two-letter code the drivers map (``nl``).
"""

from __future__ import annotations

import calendar
import functools
import re
import zoneinfo
from datetime import UTC, datetime, timedelta

import attrs

from cloudtel.errors import InvalidValueError

__all__ = [
    "DATE_FORMATS",
    "DstChange",
    "TimeRule",
    "check_date_format",
    "check_ntp_server",
    "phone_language",
    "time_rule",
]

DATE_FORMATS = ("WWW MMM DD", "DD-MMM-YY")
"""Date formats a phone can be given: ``Fri Dec 04`` and ``04-Dec-26``."""

_HOST = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-]*|\[[0-9A-Fa-f:.]+\]")


def check_date_format(value: str) -> str:
    """Check a date format: one of :data:`DATE_FORMATS`, or "" for the phone's default.

    Args:
        value: The format.

    Returns:
        ``value``.

    Raises:
        InvalidValueError: Naming the formats that are allowed.
    """
    if value and value not in DATE_FORMATS:
        allowed = ", ".join(repr(f) for f in DATE_FORMATS)
        raise InvalidValueError(
            f"date_format {value!r} is not one of {allowed} (or '' for the phone's default)",
            field="date_format",
            value=value,
        )
    return value


def check_ntp_server(value: str) -> str:
    """Check an NTP server: a host name or address, or "" for the phone's default.

    Args:
        value: The server.

    Returns:
        ``value``.

    Raises:
        InvalidValueError: When it is not a host name or address.
    """
    if value and _HOST.fullmatch(value) is None:
        raise InvalidValueError(
            f"ntp_server {value!r} is not a host name or IP address, e.g. 'be.pool.ntp.org'",
            field="ntp_server",
            value=value,
        )
    return value


def phone_language(tag: str) -> str:
    """The two-letter language code of a tag: ``"nl-BE"`` → ``"nl"``; "" stays "".

    Args:
        tag: A language tag as cloudtel stores it.

    Returns:
        The language part, lower case.
    """
    return tag.split("-", 1)[0].lower()


@attrs.frozen(kw_only=True)
class DstChange:
    """When a daylight-saving change happens, as phones express it.

    Args:
        month (int): 1 (January) to 12.
        week (int): 1 to 4: the n-th such weekday of the month; -1: the last one.
        weekday (int): ISO weekday, 1 (Monday) to 7 (Sunday).
        hour (int): The local wall-clock hour at which the clock changes (0-23),
            read on the clock before the change (02 for "02:00 becomes 03:00").
    """

    month: int
    week: int
    weekday: int
    hour: int


@attrs.frozen(kw_only=True)
class TimeRule:
    """A time zone as a phone takes it: a standard offset and a daylight-saving rule.

    Args:
        zone (str): The IANA name it was read from, e.g. ``"Europe/Brussels"``.
        utc_offset (int): Minutes east of UTC in standard (winter) time, e.g. 60.
        dst_offset (int): Minutes added in summer time (0: no daylight saving).
        dst_start (DstChange | None): When summer time starts.
        dst_end (DstChange | None): When it ends.
    """

    zone: str
    utc_offset: int
    dst_offset: int = 0
    dst_start: DstChange | None = None
    dst_end: DstChange | None = None


def _offset(zone: zoneinfo.ZoneInfo, moment: datetime) -> int:
    delta = moment.astimezone(zone).utcoffset()
    return int(delta.total_seconds() // 60) if delta is not None else 0


def _change(zone: zoneinfo.ZoneInfo, before: datetime, old: int) -> DstChange:
    """The change in the 24 hours after ``before`` (UTC), found hour by hour."""
    moment = before
    while _offset(zone, moment) == old:
        moment += timedelta(hours=1)
    wall = moment + timedelta(minutes=old)  # the clock just before it changes
    day = wall.day
    last_day = calendar.monthrange(wall.year, wall.month)[1]
    week = -1 if day + 7 > last_day else (day - 1) // 7 + 1
    return DstChange(month=wall.month, week=week, weekday=wall.isoweekday(), hour=wall.hour)


def time_rule(zone: str, year: int) -> TimeRule:
    """The rule of an IANA time zone in one year, from the system's time-zone database.

    Args:
        zone: E.g. ``"Europe/Brussels"``.
        year: The year whose changes are read (rules rarely change between years).

    Returns:
        For ``Europe/Brussels``: UTC+60 min, summer +60 min from the last Sunday of
        March at 02:00 to the last Sunday of October at 03:00.

    Raises:
        InvalidValueError: When the zone is unknown.
    """
    return _time_rule(zone, year)


@functools.lru_cache(maxsize=64)
def _time_rule(zone: str, year: int) -> TimeRule:
    """:func:`time_rule`, computed once per zone and year."""
    try:
        tz = zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidValueError(
            f"time zone {zone!r} is not a known IANA time zone, e.g. 'Europe/Brussels'",
            field="time_zone",
            value=zone,
        ) from exc
    day = datetime(year, 1, 1, 12, tzinfo=UTC)
    offsets = []
    changes: list[tuple[datetime, int, int]] = []
    previous = _offset(tz, day)
    for _ in range(366):
        offsets.append(previous)
        following = day + timedelta(days=1)
        now = _offset(tz, following)
        if now != previous:
            changes.append((day, previous, now))
        previous = now
        day = following
    standard = min(offsets)
    summer = max(offsets)
    if standard == summer or len(changes) != 2:
        return TimeRule(zone=zone, utc_offset=offsets[0])
    start = next(c for c in changes if c[2] > c[1])
    end = next(c for c in changes if c[2] < c[1])
    return TimeRule(
        zone=zone,
        utc_offset=standard,
        dst_offset=summer - standard,
        dst_start=_change(tz, start[0], start[1]),
        dst_end=_change(tz, end[0], end[1]),
    )
