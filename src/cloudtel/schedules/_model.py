"""The schedule model: events, time definitions, the default event and the schedule.

Everything here is a frozen value object. A :class:`Schedule` is edited by methods
(:meth:`Schedule.insert`, :meth:`Schedule.move`, :meth:`Schedule.replace`,
:meth:`Schedule.remove`, :meth:`Schedule.set_default`) that return a *new* schedule; the
compiled engine (change instants per year) is cached on each schedule instance, so an edit
can never be answered from a stale cache: the new instance starts with an empty one.

Times in a time definition are wall-clock times (naive :class:`~datetime.time` /
:class:`~datetime.datetime`) in the schedule's time zone, whole seconds.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Final, TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from cloudtel._enums import member
from cloudtel._items import as_items
from cloudtel._text import check_line
from cloudtel.errors import DuplicateError, NotFoundError, ScheduleError
from cloudtel.numbers import PhoneNumber

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from cloudtel.schedules._engine import Change, CompiledSchedule

__all__ = [
    "Action",
    "DefaultEvent",
    "Easter",
    "ForwardTarget",
    "LanguageInstructions",
    "Once",
    "Recurrence",
    "Schedule",
    "ScheduleEvent",
    "ScheduleState",
    "TimeDefinition",
    "Weekday",
    "Weekly",
    "Yearly",
    "easter_sunday",
]


class Action(enum.Enum):
    """What happens to a call while an event is in force.

    ``code`` is the small integer used in compiled arrays (``OPEN`` 0, ``FORWARD`` 1,
    ``CLOSED`` 2).
    """

    OPEN = "open"
    FORWARD = "forward"
    CLOSED = "closed"

    @property
    def code(self) -> int:
        """The action's code in compiled arrays: its position in ``tuple(Action)``."""
        return _ACTION_CODES[self]

    @classmethod
    def from_code(cls, code: int) -> Action:
        """The action with that code.

        Args:
            code (int): 0, 1 or 2.

        Returns:
            Action: ``tuple(Action)[code]``.
        """
        return _ACTIONS[code]


_ACTIONS: Final = tuple(Action)
_ACTION_CODES: Final = {action: index for index, action in enumerate(_ACTIONS)}


class Weekday(enum.Enum):
    """A day of the week; ``number`` is :meth:`datetime.date.weekday` (Monday 0)."""

    MONDAY = "mon"
    TUESDAY = "tue"
    WEDNESDAY = "wed"
    THURSDAY = "thu"
    FRIDAY = "fri"
    SATURDAY = "sat"
    SUNDAY = "sun"

    @property
    def number(self) -> int:
        """0 for Monday … 6 for Sunday, like :meth:`datetime.date.weekday`."""
        return _WEEKDAY_NUMBERS[self]

    @classmethod
    def of(cls, day: date) -> Weekday:
        """The weekday of a date.

        Args:
            day (date): Any date.

        Returns:
            Weekday: Its day of the week.
        """
        return _WEEKDAYS[day.weekday()]


_WEEKDAYS: Final = tuple(Weekday)
_WEEKDAY_NUMBERS: Final = {day: index for index, day in enumerate(_WEEKDAYS)}
_DAY_NAMES: Final = {
    **{day.value: day for day in _WEEKDAYS},
    **{day.name.lower(): day for day in _WEEKDAYS},
}
"""The names a weekday may be given by (any case): ``mon`` or ``monday``, nothing else."""
WORKDAYS: Final = _WEEKDAYS[:5]
"""Monday to Friday."""


def _to_days(value: Iterable[Weekday | str | int] | Weekday | str | int) -> tuple[Weekday, ...]:
    days: set[Weekday] = set()
    for item in as_items(value, "days"):
        if isinstance(item, Weekday):
            days.add(item)
        elif isinstance(item, str) and item.strip().lower() in _DAY_NAMES:
            days.add(_DAY_NAMES[item.strip().lower()])
        elif isinstance(item, int) and not isinstance(item, bool) and 0 <= item <= 6:
            days.add(_WEEKDAYS[item])
        else:
            raise ScheduleError(
                f"{item!r} is not a weekday; use Weekday.MONDAY …, 'mon' … 'sun', 'monday' … "
                "'sunday' or 0 … 6, and a list for several days, e.g. ['mon', 'tue']",
                field="days",
                value=item,
            )
    return tuple(sorted(days, key=_WEEKDAY_NUMBERS.__getitem__))


def _check_wall_time(value: object, field: str) -> None:
    if not isinstance(value, time) or isinstance(value, datetime):
        raise ScheduleError(
            f"{field} must be a time of day, got {value!r}", field=field, value=value
        )
    if value.tzinfo is not None:
        raise ScheduleError(
            f"{field} {value} carries a time zone; times are wall-clock times in the "
            "schedule's time zone, so give a naive time",
            field=field,
            value=value,
        )
    if value.microsecond:
        raise ScheduleError(
            f"{field} {value} has a fraction of a second; whole seconds only",
            field=field,
            value=value,
        )


