"""The Mitel driver: what a 6900 phone receives, what comes back, and that nothing injects."""

from __future__ import annotations

import re

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

import cloudtel_mitel
from cloudtel.devices import check_layout
from cloudtel.driverkit import (
    ConfigParseError,
    Directory,
    DirectoryEntry,
    DirectoryNumber,
    ExtensionKey,
    InvalidValueError,
    KeyLayout,
    KeyPosition,
    KeySet,
    LineKey,
    PhoneContext,
    PhoneModel,
    PhoneNumberKey,
    SipAccount,
    SipPhone,
)
from cloudtel.phone_clock import time_rule
from cloudtel.testing import (
    assert_round_trip,
    hostile_text,
    layouts,
    one_line_text,
    parameter_names,
    xml_roots,
)

M6940 = next(m for m in cloudtel_mitel.MODELS if m.name == "6940")
ACCOUNT = SipAccount(
    username="steven.lathouwers",
    password="s3cr=t:x",
    display_name="Steven Lathouwers",
    registrar="sip.orange.be",
)
CONTEXT = PhoneContext(
    accounts=[ACCOUNT],
    names={"adel.alkoubaisy@orange.be": "Adel Al Koubaisy"},
    server_url="http://prov.example/orange/",
)
MANUAL_LAYOUT = KeyLayout(
    {
        "T20": ExtensionKey(username="adel.alkoubaisy@orange.be"),
        "T21": LineKey(),
        "T22": PhoneNumberKey(label="example", number="+3212341234"),
    }
)


def _phone(layout: KeyLayout = MANUAL_LAYOUT, modules: int = 0) -> SipPhone:
    return SipPhone(
        mac="08000FBBAD78", family="mitel", model="6940", layout=layout, expansion_modules=modules
    )


def _render(phone: SipPhone, context: PhoneContext = CONTEXT, model: PhoneModel = M6940) -> str:
    files = cloudtel_mitel.DRIVER.cloudtel_render_phone(phone=phone, model=model, context=context)
    assert files is not None
    return files[0].content.decode()


def test_catalogue_has_the_four_models_with_a_source_per_number() -> None:
    assert [m.name for m in cloudtel_mitel.MODELS] == ["6920", "6930", "6940", "6970"]
    for model in cloudtel_mitel.MODELS:
        for field in ("line_keys", "expansion_modules", "expansion_keys", "max_accounts"):
            assert model.source(field)
    assert M6940.expansion_module == "M695"


def test_the_manuals_phone() -> None:
    files = cloudtel_mitel.DRIVER.cloudtel_render_phone(
        phone=_phone(), model=M6940, context=CONTEXT
    )
    assert files is not None
    assert files[0].path == "08000FBBAD78.cfg"
    text = files[0].content.decode()
    assert "sip line1 user name: steven.lathouwers\n" in text
    assert "sip line1 password: s3cr=t:x\n" in text
    assert "directory script: http://prov.example/orange/08000FBBAD78-directory.xml\n" in text
    assert (
        "topsoftkey20 type: blf\ntopsoftkey20 label: Adel Al Koubaisy\n"
        "topsoftkey20 value: adel.alkoubaisy\ntopsoftkey20 line: 1\ntopsoftkey20 locked: 1\n"
    ) in text
    assert "topsoftkey21 type: line\n" in text
    assert "topsoftkey22 type: speeddial\ntopsoftkey22 label: example\n" in text
    assert "topsoftkey22 value: +3212341234\n" in text


def test_every_unused_key_is_reset() -> None:
    text = _render(_phone(modules=2))
    types = re.findall(r"^(topsoftkey\d+|expmod\d key\d+) type: (\w+)$", text, re.MULTILINE)
    assert len(types) == 48 + 2 * 84
    assert sum(1 for _name, kind in types if kind == "none") == 48 + 2 * 84 - 3
    assert "expmod3" not in text  # only attached modules


