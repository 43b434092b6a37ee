"""The fast readers of users, phones and contacts read a file as cattrs' way does.

Tables with good and bad values of every field (wrong types, unknown keys, numbers
that are not numbers or not mobile, broken key layouts, …) are read twice: with the
converter cloudtel uses (fast readers first) and with the plain cattrs converter.
Either both give the same organisation, or both refuse the file with the same
problems at the same paths.
"""

from __future__ import annotations

from typing import Any

import cattrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudtel import FileProblemsError, MobilePhone, SipPhone, User, _fastread, serialization
from cloudtel.contacts.model import Contact, PhoneEntry
from cloudtel.serialization import from_data, to_data

_TEXTS = ("Ann", "", "  padded  ", "Lâst", "a\nb", "\x1b[31m", 5, None, ["x"], True)
_USERNAMES = ("ann@orange.be", " Ann@Orange.BE ", "not-an-email", 7, None, "bob@orange.be")
_GROUPS = (
    ["Sales"],
    ["Sales", "Support"],
    ["Support", "Sales"],
    ["Sales", "Sales"],
    "Sales",
    [1],
    ["Nope"],
    [],
    None,
    {"Sales": 1},
    ("Sales",),
)
_LINES = ("+3227811601", "+3227811602", "02 781 16 03", "+32470123456", "garbage", 5, None)
_ALIASES = ([], ["+3227811650"], "+3227811651", [5], None, ["+3227811601"])
_MOBILES = (
    [{"number": "+32470123456"}],
    [{"number": "+32470123457", "profile": "Advanced", "client_licence": True}],
    [{"number": "+32470123458", "full_caller_id": False, "pbx_integration": None}],
    [{"number": "+3227811699"}],
    [{"number": "garbage"}],
    [{"number": "+32470123459", "extra": 1}],
    ["+32470123460"],
    [{"number": 5}],
    [],
    None,
    [{"profile": "x"}],
    [{"number": "+32470123461", "client_licence": "yes"}],
    [{"number": "+32470123462", "profile": "two\nlines"}],
    [{"number": "+32470123456"}, {"number": "+32470123456"}],
    {"number": "+32470123463"},
)
_SETTINGS = ({}, {"language": "fr"}, {"language": "xx-yy"}, {"nope": 1}, "fr", None)

_USER_FIELDS: dict[str, tuple[Any, ...]] = {
    "first_name": _TEXTS,
    "last_name": _TEXTS,
    "department": _TEXTS,
    "email": ("ann@example.com", "nope", *_TEXTS),
    "field_1": _TEXTS,
    "groups": _GROUPS,
    "primary_line": _LINES,
    "line_type": ("Mobile VPN", None, 3, "a\nb"),
    "aliases": _ALIASES,
    "mobile_phones": _MOBILES,
    "settings": _SETTINGS,
    "unknown": (1,),
}


@st.composite
def _tables(
    draw: st.DrawFn, required: dict[str, tuple[Any, ...]], optional: dict[str, tuple[Any, ...]]
) -> dict[str, Any]:
    table = {key: draw(st.sampled_from(values)) for key, values in required.items()}
    for key in draw(st.lists(st.sampled_from(sorted(optional)), unique=True, max_size=6)):
        table[key] = draw(st.sampled_from(optional[key]))
    return table


def _users(good: int) -> st.SearchStrategy[list[dict[str, Any]]]:
    """``good`` valid users (the plain shape) and up to three drawn from every value."""
    valid = [
        {
            "username": f"user.{i}@orange.be",
            "first_name": f"First{i}",
            "groups": ["Sales"],
            "primary_line": f"+32278116{10 + i:02d}",
            "mobile_phones": [{"number": f"+3247099{i:04d}"}],
        }
        for i in range(good)
    ]
    drawn = st.lists(_tables({"username": _USERNAMES}, _USER_FIELDS), max_size=3)
    return drawn.map(lambda users: valid + users)


_LAYOUTS = (
    [{"position": "L1", "kind": "line", "account": 1}],
    [{"position": "L2", "kind": "extension", "user": "user.0@orange.be"}],
    [{"position": "L2", "kind": "extension", "user": "USER.1@orange.be "}],
    [{"position": "L3", "kind": "number", "label": " Reception ", "number": "+3292470680"}],
    [{"position": "L3", "kind": "number", "label": "Bad", "number": "garbage"}],
    [{"position": "Q9", "kind": "line", "account": 1}],
    [{"position": "L1", "kind": "line", "account": 0}],
    [{"position": "L1", "kind": "line", "account": True}],
    [{"position": "L1", "kind": "line"}],
    [{"position": "L1", "kind": "line", "account": 1, "colour": "red"}],
    [{"position": "L1", "kind": "dance"}],
    [{"kind": "line", "account": 1}],
    [{"position": "L1", "kind": "line", "account": 1}, {"position": "l1", "kind": "empty"}],
    [{"position": "L4", "kind": "extension", "user": "nobody@orange.be"}],
    [{"position": "P99", "kind": "line", "account": 1}],
    [{"position": "E1.1", "kind": "line", "account": 1}],
    [],
    "L1",
    None,
    [["L1", "line"]],
)
_PHONE_FIELDS: dict[str, tuple[Any, ...]] = {
    "description": _TEXTS,
    "user": ("user.0@orange.be", "User.1@Orange.be", "nobody@orange.be", "", None, 5),
    "firmware": ("1.2.3", 5),
    "ip_address": ("10.0.0.5", " 10.0.0.6 ", "999.1.1.1", "", 5),
    "free_seating": (True, False, "yes", 1),
    "expansion_modules": (0, 1, 3, -1, True, "1"),
    "layout": _LAYOUTS,
    "colour": ("red",),
}
_MACS = ("08000F123456", "08:00:0f:12:34:57", "0800.0f12.3458", "nope", 5, None)


