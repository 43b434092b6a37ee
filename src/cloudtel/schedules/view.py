"""A week of a schedule as a picture (SVG for notebooks) and as text (for the CLI).

:class:`WeekView` cuts one week (Monday to Sunday, wall-clock time of the schedule's
zone) into the stretches where the state stays the same, and draws them: a column per
day, 24 hours top to bottom, Open light and plain, Forward mid-tone and dotted, Closed
dark and hatched (distinct in greyscale too), each bar labelled with its event, under a
caption naming what the schedule belongs to, the week and the zone. In a notebook a
:class:`~cloudtel.schedules.Schedule` (and a :class:`WeekView`) shows itself that way;
hovering over a stretch shows its times, action, forward target, instruction and the
event in force.

On a day the clocks change the column still spans the wall-clock hours 00–24: the hour
skipped in spring is left blank, and the hour repeated in autumn is drawn with the state
of its second pass (the text view lists both passes).
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Final

import attrs

from cloudtel.errors import ScheduleError
from cloudtel.schedules._model import (
    Action,
    DefaultEvent,
    Schedule,
    ScheduleEvent,
    ScheduleState,
    zone_of,
)

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

__all__ = ["COLOURS", "Stretch", "WeekView", "describe_events", "schedule_html", "week_view"]

COLOURS: Final = {Action.OPEN: "#bfe6b8", Action.FORWARD: "#c2850c", Action.CLOSED: "#7a1f1f"}
"""Base colour of each action in the picture: the portal's green, amber and red, chosen
far apart in lightness (light, middle, dark) so that they read in greyscale too; Forward
is dotted and Closed hatched on top."""

_LETTERS: Final = {Action.OPEN: "O", Action.FORWARD: "F", Action.CLOSED: "."}
_DAY_NAMES: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@attrs.frozen(kw_only=True)
class Stretch:
    """A stretch of one day where the state does not change.

    Args:
        day (date): The day (wall-clock).
        start (datetime): First instant, aware, in the schedule's zone (mind that Python
            subtracts datetimes of one zone by wall clock: use :attr:`duration`).
        end (datetime): The instant it ends (exclusive), aware, same zone.
        state (ScheduleState): The state throughout.
        event (str | None): The name of the event in force, ``None`` for the default event.
    """

    day: date
    start: datetime
    end: datetime
    state: ScheduleState
    event: str | None

    @property
    def duration(self) -> timedelta:
        """How long the stretch lasts in real time (23 or 25 hour days included)."""
        return self.end.astimezone(UTC) - self.start.astimezone(UTC)

    def wall_hours(self) -> tuple[float, float]:
        """Where the stretch begins and ends on the day's wall clock, in hours (0 … 24).

        Returns:
            tuple[float, float]: ``(from, to)``; ``to`` is 24 when it runs to midnight.
        """
        return _hours(self.start, self.day), _hours(self.end, self.day)

    def label(self) -> str:
        """One line for a tooltip or a list: times, action, target, instruction, event.

        Returns:
            str: e.g. ``"Mon 2025-03-03 09:00–18:00 open (event 'office hours')"``.
        """
        begin, finish = self.wall_hours()
        text = f"{_DAY_NAMES[self.day.weekday()]} {self.day} {_clock(begin)}–{_clock(finish)}"
        text += f" {self.state.action.value}"
        if self.state.forward_to is not None:
            text += f" to {self.state.forward_to}"
        if self.state.instruction is not None:
            text += f", plays {self.state.instruction!r}"
        text += " (default event)" if self.event is None else f" (event {self.event!r})"
        return text


def _hours(instant: datetime, day: date) -> float:
    local_day = instant.date()
    if local_day > day:
        return 24.0
    return instant.hour + instant.minute / 60 + instant.second / 3600


def _clock(hours: float) -> str:
    seconds = round(hours * 3600)
    text = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}"
    return text + (f":{seconds % 60:02d}" if seconds % 60 else "")


def _day_of(value: object, tz: ZoneInfo) -> date:
    """``week=``: a date, a datetime (its day in the schedule's zone) or ISO text."""
    if isinstance(value, datetime):
        return (value.astimezone(tz) if value.tzinfo is not None else value).date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ScheduleError(
        f"week {value!r} is not a day: give a date, e.g. date(2026, 12, 21) or '2026-12-21'",
        field="week",
        value=value,
    )


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@attrs.frozen
class WeekView:
    """One week of a schedule, ready to be drawn or printed.

    Build one with :func:`week_view`.

    Args:
        schedule (Schedule): The schedule.
        zone (str): The time zone whose wall clock the week is drawn in.
        monday (date): The Monday the week starts on.
        stretches (tuple[Stretch, ...]): The week cut where the state changes and at
            every midnight, in time order.
        title (str): What the schedule belongs to, for the caption, e.g. the function
            number's label ``IVR 5901 'Nederlands Orange labo'``; empty: "Schedule".
    """

    schedule: Schedule
    zone: str
    monday: date
    stretches: tuple[Stretch, ...]
    title: str = ""

    def days(self) -> tuple[tuple[date, tuple[Stretch, ...]], ...]:
        """The week's days, each with its stretches.

        Returns:
            tuple: ``(day, stretches)`` for Monday … Sunday.
        """
        return tuple(
            (day, tuple(s for s in self.stretches if s.day == day))
            for day in (self.monday + timedelta(days=k) for k in range(7))
        )

    # --- text --------------------------------------------------------------------------

    def text(self, *, cells_per_hour: int = 2, details: bool = True) -> str:
        """The week as text: a grid (``O`` open, ``F`` forward, ``.`` closed) and a list.

        Args:
            cells_per_hour (int): Resolution of the grid (2: half hours).
            details (bool): Also list every stretch with its exact times.

        Returns:
            str: Lines for a terminal.
        """
        width = 24 * cells_per_hour
        lines = [
            f"Week of {_DAY_NAMES[0]} {self.monday} ({self.zone})   O open  F forward  . closed"
        ]
        ruler = "".join(f"{hour:02d}".ljust(3 * cells_per_hour) for hour in range(0, 24, 3))
        lines.append((" " * 11 + ruler[:width]).rstrip())
        for day, stretches in self.days():
            cells = []
            for cell in range(width):
                middle = (cell + 0.5) / cells_per_hour
                letter = " "
                for stretch in stretches:
                    begin, finish = stretch.wall_hours()
                    if begin <= middle < finish:
                        letter = _LETTERS[stretch.state.action]  # a later pass wins
                cells.append(letter)
            lines.append(f"{_DAY_NAMES[day.weekday()]} {day:%m-%d}  |{''.join(cells)}|")
        if details:
            lines.append("")
            lines.extend(stretch.label() for stretch in self.stretches)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    # --- picture -----------------------------------------------------------------------

    def caption(self) -> str:
        """What the picture shows: the function number (or "Schedule"), the week, the zone.

        Returns:
            str: e.g. ``"IVR 5901 'Nederlands Orange labo' · week 49, Mon 30/11 – Sun
            06/12/2026 · Europe/Brussels"``.
        """
        sunday = self.monday + timedelta(days=6)
        week = self.monday.isocalendar().week
        return (
            f"{self.title or 'Schedule'} · week {week}, Mon {self.monday:%d/%m} – "
            f"Sun {sunday:%d/%m/%Y} · {self.zone}"
        )

    def svg(self, *, hour_height: int = 18, day_width: int = 112) -> str:
        """The week as an inline SVG picture: days × hours, one bar per stretch.

        Each action differs in lightness and pattern, so the picture reads in greyscale
        and for colour-blind readers: Open light and plain, Forward mid-tone and dotted,
        Closed dark and hatched. Every bar is labelled with its event (``default`` for
        the default event), its times when there is room, and ``♪`` and the prompt's
        name when it plays one. A line marks every hour (stronger every three hours)
        and a dashed line every half hour; the caption names the function number, the
        week and the time zone.

        Args:
            hour_height (int): Pixels per hour.
            day_width (int): Pixels per day column.

        Returns:
            str: An ``<svg>`` element; each stretch has a ``<title>`` (its tooltip).
        """
        left, top = 46, 48
        height = 24 * hour_height
        right = left + 7 * day_width
        width = right + 10
        total = top + height + 34
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{total}" '
            f'viewBox="0 0 {width} {total}" font-family="sans-serif" font-size="11" '
            f'role="img" aria-label="{html.escape(self.caption())}">',
            f"<title>{html.escape(self.caption())}</title>",
            _PATTERNS,
            f'<rect x="0" y="0" width="{width}" height="{total}" fill="#ffffff"/>',
            f'<text x="{left}" y="16" font-size="13" font-weight="bold" '
            f'class="cloudtel-caption">{html.escape(self.caption())}</text>',
        ]
        for index, (day, stretches) in enumerate(self.days()):
            x = left + index * day_width
            parts.append(
                f'<text x="{x + day_width / 2:.1f}" y="{top - 8}" text-anchor="middle" '
                f'font-weight="bold">{_DAY_NAMES[index]} {day:%d/%m}</text>'
            )
            for stretch in stretches:
                begin, finish = stretch.wall_hours()
                if finish <= begin:
                    continue
                y = top + begin * hour_height
                h = (finish - begin) * hour_height
                parts.append(_bar(stretch, x + 1, y, day_width - 2, h))
        parts.extend(_grid(left, right, top, hour_height))
        for index in range(8):  # day separators
            x = left + index * day_width
            parts.append(
                f'<line x1="{x}" y1="{top}" x2="{x}" y2="{top + height}" stroke="#444444" '
                'stroke-width="1"/>'
            )
        for index, (_day, stretches) in enumerate(self.days()):  # labels above the lines
            x = left + index * day_width
            for stretch in stretches:
                begin, finish = stretch.wall_hours()
                if finish > begin:
                    parts.append(
                        _bar_label(
                            stretch,
                            x + 1,
                            top + begin * hour_height,
                            day_width - 2,
                            (finish - begin) * hour_height,
                        )
                    )
        legend_y = top + height + 22
        x = left
        for action in Action:
            parts.append(
                f'<rect x="{x}" y="{legend_y - 11}" width="14" height="14" '
                f'fill="{_FILLS[action]}" stroke="#444444"/>'
            )
            parts.append(f'<text x="{x + 19}" y="{legend_y}">{action.value}</text>')
            x += 86
        parts.append(f'<text x="{x}" y="{legend_y}">♪ plays a prompt</text>')
        parts.append("</svg>")
        return "".join(parts)

    def _caption(self) -> str:
        return self.caption()

    def _repr_html_(self) -> str:
        return f'<div class="cloudtel-week">{self.svg()}</div>'


