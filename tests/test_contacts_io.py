"""CSV import/export and vCard export of contacts, as administrators use them."""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

import pytest

from cloudtel import FileProblemsError, NotFoundError, Organization, User, UserGroup
from cloudtel.cli.demo import contacts_demo_section as demo_section
from cloudtel.contacts import (
    HEADERS,
    Contact,
    ContactKind,
    PhoneEntry,
    PhoneType,
    Scope,
    decode_csv,
    export_csv,
    export_vcard,
    import_csv,
)

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "orange-labo" / "contacts-import.csv"
ORG = Scope.organization()


@pytest.fixture
def org() -> Organization:
    org = Organization(name="Orange labo", domain="orange.be")
    org.add_group(UserGroup(name="Sales"))
    org.add_user(User(username="ann@orange.be", groups=("Sales",)))
    return org


ENGLISH = (
    "First name,Last name,Company,Work,Mobile,Preferred\r\n"
    "Jan,Peeters,Pizzeria Roma,09 247 06 80,0470 12 34 56,Mobile\r\n"
    "Els,Vermeulen,,02 555 01 00,,\r\n"
)


def test_the_example_csv_is_dutch_semicolons_and_windows_1252(org: Organization) -> None:
    report = import_csv(org, "group:Sales", SAMPLE.read_bytes(), source=SAMPLE.name)
    assert report.applied
    assert (report.added, report.updated, report.unchanged) == (5, 0, 0)
    assert report.encoding == "cp1252"
    assert report.delimiter == ";"
    assert report.unknown_columns == ("Opmerking",)
    assert "columns that map to nothing" in str(report)
    pieter = org.contacts.at("group:Sales")[0]
    assert pieter.country == "België"
    assert pieter.kind is ContactKind.FAVOURITE
    assert [(p.type, p.number.e164, p.abbreviated, p.preferred) for p in pieter.phones] == [
        (PhoneType.WORK, "+3293301123", "1123", False),
        (PhoneType.MOBILE, "+32478998877", "", True),
    ]
    # a delimiter inside a quoted value stays in the value
    assert org.contacts.at("group:Sales")[1].address == "Botermarkt 1; 2de verdieping"


@pytest.mark.parametrize(
    ("encoding", "delimiter", "expected"),
    [
        ("utf-8", ",", "utf-8"),
        ("utf-8-sig", ";", "utf-8-sig"),
        ("utf-16", "\t", "utf-16"),  # Excel's "Unicode text"
        ("utf-16-le", "\t", "utf-16-le"),
        ("cp1252", ";", "cp1252"),
    ],
)
def test_encodings_and_delimiters_are_detected(
    org: Organization, encoding: str, delimiter: str, expected: str
) -> None:
    text = (
        "Prénom,Nom,Société,Téléphone mobile\r\nFrançois,Lefèvre,Société Générale,0470 12 34 56\r\n"
    )
    data = text.replace(",", delimiter).encode(encoding)
    report = import_csv(org, ORG, data)
    assert (report.encoding, report.delimiter, report.added) == (expected, delimiter, 1)
    (contact,) = org.contacts.at(ORG)
    assert (contact.first_name, contact.last_name, contact.company) == (
        "François",
        "Lefèvre",
        "Société Générale",
    )
    assert contact.phones[0].type is PhoneType.MOBILE


def test_decode_reads_undefined_windows_bytes_as_latin_1() -> None:
    assert decode_csv(b"Naam\r\nA\x81B\r\n") == ("Naam\r\nA\x81B\r\n", "latin-1")
    assert decode_csv(codecs.BOM_UTF8 + "é".encode()) == ("é", "utf-8-sig")


def test_headers_match_any_case_accents_and_spacing(org: Organization) -> None:
    data = (
        "FIRST NAME;last-name;E-MAIL;gsm;Telefoon Thuis;TYPE\r\n"
        "A;B;a@b.be;0470123456;09 247 06 80;Favoriet\r\n"
    )
    report = import_csv(org, ORG, data)
    assert report.unknown_columns == ()
    (contact,) = org.contacts.at(ORG)
    assert contact.email == "a@b.be"
    assert contact.kind is ContactKind.FAVOURITE
    assert [p.type for p in contact.phones] == [PhoneType.MOBILE, PhoneType.HOME]


def test_accepted_headers_are_documented() -> None:
    assert "Voornaam" in HEADERS["first_name"]
    assert "Prénom" in HEADERS["first_name"]
    assert "GSM" in HEADERS["phone:mobile"]


def test_numbers_are_read_with_the_organisation_country() -> None:
    org = Organization(name="Labo NL", domain="orange.nl", country="NL")
    import_csv(org, ORG, "Naam,Telefoon\r\nPiet Jansen,020 555 0123\r\n")
    (contact,) = org.contacts.at(ORG)
    assert contact.phones[0].number.e164 == "+31205550123"
    assert (contact.first_name, contact.last_name) == ("Piet", "Jansen")  # "Naam" is split


