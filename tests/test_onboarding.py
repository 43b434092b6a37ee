"""Onboarding in bulk: users from a CSV file (org.import_users, cloudtel users import)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudtel import (
    FileProblemsError,
    MobilePhone,
    NumberRange,
    Organization,
    PhoneNumber,
    Settings,
    User,
    UserGroup,
)
from cloudtel.messaging import Transports, send_welcome

HEADER = "Username;First name;Last name;E-mail;Groups;Primary line;Mobile;Mobile profile;Taal\r\n"


@pytest.fixture
def org() -> Organization:
    org = Organization(
        name="Orange labo", domain="orange.be", number_ranges=("+3227811600-+3227811609",)
    )
    org.add_group(UserGroup(name="Everybody", settings=Settings(mobile_profile="Twinning")))
    org.add_group(UserGroup(name="Sales"))
    return org


def csv(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\r\n" for row in rows)).encode("cp1252")


def test_new_users_get_groups_a_free_number_and_mobiles_in_any_notation(
    org: Organization,
) -> None:
    report = org.import_users(
        csv(
            "an.peeters@orange.be;An;Peeters;an@orange.be;Everybody, Sales;;0470/12.34.56;;fr",
            "tom.claes@orange.be;Tom;Claes;;Sales;+32 2 781 16 05;0032 475 11 22 33;Standard;",
            "eva.maes@orange.be;Éva;Maes;;;free;+32 (0)496 11 22 33;;",
        ),
        source="nieuw.csv",
    )
    assert report.ok, str(report)
    assert report.added == ("an.peeters@orange.be", "tom.claes@orange.be", "eva.maes@orange.be")
    an = org.user("an.peeters@orange.be")
    assert an.groups == ("Everybody", "Sales")
    assert an.primary_line == PhoneNumber("+3227811600")  # the first free number
    assert an.mobile_phones[0].number == PhoneNumber("+32470123456")
    assert an.mobile_phones[0].profile == "Twinning"  # from the group Everybody
    assert an.settings.language == "fr"
    tom = org.user("tom.claes@orange.be")
    assert tom.primary_line == PhoneNumber("+3227811605")  # the one given
    assert tom.mobile_phones[0].profile == "Standard"
    eva = org.user("eva.maes@orange.be")
    assert eva.first_name == "Éva"  # Windows-1252 read right
    assert eva.primary_line == PhoneNumber("+3227811601")
    assert "added 3, updated 0, unchanged 0, rejected 0 rows" in str(report)


def test_every_problem_is_reported_by_line_and_column_and_nothing_changes(
    org: Organization,
) -> None:
    report = org.import_users(
        csv(
            "an.peeters@orange.be;An;Peeters;;Everybody;;0470 12 34 56;;",
            "bad user;X;;;;;;;",
            "tom.claes@orange.be;Tom;Claes;;Marketing;;;;",
            "eva.maes@orange.be;Eva;Maes;;;+3233001000;;;",
            "jan.jacobs@orange.be;Jan;Jacobs;;;;0470 12 34 56;;",
            "piet@orange.be;Piet;;;;;+32 2 781 16 09;;",
            "an.peeters@orange.be;An;Again;;;;;;",
        ),
        source="nieuw.csv",
    )
    assert not report.applied
    assert org.users == ()
    found = {(r.line, r.column): r for r in report.rejected}
    assert set(found) == {
        (3, "Username"),
        (4, "Groups"),
        (5, "Primary line"),
        (6, "Mobile"),
        (7, "Mobile"),
        (8, "Username"),
    }
    assert found[(3, "Username")].value == "bad user"
    assert "Marketing" in found[(4, "Groups")].reason
    assert "not in the organisation's number ranges" in found[(5, "Primary line")].reason
    assert "mobile of user 'an.peeters@orange.be'" in found[(6, "Mobile")].reason
    assert "not a mobile number" in found[(7, "Mobile")].reason
    assert "same username as line 2" in found[(8, "Username")].reason
    assert "NOT imported" in str(report)


def test_keep_valid_imports_the_good_rows_and_a_second_run_updates(org: Organization) -> None:
    data = csv(
        "an.peeters@orange.be;An;Peeters;;Everybody;;;;",
        "tom.claes@orange.be;Tom;Claes;;Marketing;;;;",
    )
    report = org.import_users(data, keep_valid=True)
    assert report.applied
    assert report.added == ("an.peeters@orange.be",)
    assert report.rejected_lines == (3,)
    again = org.import_users(
        csv(
            "an.peeters@orange.be;Anna;;;;;0470 12 34 56;;",
            "tom.claes@orange.be;Tom;Claes;;Sales;;;;",
        )
    )
    assert again.ok
    assert again.updated == ("an.peeters@orange.be",)
    assert again.added == ("tom.claes@orange.be",)
    an = org.user("an.peeters@orange.be")
    assert (an.first_name, an.last_name) == ("Anna", "Peeters")  # empty cells keep
    assert an.primary_line == PhoneNumber("+3227811600")  # still the same line
    unchanged = org.import_users(csv("tom.claes@orange.be;Tom;Claes;;Sales;;;;"))
    assert unchanged.unchanged == ("tom.claes@orange.be",)


def test_welcome_messages_go_to_the_new_users(org: Organization, tmp_path: Path) -> None:
    transports = Transports.outbox(tmp_path)
    report = org.import_users(
        csv(
            "an.peeters@orange.be;An;Peeters;an@orange.be;;;;;",
            "tom.claes@orange.be;Tom;;tom@orange.be;;;;;",
        ),
        welcome=lambda name: send_welcome(org, name, ["web", "mobile"], transports),
    )
    assert [s.sent for s in report.welcome] == [True] * 4
    assert len(list(tmp_path.iterdir())) == 4
    # a second import updates: no new user, no message
    again = org.import_users(
        csv("an.peeters@orange.be;Anna;;;;;;;"),
        welcome=lambda name: send_welcome(org, name, ["web"], transports),
    )
    assert again.updated == ("an.peeters@orange.be",)
    assert again.welcome == ()


def test_a_file_without_a_username_column_is_refused(org: Organization) -> None:
    with pytest.raises(FileProblemsError, match="no username column"):
        org.import_users(b"First name,Last name\r\nAn,Peeters\r\n")


def test_no_free_number_left_is_a_row_problem() -> None:
    org = Organization(name="X", domain="x.be", number_ranges=("+3227811600-+3227811600",))
    report = org.import_users(csv("a@x.be;;;;;;;;", "b@x.be;;;;;;;;"))
    assert report.rejected_lines == (3,)
    assert "no free number left" in report.rejected[0].reason


def test_a_cell_over_several_lines_is_folded_with_a_warning(org: Organization) -> None:
    data = b'Username,First name,Department\r\nan@orange.be,An,"Sales\r\nBenelux"\r\n'
    report = org.import_users(data)
    assert report.ok
    assert org.user("an@orange.be").department == "Sales Benelux"
    ((warning),) = report.warnings
    assert (warning.line, warning.column) == (2, "Department")


def test_the_command_imports_saves_and_reports(
    org: Organization, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cloudtel import load, save
    from cloudtel.cli import main

    save(org, tmp_path / "org.toml")
    (tmp_path / "users.csv").write_bytes(
        csv("an.peeters@orange.be;An;Peeters;an@orange.be;Everybody;;0470 12 34 56;;")
    )
    status = main(
        [
            "users",
            "import",
            str(tmp_path / "org.toml"),
            str(tmp_path / "users.csv"),
            "--welcome",
            "web",
        ]
    )
    out = capsys.readouterr().out
    assert status == 0, out
    assert "users.csv → users: imported" in out
    assert "welcome: " in out
    loaded = load(tmp_path / "org.toml")
    assert loaded.user("an.peeters@orange.be").primary_line == PhoneNumber("+3227811600")
    assert len(list((tmp_path / "outbox").iterdir())) == 1
    (tmp_path / "bad.csv").write_bytes(csv("tom@orange.be;;;;Marketing;;;;"))
    before = (tmp_path / "org.toml").read_bytes()
    assert main(["users", "import", str(tmp_path / "org.toml"), str(tmp_path / "bad.csv")]) == 1
    assert "line 2, column 'Groups'" in capsys.readouterr().out
    assert (tmp_path / "org.toml").read_bytes() == before
    assert main(["users", str(tmp_path / "org.toml")]) == 0  # the list still works
    assert "an.peeters@orange.be" in capsys.readouterr().out


def test_the_progress_bar_draws_only_on_a_terminal() -> None:
    import io

    from cloudtel.cli.onboarding import ProgressBar

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    bar = ProgressBar(screen, label="checking rows", width=10)
    bar(1, 4)
    assert screen.getvalue() == "\rchecking rows ██░░░░░░░░ 1/4"
    bar(4, 4)
    assert screen.getvalue().endswith("\r\x1b[K")  # cleared at the end
    piped = io.StringIO()
    ProgressBar(piped)(1, 4)
    assert piped.getvalue() == ""


# --- free numbers for row after row ---------------------------------------------------------


_LINES = ["", "", "free", "+3227811603", "+3227811607", "+3227811699", "0470 12 34 56"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.sampled_from(_LINES), st.sampled_from(["", "+3227811605"])),
        min_size=1,
        max_size=7,
        unique_by=lambda row: row[0],  # one row per user (else a rejected row)
    )
)
def test_a_file_gives_each_row_the_number_a_one_row_file_would(
    rows: list[tuple[int, str, str]],
) -> None:
    """The oracle imports the rows one file of one row at a time (every search for a
    free number starts at the first number of the ranges); a file of all the rows
    finds the same numbers, though it goes on from where the last search stopped."""

    def fresh() -> Organization:
        made = Organization(
            name="Orange labo", domain="orange.be", number_ranges=("+3227811600-+3227811609",)
        )
        for who, number in ((0, "+3227811601"), (1, "+3227811604")):  # rows update them
            made.add_user(User(username=f"user.{who}@orange.be", primary_line=number))
        return made

    def line(who: int, primary: str, alias: str) -> str:
        return f"user.{who}@orange.be;{primary};{alias}"

    header = "Username;Primary line;Aliases\r\n"
    whole, one_by_one = fresh(), fresh()
    texts = [line(*row) for row in rows]
    report = whole.import_users(header + "\r\n".join(texts), keep_valid=True)
    for text in texts:
        one_by_one.import_users(header + text, keep_valid=True)
    assert [(u.username, u.lines) for u in whole.users] == [
        (u.username, u.lines) for u in one_by_one.users
    ]
    assert report.applied


def test_free_numbers_are_found_in_one_pass_over_the_ranges(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drawn = 0
    plain_iter = NumberRange.__iter__

    def counted(self: NumberRange) -> Iterator[PhoneNumber]:
        nonlocal drawn
        for number in plain_iter(self):
            drawn += 1
            yield number

    monkeypatch.setattr(NumberRange, "__iter__", counted)
    org = Organization(name="Big", domain="orange.be", number_ranges=("+3292000000-+3292009999",))
    rows = 400
    text = "Username\r\n" + "".join(f"user.{i}@orange.be\r\n" for i in range(rows))
    report = org.import_users(text)
    assert report.ok, str(report)
    assert org.user(f"user.{rows - 1}@orange.be").primary_line == PhoneNumber("+3292000399")
    assert drawn <= 2 * rows  # not a search from the start per row (rows² / 2 numbers)


def test_a_number_freed_by_an_earlier_row_is_the_first_free_one_again(org: Organization) -> None:
    org.add_user(User(username="old@orange.be", primary_line="+3227811601"))
    report = org.import_users(
        "Username;Primary line\r\n"
        "a@orange.be;\r\n"  # +3227811600
        "b@orange.be;\r\n"  # +3227811602 (1601 is old's)
        "old@orange.be;+3227811605\r\n"  # frees +3227811601
        "c@orange.be;\r\n"
    )
    assert report.ok, str(report)
    assert org.user("c@orange.be").primary_line == PhoneNumber("+3227811601")
    assert [str(org.user(f"{u}@orange.be").primary_line) for u in "ab"] == [
        "+3227811600",
        "+3227811602",
    ]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["", "Everybody", "Sales", "Sales, Everybody"]),
            st.sampled_from(["", "Standard", "Twinning"]),
            st.sampled_from(["", "fr", "nl"]),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_new_users_mobiles_inherit_as_if_added_one_by_one(
    rows: list[tuple[str, str, str]],
) -> None:
    """The import resolves what a new user's mobiles inherit once per groups and
    settings; the users are those ``add_user`` makes of the same values."""

    def fresh() -> Organization:
        made = Organization(
            name="Orange labo", domain="orange.be", settings=Settings(full_caller_id=True)
        )
        made.add_group(UserGroup(name="Everybody", settings=Settings(mobile_profile="Twinning")))
        made.add_group(UserGroup(name="Sales", settings=Settings(pbx_integration=True)))
        return made

    imported, by_hand = fresh(), fresh()
    lines = ["Username;Groups;Mobile;Mobile profile;Taal"]
    for i, (groups, profile, language) in enumerate(rows):
        mobile = f"+3247012345{i}"
        lines.append(f"u{i}@orange.be;{groups};{mobile};{profile};{language}")
        by_hand.add_user(
            User(
                username=f"u{i}@orange.be",
                groups=tuple(g.strip() for g in groups.split(",") if g.strip()),
                mobile_phones=(MobilePhone(number=mobile, profile=profile or None),),
                settings=Settings(language=language or None),
            )
        )
    report = imported.import_users("\r\n".join(lines), assign_numbers=False)
    assert report.ok, str(report)
    assert list(imported.users) == list(by_hand.users)