_PATTERNS: Final = (
    "<defs>"
    f'<pattern id="cloudtel-closed" width="8" height="8" patternUnits="userSpaceOnUse" '
    f'patternTransform="rotate(45)"><rect width="8" height="8" fill="{COLOURS[Action.CLOSED]}"/>'
    '<rect width="3" height="8" fill="#ffffff" fill-opacity="0.35"/></pattern>'
    f'<pattern id="cloudtel-forward" width="7" height="7" patternUnits="userSpaceOnUse">'
    f'<rect width="7" height="7" fill="{COLOURS[Action.FORWARD]}"/>'
    '<circle cx="3.5" cy="3.5" r="1.3" fill="#000000" fill-opacity="0.45"/></pattern>'
    "</defs>"
)
_FILLS: Final = {
    Action.OPEN: COLOURS[Action.OPEN],
    Action.FORWARD: "url(#cloudtel-forward)",
    Action.CLOSED: "url(#cloudtel-closed)",
}
_INK: Final = {Action.OPEN: "#10300f", Action.FORWARD: "#000000", Action.CLOSED: "#ffffff"}


def _bar(stretch: Stretch, x: float, y: float, width: float, height: float) -> str:
    action = stretch.state.action
    return (
        f'<rect x="{x}" y="{y:.2f}" width="{width}" height="{height:.2f}" '
        f'fill="{_FILLS[action]}" data-action="{action.value}" '
        f'data-event="{html.escape(stretch.event or "default")}">'
        f"<title>{html.escape(stretch.label())}</title></rect>"
    )