def test_rejected_rows_name_line_column_value_and_reason(org: Organization) -> None:
    data = (
        "First name,Last name,Work,Contact type,E-mail\r\n"
        "Jan,Peeters,09 247 06 80,,\r\n"
        'Bad,"Number\r\nSpanning lines",12345,,\r\n'
        "Els,Vermeulen,02 555 01 00,vip,els@\r\n"
        ",,,,\r\n"
        ",,02 555 01 01,,\r\n"
    )
    report = import_csv(org, ORG, data, source="list.csv")
    assert not report.applied
    assert org.contacts.at(ORG) == ()  # all or nothing
    found = {(r.line, r.column, r.value) for r in report.rejected}
    assert (3, "Work", "12345") in found  # the quoted line break makes the row span lines 3-4
    assert (5, "Contact type", "vip") in found
    assert report.rejected_lines == (3, 5, 7)
    assert report.blank_lines == 1
    reasons = {r.line: r.reason for r in report.rejected}
    assert "not a valid phone number" in reasons[3]
    assert "needs a name" in reasons[7]
    assert "keep_valid" in str(report)

    kept = import_csv(org, ORG, data, keep_valid=True)
    assert kept.applied
    assert kept.added == 1
    assert [c.name for c in org.contacts.at(ORG)] == ["Jan Peeters"]


def test_same_name_and_number_updates_instead_of_duplicating(org: Organization) -> None:
    assert import_csv(org, ORG, ENGLISH).added == 2
    changed = ENGLISH.replace("Pizzeria Roma", "Pizzeria Napoli")
    report = import_csv(org, ORG, changed)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 1)
    assert [c.company for c in org.contacts.at(ORG)] == ["Pizzeria Napoli", ""]


def test_the_same_contact_twice_in_a_file_is_rejected(org: Organization) -> None:
    data = "Name,Work\r\nJan Peeters,09 247 06 80\r\njan peeters,+32 9 247 06 80\r\n"
    report = import_csv(org, ORG, data)
    assert report.rejected[0].line == 3
    assert "same contact" in report.rejected[0].reason


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Work,Mobile\r\n", "no name column"),
        ("First name,Voornaam\r\n", "means the same as column 'First name'"),
        ("Name,Work short\r\n", "needs the phone column"),
        ("", "empty"),
    ],
)
def test_header_problems_stop_the_import(org: Organization, header: str, message: str) -> None:
    with pytest.raises(FileProblemsError, match=message):
        import_csv(org, ORG, header)


def test_a_binary_file_is_refused_with_a_short_message(org: Organization) -> None:
    audio = b"RIFF\x24\x1f\x00\x00WAVEfmt " + bytes(range(14, 256)) * 8
    with pytest.raises(FileProblemsError, match="no name column") as caught:
        import_csv(org, ORG, audio, source="beep.wav")
    assert len(str(caught.value)) < 600


def test_unknown_scope_is_refused(org: Organization) -> None:
    with pytest.raises(NotFoundError):
        import_csv(org, "group:Nope", ENGLISH)


def test_csv_export_reads_back_in_every_language(org: Organization) -> None:
    contacts = (
        Contact(
            first_name="=cmd|' /C calc'!A0",
            last_name='O\'Brien, "Jr"',
            company="-Minus; semi",
            kind=ContactKind.MANDATORY,
            phones=(
                PhoneEntry(number="+3292470680", abbreviated="12"),
                PhoneEntry(number="+3225550100"),
                PhoneEntry(type=PhoneType.FAX, number="+3225550101", preferred=True),
            ),
        ),
        Contact(short_name="@home", email="x@y.be"),
    )
    for language in ("en", "nl", "fr"):
        for delimiter in (",", ";", "\t"):
            text = export_csv(contacts, language=language, delimiter=delimiter)
            fresh = Organization(name="x", domain="x.be")
            report = import_csv(fresh, ORG, text.encode("utf-8-sig"))
            assert report.ok, str(report)
            assert fresh.contacts.at(ORG) == contacts


def test_csv_export_neutralises_formulas() -> None:
    text = export_csv([Contact(first_name="=1+1", last_name="@SUM(A1)")])
    assert "'=1+1" in text
    assert "'@SUM(A1)" in text
    assert ",=1+1" not in text


def test_effective_list_export_has_source_column_ignored_on_import(org: Organization) -> None:
    org.contacts.add(ORG, Contact(last_name="Org", phones=(PhoneEntry(number="+3292470680"),)))
    org.contacts.add("group:Sales", Contact(last_name="Sal"))
    entries = org.contacts.effective("ann@orange.be")
    text = export_csv(entries)
    assert text.splitlines()[0].endswith(",Source")
    assert "group:Sales" in text
    fresh = Organization(name="x", domain="x.be")
    report = import_csv(fresh, ORG, text)
    assert report.ignored_columns == ("Source",)
    assert fresh.contacts.at(ORG) == entries.contacts