def test_other_families_are_not_answered() -> None:
    other = PhoneModel(family="yealink", name="T46U", line_keys=1, sources=M6940.sources)
    assert (
        cloudtel_mitel.DRIVER.cloudtel_render_phone(phone=_phone(), model=other, context=CONTEXT)
        is None
    )
    assert cloudtel_mitel.DRIVER.cloudtel_parse_config(model=other, text="") is None


def test_parse_reads_back_what_render_wrote() -> None:
    parsed = cloudtel_mitel.parse_config(M6940, _render(_phone()))
    assert parsed.layout["T20"] == ExtensionKey(username="adel.alkoubaisy")  # the SIP user
    assert CONTEXT.resolve_layout(parsed.layout) == MANUAL_LAYOUT
    assert parsed.account == ACCOUNT


# --- issue 12: what a real phone needs ------------------------------------------------

MANUALS_KEYS = KeyLayout(
    {f"T{n}": ExtensionKey(username=f"user{n}@orange.be") for n in range(20, 28)}
)


def test_the_manuals_keys_t20_to_t27_fit_a_6940() -> None:
    # The operator manual (section 8) programs T20 … T27 on a mitel6940.
    check_layout(layout=MANUALS_KEYS, model=M6940, phone="08000FBBAD78")
    text = _render(_phone(MANUALS_KEYS))
    assert "topsoftkey25 type: blf\n" in text
    assert "topsoftkey27 value: user27\n" in text
    assert "topsoftkey48 type: none\n" in text
    assert "topsoftkey49" not in text
    assert "sources" not in M6940.source("line_keys")  # a text, naming where 48 comes from
    assert "6900_Keymaps" in M6940.source("line_keys")


def test_keys_keep_their_position_and_user_changes_do_not_survive_a_reload() -> None:
    text = _render(_phone())
    # Collapsing (on by default) would move T20 to the first position.
    assert "\ncollapsed softkey screen: 0\n" in text
    assert text.index("collapsed softkey screen: 0") < text.index("topsoftkey1 type")
    locked = re.findall(r"^topsoftkey(\d+) locked: 1$", text, re.MULTILINE)
    assert [int(n) for n in locked] == list(range(1, 49))  # every key, used or reset
    assert "expmod" not in text  # no module attached


def test_a_blf_key_watches_the_identity_the_colleague_registers() -> None:
    text = _render(_phone())
    assert "topsoftkey20 value: adel.alkoubaisy\n" in text
    assert "sip line1 registrar ip: sip.orange.be\n" in text  # watched at the same server
    assert "@orange.be" not in text


def test_the_menus_speak_the_users_language() -> None:
    nl = _render(_phone(), attrs.evolve(CONTEXT, language="nl"))
    assert "language 1: lang_nl_nl.txt\nlanguage: 1\ninput language: Dutch\n" in nl
    fr = _render(_phone(), attrs.evolve(CONTEXT, language="fr"))
    assert "language 1: lang_fr.txt\nlanguage: 1\ninput language: French\n" in fr
    assert "\nlanguage: 0\n" in _render(_phone(), attrs.evolve(CONTEXT, language="en"))


@pytest.mark.parametrize("field", ["password", "username", "auth_name"])
def test_credentials_longer_than_20_characters_are_refused(field: str) -> None:
    long = "A" * 20 + "-secret"
    account = attrs.evolve(ACCOUNT, **{field: long})
    with pytest.raises(InvalidValueError, match="at most 20 characters") as info:
        _render(_phone(), attrs.evolve(CONTEXT, accounts=[account]))
    if field == "password":
        assert "SIP password (27 characters, not shown)" in str(info.value)
        assert long not in str(info.value)
        assert long not in repr(info.value.context)
    ok = attrs.evolve(ACCOUNT, **{field: "A" * 20})
    assert "A" * 20 in _render(_phone(), attrs.evolve(CONTEXT, accounts=[ok]))


