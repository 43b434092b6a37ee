"""The phones of an organisation: invariants, a new MAC address, searching, deleting users."""

from __future__ import annotations

from pathlib import Path

import pytest

import cloudtel
from cloudtel.devices import ExtensionKey, LineKey, SipPhone
from cloudtel.errors import DuplicateError, KeyLayoutError, NotFoundError

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "orange-labo" / "organization.toml"


def test_the_example_phones() -> None:
    org = cloudtel.load(EXAMPLE)
    phone = org.phones.get("08:00:0f:bb:ad:78")
    assert (phone.model, phone.user) == ("6940", "steven.lathouwers@orange.be")
    assert phone.layout["T20"] == ExtensionKey(username="adel.alkoubaisy@orange.be")
    assert [p.family for p in org.phones] == ["mitel", "yealink"]


def test_phone_invariants() -> None:
    org = cloudtel.load(EXAMPLE)
    with pytest.raises(DuplicateError, match="08000FBBAD78 exists already"):
        org.phones.add(SipPhone(mac="08000fbbad78", family="mitel", model="6920"))
    with pytest.raises(NotFoundError):
        org.phones.add(SipPhone(mac="0800000000aa", family="mitel", model="6920", user="x@y.be"))
    with pytest.raises(NotFoundError, match=r"extension key L1 names user .x@y.be."):
        org.phones.set_key("08000FBBAD78", "L1", ExtensionKey(username="x@y.be"))
    with pytest.raises(KeyLayoutError, match="the model has 48 line keys"):
        org.phones.set_key("08000FBBAD78", "T49", LineKey())


def test_a_phone_gets_a_new_mac_address() -> None:
    # A phone replaced by another of the same model keeps its settings under the new MAC.
    org = cloudtel.load(EXAMPLE)
    moved = org.phones.update("08:00:0f:bb:ad:78", mac="08-00-0F-00-00-01")
    assert moved.name == "08000F000001"
    assert org.phones.get("08000f000001").layout["L20"] == ExtensionKey(
        username="adel.alkoubaisy@orange.be"
    )
    assert org.phones.get("08000FBBAD78") is None  # gone from the old MAC
    with pytest.raises(NotFoundError):
        org.phones.find("08000FBBAD78")
    with pytest.raises(DuplicateError, match="249AD8A1B2C3: that phone exists already"):
        org.phones.update("08000F000001", mac="249ad8a1b2c3")


def test_search_users_for_an_extension_key_ignores_accents() -> None:
    org = cloudtel.load(EXAMPLE)
    found = [u.username for u in org.phones.search_users("andre")]
    assert "andre.desutter@orange.be" in found  # André De Sutter
    assert [u.username for u in org.phones.search_users("de sutter")] == [
        "andre.desutter@orange.be"
    ]


def test_deleting_a_user_unassigns_phones_and_clears_their_keys() -> None:
    org = cloudtel.load(EXAMPLE)
    assert org.referrers("user", "steven.lathouwers@orange.be") == [
        "extension key L2 of phone 249AD8A1B2C3"
    ]
    org.remove_user("steven.lathouwers@orange.be")
    assert org.phones.get("08000FBBAD78").user is None
    assert "L2" not in org.phones.get("249AD8A1B2C3").layout
