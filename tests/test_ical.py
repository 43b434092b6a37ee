"""iCalendar export and import of schedules (RFC 5545)."""

from __future__ import annotations

import builtins
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from dateutil.rrule import rrulestr  # type: ignore[import-untyped]

from cloudtel.errors import ScheduleError
from cloudtel.schedules import (
    WORKDAYS,
    Action,
    DefaultEvent,
    ForwardTarget,
    Once,
    Recurrence,
    Schedule,
    ScheduleEvent,
    Weekday,
    Weekly,
    Yearly,
)
from cloudtel.schedules.ical import from_ical, to_ical

BRUSSELS = "Europe/Brussels"
STAMP = datetime(2025, 1, 1, tzinfo=UTC)


def manual() -> Schedule:
    """The manual's schedule: newyear above Mon–Fri 09:00–18:00, default Closed."""
    return Schedule(
        events=(
            ScheduleEvent(
                name="newyear",
                when=Yearly(start=(1, 1, time(0)), end=(1, 2, time(0))),
                action=Action.CLOSED,
                instruction="User unavailable",
            ),
            ScheduleEvent(
                name="Ma-Vrij",
                when=Weekly(days=WORKDAYS, start=time(9), end=time(18)),
                action=Action.OPEN,
            ),
        )
    )


def events_of(text: str) -> list[Any]:
    return list(icalendar.Calendar.from_ical(text).walk("VEVENT"))


def calendar(*events: str, extra: str = "") -> str:
    body = "".join(
        "BEGIN:VEVENT\r\nUID:x{}@test\r\nDTSTAMP:20250101T000000Z\r\n{}END:VEVENT\r\n".format(
            index, "".join(line + "\r\n" for line in event.strip().splitlines())
        )
        for index, event in enumerate(events)
    )
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        + extra
        + body
        + "END:VCALENDAR\r\n"
    )


# --- export -----------------------------------------------------------------------------


def test_the_manuals_schedule_exports_as_rfc_5545() -> None:
    text = to_ical(manual(), BRUSSELS, name="Nederlands Orange labo", stamp=STAMP)
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//cloudtel//schedule//EN")
    assert text.endswith("END:VCALENDAR\r\n")
    assert "BEGIN:VTIMEZONE\r\nTZID:Europe/Brussels" in text
    assert "X-CLOUDTEL-DEFAULT-ACTION:closed" in text
    newyear, office = events_of(text)
    assert str(newyear["summary"]) == "newyear"
    assert newyear["dtstart"].params["TZID"] == BRUSSELS
    assert newyear.decoded("dtstart") == datetime(2000, 1, 1, tzinfo=ZoneInfo(BRUSSELS))
    assert newyear.decoded("dtend") == datetime(2000, 1, 2, tzinfo=ZoneInfo(BRUSSELS))
    assert newyear["rrule"].to_ical() == b"FREQ=YEARLY"
    assert str(newyear["x-cloudtel-instruction"]) == "User unavailable"
    assert str(newyear["x-cloudtel-priority"]) == "1"
    assert office["rrule"].to_ical() == b"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    assert str(office["x-cloudtel-action"]) == "open"
    assert str(office["x-cloudtel-priority"]) == "2"


def test_an_export_is_reproducible_with_a_fixed_stamp() -> None:
    assert to_ical(manual(), BRUSSELS, stamp=STAMP) == to_ical(manual(), BRUSSELS, stamp=STAMP)


def test_other_calendar_software_sees_the_same_occurrences() -> None:
    office = Weekly(
        days=WORKDAYS,
        start=time(9),
        end=time(18),
        recurrence=Recurrence(first=date(2025, 3, 1), until=date(2025, 3, 5)),
    )
    schedule = Schedule(events=(ScheduleEvent(name="office", when=office, action=Action.OPEN),))
    (event,) = events_of(to_ical(schedule, BRUSSELS, stamp=STAMP))
    rule = rrulestr(event["rrule"].to_ical().decode(), dtstart=event.decoded("dtstart"))
    zone = ZoneInfo(BRUSSELS)
    assert list(rule) == [
        datetime(2025, 3, 3, 9, tzinfo=zone),
        datetime(2025, 3, 4, 9, tzinfo=zone),
        datetime(2025, 3, 5, 9, tzinfo=zone),
    ]