def _fit(text: str, width: float) -> str:
    room = max(1, int((width - 8) / 5.6))  # about 5.6 pixels a character at 10 px
    return text if len(text) <= room else text[: room - 1] + "…"


def _bar_label(stretch: Stretch, x: float, y: float, width: float, height: float) -> str:
    """The event's name (and the times and prompt when there is room) on a bar."""
    if height < 12:
        return ""
    action = stretch.state.action
    begin, finish = stretch.wall_hours()
    lines = [stretch.event or "default"]
    if height >= 26:
        lines.append(f"{_clock(begin)}–{_clock(finish)}")
    if stretch.state.instruction is not None:
        if height >= 38:
            lines.append(f"♪ {stretch.state.instruction}")
        else:
            lines[0] = f"♪ {lines[0]}"
    colour = _INK[action]
    halo = "#000000" if colour == "#ffffff" else "#ffffff"
    spans = "".join(
        f'<tspan x="{x + 4}" dy="{0 if index == 0 else 12}">{html.escape(_fit(line, width))}'
        "</tspan>"
        for index, line in enumerate(lines)
    )
    return (
        f'<text x="{x + 4}" y="{y + 12:.2f}" font-size="10" fill="{colour}" '
        f'stroke="{halo}" stroke-width="2.5" stroke-opacity="0.55" paint-order="stroke" '
        f'pointer-events="none" class="cloudtel-bar-label">{spans}</text>'
    )


