"""Function numbers: attendant groups, ACD groups, IVRs, hunt groups and shared lines.

A :class:`FunctionNumber` has a name, a number from the organisation's ranges, an
optional short number and a :class:`~cloudtel.schedules.Schedule` created with it
("always closed" until events are added). Its schedule's ``time_zone`` is the
function number's time-zone override; without one the organisation's zone applies.

The organisation keeps them in its :class:`FunctionNumbers` part (``org.functions``),
which checks on every change, not only when a file is loaded:

- names (case-insensitively), numbers and short numbers are unique;
- the number lies in the organisation's ranges and no user holds it; it is then
  held by the function number, so it is not offered to users;
- every voice prompt a schedule event plays as its instruction exists;
- every forward target that is a user or a function number exists (and is not the
  function number itself).

The part reports what it refers to (prompts, users, function numbers), so the
organisation refuses to delete a prompt a schedule plays.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any, Final

import attrs

from cloudtel import _html
from cloudtel._keyed import Keyed, KeyedTuple, unknown_key
from cloudtel._part import Part, Reference
from cloudtel._text import check_line
from cloudtel.errors import (
    DuplicateError,
    InvalidValueError,
    NotFoundError,
    Problem,
    UnknownKeyError,
)
from cloudtel.numbers import DEFAULT_COUNTRY, PhoneNumber
from cloudtel.schedules import (
    Action,
    Change,
    ForwardTarget,
    Schedule,
    ScheduleState,
    states_at_instant,
)
from cloudtel.schedules.view import WeekView, week_view

__all__ = [
    "FunctionKind",
    "FunctionNumber",
    "FunctionNumbers",
    "FunctionStatus",
    "StatusList",
]

_SHORT_NUMBER: Final = re.compile(r"[0-9]{2,10}")


class FunctionKind(enum.Enum):
    """The five kinds of function number the portal schedules."""

    ATTENDANT_GROUP = "attendant_group"
    ACD_GROUP = "acd_group"
    IVR = "ivr"
    HUNT_GROUP = "hunt_group"
    SHARED_LINE = "shared_line"

    @property
    def label(self) -> str:
        """The kind as the portal's "Type nummer" column shows it, e.g. ``"IVR"``."""
        return _LABELS[self]

    @classmethod
    def parse(cls, value: FunctionKind | str) -> FunctionKind:
        """Read a kind from its value (``"ivr"``), label (``"IVR"``) or name.

        Args:
            value (FunctionKind | str): ``"acd_group"``, ``"ACD group"``, ``"ACD_GROUP"`` …

        Returns:
            FunctionKind: The kind.

        Raises:
            InvalidValueError: Not one of the five kinds.
        """
        if isinstance(value, FunctionKind):
            return value
        if isinstance(value, str):
            key = re.sub(r"[\s\-]+", "_", value.strip()).casefold()
            for kind in cls:
                if key in (kind.value, kind.name.casefold(), _LABELS[kind].casefold()):
                    return kind
        kinds = ", ".join(kind.value for kind in cls)
        raise InvalidValueError(
            f"{value!r} is not a kind of function number; kinds are: {kinds}",
            field="kind",
            value=value,
        )


_LABELS: Final = {
    FunctionKind.ATTENDANT_GROUP: "Attendant group",
    FunctionKind.ACD_GROUP: "ACD group",
    FunctionKind.IVR: "IVR",
    FunctionKind.HUNT_GROUP: "Hunt group",
    FunctionKind.SHARED_LINE: "Shared line",
}


def _check_name(_instance: object, _attribute: attrs.Attribute[str], value: str) -> None:
    check_line(value, "name", what="a function number's name")
    if not value.strip() or value != value.strip():
        raise InvalidValueError(
            f"a function number's name is one line of text without surrounding spaces, "
            f"not {value!r}",
            field="name",
            value=value,
        )