def _unfold(text: str) -> list[str]:
    assert text.endswith("\r\n")
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def test_vcard_escapes_and_folds(org: Organization) -> None:
    long_company = "Société générale de télécommunications, ateliers; bureaux \\ et dépôts " * 2
    contact = Contact(
        first_name="Anne, Sophie",
        last_name="Claeys; Jr",
        company=long_company.strip(),
        department="R&D",
        address="Bourgetlaan 3",
        city="Evere",
        postal_code="1140",
        kind=ContactKind.FAVOURITE,
        phones=(
            PhoneEntry(type=PhoneType.MOBILE, number="+32470123456", preferred=True),
            PhoneEntry(number="+3292470680", abbreviated="1254"),
        ),
    )
    text = export_vcard([contact])
    for physical in text.split("\r\n")[:-1]:
        assert len(physical.encode("utf-8")) <= 75
    lines = _unfold(text)
    assert lines[0] == "BEGIN:VCARD"
    assert lines[1] == "VERSION:4.0"
    assert lines[-1] == "END:VCARD"
    assert r"FN:Anne\, Sophie Claeys; Jr" in lines
    assert r"N:Claeys\; Jr;Anne\, Sophie;;;" in lines
    org_line = next(line for line in lines if line.startswith("ORG:"))
    assert org_line.endswith(";R&D")
    assert r"télécommunications\, ateliers\; bureaux \\ et" in org_line
    assert "ADR;TYPE=work:;;Bourgetlaan 3;Evere;;1140;" in lines
    assert 'TEL;VALUE=uri;TYPE="cell";PREF=1:tel:+32470123456' in lines
    assert 'TEL;VALUE=uri;TYPE="work,voice":tel:+3292470680' in lines
    assert "CATEGORIES:favourite" in lines
    assert "\n" not in text.replace("\r\n", "")


def test_vcard_of_effective_list_says_where_each_came_from(org: Organization) -> None:
    org.contacts.add("group:Sales", Contact(company="Pizzeria Roma"))
    text = export_vcard(org.contacts.effective("ann@orange.be"))
    lines = _unfold(text)
    assert "X-CLOUDTEL-SOURCE:group:Sales" in lines
    assert "KIND:org" in lines


def test_demo_section_shows_provenance(example_org: Organization, tmp_path: Path) -> None:
    text = demo_section(example_org, tmp_path)
    assert "Contacts of demo.user@orange.be" in text
    assert "group CC (also organisation)" in text
    assert "mandatory" in text
    assert "user demo.user@orange.be (also group CC)" in text
    assert (tmp_path / "contacts-demo.user@orange.be.vcf").read_text().startswith("BEGIN:VCARD")


def test_cli_show_import_export(
    example_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    from cloudtel import load
    from cloudtel.cli import main

    shutil.copytree(example_path.parent, tmp_path, dirs_exist_ok=True)
    org_file = tmp_path / example_path.name
    assert main(["contacts", str(org_file), "--user", "demo.user@orange.be"]) == 0
    shown = capsys.readouterr().out
    assert "group CC (also organisation)" in shown
    assert main(["contacts", "import", str(org_file), str(SAMPLE), "--scope", "group:Support"]) == 0
    assert "added 5" in capsys.readouterr().out
    assert len(load(org_file).contacts.at("group:Support")) == 5
    out = tmp_path / "list.vcf"
    args = ["contacts", "export", str(org_file), "--user", "andre.wildiers@orange.be"]
    assert main([*args, "--format", "vcard", "--out", str(out)]) == 0
    assert out.read_text().count("BEGIN:VCARD") == 9  # 3 org + Everybody's 1 + Support's 5
    assert main(["contacts", "import", str(org_file), str(SAMPLE), "--scope", "group:Nope"]) == 1
    assert "cloudtel: no user group 'Nope'" in capsys.readouterr().err


def test_a_large_file_parsed_on_two_cores_imports_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    from concurrent.futures import ProcessPoolExecutor

    from cloudtel.contacts import csv_files

    pools: list[object] = []

    class Counted(ProcessPoolExecutor):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            pools.append(self)

    rows = ["Name;Mobile;Work"]
    for i in range(1500):
        work = "09 247 06 8" if i % 100 == 7 else f"09 2{i % 100:02d} {i:04d}"  # some invalid
        rows.append(f"Person {i};04{70 + i % 10} {i:06d};{work}")
    data = ("\r\n".join(rows) + "\r\n").encode("utf-8")
    one = Organization(name="x", domain="x.be")
    alone = import_csv(one, "org", data, keep_valid=True)
    assert not pools
    monkeypatch.setattr(csv_files, "ProcessPoolExecutor", Counted)
    monkeypatch.setattr(csv_files, "_PARALLEL_FROM", 100)
    two = Organization(name="x", domain="x.be")
    shared = import_csv(two, "org", data, keep_valid=True)
    assert shared == alone
    assert (shared.added, len(shared.rejected)) == (1485, 15)
    assert two.contacts.at("org") == one.contacts.at("org")
    assert len(pools) == 1  # the second import did use a worker process
