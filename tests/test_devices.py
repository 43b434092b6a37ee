"""MAC addresses, key positions and layouts as a user meets them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cloudtel._text import check_line
from cloudtel.devices import (
    EmptyKey,
    Key,
    KeyLayout,
    KeyPosition,
    KeySet,
    LineKey,
    MacAddress,
    PhoneNumberKey,
    SipAccount,
    Transport,
    check_layout,
    layout_from_primitive,
    layout_to_primitive,
)
from cloudtel.errors import InvalidValueError, KeyLayoutError
from cloudtel.plugins import find_model


@pytest.mark.parametrize(
    "text",
    ["08000FBBAD78", "08:00:0f:bb:ad:78", "08-00-0F-BB-AD-78", "0800.0fbb.ad78", " 08000fbbad78 "],
)
def test_mac_addresses_in_any_common_notation(text: str) -> None:
    mac = MacAddress(text)
    assert mac.hex == "08000fbbad78"
    assert mac.upper == str(mac) == "08000FBBAD78"


@pytest.mark.parametrize("text", ["08000FBBAD7", "08:00:0f:bb:ad:7g", "08:00-0f:bb:ad:78", ""])
def test_a_bad_mac_address_says_how_to_write_one(text: str) -> None:
    with pytest.raises(InvalidValueError, match="12 hexadecimal digits"):
        MacAddress(text)


def test_positions_read_the_portal_notation() -> None:
    assert KeyPosition.parse("T20") == KeyPosition(set=KeySet.LINE, index=20)
    assert KeyPosition.parse("line 20") == KeyPosition.parse("L20")
    assert KeyPosition.parse("expansion 2 key 5") == KeyPosition.parse("E2.5")
    assert str(KeyPosition.parse("p3")) == "P3"
    with pytest.raises(KeyLayoutError, match="not a key position"):
        KeyPosition.parse("X1")


def test_an_empty_key_clears_the_position() -> None:
    layout = KeyLayout({"L1": LineKey(), "L2": EmptyKey()})
    assert layout == KeyLayout({"L1": LineKey()})
    assert layout["L2"] == EmptyKey()
    assert layout.with_key("L1", EmptyKey()) == KeyLayout()


def test_a_key_outside_the_model_names_phone_position_and_limit() -> None:
    model = find_model("mitel", "6940")
    with pytest.raises(KeyLayoutError) as info:
        check_layout(KeyLayout({"T49": LineKey()}), model, phone="08000FBBAD78")
    assert str(info.value) == (
        "phone 08000FBBAD78 (Mitel 6940): key L49 (line key 49) does not exist: "
        "the model has 48 line keys"
    )
    with pytest.raises(KeyLayoutError, match=r"E1.1 .*module the phone does not have"):
        check_layout(KeyLayout({"E1.1": LineKey()}), model, phone="08000FBBAD78")


@pytest.mark.parametrize(
    ("model_name", "keys", "modules", "message"),
    [
        (
            "6940",
            {"L1": LineKey(), "L2": LineKey(account=10)},
            0,
            "key L2 (line key 2) is a line key for account 10, but the model has 9 account(s)",
        ),
        (
            "6940",
            {"P1": LineKey()},
            0,
            "key P1 (programmable key 1) does not exist: the model has 0 programmable keys",
        ),
        (
            "6940",
            {"L24": LineKey(), "E1.85": LineKey()},
            1,
            "key E1.85 (expansion module 1 key "
            "85) does not exist: the model has 84 keys per M695 module",
        ),
        (
            "6940",
            {"E2.84": LineKey(), "E3.1": LineKey()},
            2,
            "key E3.1 (expansion module 3 key "
            "1) is on a module the phone does not have: this phone has 2 expansion module(s) "
            "attached (the model takes up to 3)",
        ),
    ],
)
def test_every_refused_key_is_named_with_the_limit(
    model_name: str, keys: dict[KeyPosition | str, Key], modules: int, message: str
) -> None:
    model = find_model("mitel", model_name)
    layout = KeyLayout(keys)
    with pytest.raises(KeyLayoutError) as info:
        check_layout(layout, model, phone="08000FBBAD78", modules=modules)
    assert info.value.message == f"phone 08000FBBAD78 (Mitel {model_name}): {message}"
    position = info.value.context["position"]
    assert info.value.context["phone"] == "08000FBBAD78"
    assert position == str(list(layout)[-1])
    with pytest.raises(KeyLayoutError, match="takes at most 3 expansion module"):
        check_layout(layout, model, phone="08000FBBAD78", modules=4)


@given(st.lists(st.sampled_from(["L1", "L2", "E1.3", "P2"]), unique=True))
def test_layouts_survive_the_org_file(positions: list[str]) -> None:
    layout = KeyLayout({p: PhoneNumberKey(label=f"k {p}", number="+3212341234") for p in positions})
    assert layout_from_primitive(layout_to_primitive(layout)) == layout


# --- the fast path of the one-line check (speed only: same answers) ----------------


@given(st.text() | st.sampled_from(("a\tb", "a\nb", "\x85", "\u2028", "\ud800", "ok")))
def test_one_line_fields_accept_and_refuse_what_the_text_rule_does(text: str) -> None:
    assert _outcome(lambda: check_line(text, "display_name")) == _outcome(
        lambda: (
            SipAccount(username="u", password="p", registrar="r", display_name=text).display_name
        )
    )


def _outcome(check: Callable[[], str]) -> str:
    try:
        return "accepted " + check()
    except InvalidValueError as exc:
        return "refused " + exc.message


def test_a_one_line_field_refuses_what_is_not_text() -> None:
    with pytest.raises(InvalidValueError, match="display_name must be text, not 3"):
        SipAccount(username="u", password="p", registrar="r", display_name=3)  # type: ignore[arg-type]


@pytest.mark.parametrize("given", [Transport.TCP, "tcp"])
def test_an_account_takes_its_transport_as_a_member_or_its_name(given: Transport | str) -> None:
    assert SipAccount(username="u", password="p", registrar="r", transport=given).transport is (
        Transport.TCP
    )
    with pytest.raises(ValueError, match="'sctp' is not a valid Transport"):
        SipAccount(username="u", password="p", registrar="r", transport="sctp")