def _check_wall_datetime(value: object, field: str) -> None:
    if not isinstance(value, datetime):
        raise ScheduleError(
            f"{field} must be a date and time, got {value!r}", field=field, value=value
        )
    if value.tzinfo is not None:
        raise ScheduleError(
            f"{field} {value} carries a time zone; times are wall-clock times in the "
            "schedule's time zone, so give a naive date-time",
            field=field,
            value=value,
        )
    if value.microsecond:
        raise ScheduleError(
            f"{field} {value} has a fraction of a second; whole seconds only",
            field=field,
            value=value,
        )


@attrs.frozen(kw_only=True)
class Recurrence:
    """Where a repeating event's occurrences begin and end.

    Args:
        first (date | None): The first date an occurrence may start on (``None``: no
            lower bound).
        until (date | None): End "until D": keep the occurrences that *start* on or before D.
        count (int | None): End "after N occurrences": keep the first N occurrences that are
            generated from ``first`` on (days not in the event, and Feb 29 in a year without
            one, are not generated and so do not count). Needs ``first``.

    Neither ``until`` nor ``count``: the end is "never".

    Raises:
        ScheduleError: ``until`` and ``count`` together, ``count`` < 1, ``count`` without
            ``first``, or ``until`` before ``first``.
    """

    first: date | None = None
    until: date | None = None
    count: int | None = None

    def __attrs_post_init__(self) -> None:
        for field in ("first", "until"):
            value = getattr(self, field)
            if value is not None and (not isinstance(value, date) or isinstance(value, datetime)):
                raise ScheduleError(
                    f"{field} must be a date, got {value!r}", field=field, value=value
                )
        if self.until is not None and self.count is not None:
            raise ScheduleError(
                "a recurrence ends either until a date or after a number of occurrences, not both",
                field="count",
                value=self.count,
            )
        if self.count is not None:
            if not isinstance(self.count, int) or isinstance(self.count, bool) or self.count < 1:
                raise ScheduleError(
                    f"count must be a whole number of occurrences, at least 1, got {self.count!r}",
                    field="count",
                    value=self.count,
                )
            if self.first is None:
                raise ScheduleError(
                    "'after N occurrences' needs a first date to count from",
                    field="first",
                    value=None,
                )
        if self.first is not None and self.until is not None and self.until < self.first:
            raise ScheduleError(
                f"until {self.until} is before the first date {self.first}",
                field="until",
                value=self.until,
            )

    @property
    def ends(self) -> bool:
        """Whether the recurrence ends (until a date, or after N occurrences)."""
        return self.until is not None or self.count is not None


NEVER: Final = Recurrence()
"""A recurrence without bounds: from always, ending never."""


@attrs.frozen(kw_only=True)
class Weekly:
    """Weekdays between two wall-clock times, e.g. Mon–Fri 09:00–18:00.

    An occurrence starts on each of ``days`` at ``start``. When ``end`` is not after
    ``start`` the occurrence runs into the next day (Fri 22:00–06:00 covers Saturday 02:00);
    an ``end`` of 00:00 is the midnight that ends the day; ``start == end`` is 24 hours.

    Args:
        days (tuple[Weekday, ...]): The days an occurrence starts on (at least one); given as
            Weekday, ``"mon"`` … or 0 … 6, stored sorted Monday first.
        start (time): Start, naive wall-clock time, whole seconds.
        end (time): End, same.
        recurrence (Recurrence): First date and end.

    Raises:
        ScheduleError: No days, or a time that is not a naive whole-second time.
    """

    days: tuple[Weekday, ...] = attrs.field(converter=_to_days)
    start: time
    end: time
    recurrence: Recurrence = NEVER

    def __attrs_post_init__(self) -> None:
        if not self.days:
            raise ScheduleError("a weekly event needs at least one weekday", field="days", value=())
        _check_wall_time(self.start, "start")
        _check_wall_time(self.end, "end")
        if not isinstance(self.recurrence, Recurrence):
            raise ScheduleError("recurrence must be a Recurrence", field="recurrence")

    @property
    def duration_seconds(self) -> int:
        """Length of one occurrence in seconds of wall-clock time (1 … 86 400)."""
        start = _seconds(self.start)
        end = _seconds(self.end)
        return end - start if end > start else end - start + 86_400

    def __str__(self) -> str:
        days = ",".join(day.value for day in self.days)
        return f"weekly {days} {self.start:%H:%M:%S}-{self.end:%H:%M:%S}{_bounds(self.recurrence)}"


MonthDayTime: TypeAlias = tuple[int, int, time]
"""``(month, day, time)`` of a yearly event."""


def _to_month_day_time(value: Sequence[Any]) -> MonthDayTime:
    if not isinstance(value, tuple | list) or len(value) != 3:
        raise ScheduleError(
            f"a yearly start or end is (month, day, time), got {value!r}", value=value
        )
    month, day, at = value
    return (month, day, at)


