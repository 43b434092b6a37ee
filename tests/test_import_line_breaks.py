"""A spreadsheet cell with a line break (Alt+Enter in Excel, quoted in CSV) is folded into
one line and reported as a warning, instead of rejecting the row."""

from __future__ import annotations

from cloudtel import Organization, import_csv

CONTACTS = (
    "Company;First name;Last name;Address;City;Work\r\n"
    '"Bakkerij Peeters\r\nAfdeling levering";An;Peeters;"Kerkstraat 1\nbus 2";Gent;09 247 06 81\r\n'
    "Garage Claes;Tom;Claes;Molenweg 7;Aalst;053 11 22 33\r\n"
).encode("cp1252")


def test_contacts_import_folds_line_breaks_and_warns(example_org: Organization) -> None:
    report = import_csv(example_org, "org", CONTACTS, source="klanten.csv")
    assert report.applied
    assert report.rejected == ()
    peeters = next(c for c in example_org.contacts.at("org") if c.last_name == "Peeters")
    assert peeters.company == "Bakkerij Peeters Afdeling levering"
    assert peeters.address == "Kerkstraat 1 bus 2"
    assert [(w.line, w.column) for w in report.warnings] == [(2, "Company"), (2, "Address")]
    assert "folded into one" in str(report.warnings[0])
    assert "warning: line 2, column 'Company'" in str(report)
