"""Law: from_ical(to_ical(schedule)) == schedule for every schedule cloudtel can express."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cloudtel.schedules import (
    Action,
    DefaultEvent,
    Easter,
    ForwardTarget,
    Once,
    Recurrence,
    Schedule,
    ScheduleEvent,
    TimeDefinition,
    Weekday,
    Weekly,
    Yearly,
)
from cloudtel.schedules.ical import from_ical, to_ical

ZONES = ("Europe/Brussels", "America/Santiago", "UTC", "Asia/Kolkata", "Australia/Lord_Howe")
STAMP = datetime(2025, 1, 1, tzinfo=UTC)
ROUND_TRIP = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# one-line text with the characters iCalendar escapes or folds on, and some beyond ASCII
text = st.text(
    alphabet=st.sampled_from(list("abcXYZ019 ,;:\\\"'\t-/éü€Ω漢")), min_size=1, max_size=40
).filter(lambda s: s.strip() != "")
days = st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31))
times = st.one_of(
    st.sampled_from([time(0), time(2, 30), time(9), time(18), time(23, 59, 59)]),
    st.times().map(lambda t: t.replace(microsecond=0)),
)


@st.composite
def recurrences(draw: st.DrawFn) -> Recurrence:
    first = draw(st.none() | days)
    end = draw(st.sampled_from(["never", "until", "count"]))
    if end == "until":
        until = draw(days)
        if first is not None and until < first:
            first, until = until, first
        return Recurrence(first=first, until=until)
    if end == "count" and first is not None:
        return Recurrence(first=first, count=draw(st.integers(1, 500)))
    return Recurrence(first=first)


@st.composite
def yearlies(draw: st.DrawFn) -> Yearly:
    month_day = st.dates(date(2024, 1, 1), date(2024, 12, 31)).map(lambda d: (d.month, d.day))
    start = (*draw(month_day), draw(times))
    end = (*draw(month_day), draw(times))
    if end[:2] == (2, 29) and not (start[:2] == (2, 29) and end > start):
        end = (3, 1, end[2])
    return Yearly(start=start, end=end, recurrence=draw(recurrences()))


@st.composite
def onces(draw: st.DrawFn) -> Once:
    start = datetime.combine(draw(days), draw(times))
    length = draw(st.integers(1, 400 * 86_400))
    return Once(start=start, end=start + timedelta(seconds=length))


weeklies = st.builds(
    Weekly,
    days=st.frozensets(st.sampled_from(tuple(Weekday)), min_size=1).map(tuple),
    start=times,
    end=times,
    recurrence=recurrences(),
)
easters = st.builds(
    Easter,
    offset=st.integers(-80, 250),
    start=times,
    end=times,
    recurrence=recurrences(),
)
whens: st.SearchStrategy[TimeDefinition] = st.one_of(weeklies, yearlies(), easters, onces())
targets = st.one_of(
    st.sampled_from(["+3292470680", "+32475123456", "+442079460000"]).map(
        lambda n: ForwardTarget(number=n)
    ),
    st.sampled_from(["+3292470681", "+3227811650"]).map(lambda n: ForwardTarget(function_number=n)),
    text.map(lambda u: ForwardTarget(user=u)),
)


@st.composite
def states(draw: st.DrawFn) -> tuple[Action, ForwardTarget | None, str | None]:
    action = draw(st.sampled_from(tuple(Action)))
    target = draw(targets) if action is Action.FORWARD else None
    return action, target, draw(st.none() | text)


language_maps = st.dictionaries(
    st.sampled_from(["nl", "fr", "en", "de", "nl-BE"]),
    text.filter(lambda s: "\n" not in s and "\r" not in s),
    max_size=2,
)


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    names = draw(st.lists(text, max_size=6, unique=True))
    events = []
    for name in names:
        action, target, instruction = draw(states())
        events.append(
            ScheduleEvent(
                name=name,
                when=draw(whens),
                action=action,
                forward_to=target,
                instruction=instruction,
                language_instructions=draw(language_maps),
            )
        )
    action, target, instruction = draw(states())
    default = DefaultEvent(
        action=action,
        forward_to=target,
        instruction=instruction,
        language_instructions=draw(language_maps),
    )
    return Schedule(
        events=events, default=default, time_zone=draw(st.none() | st.sampled_from(ZONES))
    )


@ROUND_TRIP
@given(schedules(), st.sampled_from(ZONES))
def test_import_of_an_export_is_the_same_schedule(schedule: Schedule, zone: str) -> None:
    text_ = to_ical(schedule, zone, stamp=STAMP)
    assert from_ical(text_, zone) == schedule


@ROUND_TRIP
@given(schedules(), st.sampled_from(ZONES), st.integers(0, 2**31))
def test_the_imported_schedule_answers_like_the_original(
    schedule: Schedule, zone: str, seconds: int
) -> None:
    instant = datetime(2000, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)
    back = from_ical(to_ical(schedule, zone, stamp=STAMP), zone)
    assert back.state_at(instant, zone) == schedule.state_at(instant, zone)
