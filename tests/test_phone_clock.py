"""The time rule a phone gets: read from the time-zone database, it predicts the clock."""

from __future__ import annotations

import calendar
import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudtel.errors import InvalidValueError
from cloudtel.phone_clock import (
    DstChange,
    TimeRule,
    check_date_format,
    check_ntp_server,
    phone_language,
    time_rule,
)
from cloudtel.provisioning import ProvisioningSettings

# Zones whose daylight saving follows a weekday rule (what phones can express).
ZONES = [
    "Europe/Brussels",
    "Europe/London",
    "Europe/Helsinki",
    "America/New_York",
    "America/Denver",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "UTC",
]


def test_brussels_is_utc_plus_one_with_european_summer_time() -> None:
    assert time_rule("Europe/Brussels", 2026) == TimeRule(
        zone="Europe/Brussels",
        utc_offset=60,
        dst_offset=60,
        dst_start=DstChange(month=3, week=-1, weekday=7, hour=2),
        dst_end=DstChange(month=10, week=-1, weekday=7, hour=3),
    )


def test_a_zone_without_daylight_saving_has_no_changes() -> None:
    assert time_rule("Asia/Kolkata", 2026) == TimeRule(zone="Asia/Kolkata", utc_offset=330)


def test_an_unknown_zone_is_one_clear_error() -> None:
    with pytest.raises(InvalidValueError, match="'Mars/Olympus' is not a known IANA time zone"):
        time_rule("Mars/Olympus", 2026)


def _instant(year: int, change: DstChange, offset: int) -> datetime:
    """When ``change`` happens, in UTC, read on a clock ``offset`` minutes east of UTC."""
    days = [
        day
        for day in range(1, calendar.monthrange(year, change.month)[1] + 1)
        if datetime(year, change.month, day).isoweekday() == change.weekday
    ]
    day = days[-1] if change.week == -1 else days[change.week - 1]
    local = datetime(year, change.month, day, change.hour, tzinfo=UTC)
    return local - timedelta(minutes=offset)


def _predicted(rule: TimeRule, year: int, moment: datetime) -> int:
    if rule.dst_start is None or rule.dst_end is None:
        return rule.utc_offset
    start = _instant(year, rule.dst_start, rule.utc_offset)
    end = _instant(year, rule.dst_end, rule.utc_offset + rule.dst_offset)
    summer = start <= moment < end if start < end else not end <= moment < start
    return rule.utc_offset + (rule.dst_offset if summer else 0)


@settings(max_examples=60, deadline=None)
@given(zone=st.sampled_from(ZONES), year=st.integers(2024, 2032), hour=st.integers(0, 8759))
def test_property_the_rule_predicts_the_offset_at_every_hour_of_the_year(
    zone: str, year: int, hour: int
) -> None:
    rule = time_rule(zone, year)
    moment = datetime(year, 1, 1, tzinfo=UTC) + timedelta(hours=hour)
    if moment.year != year:
        return
    actual = moment.astimezone(zoneinfo.ZoneInfo(zone)).utcoffset()
    assert actual is not None
    assert _predicted(rule, year, moment) == actual.total_seconds() // 60


def test_settings_check_what_the_phones_are_given() -> None:
    with pytest.raises(InvalidValueError, match="date_format 'YYYY' is not one of"):
        ProvisioningSettings(date_format="YYYY")
    with pytest.raises(InvalidValueError, match="ntp_server 'ntp server' is not a host"):
        ProvisioningSettings(ntp_server="ntp server")
    with pytest.raises(InvalidValueError, match="pickup_code 'x8' must be digits"):
        ProvisioningSettings(pickup_code="x8")
    ok = ProvisioningSettings(date_format="DD-MMM-YY", ntp_server="10.0.0.1", pickup_code="*8")
    assert (ok.date_format, ok.ntp_server, ok.pickup_code) == ("DD-MMM-YY", "10.0.0.1", "*8")
    assert check_date_format("") == check_ntp_server("") == ""


@pytest.mark.parametrize(("tag", "language"), [("nl-BE", "nl"), ("fr", "fr"), ("", "")])
def test_a_language_tag_becomes_the_phones_language(tag: str, language: str) -> None:
    assert phone_language(tag) == language
