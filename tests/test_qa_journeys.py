"""Defects found by trying cloudtel as its users would (a notebook user, an admin on
the command line): each test fails without its fix."""

from __future__ import annotations

import shutil
from datetime import time
from pathlib import Path
from typing import Any

import pytest

from cloudtel import load
from cloudtel.cli import main
from cloudtel.errors import CloudtelError
from cloudtel.schedules import Action, ForwardTarget, Weekday, Weekly

EXAMPLE_DIR = Path(__file__).resolve().parents[1] / "examples" / "orange-labo"
DEMO = "demo.user@orange.be"


@pytest.fixture
def org_file(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLE_DIR, tmp_path / "org")
    return tmp_path / "org" / "organization.toml"


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# --- weekdays: a word is a day only when it is one -----------------------------------


@pytest.mark.parametrize("text", ["mon,tue", "mon tue", "Montag", "sunshine", "friday!", "th"])
def test_weekly_refuses_text_that_only_starts_like_a_day(text: str) -> None:
    # was: "mon,tue" silently became Monday alone, "sunshine" Sunday
    with pytest.raises(CloudtelError, match="is not a weekday") as caught:
        Weekly(days=text, start=time(9), end=time(17))
    assert isinstance(caught.value, ValueError)


def test_the_error_for_several_days_in_one_text_says_to_give_a_list() -> None:
    with pytest.raises(CloudtelError, match=r"a list for several days"):
        Weekly(days="mon,tue", start=time(9), end=time(17))


@pytest.mark.parametrize(
    ("text", "day"),
    [("mon", Weekday.MONDAY), ("Monday", Weekday.MONDAY), (" SAT ", Weekday.SATURDAY)],
)
def test_weekly_takes_a_short_or_full_day_name_alone(text: str, day: Weekday) -> None:
    assert Weekly(days=text, start=time(9), end=time(17)).days == (day,)


def test_cli_weekly_refuses_a_word_that_only_starts_like_a_day(
    org_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = org_file.read_bytes()
    status, out, err = run(
        capsys, "schedule", "event", "add", org_file, "5502", "x", "--weekly", "monkey-fri",
        "09:00-17:00",
    )  # fmt: skip
    assert (status, out) == (1, "")
    assert err == (
        "cloudtel: --weekly 'monkey-fri' is not days like mon-fri, sat,sun or mon-wed,fri\n"
    )
    assert org_file.read_bytes() == before


def test_cli_weekly_takes_full_day_names(
    org_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(
        capsys, "schedule", "event", "add", org_file, "5502", "x", "--weekly", "monday-wednesday",
        "09:00-17:00", "--action", "open",
    )  # fmt: skip
    assert (status, err) == (0, "")
    event = load(org_file).functions["5502"].schedule.events[-1]
    assert isinstance(event.when, Weekly)
    assert event.when.days == (Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY)


# --- schedule event --to: a username is a user ---------------------------------------


def test_cli_forward_to_a_bare_username_forwards_to_that_user(
    org_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # was: "cloudtel: 'demo.user@orange.be' is not a phone number (...)"
    status, _, err = run(
        capsys, "schedule", "event", "add", org_file, "5502", "lunch", "--weekly", "mon-fri",
        "12:00-13:00", "--action", "forward", "--to", DEMO.upper(),
    )  # fmt: skip
    assert (status, err) == (0, "")
    event = load(org_file).functions["5502"].schedule.events[-1]
    assert event.action is Action.FORWARD
    assert event.forward_to == ForwardTarget(user=DEMO)


def test_cli_forward_to_an_unknown_username_names_it(
    org_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(
        capsys, "schedule", "event", "add", org_file, "5502", "lunch", "--weekly", "mon-fri",
        "12:00-13:00", "--action", "forward", "--to", "nobody@orange.be",
    )  # fmt: skip
    assert status == 1
    assert err.startswith("cloudtel: no user 'nobody@orange.be'")
    assert err.count("\n") == 1


# --- two admins: diff an old copy kept elsewhere ---------------------------------------


def test_diff_and_plan_compare_with_a_copy_kept_outside_the_org_folder(
    org_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # was: "cloudtel: old.toml: 7 problems / prompts: file 'prompts/….wav' is missing"
    # for a backup copy: the prompts' audio is beside the org file, not beside the copy
    old = tmp_path / "old.toml"
    shutil.copy(org_file, old)
    status, _, err = run(capsys, "user", "set", org_file, DEMO, "--department", "Finance")
    assert (status, err) == (0, "")
    for argv in (("diff", old, org_file), ("plan", org_file, "--against", old)):
        status, out, err = run(capsys, *argv)
        assert (status, err) == (0, "")
        assert "department" in out
        assert "Finance" in out
        assert out.rstrip().endswith("1 change to 1 object: 1 cosmetic")


def test_a_command_that_meets_another_edit_of_the_same_user_says_what_to_do(
    org_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # was: "... (or save with overwrite=True to replace the other edit)": Python advice
    # that a command-line user cannot follow
    from cloudtel import save
    from cloudtel.cli import edit

    real_load = edit.load

    def load_then_another_admin_saves(path: str | Path) -> Any:
        mine = real_load(path)
        theirs = real_load(path)
        theirs.update_user(DEMO, department="Finance")
        save(theirs, path)
        return mine

    monkeypatch.setattr(edit, "load", load_then_another_admin_saves)
    status, out, err = run(capsys, "user", "set", org_file, DEMO, "--department", "Sales")
    assert (status, out) == (1, "")
    assert err == (
        f"cloudtel: {org_file} was saved by another edit while this command ran, and that "
        f"edit changed user '{DEMO}' too; nothing was written: run the command again to make "
        "the change on top of the other edit\n"
    )
    assert load(org_file).user(DEMO).department == "Finance"


# --- an installer: provision into the wrong place -------------------------------------


def test_provision_into_a_file_says_it_is_not_a_folder(
    org_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # was: "cloudtel: org/organization.toml: File exists"
    before = org_file.read_bytes()
    status, out, err = run(capsys, "provision", org_file, "--out", org_file)
    assert (status, out) == (1, "")
    assert err == (
        f"cloudtel: the provisioning folder '{org_file}' is a file, not a folder: name a "
        "folder (created when missing)\n"
    )
    assert org_file.read_bytes() == before


def test_a_refused_import_names_the_option_that_imports_the_valid_rows(
    org_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # was: "import with keep_valid", the Python keyword, at the command line
    rows = tmp_path / "users.csv"
    rows.write_text(
        "username,first_name,groups\nlotte@orange.be,Lotte,Sales\npieter@orange.be,P,Nope\n",
        encoding="utf-8",
    )
    status, out, _ = run(capsys, "users", "import", org_file, rows)
    assert status == 1
    assert "  fix these rows, or import with keep_valid=True (--keep-valid) to import" in out
    status, out, _ = run(capsys, "users", "import", org_file, rows, "--keep-valid")
    assert status == 0
    assert "lotte@orange.be" in load(org_file).users


def test_group_members_says_who_was_not_a_member_or_was_one_already(
    org_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # was: "group 'Sales': members unchanged (3 members) (no change)" and nothing more
    # for a username typed wrong that happens to exist elsewhere
    status, out, err = run(
        capsys, "group", "members", org_file, "Sales", "--remove", DEMO,
        "--add", "adel.alkoubaisy@orange.be",
    )  # fmt: skip
    assert (status, err) == (0, "")
    assert out.splitlines()[1:] == [
        "adel.alkoubaisy@orange.be is a member of 'Sales' already",
        f"{DEMO} is not a member of 'Sales': nothing to remove",
    ]
