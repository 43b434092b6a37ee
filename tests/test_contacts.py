"""Contact lists: values, scopes, effective lists with provenance, the user's rules."""

from __future__ import annotations

import pytest
from lxml import html as lxml_html

from cloudtel import (
    DuplicateError,
    InvalidValueError,
    MandatoryContactError,
    NotFoundError,
    Organization,
    PhoneNumber,
    User,
    UserGroup,
)
from cloudtel.contacts import (
    Contact,
    ContactKind,
    EffectiveList,
    PhoneEntry,
    PhoneType,
    Scope,
    ScopeKind,
)

ORG = Scope.organization()
SALES = Scope.group("Sales")
SUPPORT = Scope.group("Support")
ANN = "ann@orange.be"
BOB = "bob@orange.be"


def person(
    first: str = "Jan",
    last: str = "Peeters",
    number: str = "+3292470680",
    *,
    kind: ContactKind = ContactKind.EXTERNAL,
    **fields: object,
) -> Contact:
    return Contact(
        first_name=first,
        last_name=last,
        kind=kind,
        phones=(PhoneEntry(number=number),),
        **fields,  # type: ignore[arg-type]
    )


@pytest.fixture
def org() -> Organization:
    org = Organization(name="Orange labo", domain="orange.be")
    org.add_group(UserGroup(name="Sales"))
    org.add_group(UserGroup(name="Support"))
    org.add_user(User(username=ANN, first_name="Ann", groups=("Sales", "Support")))
    org.add_user(User(username=BOB, first_name="Bob", groups=("Support",)))
    return org


def names(entries: EffectiveList) -> list[str]:
    return [e.name for e in entries]


# --- values ---------------------------------------------------------------------------


def test_contact_has_every_field_of_the_portal_form() -> None:
    contact = Contact(
        company="Orange",
        department="Labo",
        first_name="Anne-Sophie",
        last_name="Claeys",
        short_name="ASC",
        address="Bourgetlaan 3",
        postal_code="1140",
        city="Evere",
        country="België",
        email="anne-sophie.claeys@orange.be",
        speed_dial="12",
        kind="favourite",  # type: ignore[arg-type]
        phones=(
            PhoneEntry(type="mobile", number="+32470123456", preferred=True),  # type: ignore[arg-type]
            PhoneEntry(type=PhoneType.WORK, number="+3292470680", abbreviated="1254"),
        ),
    )
    assert contact.kind is ContactKind.FAVOURITE
    assert contact.name == "Anne-Sophie Claeys"
    # entries are kept in the order of the phone types: work first
    assert [p.type for p in contact.phones] == [PhoneType.WORK, PhoneType.MOBILE]
    assert contact.preferred is not None
    assert contact.preferred.number == PhoneNumber("+32470123456")


def test_at_most_one_preferred_number() -> None:
    with pytest.raises(InvalidValueError, match="at most one may be preferred"):
        Contact(
            last_name="X",
            phones=(
                PhoneEntry(number="+3292470680", preferred=True),
                PhoneEntry(number="+32470123456", preferred=True),
            ),
        )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "needs a name"),
        ({"last_name": "X", "email": "not an address"}, "e-mail"),
        ({"last_name": "X", "speed_dial": "12a"}, "digits"),
        ({"last_name": "X\nY"}, "line break"),
        ({"last_name": "X", "kind": "vip"}, "mandatory, favourite, external"),
    ],
)
def test_invalid_contacts_say_what_is_wrong(fields: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidValueError, match=message):
        Contact(**fields)  # type: ignore[arg-type]


def test_same_number_twice_is_refused() -> None:
    with pytest.raises(DuplicateError, match="twice"):
        Contact(
            last_name="X",
            phones=(
                PhoneEntry(number="+3292470680"),
                PhoneEntry(type="home", number="+32 9 247 06 80"),  # type: ignore[arg-type]
            ),
        )


def test_scope_parse_and_text() -> None:
    assert Scope.parse("org") == ORG
    assert Scope.parse("organisation") == ORG
    assert Scope.parse("group:Sales") == SALES
    assert Scope.parse("user:Ann@Orange.be") == Scope.user(ANN)
    assert str(Scope.group("Sales")) == "group:Sales"
    assert Scope.parse(str(Scope.user(ANN))).kind is ScopeKind.USER
    with pytest.raises(InvalidValueError, match="org, group:NAME, user:USERNAME"):
        Scope.parse("team:x")


# --- effective lists --------------------------------------------------------------------


