"""Enumerated values people type are read in any case, as one canonical member."""

from __future__ import annotations

import enum
import shutil
from collections.abc import Callable
from datetime import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.conftest import EXAMPLE

from cloudtel import (
    Action,
    Contact,
    ContactKind,
    DefaultEvent,
    ForwardTarget,
    FunctionKind,
    PhoneEntry,
    PhoneType,
    ScheduleError,
    ScheduleEvent,
    ScheduleState,
    Settings,
    Visibility,
    Weekday,
    Weekly,
    load,
)
from cloudtel._enums import canonical, member, to_member
from cloudtel.cli import main
from cloudtel.errors import InvalidValueError

WHEN = Weekly(days="mon", start=time(8), end=time(9))


def test_an_event_takes_its_action_in_any_case() -> None:
    # Before: ScheduleEvent(action="OPEN") was refused (and so was "open").
    for text in ("OPEN", "open", "Open", " oPeN "):
        assert ScheduleEvent(name="x", when=WHEN, action=text).action is Action.OPEN  # type: ignore[arg-type]
    assert DefaultEvent(action="Closed").action is Action.CLOSED  # type: ignore[arg-type]
    target = ForwardTarget(user="demo.user@orange.be")
    state = ScheduleState(action="FORWARD", forward_to=target)  # type: ignore[arg-type]
    assert state.action is Action.FORWARD


def test_a_wrong_action_names_the_event_and_the_allowed_values() -> None:
    with pytest.raises(ScheduleError, match=r"event 'x': action must be one of open, forward, "):
        ScheduleEvent(name="x", when=WHEN, action="opne")  # type: ignore[arg-type]


def test_schedule_update_takes_an_action_in_any_case() -> None:
    org = load(EXAMPLE)
    schedule = org.functions["5901"].schedule
    name = schedule.events[0].name
    changed = schedule.update(name, action="OPEN")
    assert changed.event(name).action is Action.OPEN


def test_other_enumerated_fields_take_any_case_and_list_the_values() -> None:
    assert Settings(directory_visibility="HIDDEN").directory_visibility is Visibility.HIDDEN  # type: ignore[arg-type]
    assert PhoneEntry(type="Mobile", number="+32475112233").type is PhoneType.MOBILE  # type: ignore[arg-type]
    assert Contact(first_name="A", kind="Favourite").kind is ContactKind.FAVOURITE  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError) as caught:
        Settings(directory_visibility="invisible")  # type: ignore[arg-type]
    assert str(caught.value) == (
        "directory_visibility 'invisible' is not one of always, hidden (any case)"
    )
    assert caught.value.context == {"field": "directory_visibility", "value": "invisible"}
    with pytest.raises(InvalidValueError, match="mandatory, favourite, external"):
        Contact(first_name="A", kind="vip")  # type: ignore[arg-type]


ENUMS: list[type[enum.Enum]] = [
    Action,
    Visibility,
    PhoneType,
    ContactKind,
    FunctionKind,
    Weekday,
]


def _mixed_case(text: str, upper: list[bool]) -> str:
    return "".join(c.upper() if upper[i % len(upper)] else c.lower() for i, c in enumerate(text))


@given(
    kind=st.sampled_from(ENUMS),
    data=st.data(),
    upper=st.lists(st.booleans(), min_size=1, max_size=8),
    by_name=st.booleans(),
)
def test_any_case_of_a_value_or_name_is_that_member(
    kind: type[enum.Enum], data: st.DataObject, upper: list[bool], by_name: bool
) -> None:
    item = data.draw(st.sampled_from(list(kind)))
    text = _mixed_case(item.name if by_name else str(item.value), upper)
    assert member(kind, text) is item
    assert to_member(kind, f"  {text} ", field="f", what="f") is item
    assert canonical(kind)(text) == item.value


CONSTRUCTORS: dict[type[enum.Enum], Callable[[Any], enum.Enum]] = {
    Action: lambda text: (
        ScheduleState(
            action=text,
            forward_to=ForwardTarget(user="a@orange.be") if text.lower() == "forward" else None,
        ).action
    ),
    Visibility: lambda text: Settings(directory_visibility=text).directory_visibility,  # type: ignore[return-value]
    PhoneType: lambda text: PhoneEntry(type=text, number="+32475112233").type,
    ContactKind: lambda text: Contact(first_name="A", kind=text).kind,
    FunctionKind: FunctionKind.parse,
}


@given(
    kind=st.sampled_from(sorted(CONSTRUCTORS, key=lambda k: k.__name__)),
    data=st.data(),
    upper=st.lists(st.booleans(), min_size=1, max_size=8),
)
def test_the_objects_keep_the_canonical_member(
    kind: type[enum.Enum], data: st.DataObject, upper: list[bool]
) -> None:
    item = data.draw(st.sampled_from(list(kind)))
    assert CONSTRUCTORS[kind](_mixed_case(str(item.value), upper)) is item


def test_the_cli_takes_an_action_in_any_case(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(EXAMPLE.parent, tmp_path / "org")
    org_file = tmp_path / "org" / EXAMPLE.name
    assert main(["schedule", "default", str(org_file), "5901", "--action", "OPEN"]) == 0
    assert load(org_file).functions["5901"].schedule.default.action is Action.OPEN
    with pytest.raises(SystemExit) as caught:
        main(["schedule", "default", str(org_file), "5901", "--action", "opn"])
    assert caught.value.code == 2
    assert "'opn'" in capsys.readouterr().err
