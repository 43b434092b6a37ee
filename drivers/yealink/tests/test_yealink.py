"""The Yealink driver: what a T4xU/T5xW/T33G receives, what comes back, nothing injects."""

from __future__ import annotations

import re

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

import cloudtel_yealink
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
    PhoneNumberKey,
    SipAccount,
    SipPhone,
    Transport,
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

T54W = next(m for m in cloudtel_yealink.MODELS if m.name == "T54W")
ACCOUNT = SipAccount(
    username="steven.lathouwers",
    password="p#ss=w:rd",
    display_name="Steven Lathouwers",
    registrar="sip.orange.be",
    transport=Transport.TLS,
    port=5061,
)
CONTEXT = PhoneContext(
    accounts=[ACCOUNT],
    names={"adel.alkoubaisy@orange.be": "Adel Al Koubaisy"},
    server_url="http://prov.example/orange/",
)
LAYOUT = KeyLayout(
    {
        "L1": LineKey(),
        "L2": ExtensionKey(username="adel.alkoubaisy@orange.be"),
        "E1.60": PhoneNumberKey(label="example", number="+3212341234"),
    }
)


def _phone(layout: KeyLayout = LAYOUT, modules: int = 1) -> SipPhone:
    return SipPhone(
        mac="80:5E:C0:BD:EA:EF",
        family="yealink",
        model="T54W",
        layout=layout,
        expansion_modules=modules,
    )


def _render(phone: SipPhone, context: PhoneContext = CONTEXT) -> str:
    files = cloudtel_yealink.DRIVER.cloudtel_render_phone(phone=phone, model=T54W, context=context)
    assert files is not None
    return files[0].content.decode()


def test_catalogue_states_sources_and_conflicts() -> None:
    names = [m.name for m in cloudtel_yealink.MODELS]
    assert {"T33G", "T42U", "T43U", "T46U", "T48U", "T53W", "T54W", "T57W"} == set(names)
    t43u = next(m for m in cloudtel_yealink.MODELS if m.name == "T43U")
    assert "conflict" in t43u.source("line_keys")
    assert (T54W.line_keys, T54W.expansion_modules, T54W.expansion_keys) == (27, 3, 60)


def test_the_file_a_t54w_receives() -> None:
    files = cloudtel_yealink.DRIVER.cloudtel_render_phone(
        phone=_phone(), model=T54W, context=CONTEXT
    )
    assert files is not None
    assert files[0].path == "805ec0bdeaef.cfg"
    text = files[0].content.decode()
    assert text.startswith("#!version:1.0.0.1\n")
    assert "account.1.user_name = steven.lathouwers\n" in text
    assert "account.1.sip_server.1.transport_type = 2\n" in text
    assert "account.16.enable = 0\n" in text
    assert (
        "remote_phonebook.data.1.url = http://prov.example/orange/805ec0bdeaef-directory.xml\n"
        in text
    )
    assert "linekey.1.type = 15\nlinekey.1.line = 1\n" in text
    assert (
        "linekey.2.type = 16\nlinekey.2.line = 1\nlinekey.2.value = adel.alkoubaisy\n"
        "linekey.2.label = Adel Al Koubaisy\n"
    ) in text
    assert "expansion_module.1.key.60.type = 13\n" in text
    assert "expansion_module.1.key.60.value = +3212341234\n" in text


def test_every_unused_key_is_reset() -> None:
    types = re.findall(r"^(\S+)\.type = (\d+)$", _render(_phone()), re.MULTILINE)
    assert len(types) == 27 + 60
    assert sum(1 for _n, code in types if code == "0") == 27 + 60 - 3


def test_parse_reads_back_what_render_wrote() -> None:
    parsed = cloudtel_yealink.parse_config(T54W, _render(_phone()))
    assert parsed.layout["L2"] == ExtensionKey(username="adel.alkoubaisy")  # the SIP user
    assert CONTEXT.resolve_layout(parsed.layout) == LAYOUT
    assert parsed.account == ACCOUNT


# --- issue 12: what a real phone needs ------------------------------------------------


def test_save_and_reload_does_not_reboot_the_phone() -> None:
    # Yealink's default for sip.notify_reboot_enable is 1: every check-sync reboots.
    assert "\nsip.notify_reboot_enable = 0\n" in _render(_phone())


def test_a_blf_key_watches_the_identity_the_colleague_registers() -> None:
    # Adel's phone registers as adel.alkoubaisy at sip.orange.be (account 1's server);
    # the key on line 1 must watch that user, not adel.alkoubaisy@orange.be.
    context = attrs.evolve(CONTEXT, sip_users={"adel.alkoubaisy@orange.be": "adel.alkoubaisy"})
    text = _render(_phone(), context)
    assert "linekey.2.value = adel.alkoubaisy\n" in text
    assert "@orange.be" not in text
    assert "account.1.sip_server.1.address = sip.orange.be\n" in text


