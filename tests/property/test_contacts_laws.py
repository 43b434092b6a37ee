"""Laws of contact lists: CSV and org-file round trips, and the rules of effective lists."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cloudtel import InvalidValueError, Organization, User, UserGroup, dumps, loads
from cloudtel.contacts import (
    Contact,
    ContactKind,
    Contacts,
    PhoneEntry,
    PhoneType,
    Scope,
    ScopeKind,
    export_csv,
    import_csv,
)

# Spreadsheet trouble makers: delimiters, quotes, formula starters, accents, spaces inside.
_ALPHABET = "aAzé ß,;\t\"'=+-@|\\/.#*€ñ0"
NUMBERS = [f"+329247{n:04d}" for n in range(60)] + [f"+32470{n:06d}" for n in range(40)]


def texts(max_size: int = 8) -> st.SearchStrategy[str]:
    return st.text(_ALPHABET, max_size=max_size).map(str.strip)


@st.composite
def phone_entries(draw: st.DrawFn) -> tuple[PhoneEntry, ...]:
    numbers = draw(st.lists(st.sampled_from(NUMBERS), max_size=3, unique=True))
    preferred = draw(st.none() | st.integers(0, max(0, len(numbers) - 1)))
    return tuple(
        PhoneEntry(
            type=draw(st.sampled_from(PhoneType)),
            number=number,
            abbreviated=draw(st.sampled_from(("", "12", "1254", "*9#"))),
            preferred=index == preferred,
        )
        for index, number in enumerate(numbers)
    )


@st.composite
def contacts(draw: st.DrawFn) -> Contact:
    name = draw(texts().filter(bool))
    return Contact(
        first_name=draw(texts()),
        last_name=name,
        company=draw(texts()),
        department=draw(texts()),
        short_name=draw(texts()),
        address=draw(texts(12)),
        postal_code=draw(st.sampled_from(("", "9000", "1140"))),
        city=draw(texts()),
        country=draw(st.sampled_from(("", "België", "France", "Nederland"))),
        email=draw(st.sampled_from(("", "a@b.be", "x.y@orange.be"))),
        speed_dial=draw(st.sampled_from(("", "1", "42"))),
        kind=draw(st.sampled_from(ContactKind)),
        phones=draw(phone_entries()),
    )


def distinct(items: list[Contact]) -> bool:
    keys = [key for contact in items for key in contact.identity()]
    return len(keys) == len(set(keys))


contact_lists = st.lists(contacts(), max_size=6).filter(distinct)


@settings(max_examples=60)
@given(
    contact_lists,
    st.sampled_from(("en", "nl", "fr")),
    st.sampled_from((",", ";", "\t")),
    st.sampled_from(("utf-8", "utf-8-sig", "utf-16", "cp1252")),
)
def test_import_of_export_gives_the_same_contacts(
    items: list[Contact], language: str, delimiter: str, encoding: str
) -> None:
    text = export_csv(items, language=language, delimiter=delimiter)  # type: ignore[arg-type]
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")  # cp1252 cannot hold every character
    org = Organization(name="x", domain="x.be")
    report = import_csv(org, "org", data)
    assert report.ok, str(report)
    assert org.contacts.at("org") == tuple(items)
    again = import_csv(org, "org", data)
    assert (again.added, again.updated, again.unchanged) == (0, 0, len(items))


@st.composite
def organisations(draw: st.DrawFn) -> Organization:
    org = Organization(name="Orange labo", domain="orange.be")
    groups = draw(st.lists(st.sampled_from(("Sales", "Support", "CC", "Team A")), unique=True))
    for name in groups:
        org.add_group(UserGroup(name=name))
    for index in range(draw(st.integers(1, 4))):
        member_of = draw(st.lists(st.sampled_from(groups), unique=True)) if groups else []
        org.add_user(User(username=f"user.{index}@orange.be", groups=tuple(member_of)))
    scopes = [Scope.organization()] + [Scope.group(g) for g in groups]
    scopes += [Scope.user(u.username) for u in org.users]
    for scope in scopes:
        org.contacts.set_contacts(scope, draw(st.lists(contacts(), max_size=3).filter(distinct)))
    for user in org.users:
        entries = list(org.contacts.effective(user.username))
        for entry in entries:
            if entry.inherited and not entry.mandatory and draw(st.booleans()):
                org.contacts.hide(user.username, entry.contact)
    return org


@settings(max_examples=25)  # each example builds and saves a whole organisation
@given(organisations(), st.sampled_from(("toml", "json")))
def test_org_file_round_trip_keeps_contacts_at_all_scopes(org: Organization, fmt: str) -> None:
    again = loads(dumps(org, fmt), fmt)  # type: ignore[arg-type]
    assert again.contacts == org.contacts
    for user in org.users:
        assert list(again.contacts.effective(user.username)) == list(
            org.contacts.effective(user.username)
        )


@settings(max_examples=40)
@given(organisations())
def test_effective_list_rules(org: Organization) -> None:
    part: Contacts = org.contacts
    everyone = part.effective_lists()
    for user in org.users:
        entries = list(part.effective(user.username))
        assert entries == list(everyone[user.username])
        # one person + number appears once
        keys = [key for entry in entries for key in entry.contact.identity()]
        assert len(keys) == len(set(keys))
        shown = set(keys)
        hidden = {h.key() for h in part.hidden_by(user.username)}
        scopes = [Scope.organization(), *(Scope.group(g) for g in user.groups)]
        scopes.append(Scope.user(user.username))
        for scope in scopes:
            for contact in part.at(scope):
                reached = not shown.isdisjoint(contact.identity())
                # every reachable contact is in the list unless the user hid it
                assert reached or not hidden.isdisjoint(contact.identity())
                if contact.kind is ContactKind.MANDATORY:
                    assert reached
        for entry in entries:
            # a user's own contact wins over every inherited version of it
            own = part.at(Scope.user(user.username))
            if any(entry.contact.same_as(c) for c in own):
                assert entry.source.kind is ScopeKind.USER


_FIELD_VALUES = st.sampled_from(
    ("", " ", "Jan", " Peeters ", "a\nb", "x\x00", "a@b.be", "12", "1*#")
)
_FIELDS = st.dictionaries(
    st.sampled_from(
        ("first_name", "last_name", "company", "short_name", "city", "email", "speed_dial")
    ),
    _FIELD_VALUES,
)


@settings(max_examples=200)
@given(_FIELDS, st.sampled_from(ContactKind) | st.none(), phone_entries())
def test_the_import_shortcut_builds_what_the_constructor_builds(
    fields: dict[str, object], kind: ContactKind | None, phones: tuple[PhoneEntry, ...]
) -> None:
    if kind is not None:
        fields["kind"] = kind
    try:
        expected: Contact | str = Contact(phones=phones, **fields)  # type: ignore[arg-type]
    except InvalidValueError as exc:
        expected = str(exc)
    try:
        got: Contact | str = Contact._of(fields, phones)
    except InvalidValueError as exc:
        got = str(exc)
    assert got == expected
    for entry in phones:
        same = PhoneEntry._of(entry.type, entry.number, entry.abbreviated, entry.preferred)
        assert same == entry
