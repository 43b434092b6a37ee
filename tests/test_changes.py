"""Change sets (org.diff), the journal of saves, revert, and the diff/plan/log/revert commands."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest

import cloudtel
from cloudtel import ChangeSet, ConflictError, NotFoundError, Organization, Risk, User
from cloudtel.cli import main
from cloudtel.serialization import load, loads, save

MONDAY = dt.datetime(2026, 12, 7, 0, 0, tzinfo=dt.UTC)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def folder(tmp_path: Path, example_path: Path) -> Path:
    """A copy of the example organisation's folder."""
    target = tmp_path / "org"
    shutil.copytree(example_path.parent, target)
    return target


def _changes(old: Organization, new: Organization) -> dict[tuple[str, str, str | None], object]:
    return {(c.kind, c.key, c.field): c for c in old.diff(new, now=MONDAY)}


# --- change sets ----------------------------------------------------------------------------


def test_no_change_is_an_empty_change_set(example_org: Organization) -> None:
    changes = example_org.diff(loads(cloudtel.dumps(example_org)))
    assert isinstance(changes, ChangeSet)
    assert not changes
    assert changes.risk() is None


def test_deleting_a_user_is_destructive_and_names_the_freed_number(
    example_org: Organization,
) -> None:
    after = loads(cloudtel.dumps(example_org))
    after.remove_user("adel.alkoubaisy@orange.be")
    changes = example_org.diff(after, now=MONDAY)
    removed = next(c for c in changes if c.action == "removed")
    assert removed.target == ("user", "adel.alkoubaisy@orange.be")
    assert removed.risk is Risk.DESTRUCTIVE
    assert "frees +3227811601" in removed.reason
    assert removed.old["primary_line"] == "+3227811601"
    assert changes.risk() is Risk.DESTRUCTIVE


def test_a_number_that_moves_is_externally_visible(example_org: Organization) -> None:
    after = loads(cloudtel.dumps(example_org))
    after.update_user("adel.alkoubaisy@orange.be", primary_line=None)
    after.update_user("alexandra.meuwissen@orange.be", aliases=("+3227811601",))
    changes = _changes(example_org, after)
    moved = changes[("user", "alexandra.meuwissen@orange.be", "aliases")]
    assert moved.risk is Risk.EXTERNAL  # type: ignore[attr-defined]
    assert "+3227811601 to user alexandra.meuwissen@orange.be" in moved.reason  # type: ignore[attr-defined]


def test_a_phone_change_and_a_change_to_a_user_on_a_phone_are_externally_visible(
    example_org: Organization,
) -> None:
    after = loads(cloudtel.dumps(example_org))
    phone = after.phones.phones[0]
    after.update_user(str(phone.user), first_name="Renamed")
    after.update_user("adel.alkoubaisy@orange.be", department="Elsewhere")
    changes = _changes(example_org, after)
    renamed = changes[("user", str(phone.user), "first_name")]
    assert renamed.risk is Risk.EXTERNAL  # type: ignore[attr-defined]
    assert str(phone.mac) in renamed.reason  # type: ignore[attr-defined]
    moved = changes[("user", "adel.alkoubaisy@orange.be", "department")]
    assert moved.risk is Risk.COSMETIC  # type: ignore[attr-defined]


def test_a_schedule_change_says_for_which_hours_the_outcome_differs(
    example_org: Organization,
) -> None:
    text = cloudtel.dumps(example_org)
    assert "end = 18:00:00" in text
    after = loads(text.replace("end = 18:00:00", "end = 17:00:00"))
    changes = example_org.diff(after, now=MONDAY)
    (change,) = changes
    assert change.target == ("function number", "Nederlands Orange labo")
    assert change.field == "schedule"
    assert change.risk is Risk.BEHAVIOURAL
    # 17:00-18:00 Brussels time, Monday to Friday of the week starting 2026-12-07
    assert change.reason.count("17:00–") == 5
    assert "Mon 2026-12-07 17:00–Mon 18:00" in change.reason
    assert "Sat" not in change.reason


