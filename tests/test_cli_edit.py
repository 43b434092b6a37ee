"""The write commands of ``cloudtel`` (user, group, number, mobile, contact, function,
schedule …) on a copy of the example organisation: what they save, what they print,
``--dry-run``, ``--json`` and one-line errors."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.jpeg_files import jpeg

import cloudtel.cli.edit
from cloudtel import Organization, load, save
from cloudtel.cli import main
from cloudtel.contacts import ContactKind, Scope
from cloudtel.schedules import Action, Easter, Once, Weekly
from cloudtel.schedules.ical import to_ical
from cloudtel.serialization import dumps

EXAMPLE_DIR = Path(__file__).resolve().parents[1] / "examples" / "orange-labo"
DEMO = "demo.user@orange.be"
STEVEN = "steven.lathouwers@orange.be"
MITEL = "08000FBBAD78"  # Steven's Mitel 6940 in the example
PASSWORD = "Xy7#long-Passw0rd!q"
PIN = "9731"


@pytest.fixture
def org_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the example organisation (with its prompts) to change, a photo
    ``me.jpg`` beside it, and a password on standard input."""
    shutil.copytree(EXAMPLE_DIR, tmp_path / "org")
    (tmp_path / "org" / "me.jpg").write_bytes(jpeg(400, 400))
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    return tmp_path / "org" / "organization.toml"


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> dict[str, Any]:
    status, out, err = run(capsys, *argv, "--json")
    assert (status, err) == (0, ""), err
    document: dict[str, Any] = json.loads(out)
    return document


# --- every write command: --dry-run writes nothing, the real run saves -------------

# (command words before FILE, words after FILE) — each valid on the example
EVERY_WRITE_COMMAND: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    (("user", "add"), ("jan.peeters@orange.be", "--first-name", "Jan", "--line", "free")),
    (("user", "set"), (DEMO, "--department", "Sales", "--setting", "language=fr")),
    (("user", "remove"), ("an.tutak@orange.be",)),
    (("user", "rename"), (DEMO, "demo.person@orange.be")),
    (("group", "add"), ("Finance", "--description", "Money", "--position", "1")),
    (("group", "set"), ("Sales", "--setting", "softphone=yes")),
    (("group", "remove"), ("Reports",)),
    (("group", "members"), ("Sales", "--add", DEMO)),
    (("number", "assign"), ("free", DEMO, "--alias")),
    (("number", "free"), ("+3227811653",)),
    (("mobile", "add"), (DEMO, "0470 12 34 56")),
    (("mobile", "remove"), (DEMO, "0480 08 00 80")),
    (("contact", "add"), ("--scope", "org", "--company", "Bakkerij", "--phone", "032345678")),
    (("contact", "add"), ("--scope", "group:CC", "--colleague", DEMO, "--kind", "mandatory")),
    (("contact", "set"), ("Sophie Martin", "--scope", "group:Sales", "--kind", "favourite")),
    (("contact", "remove"), ("Sophie Martin", "--scope", "group:Sales")),
    (("function", "add"), ("Support", "--kind", "acd_group", "--number", "free")),
    (("function", "set"), ("5502", "--short", "5503")),
    (("function", "remove"), ("5502",)),
    (
        ("schedule", "event", "add"),
        ("5502", "office", "--weekly", "mon-fri", "09:00-17:00", "--action", "open"),
    ),
    (("schedule", "event", "set"), ("5901", "newyear", "--no-prompt")),
    (("schedule", "event", "move"), ("5901", "newyear", "2")),
    (("schedule", "event", "remove"), ("5901", "newyear")),
    (("schedule", "default"), ("5502", "--action", "open")),
    (("schedule", "holidays", "add"), ("5502", "BE", "--years", "2027")),
    (("schedule", "import-ical"), ("5502", "ICS")),
    (("prompt", "attach"), ("User unavailable", "5901", "Ma-Vrij")),
    (("phone", "add"), ("00:15:65:aa:bb:cc", "--family", "yealink", "--model", "T54W")),
    (("phone", "assign"), (MITEL, DEMO)),
    (("phone", "remove"), (MITEL,)),
    (("key", "set"), (MITEL, "L5", "--extension", DEMO)),
    (("key", "clear"), (MITEL, "L21")),
    (("password", "set"), (DEMO,)),
    (("password", "reset"), (DEMO,)),
    (("pin", "set"), (STEVEN,)),
    (("pin", "reset"), (STEVEN,)),
    (("photo", "set"), (DEMO, "PHOTO")),
]


def _words(org_file: Path, rest: tuple[str, ...]) -> list[str]:
    """``rest`` with ICS (an export of 5901's schedule) and PHOTO (a JPEG) as files."""
    ics = org_file.parent / "nl.ics"
    if "ICS" in rest and not ics.exists():
        ics.write_text(to_ical(load(org_file).functions.find("5901").schedule, "Europe/Brussels"))
    files = {"ICS": str(ics), "PHOTO": str(org_file.parent / "me.jpg")}
    return [files.get(word, word) for word in rest]


def _stdin_for(words: tuple[str, ...], monkeypatch: pytest.MonkeyPatch) -> None:
    if words[0] == "pin":
        monkeypatch.setattr(sys, "stdin", io.StringIO(PIN + "\n"))