def _phones() -> st.SearchStrategy[list[dict[str, Any]]]:
    required = {
        "mac": _MACS,
        "family": ("mitel", "yealink", "Mitel", "nosuch", 5),
        "model": ("6940", "T54W", "6867i", "", "a\nb"),
    }
    return st.lists(_tables(required, _PHONE_FIELDS), max_size=3)


_CONTACT_PHONES = (
    [{"number": "+3293400001"}],
    [{"number": "+3293400002", "type": "mobile", "preferred": True}],
    [{"number": "+3293400003", "type": "fax", "abbreviated": " 12 "}],
    [{"number": "garbage"}],
    [{"number": "+3293400004", "type": "pager"}],
    [{"number": "+3293400005", "preferred": "yes"}],
    [{"number": "+3293400006", "extra": 1}],
    ["+3293400007"],
    [],
    None,
)
_CONTACT_FIELDS: dict[str, tuple[Any, ...]] = {
    "first_name": _TEXTS,
    "last_name": _TEXTS,
    "company": _TEXTS,
    "city": _TEXTS,
    "email": ("a@b.be", " a@b.be ", "nope", 5),
    "speed_dial": ("12", " 7 ", "abc", 5),
    "kind": ("external", "colleague", "alien", 5),
    "colleague": ("", "user.0@orange.be", 5),
    "phones": _CONTACT_PHONES,
    "nickname": ("Bo",),
}


def _contacts() -> st.SearchStrategy[list[dict[str, Any]]]:
    return st.lists(_tables({}, _CONTACT_FIELDS), max_size=3)


def _org_data(
    users: list[dict[str, Any]], phones: list[dict[str, Any]], contacts: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "organization": {
            "name": "Labo",
            "domain": "orange.be",
            "number_ranges": ["+3227811600-+3227811699"],
        },
        "groups": [{"name": "Sales"}, {"name": "Support"}],
        "users": users,
        "phones": {"phones": phones},
        "contacts": {"organization": contacts},
    }


def _plain_converter(forbid_extra_keys: bool) -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=forbid_extra_keys, omit_if_default=True)
    serialization._configure_plain(converter, fmt="json", region="BE")
    return converter


_PLAIN = _plain_converter(True)
_PLAIN_LENIENT = _plain_converter(False)


def _outcome(data: dict[str, Any]) -> Any:
    try:
        org = from_data(data)
    except FileProblemsError as exc:
        return ("refused", exc.problems)
    return ("read", to_data(org), tuple(org.users), tuple(org.phones), org.contacts.organization)


def _outcomes(data: dict[str, Any]) -> tuple[Any, Any]:
    fast = _outcome(data)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(serialization, "_shared_converter", lambda _fmt, _region: _PLAIN)
        patch.setattr(serialization, "_lenient_converter", lambda _fmt, _region: _PLAIN_LENIENT)
        plain = _outcome(data)
    return fast, plain


@settings(max_examples=300, deadline=None)
@given(_users(good=2), _phones(), _contacts())
def test_fast_readers_read_a_file_as_cattrs_does(
    users: list[dict[str, Any]], phones: list[dict[str, Any]], contacts: list[dict[str, Any]]
) -> None:
    fast, plain = _outcomes(_org_data(users, phones, contacts))
    assert fast == plain


def test_the_plain_tables_of_a_saved_file_take_the_fast_readers() -> None:
    # read by the fast readers themselves (they raise on anything but the plain shape)
    tables: list[tuple[type[Any], dict[str, Any]]] = [
        (MobilePhone, {"number": "+32470990000", "profile": "Standard", "client_licence": False}),
        (
            User,
            {
                "username": "user.0@orange.be",
                "first_name": "Ann",
                "groups": ["Sales", "Support"],
                "primary_line": "+3227811610",
                "line_type": None,
                "aliases": ["+3227811611"],
                "mobile_phones": [{"number": "+32470990000"}],
                "settings": {"language": "fr"},
            },
        ),
        (PhoneEntry, {"number": "+3293400001", "type": "mobile", "preferred": True}),
        (Contact, {"first_name": "Bo", "phones": [{"number": "+3293400001"}]}),
        (
            SipPhone,
            {
                "mac": "08000F123456",
                "family": "mitel",
                "model": "6940",
                "user": "user.0@orange.be",
                "expansion_modules": 1,
                "layout": [
                    {"position": "L1", "kind": "line", "account": 1},
                    {"position": "L2", "kind": "number", "label": "Desk", "number": "+3292470680"},
                ],
            },
        ),
    ]
    readers: dict[type[Any], Any] = {}
    for cls, table in tables:
        read = _fastread._reader(_PLAIN, cls, readers)
        assert read is not None
        readers[cls] = read
        value = read(table)
        assert type(value) is cls
        assert value == _PLAIN.structure(table, cls)
    with pytest.raises(_fastread._NotPlainError):
        readers[User]({"username": "user.0@orange.be", "first_name": 5})