def _grid(left: float, right: float, top: float, hour_height: int) -> list[str]:
    """Hour lines (stronger every three hours) and dashed half-hour lines, labelled."""
    parts = []
    for half in range(49):
        y = top + half * hour_height / 2
        if half % 2:
            parts.append(
                f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#777777" '
                'stroke-opacity="0.55" stroke-width="0.6" stroke-dasharray="2 3"/>'
            )
            continue
        hour = half // 2
        strong = hour % 3 == 0
        parts.append(
            f'<line x1="{left - 4}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#555555" '
            f'stroke-opacity="{0.9 if strong else 0.6}" stroke-width="{1.2 if strong else 0.7}"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="10">'
            f"{hour:02d}:00</text>"
        )
    return parts


def week_view(
    schedule: Schedule,
    zone: str | ZoneInfo | None = None,
    week: date | None = None,
    *,
    title: str = "",
) -> WeekView:
    """Cut one week of a schedule into stretches of the same state.

    Args:
        schedule (Schedule): The schedule.
        zone (str | ZoneInfo | None): The organisation's time zone (the schedule's own
            wins); ``None`` with a schedule without a zone of its own means UTC.
        week (date | None): Any day of the week wanted (a datetime or ISO text such as
            ``"2026-12-21"`` is taken too); ``None`` is this week.
        title (str): What the schedule belongs to, named in the picture's caption.

    Returns:
        WeekView: Monday to Sunday in the schedule's wall-clock time.

    Raises:
        ScheduleError: An unknown time zone, or a week that is not a day.
    """
    if zone is None:
        zone = schedule._org_zone
    name = schedule.time_zone or (
        "UTC" if zone is None else (zone if isinstance(zone, str) else zone.key)
    )
    tz = zone_of(name)
    if week is None:
        week = datetime.now(UTC).astimezone(tz).date()
    monday = _monday(_day_of(week, tz))
    stretches: list[Stretch] = []
    finder = _EventFinder(schedule, name)
    for offset in range(7):
        day = monday + timedelta(days=offset)
        stretches.extend(_day_stretches(schedule, name, tz, day, finder))
    return WeekView(schedule, name, monday, tuple(stretches), title)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of a wall-clock day.

    That is midnight, or, where the clocks jump over midnight, the end of the jump: a
    skipped wall time read with ``fold=0`` lands there.
    """
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC).astimezone(tz)


def _day_stretches(
    schedule: Schedule, zone: str, tz: ZoneInfo, day: date, finder: _EventFinder
) -> list[Stretch]:
    # cut in UTC: aware datetimes sharing a tzinfo compare and subtract by wall clock
    start = _midnight(day, tz).astimezone(UTC)
    end = _midnight(day + timedelta(days=1), tz).astimezone(UTC)
    cuts = [start]
    cuts.extend(change.at.astimezone(UTC) for change in schedule.changes(start, end, zone))
    cuts.append(end)
    stretches = []
    for begin, finish in itertools.pairwise(cuts):
        if finish <= begin:
            continue
        state = schedule.state_at(begin, zone)
        stretches.append(
            Stretch(
                day=day,
                start=begin.astimezone(tz),
                end=finish.astimezone(tz),
                state=state,
                event=finder.event_at(begin, state),
            )
        )
    return stretches


class _EventFinder:
    """Which event is in force at an instant (the first covering one), for tooltips."""

    def __init__(self, schedule: Schedule, zone: str) -> None:
        self.zone = zone
        self.probes: list[tuple[ScheduleEvent, Schedule, ScheduleState]] = []
        for event in schedule.events:
            # an instruction that differs from the event's own: its state tells them apart
            uncovered = f"{event.instruction or ''} (not covered)"
            marker = DefaultEvent(action=Action.CLOSED, instruction=uncovered)
            probe = Schedule(events=(event,), default=marker, time_zone=schedule.time_zone)
            self.probes.append((event, probe, marker.state))

    def event_at(self, instant: datetime, state: ScheduleState) -> str | None:
        for event, probe, uncovered in self.probes:
            if probe.state_at(instant, self.zone) != uncovered:
                return event.name if event.state == state else None
        return None


def schedule_html(schedule: Schedule, zone: str | None = None, week: date | None = None) -> str:
    """HTML of a schedule's week picture (what a notebook shows for a schedule).

    Args:
        schedule (Schedule): The schedule.
        zone (str | None): The organisation's time zone (the schedule's own wins); UTC
            when neither is known.
        week (date | None): Any day of the week wanted; ``None`` is this week.

    Returns:
        str: A ``<div>`` with an inline SVG and a line naming the events in order.
    """
    view = week_view(schedule, zone, week)
    items = "".join(
        f"<li>{html.escape(event.name)}: {html.escape(str(event.when))} → "
        f"{html.escape(str(event.state))}</li>"
        for event in schedule.events
    )
    items += f"<li>default event: always → {html.escape(str(schedule.default.state))}</li>"
    return f'<div class="cloudtel-schedule">{view.svg()}<ol>{items}</ol></div>'


def describe_events(schedule: Schedule) -> Sequence[str]:
    """The events in priority order as lines, then the default event.

    Args:
        schedule (Schedule): The schedule.

    Returns:
        Sequence[str]: ``"1. newyear  yearly 01-01 00:00:00 to 01-02 00:00:00  closed
        (User unavailable)"`` …, last ``"   default  always  closed"``.
    """
    lines = [
        f"{position}. {event.name}  {event.when}  {event.state}"
        for position, event in enumerate(schedule.events, start=1)
    ]
    lines.append(f"   default  always  {schedule.default.state}")
    return lines
