"""A colleague made a contact by reference (``Contacts.add_colleague``): the contact
follows the user — their names, e-mail and numbers, a new username — and goes with them."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cloudtel import Organization, load, loads
from cloudtel.contacts import ContactKind, EffectiveContact, Scope
from cloudtel.errors import DuplicateError
from cloudtel.serialization import dumps
from cloudtel.users import MobilePhone

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "orange-labo" / "organization.toml"
DEMO = "demo.user@orange.be"
ADEL = "adel.alkoubaisy@orange.be"  # in Sales


def colleague_entry(org: Organization, viewer: str, username: str) -> EffectiveContact:
    (entry,) = [e for e in org.contacts.effective(viewer) if e.contact.colleague == username]
    return entry


def test_a_colleague_contact_has_the_users_names_email_and_numbers(
    example_org: Organization,
) -> None:
    contact = example_org.contacts.add_colleague("group:Sales", DEMO, kind=ContactKind.MANDATORY)
    assert (contact.first_name, contact.last_name, contact.colleague) == ("demo", "user", DEMO)
    assert [(e.type.value, e.number.e164) for e in contact.phones] == [
        ("work", "+3227811603"),
        ("work", "+3227811653"),
        ("mobile", "+32480080080"),
    ]
    assert contact.kind is ContactKind.MANDATORY
    entry = colleague_entry(example_org, ADEL, DEMO)
    assert entry.mandatory


def test_the_contact_follows_changes_of_the_user(example_org: Organization) -> None:
    example_org.contacts.add_colleague("group:Sales", DEMO)
    example_org.update_user(DEMO, last_name="Gebruiker", email="demo@orange.be")
    user = example_org.user(DEMO)
    example_org.update_user(
        DEMO, mobile_phones=(*user.mobile_phones, MobilePhone(number="+32470998877"))
    )
    (contact,) = [c for c in example_org.contacts.at("group:Sales") if c.colleague == DEMO]
    assert (contact.name, contact.email) == ("demo Gebruiker", "demo@orange.be")
    assert "+32470998877" in [n.e164 for n in contact.numbers]


def test_the_contact_follows_a_new_username_and_goes_with_the_user(
    example_org: Organization,
) -> None:
    example_org.contacts.add_colleague("org", DEMO)
    example_org.update_user(DEMO, username="demo.person@orange.be")
    assert [c.colleague for c in example_org.contacts.at("org") if c.colleague] == [
        "demo.person@orange.be"
    ]
    assert "contact 'demo user' of organisation" in example_org.referrers(
        "user", "demo.person@orange.be"
    )
    example_org.remove_user("demo.person@orange.be")  # the reference does not block it
    assert [c for c in example_org.contacts.at("org") if c.colleague] == []


def test_the_preferred_number_stays_preferred_when_the_user_changes(
    example_org: Organization,
) -> None:
    contact = example_org.contacts.colleague(DEMO)
    phones = tuple(
        attrs.evolve(e, preferred=e.number.e164 == "+32480080080") for e in contact.phones
    )
    example_org.contacts.add("group:Sales", attrs.evolve(contact, phones=phones))
    example_org.update_user(DEMO, department="Support")
    (contact,) = [c for c in example_org.contacts.at("group:Sales") if c.colleague == DEMO]
    assert contact.department == "Support"
    assert contact.preferred is not None
    assert contact.preferred.number.e164 == "+32480080080"


def test_a_colleague_twice_in_one_scope_is_refused(example_org: Organization) -> None:
    example_org.contacts.add_colleague(Scope.group("CC"), DEMO)
    with pytest.raises(DuplicateError):
        example_org.contacts.add_colleague(Scope.group("CC"), DEMO, kind=ContactKind.MANDATORY)


def test_a_saved_colleague_contact_round_trips_and_an_unknown_one_is_a_problem(
    example_org: Organization,
) -> None:
    example_org.contacts.add_colleague("org", DEMO)
    text = dumps(example_org)
    assert f'colleague = "{DEMO}"' in text
    assert loads(text) == example_org
    broken = text.replace(f'colleague = "{DEMO}"', 'colleague = "gone@orange.be"')
    with pytest.raises(ValueError, match=r"stands for 'gone@orange\.be', who is not a user"):
        loads(broken)


_words = st.text(alphabet="abcdefghij ", min_size=1, max_size=10).map(str.strip).filter(bool)


@given(
    changes=st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "first_name": _words,
                "last_name": _words,
                "department": _words,
                "primary_line": st.sampled_from([None, "+3227811690", "+3227811691"]),
            },
        ),
        max_size=4,
    )
)
def test_after_any_changes_the_contact_is_the_colleague_as_they_are_now(
    changes: list[dict[str, object]],
) -> None:
    org = load(EXAMPLE)
    org.contacts.add_colleague("group:CC", DEMO, kind=ContactKind.MANDATORY)
    for change in changes:
        freed = "primary_line" in change and change["primary_line"] is None
        # the aliases are attached to the line: they go with it
        org.update_user(DEMO, **({**change, "aliases": ()} if freed else change))
    (contact,) = [c for c in org.contacts.at("group:CC") if c.colleague == DEMO]
    assert contact == org.contacts.colleague(DEMO, kind=ContactKind.MANDATORY)