@attrs.frozen(kw_only=True)
class Yearly:
    """Every year from a month-day-time to a month-day-time, e.g. 01-01 00:00 to 01-02 00:00.

    When ``end`` is not after ``start`` (compared as month, day, time) the occurrence ends
    in the next year; ``start == end`` is a whole year. An event starting on Feb 29 occurs
    only in leap years. An end on Feb 29 is only allowed for an event that starts on Feb 29
    and ends later that same day (a year without Feb 29 could not end it).

    Args:
        start (tuple[int, int, time]): ``(month, day, time)``, time naive, whole seconds.
        end (tuple[int, int, time]): Same.
        recurrence (Recurrence): First date and end.

    Raises:
        ScheduleError: A month-day that no year has, a bad time, or an end on Feb 29
            that some occurrence could not have.
    """

    start: MonthDayTime = attrs.field(converter=_to_month_day_time)
    end: MonthDayTime = attrs.field(converter=_to_month_day_time)
    recurrence: Recurrence = NEVER

    def __attrs_post_init__(self) -> None:
        for field in ("start", "end"):
            month, day, at = getattr(self, field)
            try:
                date(2000, month, day)
            except (TypeError, ValueError):
                raise ScheduleError(
                    f"{field} {month!r}-{day!r} is not a day of the year (month 1–12, a day "
                    "that month has)",
                    field=field,
                    value=(month, day),
                ) from None
            _check_wall_time(at, field)
        if self.end[:2] == (2, 29) and not (self.start[:2] == (2, 29) and self.end > self.start):
            raise ScheduleError(
                "a yearly event may end on 02-29 only when it starts on 02-29 and ends later "
                "that day; end it on 03-01 00:00 instead",
                field="end",
                value=self.end,
            )
        if not isinstance(self.recurrence, Recurrence):
            raise ScheduleError("recurrence must be a Recurrence", field="recurrence")

    @property
    def leap_only(self) -> bool:
        """Whether the event starts on Feb 29 and so occurs only in leap years."""
        return self.start[:2] == (2, 29)

    def __str__(self) -> str:
        (sm, sd, st), (em, ed, et) = self.start, self.end
        return (
            f"yearly {sm:02d}-{sd:02d} {st:%H:%M:%S} to {em:02d}-{ed:02d} {et:%H:%M:%S}"
            f"{_bounds(self.recurrence)}"
        )


def easter_sunday(year: int) -> date:
    """Easter Sunday of a year (Western churches, Gregorian calendar).

    The anonymous Gregorian computus (Meeus/Jones/Butcher), valid for every year of the
    Gregorian calendar; Easter Sunday falls between March 22 and April 25.

    Args:
        year (int): A year, 1583 or later.

    Returns:
        date: Easter Sunday of that year, e.g. ``date(2026, 4, 5)``.

    Raises:
        ScheduleError: A year before 1583 (before the Gregorian calendar).
    """
    if not isinstance(year, int) or isinstance(year, bool) or year < 1583:
        raise ScheduleError(
            f"year {year!r} is not a Gregorian year (1583 or later)", field="year", value=year
        )
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday_shift = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday_shift) // 451
    month, day = divmod(h + weekday_shift - 7 * m + 114, 31)
    return date(year, month, day + 1)


EASTER_OFFSETS: Final = range(-80, 251)
"""The days after Easter Sunday an :class:`Easter` event may start on: from January 1 of
the earliest Easter (March 22) to December 31 of the latest (April 25), so every occurrence
starts in the year of its Easter."""


@attrs.frozen(kw_only=True)
class Easter:
    """Every year on a day counted from Easter Sunday, e.g. Easter Monday, Ascension.

    A yearly rule for the holidays that move with Easter: ``offset`` days after Easter
    Sunday (negative is before), from ``start`` to ``end`` wall-clock time. When ``end`` is
    not after ``start`` the occurrence runs into the next day; the default 00:00–00:00 is
    the whole day. Common offsets: 0 Easter Sunday, 1 Easter Monday, -2 Good Friday,
    39 Ascension, 49 Whit Sunday (Pentecost), 50 Whit Monday.

    Args:
        offset (int): Days after Easter Sunday, -80 … 250 (every occurrence starts in the
            year of its Easter).
        start (time): Start, naive wall-clock time, whole seconds; default 00:00.
        end (time): End, same; default 00:00 (the midnight that ends the day).
        recurrence (Recurrence): First date and end (``after N``: N years).

    Raises:
        ScheduleError: An offset outside -80 … 250, or a bad time.
    """

    offset: int
    start: time = time(0)
    end: time = time(0)
    recurrence: Recurrence = NEVER

    def __attrs_post_init__(self) -> None:
        if (
            not isinstance(self.offset, int)
            or isinstance(self.offset, bool)
            or self.offset not in EASTER_OFFSETS
        ):
            raise ScheduleError(
                f"offset {self.offset!r} is not a number of days from Easter Sunday between "
                f"{EASTER_OFFSETS.start} and {EASTER_OFFSETS.stop - 1}",
                field="offset",
                value=self.offset,
            )
        _check_wall_time(self.start, "start")
        _check_wall_time(self.end, "end")
        if not isinstance(self.recurrence, Recurrence):
            raise ScheduleError("recurrence must be a Recurrence", field="recurrence")

    def day(self, year: int) -> date:
        """The day the occurrence of a year starts on.

        Args:
            year (int): A year, 1583 or later.

        Returns:
            date: Easter Sunday of that year plus :attr:`offset` days (bounds not applied).
        """
        return easter_sunday(year) + timedelta(days=self.offset)

    @property
    def duration_seconds(self) -> int:
        """Length of one occurrence in seconds of wall-clock time (1 … 86 400)."""
        start = _seconds(self.start)
        end = _seconds(self.end)
        return end - start if end > start else end - start + 86_400

    def __str__(self) -> str:
        return (
            f"easter{self.offset:+d} {self.start:%H:%M:%S}-{self.end:%H:%M:%S}"
            f"{_bounds(self.recurrence)}"
        )