def test_effective_list_is_org_then_groups_then_own_with_provenance(org: Organization) -> None:
    org.contacts.add(ORG, person("Org", "Wide", "+3222222222"))
    org.contacts.add(SUPPORT, person("Sup", "Port", "+3233333334"))
    org.contacts.add(SALES, person("Sal", "Es", "+3250444444"))
    org.contacts.add(Scope.user(ANN), person("Own", "Ann", "+3256555555"))
    ann = org.contacts.effective(ANN)
    assert names(ann) == ["Org Wide", "Sal Es", "Sup Port", "Own Ann"]
    assert [str(e.source) for e in ann] == ["org", "group:Sales", "group:Support", f"user:{ANN}"]
    bob = org.contacts.effective(BOB)
    assert names(bob) == ["Org Wide", "Sup Port"]


def test_same_contact_through_two_groups_appears_once(org: Organization) -> None:
    org.contacts.add(SALES, person())
    org.contacts.add(SUPPORT, person())
    (entry,) = org.contacts.effective(ANN)
    assert entry.source == SALES  # Sales comes first in the priority order
    assert entry.also_from == (SUPPORT,)
    assert entry.provenance == "group Sales (also group Support)"
    org.move_group("Support", 0)
    (entry,) = org.contacts.effective(ANN)
    assert entry.source == SUPPORT


def test_same_person_matches_case_and_spaces_insensitively(org: Organization) -> None:
    org.contacts.add(ORG, person("jan", "PEETERS"))
    org.contacts.add(SUPPORT, person(" Jan", "Peeters "))
    assert len(org.contacts.effective(BOB)) == 1


def test_own_contact_shadows_inherited_same_person_and_number(org: Organization) -> None:
    org.contacts.add(ORG, person(email="jan@work.be"))
    org.contacts.add(Scope.user(ANN), person(email="jan@home.be"))
    (entry,) = org.contacts.effective(ANN)
    assert entry.contact.email == "jan@home.be"
    assert entry.source == Scope.user(ANN)
    assert entry.also_from == (ORG,)
    # a different number is a different entry
    org.contacts.add(Scope.user(ANN), person(number="+32470123456"))
    assert len(org.contacts.effective(ANN)) == 2
    # Bob still sees the organisation's version
    (bob,) = org.contacts.effective(BOB)
    assert bob.contact.email == "jan@work.be"


def test_mandatory_is_sticky_when_redefined(org: Organization) -> None:
    org.contacts.add(ORG, person(kind=ContactKind.MANDATORY))
    org.contacts.add(Scope.user(ANN), person(kind=ContactKind.FAVOURITE))
    (entry,) = org.contacts.effective(ANN)
    assert entry.source == Scope.user(ANN)
    assert entry.mandatory
    assert entry.kind is ContactKind.MANDATORY
    with pytest.raises(MandatoryContactError, match="mandatory"):
        org.contacts.remove_from_list(ANN, entry.contact)


def test_user_hides_inherited_plain_contact(org: Organization) -> None:
    jan = person()
    org.contacts.add(SUPPORT, jan)
    org.contacts.hide(ANN, jan)
    assert len(org.contacts.effective(ANN)) == 0
    assert len(org.contacts.effective(BOB)) == 1  # only Ann's list
    assert org.contacts.unhide(ANN, jan)
    assert len(org.contacts.effective(ANN)) == 1


def test_remove_from_list_hides_inherited_and_deletes_own(org: Organization) -> None:
    jan, own = person(), person("Own", "One", "+3256555555")
    org.contacts.add(ORG, jan)
    org.contacts.add(Scope.user(ANN), own)
    org.contacts.remove_from_list(ANN, jan)
    org.contacts.remove_from_list(ANN, own)
    assert len(org.contacts.effective(ANN)) == 0
    assert org.contacts.at(ORG) == (jan,)  # still there for everyone else
    assert org.contacts.at(Scope.user(ANN)) == ()
    assert len(org.contacts.effective(BOB)) == 1


def test_mandatory_can_never_be_hidden(org: Organization) -> None:
    boss = person("The", "Boss", kind=ContactKind.MANDATORY)
    org.contacts.add(SALES, boss)
    with pytest.raises(MandatoryContactError, match="cannot be hidden"):
        org.contacts.hide(ANN, boss)
    with pytest.raises(MandatoryContactError, match="cannot be removed"):
        org.contacts.remove_from_list(ANN, boss)
    assert names(org.contacts.effective(ANN)) == ["The Boss"]


