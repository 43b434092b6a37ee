"""Function numbers: the five kinds, numbers from the ranges, schedules, references."""

from __future__ import annotations

import io
import wave
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import attrs
import pytest

from cloudtel import Organization, User
from cloudtel.cli.demo import functions_demo_section
from cloudtel.errors import (
    DuplicateError,
    FileProblemsError,
    InvalidValueError,
    NotFoundError,
    NumberNotAvailableError,
    ReferencedError,
)
from cloudtel.functions import FunctionKind, FunctionNumber, FunctionNumbers
from cloudtel.numbers import PhoneNumber
from cloudtel.schedules import (
    WORKDAYS,
    Action,
    ForwardTarget,
    Schedule,
    ScheduleEvent,
    Weekly,
    Yearly,
)
from cloudtel.serialization import dumps, load, loads, save

BRUSSELS = ZoneInfo("Europe/Brussels")
PROMPTS = ("User unavailable", "welcome")


def wav_bytes() -> bytes:
    """A tenth of a second of silence as a PCM WAV file."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * 800)
    return buffer.getvalue()


@pytest.fixture
def org() -> Organization:
    """A small organisation whose voice prompts are PROMPTS."""
    organisation = Organization(
        name="Orange labo",
        domain="orange.be",
        number_ranges=("+3292470680-+3292470689", "+3227811600-+3227811699"),
        main_number="+3292470680",
    )
    organisation.add_user(
        User(username="demo.user@orange.be", first_name="demo", primary_line="+3227811603")
    )
    for name in PROMPTS:
        organisation.prompts.add(name, wav_bytes())
    return organisation


def office_hours() -> ScheduleEvent:
    return ScheduleEvent(
        name="office hours",
        when=Weekly(days=WORKDAYS, start=time(9), end=time(18)),
        action=Action.OPEN,
    )


def newyear() -> ScheduleEvent:
    return ScheduleEvent(
        name="newyear",
        when=Yearly(start=(1, 1, time(0)), end=(1, 2, time(0))),
        action=Action.CLOSED,
        instruction="User unavailable",
    )


def manual_schedule(base: Schedule) -> Schedule:
    return base.insert(office_hours()).insert(newyear(), 0)


def at(*fields: int) -> datetime:
    """A wall-clock time in Brussels: ``at(2025, 3, 3, 10)``."""
    year, month, day, *rest = fields
    hour, minute, second = (*rest, 0, 0, 0)[:3]
    return datetime(year, month, day, hour, minute, second, tzinfo=BRUSSELS)


# --- kinds and values ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("IVR", FunctionKind.IVR),
        ("ivr", FunctionKind.IVR),
        ("ACD group", FunctionKind.ACD_GROUP),
        ("acd_group", FunctionKind.ACD_GROUP),
        ("Attendant group", FunctionKind.ATTENDANT_GROUP),
        ("hunt-group", FunctionKind.HUNT_GROUP),
        ("SHARED_LINE", FunctionKind.SHARED_LINE),
    ],
)
def test_the_five_kinds_are_read_from_value_label_or_name(text: str, kind: FunctionKind) -> None:
    assert FunctionKind.parse(text) is kind


def test_an_unknown_kind_lists_the_five() -> None:
    with pytest.raises(InvalidValueError, match="ivr") as info:
        FunctionKind.parse("voicemail")
    assert "shared_line" in str(info.value)
    assert len(FunctionKind) == 5


def test_a_new_function_number_has_an_always_closed_schedule(org: Organization) -> None:
    created = org.functions.create("Nederlands Orange labo", "IVR", "+3292470680")
    assert created.schedule.events == ()
    assert created.schedule.default.action is Action.CLOSED
    assert created.schedule.state_at(at(2025, 3, 3, 10), org.time_zone).action is Action.CLOSED
    assert created.short_number is None
    assert created.time_zone is None


@pytest.mark.parametrize("short", ["5", "59a1", " 5901", "12345678901"])
def test_a_short_number_is_two_to_ten_digits(short: str) -> None:
    with pytest.raises(InvalidValueError, match="short number"):
        FunctionNumber(name="x", kind="ivr", number="+3292470680", short_number=short)


@pytest.mark.parametrize("name", ["", "  ", "two\nlines", " padded"])
def test_a_name_is_one_trimmed_line(name: str) -> None:
    with pytest.raises(InvalidValueError, match="name"):
        FunctionNumber(name=name, kind="ivr", number="+3292470680")


# --- numbers ----------------------------------------------------------------------------


def test_the_number_must_come_from_the_ranges(org: Organization) -> None:
    with pytest.raises(NumberNotAvailableError, match="number ranges"):
        org.functions.create("Elsewhere", "IVR", "+3250123456")
    assert len(org.functions) == 0


def test_a_users_number_cannot_become_a_function_number(org: Organization) -> None:
    with pytest.raises(NumberNotAvailableError, match=r"demo\.user@orange\.be"):
        org.functions.create("Sales", "hunt group", "+3227811603")


def test_a_function_number_is_held_and_not_available_to_users(org: Organization) -> None:
    org.functions.create("Nederlands Orange labo", "IVR", "092470680", short_number="5901")
    number = PhoneNumber("+3292470680")
    assert number not in list(org.available_numbers())
    assert org.holder_of(number) == "function number 'Nederlands Orange labo'"
    with pytest.raises(NumberNotAvailableError, match="Nederlands Orange labo"):
        org.add_user(User(username="new@orange.be", primary_line="+3292470680"))
    with pytest.raises(NumberNotAvailableError):
        org.update_user("demo.user@orange.be", aliases=("+3292470680",))


def test_removing_frees_the_number(org: Organization) -> None:
    org.functions.create("Nederlands Orange labo", "IVR", "+3292470680")
    removed = org.functions.remove("Nederlands Orange labo")
    assert removed.name == "Nederlands Orange labo"
    assert PhoneNumber("+3292470680") in list(org.available_numbers())
    org.add_user(User(username="new@orange.be", primary_line="+3292470680"))


def test_changing_the_number_frees_the_old_one(org: Organization) -> None:
    org.functions.create("Nederlands Orange labo", "IVR", "+3292470680", short_number="5901")
    org.functions.update("5901", number="09 247 06 82")
    available = list(org.available_numbers())
    assert PhoneNumber("+3292470680") in available
    assert PhoneNumber("+3292470682") not in available
    assert org.functions.find("5901").number == PhoneNumber("+3292470682")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "NEDERLANDS orange LABO", "named"),
        ("number", "+3292470680", "number"),
        ("short_number", "5901", "short number 5901"),
    ],
)
def test_names_numbers_and_short_numbers_are_unique(
    org: Organization, field: str, value: str, message: str
) -> None:
    org.functions.create("Nederlands Orange labo", "IVR", "+3292470680", short_number="5901")
    fields = {"name": "Francais Orange labo", "number": "+3292470681", "short_number": "5502"}
    fields[field] = value
    with pytest.raises(DuplicateError, match=message):
        org.functions.create(
            fields["name"], "IVR", fields["number"], short_number=fields["short_number"]
        )
    assert len(org.functions) == 1


# --- finding ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "Nederlands Orange labo",
        "nederlands orange labo",
        "5901",
        "+3292470680",
        "+32 9 247 06 80",
        "09 247 06 80",
        "0032 9 247 06 80",
        PhoneNumber("+3292470680"),
    ],
)
def test_find_by_name_short_number_or_any_notation(org: Organization, key: str) -> None:
    org.functions.create("Francais Orange labo", "IVR", "+3292470681", short_number="5502")
    org.functions.create("Nederlands Orange labo", "IVR", "+3292470680", short_number="5901")
    assert org.functions.find(key).name == "Nederlands Orange labo"


def test_not_found_lists_the_function_numbers(org: Organization) -> None:
    org.functions.create("Nederlands Orange labo", "IVR", "+3292470680", short_number="5901")
    with pytest.raises(NotFoundError, match=r"'Nederlands Orange labo' \(5901\)"):
        org.functions.find("5502")
    assert org.functions.get("5502") is None


# --- schedules and references ----------------------------------------------------------


def test_the_manuals_schedule_answers_like_the_portal(org: Organization) -> None:
    created = org.functions.create("Nederlands Orange labo", "IVR", "+3292470680")
    org.functions.set_schedule(created.name, manual_schedule(created.schedule))
    status = {s.function.name: s for s in org.functions.status(at(2025, 3, 3, 10))}
    assert status["Nederlands Orange labo"].state.action is Action.OPEN
    assert status["Nederlands Orange labo"].is_open
    closing = status["Nederlands Orange labo"].next_change
    assert closing is not None
    assert closing.at == at(2025, 3, 3, 18)
    # New Year's Day 2027 is a Friday: newyear is above office hours and wins
    newyear_state = org.functions.status(at(2027, 1, 1, 10))[0].state
    assert newyear_state.action is Action.CLOSED
    assert newyear_state.instruction == "User unavailable"
    assert not org.functions.status(at(2025, 3, 3, 20))[0].is_open


def test_a_schedule_event_playing_a_missing_prompt_is_refused(org: Organization) -> None:
    created = org.functions.create("Nederlands Orange labo", "IVR", "+3292470680")
    event = ScheduleEvent(
        name="lunch",
        when=Weekly(days=WORKDAYS, start=time(12), end=time(13)),
        action=Action.CLOSED,
        instruction="Lunch break",
    )
    with pytest.raises(NotFoundError, match="'Lunch break', which does not exist") as info:
        org.functions.set_schedule(created.name, created.schedule.insert(event))
    assert info.value.context["field"] == "events[0].instruction"
    assert org.functions.find(created.name).schedule.events == ()


def test_a_default_event_playing_a_missing_prompt_is_refused(org: Organization) -> None:
    created = org.functions.create("Nederlands Orange labo", "IVR", "+3292470680")
    with pytest.raises(NotFoundError, match="default event"):
        org.functions.set_schedule(
            created.name, created.schedule.set_default(Action.CLOSED, instruction="gone")
        )


def test_a_missing_prompt_is_reported_when_the_organisation_has_no_prompts() -> None:
    # the prompts are always asked for: an empty library hides no missing prompt
    bare = Organization(name="Bare", domain="bare.be", number_ranges=("+3292470680-+3292470689",))
    created = bare.functions.create("Menu", "IVR", "+3292470680")
    closed = created.schedule.set_default(Action.CLOSED, instruction="welcome")
    with pytest.raises(NotFoundError, match="'welcome', which does not exist; prompts are: none"):
        bare.functions.set_schedule(created.name, closed)
    loaded = FunctionNumbers(numbers=(attrs.evolve(created, schedule=closed),))
    loaded.attach(bare)
    assert [(p.path, p.message) for p in loaded.problems()] == [
        (
            "functions.numbers[0].schedule.default.instruction",
            "default event plays voice prompt 'welcome', which does not exist; prompts are: none",
        )
    ]


def test_prompts_used_as_instructions_are_references(org: Organization) -> None:
    created = org.functions.create(
        "Nederlands Orange labo", "IVR", "+3292470680", short_number="5901"
    )
    org.functions.set_schedule(created.name, manual_schedule(created.schedule))
    assert org.referrers("prompt", "User unavailable") == [
        "schedule of IVR 5901 'Nederlands Orange labo', event 'newyear'"
    ]
    with pytest.raises(ReferencedError, match="newyear"):
        org.check_unreferenced("prompt", "User unavailable")
    assert org.referrers("prompt", "welcome") == []


def test_forward_targets_must_exist(org: Organization) -> None:
    created = org.functions.create("Nederlands Orange labo", "IVR", "+3292470680")

    def forwarding(target: ForwardTarget) -> Schedule:
        return created.schedule.set_default(Action.FORWARD, forward_to=target)

    with pytest.raises(NotFoundError, match=r"user 'nobody@orange\.be'"):
        org.functions.set_schedule(created.name, forwarding(ForwardTarget(user="nobody@orange.be")))
    with pytest.raises(NotFoundError, match="function number \\+3292470681"):
        org.functions.set_schedule(
            created.name, forwarding(ForwardTarget(function_number="+3292470681"))
        )
    with pytest.raises(NotFoundError, match="its own function number"):
        org.functions.set_schedule(
            created.name, forwarding(ForwardTarget(function_number="+3292470680"))
        )
    # any outside number is fine
    org.functions.set_schedule(created.name, forwarding(ForwardTarget(number="+3250123456")))
    state = org.functions.status(at(2025, 3, 3, 10))[0].state
    assert state.action is Action.FORWARD
    assert state.forward_to == ForwardTarget(number="+3250123456")


def test_a_forwarded_to_function_number_cannot_be_removed(org: Organization) -> None:
    org.functions.create("Francais Orange labo", "IVR", "+3292470681", short_number="5502")
    nl = org.functions.create("Nederlands Orange labo", "IVR", "+3292470680", short_number="5901")
    org.functions.set_schedule(
        nl.name,
        nl.schedule.set_default(
            Action.FORWARD, forward_to=ForwardTarget(function_number="+3292470681")
        ),
    )
    assert org.referrers("function", "Francais Orange labo") == [
        "schedule of IVR 5901 'Nederlands Orange labo', default event"
    ]
    with pytest.raises(ReferencedError, match="Nederlands Orange labo"):
        org.functions.remove("5502")
    # renumbering the target keeps the forward pointing at it
    org.functions.update("5502", number="+3292470685")
    target = org.functions.find("5901").schedule.default.forward_to
    assert target == ForwardTarget(function_number="+3292470685")


def test_forwards_to_a_user_follow_a_rename(org: Organization) -> None:
    created = org.functions.create("Nederlands Orange labo", "IVR", "+3292470680")
    org.functions.set_schedule(
        created.name,
        created.schedule.set_default(
            Action.FORWARD, forward_to=ForwardTarget(user="demo.user@orange.be")
        ),
    )
    assert org.referrers("user", "demo.user@orange.be")
    org.update_user("demo.user@orange.be", username="demo@orange.be")
    target = org.functions.find(created.name).schedule.default.forward_to
    assert target == ForwardTarget(user="demo@orange.be")


def test_a_time_zone_override_moves_the_opening_hours(org: Organization) -> None:
    created = org.functions.create(
        "London desk", "ACD group", "+3227811650", time_zone="Europe/London"
    )
    org.functions.set_schedule(created.name, created.schedule.insert(office_hours()))
    assert org.functions.time_zone_of("London desk") == "Europe/London"
    # 09:30 in Brussels is 08:30 in London: still closed there
    assert not org.functions.status(at(2025, 3, 3, 9, 30))[0].is_open
    assert org.functions.status(at(2025, 3, 3, 10, 30))[0].is_open
    org.functions.update("London desk", time_zone=None)
    assert org.functions.status(at(2025, 3, 3, 9, 30))[0].is_open
    assert org.functions.time_zone_of("London desk") == "Europe/Brussels"


def test_status_accepts_any_time_zone_for_the_same_instant(org: Organization) -> None:
    created = org.functions.create("Nederlands Orange labo", "IVR", "+3292470680")
    org.functions.set_schedule(created.name, manual_schedule(created.schedule))
    local = at(2025, 3, 3, 17, 59, 59)
    in_utc = local.astimezone(UTC)
    assert org.functions.status(local)[0].state == org.functions.status(in_utc)[0].state


# --- files ------------------------------------------------------------------------------


def test_problems_of_a_loaded_part_name_their_paths(org: Organization) -> None:
    good = FunctionNumber(name="A", kind="ivr", number="+3292470681", short_number="5502")
    bad = FunctionNumber(
        name="a",
        kind="ivr",
        number="+3250123456",
        short_number="5502",
        schedule=Schedule().set_default(Action.CLOSED, instruction="missing prompt"),
    )
    loaded = FunctionNumbers(numbers=(good, bad))
    loaded.attach(org)
    paths = {p.path for p in loaded.problems()}
    assert paths == {
        "functions.numbers[1].name",
        "functions.numbers[1].short_number",
        "functions.numbers[1].number",
        "functions.numbers[1].schedule.default.instruction",
    }


def test_a_part_on_its_own_checks_only_itself() -> None:
    alone = FunctionNumbers()
    alone.create("Nederlands Orange labo", "IVR", "+3292470680", short_number="5901")
    with pytest.raises(DuplicateError):
        alone.create("Other", "IVR", "+3292470681", short_number="5901")
    assert [f.name for f in alone] == ["Nederlands Orange labo"]


def test_the_demo_section_prints_the_status_list(org: Organization) -> None:
    assert functions_demo_section(org) == ""
    nl = org.functions.create("Nederlands Orange labo", "IVR", "+3292470680", short_number="5901")
    org.functions.create("Francais Orange labo", "IVR", "+3292470681", short_number="5502")
    org.functions.set_schedule(nl.name, manual_schedule(nl.schedule))
    text = functions_demo_section(org, at=at(2025, 3, 3, 10))
    lines = text.splitlines()
    assert lines[0] == "== Function numbers and their schedules, status at 2025-03-03 10:00 CET"
    assert "Nederlands Orange labo  +3292470680  5901   IVR   ● open" in text
    assert "2025-03-03 18:00 closed" in text
    assert "○ closed" in lines[-1]
    assert lines[-1].endswith("never")


def test_a_prompt_a_schedule_plays_cannot_be_deleted(org: Organization) -> None:
    created = org.functions.create("Nederlands Orange labo", "IVR", "+3292470680")
    org.functions.set_schedule(created.name, manual_schedule(created.schedule))
    with pytest.raises(ReferencedError, match="Nederlands Orange labo"):
        org.prompts.remove("User unavailable")
    org.prompts.remove("welcome")


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_function_numbers_and_schedules_survive_save_and_load(
    org: Organization, tmp_path: Path, fmt: Literal["toml", "json"]
) -> None:
    nl = org.functions.create("Nederlands Orange labo", "IVR", "+3292470680", short_number="5901")
    org.functions.create("London desk", "ACD group", "+3292470682", time_zone="Europe/London")
    schedule = manual_schedule(nl.schedule).set_default(
        Action.FORWARD, forward_to=ForwardTarget(user="demo.user@orange.be")
    )
    org.functions.set_schedule(nl.name, schedule)
    path = tmp_path / f"org.{fmt}"
    save(org, path)
    loaded = load(path)
    assert loaded == org
    assert loaded.functions.find("London desk").time_zone == "Europe/London"
    assert loaded.functions.find("5901").schedule == schedule
    assert loaded.holder_of("+3292470680") == "function number 'Nederlands Orange labo'"


def test_a_file_with_a_missing_prompt_reports_its_path(org: Organization) -> None:
    nl = org.functions.create("Nederlands Orange labo", "IVR", "+3292470680")
    org.functions.set_schedule(nl.name, manual_schedule(nl.schedule))
    text = dumps(org, "json").replace('"instruction": "User unavailable"', '"instruction": "Gone"')
    with pytest.raises(FileProblemsError) as info:
        loads(text, "json")
    assert [p.path for p in info.value.problems] == [
        "functions.numbers[0].schedule.events[0].instruction"
    ]


def test_a_user_a_schedule_forwards_to_cannot_be_deleted(org: Organization) -> None:
    created = org.functions.create("Nederlands Orange labo", "IVR", "+3292470680")
    org.functions.set_schedule(
        created.name,
        created.schedule.set_default(
            Action.FORWARD, forward_to=ForwardTarget(user="demo.user@orange.be")
        ),
    )
    with pytest.raises(ReferencedError, match="Nederlands Orange labo") as caught:
        org.remove_user("demo.user@orange.be")
    assert caught.value.context["referrers"]
    assert org.has_user("demo.user@orange.be")
    assert list(org.functions.problems()) == []
    # once the schedule no longer forwards there, the user can go
    org.functions.set_schedule(created.name, created.schedule)
    org.remove_user("demo.user@orange.be")
    assert not org.has_user("demo.user@orange.be")


def test_a_forward_to_a_missing_user_in_a_file_is_a_problem(org: Organization) -> None:
    created = org.functions.create("Nederlands Orange labo", "IVR", "+3292470680")
    org.functions.set_schedule(
        created.name,
        created.schedule.set_default(
            Action.FORWARD, forward_to=ForwardTarget(user="demo.user@orange.be")
        ),
    )
    text = dumps(org).replace('"demo.user@orange.be"', '"gone@orange.be"')
    text = text.replace('username = "gone@orange.be"', 'username = "demo.user@orange.be"')
    with pytest.raises(FileProblemsError) as caught:
        loads(text)
    paths = [p.path for p in caught.value.problems]
    assert "functions.numbers[0].schedule.default.forward_to" in paths
    assert any("'gone@orange.be', who does not exist" in p.message for p in caught.value.problems)