def test_a_count_exports_as_count_and_an_overnight_event_ends_the_next_day() -> None:
    night = Weekly(
        days=["fri"],
        start=time(22),
        end=time(6),
        recurrence=Recurrence(first=date(2025, 3, 1), count=4),
    )
    schedule = Schedule(
        events=(
            ScheduleEvent(
                name="night",
                when=night,
                action=Action.FORWARD,
                forward_to=ForwardTarget(user="demo.user@orange.be"),
            ),
        )
    )
    (event,) = events_of(to_ical(schedule, BRUSSELS, stamp=STAMP))
    assert event["rrule"].to_ical() == b"FREQ=WEEKLY;COUNT=4;BYDAY=FR"
    assert event.decoded("dtstart").replace(tzinfo=None) == datetime(2025, 3, 7, 22)
    assert event.decoded("dtend").replace(tzinfo=None) == datetime(2025, 3, 8, 6)
    assert str(event["x-cloudtel-first"]) == "2025-03-01"
    assert str(event["x-cloudtel-forward-to"]) == "user:demo.user@orange.be"


def test_export_needs_a_time_zone() -> None:
    with pytest.raises(ScheduleError, match="organisation's zone"):
        to_ical(manual())
    assert "TZID=America/Santiago" in to_ical(manual().with_time_zone("America/Santiago"))


# --- round trip ---------------------------------------------------------------------------


def test_round_trip_of_every_kind_of_event() -> None:
    schedule = Schedule(
        events=(
            ScheduleEvent(
                name="leap day, ; \\ special",
                when=Yearly(start=(2, 29, time(8)), end=(2, 29, time(17))),
                action=Action.CLOSED,
                instruction="Line one\tline two; with, commas",
            ),
            ScheduleEvent(
                name="winter break",
                when=Yearly(
                    start=(12, 24, time(12)),
                    end=(1, 2, time(0)),
                    recurrence=Recurrence(first=date(2025, 6, 1), until=date(2030, 1, 1)),
                ),
                action=Action.CLOSED,
            ),
            ScheduleEvent(
                name="all day",
                when=Weekly(days=[Weekday.SUNDAY], start=time(0), end=time(0)),
                action=Action.FORWARD,
                forward_to=ForwardTarget(function_number="+3292470681"),
            ),
            ScheduleEvent(
                name="move",
                when=Once(start=datetime(2025, 3, 30, 2, 30), end=datetime(2025, 3, 30, 3, 30)),
                action=Action.OPEN,
            ),
        ),
        default=DefaultEvent(action=Action.FORWARD, forward_to=ForwardTarget(number="+3250123456")),
        time_zone="Europe/London",
    )
    assert from_ical(to_ical(schedule, stamp=STAMP)) == schedule


def test_the_organisations_zone_is_not_written_as_the_schedules_own() -> None:
    text = to_ical(manual(), BRUSSELS, stamp=STAMP)
    assert "X-CLOUDTEL-TIME-ZONE" not in text
    assert from_ical(text, BRUSSELS) == manual()
    with pytest.raises(ScheduleError, match="pass the organisation's zone"):
        from_ical(text)


# --- import from elsewhere ------------------------------------------------------------


def test_an_all_day_holiday_calendar_becomes_closed_events() -> None:
    text = calendar(
        "SUMMARY:Paasmaandag\nDTSTART;VALUE=DATE:20260406\nDTEND;VALUE=DATE:20260407",
        "SUMMARY:Nieuwjaar\nDTSTART;VALUE=DATE:20250101\nRRULE:FREQ=YEARLY;COUNT=3",
    )
    schedule = from_ical(text, BRUSSELS)
    easter, newyear = schedule.events
    assert easter == ScheduleEvent(
        name="Paasmaandag",
        when=Once(start=datetime(2026, 4, 6), end=datetime(2026, 4, 7)),
        action=Action.CLOSED,
    )
    assert newyear.when == Yearly(
        start=(1, 1, time(0)),
        end=(1, 2, time(0)),
        recurrence=Recurrence(first=date(2025, 1, 1), count=3),
    )
    zone = ZoneInfo(BRUSSELS)
    opened = schedule.set_default(Action.OPEN)
    # COUNT=3: New Year's Day 2025, 2026 and 2027 are closed, 2028 is not
    assert opened.state_at(datetime(2027, 1, 1, 12, tzinfo=zone), BRUSSELS).action is Action.CLOSED
    assert opened.state_at(datetime(2027, 1, 2, 12, tzinfo=zone), BRUSSELS).action is Action.OPEN
    assert opened.state_at(datetime(2028, 1, 1, 12, tzinfo=zone), BRUSSELS).action is Action.OPEN


