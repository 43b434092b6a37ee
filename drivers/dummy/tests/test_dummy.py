"""The dummy driver: installed like any driver, its plain text read back exactly."""

from __future__ import annotations

import importlib.metadata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cloudtel_dummy
from cloudtel import plugins
from cloudtel.driverkit import (
    ConfigParseError,
    Directory,
    DirectoryEntry,
    DirectoryNumber,
    ExtensionKey,
    InvalidValueError,
    KeyLayout,
    LineKey,
    PhoneContext,
    PhoneModel,
    PhoneNumberKey,
    SipAccount,
    SipPhone,
)
from cloudtel.testing import (
    assert_renders,
    assert_round_trip,
    full_phone,
    hostile_text,
    layouts,
    one_line_text,
    parameter_names,
)

D1, D2 = cloudtel_dummy.D1, cloudtel_dummy.D2
ACCOUNT = SipAccount(
    username="steven", password="s3cr=t:x", display_name="Steven", registrar="sip.orange.be"
)
CONTEXT = PhoneContext(
    accounts=[ACCOUNT],
    names={"adel@orange.be": "Adel Al Koubaisy"},
    server_url="http://prov.example/orange/",
)


def _phone(layout: KeyLayout | None = None, modules: int = 0, model: str = "D1") -> SipPhone:
    return SipPhone(
        mac="08000FBBAD78",
        family="dummy",
        model=model,
        layout=layout or KeyLayout(),
        expansion_modules=modules,
    )


def _render(phone: SipPhone, context: PhoneContext = CONTEXT, model: PhoneModel = D1) -> str:
    files = cloudtel_dummy.DRIVER.cloudtel_render_phone(phone=phone, model=model, context=context)
    assert files is not None
    return files[0].content.decode()


def test_the_entry_point_names_the_driver_object() -> None:
    found = {e.name: e for e in importlib.metadata.entry_points(group="cloudtel.drivers")}
    assert found["dummy"].value == "cloudtel_dummy:DRIVER"
    assert found["dummy"].load() is cloudtel_dummy.DRIVER


def test_the_installed_driver_is_found_through_the_plugin_manager() -> None:
    assert plugins.find_model("dummy", "d2") is D2
    files = plugins.get_driver("dummy").render_phone(_phone(KeyLayout({"L1": LineKey()})), CONTEXT)
    assert [f.path for f in files] == ["08000fbbad78.txt"]


def test_catalogue_has_a_source_per_number() -> None:
    assert cloudtel_dummy.MODELS == (D1, D2)
    for model in cloudtel_dummy.MODELS:
        for field in ("line_keys", "programmable_keys", "expansion_modules", "expansion_keys"):
            assert model.source(field)


FULL_TEXT = (
    "# cloudtel dummy: Dummy D2 08000FBBAD78 reception # 1\n"
    "account: steven\n"
    "password: s3cr=t:x\n"
    "registrar: sip.orange.be\n"
    "port: 5060\n"
    "transport: udp\n"
    "name: Stéven Lathouwers\n"
    "directory: http://prov.example/orange/08000fbbad78-directory.txt\n"
    "L1: line 1\n"
    "L2: extension adel@orange.be Adel Al Koubaisy\n"
    "L3: extension nobody@orange.be nobody\n"
    "L4: empty\n"
    'L5: number +3212341234 Klant "A" # 1 BV\n'
    "L6: empty\n"
    "L7: empty\n"
    "L8: empty\n"
    "P1: empty\n"
    "P2: empty\n"
)


def test_the_full_phone_file() -> None:
    case = full_phone(D2, "08000FBBAD78")
    assert_renders(cloudtel_dummy.DRIVER.cloudtel_render_phone, case, "08000fbbad78.txt", FULL_TEXT)


def test_every_key_of_the_attached_modules_is_written() -> None:
    layout = KeyLayout({"E1.2": ExtensionKey(username="adel@orange.be")})
    text = _render(_phone(layout, modules=1))
    assert parameter_names(text, ":")[-6:] == ["L1", "L2", "L3", "L4", "E1.1", "E1.2"]
    assert text.endswith("E1.1: empty\nE1.2: extension adel@orange.be Adel Al Koubaisy\n")


def test_a_phone_without_account_or_server_url() -> None:
    text = _render(_phone(), PhoneContext())
    assert parameter_names(text, ":") == ["L1", "L2", "L3", "L4"]
    assert cloudtel_dummy.parse_config(D1, text).account is None


def test_an_authentication_name_and_transport_are_written_and_read() -> None:
    account = SipAccount(
        username="1001", password="pw", registrar="10.0.0.1", auth_name="a.1001", port=5061
    )
    context = PhoneContext(accounts=[account])
    text = _render(_phone(), context)
    assert "auth: a.1001\n" in text
    assert cloudtel_dummy.parse_config(D1, text).account == account