def test_a_hide_does_not_hide_a_contact_that_became_mandatory(org: Organization) -> None:
    jan = person()
    org.contacts.add(ORG, jan)
    org.contacts.hide(ANN, jan)
    org.contacts.update(ORG, jan, kind=ContactKind.MANDATORY)
    assert names(org.contacts.effective(ANN)) == ["Jan Peeters"]


def test_own_contact_is_deleted_not_hidden(org: Organization) -> None:
    own = person()
    org.contacts.add(Scope.user(ANN), own)
    with pytest.raises(InvalidValueError, match="delete it instead"):
        org.contacts.hide(ANN, own)


def test_deleting_at_a_scope_removes_it_from_every_list(org: Organization) -> None:
    jan = person()
    org.contacts.add(SUPPORT, jan)
    org.contacts.hide(BOB, jan)
    assert len(org.contacts.effective(ANN)) == 1
    org.contacts.remove(SUPPORT, jan)
    assert len(org.contacts.effective(ANN)) == 0
    assert len(org.contacts.effective(BOB)) == 0
    assert org.contacts.hidden_by(BOB) == ()  # the lapsed hide is dropped


def test_administrator_may_delete_a_mandatory_contact(org: Organization) -> None:
    boss = person(kind=ContactKind.MANDATORY)
    org.contacts.add(ORG, boss)
    org.contacts.remove(ORG, boss)
    assert org.contacts.at(ORG) == ()


def test_reading_a_scope_names_an_unknown_group_or_user(org: Organization) -> None:
    org.contacts.add(Scope.user(ANN), person())
    assert org.contacts.at("user:Ann@Orange.be") == (person(),)  # any case, like everywhere
    with pytest.raises(NotFoundError, match="no user group 'Slaes'"):
        org.contacts.at("group:Slaes")
    with pytest.raises(NotFoundError, match=r"no user 'nobody@orange\.be'"):
        org.contacts.at("user:nobody@orange.be")


def test_group_membership_changes_the_list_at_once(org: Organization) -> None:
    org.contacts.add(SALES, person())
    assert len(org.contacts.effective(BOB)) == 0
    org.add_member(BOB, "Sales")
    assert names(org.contacts.effective(BOB)) == ["Jan Peeters"]
    org.remove_member(BOB, "Sales")
    assert len(org.contacts.effective(BOB)) == 0


def test_group_rename_and_removal(org: Organization) -> None:
    org.contacts.add(SALES, person())
    org.update_group("Sales", name="Verkoop")
    assert org.contacts.at(Scope.group("Verkoop")) == (person(),)
    assert org.contacts.effective(ANN)[0].source == Scope.group("Verkoop")
    org.remove_group("Verkoop")
    assert org.contacts.groups == {}
    assert len(org.contacts.effective(ANN)) == 0


def test_user_rename_and_removal(org: Organization) -> None:
    jan = person()
    org.contacts.add(Scope.user(BOB), person("Own", "Bob", "+3256555555"))
    org.contacts.add(ORG, jan)
    org.contacts.hide(BOB, jan)
    org.update_user(BOB, username="robert@orange.be")
    assert names(org.contacts.effective("robert@orange.be")) == ["Own Bob"]
    org.remove_user("robert@orange.be")
    assert org.contacts.users == {}
    assert org.contacts.hidden == {}


def test_add_checks_scope_and_duplicates(org: Organization) -> None:
    org.contacts.add(ORG, person())
    with pytest.raises(DuplicateError, match="update it instead"):
        org.contacts.add(ORG, person(email="other@x.be"))
    with pytest.raises(NotFoundError, match="no user group 'Nope'"):
        org.contacts.add("group:Nope", person())
    with pytest.raises(NotFoundError, match="no user"):
        org.contacts.add("user:nobody@orange.be", person())
    with pytest.raises(NotFoundError):
        org.contacts.remove(SALES, person())


def test_update_and_replace(org: Organization) -> None:
    jan = org.contacts.add(ORG, person())
    new = org.contacts.update(ORG, jan, city="Gent")
    assert org.contacts.at(ORG) == (new,)
    assert new.city == "Gent"
    other = org.contacts.add(ORG, person("Piet", "Peeters", "+3222222222"))
    with pytest.raises(DuplicateError):
        org.contacts.replace(ORG, other, person())


