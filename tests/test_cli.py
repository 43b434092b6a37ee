"""The ``cloudtel`` command's core: validate, users, user, numbers, demo, and its mistakes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cloudtel.cli import main
from cloudtel.cli.table import table


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def usernames_in(out: str) -> list[str]:
    """The first column of the table rows of ``cloudtel users``."""
    lines = out.splitlines()
    rows = lines[2 : lines.index(next(x for x in lines if x.startswith("page ")))]
    return [row.split()[0] for row in rows]


BROKEN = """\
schema_version = 1

[organization]
name = "Orange labo"
domain = "orange.be"
number_ranges = ["+3227811600-+3227811699"]
colour = "orange"

[[groups]]
name = "Everybody"

[[users]]
username = "a@orange.be"
mobile_phones = [{ number = "+3248008008" }]

[[users]]
username = "b@orange.be"
groups = ["Nobody"]
"""


def test_validate_an_ok_file(capsys: pytest.CaptureFixture[str], example_path: Path) -> None:
    status, out, err = run(capsys, "validate", str(example_path))
    assert status == 0
    assert "valid" in out
    assert "'Orange labo'" in out
    assert "13 users" in out
    assert err == ""


def test_validate_lists_every_problem_and_exits_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "organization.toml"
    path.write_text(BROKEN, encoding="utf-8")
    status, out, err = run(capsys, "validate", str(path))
    assert status == 1
    assert out == ""
    assert err.startswith(f"cloudtel: {path}: 3 problems")
    assert "organization: extra fields found (colour)" in err
    assert "users[0].mobile_phones[0].number: '+3248008008' is not a valid phone number" in err
    assert "users[1].groups: user 'b@orange.be' is in group 'Nobody'" in err
    assert "Traceback" not in err


def test_validate_lists_the_problems_users_and_groups_cause_together(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "organization.toml"
    path.write_text(BROKEN.replace('colour = "orange"\n', ""), encoding="utf-8")
    status, _out, err = run(capsys, "validate", str(path))
    assert status == 1
    assert "2 problems" in err
    assert "users[0].mobile_phones[0].number:" in err
    assert "users[1].groups: user 'b@orange.be' is in group 'Nobody'" in err


def test_users_lists_a_page_like_the_portal(
    capsys: pytest.CaptureFixture[str], example_path: Path
) -> None:
    status, out, _err = run(capsys, "users", str(example_path))
    assert status == 0
    header = out.splitlines()[0].split()
    assert header[:2] == ["Username", "First"]
    assert "Primary line" in out.splitlines()[0]
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[2:-1]}
    assert rows["adel.alkoubaisy@orange.be"] == ["Adel", "Al", "Koubaisy", "+3227811601"]
    assert out.rstrip().endswith("page 1 of 1 (13 users)")
    listed = usernames_in(out)
    assert listed == sorted(listed)
    assert len(listed) == 13


def test_users_filters_sorts_and_pages(
    capsys: pytest.CaptureFixture[str], example_path: Path
) -> None:
    file = str(example_path)
    _, out, _ = run(capsys, "users", file, "--group", "Sales")
    assert usernames_in(out) == [
        "adel.alkoubaisy@orange.be",
        "an.tutak@orange.be",
        "andrea.bruyninx@orange.be",
    ]
    _, out, _ = run(capsys, "users", file, "--search", "ARNE")
    assert usernames_in(out) == ["arne.bloes@orange.be", "arne.vanhelmont@orange.be"]
    _, out, _ = run(capsys, "users", file, "--group", "Support", "--search", "andre")
    assert usernames_in(out) == ["andre.desutter@orange.be", "andre.wildiers@orange.be"]
    _, out, _ = run(capsys, "users", file, "--sort", "last_name", "--page-size", "3")
    assert usernames_in(out) == [
        "adel.alkoubaisy@orange.be",
        "arne.bloes@orange.be",
        "andrea.bruyninx@orange.be",
    ]
    assert "page 1 of 5 (13 users)" in out
    _, out, _ = run(capsys, "users", file, "--sort", "last_name", "--page-size", "3", "--page", "5")
    assert usernames_in(out) == ["andre.wildiers@orange.be"]  # the last one alone
    assert "page 5 of 5 (13 users)" in out
    _, out, _ = run(capsys, "users", file, "--sort", "primary_line", "--descending")
    assert usernames_in(out)[0] == "arne.vanhelmont@orange.be"  # +3227811613


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--group", "Nobody"], "no user group 'Nobody'"),
        (["--page", "0"], "page and page size start at 1"),
    ],
)
def test_users_mistakes_are_one_line(
    capsys: pytest.CaptureFixture[str], example_path: Path, argv: list[str], words: str
) -> None:
    status, out, err = run(capsys, "users", str(example_path), *argv)
    assert status == 1
    assert out == ""
    assert err.startswith("cloudtel: ")
    assert words in err
    assert err.count("\n") == 1


def test_a_page_that_does_not_exist_is_one_line(
    capsys: pytest.CaptureFixture[str], example_path: Path
) -> None:
    status, out, err = run(capsys, "users", str(example_path), "--page", "99")
    assert status == 1
    assert out == ""
    assert err.startswith("cloudtel: there is no page 99: 13 users make 1 page of 25")


def test_a_negative_limit_is_one_line(
    capsys: pytest.CaptureFixture[str], example_path: Path
) -> None:
    status, out, err = run(capsys, "numbers", str(example_path), "--limit", "-1")
    assert status == 1
    assert out == ""
    assert err == "cloudtel: --limit takes a whole number from 1, not -1\n"


def test_an_unknown_sort_column_is_refused_by_the_parser(
    capsys: pytest.CaptureFixture[str], example_path: Path
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["users", str(example_path), "--sort", "shoe"])
    assert caught.value.code == 2
    assert "invalid choice: 'shoe'" in capsys.readouterr().err


def test_user_shows_every_field_and_where_each_setting_came_from(
    capsys: pytest.CaptureFixture[str], example_path: Path
) -> None:
    status, out, _ = run(capsys, "user", str(example_path), "Demo.User@orange.be")
    assert status == 0
    assert "demo.user@orange.be" in out
    assert "+3227811603" in out
    assert "+3227811653" in out  # alias
    assert "+32480080080 (Standard)" in out  # mobile phone with its profile
    assert "Everybody, CC" in out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.strip()}
    assert rows["softphone"] == ["True", "group:CC"]
    assert rows["language"] == ["nl", "user"]
    assert rows["mobile_profile"] == ["Standard", "group:Everybody"]


def test_an_unknown_user_is_one_line(
    capsys: pytest.CaptureFixture[str], example_path: Path
) -> None:
    status, out, err = run(capsys, "user", str(example_path), "nobody@orange.be")
    assert (status, out) == (1, "")
    assert err == "cloudtel: no user 'nobody@orange.be' in organisation 'Orange labo'\n"


def test_numbers_available(capsys: pytest.CaptureFixture[str], example_path: Path) -> None:
    status, out, _ = run(capsys, "numbers", str(example_path), "--available")
    assert status == 0
    lines = out.splitlines()
    assert "+3227811600" in lines
    assert "+3227811601" not in lines  # Adel's line
    assert "+3227811653" not in lines  # the demo user's alias
    count = int(lines[-1].split()[0])
    assert lines[-1] == f"{count} available numbers in 2 ranges"
    assert len(lines) - 1 == count
    _, out, _ = run(capsys, "numbers", str(example_path), "--available", "--limit", "3")
    assert out.splitlines()[:3] == ["+3227811600", "+3227811614", "+3227811615"]


def test_numbers_shows_who_holds_each(
    capsys: pytest.CaptureFixture[str], example_path: Path
) -> None:
    status, out, _ = run(capsys, "numbers", str(example_path))
    assert status == 0
    rows = {line.split()[0]: line.split(maxsplit=1)[1] for line in out.splitlines()[2:]}
    assert rows["+3227811601"] == "user adel.alkoubaisy@orange.be"
    assert rows["+3227811653"] == "user demo.user@orange.be"
    assert rows["+3227811600"] == "free"
    assert len(rows) == 110


@pytest.mark.parametrize("command", ["validate", "users", "numbers"])
def test_a_missing_file_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
) -> None:
    missing = tmp_path / "missing.toml"
    status, out, err = run(capsys, command, str(missing))
    assert (status, out) == (1, "")
    assert err.startswith(f"cloudtel: {missing}: cannot read")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("this is = = not toml", "not valid TOML"),
        (
            BROKEN.replace('colour = "orange"\n', "").split('[[users]]\nusername = "b')[0],
            "'+3248008008'",
        ),
    ],
)
def test_a_bad_file_or_an_invalid_number_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, words: str
) -> None:
    path = tmp_path / "organization.toml"
    path.write_text(content, encoding="utf-8")
    status, out, err = run(capsys, "users", str(path))
    assert (status, out) == (1, "")
    assert err.startswith("cloudtel: ")
    assert words in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_demo_runs_on_the_example(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # it finds the example from the installed checkout
    out_dir = tmp_path / "demo"
    status, out, err = run(capsys, "demo", "--out", str(out_dir))
    assert status == 0, err
    assert "Orange labo (orange.be)" in out
    assert "9 user groups, 13 users" in out
    assert "main number +3292470680" in out
    assert "page 1 of 3 (13 users)" in out
    assert "Traceback" not in err


def test_table() -> None:
    text = table([("a", 1), ("longer", None)], ("Name", "Value"))
    assert text.splitlines() == [
        "Name    Value",
        "------  -----",
        "a       1",
        "longer  None",
    ]


def test_the_installed_console_script(example_path: Path) -> None:
    script = Path(sys.executable).parent / "cloudtel"
    done = subprocess.run(
        [str(script), "validate", str(example_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "valid" in done.stdout
    failed = subprocess.run(
        [str(script), "user", str(example_path), "nobody@orange.be"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert failed.returncode == 1
    assert failed.stderr == "cloudtel: no user 'nobody@orange.be' in organisation 'Orange labo'\n"