def test_a_blf_key_picks_up_with_the_pickup_code() -> None:
    text = _render(_phone(), attrs.evolve(CONTEXT, pickup_code="*8"))
    assert "linekey.2.pickup_value = *8\nlinekey.2.extension = *8\n" in text
    assert "pickup_value" not in _render(_phone())  # no code: nothing written


@pytest.mark.parametrize(
    ("language", "line"),
    [("nl", "lang.gui = Dutch\n"), ("fr", "lang.gui = French\n"), ("en", "lang.gui = English\n")],
)
def test_the_menus_speak_the_users_language(language: str, line: str) -> None:
    assert line in _render(_phone(), attrs.evolve(CONTEXT, language=language))


def test_each_model_gets_its_common_file_with_the_organisations_clock() -> None:
    context = PhoneContext(
        time_rule=time_rule("Europe/Brussels", 2026),
        ntp_server="be.pool.ntp.org",
        date_format="DD-MMM-YY",
    )
    t53w = next(m for m in cloudtel_yealink.MODELS if m.name == "T53W")
    files = cloudtel_yealink.DRIVER.cloudtel_common_files(models=[T54W, t53w], context=context)
    assert files is not None
    assert [f.path for f in files] == ["y000000000096.cfg", "y000000000095.cfg"]
    text = files[0].content.decode()
    assert text.startswith("#!version:1.0.0.1\n")
    assert (
        "local_time.time_zone = +1\n"
        "local_time.summer_time = 1\n"
        "local_time.dst_time_type = 1\n"
        "local_time.start_time = 3/5/7/2\n"
        "local_time.end_time = 10/5/7/3\n"
        "local_time.offset_time = 60\n"
        "local_time.ntp_server1 = be.pool.ntp.org\n"
        "local_time.date_format = 1\n"
    ) in text
    assert parameter_names(text, " = ", "#")[0] == "local_time.time_zone"


def test_the_common_file_carries_yealinks_directed_pickup_code() -> None:
    # Yealink documents the directed call pickup code (what a BLF key's pickup dials)
    # per phone, features.pickup.direct_pickup_code; the per-key fields come only from
    # templates, so the documented one is written too
    context = PhoneContext(pickup_code="*8")
    files = cloudtel_yealink.DRIVER.cloudtel_common_files(models=[T54W], context=context)
    assert files is not None
    assert "features.pickup.direct_pickup_code = *8\n" in files[0].content.decode()
    files = cloudtel_yealink.DRIVER.cloudtel_common_files(models=[T54W], context=PhoneContext())
    assert files is not None
    assert "direct_pickup" not in files[0].content.decode()  # no code: nothing written
    with pytest.raises(InvalidValueError, match="pickup code"):
        cloudtel_yealink.DRIVER.cloudtel_common_files(
            models=[T54W], context=PhoneContext(pickup_code="*8 x")
        )


def test_every_model_has_a_common_file_name() -> None:
    assert set(cloudtel_yealink.COMMON_FILE_CODES) == {m.name for m in cloudtel_yealink.MODELS}


def test_a_refused_password_is_never_shown() -> None:
    secret = "pass word-Secret"
    account = attrs.evolve(ACCOUNT, password=secret)
    with pytest.raises(InvalidValueError) as info:
        _render(_phone(), attrs.evolve(CONTEXT, accounts=[account]))
    assert "SIP password (16 characters, not shown)" in str(info.value)
    assert secret not in str(info.value)
    assert secret not in repr(info.value.context)


def test_account_counts_follow_yealinks_table() -> None:
    counts = {m.name: m.max_accounts for m in cloudtel_yealink.MODELS}
    assert counts == {
        "T33G": 4,
        "T42U": 12,
        "T43U": 12,
        "T46U": 16,
        "T48U": 16,
        "T53W": 12,
        "T54W": 16,
        "T57W": 16,
    }
    t53w = next(m for m in cloudtel_yealink.MODELS if m.name == "T53W")
    assert "T53W/T53/T43U/T42G/T42U/T42S, X=1-12" in t53w.source("max_accounts")


def test_parse_a_hand_written_config() -> None:
    text = """

#!version:1.0.0.1
## by hand
account.1.user_name=1001
account.1.sip_server_host = pbx.example.org
Linekey.3.Type = 13
linekey.3.value = 09 247 06 80
linekey.3.label = Reception = desk
linekey.4.type = 0
static.unknown.thing = 1
"""
    parsed = cloudtel_yealink.parse_config(T54W, text)
    assert parsed.account is not None
    assert (parsed.account.username, parsed.account.registrar) == ("1001", "pbx.example.org")
    assert parsed.layout == KeyLayout(
        {"L3": PhoneNumberKey(label="Reception = desk", number="+3292470680")}
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("linekey.1.type = 15", r"line 1: a Yealink configuration must begin with"),
        ("#!version:1.0.0.1\nlinekey.1.type 15", r"line 2: 'linekey.1.type 15' is not 'key"),
        ("#!version:1.0.0.1\nlinekey.1.type = 5", r"line 2: linekey.1.type is '5'.*supported"),
        ("#!version:1.0.0.1\nlinekey.28.type = 15", r"linekey.28 is not a key of the Yealink"),
        ("", r"the file is empty"),
    ],
)
def test_parse_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(ConfigParseError, match=message):
        cloudtel_yealink.parse_config(T54W, text)


