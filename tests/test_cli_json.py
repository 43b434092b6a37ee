"""``--json`` of the show commands: machine-readable, and the API's own data.

``user show``, ``schedule show`` and ``contacts FILE --user U`` print one JSON object
whose objects are written as the org file's JSON holds them (:func:`cloudtel.to_data`),
so the serialization converter rebuilds the very objects the API gives.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from tests.conftest import EXAMPLE

from cloudtel import Contact, FunctionNumber, SipPhone, User, load
from cloudtel.cli import main
from cloudtel.serialization import make_converter, to_data

ORG = load(EXAMPLE)
CONVERTER = make_converter("json", region=ORG.country)


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    status = main([*argv, "--json"])
    captured = capsys.readouterr()
    assert (status, captured.err) == (0, "")
    document: dict[str, Any] = json.loads(captured.out)
    return document


@pytest.mark.parametrize("username", ORG.users.keys())
def test_user_show_json_round_trips_with_the_api(
    capsys: pytest.CaptureFixture[str], username: str
) -> None:
    # Before: 'user show --json' was refused as an unknown option (exit 2).
    document = run_json(capsys, "user", "show", str(EXAMPLE), username.upper())
    assert (document["command"], document["file"]) == ("user show", str(EXAMPLE))
    assert CONVERTER.structure(document["user"], User) == ORG.user(username)
    index = ORG.users.keys().index(username)
    assert document["user"] == to_data(ORG)["users"][index]
    resolved = ORG.resolve_settings(username)
    assert document["resolved_settings"] == {
        name: {"value": getattr(r.value, "value", r.value), "from": r.source}
        for name, r in resolved.items()
    }


def test_user_without_show_takes_json_too(capsys: pytest.CaptureFixture[str]) -> None:
    document = run_json(capsys, "user", str(EXAMPLE), "demo.user@orange.be")
    assert document["user"]["username"] == "demo.user@orange.be"


@pytest.mark.parametrize("key", ["5901", "Francais Orange labo"])
def test_schedule_show_json_round_trips_with_the_api(
    capsys: pytest.CaptureFixture[str], key: str
) -> None:
    document = run_json(capsys, "schedule", "show", str(EXAMPLE), key, "--week", "2026-03-04")
    function = ORG.functions[key]
    rebuilt = CONVERTER.structure(document["function"], FunctionNumber)
    assert rebuilt.schedule == function.schedule
    assert (rebuilt.name, rebuilt.kind, rebuilt.number) == (
        function.name,
        function.kind,
        function.number,
    )
    numbers = to_data(ORG)["functions"]["numbers"]
    assert document["function"] == numbers[ORG.functions.keys().index(function.name)]
    assert document["time_zone"] == "Europe/Brussels"
    week = document["week"]
    assert week["monday"] == "2026-03-02"
    stretches = week["stretches"]
    starts = [datetime.fromisoformat(s["start"]) for s in stretches]
    ends = [datetime.fromisoformat(s["end"]) for s in stretches]
    assert starts[0].date() == date(2026, 3, 2)
    assert ends[-1].date() == date(2026, 3, 9)
    assert all(end == start for end, start in zip(ends, starts[1:], strict=False))  # no gaps
    for stretch, start in zip(stretches, starts, strict=True):  # each one is the schedule's
        state = function.schedule.state_at(start + timedelta(seconds=1), ORG.time_zone)
        assert stretch["action"] == state.action.value
        assert stretch["instruction"] == state.instruction


def test_contacts_json_gives_each_contact_as_the_api_has_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    user = "demo.user@orange.be"
    document = run_json(capsys, "contacts", str(EXAMPLE), "--user", user)
    entries = ORG.contacts.effective(user).ordered()
    assert document["user"] == user
    assert [c["name"] for c in document["contacts"]] == [e.name for e in entries]
    for shown, entry in zip(document["contacts"], entries, strict=True):
        assert CONVERTER.structure(shown["contact"], Contact) == entry.contact
        assert (shown["kind"], shown["from"]) == (entry.kind.value, entry.provenance)


@pytest.mark.parametrize("mac", ["08:00:0f:bb:ad:78", "249ad8a1b2c3"])
def test_keys_json_gives_the_phone_as_the_api_has_it(
    capsys: pytest.CaptureFixture[str], mac: str
) -> None:
    document = run_json(capsys, "keys", str(EXAMPLE), mac)
    phone = ORG.phones[mac]
    assert CONVERTER.structure(document["phone"], SipPhone) == phone
    phones = to_data(ORG)["phones"]["phones"]
    assert document["phone"] == phones[ORG.phones.keys().index(phone.name)]
    assert [row["key"] for row in document["keys"]] == [str(p) for p, _ in phone.layout.items()]