@pytest.mark.parametrize(("words", "rest"), EVERY_WRITE_COMMAND, ids=" ".join)
def test_dry_run_shows_the_change_and_writes_nothing(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    org_file: Path,
    words: tuple[str, ...],
    rest: tuple[str, ...],
) -> None:
    _stdin_for(words, monkeypatch)
    argv = _words(org_file, rest)
    before = org_file.read_bytes()
    files = sorted(org_file.parent.rglob("*"))
    status, out, err = run(capsys, *words, org_file, *argv, "--dry-run")
    assert (status, err) == (0, "")
    assert out.startswith("would: ")
    assert "\n+" in out or "\n-" in out  # the org file's lines that would change
    assert out.rstrip().endswith(f"dry run: {org_file} was not written")
    assert org_file.read_bytes() == before
    assert sorted(org_file.parent.rglob("*")) == files  # no photo, no message, no outbox


@pytest.mark.parametrize(("words", "rest"), EVERY_WRITE_COMMAND, ids=" ".join)
def test_the_real_run_saves_and_json_reports_it(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    org_file: Path,
    words: tuple[str, ...],
    rest: tuple[str, ...],
) -> None:
    _stdin_for(words, monkeypatch)
    argv = _words(org_file, rest)
    before = load(org_file)
    document = run_json(capsys, *words, org_file, *argv)
    assert document["command"] == " ".join(words)
    assert (document["changed"], document["saved"], document["dry_run"]) == (True, True, False)
    assert document["diff"][0].startswith("---")
    after = load(org_file)
    assert after != before
    assert org_file.read_text(encoding="utf-8") == dumps(after)


@pytest.mark.parametrize(("words", "rest"), EVERY_WRITE_COMMAND, ids=" ".join)
def test_a_mistake_is_one_line_and_exit_1(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    words: tuple[str, ...],
    rest: tuple[str, ...],
) -> None:
    missing = tmp_path / "missing.toml"
    status, out, err = run(capsys, *words, missing, *rest)
    assert status == 1
    assert out == ""
    assert err.startswith("cloudtel: ")
    assert err.count("\n") == 1
    assert not missing.exists()


# --- user ------------------------------------------------------------------------------