def test_the_common_files_carry_the_organisations_clock_and_pickup_code() -> None:
    context = PhoneContext(
        time_rule=time_rule("Europe/Brussels", 2026),
        ntp_server="be.pool.ntp.org",
        date_format="DD-MMM-YY",
        pickup_code="*8",
    )
    files = cloudtel_mitel.DRIVER.cloudtel_common_files(models=[M6940], context=context)
    assert files is not None
    assert [f.path for f in files] == ["startup.cfg", "aastra.cfg"]
    assert files[0].content == files[1].content
    text = files[0].content.decode()
    assert text.endswith(
        "time zone name: Custom\n"
        "time zone minutes: -60\n"
        "dst config: 3\n"
        "dst minutes: 60\n"
        "dst [start|end] relative date: 1\n"
        "dst start month: 3\n"
        "dst start week: -1\n"
        "dst start day: 1\n"
        "dst start hour: 2\n"
        "dst end month: 10\n"
        "dst end week: -1\n"
        "dst end day: 1\n"
        "dst end hour: 3\n"
        "time server disabled: 0\n"
        "time server1: be.pool.ntp.org\n"
        "date format: 1\n"
        "directed call pickup prefix: *8\n"
    )


def test_a_common_file_is_never_empty() -> None:
    files = cloudtel_mitel.common_files([M6940], PhoneContext())
    assert all(f.content.startswith(b"# cloudtel: common file") for f in files)


def test_parse_a_hand_written_config() -> None:
    text = """
    # written by hand
    SIP Line1 User Name : "steven"    # the user
    sip line1 password: pw
    sip registrar ip: pbx.example.org
    !topsoftkey3 type: speeddial
    topsoftkey3 value: 09 247 06 80
    topsoftkey3 label: "Reception"
    unknown parameter: whatever
    expmod1 key2 type: blf
    expmod1 key2 value: 5000
    softkey1 type: none
    """
    parsed = cloudtel_mitel.parse_config(M6940, text)
    assert parsed.account is not None
    assert (parsed.account.username, parsed.account.registrar) == ("steven", "pbx.example.org")
    assert parsed.layout == KeyLayout(
        {
            "L3": PhoneNumberKey(label="Reception", number="+3292470680"),
            "E1.2": ExtensionKey(username="5000"),
        }
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("topsoftkey1 type line", r"line 1: 'topsoftkey1 type line' is not 'parameter: value'"),
        ("\n\ntopsoftkey1 type: dnd", r"line 3: topsoftkey1 has type 'dnd'.*supported types"),
        ("topsoftkey49 type: line", r"topsoftkey49 is not a key of the Mitel 6940"),
        ("topsoftkey1 type: speeddial\ntopsoftkey1 value: *97", r"line 2: speed dial"),
        ("topsoftkey1 type: blf", r"blf key without a value"),
    ],
)
def test_parse_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(ConfigParseError, match=message):
        cloudtel_mitel.parse_config(M6940, text)


def test_credentials_that_cannot_be_written_are_refused() -> None:
    bad = PhoneContext(accounts=[SipAccount(username="a#b", password="x", registrar="h")])
    with pytest.raises(InvalidValueError, match="phone 08000FBBAD78: SIP user name 'a#b'"):
        _render(_phone(), bad)