def _check_short(_instance: object, _attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and (not isinstance(value, str) or not _SHORT_NUMBER.fullmatch(value)):
        raise InvalidValueError(
            f"short number {value!r} must be 2 to 10 digits, e.g. '5901'",
            field="short_number",
            value=value,
        )


def _to_kind(value: FunctionKind | str) -> FunctionKind:
    return FunctionKind.parse(value)


def _to_number(value: PhoneNumber | str) -> PhoneNumber:
    return PhoneNumber.parse(value)


def _check_schedule(_instance: object, _attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, Schedule):
        raise InvalidValueError(
            f"schedule must be a Schedule, not {value!r}", field="schedule", value=value
        )


@attrs.frozen(kw_only=True)
class FunctionNumber:
    """A number that rings a group, a menu or a shared line, with its schedule.

    Args:
        name (str): e.g. ``"Nederlands Orange labo"``; unique in the organisation.
        kind (FunctionKind): IVR, ACD group, … (text is read with :meth:`FunctionKind.parse`).
        number (PhoneNumber): A number of the organisation's ranges (text is parsed).
        short_number (str | None): Digits dialled inside the organisation, e.g. ``"5901"``.
        schedule (Schedule): Its opening hours; a new function number's schedule has no
            events and a Closed default event. The schedule's ``time_zone`` overrides the
            organisation's time zone for this number.

    Raises:
        InvalidValueError: A bad name, kind, number or short number.
    """

    name: str = attrs.field(validator=_check_name)
    kind: FunctionKind = attrs.field(converter=_to_kind)
    number: PhoneNumber = attrs.field(converter=_to_number)
    short_number: str | None = attrs.field(default=None, validator=_check_short)
    schedule: Schedule = attrs.field(factory=Schedule, validator=_check_schedule)

    @property
    def time_zone(self) -> str | None:
        """The time-zone override (the schedule's ``time_zone``), or ``None``."""
        return self.schedule.time_zone

    @property
    def label(self) -> str:
        """How messages name it: ``IVR 5901 'Nederlands Orange labo'``."""
        return f"{self.kind.label} {self.short_number or self.number.e164} {self.name!r}"

    def matches(self, key: str | PhoneNumber, region: str = DEFAULT_COUNTRY) -> bool:
        """Whether ``key`` names this function number.

        Args:
            key (str | PhoneNumber): Its name (case-insensitive), short number, or number
                in any notation.
            region (str): Country of national numbers.

        Returns:
            bool: True when it is this one.
        """
        if isinstance(key, PhoneNumber):
            return key == self.number
        text = key.strip()
        if text.casefold() == self.name.casefold():
            return True
        if self.short_number is not None and text == self.short_number:
            return True
        try:
            return PhoneNumber.parse(text, region) == self.number
        except InvalidValueError:
            return False

    def to_record(self) -> dict[str, object]:
        """The function number as one plain ``dict`` (a row of the function-number table)."""
        default = self.schedule.default
        return {
            "name": self.name,
            "kind": self.kind.label,
            "number": self.number.e164,
            "short_number": self.short_number,
            "events": len(self.schedule.events),
            "default": str(default.state),
            "time_zone": self.time_zone,
        }

    def __str__(self) -> str:
        return f"{self.label} {self.number.international}"

    def _repr_html_(self) -> str:
        record = self.to_record()
        record["number"] = self.number.international
        record["time_zone"] = self.time_zone or "the organisation's"
        return _html.fields(self.label, record, extra=self.schedule._repr_html_())


@attrs.frozen(kw_only=True)
class FunctionStatus:
    """One line of the portal's schedule status list.

    Args:
        function (FunctionNumber): The function number.
        state (ScheduleState): Its state at the instant asked about.
        next_change (Change | None): The next change after that instant, if any.
    """

    function: FunctionNumber
    state: ScheduleState
    next_change: Change | None = None

    @property
    def is_open(self) -> bool:
        """Green in the portal: the action is not Closed."""
        return self.state.action is not Action.CLOSED

    def to_record(self) -> dict[str, object]:
        """The line as one plain ``dict``: function number, state, next change."""
        change = self.next_change
        return {
            "name": self.function.name,
            "short_number": self.function.short_number,
            "number": self.function.number.e164,
            "open": self.is_open,
            "state": str(self.state),
            "next_change": None if change is None else change.at.isoformat(),
            "then": None if change is None else str(change.state),
        }

    def __str__(self) -> str:
        change = self.next_change
        then = "" if change is None else f", until {change.at:%a %d/%m %H:%M}"
        return f"{self.function.name}: {self.state}{then}"


class StatusList(KeyedTuple[FunctionStatus]):
    """The portal's status list (``org.functions.status()``): a tuple of
    :class:`FunctionStatus`, keyed like the function numbers (name, short number or
    number): ``status["5901"].is_open``. A table in Jupyter, a frame with ``to_pandas()``.
    """

    _columns = ("name", "short_number", "number", "open", "state", "next_change", "then")
    _noun = "function number"

    def _key(self, item: FunctionStatus) -> str:
        return item.function.name

    def _lookup(self, key: Any) -> FunctionStatus | None:
        for item in self:
            if isinstance(key, str | PhoneNumber) and item.function.matches(key):
                return item
        return super()._lookup(key)

    def _row(self, item: FunctionStatus) -> dict[str, object]:
        return item.to_record()

    def _caption(self) -> str:
        opened = sum(item.is_open for item in self)
        return f"{len(self)} function numbers, {opened} open"


def _holder(function: FunctionNumber) -> str:
    return f"function number {function.name!r}"


def _to_functions(value: Iterable[FunctionNumber]) -> tuple[FunctionNumber, ...]:
    return tuple(value)


@attrs.define(repr=False)
class FunctionNumbers(Keyed[FunctionNumber], Part):
    """The organisation's function numbers (``org.functions``), in the order added.

    Keyed by name, short number or number (see :class:`~cloudtel.Keyed`):
    ``org.functions["5901"]``, ``"Nederlands Orange labo" in org.functions``,
    ``org.functions[0]``; a table in Jupyter. Their schedules answer in the
    organisation's time zone (see :meth:`add`).

    Saved in the org file as ``[[functions.numbers]]`` tables. Every change checks
    the rules in the module docs; a file is checked by :meth:`problems` after loading.

    Args:
        numbers (tuple[FunctionNumber, ...]): The function numbers.
    """

    numbers: tuple[FunctionNumber, ...] = attrs.field(default=(), converter=_to_functions)

    # --- finding ---------------------------------------------------------------

    def __iter__(self) -> Iterator[FunctionNumber]:
        return iter(self.numbers)

    def __len__(self) -> int:
        return len(self.numbers)

    _columns = ("name", "kind", "number", "short_number", "events", "default", "time_zone")
    _noun = "function number"

    def _items(self) -> tuple[FunctionNumber, ...]:
        return self.numbers

    def _lookup(self, key: Any) -> FunctionNumber | None:
        position = self._position(key)
        return None if position is None else self.numbers[position]

    def _unknown(self, key: Any, *, shown: str | None = None) -> UnknownKeyError:
        return unknown_key(
            "function number",
            str(key),
            [f.name for f in self.numbers]
            + [f.short_number for f in self.numbers if f.short_number is not None],
            shown=f"{str(key)!r} (looked for a name, short number or number)",
            listed=[f"{f.name!r} ({f.short_number or f.number.e164})" for f in self.numbers],
        )

    def _key(self, item: FunctionNumber) -> str:
        return item.name

    def _row(self, item: FunctionNumber) -> dict[str, object]:
        return item.to_record()

    def __repr__(self) -> str:
        return f"<FunctionNumbers: {self}>"

    def _zoned(self, function: FunctionNumber) -> FunctionNumber:
        """The function number with its schedule knowing the organisation's zone."""
        schedule = function.schedule.in_organization_zone(self._zone())
        if schedule is function.schedule:
            return function
        return attrs.evolve(function, schedule=schedule)

    def attach(self, org: Any) -> None:
        """Join the organisation; the schedules learn its time zone (see :meth:`add`)."""
        super().attach(org)
        self.numbers = tuple(self._zoned(f) for f in self.numbers)

    def _region(self) -> str:
        return DEFAULT_COUNTRY if self._org is None else self._org.country

    def _position(self, key: str | PhoneNumber | FunctionNumber) -> int | None:
        if isinstance(key, FunctionNumber):
            key = key.name
        region = self._region()
        # names first, then short numbers, then numbers: a name made of digits wins
        if isinstance(key, str):
            for index, function in enumerate(self.numbers):
                if function.name.casefold() == key.strip().casefold():
                    return index
            for index, function in enumerate(self.numbers):
                if function.short_number is not None and function.short_number == key.strip():
                    return index
        for index, function in enumerate(self.numbers):
            if function.matches(key, region):
                return index
        return None

    def _index(self, key: str | PhoneNumber | FunctionNumber) -> int:
        position = self._position(key)
        if position is None:
            raise self._unknown(key)
        return position

    def find(self, key: str | PhoneNumber) -> FunctionNumber:
        """The function number with this name, short number or number.

        Args:
            key (str | PhoneNumber): ``"Nederlands Orange labo"`` (any case), ``"5901"``,
                ``"+32 9 247 06 80"``, ``"092470680"`` …

        Returns:
            FunctionNumber: The one found (a name wins over a short number, which wins
            over a number).

        Raises:
            UnknownKeyError: None matches (a :class:`KeyError`, and a
                :class:`~cloudtel.NotFoundError`); names the closest name and lists the
                function numbers there are. :meth:`~cloudtel.Keyed.get` gives ``None``
                instead.
        """
        return self.numbers[self._index(key)]

    # --- editing ---------------------------------------------------------------

    def create(
        self,
        name: str,
        kind: FunctionKind | str,
        number: PhoneNumber | str,
        *,
        short_number: str | None = None,
        time_zone: str | None = None,
    ) -> FunctionNumber:
        """Create a function number with a new schedule (no events, default Closed).

        Args:
            name (str): Its name, unique in the organisation.
            kind (FunctionKind | str): ``"ivr"``, ``FunctionKind.ACD_GROUP`` …
            number (PhoneNumber | str): A free number of the organisation's ranges.
            short_number (str | None): e.g. ``"5901"``.
            time_zone (str | None): IANA zone overriding the organisation's.

        Returns:
            FunctionNumber: The function number, added to the organisation.

        Raises:
            DuplicateError: Name, number or short number taken.
            NumberNotAvailableError: The number is outside the ranges or held.
            ScheduleError: An unknown time zone.
        """
        region = self._region()
        function = FunctionNumber(
            name=name,
            kind=kind,
            number=PhoneNumber.parse(number, region),
            short_number=short_number,
            schedule=Schedule(time_zone=time_zone),
        )
        return self.add(function)

    def add(self, function: FunctionNumber) -> FunctionNumber:
        """Add a function number after checking every rule.

        Args:
            function (FunctionNumber): The new function number.

        Returns:
            FunctionNumber: The same, now part of the organisation.

        Raises:
            DuplicateError: Name, number or short number taken by another function number.
            NumberNotAvailableError: The number is outside the ranges or held by a user.
            NotFoundError: The schedule plays a prompt, or forwards to a user or function
                number, that does not exist.

        The function number kept (and returned) is equal to ``function``; its schedule
        answers in the organisation's time zone when it has none of its own, so
        ``org.functions["5901"].schedule.state_at(now)`` needs no zone (see
        :meth:`~cloudtel.schedules.Schedule.in_organization_zone`).
        """
        self._check(function, previous=None)
        function = self._zoned(function)
        self.numbers = (*self.numbers, function)
        return function

    def update(self, key: str | PhoneNumber, **changes: Any) -> FunctionNumber:
        """Change a function number's fields, checking every rule.

        ``time_zone=`` is accepted too and sets the schedule's time-zone override.
        Example: ``org.functions.update("5901", schedule=schedule.insert(event, 0))``.

        Args:
            key (str | PhoneNumber): Its name, short number or number.
            **changes: New values of ``name``, ``kind``, ``number``, ``short_number``,
                ``schedule``, ``time_zone``.

        Returns:
            FunctionNumber: The changed function number.

        Raises:
            NotFoundError: No such function number, or a schedule referring to a prompt,
                user or function number that does not exist.
            DuplicateError: A name, number or short number taken by another one.
            NumberNotAvailableError: A new number outside the ranges or held.
            InvalidValueError: A field that does not exist or a bad value.
        """
        index = self._index(key)
        old = self.numbers[index]
        if "time_zone" in changes:
            schedule = changes.get("schedule", old.schedule)
            changes["schedule"] = schedule.with_time_zone(changes.pop("time_zone"))
        if "number" in changes:
            changes["number"] = PhoneNumber.parse(changes["number"], self._region())
        try:
            new = attrs.evolve(old, **changes)
        except TypeError as exc:
            raise InvalidValueError(f"cannot change {old.label}: {exc}", function=old.name) from exc
        self._check(new, previous=old)
        new = self._zoned(new)
        items = list(self.numbers)
        items[index] = new
        self.numbers = tuple(items)
        if new.number != old.number and self._org is not None:
            self._renumber(old.number, new.number)
        return new

    def set_schedule(self, key: str | PhoneNumber, schedule: Schedule) -> FunctionNumber:
        """Replace a function number's schedule (after editing it), checking references.

        Args:
            key (str | PhoneNumber): Its name, short number or number.
            schedule (Schedule): The edited schedule.

        Returns:
            FunctionNumber: The changed function number.

        Raises:
            NotFoundError: No such function number, or an event plays a prompt or forwards
                to a user or function number that does not exist.
        """
        return self.update(key, schedule=schedule)

    def remove(self, key: str | PhoneNumber) -> FunctionNumber:
        """Delete a function number and its schedule; its number becomes available.

        Args:
            key (str | PhoneNumber): Its name, short number or number.

        Returns:
            FunctionNumber: The removed function number.

        Raises:
            NotFoundError: No such function number.
            ReferencedError: Another schedule forwards calls to it.
        """
        index = self._index(key)
        function = self.numbers[index]
        if self._org is not None:
            self._org.check_unreferenced("function", function.name)
        self.numbers = self.numbers[:index] + self.numbers[index + 1 :]
        return function

    # --- questions -------------------------------------------------------------

    def status(self, at: datetime | None = None) -> StatusList:
        """The portal's status list: every function number's state at one instant.

        Args:
            at (datetime | None): An aware datetime in any zone; ``None`` is now.

        Returns:
            StatusList: One :class:`FunctionStatus` per function number, in order, with
            the next change after ``at``; keyed like the function numbers.

        Raises:
            ScheduleError: A naive datetime.
        """
        instant = datetime.now(UTC) if at is None else at
        zone = self._zone()
        states = states_at_instant([f.schedule for f in self.numbers], instant, zone)
        return StatusList(
            FunctionStatus(
                function=function,
                state=state,
                next_change=function.schedule.next_change(instant, zone),
            )
            for function, state in zip(self.numbers, states, strict=True)
        )

    def week(self, key: str | PhoneNumber, week: date | None = None) -> WeekView:
        """A week of a function number's schedule, in its time zone.

        In a notebook the result shows as a picture (days × hours coloured by action,
        the instruction on hover); ``print`` gives the text week view.

        Args:
            key (str | PhoneNumber): Its name, short number or number.
            week (date | None): Any day of the week wanted; ``None`` is this week.

        Returns:
            WeekView: The week, Monday to Sunday.

        Raises:
            NotFoundError: No such function number.
        """
        function = self.find(key)
        return week_view(function.schedule, self._zone(), week, title=function.label)

    def time_zone_of(self, key: str | PhoneNumber) -> str:
        """The time zone a function number's schedule runs in (override, else the org's).

        Args:
            key (str | PhoneNumber): Its name, short number or number.

        Returns:
            str: An IANA time zone name.
        """
        function = self.find(key)
        return function.time_zone or self._zone()

    def _zone(self) -> str:
        return "Europe/Brussels" if self._org is None else self._org.time_zone

    # --- part hooks ------------------------------------------------------------

    def held_numbers(self) -> Iterable[tuple[PhoneNumber, str]]:
        """Every function number's number, held so no user can take it.

        Returns:
            Iterable[tuple[PhoneNumber, str]]: ``(number, "function number 'name'")``.
        """
        return [(f.number, _holder(f)) for f in self.numbers]

    def references(self) -> Iterable[Reference]:
        """Prompts played, and users and function numbers forwarded to, by the schedules.

        Returns:
            Iterable[Reference]: kinds ``"prompt"``, ``"user"`` and ``"function"`` (the
            function number's name).
        """
        found: list[Reference] = []
        for function in self.numbers:
            whose = f"schedule of {function.label}"
            for where, prompt in function.schedule.instructions():
                found.append(Reference("prompt", prompt, f"{whose}, {where}"))
            for where, target in _targets(function.schedule):
                if target.user is not None:
                    found.append(Reference("user", target.user, f"{whose}, {where}"))
                elif target.function_number is not None:
                    other = self._by_number(target.function_number)
                    name = other.name if other is not None else target.function_number.e164
                    found.append(Reference("function", name, f"{whose}, {where}"))
        return found

    def rename_user(self, old: str, new: str) -> None:
        """Forward targets follow a user's new username.

        Args:
            old (str): The old username.
            new (str): The new username.
        """
        items = []
        for function in self.numbers:
            schedule = _map_targets(
                function.schedule,
                lambda t: ForwardTarget(user=new) if t.user == old else t,
            )
            items.append(
                function
                if schedule == function.schedule
                else attrs.evolve(function, schedule=schedule)
            )
        self.numbers = tuple(items)

    def problems(self) -> Iterable[Problem]:
        """Cross-checks of a loaded file: every rule of the module docs.

        Returns:
            Iterable[Problem]: With paths like ``functions.numbers[1].schedule.events[0]
            .instruction``.
        """
        found: list[Problem] = []
        names: dict[str, int] = {}
        numbers: dict[str, int] = {}
        shorts: dict[str, int] = {}
        for index, function in enumerate(self.numbers):
            path = f"functions.numbers[{index}]"
            for table, key, field in (
                (names, function.name.casefold(), "name"),
                (numbers, function.number.e164, "number"),
                (shorts, function.short_number, "short_number"),
            ):
                if key is None:
                    continue
                if key in table:
                    found.append(
                        Problem(
                            f"{path}.{field}",
                            f"{field.replace('_', ' ')} {getattr(function, field)} is used by "
                            f"functions.numbers[{table[key]}] too",
                        )
                    )
                else:
                    table[key] = index
            if self._org is not None:
                try:
                    self._check_number(function, previous=None)
                except InvalidValueError as exc:
                    found.append(Problem(f"{path}.number", str(exc)))
                for where, message in self._reference_problems(function):
                    found.append(Problem(f"{path}.schedule.{where}", message))
        return found

    # --- checks ----------------------------------------------------------------

    def _by_number(self, number: PhoneNumber) -> FunctionNumber | None:
        for function in self.numbers:
            if function.number == number:
                return function
        return None

    def _check(self, function: FunctionNumber, previous: FunctionNumber | None) -> None:
        if not isinstance(function, FunctionNumber):
            raise InvalidValueError(f"expected a FunctionNumber, not {function!r}", value=function)
        for other in self.numbers:
            if other is previous:
                continue
            if other.name.casefold() == function.name.casefold():
                raise DuplicateError(
                    f"a function number named {other.name!r} exists already",
                    field="name",
                    value=function.name,
                )
            if other.number == function.number:
                raise DuplicateError(
                    f"number {function.number.e164} is the number of {other.label} already",
                    field="number",
                    value=function.number.e164,
                )
            if function.short_number is not None and other.short_number == function.short_number:
                raise DuplicateError(
                    f"short number {function.short_number} belongs to {other.label} already",
                    field="short_number",
                    value=function.short_number,
                )
        if self._org is None:
            return
        self._check_number(function, previous)
        # a reference that was broken before this edit (a user deleted since) is reported
        # by problems(); only a reference this edit breaks is refused
        known = (
            set()
            if previous is None
            else {message for _, message in self._reference_problems(previous, previous)}
        )
        for where, message in self._reference_problems(function, previous):
            if message in known:
                continue
            raise NotFoundError(
                f"{function.label}: schedule {where}: {message}",
                field=where,
                function=function.name,
            )

    def _check_number(self, function: FunctionNumber, previous: FunctionNumber | None) -> None:
        org = self.org
        holder = _holder(function)
        current = org.holder_of(function.number)
        e164 = function.number.e164
        own = {_holder(f) for f in self.numbers if f.number.e164 == e164}
        if previous is not None:
            own.add(_holder(previous))
        if current is not None and current in own:
            # held by this part for this very function number: only the ranges matter
            if not org.in_ranges(function.number):
                org.check_line_number(function.number, current, field="number")
            return
        org.check_line_number(function.number, holder, field="number")

    def _reference_problems(
        self, function: FunctionNumber, previous: FunctionNumber | None = None
    ) -> Iterator[tuple[str, str]]:
        org = self.org
        prompts = set(org.prompts.names())
        positions = {event.name: i for i, event in enumerate(function.schedule.events)}

        def path(where: str, field: str) -> str:
            if where == "default event":
                return f"default.{field}"
            name = where.removeprefix("event ")[1:-1]
            return f"events[{positions.get(name, 0)}].{field}"

        for where, prompt in function.schedule.instructions():
            if prompt not in prompts:
                known = ", ".join(repr(p) for p in sorted(prompts)) or "none"
                yield (
                    path(where, "instruction"),
                    f"{where} plays voice prompt {prompt!r}, which does not exist; "
                    f"prompts are: {known}",
                )
        for where, target in _targets(function.schedule):
            if target.user is not None and not org.has_user(target.user):
                yield (
                    path(where, "forward_to"),
                    f"{where} forwards to user {target.user!r}, who does not exist",
                )
            elif target.function_number is not None:
                number = target.function_number
                if number == function.number or (
                    previous is not None and number == previous.number
                ):
                    yield (
                        path(where, "forward_to"),
                        f"{where} forwards to its own function number {number.e164}",
                    )
                elif self._by_number(number) is None:
                    yield (
                        path(where, "forward_to"),
                        f"{where} forwards to function number {number.e164}, which does not exist",
                    )

    def _renumber(self, old: PhoneNumber, new: PhoneNumber) -> None:
        items = []
        for function in self.numbers:
            schedule = _map_targets(
                function.schedule,
                lambda t: ForwardTarget(function_number=new) if t.function_number == old else t,
            )
            items.append(
                function
                if schedule == function.schedule
                else attrs.evolve(function, schedule=schedule)
            )
        self.numbers = tuple(items)


def _targets(schedule: Schedule) -> Iterator[tuple[str, ForwardTarget]]:
    for event in schedule.events:
        if event.forward_to is not None:
            yield f"event {event.name!r}", event.forward_to
    if schedule.default.forward_to is not None:
        yield "default event", schedule.default.forward_to


def _map_targets(schedule: Schedule, change: Any) -> Schedule:
    events = tuple(
        e if e.forward_to is None else attrs.evolve(e, forward_to=change(e.forward_to))
        for e in schedule.events
    )
    default = schedule.default
    if default.forward_to is not None:
        default = attrs.evolve(default, forward_to=change(default.forward_to))
    if events == schedule.events and default == schedule.default:
        return schedule
    return attrs.evolve(schedule, events=events, default=default)