@attrs.frozen(kw_only=True)
class Once:
    """A single occurrence from one wall-clock date-time to another.

    Args:
        start (datetime): Naive wall-clock date-time, whole seconds.
        end (datetime): Same; must be after ``start``.

    Raises:
        ScheduleError: An aware or fractional date-time, or an end not after the start.
    """

    start: datetime
    end: datetime

    def __attrs_post_init__(self) -> None:
        _check_wall_datetime(self.start, "start")
        _check_wall_datetime(self.end, "end")
        if self.end <= self.start:
            raise ScheduleError(
                f"a one-off event must end after it starts: {self.start} to {self.end}",
                field="end",
                value=self.end,
            )

    def __str__(self) -> str:
        return f"once {self.start:%Y-%m-%d %H:%M:%S} to {self.end:%Y-%m-%d %H:%M:%S}"


TimeDefinition: TypeAlias = Weekly | Yearly | Easter | Once
"""When an event is in force: :class:`Weekly`, :class:`Yearly`, :class:`Easter` or
:class:`Once`."""


def _bounds(recurrence: Recurrence) -> str:
    text = ""
    if recurrence.first is not None:
        text += f" from {recurrence.first}"
    if recurrence.until is not None:
        text += f" until {recurrence.until}"
    if recurrence.count is not None:
        text += f" after {recurrence.count}"
    return text


