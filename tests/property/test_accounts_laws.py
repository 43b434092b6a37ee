"""Laws of accounts: hashes verify what they hashed, org files keep accounts, logins by number."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.strategies import PART_BUILDERS, mobile_numbers, organizations

from cloudtel import Organization, PhoneNumber, User, dumps, loads
from cloudtel.accounts import (
    CredentialPolicy,
    ScryptParams,
    generate_password,
    generate_pin,
    hash_secret,
    needs_rehash,
    validate_password,
    validate_pin,
    verify_secret,
)
from cloudtel.users import MobilePhone

FAST = ScryptParams(n=2, r=1)


@st.composite
def organizations_with_accounts(draw: st.DrawFn) -> Organization:
    """Organisations whose accounts part is filled (the other parts stay empty)."""
    org = draw(organizations(max_users=5, parts=False))
    PART_BUILDERS["accounts"](draw, org)
    return org


@given(st.text(max_size=40))
def test_a_hash_verifies_what_it_hashed(secret: str) -> None:
    stored = hash_secret(secret, FAST)
    assert verify_secret(secret, stored)
    assert not needs_rehash(stored, FAST)


@pytest.mark.parametrize(("secret", "other"), [("", "\x00"), ("pw", "pw\x00\x00"), ("\x00", "")])
def test_secrets_that_differ_by_trailing_nul_bytes_do_not_share_a_hash(
    secret: str, other: str
) -> None:
    # HMAC pads its key with zero bytes: found by the law below
    assert not verify_secret(other, hash_secret(secret, FAST))


@given(st.text(max_size=20), st.text(max_size=20))
def test_a_hash_refuses_other_secrets(secret: str, other: str) -> None:
    same = unicodedata.normalize("NFKC", secret) == unicodedata.normalize("NFKC", other)
    assert verify_secret(other, hash_secret(secret, FAST)) == same


@settings(max_examples=20)
@given(organizations_with_accounts())
def test_accounts_survive_the_org_file(org: Organization) -> None:
    for fmt in ("toml", "json"):
        loaded = loads(dumps(org, fmt), fmt)
        assert loaded == org
        assert loaded.accounts.credentials == org.accounts.credentials
        assert loaded.accounts.failures == org.accounts.failures
        assert loaded.accounts.photos == org.accounts.photos


@settings(max_examples=30)
@given(mobile_numbers(("BE", "NL", "FR", "DE", "GB", "US")), st.sampled_from(["BE", "NL", "FR"]))
def test_login_by_mobile_number_in_any_notation(number: PhoneNumber, country: str) -> None:
    org = Organization(name="Labo", domain="orange.be", country=country)
    org.add_user(User(username="x.user@orange.be", mobile_phones=(MobilePhone(number=number),)))
    org.accounts.policy = CredentialPolicy(scrypt=FAST)
    org.accounts.set_password("x.user@orange.be", "kettle-harbour-tulip")
    notations = {number.e164, number.international}
    if number.region == country:
        notations.add(number.national)
    for notation in notations:
        assert org.accounts.login(notation, "kettle-harbour-tulip").username == "x.user@orange.be"


@settings(max_examples=25)
@given(st.integers(4, 8))
def test_generated_secrets_always_pass_the_policy(length: int) -> None:
    policy = CredentialPolicy(scrypt=FAST, generated_pin_length=length)
    assert validate_password(generate_password(policy), policy=policy)
    pin = generate_pin(policy)
    assert len(pin) == length
    assert validate_pin(pin, policy=policy) == pin
