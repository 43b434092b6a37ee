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


def test_users_of_the_same_groups_share_one_contacts_directory_unless_they_have_their_own(
    example_org: Organization,
) -> None:
    """The contacts directory of a group combination is built once for all its users (a
    100 000-user organisation built one per user), and still per user where it differs."""
    from cloudtel import User
    from cloudtel.directory import SharedDirectories

    example_org.contacts.add(
        "group:Sales", Contact(first_name="Sales desk", phones=[PhoneEntry(number="+3293301199")])
    )
    for n in (1, 2):
        example_org.add_user(
            User(username=f"sales{n}@orange.be", first_name="S", last_name=f"{n}", groups=["Sales"])
        )
    example_org.contacts.add(
        "user:sales2@orange.be",
        Contact(first_name="Mama", phones=[PhoneEntry(number="+32475000001")]),
    )
    shared = SharedDirectories(example_org)
    first = shared.contacts_of("sales1@orange.be")
    second = shared.contacts_of("sales2@orange.be")
    assert first is not None
    assert second is not None
    assert "Sales desk" in [e.name for e in first.entries]
    assert "Mama" not in [e.name for e in first.entries]
    assert "Mama" in [e.name for e in second.entries]
    assert "Sales desk" in [e.name for e in second.entries]
    example_org.add_user(
        User(username="sales3@orange.be", first_name="S", last_name="3", groups=["Sales"])
    )
    assert shared.contacts_of("sales3@orange.be") is first  # same groups, same directory