def _seconds(value: time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


def _to_number(value: PhoneNumber | str | None) -> PhoneNumber | None:
    if value is None or isinstance(value, PhoneNumber):
        return value
    return PhoneNumber.parse(value)


@attrs.frozen(kw_only=True)
class ForwardTarget:
    """Where a Forward event sends calls: a phone number, a user or a function number.

    Exactly one of the three is given.

    Args:
        number (PhoneNumber | None): Any phone number (text is parsed).
        user (str | None): A username of the organisation.
        function_number (PhoneNumber | None): The number of a function number.

    Raises:
        ScheduleError: None or more than one of the three.
    """

    number: PhoneNumber | None = attrs.field(default=None, converter=_to_number)
    user: str | None = None
    function_number: PhoneNumber | None = attrs.field(default=None, converter=_to_number)

    def __attrs_post_init__(self) -> None:
        given = [v for v in (self.number, self.user, self.function_number) if v is not None]
        if len(given) != 1:
            raise ScheduleError(
                "a forward target is exactly one of: number, user, function_number",
                field="forward_to",
                value=given,
            )
        if self.user is not None:
            check_line(self.user, "user", what="a forward target's user", error=ScheduleError)
        if self.user is not None and not self.user.strip():
            raise ScheduleError(
                "a forward target user needs a username", field="user", value=self.user
            )

    @property
    def kind(self) -> str:
        """``"number"``, ``"user"`` or ``"function_number"``."""
        if self.number is not None:
            return "number"
        return "user" if self.user is not None else "function_number"

    def __str__(self) -> str:
        if self.user is not None:
            return f"user {self.user}"
        if self.number is not None:
            return str(self.number)
        return f"function number {self.function_number}"


def _to_action(value: Action | str) -> Action:
    """An action from a member or its value or name in any case (``"OPEN"``, ``"Open"``);
    anything else is left for :func:`_check_action` to refuse, naming the event."""
    found = member(Action, value)
    return value if found is None else found  # type: ignore[return-value]


def _check_action(
    action: object, forward_to: ForwardTarget | None, instruction: str | None, where: str
) -> None:
    if not isinstance(action, Action):
        raise ScheduleError(
            f"{where}: action must be one of open, forward, closed (any case), got {action!r}",
            field="action",
            value=action,
        )
    if action is Action.FORWARD and not isinstance(forward_to, ForwardTarget):
        raise ScheduleError(
            f"{where}: a Forward action needs forward_to (a number, user or function number)",
            field="forward_to",
            value=forward_to,
        )
    if action is not Action.FORWARD and forward_to is not None:
        raise ScheduleError(
            f"{where}: only a Forward action has a forward_to, this one is {action.value}",
            field="forward_to",
            value=forward_to,
        )
    if instruction is not None:
        check_line(instruction, "instruction", what=f"{where}: instruction", error=ScheduleError)
    if instruction is not None and not instruction.strip():
        raise ScheduleError(
            f"{where}: instruction is the name of a voice prompt, or None",
            field="instruction",
            value=instruction,
        )


_LANGUAGE: Final = re.compile(r"[a-z]{2,3}(-[A-Z]{2})?")

LanguageInstructions: TypeAlias = tuple[tuple[str, str], ...]
"""``((language, prompt name), …)``: the instruction of an event per caller language."""


def _language_instructions(
    value: Mapping[str, str] | Iterable[tuple[str, str]] | None,
) -> LanguageInstructions:
    if value is None:
        return ()
    pairs = list(value.items()) if isinstance(value, Mapping) else list(value)
    found: dict[str, str] = {}
    for pair in pairs:
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise ScheduleError(
                f"an instruction per language is (language, prompt name), got {pair!r}",
                field="language_instructions",
                value=pair,
            )
        language, prompt = pair
        if not isinstance(language, str) or _LANGUAGE.fullmatch(language) is None:
            raise ScheduleError(
                f"{language!r} is not a language code like 'nl', 'fr' or 'nl-BE'",
                field="language_instructions",
                value=language,
            )
        if not isinstance(prompt, str) or not prompt.strip():
            raise ScheduleError(
                f"the instruction in {language!r} must name a voice prompt, got {prompt!r}",
                field="language_instructions",
                value=prompt,
            )
        check_line(prompt, "language_instructions", what="an instruction", error=ScheduleError)
        if language in found:
            raise ScheduleError(
                f"two instructions in language {language!r}; one prompt per language",
                field="language_instructions",
                value=language,
            )
        found[language] = prompt
    return tuple(sorted(found.items()))


@attrs.frozen(kw_only=True)
class ScheduleState:
    """The answer to "what happens to a call now": an action and its details.

    Two instants have the same state when action, forward target and instructions are
    equal; a boundary between equal states is not a change.

    Args:
        action (Action): Open, Forward or Closed.
        forward_to (ForwardTarget | None): Where Forward sends calls.
        instruction (str | None): The voice prompt played, by name.
        language_instructions (LanguageInstructions): The prompt played to callers of a
            language, ``(language, prompt)`` pairs (a mapping is accepted), sorted.
    """

    action: Action = attrs.field(converter=_to_action)
    forward_to: ForwardTarget | None = None
    instruction: str | None = None
    language_instructions: LanguageInstructions = attrs.field(
        default=(), converter=_language_instructions
    )

    def instruction_for(self, language: str | None) -> str | None:
        """The voice prompt a caller of ``language`` hears.

        Args:
            language (str | None): The caller's language, e.g. ``"fr"``.

        Returns:
            str | None: The prompt of that language, else :attr:`instruction`.
        """
        return dict(self.language_instructions).get(language or "", self.instruction)

    def __str__(self) -> str:
        text = self.action.value
        if self.forward_to is not None:
            text += f" to {self.forward_to}"
        if self.instruction is not None:
            text += f" ({self.instruction})"
        for language, prompt in self.language_instructions:
            text += f" ({language}: {prompt})"
        return text


@attrs.frozen(kw_only=True)
class ScheduleEvent:
    """One line of a schedule: a name, when, and what happens.

    Args:
        name (str): Unique within its schedule, e.g. ``"newyear"``.
        when (Weekly | Yearly | Easter | Once): The time definition.
        action (Action): What happens to calls while it is in force.
        forward_to (ForwardTarget | None): Required for, and only for, ``Action.FORWARD``.
        instruction (str | None): Name of the voice prompt to play, e.g. ``"User unavailable"``.
        language_instructions (LanguageInstructions): Another prompt per caller language
            (the portal's "Nieuwe instructie toevoegen"), e.g. ``{"fr": "Fermé"}``: a
            caller of that language hears it instead of ``instruction``.

    Raises:
        ScheduleError: An empty name, a bad time definition, a forward target that does
            not fit the action, or a bad language or prompt name.
    """

    name: str
    when: TimeDefinition
    action: Action = attrs.field(converter=_to_action)
    forward_to: ForwardTarget | None = None
    instruction: str | None = None
    language_instructions: LanguageInstructions = attrs.field(
        default=(), converter=_language_instructions
    )

    def __attrs_post_init__(self) -> None:
        check_line(self.name, "name", what="an event's name", error=ScheduleError)
        if not self.name.strip():
            raise ScheduleError("an event needs a name", field="name", value=self.name)
        if not isinstance(self.when, Weekly | Yearly | Easter | Once):
            raise ScheduleError(
                f"event {self.name!r}: when must be Weekly, Yearly, Easter or Once, "
                f"got {self.when!r}",
                field="when",
                value=self.when,
            )
        _check_action(self.action, self.forward_to, self.instruction, f"event {self.name!r}")

    @property
    def state(self) -> ScheduleState:
        """The state this event puts the number in while it is in force."""
        return ScheduleState(
            action=self.action,
            forward_to=self.forward_to,
            instruction=self.instruction,
            language_instructions=self.language_instructions,
        )


@attrs.frozen(kw_only=True)
class DefaultEvent:
    """The bottom line of a schedule: "always", in force where no event is.

    Args:
        action (Action): Initially Closed.
        forward_to (ForwardTarget | None): Required for, and only for, ``Action.FORWARD``.
        instruction (str | None): Name of the voice prompt to play.
        language_instructions (LanguageInstructions): Another prompt per caller language.

    Raises:
        ScheduleError: A forward target that does not fit the action.
    """

    action: Action = attrs.field(default=Action.CLOSED, converter=_to_action)
    forward_to: ForwardTarget | None = None
    instruction: str | None = None
    language_instructions: LanguageInstructions = attrs.field(
        default=(), converter=_language_instructions
    )

    def __attrs_post_init__(self) -> None:
        _check_action(self.action, self.forward_to, self.instruction, "default event")

    @property
    def state(self) -> ScheduleState:
        """The state where no event is in force."""
        return ScheduleState(
            action=self.action,
            forward_to=self.forward_to,
            instruction=self.instruction,
            language_instructions=self.language_instructions,
        )


def _to_events(value: Iterable[ScheduleEvent] | ScheduleEvent) -> tuple[ScheduleEvent, ...]:
    return as_items(value, "events")


@attrs.frozen(kw_only=True)
class Schedule:
    """The events of a function number in priority order, above a default event.

    The state at an instant is the state of the first event (highest priority) that covers
    it, else the default event's. Edits return a new schedule; the compiled change instants
    are cached on each instance (per time zone, per year, on demand).

    Args:
        events (tuple[ScheduleEvent, ...]): Highest priority first; names unique.
        default (DefaultEvent): "Always", initially Closed.
        time_zone (str | None): IANA name overriding the organisation's time zone; ``None``
            means the zone given to the questions (the organisation's).

    Raises:
        DuplicateError: Two events with the same name.
        ScheduleError: An unknown time zone or something that is not an event.
    """

    events: tuple[ScheduleEvent, ...] = attrs.field(default=(), converter=_to_events)
    default: DefaultEvent = DefaultEvent()
    time_zone: str | None = None
    # typed Any (not CompiledSchedule, imported only for type checking) so that cattrs
    # can resolve the annotations of Schedule when it writes org files
    _engines: dict[str | ZoneInfo, Any] = attrs.field(
        init=False, factory=dict, eq=False, repr=False, hash=False
    )
    # the organisation's zone, given by the function numbers that keep this schedule:
    # neither compared nor saved, kept by every edit, used when no zone is passed
    _org_zone: str | None = attrs.field(init=False, default=None, eq=False, repr=False, hash=False)

    def __attrs_post_init__(self) -> None:
        seen: set[str] = set()
        for position, event in enumerate(self.events):
            if not isinstance(event, ScheduleEvent):
                raise ScheduleError(
                    f"events[{position}] is not a ScheduleEvent: {event!r}",
                    field=f"events[{position}]",
                    value=event,
                )
            if event.name in seen:
                raise DuplicateError(
                    f"two events are named {event.name!r}; event names are unique in a schedule",
                    field=f"events[{position}].name",
                    value=event.name,
                )
            seen.add(event.name)
        if not isinstance(self.default, DefaultEvent):
            raise ScheduleError(
                "default must be a DefaultEvent", field="default", value=self.default
            )
        if self.time_zone is not None:
            zone_of(self.time_zone)

    # -- finding -----------------------------------------------------------------------

    def index(self, event: str | int) -> int:
        """The position of an event.

        Args:
            event (str | int): Its name, or its position (negative counts from the bottom).

        Returns:
            int: Its position, 0 is the top (highest priority).

        Raises:
            NotFoundError: No event of that name, or a position outside the list.
        """
        if isinstance(event, int) and not isinstance(event, bool):
            size = len(self.events)
            if -size <= event < size:
                return event % size
            raise NotFoundError(
                f"no event at position {event}; the schedule has {size} events",
                field="event",
                value=event,
            )
        for position, candidate in enumerate(self.events):
            if candidate.name == event:
                return position
        names = ", ".join(repr(e.name) for e in self.events) or "none"
        raise NotFoundError(
            f"no event named {event!r}; events: {names}", field="event", value=event
        )

    def event(self, name: str) -> ScheduleEvent:
        """The event with that name.

        Args:
            name (str): The event's name.

        Returns:
            ScheduleEvent: The event.

        Raises:
            NotFoundError: No such event.
        """
        return self.events[self.index(name)]

    # -- editing (each returns a new Schedule) -----------------------------------------

    def _evolve(self, **changes: Any) -> Schedule:
        new = attrs.evolve(self, **changes)
        object.__setattr__(new, "_org_zone", self._org_zone)
        return new

    def in_organization_zone(self, zone: str | None) -> Schedule:
        """This schedule, answering in ``zone`` when neither it nor a question names one.

        The organisation's function numbers give their schedules the organisation's
        time zone this way (see :meth:`cloudtel.FunctionNumbers.add`), so
        ``function.schedule.state_at(now)`` works without passing the zone. It is not
        an override: it is neither saved nor compared, and ``time_zone`` stays ``None``.

        Args:
            zone (str | None): An IANA time zone name, or ``None`` to forget it.

        Returns:
            Schedule: An equal schedule that knows the zone (``self`` when it knew it).

        Raises:
            ScheduleError: An unknown zone.
        """
        if zone == self._org_zone:
            return self
        if zone is not None:
            zone_of(zone)
        new = attrs.evolve(self)
        object.__setattr__(new, "_org_zone", zone)
        return new

    def update(self, event: str | int, /, **changes: Any) -> Schedule:
        """Change some fields of one event, keeping its place.

        Example: ``schedule.update("lunch", action=Action.FORWARD, forward_to=target)``
        or ``schedule.update(0, when=Weekly(days="mon", start=time(9), end=time(12)))``.

        Args:
            event (str | int): The event, by name or position.
            **changes: New values of ``name``, ``when``, ``action``, ``forward_to``,
                ``instruction``.

        Returns:
            Schedule: The edited schedule.

        Raises:
            NotFoundError: No such event.
            ScheduleError: A field that events do not have, or a combination that does
                not fit (a forward target without Forward …); names the event.
            DuplicateError: The new name belongs to another event.

        Changing the action away from Forward drops the forward target with it.
        """
        position = self.index(event)
        old = self.events[position]
        fields = {f.name for f in attrs.fields(ScheduleEvent)}
        unknown = sorted(set(changes) - fields)
        if unknown:
            raise ScheduleError(
                f"event {old.name!r} has no field {', '.join(unknown)}; "
                f"fields are: {', '.join(sorted(fields))}",
                field=unknown[0],
                value=changes[unknown[0]],
            )
        if changes.get("action") not in (None, Action.FORWARD) and "forward_to" not in changes:
            changes["forward_to"] = None  # a forward target only goes with Forward
        return self.replace(position, attrs.evolve(old, **changes))

    def insert(self, event: ScheduleEvent, position: int | None = None) -> Schedule:
        """Add an event.

        Args:
            event (ScheduleEvent): The new event (its name must be new).
            position (int | None): Where, like :meth:`list.insert` (0 is the top); ``None``
                adds it at the bottom, just above the default event.

        Returns:
            Schedule: The edited schedule.

        Raises:
            DuplicateError: An event with that name exists.
        """
        events = list(self.events)
        events.insert(len(events) if position is None else position, event)
        return self._evolve(events=tuple(events))

    def move(self, event: str | int, position: int) -> Schedule:
        """Move an event to another position (the portal's drag).

        Args:
            event (str | int): The event, by name or position.
            position (int): Its new position in the resulting list (0 is the top;
                negative counts from the bottom, -1 is the bottom).

        Returns:
            Schedule: The edited schedule.

        Raises:
            NotFoundError: No such event or position.
        """
        source = self.index(event)
        events = list(self.events)
        moved = events.pop(source)
        size = len(self.events)
        if not -size <= position < size:
            raise NotFoundError(
                f"cannot move to position {position}; the schedule has {size} events",
                field="position",
                value=position,
            )
        events.insert(position % size, moved)
        return self._evolve(events=tuple(events))

    def replace(self, event: str | int, new: ScheduleEvent) -> Schedule:
        """Replace an event (edit it) at the same position.

        Args:
            event (str | int): The event to replace, by name or position.
            new (ScheduleEvent): Its replacement (may have another name if that is free).

        Returns:
            Schedule: The edited schedule.

        Raises:
            NotFoundError: No such event.
            DuplicateError: The new name belongs to another event.
        """
        events = list(self.events)
        events[self.index(event)] = new
        return self._evolve(events=tuple(events))

    def remove(self, event: str | int) -> Schedule:
        """Remove an event.

        Args:
            event (str | int): The event, by name or position.

        Returns:
            Schedule: The edited schedule.

        Raises:
            NotFoundError: No such event.
        """
        events = list(self.events)
        del events[self.index(event)]
        return self._evolve(events=tuple(events))

    def set_default(
        self,
        action: Action | DefaultEvent,
        *,
        forward_to: ForwardTarget | None = None,
        instruction: str | None = None,
    ) -> Schedule:
        """Change the default event.

        Args:
            action (Action | DefaultEvent): The new default action, or a whole DefaultEvent.
            forward_to (ForwardTarget | None): For Forward.
            instruction (str | None): Voice prompt name.

        Returns:
            Schedule: The edited schedule.

        Raises:
            ScheduleError: A forward target that does not fit the action.
        """
        default = (
            action
            if isinstance(action, DefaultEvent)
            else DefaultEvent(action=action, forward_to=forward_to, instruction=instruction)
        )
        return self._evolve(default=default)

    def with_time_zone(self, time_zone: str | None) -> Schedule:
        """Override (or, with ``None``, stop overriding) the organisation's time zone.

        Args:
            time_zone (str | None): IANA name such as ``"Europe/Brussels"``.

        Returns:
            Schedule: The edited schedule.

        Raises:
            ScheduleError: An unknown zone.
        """
        return self._evolve(time_zone=time_zone)

    # -- references --------------------------------------------------------------------

    def instructions(self) -> Iterator[tuple[str, str]]:
        """Every voice prompt the schedule refers to.

        Returns:
            Iterator[tuple[str, str]]: ``(where, prompt name)`` pairs, where is
            ``"event 'newyear'"``, ``"event 'newyear' (fr)"`` or ``"default event"``; in
            list order.
        """
        for event in self.events:
            if event.instruction is not None:
                yield f"event {event.name!r}", event.instruction
            for language, prompt in event.language_instructions:
                yield f"event {event.name!r} ({language})", prompt
        if self.default.instruction is not None:
            yield "default event", self.default.instruction
        for language, prompt in self.default.language_instructions:
            yield f"default event ({language})", prompt

    # -- questions (see cloudtel.schedules._engine) --------------------------------------

    @property
    def states(self) -> tuple[ScheduleState, ...]:
        """The distinct states the schedule can be in; state codes index this tuple.

        The default event's state is code 0, then each new state in event order.
        """
        table = [self.default.state]
        for event in self.events:
            state = event.state
            if state not in table:
                table.append(state)
        return tuple(table)

    def compiled(self, zone: str | ZoneInfo | None = None) -> CompiledSchedule:
        """The compiled engine of this schedule for a time zone (cached on the instance).

        Args:
            zone (str | ZoneInfo | None): The organisation's time zone, used when the
                schedule has no ``time_zone`` of its own.

        Returns:
            CompiledSchedule: Answers the questions by binary search.

        Raises:
            ScheduleError: Neither the schedule nor the call names a time zone.
        """
        key = self.time_zone
        if key is None:
            zone = zone if zone is not None else self._org_zone
            if zone is None:
                raise ScheduleError(
                    "the schedule has no time zone of its own: pass the organisation's zone",
                    field="zone",
                )
            key = zone if isinstance(zone, str) else zone.key
        engine: CompiledSchedule | None = self._engines.get(key)
        if engine is None:
            # imported here, not at the top: _engine imports this module at its top,
            # so a top-level import would be an import cycle
            from cloudtel.schedules._engine import CompiledSchedule  # noqa: PLC0415

            engine = CompiledSchedule(self, zone_of(key))
            self._engines[key] = engine
        if zone is not None and not isinstance(zone, str) and self.time_zone is None:
            # state_at looks engines up by what it is given: a ZoneInfo finds it too
            self._engines[zone] = engine
        return engine

    def state_at(
        self, instant: datetime | float, zone: str | ZoneInfo | None = None
    ) -> ScheduleState:
        """The state at an instant.

        Args:
            instant (datetime | float): An aware datetime in any zone (same instant, same
                answer), or UTC epoch seconds.
            zone (str | ZoneInfo | None): The organisation's time zone (see :meth:`compiled`).

        Returns:
            ScheduleState: The first covering event's state, else the default's.

        Raises:
            ScheduleError: A naive datetime, or no time zone known.
        """
        key = self.time_zone or zone or self._org_zone
        engine: CompiledSchedule | None = self._engines.get(key)  # type: ignore[arg-type]
        if engine is None:
            engine = self.compiled(zone)
        return engine.state_at(instant)

    def next_change(
        self, after: datetime | float, zone: str | ZoneInfo | None = None
    ) -> Change | None:
        """The first change strictly after an instant (see :meth:`CompiledSchedule.next_change`).

        Args:
            after (datetime | float): Aware datetime or UTC epoch seconds.
            zone (str | ZoneInfo | None): The organisation's time zone.

        Returns:
            Change | None: The change, or None when the state never changes again.

        Raises:
            ScheduleError: A naive datetime, or no time zone known.
        """
        return self.compiled(zone).next_change(after)

    def changes(
        self, start: datetime | float, end: datetime | float, zone: str | ZoneInfo | None = None
    ) -> tuple[Change, ...]:
        """Every change at an instant in ``[start, end)`` (see :meth:`CompiledSchedule.changes`).

        Args:
            start (datetime | float): Aware datetime or UTC epoch seconds.
            end (datetime | float): Same.
            zone (str | ZoneInfo | None): The organisation's time zone.

        Returns:
            tuple[Change, ...]: In time order.

        Raises:
            ScheduleError: A naive datetime, or no time zone known.
        """
        return self.compiled(zone).changes(start, end)

    def states_at(
        self, instants: npt.ArrayLike, zone: str | ZoneInfo | None = None
    ) -> np.ndarray[Any, np.dtype[np.int16]]:
        """State codes at many instants (see :meth:`CompiledSchedule.states_at`).

        Args:
            instants (ArrayLike): UTC epoch seconds or ``datetime64`` (UTC).
            zone (str | ZoneInfo | None): The organisation's time zone.

        Returns:
            ndarray: Codes into :attr:`states`, same shape as ``instants``.

        Raises:
            ScheduleError: No time zone known.
        """
        return self.compiled(zone).states_at(instants)

    # -- notebooks (see cloudtel.schedules.view) ------------------------------------------

    def _repr_html_(self) -> str:
        """This week as a picture (inline SVG), in the schedule's zone or else UTC."""
        # imported here, not at the top: view imports this module at its top, so a
        # top-level import would be an import cycle
        from cloudtel.schedules.view import schedule_html  # noqa: PLC0415

        return schedule_html(self)


_ZONES: dict[str, ZoneInfo] = {}


def zone_of(name: str | ZoneInfo) -> ZoneInfo:
    """The ZoneInfo of an IANA time zone name.

    Args:
        name (str | ZoneInfo): e.g. ``"Europe/Brussels"``.

    Returns:
        ZoneInfo: The zone.

    Raises:
        ScheduleError: Not a time zone name the tz database knows.
    """
    if isinstance(name, ZoneInfo):
        return name
    zone = _ZONES.get(name)
    if zone is None:
        try:
            zone = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ScheduleError(
                f"{name!r} is not a time zone of the tz database (e.g. 'Europe/Brussels')",
                field="time_zone",
                value=name,
            ) from None
        _ZONES[name] = zone
    return zone
