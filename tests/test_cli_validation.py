"""The command line checks what people type by the domain's rules, in one line each.

``--setting NAME=VALUE`` by each setting's rule (the portal's languages nl/fr/en, an
IANA zone, always/hidden, yes/no, one line of text); ``--until`` before today and a
``--once`` that is over are refused; a missing required option or argument is one
line naming it and the command (exit status 2).
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from tests.conftest import EXAMPLE

from cloudtel import Visibility, load
from cloudtel.cli import main

DEMO = "demo.user@orange.be"


@pytest.fixture
def org_file(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLE.parent, tmp_path / "org")
    return tmp_path / "org" / EXAMPLE.name


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# --- --setting NAME=VALUE ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("pair", "says"),
    [
        ("language=de", "setting language takes nl, fr or en (the portal's languages"),
        ("language=dutch", "setting language takes nl, fr or en"),
        ("time_zone=Mars/Base", "setting time_zone takes an IANA time zone such as "),
        ("directory_visibility=secret", "setting directory_visibility takes always or hidden"),
        ("softphone=maybe", "setting softphone takes yes or no"),
        ("pbx_integration=2", "setting pbx_integration takes yes or no"),
        ("cost_centre=A\nB", "setting cost_centre takes one line of text"),
        ("mobile_profile=\u0007", "setting mobile_profile takes one line of text"),
    ],
)
@pytest.mark.parametrize("command", ["user set", "user add", "group set"])
def test_every_setting_is_checked_by_its_rule_naming_the_setting_and_what_it_takes(
    capsys: pytest.CaptureFixture[str], org_file: Path, command: str, pair: str, says: str
) -> None:
    # Before: --setting language=de was accepted and saved.
    before = org_file.read_bytes()
    target = {
        "user set": [org_file, DEMO],
        "user add": [org_file, "new.user@orange.be"],
        "group set": [org_file, "Sales"],
    }[command]
    status, out, err = run(capsys, *command.split(), *target, "--setting", pair)
    assert (status, out) == (1, "")
    assert err.startswith(f"cloudtel: {says}"), err
    value = pair.partition("=")[2]
    assert f"not {value!r}" in err
    assert err.count("\n") == 1
    assert org_file.read_bytes() == before  # nothing written


@pytest.mark.parametrize(
    ("pair", "stored"),
    [
        ("language=fr", ("language", "fr")),
        ("language=NL", ("language", "nl")),
        ("language=nl-be", ("language", "nl-BE")),
        ("language=en", ("language", "en")),
        ("time_zone=Europe/Paris", ("time_zone", "Europe/Paris")),
        ("directory_visibility=Hidden", ("directory_visibility", Visibility.HIDDEN)),
        ("softphone=yes", ("softphone", True)),
        ("cost_centre=SALES-01", ("cost_centre", "SALES-01")),
    ],
)
def test_good_settings_are_kept_in_their_canonical_form(
    capsys: pytest.CaptureFixture[str], org_file: Path, pair: str, stored: tuple[str, object]
) -> None:
    status, _, err = run(capsys, "user", "set", org_file, DEMO, "--setting", pair)
    assert (status, err) == (0, "")
    name, value = stored
    assert getattr(load(org_file).user(DEMO).settings, name) == value


# --- --until and --once that are over -------------------------------------------------


def test_until_before_today_is_refused(capsys: pytest.CaptureFixture[str], org_file: Path) -> None:
    # Before: accepted silently; the event would never be in force again.
    before = org_file.read_bytes()
    args = ["schedule", "event", "add", org_file, "5901", "summer", "--weekly", "mon-fri"]
    status, out, err = run(capsys, *args, "08:00-12:00", "--until", "2020-08-31")
    assert (status, out) == (1, "")
    assert err.startswith("cloudtel: --until 2020-08-31 is before today (")
    assert "in Europe/Brussels): the event would never be in force again" in err
    assert org_file.read_bytes() == before
    status, _, err = run(
        capsys, "schedule", "event", "set", org_file, "5901", "Ma-Vrij", "--until", "2021-01-01"
    )
    assert status == 1
    assert "--until 2021-01-01 is before today" in err
    assert org_file.read_bytes() == before


def test_until_today_or_later_is_kept(capsys: pytest.CaptureFixture[str], org_file: Path) -> None:
    later = (date.today() + timedelta(days=400)).isoformat()
    status, _, err = run(
        capsys, "schedule", "event", "set", org_file, "5901", "Ma-Vrij", "--until", later
    )
    assert (status, err) == (0, "")
    event = load(org_file).functions["5901"].schedule.event("Ma-Vrij")
    assert event.when.recurrence.until == date.fromisoformat(later)  # type: ignore[union-attr]


def test_a_one_off_event_that_is_over_is_refused(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    args = ["schedule", "event", "add", org_file, "5901", "old", "--once"]
    status, _, err = run(capsys, *args, "2020-12-24T12:00", "2020-12-25")
    assert status == 1
    assert err.startswith("cloudtel: --once ends at 2020-12-25 00:00, which is over")


# --- a missing required option --------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (
            ["phone", "add", "org.toml", "001565AABBCC"],
            "cloudtel: phone add: missing --family, --model; see 'cloudtel phone add --help'",
        ),
        (
            ["schedule", "default", "org.toml", "5901"],
            "cloudtel: schedule default: missing --action; see 'cloudtel schedule default --help'",
        ),
        (
            ["function", "add", "org.toml", "Support"],
            "cloudtel: function add: missing --kind, --number; see 'cloudtel function add --help'",
        ),
        ([], "cloudtel: missing COMMAND; see 'cloudtel --help'"),
        (
            ["contact", "add", "org.toml"],
            "cloudtel: contact add: missing --scope; see 'cloudtel contact add --help'",
        ),
    ],
)
def test_a_missing_required_option_is_one_line_naming_it_and_the_command(
    capsys: pytest.CaptureFixture[str], argv: list[str], line: str
) -> None:
    # Before: argparse printed the whole usage, then the error.
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2  # as docs/cli.md says: a command typed wrong
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", line + "\n")


def test_other_mistakes_still_print_the_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["users", "org.toml", "--sort", "shoe"])
    assert caught.value.code == 2
    assert "usage: cloudtel users" in capsys.readouterr().err