def test_a_schedule_change_without_effect_in_the_next_week_is_cosmetic(
    example_org: Organization,
) -> None:
    text = cloudtel.dumps(example_org)
    after = loads(text.replace('name = "newyear"', 'name = "nieuwjaar"'))
    (change,) = example_org.diff(after, now=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    assert change.risk is Risk.COSMETIC
    assert "same outcome" in change.reason


def test_adding_a_group_is_not_a_change_of_the_group_order(example_org: Organization) -> None:
    after = loads(cloudtel.dumps(example_org))
    after.add_group(cloudtel.UserGroup(name="New"))
    assert [c.target for c in example_org.diff(after)] == [("group", "New")]
    after.move_group("New", 0)
    after.move_group(example_org.groups[-1].name, 0)
    kinds = {c.kind for c in example_org.diff(after)}
    assert kinds == {"group", "group order"}


def test_a_change_set_round_trips_through_json(example_org: Organization) -> None:
    after = loads(cloudtel.dumps(example_org))
    after.remove_user("adel.alkoubaisy@orange.be")
    changes = example_org.diff(after, now=MONDAY)
    again = ChangeSet.from_json(json.loads(json.dumps(changes.to_json())))
    assert again == changes


# --- the journal and revert -------------------------------------------------------------------


def test_every_save_appends_who_when_and_the_change_set(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = folder / "organization.toml"
    org = load(path)
    org.update_user("adel.alkoubaisy@orange.be", department="Support")
    monkeypatch.setenv("CLOUDTEL_USER", "alice")
    first = save(org, path)
    org.add_user(User(username="new@orange.be"))
    save(org, path, who="bob")
    entries = cloudtel.read_journal(path)
    assert [(e.entry, e.who) for e in entries] == [(1, "alice"), (2, "bob")]
    assert entries[0] == first
    assert [(c.kind, c.key, c.field, c.old, c.new) for c in entries[0].changes] == [
        ("user", "adel.alkoubaisy@orange.be", "department", "Sales", "Support")
    ]
    assert entries[1].changes.objects() == [("user", "new@orange.be")]
    assert entries[0].when <= entries[1].when
    assert (folder / "organization.toml.journal").exists()


def test_the_journal_sees_every_kind_of_edit_made_after_load(folder: Path) -> None:
    """The save compares with a snapshot taken at load: later edits must not reach it."""
    path = folder / "organization.toml"
    org = load(path)
    org.contacts.add("group:Sales", cloudtel.Contact(first_name="Nieuw", last_name="Contact"))
    org.contacts.add("org", cloudtel.Contact(company="Firma"))
    phone = org.phones.phones[0]
    org.phones.set_key(phone.mac, "L21", cloudtel.EmptyKey())
    org.remove_group("Sales")
    org.update_user("adel.alkoubaisy@orange.be", department="Moved")
    entry = save(org, path)
    objects = set(entry.changes.objects())
    assert ("contact", "organization: Firma") in objects
    assert ("phone", str(phone.mac)) in objects
    assert ("group", "Sales") in objects
    assert ("user", "adel.alkoubaisy@orange.be") in objects
    # and a second save compares with the state the first one wrote
    org.update_user("adel.alkoubaisy@orange.be", department="Again")
    assert save(org, path).changes.objects() == [("user", "adel.alkoubaisy@orange.be")]
    assert not save(org, path).changes


def test_a_journal_line_torn_by_a_crash_is_skipped_and_the_next_entry_is_whole(
    folder: Path,
) -> None:
    path = folder / "organization.toml"
    org = load(path)
    org.update_user("adel.alkoubaisy@orange.be", department="One")
    save(org, path)
    journal = folder / "organization.toml.journal"
    with journal.open("a", encoding="utf-8") as stream:
        stream.write('{"entry":2,"who":"crashed","wh')
    assert [e.entry for e in cloudtel.read_journal(path)] == [1]
    org.update_user("adel.alkoubaisy@orange.be", department="Two")
    assert save(org, path).entry == 2
    assert [(e.entry, e.changes.objects()) for e in cloudtel.read_journal(path)][-1] == (
        2,
        [("user", "adel.alkoubaisy@orange.be")],
    )


def test_revert_undoes_one_entry_and_is_journaled(folder: Path) -> None:
    path = folder / "organization.toml"
    original = load(path)
    org = load(path)
    org.remove_user("alexandra.meuwissen@orange.be")  # also clears her phone's user
    save(org, path, who="alice")
    org.update_user("adel.alkoubaisy@orange.be", department="Later")
    save(org, path, who="bob")
    done = cloudtel.revert(path, 1, who="carol")
    assert done.entry == 3
    assert done.who == "carol"
    after = load(path)
    assert after.user("alexandra.meuwissen@orange.be") == original.user(
        "alexandra.meuwissen@orange.be"
    )
    assert after.phones.phones == original.phones.phones
    assert after.user("adel.alkoubaisy@orange.be").department == "Later"  # entry 2 stays
    assert [u.username for u in after.users] == [u.username for u in original.users]


def test_revert_refuses_when_a_later_entry_touched_the_same_objects(folder: Path) -> None:
    path = folder / "organization.toml"
    org = load(path)
    org.update_user("adel.alkoubaisy@orange.be", department="First")
    save(org, path)
    org.update_user("adel.alkoubaisy@orange.be", department="Second")
    save(org, path, who="bob")
    with pytest.raises(ConflictError, match=r"entry 2 \(bob, .*user 'adel\.alkoubaisy") as caught:
        cloudtel.revert(path, 1)
    assert caught.value.context["objects"] == [("user", "adel.alkoubaisy@orange.be")]
    assert load(path).user("adel.alkoubaisy@orange.be").department == "Second"
    # the later one can be reverted, then the first
    cloudtel.revert(path, 2)
    assert load(path).user("adel.alkoubaisy@orange.be").department == "First"


def test_revert_refuses_after_an_edit_without_the_journal(folder: Path) -> None:
    path = folder / "organization.toml"
    org = load(path)
    org.update_user("adel.alkoubaisy@orange.be", department="Journaled")
    save(org, path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"Journaled"', '"By hand"'), encoding="utf-8")
    with pytest.raises(ConflictError, match="without a journal entry"):
        cloudtel.revert(path, 1)


def test_revert_of_an_unknown_entry_says_which_there_are(folder: Path) -> None:
    path = folder / "organization.toml"
    org = load(path)
    org.update_user("adel.alkoubaisy@orange.be", department="X")
    save(org, path)
    with pytest.raises(NotFoundError, match="no journal entry 7; its journal has entries 1 to 1"):
        cloudtel.revert(path, 7)


# --- the commands ------------------------------------------------------------------------------


def _edited_copy(folder: Path) -> Path:
    org = load(folder / "organization.toml")
    org.remove_user("alexandra.meuwissen@orange.be")
    org.update_user("adel.alkoubaisy@orange.be", department="Support")
    target = folder / "new" / "organization.toml"
    save(org, target)
    return target


def test_diff_prints_a_table_and_exit_code_says_whether_there_are_changes(
    capsys: pytest.CaptureFixture[str], folder: Path
) -> None:
    old = folder / "organization.toml"
    new = _edited_copy(folder)
    status, out, _err = run(capsys, "diff", str(old), str(new), "--exit-code")
    assert status == 1
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["Risk", "Change"]
    assert "destructive" in lines[2]
    assert "user alexandra.meuwissen@orange.be" in lines[2]
    assert "frees +3227811602" in lines[2]
    assert "3 changes to 3 objects: 1 destructive, 1 externally visible, 1 cosmetic" in out
    assert run(capsys, "diff", str(old), str(old), "--exit-code")[0] == 0
    assert run(capsys, "diff", str(old), str(new))[0] == 0  # without --exit-code


def test_diff_json(capsys: pytest.CaptureFixture[str], folder: Path) -> None:
    new = _edited_copy(folder)
    status, out, _err = run(capsys, "diff", str(folder / "organization.toml"), str(new), "--json")
    assert status == 0
    data = json.loads(out)
    assert data["risk"] == "destructive"
    assert {(c["kind"], c["key"], c["action"]) for c in data["changes"]} == {
        ("user", "alexandra.meuwissen@orange.be", "removed"),
        ("user", "adel.alkoubaisy@orange.be", "changed"),
        ("phone", "249AD8A1B2C3", "changed"),
    }


def test_plan_against_a_git_commit(capsys: pytest.CaptureFixture[str], folder: Path) -> None:
    if shutil.which("git") is None:
        pytest.fail("git is needed for this test: apt-get install git")

    def git(*words: str) -> None:
        who = ["-c", "user.name=t", "-c", "user.email=t@example.org"]
        subprocess.run(["git", "-C", str(folder), *who, *words], check=True, capture_output=True)

    git("init", "-q")
    git("add", "-A")
    git("commit", "-q", "-m", "as deployed")
    path = folder / "organization.toml"
    org = load(path)
    org.update_user("adel.alkoubaisy@orange.be", department="Support")
    save(org, path)
    status, out, _err = run(capsys, "plan", str(path), "--against", "HEAD", "--exit-code")
    assert status == 1
    assert "HEAD:organization.toml → " in out
    assert "1 change to 1 object: 1 cosmetic" in out
    status, out, _err = run(capsys, "plan", str(path), "--against", str(path), "--exit-code")
    assert (status, out.splitlines()[-1].endswith("no changes")) == (0, True)
    status, _out, err = run(capsys, "plan", str(path), "--against", "no-such-ref")
    assert status == 1
    assert err.startswith("cloudtel: ")
    assert "git show" in err


def test_log_and_revert_commands(capsys: pytest.CaptureFixture[str], folder: Path) -> None:
    path = folder / "organization.toml"
    status, out, _err = run(capsys, "log", str(path))
    assert (status, "no journal yet" in out) == (0, True)
    org = load(path)
    org.update_user("adel.alkoubaisy@orange.be", department="Support")
    save(org, path, who="alice")
    status, out, _err = run(capsys, "log", str(path))
    assert status == 0
    row = out.splitlines()[2].split()
    assert (row[0], row[3]) == ("1", "alice")
    assert "user adel.alkoubaisy@orange.be" in out
    status, out, _err = run(capsys, "revert", str(path), "1", "--who", "carol")
    assert status == 0
    assert "reverted entry 1 as entry 2" in out
    assert load(path).user("adel.alkoubaisy@orange.be").department == "Sales"
    status, _out, err = run(capsys, "revert", str(path), "1")
    assert status == 1
    assert "entry 2 (carol" in err
    status, out, _err = run(capsys, "log", str(path), "--json")
    assert [e["who"] for e in json.loads(out)] == ["alice", "carol"]
