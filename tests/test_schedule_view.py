"""A week of a schedule as a picture (SVG) and as text."""

from __future__ import annotations

from datetime import date, time, timedelta

from lxml import etree

from cloudtel.schedules import (
    WORKDAYS,
    Action,
    ForwardTarget,
    Schedule,
    ScheduleEvent,
    Weekly,
    Yearly,
)
from cloudtel.schedules.view import COLOURS, week_view

BRUSSELS = "Europe/Brussels"
SVG = "{http://www.w3.org/2000/svg}"


def manual() -> Schedule:
    return Schedule(
        events=(
            ScheduleEvent(
                name="newyear",
                when=Yearly(start=(1, 1, time(0)), end=(1, 2, time(0))),
                action=Action.CLOSED,
                instruction="User unavailable",
            ),
            ScheduleEvent(
                name="lunch",
                when=Weekly(days=WORKDAYS, start=time(12), end=time(13, 30)),
                action=Action.FORWARD,
                forward_to=ForwardTarget(number="+3292470681"),
            ),
            ScheduleEvent(
                name="Ma-Vrij",
                when=Weekly(days=WORKDAYS, start=time(9), end=time(18)),
                action=Action.OPEN,
            ),
        )
    )


def test_a_week_runs_monday_to_sunday_and_names_the_event_in_force() -> None:
    view = week_view(manual(), BRUSSELS, date(2025, 3, 5))
    assert view.monday == date(2025, 3, 3)
    days = view.days()
    assert [day for day, _ in days] == [date(2025, 3, 3) + timedelta(days=k) for k in range(7)]
    monday = days[0][1]
    assert [(s.wall_hours(), s.state.action, s.event) for s in monday] == [
        ((0, 9), Action.CLOSED, None),
        ((9, 12), Action.OPEN, "Ma-Vrij"),
        ((12, 13.5), Action.FORWARD, "lunch"),
        ((13.5, 18), Action.OPEN, "Ma-Vrij"),
        ((18, 24), Action.CLOSED, None),
    ]
    assert [s.wall_hours() for s in days[5][1]] == [(0, 24)]


def test_new_years_day_is_closed_with_the_instruction() -> None:
    view = week_view(manual(), BRUSSELS, date(2025, 1, 1))
    (newyear,) = next(stretches for day, stretches in view.days() if day == date(2025, 1, 1))
    assert newyear.state.instruction == "User unavailable"
    assert newyear.event == "newyear"
    assert newyear.label() == (
        "Wed 2025-01-01 00:00–24:00 closed, plays 'User unavailable' (event 'newyear')"
    )


def test_days_the_clocks_change_last_23_and_25_hours() -> None:
    night = Schedule(
        events=(
            ScheduleEvent(
                name="night",
                when=Weekly(days=["sun"], start=time(1), end=time(4)),
                action=Action.OPEN,
            ),
        )
    )
    spring = week_view(night, BRUSSELS, date(2025, 3, 30)).days()[6][1]
    autumn = week_view(night, BRUSSELS, date(2025, 10, 26)).days()[6][1]
    for stretches, hours in ((spring, 23), (autumn, 25)):
        assert sum((s.duration for s in stretches), timedelta()) == timedelta(hours=hours)
    # 01:00 to 04:00 on the wall clock is two real hours in spring and four in autumn
    assert [s.duration for s in spring if s.state.action is Action.OPEN] == [timedelta(hours=2)]
    assert [s.duration for s in autumn if s.state.action is Action.OPEN] == [timedelta(hours=4)]
    assert spring[1].wall_hours() == (1, 4)


def test_the_text_view_is_a_grid_and_a_list() -> None:
    text = week_view(manual(), BRUSSELS, date(2025, 3, 3)).text()
    lines = text.splitlines()
    assert lines[0] == "Week of Mon 2025-03-03 (Europe/Brussels)   O open  F forward  . closed"
    assert lines[2] == "Mon 03-03  |" + "." * 18 + "O" * 6 + "F" * 3 + "O" * 9 + "." * 12 + "|"
    assert lines[7] == "Sat 03-08  |" + "." * 48 + "|"
    assert "Mon 2025-03-03 12:00–13:30 forward to +3292470681 (event 'lunch')" in lines
    assert lines[-1] == "Sun 2025-03-09 00:00–24:00 closed (default event)"


def test_the_picture_colours_every_stretch_and_explains_it_on_hover() -> None:
    view = week_view(manual(), BRUSSELS, date(2024, 12, 30))
    root = etree.fromstring(view.svg().encode())
    assert root.tag == f"{SVG}svg"
    rects = [r for r in root.iter(f"{SVG}rect") if r.get("data-action")]
    assert len(rects) == len(view.stretches)
    patterns = {p.get("id"): p for p in root.iter(f"{SVG}pattern")}
    for rect, stretch in zip(rects, view.stretches, strict=True):
        fill = rect.get("fill") or ""
        if fill.startswith("url(#"):  # a pattern drawn on the action's colour
            fill = patterns[fill[5:-1]].find(f"{SVG}rect").get("fill")
        assert fill == COLOURS[stretch.state.action]
        assert rect.findtext(f"{SVG}title") == stretch.label()
    titles = [r.findtext(f"{SVG}title") for r in rects]
    assert "Wed 2025-01-01 00:00–24:00 closed, plays 'User unavailable' (event 'newyear')" in titles
    # a stretch of the whole day is the column's whole height
    newyear = rects[titles.index(next(t for t in titles if t and t.startswith("Wed")))]
    assert float(newyear.get("height") or 0) == 24 * 18
    # the instruction is written in the stretch too, shortened to fit the column
    labels = [t.text for t in root.iter(f"{SVG}tspan")]
    assert "♪ User unavailable" in labels
    narrow = etree.fromstring(view.svg(day_width=80).encode())
    assert "♪ User unav…" in [t.text for t in narrow.iter(f"{SVG}tspan")]


def test_a_schedule_shows_itself_in_a_notebook() -> None:
    html = manual().with_time_zone(BRUSSELS)._repr_html_()
    assert html.startswith('<div class="cloudtel-schedule"><svg')
    assert "<li>newyear: yearly 01-01 00:00:00 to 01-02 00:00:00 → closed" in html
    assert "<li>default event: always → closed</li>" in html
    assert "Europe/Brussels" in html
    # without a zone of its own the picture is in UTC, and its caption says so
    assert "· UTC</text>" in manual()._repr_html_()
