"""Hostile input gets a clear error, never a traceback or a hang (issue 11, part 3).

One regression test per defect that was reproduced: each failed before its fix.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import time
from typing import Any

import pytest

import cloudtel
from cloudtel import (
    Action,
    Contact,
    FileProblemsError,
    FunctionNumber,
    InvalidValueError,
    Organization,
    ScheduleError,
    ScheduleEvent,
    SipPhone,
    User,
    UserGroup,
    Weekly,
    loads,
)
from cloudtel.contacts.csv_files import import_csv
from cloudtel.messaging.message import Message

HEADER = (
    "[organization]\n"
    'name = "Orange labo"\n'
    'domain = "orange.be"\n'
    'number_ranges = ["+3227811600-+3227811699"]\n'
)


def _org_text(top: str) -> str:
    return f"schema_version = 1\n{top}\n{HEADER}"


# --- wrong types at the top level or in a part ------------------------------------


@pytest.mark.parametrize(
    ("top", "where", "found"),
    [
        ("phones = []", "phones", "list"),
        ('groups = ["Sales"]', "groups[0]", "str"),
        ("users = [1]", "users[0]", "int"),
        ('contacts = "x"', "contacts", "str"),
        ("prompts = 3", "prompts", "int"),
        ("functions = []", "functions", "list"),
        ("accounts = [true]", "accounts", "list"),
    ],
)
def test_a_wrong_type_at_the_top_or_a_part_is_a_problem_not_a_crash(
    top: str, where: str, found: str
) -> None:
    with pytest.raises(FileProblemsError) as caught:
        loads(_org_text(top))
    assert [(p.path, found in p.message) for p in caught.value.problems] == [(where, True)]
    assert "expected a table" in str(caught.value)


# --- lone surrogates ---------------------------------------------------------------


RANGE = "+3227811600-+3227811699"


def _json_org(**extra: Any) -> str:
    data = {
        "schema_version": 1,
        "organization": {
            "name": "x",
            "domain": "x.be",
            "number_ranges": ["+3227811600-+3227811699"],
        },
        **extra,
    }
    return json.dumps(data)  # escapes a lone surrogate as \ud800, as any JSON writer would


def test_a_lone_surrogate_anywhere_in_a_json_file_is_refused_with_its_path() -> None:
    text = _json_org(
        users=[{"username": "a@x.be", "first_name": "a\ud800"}],
        contacts={"organization": [{"first_name": "\udc80"}]},
    )
    with pytest.raises(FileProblemsError) as caught:
        loads(text, "json")
    assert sorted(p.path for p in caught.value.problems) == [
        "contacts.organization[0].first_name",
        "users[0].first_name",
    ]
    assert "lone surrogate" in str(caught.value)


def test_a_lone_surrogate_given_as_data_is_refused_too() -> None:
    data = json.loads(_json_org(groups=[{"name": "Sales", "description": "\ud800"}]))
    with pytest.raises(FileProblemsError, match=r"groups\[0\]\.description: contains a lone"):
        cloudtel.serialization.from_data(data)


def test_a_valid_surrogate_pair_escape_is_text() -> None:
    org = loads(_json_org(users=[{"username": "a@x.be", "first_name": "Zo\ud83d\ude00"}]), "json")
    assert org.user("a@x.be").first_name == "Zo😀"
    assert "😀" in cloudtel.dumps(org)


@pytest.mark.parametrize(
    "make",
    [
        lambda t: User(username="a@orange.be", first_name=t),
        lambda t: UserGroup(name=t),
        lambda t: Contact(first_name=t),
        lambda t: FunctionNumber(name=t, kind="ivr", number="+3292470680"),
        lambda t: SipPhone(mac="08000fbbad78", family="mitel", model="6920", description=t),
        lambda t: Organization(name=t, domain="x.be", number_ranges=()),
    ],
)
def test_a_lone_surrogate_is_refused_by_every_constructor(make: Callable[[str], object]) -> None:
    with pytest.raises(InvalidValueError, match=r"lone surrogate \(U\+D800\)"):
        make("ab\ud800")


# --- CSV ---------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b'a"b\rc\n', b'\r"', b'x;a"b\rc\n'])
def test_a_stray_quote_and_a_bare_cr_in_a_csv_is_a_clear_error(
    example_org: Organization, data: bytes
) -> None:
    with pytest.raises(FileProblemsError, match=r"contacts\.csv: line 1"):
        import_csv(example_org, "org", data, source="contacts.csv")


# --- one text rule for single-line fields -------------------------------------------

HOSTILE = ["\n", "\r", "\x00", "\x1b[2J", "\x07", "\x85", "\x7f", "\u2028", "\x0b"]


@pytest.mark.parametrize("bad", HOSTILE)
def test_every_single_line_field_refuses_control_characters_and_line_breaks(bad: str) -> None:
    text = f"Zoë{bad}x"
    makers: list[Callable[[], object]] = [
        lambda: User(username="a@orange.be", first_name=text),
        lambda: User(username="a@orange.be", department=text),
        lambda: UserGroup(name=text),
        lambda: Contact(first_name="a", city=text),
        lambda: FunctionNumber(name=text, kind="ivr", number="+3292470680"),
        lambda: SipPhone(mac="08000fbbad78", family="mitel", model="6920", description=text),
        lambda: Message(channel="email", to="a@b.be", subject=text, body="", kind="x"),
    ]
    for make in makers:
        with pytest.raises(InvalidValueError, match="must be one line of text") as caught:
            make()
        assert f"U+{ord(bad[0]):04X}" in str(caught.value)


@pytest.mark.parametrize("bad", ["two\nlines", "nul\x00", "esc\x1b", "bell\x07"])
def test_an_event_name_is_one_line(bad: str) -> None:
    with pytest.raises(ScheduleError, match="an event's name") as caught:
        ScheduleEvent(
            name=bad, when=Weekly(days=("mon",), start=time(8), end=time(9)), action=Action.OPEN
        )
    assert caught.value.context["field"] == "name"


def test_a_message_body_may_span_lines_but_holds_no_control_characters() -> None:
    assert Message(channel="sms", to="+32475123456", subject="", body="a\nb", kind="x").body
    with pytest.raises(InvalidValueError, match="message body"):
        Message(channel="sms", to="+32475123456", subject="", body="a\x1b]0;x\x07", kind="x")


def test_tabs_and_format_characters_are_text() -> None:
    user = User(username="a@orange.be", first_name="\u202eZoë\tvan 👩\u200d💻")
    assert user.first_name.startswith("\u202e")


def test_control_characters_in_an_org_file_are_problems_at_load() -> None:
    text = _org_text("") + '[[users]]\nusername = "a@orange.be"\nfirst_name = "Zo\\u0085e"\n'
    with pytest.raises(FileProblemsError, match=r"users\[0\]\.first_name: .*U\+0085"):
        loads(text)