def test_a_daily_rule_is_a_weekly_event_on_every_day() -> None:
    text = calendar(
        "SUMMARY:lunch\nDTSTART;TZID=Europe/Brussels:20250303T120000\n"
        "DURATION:PT1H\nRRULE:FREQ=DAILY\nX-CLOUDTEL-ACTION:forward\n"
        "X-CLOUDTEL-FORWARD-TO:number:+32 9 247 06 81"
    )
    (lunch,) = from_ical(text, BRUSSELS).events
    assert lunch.when == Weekly(
        days=tuple(Weekday),
        start=time(12),
        end=time(13),
        recurrence=Recurrence(first=date(2025, 3, 3)),
    )
    assert lunch.forward_to == ForwardTarget(number="+3292470681")


def test_utc_times_of_a_one_off_event_become_wall_clock_times() -> None:
    text = calendar("SUMMARY:maintenance\nDTSTART:20250701T060000Z\nDTEND:20250701T080000Z")
    (event,) = from_ical(text, BRUSSELS, default_action=Action.OPEN).events
    assert event.when == Once(start=datetime(2025, 7, 1, 8), end=datetime(2025, 7, 1, 10))
    assert event.action is Action.OPEN


def test_until_in_utc_keeps_the_occurrences_starting_before_it() -> None:
    # UNTIL is 2025-03-05 08:00 UTC = 09:00 Brussels: the 09:00 start that day is kept
    text = calendar(
        "SUMMARY:office\nDTSTART;TZID=Europe/Brussels:20250303T090000\n"
        "DTEND;TZID=Europe/Brussels:20250303T180000\n"
        "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20250305T080000Z"
    )
    (office,) = from_ical(text, BRUSSELS).events
    assert isinstance(office.when, Weekly)
    assert office.when.recurrence == Recurrence(first=date(2025, 3, 3), until=date(2025, 3, 5))
    text = text.replace("UNTIL=20250305T080000Z", "UNTIL=20250305T075959Z")
    (office,) = from_ical(text, BRUSSELS).events
    assert isinstance(office.when, Weekly)
    assert office.when.recurrence.until == date(2025, 3, 4)


def test_duplicate_summaries_are_numbered_and_order_follows_the_file() -> None:
    one = "SUMMARY:Holiday\nDTSTART;VALUE=DATE:20250101"
    two = "SUMMARY:Holiday\nDTSTART;VALUE=DATE:20250102"
    three = "DTSTART;VALUE=DATE:20250103"
    names = [e.name for e in from_ical(calendar(one, two, three), BRUSSELS).events]
    assert names == ["Holiday", "Holiday (2)", "event 3"]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ("RRULE:FREQ=MONTHLY", "FREQ=MONTHLY cannot be expressed"),
        ("RRULE:FREQ=WEEKLY;INTERVAL=2", "INTERVAL=2"),
        ("RRULE:FREQ=WEEKLY;BYSETPOS=1;BYDAY=MO", "BYSETPOS"),
        ("RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3", "BYDAY"),
        ("RRULE:FREQ=WEEKLY\nEXDATE;TZID=Europe/Brussels:20250310T090000", "EXDATE"),
        ("RDATE;TZID=Europe/Brussels:20250310T090000", "RDATE"),
    ],
)
def test_what_cloudtel_cannot_express_is_refused_by_name(lines: str, message: str) -> None:
    text = calendar(
        "SUMMARY:odd\nDTSTART;TZID=Europe/Brussels:20250303T090000\n"
        "DTEND;TZID=Europe/Brussels:20250303T180000\n" + lines
    )
    with pytest.raises(ScheduleError, match=message) as info:
        from_ical(text, BRUSSELS)
    assert "event 1 ('odd')" in str(info.value)