@pytest.mark.parametrize(
    ("account", "field"),
    [
        (SipAccount(username="a b", password="pw", registrar="h"), "SIP user name"),
        (SipAccount(username="a", password="p w", registrar="h"), "SIP password"),
        (SipAccount(username="a", password="pw", registrar="bad host"), "registrar"),
    ],
)
def test_a_value_that_cannot_be_written_is_refused(account: SipAccount, field: str) -> None:
    with pytest.raises(InvalidValueError, match=f"phone 08000FBBAD78: {field}") as info:
        _render(_phone(), PhoneContext(accounts=[account]))
    assert info.value.context["field"] == field


def test_other_families_are_not_answered() -> None:
    other = PhoneModel(family="acme", name="A1", line_keys=1, sources=dict(D1.sources))
    driver = cloudtel_dummy.DRIVER
    assert driver.cloudtel_render_phone(phone=_phone(), model=other, context=CONTEXT) is None
    assert driver.cloudtel_parse_config(model=other, text="") is None


def test_parse_a_hand_written_config() -> None:
    text = """
    # written by hand
    account :  steven
    password: pw
    registrar: pbx.example.org
    volume: 11
    L3 : number 092470680   Reception
    E1.1: line 2
    """
    parsed = cloudtel_dummy.parse_config(D1, text)
    assert parsed.account == SipAccount(
        username="steven", password="pw", registrar="pbx.example.org"
    )
    assert parsed.layout == KeyLayout(
        {"L3": PhoneNumberKey(label="Reception", number="+3292470680"), "E1.1": LineKey(account=2)}
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("account: a\nno separator here", r"line 2: 'no separator here' is not 'name: value'"),
        ("L9: line 1", "line 1: the Dummy D1 has no key L9"),
        ("L1: blinking", "line 1: 'blinking' is not a key"),
        ("L1: number 12", "line 1: .*12"),
        ("account: a\nport: x", "line 2: port 'x' is not a number"),
        ("account: a\ntransport: sctp", "line 2: transport 'sctp' is not udp, tcp or tls"),
    ],
)
def test_what_cannot_be_read_names_the_line(text: str, message: str) -> None:
    with pytest.raises(ConfigParseError, match=message):
        cloudtel_dummy.parse_config(D1, text)


def test_the_directory_is_one_line_per_entry() -> None:
    directory = Directory(
        title="Orange labo",
        entries=[
            DirectoryEntry(
                name="Adel: Al, Koubaisy",
                numbers=[
                    DirectoryNumber(label="work", number="+3227811601"),
                    DirectoryNumber(label="mobile", number="+32475123456"),
                ],
            ),
            DirectoryEntry(name="Pizza\tplace", numbers=[DirectoryNumber(number="+3212341234")]),
        ],
    )
    files = cloudtel_dummy.DRIVER.cloudtel_render_directory(
        phone=_phone(), model=D1, directory=directory, context=CONTEXT
    )
    assert files is not None
    assert [f.path for f in files] == ["08000fbbad78-directory.txt"]
    assert files[0].content.decode() == (
        "# Orange labo\n"
        "Adel Al Koubaisy: work +3227811601, mobile +32475123456\n"
        "Pizza place: +3212341234\n"
    )


# --- properties -------------------------------------------------------------------

accounts = st.builds(
    SipAccount,
    username=st.from_regex(r"[!-~]{1,20}", fullmatch=True),
    password=st.from_regex(r"[!-~]{1,20}", fullmatch=True),
    display_name=one_line_text(),
    registrar=st.from_regex(r"[a-z0-9][a-z0-9.\-]{0,20}", fullmatch=True),
)


@settings(max_examples=60, deadline=None)
@given(
    layout=layouts(D1), account=accounts, names=st.dictionaries(st.just("x@y.be"), hostile_text())
)
def test_property_parse_render_gives_the_layout_and_account(
    layout: KeyLayout, account: SipAccount, names: dict[str, str]
) -> None:
    case = (_phone(layout, modules=1), D1, PhoneContext(accounts=[account], names=names))
    assert_round_trip(
        cloudtel_dummy.DRIVER.cloudtel_render_phone,
        cloudtel_dummy.parse_config,
        cloudtel_dummy.display_text,
        case,
    )


@settings(max_examples=100, deadline=None)
@given(label=one_line_text(), name=hostile_text())
def test_property_no_text_adds_a_line_or_a_parameter(label: str, name: str) -> None:
    layout = KeyLayout(
        {
            "L1": PhoneNumberKey(label=label, number="+3212341234"),
            "L2": ExtensionKey(username="a@b.be"),
        }
    )
    text = _render(_phone(layout), PhoneContext(names={"a@b.be": name}))
    assert parameter_names(text, ":") == ["L1", "L2", "L3", "L4"]
    assert len(text.splitlines()) == 5  # and the comment line at the top
