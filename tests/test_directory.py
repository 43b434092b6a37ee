"""A phone's directory: colleagues and the user's effective contacts, sorted by name."""

from __future__ import annotations

from cloudtel import Organization
from cloudtel.contacts import Contact, PhoneEntry
from cloudtel.devices import SipPhone
from cloudtel.directory import phone_directory
from cloudtel.users import Settings, Visibility

STEVEN = "steven.lathouwers@orange.be"
MITEL = "08000FBBAD78"
YEALINK = "249AD8A1B2C3"


def test_a_directory_holds_colleagues_and_the_users_effective_contacts(
    example_org: Organization,
) -> None:
    steven = example_org.phones.get(MITEL)
    names = [entry.name for entry in phone_directory(example_org, steven).entries]
    assert "Steven Lathouwers" not in names  # not yourself
    assert "Adel Al Koubaisy" in names
    effective = {e.contact.name for e in example_org.contacts.effective(STEVEN)}
    assert effective <= set(names)
    # sorted by name, ignoring case and accents
    assert names.index("André De Sutter") < names.index("Andre Wildiers")
    assert names.index("demo contact") < names.index("Orange Belgium")


def test_a_users_own_contacts_show_on_their_phone_only(example_org: Organization) -> None:
    example_org.contacts.add(
        f"user:{STEVEN}", Contact(first_name="Mama", phones=[PhoneEntry(number="+32475000001")])
    )
    steven = example_org.phones.get(MITEL)
    alexandra = example_org.phones.get(YEALINK)
    assert "Mama" in [e.name for e in phone_directory(example_org, steven).entries]
    assert "Mama" not in [e.name for e in phone_directory(example_org, alexandra).entries]


def test_a_hidden_user_is_not_in_anyones_directory(example_org: Organization) -> None:
    example_org.update_user(
        "adel.alkoubaisy@orange.be", settings=Settings(directory_visibility=Visibility.HIDDEN)
    )
    steven = example_org.phones.get(MITEL)
    assert "Adel Al Koubaisy" not in [e.name for e in phone_directory(example_org, steven).entries]


def test_a_phone_without_a_user_shows_the_organisations_contacts(
    example_org: Organization,
) -> None:
    free = SipPhone(mac="249ad8000001", family="yealink", model="T54W")
    names = {e.name for e in phone_directory(example_org, free).entries}
    assert {c.name for c in example_org.contacts.organization} <= names
    assert "Steven Lathouwers" in names