def test_a_weekly_event_longer_than_a_day_is_refused() -> None:
    text = calendar(
        "SUMMARY:long\nDTSTART;TZID=Europe/Brussels:20250303T090000\n"
        "DTEND;TZID=Europe/Brussels:20250304T100000\nRRULE:FREQ=WEEKLY"
    )
    with pytest.raises(ScheduleError, match="longer than 24 hours"):
        from_ical(text, BRUSSELS)


def test_a_repeating_event_in_another_zone_is_refused() -> None:
    text = calendar(
        "SUMMARY:ny\nDTSTART;TZID=America/New_York:20250303T090000\n"
        "DTEND;TZID=America/New_York:20250303T170000\nRRULE:FREQ=WEEKLY"
    )
    with pytest.raises(ScheduleError, match="America/New_York"):
        from_ical(text, BRUSSELS)


def test_not_a_calendar_is_a_schedule_error() -> None:
    with pytest.raises(ScheduleError, match="not an iCalendar"):
        from_ical("hello", BRUSSELS)


def test_without_the_extra_the_error_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_icalendar(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "icalendar":
            raise ModuleNotFoundError("No module named 'icalendar'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_icalendar)
    with pytest.raises(ImportError, match=r"cloudtel\[ical\]"):
        to_ical(manual(), BRUSSELS)


# --- a hostile calendar's time zones stay in that calendar ------------------------------


def _bogus_zone(tzid: str) -> str:
    """A VTIMEZONE named ``tzid`` that claims UTC+09:00 all year round."""
    return (
        f"BEGIN:VTIMEZONE\r\nTZID:{tzid}\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"
        "TZOFFSETFROM:+0900\r\nTZOFFSETTO:+0900\r\nTZNAME:BOGUS\r\nEND:STANDARD\r\n"
        "END:VTIMEZONE\r\n"
    )


def _one_off(tzid: str) -> str:
    return f"SUMMARY:visit\nDTSTART;TZID={tzid}:20260105T090000\nDTEND;TZID={tzid}:20260105T180000"


@pytest.mark.parametrize(
    "tzid", [BRUSSELS, "Brussels", "Europe/Brussels-Office", "W. Europe Summer Office"]
)
def test_a_hostile_vtimezone_does_not_change_how_later_calendars_are_read(tzid: str) -> None:
    # icalendar keeps the zones of VTIMEZONE components in one cache for the whole
    # process; a calendar defining bogus rules under a name must not decide how the
    # next calendar that uses the name (without a VTIMEZONE of its own) is read.
    plain = calendar(_one_off(tzid))
    utc = calendar("SUMMARY:utc\nDTSTART:20260105T080000Z\nDTEND:20260105T170000Z")
    before = from_ical(plain, BRUSSELS)
    before_utc = from_ical(utc, BRUSSELS)
    hostile = from_ical(calendar(_one_off(tzid), extra=_bogus_zone(tzid)), BRUSSELS)
    assert hostile.events[0].when is not None  # read with its own (bogus) zone: its business
    after = from_ical(plain, BRUSSELS)
    assert after == before
    assert from_ical(utc, BRUSSELS) == before_utc
    assert before_utc.events[0].when == Once(
        start=datetime(2026, 1, 5, 9), end=datetime(2026, 1, 5, 18)
    )  # the organisation's zone (UTC+1 in January) is still read with the real rules
    assert icalendar.timezone.tzp.timezone(tzid.strip("/")) is None or tzid == BRUSSELS


def test_a_calendar_is_read_with_its_own_vtimezone() -> None:
    own = calendar(_one_off("Office"), extra=_bogus_zone("Office"))
    when = from_ical(own, BRUSSELS).events[0].when
    assert when == Once(start=datetime(2026, 1, 5, 1), end=datetime(2026, 1, 5, 10))
