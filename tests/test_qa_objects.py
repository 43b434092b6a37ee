"""Everyday objects built the way a notebook user writes them: a plain mapping where
the SDK has a class (settings, a key layout) is taken, and a wrong kind of value is
refused at once with a clear error, never left to break a later save."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import attrs
import pytest

from cloudtel import (
    CloudtelError,
    KeyLayout,
    KeyLayoutError,
    LineKey,
    Settings,
    SipPhone,
    User,
    UserGroup,
    load,
    save,
)

EXAMPLE_DIR = Path(__file__).resolve().parents[1] / "examples" / "orange-labo"


@pytest.fixture
def org_file(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLE_DIR, tmp_path / "org")
    return tmp_path / "org" / "organization.toml"


def test_a_group_and_a_user_with_settings_as_a_mapping_save_and_inherit(org_file: Path) -> None:
    # was: the dict was kept as is; resolve_settings and every later save of the whole
    # organisation failed with AttributeError: 'dict' object has no attribute 'language'
    org = load(org_file)
    org.add_group(UserGroup(name="Onthaal", settings={"language": "fr"}))
    org.add_user(User(username="lotte@orange.be", groups="Onthaal", settings={"cost_centre": "R1"}))
    assert org.group("Onthaal").settings == Settings(language="fr")
    resolved = org.resolve_settings("lotte@orange.be")
    assert (resolved["language"].value, resolved["cost_centre"].value) == ("fr", "R1")
    save(org, org_file)
    again = load(org_file)
    assert again.group("Onthaal").settings == Settings(language="fr")
    assert again.user("lotte@orange.be").settings == Settings(cost_centre="R1")


def test_a_user_changed_with_settings_as_a_mapping_gets_settings() -> None:
    user = User(username="a@orange.be")
    assert attrs.evolve(user, settings={"softphone": True}).settings == Settings(softphone=True)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"langauge": "fr"}, "there is no setting 'langauge'; settings are: language, "),
        ("fr", "settings must be a Settings or a mapping"),
        ({"time_zone": "Mars/Base"}, "Mars/Base"),
    ],
)
def test_bad_settings_are_refused_when_the_object_is_made(settings: object, message: str) -> None:
    with pytest.raises(CloudtelError, match=message) as caught:
        UserGroup(name="G", settings=settings)  # type: ignore[arg-type]
    assert isinstance(caught.value, ValueError)
    with pytest.raises(CloudtelError, match=message):
        User(username="a@orange.be", settings=settings)  # type: ignore[arg-type]


def test_a_phone_with_its_layout_as_a_mapping_is_added_and_saved(org_file: Path) -> None:
    # was: TypeError: 'builtin_function_or_method' object is not iterable
    org = load(org_file)
    org.phones.add(
        SipPhone(
            mac="08000f000001",
            family="mitel",
            model="6940",
            user="demo.user@orange.be",
            layout={"L20": LineKey(account=1)},  # type: ignore[arg-type]
        )
    )
    assert org.phones["08000F000001"].layout == KeyLayout({"L20": LineKey(account=1)})
    save(org, org_file)
    assert load(org_file).phones["08000F000001"].layout["L20"] == LineKey(account=1)


@pytest.mark.parametrize("layout", ["L20", 20, ["L20"], [("L20",)]])
def test_a_layout_that_is_not_positions_to_keys_is_refused_clearly(layout: object) -> None:
    # was: ValueError: not enough values to unpack / TypeError
    with pytest.raises(KeyLayoutError, match="a key layout is a mapping of positions to keys"):
        KeyLayout(layout)  # type: ignore[arg-type]
    with pytest.raises(KeyLayoutError):
        SipPhone(mac="08000f000001", family="mitel", model="6940", layout=layout)  # type: ignore[arg-type]


def test_a_change_set_and_a_journal_entry_show_short_and_as_tables(org_file: Path) -> None:
    # was: the attrs dump of every change (and of every object before and after, for
    # the entry save returns), a few KB for one edit
    org = load(org_file)
    before = load(org_file)
    org.update_user("demo.user@orange.be", department="Finance")
    org.remove_user("adel.alkoubaisy@orange.be")
    changes = before.diff(org)
    assert (
        repr(changes)
        == f"<ChangeSet: {len(changes)} changes to {len(changes)} objects, worst: destructive>"
    )
    lines = str(changes).splitlines()
    assert lines[0] == f"{len(changes)} changes to {len(changes)} objects, worst: destructive"
    assert "  changed user demo.user@orange.be: department '' → 'Finance' (cosmetic)" in lines
    assert any(
        line.startswith("  removed user adel.alkoubaisy@orange.be (destructive") for line in lines
    )
    records = changes.to_records()
    assert {"risk", "action", "kind", "key", "field", "old", "new", "reason"} == set(records[0])
    html = changes._repr_html_()
    assert html.startswith("<table")
    assert "Finance" in html
    assert "destructive" in html
    assert str(before.diff(before)) == "no changes"

    entry = save(org, org_file)
    assert repr(entry).startswith(f"<JournalEntry entry {entry.entry} by {entry.who} at ")
    assert len(repr(entry)) < 200
    assert "department '' → 'Finance'" in str(entry)
    assert "Finance" in entry._repr_html_()


def test_a_change_set_escapes_what_people_typed_in_its_table(org_file: Path) -> None:
    org = load(org_file)
    before = load(org_file)
    org.update_user("demo.user@orange.be", department="<b>R&D</b>")
    html = before.diff(org)._repr_html_()
    assert "<b>R&D</b>" not in html
    assert "&lt;b&gt;R&amp;D&lt;/b&gt;" in html


def test_a_week_asked_for_with_a_date_as_text_or_a_datetime(org_file: Path) -> None:
    # was: AttributeError: 'str' object has no attribute 'weekday'
    org = load(org_file)
    wanted = org.functions.week("5901", date(2026, 12, 23))
    assert org.functions.week("5901", "2026-12-23") == wanted
    assert org.functions.week("5901", datetime(2026, 12, 23, 10, tzinfo=UTC)) == wanted
    assert wanted.monday == date(2026, 12, 21)


@pytest.mark.parametrize("week", ["next week", "23/12/2026", 20261223])
def test_a_week_that_is_not_a_day_is_refused_clearly(org_file: Path, week: object) -> None:
    org = load(org_file)
    with pytest.raises(CloudtelError, match=r"is not a day: give a date"):
        org.functions.week("5901", week)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["no", "yes", 0, 1, None])
def test_a_phone_refuses_free_seating_that_is_not_true_or_false(value: object) -> None:
    # was: kept as given; saved as free_seating = "no", a file that would not load again
    with pytest.raises(CloudtelError, match="free_seating must be True or False") as caught:
        SipPhone(mac="08000f000002", family="mitel", model="6940", free_seating=value)  # type: ignore[arg-type]
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("value", ["no", 1])
def test_settings_refuse_a_softphone_that_is_not_true_false_or_unset(value: object) -> None:
    with pytest.raises(CloudtelError, match="softphone must be true, false or unset"):
        Settings(softphone=value)  # type: ignore[arg-type]


def test_what_the_sdk_takes_it_saves_in_a_file_that_loads_again(org_file: Path) -> None:
    org = load(org_file)
    org.phones.add(SipPhone(mac="08000f000002", family="mitel", model="6940", free_seating=True))
    org.add_group(UserGroup(name="G", settings={"softphone": False}))
    save(org, org_file)
    again = load(org_file)
    assert again.phones["08000F000002"].free_seating is True
    assert again.group("G").settings.softphone is False


def test_a_list_where_one_group_name_belongs_is_a_clear_error(org_file: Path) -> None:
    # was: TypeError: unhashable type: 'list'
    org = load(org_file)
    with pytest.raises(CloudtelError, match=r"no user group \['Sales'\]; groups are: ") as caught:
        org.find_users(group=["Sales"])  # type: ignore[arg-type]
    assert isinstance(caught.value, LookupError)


def test_a_missing_prompt_file_names_where_it_was_looked_for(
    org_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # was: "file 'prompts/lunch.nl.wav' is missing from ." for an org file in the
    # current folder
    monkeypatch.chdir(org_file.parent)
    (org_file.parent / "prompts" / "lunch.nl.wav").unlink()
    with pytest.raises(CloudtelError) as caught:
        load("organization.toml")
    looked = org_file.parent.resolve() / "prompts" / "lunch.nl.wav"
    assert str(caught.value) == (
        f"organization.toml: prompts: file 'prompts/lunch.nl.wav' is missing: looked for {looked}"
    )