def test_user_add_saves_the_user_with_groups_line_and_mobile(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    status, out, _ = run(
        capsys,
        "user",
        "add",
        org_file,
        "Jan.Peeters@orange.be",
        "--first-name",
        "Jan",
        "--last-name",
        "Peeters",
        "--group",
        "Sales",
        "--group",
        "Everybody",
        "--line",
        "02 781 16 20",
        "--mobile",
        "0470 12 34 56",
        "--setting",
        "language=fr",
    )
    assert status == 0
    assert out == (
        "added user jan.peeters@orange.be (Jan Peeters) in Sales, Everybody, "
        "primary line +32 2 781 16 20\n"
    )
    user = load(org_file).user("jan.peeters@orange.be")
    assert user.groups == ("Sales", "Everybody")
    assert str(user.primary_line) == "+3227811620"
    assert [(m.number.e164, m.profile) for m in user.mobile_phones] == [
        ("+32470123456", "Standard")
    ]
    assert user.settings.language == "fr"


def test_user_add_line_free_takes_the_first_free_number(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    expected = next(iter(load(org_file).available_numbers()))
    document = run_json(capsys, "user", "add", org_file, "new@orange.be", "--line", "free")
    assert document["result"]["primary_line"] == expected.e164
    assert load(org_file).holder_of(expected) == "user new@orange.be"


def test_a_new_mobile_gets_the_profile_the_user_inherits(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    run(
        capsys,
        "group",
        "add",
        org_file,
        "Road",
        "--position",
        "1",
        "--setting",
        "mobile_profile=Premium",
    )
    run(capsys, "group", "members", org_file, "Road", "--add", DEMO)
    status, out, _ = run(capsys, "mobile", "add", org_file, DEMO, "+32 470 11 22 33")
    assert status == 0
    assert "(Premium)" in out
    mobiles = load(org_file).user(DEMO).mobile_phones
    assert [(m.number.e164, m.profile) for m in mobiles][-1] == ("+32470112233", "Premium")


def test_user_set_changes_fields_and_settings_and_unset_inherits_again(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    run(
        capsys,
        "user",
        "set",
        org_file,
        DEMO,
        "--email",
        "d@orange.be",
        "--setting",
        "softphone=yes",
    )
    user = load(org_file).user(DEMO)
    assert (user.email, user.settings.softphone) == ("d@orange.be", True)
    status, out, _ = run(capsys, "user", "set", org_file, DEMO, "--unset", "softphone")
    assert status == 0
    assert out == f"changed user {DEMO}: settings\n"
    assert load(org_file).user(DEMO).settings.softphone is None
    assert load(org_file).resolve_settings(DEMO)["softphone"].source != "user"


def test_user_set_with_nothing_to_change_does_not_write(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    before = org_file.read_bytes()
    status, out, _ = run(capsys, "user", "set", org_file, DEMO, "--first-name", "demo")
    assert status == 0
    assert out.endswith("(no change)\n")
    assert org_file.read_bytes() == before


def test_user_set_no_line_frees_the_primary_line(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    run(capsys, "user", "set", org_file, DEMO, "--no-line")
    org = load(org_file)
    assert org.user(DEMO).primary_line is None
    assert org.holder_of("+3227811603") is None
    # the alias was attached to the line ("Add an alias to this number"): freed with it
    assert org.user(DEMO).aliases == ()
    assert org.holder_of("+3227811653") is None


def test_an_unknown_setting_names_the_settings_there_are(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    status, _, err = run(capsys, "user", "set", org_file, DEMO, "--setting", "colour=red")
    assert status == 1
    assert err.startswith("cloudtel: there is no setting 'colour'; settings are: language,")
    status, _, err = run(capsys, "user", "set", org_file, DEMO, "--setting", "softphone=maybe")
    assert status == 1
    assert "softphone takes yes or no" in err


def test_user_remove_frees_the_numbers(capsys: pytest.CaptureFixture[str], org_file: Path) -> None:
    status, out, _ = run(capsys, "user", "remove", org_file, DEMO)
    assert status == 0
    assert out == (f"removed user {DEMO} (demo user); freed +32 2 781 16 03, +32 2 781 16 53\n")
    org = load(org_file)
    assert not org.has_user(DEMO)
    assert org.holder_of("+3227811603") is None


def test_user_rename_carries_their_contacts(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    own = load(org_file).contacts.at(Scope.user(DEMO))
    run(capsys, "user", "rename", org_file, DEMO, "demo.person@orange.be")
    org = load(org_file)
    assert not org.has_user(DEMO)
    assert org.contacts.at(Scope.user("demo.person@orange.be")) == own


def test_user_without_an_action_still_shows_the_user(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    status, out, _ = run(capsys, "user", org_file, DEMO)
    assert status == 0
    assert out.splitlines()[2].split() == ["username", DEMO]
    assert run(capsys, "user", "show", org_file, DEMO)[1] == out


def test_a_refused_change_writes_nothing(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    before = org_file.read_bytes()
    status, out, err = run(capsys, "user", "add", org_file, "x@orange.be", "--line", "+3227811603")
    assert status == 1
    assert out == ""
    assert err == (
        f"cloudtel: primary_line +3227811603 of user 'x@orange.be' is held already by user {DEMO}\n"
    )
    assert org_file.read_bytes() == before


# --- group -----------------------------------------------------------------------------


def test_group_add_at_a_priority_and_set_renames_it_for_its_members(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    status, out, _ = run(capsys, "group", "add", org_file, "Finance", "--position", "2")
    assert (status, out) == (0, "added group 'Finance' at priority 2\n")
    assert [g.name for g in load(org_file).groups][:3] == ["ACD Supervisor", "Finance", "CC"]
    run(capsys, "group", "members", org_file, "Finance", "--add", DEMO)
    status, out, _ = run(
        capsys, "group", "set", org_file, "Finance", "--name", "Money", "--position", "1"
    )
    assert status == 0
    org = load(org_file)
    assert org.groups[0].name == "Money"
    assert "Money" in org.user(DEMO).groups


def test_group_members_adds_and_removes(capsys: pytest.CaptureFixture[str], org_file: Path) -> None:
    document = run_json(
        capsys,
        "group",
        "members",
        org_file,
        "Support",
        "--add",
        DEMO,
        "--remove",
        "andre.wildiers@orange.be",
    )
    assert (document["result"]["added"], document["result"]["removed"]) == (
        [DEMO],
        ["andre.wildiers@orange.be"],
    )
    members = {u.username for u in load(org_file).members("Support")}
    assert DEMO in members
    assert "andre.wildiers@orange.be" not in members


def test_group_members_needs_add_or_remove(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    status, _, err = run(capsys, "group", "members", org_file, "Sales")
    assert status == 1
    assert err.startswith("cloudtel: group members needs --add USER or --remove USER")


def test_group_remove_takes_its_members_out(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    status, out, _ = run(capsys, "group", "remove", org_file, "Support")
    assert status == 0
    assert out == "removed group 'Support'; 3 members left it\n"
    org = load(org_file)
    assert all("Support" not in u.groups for u in org.users)


# --- number and mobile -----------------------------------------------------------------


def test_number_assign_and_free(capsys: pytest.CaptureFixture[str], org_file: Path) -> None:
    status, out, _ = run(capsys, "number", "assign", org_file, "02 781 16 40", DEMO, "--alias")
    assert (status, out) == (0, f"gave +32 2 781 16 40 to {DEMO} as alias\n")
    assert load(org_file).holder_of("+3227811640") == f"user {DEMO}"
    status, out, _ = run(capsys, "number", "free", org_file, "+32 2 781 16 40")
    assert (status, out) == (0, f"freed +32 2 781 16 40 (alias of {DEMO})\n")
    assert load(org_file).holder_of("+3227811640") is None


def test_number_assign_refuses_a_second_primary_line(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    status, _, err = run(capsys, "number", "assign", org_file, "free", DEMO)
    assert status == 1
    assert "has primary line +3227811603 already; give the number with --alias" in err


def test_number_free_of_a_function_number_points_to_function(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    status, _, err = run(capsys, "number", "free", org_file, "+3292470681")
    assert status == 1
    assert "is held by function" in err
    assert "cloudtel function set|remove" in err


def test_mobile_remove_of_a_number_the_user_has_not(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    status, _, err = run(capsys, "mobile", "remove", org_file, DEMO, "0470 00 00 00")
    assert status == 1
    assert err == (
        f"cloudtel: user {DEMO} has no mobile +32470000000; their mobiles: +32480080080\n"
    )


# --- contact ---------------------------------------------------------------------------


def test_contact_add_with_numbers_types_and_preferred(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    status, out, _ = run(
        capsys,
        "contact",
        "add",
        org_file,
        "--scope",
        "group:Support",
        "--company",
        "Bakkerij Peeters",
        "--phone",
        "03 234 56 78",
        "--phone",
        "mobile:0470998877:12",
        "--preferred",
        "0470998877",
        "--kind",
        "favourite",
    )
    assert (status, out) == (0, "added favourite contact 'Bakkerij Peeters' to group Support\n")
    (contact,) = [
        c for c in load(org_file).contacts.at("group:Support") if c.company == "Bakkerij Peeters"
    ]
    assert contact.kind is ContactKind.FAVOURITE
    assert [(e.type.value, e.number.e164, e.abbreviated, e.preferred) for e in contact.phones] == [
        ("work", "+3232345678", "", False),
        ("mobile", "+32470998877", "12", True),
    ]


def test_a_colleague_becomes_a_mandatory_contact_of_a_group_by_reference(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    status, out, _ = run(
        capsys,
        "contact",
        "add",
        org_file,
        "--scope",
        "group:Sales",
        "--colleague",
        DEMO,
        "--kind",
        "mandatory",
    )
    assert (status, out) == (
        0,
        f"added mandatory contact 'demo user' to group Sales, following user {DEMO}\n",
    )
    adel = "adel.alkoubaisy@orange.be"
    (entry,) = [e for e in load(org_file).contacts.effective(adel) if e.contact.colleague]
    assert entry.contact.kind is ContactKind.MANDATORY
    assert [n.e164 for n in entry.contact.numbers] == [
        "+3227811603",
        "+3227811653",
        "+32480080080",
    ]
    # the contact follows the user
    run(capsys, "user", "set", org_file, DEMO, "--last-name", "Gebruiker")
    run(capsys, "mobile", "remove", org_file, DEMO, "+32480080080")
    run(capsys, "user", "rename", org_file, DEMO, "demo.g@orange.be")
    (entry,) = [e for e in load(org_file).contacts.effective(adel) if e.contact.colleague]
    assert (entry.name, entry.contact.colleague) == ("demo Gebruiker", "demo.g@orange.be")
    assert [n.e164 for n in entry.contact.numbers] == ["+3227811603", "+3227811653"]
    run(capsys, "user", "remove", org_file, "demo.g@orange.be")
    assert not [e for e in load(org_file).contacts.effective(adel) if e.contact.colleague]


def test_a_colleagues_names_and_numbers_come_from_the_user(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    status, _, err = run(
        capsys,
        "contact",
        "add",
        org_file,
        "--scope",
        "org",
        "--colleague",
        DEMO,
        "--email",
        "x@orange.be",
        "--phone",
        "0470123456",
    )
    assert status == 1
    assert err == (
        f"cloudtel: --email, --phone: a colleague's contact takes these from the user {DEMO} "
        "(change the user with 'cloudtel user set' and the contact follows)\n"
    )
    run(capsys, "contact", "add", org_file, "--scope", "org", "--colleague", DEMO)
    status, _, err = run(
        capsys, "contact", "set", org_file, "demo user", "--scope", "org", "--last-name", "X"
    )
    assert status == 1
    assert err.startswith("cloudtel: --last-name: a colleague's contact takes these")
    status, out, _ = run(
        capsys, "contact", "set", org_file, "+3227811603", "--scope", "org", "--kind", "mandatory"
    )
    assert (status, out) == (0, "changed contact 'demo user' of organisation: kind\n")


def test_contact_set_and_remove_find_a_contact_by_number(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    status, out, _ = run(
        capsys,
        "contact",
        "set",
        org_file,
        "+32496112233",
        "--scope",
        f"user:{DEMO}",
        "--city",
        "Gent",
    )
    assert (status, out) == (0, f"changed contact 'Marie Dubois' of user {DEMO}: city\n")
    assert load(org_file).contacts.at(f"user:{DEMO}")[0].city == "Gent"
    status, out, _ = run(
        capsys, "contact", "remove", org_file, "marie dubois", "--scope", f"user:{DEMO}"
    )
    assert (status, out) == (0, f"removed contact 'Marie Dubois' from user {DEMO}\n")
    assert "Marie Dubois" not in [c.name for c in load(org_file).contacts.at(f"user:{DEMO}")]


def test_contact_not_found_lists_the_contacts_of_the_scope(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    status, _, err = run(capsys, "contact", "remove", org_file, "Nobody", "--scope", "group:Sales")
    assert status == 1
    assert err == (
        "cloudtel: group Sales has no contact named or numbered 'Nobody'; its contacts: "
        "'Jan Peeters', 'Sophie Martin'\n"
    )


def test_a_bad_phone_option_says_the_form(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    status, _, err = run(
        capsys,
        "contact",
        "add",
        org_file,
        "--scope",
        "org",
        "--company",
        "X",
        "--phone",
        "pager:1:2:3",
    )
    assert status == 1
    assert "must be [TYPE:]NUMBER[:SHORT]" in err


# --- function and schedule ----------------------------------------------------------


def test_function_add_set_remove(capsys: pytest.CaptureFixture[str], org_file: Path) -> None:
    status, out, _ = run(
        capsys,
        "function",
        "add",
        org_file,
        "Support",
        "--kind",
        "ACD group",
        "--number",
        "+3292470685",
        "--short",
        "5600",
    )
    assert (status, out) == (
        0,
        "added ACD group 5600 'Support' on +32 9 247 06 85 (schedule: always closed)\n",
    )
    run(capsys, "function", "set", org_file, "5600", "--no-short", "--time-zone", "Europe/Paris")
    function = load(org_file).functions.find("Support")
    assert (function.short_number, function.time_zone) == (None, "Europe/Paris")
    status, out, _ = run(capsys, "function", "remove", org_file, "support")
    assert status == 0
    assert load(org_file).functions.get("Support") is None
    assert load(org_file).holder_of("+3292470685") is None


def test_schedule_event_add_set_move_remove(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    status, out, _ = run(
        capsys,
        "schedule",
        "event",
        "add",
        org_file,
        "5901",
        "lunch",
        "--weekly",
        "mon-fri",
        "12:00-13:00",
        "--action",
        "forward",
        "--to",
        f"user:{DEMO}",
        "--position",
        "1",
    )
    assert status == 0
    assert out == (
        "added event 'lunch' (weekly mon,tue,wed,thu,fri 12:00:00-13:00:00, forward to user "
        f"{DEMO}) to IVR 5901 'Nederlands Orange labo' at position 1\n"
    )
    schedule = load(org_file).functions.find("5901").schedule
    assert [e.name for e in schedule.events] == ["lunch", "newyear", "Ma-Vrij"]
    assert isinstance(schedule.events[0].when, Weekly)
    run(
        capsys,
        "schedule",
        "event",
        "set",
        org_file,
        "5901",
        "lunch",
        "--action",
        "closed",
        "--prompt",
        "User unavailable",
    )
    lunch = load(org_file).functions.find("5901").schedule.event("lunch")
    assert (lunch.action, lunch.forward_to, lunch.instruction) == (
        Action.CLOSED,
        None,
        "User unavailable",
    )
    run(capsys, "schedule", "event", "move", org_file, "5901", "lunch", "3")
    schedule = load(org_file).functions.find("5901").schedule
    assert [e.name for e in schedule.events] == ["newyear", "Ma-Vrij", "lunch"]
    run(capsys, "schedule", "event", "remove", org_file, "5901", "lunch")
    schedule = load(org_file).functions.find("5901").schedule
    assert [e.name for e in schedule.events] == ["newyear", "Ma-Vrij"]


def test_a_one_off_event_and_its_state(capsys: pytest.CaptureFixture[str], org_file: Path) -> None:
    year = date.today().year + 1  # a one-off event that is over is refused: next year's
    run(
        capsys,
        "schedule",
        "event",
        "add",
        org_file,
        "5901",
        "xmas",
        "--once",
        f"{year}-12-24T12:00",
        f"{year}-12-25",
        "--position",
        "1",
    )
    event = load(org_file).functions.find("5901").schedule.event("xmas")
    assert isinstance(event.when, Once)
    _, out, _ = run(capsys, "schedule", "next", org_file, "5901", "--after", f"{year}-12-24T11:00")
    assert f"{year}-12-24 12:00:00" in out


def test_a_bad_time_definition_says_the_form(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    status, _, err = run(
        capsys,
        "schedule",
        "event",
        "add",
        org_file,
        "5901",
        "x",
        "--weekly",
        "mon-fry",
        "09:00-10:00",
    )
    assert status == 1
    assert err == (
        "cloudtel: --weekly 'mon-fry' is not days like mon-fri, sat,sun or mon-wed,fri\n"
    )
    status, _, err = run(capsys, "schedule", "event", "add", org_file, "5901", "x")
    assert status == 1
    assert "needs --weekly, --yearly or --once" in err


def test_schedule_default_forwards_to_another_function_number(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    status, out, _ = run(
        capsys,
        "schedule",
        "default",
        org_file,
        "5502",
        "--action",
        "forward",
        "--to",
        "function:5901",
    )
    assert status == 0
    assert out == (
        "the default event of IVR 5502 'Francais Orange labo' is now: forward to function "
        "number +3292470680\n"
    )
    default = load(org_file).functions.find("5502").schedule.default
    assert default.action is Action.FORWARD


def test_schedule_holidays_add_twice_changes_nothing_the_second_time(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    status, out, _ = run(
        capsys,
        "schedule",
        "holidays",
        "add",
        org_file,
        "5502",
        "BE",
        "--years",
        "2027",
        "--language",
        "nl",
    )
    assert (status, out) == (0, "added 12 holidays of BE to IVR 5502 'Francais Orange labo'\n")
    names = [e.name for e in load(org_file).functions.find("5502").schedule.events]
    assert "Nieuwjaar" in names
    before = org_file.read_bytes()
    status, out, _ = run(
        capsys,
        "schedule",
        "holidays",
        "add",
        org_file,
        "5502",
        "BE",
        "--years",
        "2027",
        "--language",
        "nl",
    )
    assert out.endswith("(no change)\n")
    assert org_file.read_bytes() == before


def test_schedule_import_ical_of_an_export_copies_the_schedule(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    ics = org_file.parent / "nl.ics"
    run(capsys, "schedule", "export", org_file, "5901", "-o", ics)
    status, out, _ = run(capsys, "schedule", "import-ical", org_file, "5502", ics)
    assert (status, out) == (
        0,
        f"imported 2 events from {ics}, replacing the schedule of "
        "IVR 5502 'Francais Orange labo'\n",
    )
    functions = load(org_file).functions
    assert functions.find("5502").schedule == functions.find("5901").schedule


# --- laws ------------------------------------------------------------------------------

LAW_EXAMPLES = 25
"""Each example copies the example organisation and runs commands on it: fewer examples."""

_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12)


def _law(steps: list[list[str]]) -> None:
    """Running ``steps`` (``FILE`` stands for the org file) on a saved copy of the
    example leaves the file as it was."""
    with tempfile.TemporaryDirectory() as folder:
        shutil.copytree(EXAMPLE_DIR, Path(folder) / "org")
        path = Path(folder) / "org" / "organization.toml"
        original = load(path)
        # a first save writes the file in its saved form (the example has comments)
        with contextlib.redirect_stdout(io.StringIO()):
            main(["group", "members", str(path), "Sales", "--add", DEMO])
            main(["group", "members", str(path), "Sales", "--remove", DEMO])
        before = path.read_bytes()
        for step in steps:
            with contextlib.redirect_stdout(io.StringIO()):
                status = main([str(path) if w == "FILE" else w for w in step] + ["--json"])
            assert status == 0
        assert path.read_bytes() == before
        assert load(path) == original


@settings(max_examples=LAW_EXAMPLES)
@given(name=_names, first=_names)
def test_user_add_then_remove_leaves_the_file_as_it_was(name: str, first: str) -> None:
    username = f"{name}.new@orange.be"
    _law(
        [
            [
                "user",
                "add",
                "FILE",
                username,
                "--first-name",
                first,
                "--line",
                "free",
                "--group",
                "CC",
            ],
            ["user", "remove", "FILE", username],
        ]
    )


@settings(max_examples=LAW_EXAMPLES)
@given(name=_names)
def test_group_add_then_remove_leaves_the_file_as_it_was(name: str) -> None:
    _law(
        [
            ["group", "add", "FILE", f"G {name}", "--position", "1"],
            ["group", "remove", "FILE", f"G {name}"],
        ]
    )


@settings(max_examples=LAW_EXAMPLES)
@given(
    digits=st.integers(min_value=0, max_value=999_999),
    kind=st.sampled_from(["mandatory", "favourite", "external"]),
)
def test_contact_add_then_remove_leaves_the_file_as_it_was(digits: int, kind: str) -> None:
    number = f"+32470{digits:06d}"
    _law(
        [
            [
                "contact",
                "add",
                "FILE",
                "--scope",
                "group:CC",
                "--company",
                "Acme",
                "--phone",
                number,
                "--kind",
                kind,
            ],
            ["contact", "remove", "FILE", number, "--scope", "group:CC"],
        ]
    )


@settings(max_examples=LAW_EXAMPLES)
@given(digits=st.integers(min_value=0, max_value=999_999))
def test_mobile_add_then_remove_leaves_the_file_as_it_was(
    digits: int,
) -> None:
    number = f"+32471{digits:06d}"
    _law([["mobile", "add", "FILE", DEMO, number], ["mobile", "remove", "FILE", DEMO, number]])


@settings(max_examples=LAW_EXAMPLES)
@given(
    name=_names,
    start=st.integers(min_value=0, max_value=22),
    position=st.integers(min_value=1, max_value=3),
)
def test_event_add_then_remove_leaves_the_file_as_it_was(
    name: str, start: int, position: int
) -> None:
    _law(
        [
            [
                "schedule",
                "event",
                "add",
                "FILE",
                "5901",
                f"e-{name}",
                "--weekly",
                "sat,sun",
                f"{start:02d}:00-{start + 1:02d}:00",
                "--position",
                str(position),
            ],
            ["schedule", "event", "remove", "FILE", "5901", f"e-{name}"],
        ]
    )


@settings(max_examples=LAW_EXAMPLES)
@given(short=st.integers(min_value=6000, max_value=6999))
def test_function_add_then_remove_leaves_the_file_as_it_was(short: int) -> None:
    _law(
        [
            [
                "function",
                "add",
                "FILE",
                f"F{short}",
                "--kind",
                "hunt_group",
                "--number",
                "free",
                "--short",
                str(short),
            ],
            ["function", "remove", "FILE", str(short)],
        ]
    )


# --- phones and keys --------------------------------------------------------------------


def test_phone_add_assign_remove(capsys: pytest.CaptureFixture[str], org_file: Path) -> None:
    status, out, _ = run(
        capsys,
        "phone",
        "add",
        org_file,
        "00-15-65-AA-BB-CC",
        "--family",
        "Yealink",
        "--model",
        "T54W",
        "--user",
        DEMO,
        "--description",
        "hall",
    )
    assert (status, out) == (
        0,
        f"added phone 001565AABBCC (Yealink T54W), assigned to {DEMO}\n",
    )
    (phone,) = load(org_file).phones.of_user(DEMO)
    assert (phone.family, phone.model, phone.description) == ("yealink", "T54W", "hall")
    status, out, _ = run(capsys, "phone", "assign", org_file, "001565aabbcc", "--nobody")
    assert (status, out) == (0, "phone 001565AABBCC is unassigned\n")
    assert load(org_file).phones.get("001565AABBCC").user is None
    run(capsys, "phone", "remove", org_file, "00:15:65:aa:bb:cc")
    assert [p.name for p in load(org_file).phones] == [MITEL, "249AD8A1B2C3"]


def test_phone_assign_to_an_unknown_user(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    status, out, err = run(capsys, "phone", "assign", org_file, MITEL, "nobody@orange.be")
    assert (status, out) == (1, "")
    assert err == "cloudtel: no user 'nobody@orange.be' in organisation 'Orange labo'\n"


def test_key_set_extension_speed_dial_and_clear(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    status, out, _ = run(capsys, "key", "set", org_file, MITEL, "L5", "--extension", DEMO)
    assert (status, out) == (
        0,
        f"phone {MITEL}: line key 5 (L5) is now extension of {DEMO}\n",
    )
    run(capsys, "key", "set", org_file, MITEL, "L6", "--number", "0470123456", "--label", "Jan")
    status, out, _ = run(capsys, "keys", org_file, MITEL)
    assert "L6   line key 6   Phone number  Jan               +32 470 12 34 56" in out
    assert f"L5   line key 5   Extension     demo user         {DEMO}" in out
    run(capsys, "key", "clear", org_file, MITEL, "L5")
    positions = [str(p) for p, _ in load(org_file).phones.get(MITEL).layout.items()]
    assert "L5" not in positions
    assert "L6" in positions


def test_key_set_where_the_model_has_no_such_key(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    status, _, err = run(capsys, "key", "set", org_file, MITEL, "P2", "--line", "1")
    assert status == 1
    assert err == (
        f"cloudtel: phone {MITEL} (Mitel 6940): key P2 (programmable key 2) does not exist: "
        "the model has 0 programmable keys\n"
    )


def test_key_set_needs_exactly_one_kind(capsys: pytest.CaptureFixture[str], org_file: Path) -> None:
    status, _, err = run(
        capsys, "key", "set", org_file, MITEL, "L5", "--extension", DEMO, "--line", "1"
    )
    assert status == 1
    assert err.startswith("cloudtel: key set takes one of --line N, --extension USER or")
    status, _, err = run(capsys, "key", "set", org_file, MITEL, "L5", "--number", "0470123456")
    assert status == 1
    assert err == "cloudtel: a speed-dial key (--number) needs --label TEXT\n"


# --- prompts ----------------------------------------------------------------------------


def test_prompt_attach_to_an_event_and_to_the_default(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    status, out, _ = run(
        capsys, "prompt", "attach", org_file, "User unavailable", "5901", "Ma-Vrij"
    )
    assert (status, out) == (
        0,
        "IVR 5901 'Nederlands Orange labo' plays 'User unavailable' during event 'Ma-Vrij'\n",
    )
    run(capsys, "prompt", "attach", org_file, "User unavailable", "5502", "--default")
    functions = load(org_file).functions
    assert functions.find("5901").schedule.event("Ma-Vrij").instruction == "User unavailable"
    assert functions.find("5502").schedule.default.instruction == "User unavailable"


def test_prompt_attach_of_an_unknown_prompt(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    status, _, err = run(capsys, "prompt", "attach", org_file, "Welcome", "5901", "Ma-Vrij")
    assert status == 1
    assert err.startswith("cloudtel: ")
    assert "Welcome" in err
    status, _, err = run(capsys, "prompt", "attach", org_file, "User unavailable", "5901")
    assert status == 1
    assert err.startswith("cloudtel: prompt attach takes an EVENT of the schedule, or --default")


# --- password, PIN, photo ---------------------------------------------------------------


def test_password_set_from_standard_input_lets_the_user_log_in(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    status, out, _ = run(capsys, "password", "set", org_file, DEMO, "--stdin")
    assert (status, out) == (0, f"set the password of {DEMO}\n")
    assert load(org_file).accounts.login(DEMO, PASSWORD).username == DEMO
    assert PASSWORD not in org_file.read_text(encoding="utf-8")


def test_a_weak_password_is_refused_and_nothing_written(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, org_file: Path
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("password\n"))
    before = org_file.read_bytes()
    status, out, err = run(capsys, "password", "set", org_file, DEMO)
    assert (status, out) == (1, "")
    assert err.startswith("cloudtel: ")
    assert err.count("\n") == 1
    assert org_file.read_bytes() == before


def test_pin_set_and_reset_without_an_address_shows_the_pin_once(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, org_file: Path
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(PIN + "\n"))
    run(capsys, "pin", "set", org_file, "an.tutak@orange.be")
    load(org_file).accounts.verify_pin("an.tutak@orange.be", PIN)
    _, dry, _ = run(capsys, "pin", "reset", org_file, "an.tutak@orange.be", "--dry-run")
    assert "new PIN:" not in dry  # a dry run shows no PIN: none was saved
    status, out, _ = run(capsys, "pin", "reset", org_file, "an.tutak@orange.be")
    assert status == 0
    first, second, third = out.splitlines()
    assert first == "made a new PIN for an.tutak@orange.be"
    assert second.startswith("new PIN: ")
    assert third.startswith("the account has no e-mail address or mobile number")
    load(org_file).accounts.verify_pin("an.tutak@orange.be", second.removeprefix("new PIN: "))


def test_password_reset_sends_it_after_saving(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    status, out, _ = run(capsys, "password", "reset", org_file, DEMO)
    assert status == 0
    summary, sent = out.splitlines()
    assert summary == f"made a new password for {DEMO}, to send by e-mail to {DEMO}"
    assert sent.startswith(f"sent by e-mail to {DEMO}: written to ")
    (message,) = (org_file.parent / "outbox").iterdir()
    assert "Subject: Cloud Telephony: uw wachtwoord werd gereset" in message.read_text(
        encoding="utf-8"
    )


def test_photo_set_keeps_the_jpeg_beside_the_org_file(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    status, out, _ = run(capsys, "photo", "set", org_file, DEMO, org_file.parent / "me.jpg")
    assert (status, out) == (0, f"set the photo of {DEMO} (400x400)\n")
    org = load(org_file)  # checks the stored file's checksum
    photo = org.accounts.photo(DEMO)
    assert photo is not None
    assert (org_file.parent / photo.path).read_bytes() == jpeg(400, 400)
    status, out, _ = run(capsys, "photo", "remove", org_file, DEMO)
    assert (status, out) == (0, f"removed the photo of {DEMO}\n")
    assert load(org_file).accounts.photo(DEMO) is None


def test_photo_set_of_a_file_that_is_not_a_jpeg(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    status, out, err = run(capsys, "photo", "set", org_file, DEMO, org_file)
    assert (status, out) == (1, "")
    assert err.startswith("cloudtel: ")
    assert err.count("\n") == 1


def test_an_easter_event_and_its_bounds(capsys: pytest.CaptureFixture[str], org_file: Path) -> None:
    status, out, _ = run(
        capsys,
        "schedule",
        "event",
        "add",
        org_file,
        "5901",
        "goodfriday",
        "--easter",
        "-2",
        "--first",
        "2027-01-01",
        "--position",
        "1",
    )
    assert status == 0
    assert out.startswith("added event 'goodfriday' (easter-2 00:00:00-00:00:00")
    event = load(org_file).functions.find("5901").schedule.event("goodfriday")
    assert isinstance(event.when, Easter)
    assert (event.when.offset, str(event.when.recurrence.first)) == (-2, "2027-01-01")
    run(capsys, "schedule", "event", "set", org_file, "5901", "goodfriday", "--count", "3")
    event = load(org_file).functions.find("5901").schedule.event("goodfriday")
    assert isinstance(event.when, Easter)
    assert (event.when.offset, event.when.recurrence.count) == (-2, 3)


@settings(max_examples=LAW_EXAMPLES)
@given(
    last=st.integers(min_value=0, max_value=255),
    key=st.integers(min_value=1, max_value=19),
    seated=st.booleans(),
)
def test_phone_add_key_set_then_clear_and_remove_leaves_the_file_as_it_was(
    last: int, key: int, seated: bool
) -> None:
    mac = f"00:15:65:00:00:{last:02x}"
    _law(
        [
            ["phone", "add", "FILE", mac, "--family", "yealink", "--model", "T54W"]
            + ([] if seated else ["--free-seating"]),
            ["phone", "assign", "FILE", mac, DEMO],
            ["key", "set", "FILE", mac, f"L{key}", "--extension", STEVEN],
            ["key", "clear", "FILE", mac, f"L{key}"],
            ["phone", "remove", "FILE", mac],
        ]
    )


@settings(max_examples=LAW_EXAMPLES)
@given(
    offset=st.integers(min_value=20, max_value=49),  # numbers nobody holds in the example
    alias=st.booleans(),
    notation=st.sampled_from(["+32278116{:02d}", "0278116{:02d}", "+32 2 781 16 {:02d}"]),
)
def test_number_assign_then_free_leaves_the_file_as_it_was(
    offset: int, alias: bool, notation: str
) -> None:
    user = DEMO if alias else "new.person@orange.be"
    number = notation.format(offset)
    steps = [["number", "assign", "FILE", number, user, *(["--alias"] if alias else [])]]
    steps.append(["number", "free", "FILE", number])
    if not alias:  # a user without a primary line, added and removed around it
        steps = [["user", "add", "FILE", user], *steps, ["user", "remove", "FILE", user]]
    _law(steps)


@settings(max_examples=LAW_EXAMPLES)
@given(name=_names)
def test_user_rename_there_and_back_leaves_the_file_as_it_was(name: str) -> None:
    _law(
        [
            ["contact", "add", "FILE", "--scope", "org", "--colleague", DEMO],
            ["user", "rename", "FILE", DEMO, f"{name}@orange.be"],
            ["user", "rename", "FILE", f"{name}@orange.be", DEMO],
            ["contact", "remove", "FILE", "demo user", "--scope", "org"],
        ]
    )


def test_a_json_org_file_is_changed_and_shown_as_json(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    json_file = org_file.with_suffix(".json")
    save(load(org_file), json_file)
    _, out, _ = run(capsys, "user", "set", json_file, DEMO, "--department", "X", "--dry-run")
    assert '+      "department": "X",' in out.splitlines()
    run(capsys, "user", "set", json_file, DEMO, "--department", "X")
    assert load(json_file).user(DEMO).department == "X"
    assert json.loads(json_file.read_text(encoding="utf-8"))["users"][2]["department"] == "X"


def test_an_edit_saved_meanwhile_is_merged_and_a_clash_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, org_file: Path
) -> None:
    real_load = cloudtel.cli.edit.load
    meanwhile: list[list[str]] = [["user", "set", str(org_file), STEVEN, "--department", "R&D"]]

    def load_then_someone_saves(path: str) -> Organization:
        org = real_load(path)
        if meanwhile:
            assert main(meanwhile.pop()) == 0
        return org

    monkeypatch.setattr(cloudtel.cli.edit, "load", load_then_someone_saves)
    status, out, _ = run(capsys, "user", "set", org_file, DEMO, "--department", "Sales")
    assert status == 0
    assert out.splitlines()[-1] == (
        f"merged with another edit saved to {org_file} since it was read"
    )
    org = load(org_file)
    assert (org.user(DEMO).department, org.user(STEVEN).department) == ("Sales", "R&D")

    meanwhile.append(["user", "set", str(org_file), DEMO, "--department", "Support"])
    before = org_file.read_bytes()
    status, out, err = run(capsys, "user", "set", org_file, DEMO, "--department", "Finance")
    assert status == 1
    assert err.startswith("cloudtel: ")
    assert err.count("\n") == 1
    assert DEMO in err
    assert load(org_file).user(DEMO).department == "Support"  # the other edit stays
    assert org_file.read_bytes() != before


def test_user_remove_says_what_goes_with_the_user(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    adel = "adel.alkoubaisy@orange.be"  # on a key of Steven's phone
    run(capsys, "contact", "add", org_file, "--scope", "group:Sales", "--colleague", adel)
    status, out, _ = run(capsys, "user", "remove", org_file, adel)
    assert status == 0
    assert out.splitlines() == [
        f"removed user {adel} (Adel Al Koubaisy); freed +32 2 781 16 01",
        "gone with the user: contact 'Adel Al Koubaisy' of group Sales",
        f"gone with the user: extension key L20 of phone {MITEL}",
    ]
    org = load(org_file)
    assert not [c for c in org.contacts.at("group:Sales") if c.colleague]
    assert "L20" not in [str(p) for p, _ in org.phones.get(MITEL).layout.items()]
