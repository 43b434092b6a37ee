"""The ``cloudtel schedule`` commands on the example organisation."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudtel import Organization
from cloudtel.cli import main
from cloudtel.schedules import Action


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_the_example_has_the_manuals_function_numbers(example_org: Organization) -> None:
    french = example_org.functions.find("5502")
    dutch = example_org.functions.find("5901")
    assert (french.name, french.kind.label) == ("Francais Orange labo", "IVR")
    assert (dutch.name, dutch.kind.label) == ("Nederlands Orange labo", "IVR")
    assert dutch.number == example_org.main_number
    newyear, weekdays = dutch.schedule.events
    assert newyear.instruction == "User unavailable"
    assert weekdays.action is Action.OPEN
    assert dutch.schedule.default.action is Action.CLOSED
    assert french.schedule.events == ()
    assert example_org.referrers("prompt", "User unavailable") == [
        "schedule of IVR 5901 'Nederlands Orange labo', event 'newyear'"
    ]


def test_status_lists_every_function_number(
    capsys: pytest.CaptureFixture[str], example_path: Path
) -> None:
    status, out, _ = run(
        capsys, "schedule", "status", str(example_path), "--at", "2025-03-03T10:00"
    )
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "Function numbers of Orange labo, status at 2025-03-03 10:00 CET"
    assert lines[3].startswith("Francais Orange labo    +3292470681  5502   IVR   ○ closed")
    assert lines[4].startswith("Nederlands Orange labo  +3292470680  5901   IVR   ● open")
    assert lines[4].endswith("2025-03-03 18:00 closed")


def test_status_at_an_instant_with_an_offset(
    capsys: pytest.CaptureFixture[str], example_path: Path
) -> None:
    # 2027-01-01 00:30 in Brussels, written in UTC: New Year's Day already
    _, out, _ = run(
        capsys, "schedule", "status", str(example_path), "--at", "2026-12-31T23:30:00+00:00"
    )
    assert "○ closed, plays 'User unavailable'" in out


def test_show_lists_the_events_and_the_week(
    capsys: pytest.CaptureFixture[str], example_path: Path
) -> None:
    status, out, _ = run(
        capsys, "schedule", "show", str(example_path), "+32 9 247 06 80", "--week", "2026-01-01"
    )
    assert status == 0
    assert out.splitlines()[:5] == [
        "IVR 5901 'Nederlands Orange labo'  +32 9 247 06 80  (time zone Europe/Brussels)",
        "Events, highest priority first:",
        "  1. newyear  yearly 01-01 00:00:00 to 01-02 00:00:00 from 2020-01-01  "
        "closed (User unavailable)",
        "  2. Ma-Vrij  weekly mon,tue,wed,thu,fri 09:00:00-18:00:00  open",
        "     default  always  closed",
    ]
    assert "Thu 01-01  |" + "." * 48 + "|" in out
    assert "Fri 01-02  |" + "." * 18 + "O" * 18 + "." * 12 + "|" in out
    assert "Thu 2026-01-01 00:00–24:00 closed, plays 'User unavailable' (event 'newyear')" in out


def test_next_finds_the_next_change(capsys: pytest.CaptureFixture[str], example_path: Path) -> None:
    status, out, _ = run(
        capsys,
        "schedule",
        "next",
        str(example_path),
        "nederlands orange labo",
        "--after",
        "2025-12-31T17:00",
    )
    assert status == 0
    assert out.splitlines() == [
        "IVR 5901 'Nederlands Orange labo' at 2025-12-31 17:00:00 CET: open",
        "next change: 2025-12-31 18:00:00 CET (2025-12-31T18:00:00+01:00)",
        "  open -> closed",
    ]
    _, out, _ = run(capsys, "schedule", "next", str(example_path), "5502")
    assert "next change: none" in out


def test_export_writes_an_ics_file(
    capsys: pytest.CaptureFixture[str], example_path: Path, tmp_path: Path
) -> None:
    target = tmp_path / "nl.ics"
    status, out, _ = run(capsys, "schedule", "export", str(example_path), "5901", "-o", str(target))
    assert status == 0
    assert out == f"wrote {target} (2 events)\n"
    assert "SUMMARY:newyear" in target.read_text()


def test_export_into_a_missing_folder_names_the_file_asked_for(
    capsys: pytest.CaptureFixture[str], example_path: Path, tmp_path: Path
) -> None:
    target = tmp_path / "missing" / "nl.ics"
    status, out, err = run(
        capsys, "schedule", "export", str(example_path), "5901", "-o", str(target)
    )
    assert (status, out) == (1, "")
    assert err == f"cloudtel: {target}: No such file or directory\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("next", "{file}", "5503"), "no function number '5503'"),
        (("status", "{file}", "--at", "yesterday"), "--at 'yesterday' is not an ISO 8601"),
        (("show", "{file}", "5901", "--week", "soon"), "--week 'soon' is not a date"),
    ],
)
def test_mistakes_print_one_line_and_exit_1(
    capsys: pytest.CaptureFixture[str], example_path: Path, argv: tuple[str, ...], message: str
) -> None:
    status, out, err = run(capsys, "schedule", *(a.format(file=example_path) for a in argv))
    assert status == 1
    assert out == ""
    assert err.startswith(f"cloudtel: {message}")
    assert len(err.splitlines()) == 1