def test_directory_pages_stay_under_the_object_limit() -> None:
    entries = [
        DirectoryEntry(
            name=f"Colleague {i} <&>",
            numbers=[
                DirectoryNumber(label="work", number="+3227811601"),
                DirectoryNumber(label="mobile", number="+32475123456"),
            ],
        )
        for i in range(120)
    ]
    files = cloudtel_mitel.render_directory(_phone(), Directory(entries=entries), CONTEXT)
    assert len(files) > 1
    prompts = []
    for index, page in enumerate(files, start=1):
        assert len(page.content) <= cloudtel_mitel.MAX_OBJECT_BYTES
        root = etree.fromstring(page.content)
        assert root.tag == "AastraIPPhoneTextMenu"
        uris = [item.findtext("URI") for item in root.iter("MenuItem")]
        if index < len(files):
            assert uris[-1] == f"http://prov.example/orange/08000FBBAD78-directory-{index + 1}.xml"
            uris = uris[:-1]
        prompts += [item.findtext("Prompt") for item in root.iter("MenuItem")][: len(uris)]
        assert all(uri.startswith("Dial:+32") for uri in uris)
    assert len(prompts) == 240
    assert prompts[0] == "Colleague 0 <&> (work)"


# --- properties -------------------------------------------------------------------

NASTY = hostile_text()
ONE_LINE = one_line_text()

accounts = st.builds(
    SipAccount,
    username=st.from_regex(r"[!$-~]{1,20}", fullmatch=True),
    password=st.from_regex(r"[!$-~]{1,20}", fullmatch=True),
    display_name=ONE_LINE,
    registrar=st.from_regex(r"[a-z0-9][a-z0-9.\-]{0,20}", fullmatch=True),
)


@settings(max_examples=60, deadline=None)
@given(layout=layouts(M6940), account=accounts, names=st.dictionaries(st.just("x@y.be"), NASTY))
def test_property_parse_render_gives_the_layout_and_account(
    layout: KeyLayout, account: SipAccount, names: dict[str, str]
) -> None:
    case = (_phone(layout, modules=1), M6940, PhoneContext(accounts=[account], names=names))
    assert_round_trip(
        cloudtel_mitel.DRIVER.cloudtel_render_phone,
        cloudtel_mitel.parse_config,
        cloudtel_mitel.display_text,
        case,
    )


@settings(max_examples=100, deadline=None)
@given(label=ONE_LINE, name=NASTY)
def test_property_no_text_adds_a_line_or_a_parameter(label: str, name: str) -> None:
    layout = KeyLayout({"T1": PhoneNumberKey(label=label, number="+3212341234")})
    context = PhoneContext(names={"a@b.be": name})
    layout = layout.with_key("T2", ExtensionKey(username="a@b.be"))
    text = _render(_phone(layout), context)
    expected = ["collapsed softkey screen"] + [
        f"topsoftkey{i} {f}"
        for i in range(1, 49)
        for f in ("type", "label", "value", "line", "locked")
    ]
    assert parameter_names(text, ":") == expected
    lines = text.splitlines()
    assert len(lines) == len(expected) + 2  # the two comment lines at the top
    assert all("#" not in line for line in lines[2:])
    assert KeyPosition(set=KeySet.LINE, index=1) in cloudtel_mitel.parse_config(M6940, text).layout


@settings(max_examples=100, deadline=None)
@given(names=st.lists(ONE_LINE, max_size=5), title=ONE_LINE)
def test_property_directory_xml_is_well_formed(names: list[str], title: str) -> None:
    entries = [
        DirectoryEntry(name=n, numbers=[DirectoryNumber(label="work", number="+3227811601")])
        for n in names
    ]
    directory = Directory(title=title, entries=entries)
    for root in xml_roots(cloudtel_mitel.render_directory(_phone(), directory, CONTEXT)):
        assert len(root.findall("MenuItem")) == len(entries)
        prompts = [item.findtext("Prompt") or "" for item in root.iter("MenuItem")]
        assert prompts == [cloudtel_mitel.display_text(e.name) for e in entries]


@given(text=NASTY)
def test_property_display_text_is_one_safe_line(text: str) -> None:
    shown = cloudtel_mitel.display_text(text)
    assert len(shown) <= cloudtel_mitel.MAX_LABEL
    assert not set(shown) & set('#"\n\r\x0b\x0c\x85\u2028\u2029')
    assert shown == shown.strip()
    assert cloudtel_mitel.display_text(shown) == shown
