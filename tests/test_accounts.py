"""Accounts: hashing, policies, login, lockout, forgotten password, admin view, photos."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import pytest
from tests.jpeg_files import jpeg

from cloudtel import Organization, access, load
from cloudtel.accounts import (
    LOGIN_FAILED_MESSAGE,
    RESET_REQUEST_ANSWER,
    Accounts,
    Channel,
    CredentialPolicy,
    Credentials,
    Principal,
    ScryptParams,
    SecretKind,
    generate_password,
    generate_pin,
    hash_secret,
    inspect_jpeg,
    needs_rehash,
    require_admin_view,
    require_self_or_admin_view,
    validate_password,
    validate_pin,
    verify_secret,
)
from cloudtel.errors import (
    AccessDeniedError,
    AccountLockedError,
    CredentialPolicyError,
    FileProblemsError,
    InvalidValueError,
    NotFoundError,
)
from cloudtel.serialization import dumps, save

FAST = CredentialPolicy(scrypt=ScryptParams(n=16, r=1))
DEMO = "demo.user@orange.be"  # has e-mail and mobile +32480080080
ADEL = "adel.alkoubaisy@orange.be"  # e-mail, no mobile
ANDREA = "andrea.bruyninx@orange.be"  # neither e-mail nor mobile
PASSWORD = "blue-kettle-harbour"
START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def org(example_org: Organization, clock: Clock) -> Organization:
    example_org.accounts.policy = FAST
    example_org.accounts.clock = clock
    example_org.accounts.set_password(DEMO, PASSWORD)
    return example_org


@pytest.fixture
def accounts(org: Organization) -> Accounts:
    return org.accounts


def fail_login(accounts: Accounts, identifier: str, attempt: str = "wrong-wrong-wrong") -> str:
    with pytest.raises(AccessDeniedError) as caught:
        accounts.login(identifier, attempt)
    return f"{type(caught.value).__name__}: {caught.value} {caught.value.context}"


# --- hashing -------------------------------------------------------------------------


def test_hash_records_its_parameters_and_verifies() -> None:
    params = ScryptParams(n=32, r=2, p=1)
    stored = hash_secret("correct horse", params)
    assert re.fullmatch(r"scrypt\$n=32,r=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}", stored)
    assert verify_secret("correct horse", stored)
    assert not verify_secret("correct horsf", stored)
    assert "correct" not in stored


def test_same_secret_hashes_differently_each_time() -> None:
    assert hash_secret("same secret", FAST.scrypt) != hash_secret("same secret", FAST.scrypt)


def test_unicode_forms_of_one_password_match() -> None:
    stored = hash_secret("ﬁle café", FAST.scrypt)  # ligature and composed é
    assert verify_secret("file cafe\u0301", stored)


@pytest.mark.parametrize(
    "stored",
    [
        "plaintext-password",
        "scrypt$n=16,r=1,p=1$short$short",
        "scrypt$n=3,r=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "scrypt$n=1073741824,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "scrypt$n=16,r=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
    ],
)
def test_malformed_or_hostile_hash_never_matches(stored: str) -> None:
    assert not verify_secret("anything at all", stored)
    with pytest.raises(InvalidValueError, match="cloudtel secret hash"):
        Credentials(username=DEMO, password_hash=stored)


def test_parameters_that_need_too_much_memory_are_refused() -> None:
    with pytest.raises(InvalidValueError, match="MiB"):
        ScryptParams(n=2**20, r=8)
    with pytest.raises(InvalidValueError, match="power of two"):
        ScryptParams(n=1000)


def test_needs_rehash_only_when_parameters_were_raised() -> None:
    low = hash_secret("x" * 12, ScryptParams(n=16, r=1))
    assert needs_rehash(low, ScryptParams(n=32, r=1))
    assert not needs_rehash(low, ScryptParams(n=16, r=1))
    assert not needs_rehash(hash_secret("x" * 12, ScryptParams(n=64, r=1)), FAST.scrypt)


def test_login_rehashes_when_the_policy_was_raised(accounts: Accounts) -> None:
    before = accounts.credentials[0].password_hash
    assert before is not None
    assert before.startswith("scrypt$n=16,r=1,")
    accounts.policy = attrs.evolve(FAST, scrypt=ScryptParams(n=64, r=2))
    accounts.login(DEMO, PASSWORD)
    after = accounts.credentials[0].password_hash
    assert after is not None
    assert after.startswith("scrypt$n=64,r=2,")
    assert accounts.login(DEMO, PASSWORD).username == DEMO


# --- password and PIN policy -----------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1!", "shorter than 10"),
        ("x" * 129, "longer than 128"),
        ("aaaaaaaaaaaa", "fewer than 5 different"),
        ("Password123!", "well-known weak"),
        ("P4ssw0rd2024!", "well-known weak"),
        ("Welkom2025!!", "well-known weak"),
        ("qwertyuiop", "well-known weak"),
        ("1234567890", "well-known weak"),
        ("demo.user-rocks", "username"),
        ("my mobile +32 480 08 00 80", "username or other details"),
        ("tab\there and there", "control"),
    ],
)
def test_password_policy_refuses_with_the_reason(password: str, reason: str) -> None:
    with pytest.raises(CredentialPolicyError, match=reason) as caught:
        validate_password(password, username=DEMO, personal=["+32480080080"])
    assert password not in str(caught.value)


def test_password_policy_lists_every_reason_at_once() -> None:
    with pytest.raises(CredentialPolicyError) as caught:
        validate_password("demo", username=DEMO)
    assert len(caught.value.context["reasons"]) >= 3


@pytest.mark.parametrize(
    "password", ["correct horse battery", "Zeebrugge-lantaarn-7", "ĳsvogel über"]
)
def test_password_policy_accepts_decent_passwords(password: str) -> None:
    assert validate_password(password, username=DEMO)


@pytest.mark.parametrize(
    ("pin", "reason"),
    [
        ("0000", "same"),
        ("1234", "sequence"),
        ("9876", "sequence"),
        ("8901", "sequence"),
        ("1212", "repeats"),
        ("123123", "repeats"),
        ("1985", "year"),
        ("2580", "well-known"),
        ("0080", "your own phone numbers"),
        ("123", "4 to 8 digits long"),
        ("123456789", "4 to 8 digits long"),
        ("12a4", "digits 0-9"),
        ("١٢٨٤", "digits 0-9"),  # Arabic-Indic digits
        (" 5793", "digits 0-9"),
    ],
)
def test_pin_policy_refuses_trivial_pins(pin: str, reason: str) -> None:
    with pytest.raises(CredentialPolicyError, match=reason):
        validate_pin(pin, avoid=["+32480080080"])


def test_pin_policy_accepts_other_pins() -> None:
    assert validate_pin("5793") == "5793"
    assert validate_pin("40719283") == "40719283"


def test_generated_secrets_pass_the_policy_and_differ() -> None:
    passwords = {generate_password(FAST) for _ in range(20)}
    assert len(passwords) == 20
    for password in passwords:
        assert validate_password(password) == password
    pins = {generate_pin(FAST, avoid=["+32480080080"]) for _ in range(50)}
    for pin in pins:
        assert len(pin) == FAST.generated_pin_length
        validate_pin(pin, avoid=["+32480080080"])
    assert len(pins) > 40


# --- login ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "identifier",
    [
        DEMO,
        "  Demo.User@Orange.BE ",
        "+32480080080",
        "+32 480 08 00 80",
        "0480/08.00.80",
        "0480 080 080",
        "0032 480 08 00 80",
    ],
)
def test_login_with_username_or_mobile_in_any_notation(accounts: Accounts, identifier: str) -> None:
    principal = accounts.login(identifier, PASSWORD)
    assert principal.username == DEMO
    assert not principal.admin
    assert principal.admin_view_until is None


def test_every_login_failure_looks_the_same(accounts: Accounts) -> None:
    wrong_password = fail_login(accounts, DEMO)
    unknown_user = fail_login(accounts, "nobody@orange.be")
    unknown_mobile = fail_login(accounts, "+32470999999")
    no_password_set = fail_login(accounts, ADEL)
    garbage = fail_login(accounts, "\x00" * 5000)
    assert wrong_password == unknown_user == unknown_mobile == no_password_set == garbage
    assert LOGIN_FAILED_MESSAGE in wrong_password


def test_unknown_account_costs_the_same_hashing_work(
    accounts: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cloudtel.accounts.hashing as module

    calls: list[int] = []
    real: Callable[..., bytes] = module._scrypt

    def counting(secret: bytes, salt: bytes, params: ScryptParams) -> bytes:
        calls.append(params.n)
        return real(secret, salt, params)

    accounts.login(DEMO, PASSWORD)  # make sure the dummy hash exists before counting
    fail_login(accounts, "nobody@orange.be")
    monkeypatch.setattr(module, "_scrypt", counting)
    fail_login(accounts, DEMO)
    known = list(calls)
    calls.clear()
    fail_login(accounts, "nobody@orange.be")
    assert known == calls == [FAST.scrypt.n]


def test_an_overlong_password_is_not_hashed_and_fails_the_same(accounts: Accounts) -> None:
    assert fail_login(accounts, DEMO, "x" * 1_000_000) == fail_login(accounts, DEMO)


def test_repeated_failures_lock_the_account_then_longer(accounts: Accounts, clock: Clock) -> None:
    for _ in range(FAST.max_failures):
        fail_login(accounts, DEMO)
    with pytest.raises(AccountLockedError, match="locked until 2025-03-03 09:01:00") as caught:
        accounts.login(DEMO, PASSWORD)  # even the right password is refused while locked
    assert caught.value.context["locked_until"] == START + timedelta(minutes=1)
    assert accounts.locked_until(DEMO) == START + timedelta(minutes=1)
    clock.advance(minutes=1)
    fail_login(accounts, "+32 480 08 00 80")  # the mobile number counts for the same account
    with pytest.raises(AccountLockedError, match="09:03:00"):
        accounts.login(DEMO, PASSWORD)  # the second lock lasts twice as long
    clock.advance(minutes=2)
    assert accounts.login(DEMO, PASSWORD).username == DEMO
    assert accounts.locked_until(DEMO) is None
    assert accounts.failures == ()


def test_locking_says_nothing_about_whether_the_account_exists(accounts: Accounts) -> None:
    outcomes = {}
    for identifier in (DEMO, "nobody@orange.be"):
        seen = [fail_login(accounts, identifier) for _ in range(FAST.max_failures)]
        seen.append(fail_login(accounts, identifier))
        outcomes[identifier] = seen
    assert outcomes[DEMO] == outcomes["nobody@orange.be"]
    assert outcomes[DEMO][-1].startswith("AccountLockedError")


def test_lock_is_capped_and_forgotten_after_a_day(accounts: Accounts, clock: Clock) -> None:
    assert FAST.lock_duration(4) is None
    assert FAST.lock_duration(5) == timedelta(minutes=1)
    assert FAST.lock_duration(8) == timedelta(minutes=8)
    assert FAST.lock_duration(50) == timedelta(hours=1)
    fail_login(accounts, DEMO)
    clock.advance(hours=25)
    for _ in range(FAST.max_failures - 1):
        fail_login(accounts, DEMO)
    assert accounts.login(DEMO, PASSWORD).username == DEMO


def test_admin_unlocks_an_account(accounts: Accounts) -> None:
    for _ in range(FAST.max_failures):
        fail_login(accounts, DEMO)
    accounts.unlock(DEMO)
    assert accounts.login(DEMO, PASSWORD).username == DEMO


def test_change_password_needs_the_current_one(accounts: Accounts) -> None:
    with pytest.raises(AccessDeniedError, match=LOGIN_FAILED_MESSAGE):
        accounts.change_password(DEMO, "not-the-password", "a-new-fine-phrase")
    accounts.change_password(DEMO, PASSWORD, "a-new-fine-phrase")
    fail_login(accounts, DEMO, PASSWORD)
    assert accounts.login(DEMO, "a-new-fine-phrase").username == DEMO


def test_pin_is_stored_hashed_and_verified_with_lockout(accounts: Accounts) -> None:
    accounts.set_pin(DEMO, "5793")
    record = next(c for c in accounts.credentials if c.username == DEMO)
    assert record.pin_hash is not None
    assert "5793" not in record.pin_hash
    accounts.verify_pin(DEMO, "5793")
    with pytest.raises(AccessDeniedError, match="wrong user or PIN"):
        accounts.verify_pin(DEMO, "5794")
    with pytest.raises(AccessDeniedError, match="wrong user or PIN"):
        accounts.verify_pin("nobody@orange.be", "5793")
    for _ in range(FAST.max_failures - 1):
        with pytest.raises(AccessDeniedError):
            accounts.verify_pin(DEMO, "0001")
    with pytest.raises(AccountLockedError):
        accounts.verify_pin(DEMO, "5793")
    assert accounts.login(DEMO, PASSWORD).username == DEMO  # PIN lock is separate


# --- resets by an administrator ---------------------------------------------------------


def test_reset_password_makes_a_new_one_and_says_how_it_reaches_the_user(
    accounts: Accounts,
) -> None:
    issued = accounts.reset_password(DEMO)
    assert issued.kind is SecretKind.PASSWORD
    assert (issued.channel, issued.address) == (Channel.EMAIL, DEMO)
    assert issued.how == f"by e-mail to {DEMO}"
    assert issued.secret not in repr(issued)
    fail_login(accounts, DEMO, PASSWORD)
    principal = accounts.login(DEMO, issued.secret)
    assert principal.must_change_password
    accounts.change_password(DEMO, issued.secret, "my-own-choice-now")
    assert not accounts.login(DEMO, "my-own-choice-now").must_change_password


def test_reset_goes_by_sms_or_in_person_when_there_is_no_e_mail(org: Organization) -> None:
    org.update_user(DEMO, email="")
    assert org.accounts.reset_pin(DEMO).how == "by SMS to +32480080080"
    issued = org.accounts.reset_pin(ANDREA)
    assert issued.channel is None
    assert "in person" in issued.how
    validate_pin(issued.secret)


def test_reset_pin_replaces_the_pin(accounts: Accounts) -> None:
    accounts.set_pin(DEMO, "5793")
    issued = accounts.reset_pin(DEMO)
    assert issued.kind is SecretKind.PIN
    accounts.verify_pin(DEMO, issued.secret)
    with pytest.raises(AccessDeniedError):
        accounts.verify_pin(DEMO, "5793")


def test_unknown_user_is_not_found(accounts: Accounts) -> None:
    with pytest.raises(NotFoundError):
        accounts.reset_password("nobody@orange.be")
    with pytest.raises(NotFoundError):
        accounts.set_password("nobody@orange.be", PASSWORD)


# --- forgotten password -----------------------------------------------------------------


def test_reset_request_answers_the_same_for_unknown_and_known(accounts: Accounts) -> None:
    answers = [
        accounts.request_password_reset(identifier)
        for identifier in (
            DEMO,
            "nobody@orange.be",
            "+32480080080",
            "+32470999999",
            ANDREA,
            "",
            "\x00" * 10_000,
        )
    ]
    assert answers == [RESET_REQUEST_ANSWER] * len(answers)
    queued = accounts.take_outgoing()
    assert [(q.username, q.channel, q.address) for q in queued] == [
        (DEMO, Channel.EMAIL, DEMO),
    ]  # the mobile-number request comes within the minute: nothing more is sent


def test_reset_token_goes_by_sms_when_asked_by_mobile_number(accounts: Accounts) -> None:
    accounts.request_password_reset("0480 08 00 80")
    (issued,) = accounts.take_outgoing()
    assert (issued.channel, issued.address) == (Channel.SMS, "+32480080080")
    assert issued.how == "by SMS to +32480080080"


def test_reset_token_works_once(accounts: Accounts) -> None:
    accounts.request_password_reset(DEMO)
    (issued,) = accounts.take_outgoing()
    assert accounts.check_reset_token(issued.secret) == DEMO
    assert accounts.redeem_reset_token(issued.secret, "fresh-new-phrase") == DEMO
    assert accounts.login(DEMO, "fresh-new-phrase").username == DEMO
    with pytest.raises(AccessDeniedError, match="not valid"):
        accounts.redeem_reset_token(issued.secret, "another-new-phrase")
    with pytest.raises(AccessDeniedError, match="not valid"):
        accounts.check_reset_token(issued.secret)


def test_reset_token_stops_working_when_it_expires(accounts: Accounts, clock: Clock) -> None:
    accounts.request_password_reset(DEMO)
    (issued,) = accounts.take_outgoing()
    assert issued.expires == START + timedelta(minutes=30)
    clock.advance(minutes=29, seconds=59)
    assert accounts.check_reset_token(issued.secret) == DEMO
    clock.advance(seconds=1)
    with pytest.raises(AccessDeniedError, match="expired"):
        accounts.redeem_reset_token(issued.secret, "fresh-new-phrase")
    assert accounts.login(DEMO, PASSWORD).username == DEMO


def test_newer_request_and_password_change_invalidate_a_token(
    accounts: Accounts, clock: Clock
) -> None:
    accounts.request_password_reset(DEMO)
    (first,) = accounts.take_outgoing()
    clock.advance(minutes=2)
    accounts.request_password_reset(DEMO)
    (second,) = accounts.take_outgoing()
    with pytest.raises(AccessDeniedError):
        accounts.check_reset_token(first.secret)
    assert accounts.check_reset_token(second.secret) == DEMO
    accounts.set_password(DEMO, "admin-chose-this-one")
    with pytest.raises(AccessDeniedError):
        accounts.check_reset_token(second.secret)


def test_a_refused_new_password_keeps_the_token(accounts: Accounts) -> None:
    accounts.request_password_reset(DEMO)
    (issued,) = accounts.take_outgoing()
    with pytest.raises(CredentialPolicyError):
        accounts.redeem_reset_token(issued.secret, "password1")
    assert accounts.redeem_reset_token(issued.secret, "fresh-new-phrase") == DEMO


@pytest.mark.parametrize("token", ["", "x", "0" * 64, "\udcff" * 3, "a" * 100_000])
def test_made_up_tokens_do_not_work(accounts: Accounts, token: str) -> None:
    accounts.request_password_reset(DEMO)
    with pytest.raises(AccessDeniedError, match="not valid"):
        accounts.redeem_reset_token(token, "fresh-new-phrase")


def test_only_the_digest_of_a_token_is_kept(accounts: Accounts) -> None:
    accounts.request_password_reset(DEMO)
    (issued,) = accounts.take_outgoing()
    record = next(c for c in accounts.credentials if c.username == DEMO)
    assert record.reset_token is not None
    assert issued.secret not in repr(record.reset_token)
    assert len(record.reset_token.digest) == 64
    assert accounts.take_outgoing() == ()


# --- admin view -----------------------------------------------------------------------


def test_admin_view_needs_the_password_again_and_expires(accounts: Accounts, clock: Clock) -> None:
    accounts.set_admin(DEMO)
    principal = accounts.login(DEMO, PASSWORD)
    assert principal.admin
    with pytest.raises(AccessDeniedError, match="enter it by re-entering your password"):
        require_admin_view(principal, action="removing a mandatory contact")
    with pytest.raises(AccessDeniedError, match=LOGIN_FAILED_MESSAGE):
        accounts.enter_admin_view(principal, "not-my-password")
    elevated = accounts.enter_admin_view(principal, PASSWORD)
    assert elevated.in_admin_view
    require_admin_view(elevated)
    clock.advance(minutes=14, seconds=59)
    require_admin_view(elevated)
    clock.advance(seconds=1)
    assert not elevated.in_admin_view
    with pytest.raises(AccessDeniedError, match="closed at 2025-03-03 09:15"):
        require_admin_view(elevated, action="resetting a password")
    with pytest.raises(AccessDeniedError, match="needs the admin view"):
        require_admin_view(
            Accounts.leave_admin_view(accounts.enter_admin_view(principal, PASSWORD))
        )


def test_plain_user_cannot_enter_the_admin_view(accounts: Accounts) -> None:
    principal = accounts.login(DEMO, PASSWORD)
    with pytest.raises(AccessDeniedError, match="not an administrator"):
        accounts.enter_admin_view(principal, PASSWORD)
    with pytest.raises(AccessDeniedError, match="not an administrator"):
        require_admin_view(principal)


def test_a_principal_made_or_changed_by_hand_is_refused(accounts: Accounts) -> None:
    forged = Principal(
        username=DEMO,
        admin=True,
        authenticated_at=START,
        admin_view_until=START + timedelta(days=9),
    )
    with pytest.raises(AccessDeniedError, match="not issued by a login"):
        require_admin_view(forged)
    principal = accounts.login(DEMO, PASSWORD)
    promoted = attrs.evolve(principal, admin=True, admin_view_until=START + timedelta(days=9))
    with pytest.raises(AccessDeniedError, match="not issued by a login"):
        require_admin_view(promoted)
    with pytest.raises(AccessDeniedError):
        accounts.enter_admin_view(promoted, PASSWORD)


def test_operations_on_behalf_of_a_principal_check_the_admin_view(org: Organization) -> None:
    accounts = org.accounts
    accounts.set_password(ADEL, "rainy-tulip-garden")
    adel = accounts.login(ADEL, "rainy-tulip-garden")
    with pytest.raises(AccessDeniedError, match="resetting a password needs the admin view"):
        accounts.reset_password(DEMO, by=adel)
    accounts.set_pin(ADEL, "5793", by=adel)  # own PIN: allowed
    with pytest.raises(AccessDeniedError):
        accounts.set_pin(DEMO, "5793", by=adel)
    require_self_or_admin_view(adel, ADEL)
    with pytest.raises(AccessDeniedError):
        require_self_or_admin_view(adel, DEMO)
    accounts.set_admin(ADEL)
    adel = accounts.enter_admin_view(
        accounts.login(ADEL, "rainy-tulip-garden"), "rainy-tulip-garden"
    )
    assert accounts.reset_password(DEMO, by=adel).username == DEMO
    require_self_or_admin_view(adel, DEMO)


def test_other_capabilities_check_the_admin_view_through_cloudtel_access(
    accounts: Accounts,
) -> None:
    assert access.Principal is Principal
    assert CredentialPolicy().admin_view_duration == access.ADMIN_VIEW_DURATION
    accounts.set_admin(DEMO)
    principal = accounts.login(DEMO, PASSWORD)
    access.require_self_or_admin_view(principal, DEMO)
    with pytest.raises(AccessDeniedError, match="needs the admin view"):
        access.require_self_or_admin_view(principal, ADEL, action="changing a contact list")
    elevated = accounts.enter_admin_view(principal, PASSWORD)
    access.require_admin_view(elevated)
    access.require_self_or_admin_view(elevated, ADEL)


# --- photos -----------------------------------------------------------------------------


def test_a_400_by_400_jpeg_is_taken_as_it_is() -> None:
    info = inspect_jpeg(jpeg(400, 400), filename="me.JPG")
    assert (info.width, info.height, info.coding) == (400, 400, "baseline")
    assert info.notice is None


def test_other_sizes_are_accepted_with_a_notice_that_they_are_scaled() -> None:
    info = inspect_jpeg(jpeg(640, 480, sof=0xC2, components=3), filename="me.jpeg")
    assert (info.width, info.height, info.coding, info.components) == (640, 480, "progressive", 3)
    assert info.notice == "the photo is 640×480, not 400×400: it will be scaled"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "PNG image"),
        (b"GIF89a" + b"\x00" * 40, "GIF image"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "markup"),
        (b"hello world", "start-of-image marker"),
        (jpeg()[:-2], "ends before the JPEG end-of-image"),
        (jpeg()[:300], "ends before"),
        (jpeg(trailer=b"PK\x03\x04zip!"), "follow the end-of-image"),
        (jpeg(sof=0xC3), "lossless"),
        (jpeg(sof=0xC9), "arithmetic-coded"),
        (jpeg(height=0), "0"),
        (jpeg(9000, 10), "at most 8192"),
        (jpeg(components=2), "2 colour components"),
        (jpeg(app=b"\x00" * 60_000) * 40, "limit of 2097152"),
        (b"\xff\xd8\xff\xd9", "no frame header"),
        (b"\xff\xd8\xff\x02\xff\xd9", "reserved marker"),
        (b"\xff\xd8\xff\xe0\x00\x01\xff\xd9", "impossible length"),
        (b"\xff\xd8\x00\x00", "expected a JPEG marker at byte 2"),
    ],
)
def test_anything_else_is_refused_with_a_clear_error(data: bytes, message: str) -> None:
    with pytest.raises(InvalidValueError, match=message) as caught:
        inspect_jpeg(data)
    assert caught.value.context["field"] == "photo"
    assert "JPEG file (.jpg, .jpeg or .jpe)" in str(caught.value)


def test_a_file_without_a_jpeg_extension_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="does not have a JPEG extension"):
        inspect_jpeg(jpeg(), filename="me.png")
    with pytest.raises(InvalidValueError, match="does not have a JPEG extension"):
        inspect_jpeg(jpeg(), filename="jpg")


def test_photo_is_saved_beside_the_org_file_and_checked_on_load(
    org: Organization, tmp_path: Path
) -> None:
    photo = org.accounts.set_photo(DEMO, jpeg(320, 240), filename="demo.jpg")
    assert (photo.width, photo.height, photo.notice) == (400, 400, None)  # scaled
    assert photo.path == f"photos/{photo.sha256}.jpg"
    save(org, tmp_path / "org.toml")
    assert inspect_jpeg((tmp_path / photo.path).read_bytes()).width == 400
    loaded = load(tmp_path / "org.toml")
    assert loaded.accounts.photo(DEMO) == photo
    assert loaded == org
    (tmp_path / photo.path).write_bytes(jpeg(400, 400))
    with pytest.raises(FileProblemsError, match="altered"):
        load(tmp_path / "org.toml")


def test_photo_upload_by_another_plain_user_is_refused(org: Organization) -> None:
    org.accounts.set_password(ADEL, "rainy-tulip-garden")
    adel = org.accounts.login(ADEL, "rainy-tulip-garden")
    with pytest.raises(AccessDeniedError):
        org.accounts.set_photo(DEMO, jpeg(), by=adel)
    org.accounts.set_photo(ADEL, jpeg(), by=adel)
    assert org.accounts.photo(ADEL) is not None


# --- the part in the organisation -------------------------------------------------------


def test_no_secret_is_ever_in_a_saved_org_folder(org: Organization, tmp_path: Path) -> None:
    accounts = org.accounts
    accounts.set_pin(DEMO, "5793")
    issued_password = accounts.reset_password(ADEL)
    issued_pin = accounts.reset_pin(ADEL)
    accounts.request_password_reset(DEMO)
    (token,) = accounts.take_outgoing()
    accounts.set_photo(DEMO, jpeg())
    fail_login(accounts, DEMO, "a-wrong-guess-typed")
    secrets_typed = [
        PASSWORD,
        "5793",
        issued_password.secret,
        issued_pin.secret,
        token.secret,
        "a-wrong-guess-typed",
    ]
    save(org, tmp_path / "org.toml")
    save(org, tmp_path / "org.json")
    saved = b"".join(p.read_bytes() for p in sorted(tmp_path.rglob("*")) if p.is_file())
    assert b"scrypt$n=16,r=1,p=1$" in saved  # the hashes are there …
    for secret in secrets_typed:  # … and nothing typed or issued is
        assert secret.encode() not in saved
        assert secret.encode("utf-16-le") not in saved
    text = dumps(org)
    assert all(secret not in text for secret in secrets_typed)


def test_accounts_round_trip_through_the_org_file(org: Organization, tmp_path: Path) -> None:
    org.accounts.set_pin(DEMO, "5793")
    org.accounts.set_admin(DEMO)
    org.accounts.request_password_reset(DEMO)
    fail_login(org.accounts, "nobody@orange.be")
    save(org, tmp_path / "org.toml")
    loaded = load(tmp_path / "org.toml")
    assert loaded == org
    assert loaded.accounts.credentials == org.accounts.credentials
    loaded.accounts.policy = FAST
    assert loaded.accounts.login(DEMO, PASSWORD).admin


def test_a_hand_edited_plaintext_password_is_refused_on_load(
    example_path: Path, tmp_path: Path
) -> None:
    text = example_path.read_text("utf-8") + (
        '\n[[accounts.credentials]]\nusername = "demo.user@orange.be"\n'
        'password_hash = "hunter2hunter2"\n'
        '\n[[accounts.credentials]]\nusername = "ghost@orange.be"\n'
    )
    (tmp_path / "org.toml").write_text(text, "utf-8")
    with pytest.raises(FileProblemsError) as caught:
        load(tmp_path / "org.toml")
    problems = {p.path: p.message for p in caught.value.problems}
    assert any("password_hash" in path and "never stores" in msg for path, msg in problems.items())


def test_credentials_for_a_missing_user_are_reported(example_path: Path, tmp_path: Path) -> None:
    text = example_path.read_text("utf-8") + (
        '\n[[accounts.credentials]]\nusername = "ghost@orange.be"\nadmin = true\n'
    )
    (tmp_path / "org.toml").write_text(text, "utf-8")
    with pytest.raises(FileProblemsError, match=r"accounts.credentials\[0\].username: no user"):
        load(tmp_path / "org.toml")


def test_deleting_a_user_forgets_their_secrets(org: Organization) -> None:
    org.accounts.set_photo(DEMO, jpeg())
    fail_login(org.accounts, DEMO)
    org.remove_user(DEMO)
    assert org.accounts.credentials == ()
    assert org.accounts.photos == ()
    assert org.accounts.failures == ()


def test_renaming_a_user_moves_their_secrets(org: Organization) -> None:
    fail_login(org.accounts, DEMO)
    org.update_user(DEMO, username="demo.renamed@orange.be")
    assert org.accounts.login("demo.renamed@orange.be", PASSWORD).username == (
        "demo.renamed@orange.be"
    )
    from cloudtel import User

    org.add_user(User(username=DEMO))
    fail_login(org.accounts, DEMO, PASSWORD)  # a new user with the old name gets nothing