def test_find_by_part_of_name_company_or_number(org: Organization) -> None:
    org.contacts.add(ORG, person(company="Pizzeria Roma"))
    org.contacts.add(
        ORG,
        Contact(
            short_name="Helpdesk",
            phones=(PhoneEntry(number="+32470123456", abbreviated="1254"),),
        ),
    )
    found = org.contacts.effective(ANN)
    assert names(found.find("peet")) == ["Jan Peeters"]
    assert names(found.find("ROMA")) == ["Jan Peeters"]
    assert names(found.find("help")) == ["Helpdesk"]
    assert names(found.find("0470 12")) == ["Helpdesk"]  # national notation
    assert names(found.find("+32 9 247")) == ["Jan Peeters"]  # international
    assert names(found.find("1254")) == ["Helpdesk"]  # abbreviated number
    assert found.find("nobody") == ()


def test_html_table_is_escaped(org: Organization) -> None:
    org.contacts.add(ORG, person("<b>Evil</b>", "&Co", kind=ContactKind.MANDATORY))
    text = org.contacts.effective(ANN)._repr_html_()
    assert "&lt;b&gt;Evil&lt;/b&gt; &amp;Co" in text
    assert "<b>" not in text
    page = lxml_html.fromstring(text)
    assert [th.text for th in page.iter("th")] == ["name", "company", "numbers", "kind", "from"]
    assert "organisation" in [td.text for td in page.iter("td")]


def test_rows_put_mandatory_and_favourites_first(org: Organization) -> None:
    org.contacts.add(ORG, person("Zed", "Plain", "+3222222222"))
    org.contacts.add(ORG, person("Amy", "Fav", "+3233333334", kind=ContactKind.FAVOURITE))
    org.contacts.add(SALES, person("Max", "Must", "+3250444444", kind=ContactKind.MANDATORY))
    rows = org.contacts.effective(ANN).rows()
    assert [r[0] for r in rows] == ["Max Must", "Amy Fav", "Zed Plain"]
    assert rows[0][3:] == ("mandatory", "group Sales")


def test_effective_lists_for_all_users_match_one_by_one(org: Organization) -> None:
    org.contacts.add(ORG, person())
    org.contacts.add(SALES, person("A", "B", "+3222222222"))
    org.contacts.add(SUPPORT, person("A", "B", "+3222222222"))
    everyone = org.contacts.effective_lists()
    assert set(everyone) == {ANN, BOB}
    for username, entries in everyone.items():
        assert list(entries) == list(org.contacts.effective(username))
        assert len(entries) == len(list(entries))


def test_problems_name_unknown_scopes_and_duplicates(org: Organization) -> None:
    org.contacts.groups["Ghosts"] = (person(),)
    org.contacts.users["nobody@orange.be"] = (person(), person(email="a@b.be"))
    found = {p.path: p.message for p in org.contacts.problems()}
    assert "there is no user group 'Ghosts'" in found["contacts.groups.Ghosts"]
    assert "there is no user" in found["contacts.users.nobody@orange.be"]
    assert "same contact as" in found["contacts.users.nobody@orange.be[1]"]


def test_principals_users_change_only_their_own_plain_contacts(org: Organization) -> None:
    from cloudtel import AccessDeniedError
    from cloudtel.accounts import CredentialPolicy, ScryptParams

    accounts = org.accounts
    accounts.policy = CredentialPolicy(scrypt=ScryptParams(n=2, r=1))
    accounts.set_password(ANN, "velvet-harbour-lantern-42")
    accounts.set_password(BOB, "copper-meadow-whistle-77")
    accounts.set_admin(BOB)
    ann = accounts.login(ANN, "velvet-harbour-lantern-42")
    own = org.contacts.add(Scope.user(ANN), person(), by=ann)
    with pytest.raises(MandatoryContactError):
        org.contacts.add(
            Scope.user(ANN), person("M", "X", "+3222222222", kind=ContactKind.MANDATORY), by=ann
        )
    with pytest.raises(AccessDeniedError, match="admin view"):
        org.contacts.add(ORG, person("O", "X", "+3222222222"), by=ann)
    bob = accounts.login(BOB, "copper-meadow-whistle-77")
    with pytest.raises(AccessDeniedError, match="admin view"):
        org.contacts.remove(Scope.user(ANN), own, by=bob)
    admin = accounts.enter_admin_view(bob, "copper-meadow-whistle-77")
    org.contacts.add(
        Scope.user(ANN), person("M", "X", "+3222222222", kind=ContactKind.MANDATORY), by=admin
    )
    with pytest.raises(MandatoryContactError):
        org.contacts.remove(
            Scope.user(ANN), person("M", "X", "+3222222222", kind=ContactKind.MANDATORY), by=ann
        )
    org.contacts.remove(Scope.user(ANN), own, by=ann)
    assert names(org.contacts.effective(ANN)) == ["M X"]
