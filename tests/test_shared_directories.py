"""Shared directories: the folder grows with phones + users, not phones × users.

Defect (issue 12, item 10): every phone's file listed the whole organisation, so 4 000
phones took 49 s and 1.5 GB. Now one directory per organisation (per family format),
fetched by URL and paged, plus a small contacts file only for users whose contacts
differ from the organisation's.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

import cloudtel_mitel
import cloudtel_yealink
from cloudtel import NumberRange, Organization, User, UserGroup
from cloudtel.contacts import Contact, PhoneEntry
from cloudtel.devices import SipPhone
from cloudtel.directory import SharedDirectories, colleague_entries
from cloudtel.provisioning import ProvisioningSettings, provision, render_phone
from cloudtel.users import Settings, Visibility

URL = "http://prov.example.be/"


def _org(users: int, phones: int | None = None) -> Organization:
    org = Organization(
        name="Acme",
        domain="acme.example",
        number_ranges=[NumberRange.parse("+3227800000-+3227809999")],
    )
    org.add_group(UserGroup(name="Sales"))
    for n in range(users):
        org.add_user(
            User(
                username=f"user{n:04d}@acme.example",
                first_name=f"First{n}",
                last_name=f"Last{n}",
                primary_line=f"+322780{n:04d}",
            )
        )
    count = users if phones is None else phones
    org.phones.phones = tuple(
        SipPhone(
            mac=f"{0x080000000000 + n:012x}",
            family="mitel" if n % 2 == 0 else "yealink",
            model="6940" if n % 2 == 0 else "T54W",
            user=f"user{n:04d}@acme.example",
        )
        for n in range(count)
    )
    return org


def _settings(org: Organization) -> ProvisioningSettings:
    return ProvisioningSettings(
        server_url=URL, sip_passwords={u.username: "pw-x" for u in org.users}
    )


def _xml(content: bytes) -> etree._Element:
    return etree.fromstring(content, etree.XMLParser(resolve_entities=False))


def _size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def test_the_folder_grows_with_phones_plus_users_not_their_product(tmp_path: Path) -> None:
    small, large = _org(150), _org(300)
    provision(small, tmp_path / "small", _settings(small))
    provision(large, tmp_path / "large", _settings(large))
    _, small_bytes = _size(tmp_path / "small")
    large_files, large_bytes = _size(tmp_path / "large")
    # twice the users and twice the phones: about twice the bytes (phones × users: 4×)
    assert large_bytes < 2.2 * small_bytes
    # one file per phone, the directories, the manifest: no directory file per phone
    assert large_files - 300 < 0.1 * 300
    assert not list((tmp_path / "large").glob("*-directory*.xml"))


def test_every_phone_points_at_the_one_shared_directory_of_its_family(tmp_path: Path) -> None:
    org = _org(40)
    provision(org, tmp_path, _settings(org))
    mitel = (tmp_path / "080000000000.cfg").read_text().upper()
    assert f"DIRECTORY SCRIPT: {URL}DIRECTORY/MITEL-ORG.XML".upper() in mitel
    for n in (1, 3, 39):
        yealink = (tmp_path / f"{0x080000000000 + n:012x}.cfg").read_text()
        assert f"remote_phonebook.data.1.url = {URL}directory/yealink-org.xml" in yealink
        assert "remote_phonebook.data.2" not in yealink  # nobody has contacts of their own
    shared = _xml((tmp_path / "directory/yealink-org.xml").read_bytes())
    names = [e.findtext("Name") for e in shared.iter("DirectoryEntry")]
    assert len(names) == 40  # every colleague with a line, the phone's own user too
    assert names == sorted(names, key=str.casefold)


def test_a_large_organisation_is_paged_for_both_families(tmp_path: Path) -> None:
    users = cloudtel_yealink.PAGE_ENTRIES + 200
    org = _org(users, phones=4)
    provision(org, tmp_path, _settings(org))
    # Mitel: objects of at most 10 000 bytes, each but the last linking to the next
    pages = sorted((tmp_path / "directory").glob("mitel-org*.xml"))
    assert len(pages) > 10
    items = 0
    for page in pages:
        assert page.stat().st_size <= cloudtel_mitel.MAX_OBJECT_BYTES
        menu = _xml(page.read_bytes())
        items += sum(1 for item in menu.iter("MenuItem") if item.findtext("Prompt") != "Next page")
    assert items == users
    first = _xml((tmp_path / "directory/mitel-org.xml").read_bytes())
    assert first.findall("MenuItem")[-1].findtext("URI") == f"{URL}directory/mitel-org-2.xml"
    # Yealink: a menu of pages, each a phonebook
    menu = _xml((tmp_path / "directory/yealink-org.xml").read_bytes())
    assert menu.tag == "YealinkIPPhoneMenu"
    urls = [item.findtext("URL") for item in menu.iter("MenuItem")]
    assert urls == [f"{URL}directory/yealink-org-1.xml", f"{URL}directory/yealink-org-2.xml"]
    entries = 0
    for number in (1, 2):
        book = _xml((tmp_path / f"directory/yealink-org-{number}.xml").read_bytes())
        entries += len(book.findall("DirectoryEntry"))
    assert entries == users
    assert menu.findall("MenuItem")[0].findtext("Name").startswith("First0 Last0 - First")


def test_only_users_whose_contacts_differ_get_a_contacts_file(tmp_path: Path) -> None:
    org = _org(6)
    org.contacts.add("org", Contact(company="Bakkerij", phones=[PhoneEntry(number="+3292230011")]))
    org.contacts.add(
        "group:Sales", Contact(company="Garage", phones=[PhoneEntry(number="+3292230022")])
    )
    for n in (0, 1, 2, 3):  # two Mitel and two Yealink phones in Sales
        org.add_member(f"user{n:04d}@acme.example", "Sales")
    org.contacts.add(
        "user:user0002@acme.example",
        Contact(company="Own", phones=[PhoneEntry(number="+3292230033")]),
    )
    provision(org, tmp_path, _settings(org))
    contacts = sorted(p.name for p in (tmp_path / "directory").glob("*-contacts-*.xml"))
    # Sales members share one file per family; user 2 has their own (Mitel)
    assert len(contacts) == 3
    plain = render_phone(org, "080000000004", _settings(org))  # not in Sales
    assert plain.shared == {"directory/mitel-org.xml"}
    sales = render_phone(org, "080000000001", _settings(org))
    (own,) = sales.shared - {"directory/yealink-org.xml"}
    text = (tmp_path / own).read_text()
    assert "Garage" in text
    assert "Bakkerij" in text
    assert "First" not in text  # colleagues stay in the shared directory
    two = render_phone(org, "080000000002", _settings(org))
    assert "Own" in next(f for f in two.files if "-contacts-" in f.path).content.decode()
    shared = (tmp_path / "directory/mitel-org.xml").read_text()
    assert "Bakkerij" in shared
    assert "Garage" not in shared


def test_shared_directories_of_a_phone_without_a_user_are_the_organisations() -> None:
    org = _org(3)
    assert SharedDirectories(org).contacts_of(None) is None
    org.phones.update("080000000000", user=None)
    files = render_phone(org, "080000000000", _settings(org))
    assert files.shared == {"directory/mitel-org.xml"}
    assert files.accounts == 0


_visibility = st.none() | st.sampled_from(list(Visibility))


@given(
    org_value=_visibility,
    group_values=st.lists(_visibility, min_size=3, max_size=3),
    users=st.lists(
        st.tuples(_visibility, st.sets(st.sampled_from(["G0", "G1", "G2"]))),
        min_size=1,
        max_size=6,
    ),
)
def test_the_shared_directory_hides_exactly_whom_resolve_settings_hides(
    org_value: Visibility | None,
    group_values: list[Visibility | None],
    users: list[tuple[Visibility | None, set[str]]],
) -> None:
    org = Organization(
        name="Acme",
        domain="acme.example",
        number_ranges=[NumberRange.parse("+3227800000-+3227809999")],
        settings=Settings(directory_visibility=org_value),
    )
    for index, value in enumerate(group_values):
        org.add_group(UserGroup(name=f"G{index}", settings=Settings(directory_visibility=value)))
    for n, (value, groups) in enumerate(users):
        org.add_user(
            User(
                username=f"u{n}@acme.example",
                first_name=f"U{n}",
                primary_line=f"+322780{n:04d}",
                groups=tuple(sorted(groups)),
                settings=Settings(directory_visibility=value),
            )
        )
    shown = {username for username, _entry in colleague_entries(org)}
    expected = {
        u.username
        for u in org.users
        if org.resolve_settings(u.username)["directory_visibility"].value is not Visibility.HIDDEN
    }
    assert shown == expected


_ORG_CONTACTS = ("Bakkerij", "Garage", "Kapper")


@given(
    groups=st.lists(st.booleans(), min_size=4, max_size=4),
    hides=st.lists(st.sets(st.sampled_from(_ORG_CONTACTS)), min_size=4, max_size=4),
)
def test_the_contacts_a_phone_shows_are_its_users_effective_list(
    groups: list[bool], hides: list[set[str]]
) -> None:
    # Law: shared directory (its contacts) + the user's contacts file, as sets, are the
    # user's effective list: nothing a user hid, nothing missing (defect: a hidden
    # organisation contact still showed through the shared directory).
    org = _org(4)
    for n, company in enumerate(_ORG_CONTACTS):
        org.contacts.add(
            "org", Contact(company=company, phones=[PhoneEntry(number=f"+329223001{n}")])
        )
    org.contacts.add(
        "group:Sales", Contact(company="Slager", phones=[PhoneEntry(number="+3292230099")])
    )
    for n, (member, hidden) in enumerate(zip(groups, hides, strict=True)):
        username = f"user{n:04d}@acme.example"
        if member:
            org.add_member(username, "Sales")
        for entry in list(org.contacts.effective(username)):
            if entry.contact.name in hidden:
                org.contacts.hide(username, entry.contact)
    directories = SharedDirectories(org)
    colleagues = {entry.name for _user, entry in colleague_entries(org)}
    shared = {e.name for e in directories.shared.entries} - colleagues
    assert shared <= set(_ORG_CONTACTS)
    for n, hidden in enumerate(hides):
        username = f"user{n:04d}@acme.example"
        own = directories.contacts_of(username)
        shown = shared | ({e.name for e in own.entries} if own else set())
        effective = {e.contact.name for e in org.contacts.effective(username)}
        assert shown == effective
        assert not shown & hidden
    # a phone without a user shows the organisation's contacts, all of them
    own = directories.contacts_of(None)
    assert shared | ({e.name for e in own.entries} if own else set()) == set(_ORG_CONTACTS)