def test_credentials_that_cannot_be_written_are_refused() -> None:
    bad = PhoneContext(accounts=[SipAccount(username="a b", password="x", registrar="h")])
    with pytest.raises(InvalidValueError, match="phone 805EC0BDEAEF: SIP auth name 'a b'"):
        _render(_phone(), bad)
    null = PhoneContext(accounts=[SipAccount(username="a", password="%NULL%", registrar="h")])
    with pytest.raises(InvalidValueError, match="SIP password"):
        _render(_phone(), null)


def test_directory_has_several_numbers_per_entry() -> None:
    directory = Directory(
        entries=[
            DirectoryEntry(
                name="Bakkerij <Jansen> & Zonen",
                numbers=[
                    DirectoryNumber(label="work", number="+3292470680"),
                    DirectoryNumber(label="mobile", number="+32475123456"),
                ],
            )
        ]
    )
    (page,) = cloudtel_yealink.render_directory(_phone(), directory, CONTEXT)
    root = etree.fromstring(page.content)
    assert root.tag == "YealinkIPPhoneDirectory"
    entry = root.find("DirectoryEntry")
    assert entry is not None
    assert entry.findtext("Name") == "Bakkerij <Jansen> & Zonen"
    assert [t.text for t in entry.findall("Telephone")] == ["+3292470680", "+32475123456"]


# --- properties -------------------------------------------------------------------

NASTY = hostile_text()
ONE_LINE = one_line_text()

MACHINE = st.from_regex(r"[!-~]{1,20}", fullmatch=True).filter(
    lambda t: not (t.startswith("%") and t.endswith("%"))
)
accounts = st.builds(
    SipAccount,
    username=MACHINE,
    password=MACHINE,
    display_name=ONE_LINE,
    registrar=st.from_regex(r"[a-z0-9][a-z0-9.\-]{0,20}", fullmatch=True),
    transport=st.sampled_from(list(Transport)),
    port=st.integers(1, 65535),
)


@settings(max_examples=60, deadline=None)
@given(layout=layouts(T54W), account=accounts)
def test_property_parse_render_gives_the_layout_and_account(
    layout: KeyLayout, account: SipAccount
) -> None:
    assert_round_trip(
        cloudtel_yealink.DRIVER.cloudtel_render_phone,
        cloudtel_yealink.parse_config,
        cloudtel_yealink.display_text,
        (_phone(layout), T54W, PhoneContext(accounts=[account])),
    )


@settings(max_examples=100, deadline=None)
@given(label=ONE_LINE, name=NASTY)
def test_property_no_text_adds_a_line_or_a_parameter(label: str, name: str) -> None:
    layout = KeyLayout(
        {
            "L1": PhoneNumberKey(label=label, number="+3212341234"),
            "L2": ExtensionKey(username="a@b.be"),
        }
    )
    text = _render(_phone(layout, modules=0), PhoneContext(names={"a@b.be": name}))
    fields = ("type", "line", "value", "label")
    expected = [f"account.{n}.enable" for n in range(1, 17)] + ["sip.notify_reboot_enable"]
    expected += [f"linekey.{i}.{f}" for i in range(1, 28) for f in fields]
    assert parameter_names(text, " = ") == expected
    parsed = cloudtel_yealink.parse_config(T54W, text)
    assert parsed.layout["L1"] == PhoneNumberKey(
        label=cloudtel_yealink.display_text(label), number="+3212341234"
    )


@settings(max_examples=100, deadline=None)
@given(names=st.lists(ONE_LINE, max_size=5))
def test_property_directory_xml_is_well_formed(names: list[str]) -> None:
    entries = [
        DirectoryEntry(name=n, numbers=[DirectoryNumber(number="+3227811601")]) for n in names
    ]
    files = cloudtel_yealink.render_directory(_phone(), Directory(entries=entries), CONTEXT)
    (root,) = xml_roots(files)
    shown = [e.findtext("Name") or "" for e in root.findall("DirectoryEntry")]
    assert shown == [cloudtel_yealink.display_text(n) for n in names]


@given(text=NASTY)
def test_property_display_text_is_one_safe_line(text: str) -> None:
    shown = cloudtel_yealink.display_text(text)
    assert len(shown) <= cloudtel_yealink.MAX_LABEL
    assert not set(shown) & set("\n\r\x0b\x0c\x85\u2028\u2029")
    assert not shown.startswith("%")
    assert not shown.endswith("%")
    assert cloudtel_yealink.display_text(shown) == shown
