"""The accounts part: credentials, logins, lockouts, resets, the admin view and photos.

:class:`Accounts` is the part of an organisation that keeps, per user, the
hashes of their password and PIN, the pending forgotten-password token, the
failed-login counters and the photo record; never a secret as it was typed.
Secrets it makes for delivery are handed out as :class:`IssuedSecret` values;
:mod:`cloudtel.messaging` sends them.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, Final

import attrs

from cloudtel._part import Blob, Part
from cloudtel.access import Principal, require_admin_view, require_self_or_admin_view
from cloudtel.accounts._validators import sha256_digest
from cloudtel.accounts.hashing import (
    ScryptParams,
    _parse_hash,
    hash_secret,
    needs_rehash,
    verify_secret,
)
from cloudtel.accounts.photo import Photo, inspect_jpeg
from cloudtel.accounts.policy import (
    CredentialPolicy,
    generate_password,
    generate_pin,
    validate_password,
    validate_pin,
)
from cloudtel.accounts.scaling import pillow_available, scale_photo
from cloudtel.errors import (
    AccessDeniedError,
    AccountLockedError,
    InvalidPhoneNumberError,
    InvalidValueError,
    Problem,
)
from cloudtel.numbers import DEFAULT_COUNTRY, PhoneNumber
from cloudtel.users import User

__all__ = [
    "LOGIN_FAILED_MESSAGE",
    "REMEMBERED_LOGIN_FAILED_MESSAGE",
    "RESET_REQUEST_ANSWER",
    "Accounts",
    "Channel",
    "Credentials",
    "FailureRecord",
    "IssuedSecret",
    "RememberedLogin",
    "ResetToken",
    "SecretKind",
]


def _utcnow() -> datetime:
    return datetime.now(UTC)


LOGIN_FAILED_MESSAGE: Final = "wrong username, mobile number or password"
REMEMBERED_LOGIN_FAILED_MESSAGE: Final = (
    "this computer is no longer remembered: log in with your username or mobile number and password"
)
"""The one message of every failed login, whatever the reason."""

RESET_REQUEST_ANSWER: Final = (
    "If an account with that username or mobile number exists, a message with a link to set "
    "a new password was sent to the e-mail address or mobile number registered on it."
)
"""The one answer to every forgotten-password request."""

_RESET_LINK_INVALID: Final = (
    "this password reset link is not valid: it was used already, replaced by a newer request, "
    "or it expired; request a new one"
)

_MAX_IDENTIFIER: Final = 320  # longest e-mail address
_MAX_TRACKED: Final = 10_000
"""Failure counters kept at most (accounts and unknown identifiers alike)."""


@functools.lru_cache(maxsize=8)
def _dummy_hash(params: ScryptParams) -> str:
    """A hash of a random secret nobody knows, to spend the same work on unknown accounts."""
    return hash_secret(secrets.token_urlsafe(24), params)


# =============================================================================
# Stored records
# =============================================================================


class Channel(enum.Enum):
    """How a message reaches a user."""

    EMAIL = "email"
    """By e-mail to the account's e-mail address."""
    SMS = "sms"
    """By SMS to one of the account's mobile numbers."""


class SecretKind(enum.Enum):
    """What kind of secret an :class:`IssuedSecret` carries."""

    PASSWORD = "password"  # noqa: S105 - a kind, not a secret
    """A new password made by an administrator's reset."""
    PIN = "pin"
    """A new PIN made by an administrator's reset."""
    RESET_TOKEN = "reset-token"  # noqa: S105 - a kind, not a secret
    """A one-time token to set a new password (forgotten password)."""


def _check_hash(_instance: object, attribute: attrs.Attribute[str | None], value: object) -> None:
    if value is None:
        return
    try:
        _parse_hash(value)  # type: ignore[arg-type]
    except InvalidValueError as exc:
        raise InvalidValueError(f"{attribute.name}: {exc.message}", field=attribute.name) from None


def _aware(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, datetime) or value.utcoffset() is None):
        raise InvalidValueError(
            f"{attribute.name} must be a date and time with a time zone, not {value!r}",
            field=attribute.name,
            value=value,
        )


@attrs.frozen(kw_only=True)
class ResetToken:
    """A pending forgotten-password token: only its SHA-256 is kept.

    Args:
        digest (str): Hex SHA-256 of the token that was sent.
        channel (Channel): How it was sent.
        issued (datetime): When it was made (aware).
        expires (datetime): When it stops working (aware).
    """

    digest: str = attrs.field(validator=sha256_digest)
    channel: Channel = attrs.field(converter=Channel)
    issued: datetime = attrs.field(validator=_aware)
    expires: datetime = attrs.field(validator=_aware)


@attrs.frozen(kw_only=True)
class RememberedLogin:
    """A computer where the user ticked "Remember me on this computer": only a hash is kept.

    Args:
        digest (str): Hex SHA-256 of the token kept on that computer.
        issued (datetime): When the user logged in with the password (aware).
        expires (datetime): When it stops working (aware).
    """

    digest: str = attrs.field(validator=sha256_digest)
    issued: datetime = attrs.field(validator=_aware)
    expires: datetime = attrs.field(validator=_aware)


def _remembered(values: Iterable[RememberedLogin]) -> tuple[RememberedLogin, ...]:
    return tuple(values)


@attrs.frozen(kw_only=True)
class Credentials:
    """The secrets of one account, as stored: hashes only.

    Args:
        username (str): The account.
        password_hash (str | None): scrypt hash of the password; ``None`` when none is set.
        pin_hash (str | None): scrypt hash of the PIN; ``None`` when none is set.
        admin (bool): Has the administrator role (may enter the admin view).
        must_change_password (bool): The password was made by a reset and must be changed.
        password_changed (datetime | None): When the password was last set.
        reset_token (ResetToken | None): The pending forgotten-password token, if any.
        remembered (tuple[RememberedLogin, ...]): Computers that log in without the
            password ("Remember me on this computer"), oldest first.
    """

    username: str
    password_hash: str | None = attrs.field(default=None, validator=_check_hash, repr=False)
    pin_hash: str | None = attrs.field(default=None, validator=_check_hash, repr=False)
    admin: bool = False
    must_change_password: bool = False
    password_changed: datetime | None = attrs.field(default=None, validator=_aware)
    reset_token: ResetToken | None = attrs.field(default=None, repr=False)
    remembered: tuple[RememberedLogin, ...] = attrs.field(
        default=(), converter=_remembered, repr=False
    )


@attrs.frozen(kw_only=True)
class FailureRecord:
    """Consecutive failed logins of one account or unknown identifier.

    Args:
        subject (str): ``user:<username>`` for an account, ``unknown:<sha256>`` for an
            identifier that matches no account (the identifier itself is not kept).
        failures (int): Consecutive failures.
        last_failure (datetime): When the last one happened.
        locked_until (datetime | None): Refused until then.
    """

    subject: str
    failures: int
    last_failure: datetime = attrs.field(validator=_aware)
    locked_until: datetime | None = attrs.field(default=None, validator=_aware)


@attrs.frozen(kw_only=True)
class IssuedSecret:
    """A new secret to deliver to a user, and how it will reach them.

    It lives in memory only; nothing in it is saved. Hand it to
    :func:`cloudtel.messaging.deliver_secret` (or read :attr:`how`).

    Args:
        username (str): The account.
        kind (SecretKind): Password, PIN or reset token.
        secret (str): The secret itself (shown once; never saved).
        channel (Channel | None): E-mail or SMS; ``None`` when the account has neither.
        address (str | None): The e-mail address or E.164 mobile number.
        expires (datetime | None): When it stops working (reset tokens).
    """

    username: str
    kind: SecretKind
    secret: str = attrs.field(repr=False)
    channel: Channel | None
    address: str | None
    expires: datetime | None = None

    @property
    def how(self) -> str:
        """In words: how the secret reaches the user."""
        if self.channel is Channel.EMAIL:
            return f"by e-mail to {self.address}"
        if self.channel is Channel.SMS:
            return f"by SMS to {self.address}"
        return "the account has no e-mail address or mobile number: give it to the user in person"


# =============================================================================
# The Accounts part
# =============================================================================


def _route_of(user: User, *, prefer_sms: str | None = None) -> tuple[Channel | None, str | None]:
    """How a message reaches ``user``: SMS to ``prefer_sms``, else e-mail, else SMS."""
    if prefer_sms is not None:
        return Channel.SMS, prefer_sms
    if user.email:
        return Channel.EMAIL, user.email
    if user.mobile_phones:
        return Channel.SMS, user.mobile_phones[0].number.e164
    return None, None


_NOBODY: Final = "nobody@cloudtel.invalid"
"""The stand-in account a reset request for an unknown identifier works on."""
_NOBODY_USER: Final = User(username=_NOBODY, email=_NOBODY)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _normal_identifier(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


_PHONE_LIKE = re.compile(r"[+0-9][0-9\s().\-/]{5,30}")


@attrs.define
class Accounts(Part):
    """The accounts of an organisation: credentials, lockouts and photos.

    Saved in the org file under ``accounts``: hashes, token digests, failure
    counters and photo records; never a password, PIN or token as typed.
    :attr:`policy` and :attr:`clock` are settings of the running program (not
    saved): tests give a fast policy and a fixed clock.

    Operations that take ``by=`` are done on behalf of that principal: acting on
    another user's account needs the admin view. Without ``by`` the caller is
    trusted (a script run by the administrator).

    Args:
        credentials (tuple[Credentials, ...]): One record per account with secrets.
        failures (tuple[FailureRecord, ...]): Failed-login counters.
        photos (tuple[Photo, ...]): One photo per user at most.
    """

    credentials: tuple[Credentials, ...] = attrs.field(default=(), converter=tuple)
    failures: tuple[FailureRecord, ...] = attrs.field(default=(), converter=tuple)
    photos: tuple[Photo, ...] = attrs.field(default=(), converter=tuple)
    policy: CredentialPolicy = attrs.field(
        init=False, factory=CredentialPolicy, eq=False, repr=False
    )
    clock: Callable[[], datetime] = attrs.field(init=False, default=_utcnow, eq=False, repr=False)
    _outgoing: list[IssuedSecret] = attrs.field(init=False, factory=list, eq=False, repr=False)
    _photo_data: dict[str, bytes] = attrs.field(init=False, factory=dict, eq=False, repr=False)

    # --- helpers -----------------------------------------------------------------

    def _now(self) -> datetime:
        now = self.clock()
        if now.utcoffset() is None:
            raise InvalidValueError("the accounts clock must return aware datetimes", field="clock")
        return now.astimezone(UTC)

    def _record(self, username: str) -> Credentials | None:
        for record in self.credentials:
            if record.username == username:
                return record
        return None

    def _put(self, record: Credentials) -> None:
        others = tuple(c for c in self.credentials if c.username != record.username)
        self.credentials = (*others, record)

    def _change(self, username: str, **changes: Any) -> None:
        """Change fields of the user's credentials (a blank record when there is none)."""
        self._put(attrs.evolve(self._record(username) or Credentials(username=username), **changes))

    def _user(self, username: str) -> Any:
        return self.org.user(username)

    def _authorise(
        self, by: Principal | None, username: str, action: str, *, self_allowed: bool
    ) -> None:
        if by is None:
            return
        if self_allowed:
            require_self_or_admin_view(by, username, action=action)
        else:
            require_admin_view(by, action=action)

    def _personal(self, username: str) -> list[str]:
        user = self._user(username)
        words = [user.email, user.first_name, user.last_name, self.org.domain]
        words += [number.e164 for number in user.lines]
        words += [mobile.number.e164 for mobile in user.mobile_phones]
        return [w for w in words if w]

    def _own_numbers(self, username: str) -> list[str]:
        user = self._user(username)
        return [n.e164 for n in user.lines] + [m.number.e164 for m in user.mobile_phones]

    def _route(
        self, username: str, prefer_sms: str | None = None
    ) -> tuple[Channel | None, str | None]:
        return _route_of(self._user(username), prefer_sms=prefer_sms)

    # --- questions ---------------------------------------------------------------

    def has_password(self, username: str) -> bool:
        """Whether the account has a password set."""
        record = self._record(self._user(username).username)
        return record is not None and record.password_hash is not None

    def has_pin(self, username: str) -> bool:
        """Whether the account has a PIN set."""
        record = self._record(self._user(username).username)
        return record is not None and record.pin_hash is not None

    def is_admin(self, username: str) -> bool:
        """Whether the user has the administrator role."""
        record = self._record(self._user(username).username)
        return record is not None and record.admin

    def locked_until(self, username: str) -> datetime | None:
        """Until when logins of this account are refused, or ``None``."""
        record = self._failure(f"user:{self._user(username).username}")
        if record is None or record.locked_until is None or record.locked_until <= self._now():
            return None
        return record.locked_until

    # --- setting secrets -----------------------------------------------------------

    def set_password(self, username: str, password: str, *, by: Principal | None = None) -> None:
        """Set a user's password after checking the policy.

        A user changes their own password with :meth:`change_password`; this
        needs the admin view when done ``by`` someone.

        Raises:
            NotFoundError: No such user.
            CredentialPolicyError: The policy refuses it.
            AccessDeniedError: ``by`` may not do this.
        """
        name = self._user(username).username
        self._authorise(by, name, "setting a password", self_allowed=False)
        self._store_password(name, password, must_change=False)

    def change_password(self, username: str, current: str, new: str) -> None:
        """A user changes their own password, proving they know the current one.

        Raises:
            AccessDeniedError: The current password is wrong (counts as a failed login).
            AccountLockedError: Too many failures.
            CredentialPolicyError: The policy refuses the new one.
        """
        name = self._user(username).username
        self._check_password(f"user:{name}", name, current)
        self._store_password(name, new, must_change=False)

    def _store_password(self, username: str, password: str, *, must_change: bool) -> None:
        normal = validate_password(
            password, username=username, personal=self._personal(username), policy=self.policy
        )
        self._change(
            username,
            password_hash=hash_secret(normal, self.policy.scrypt),
            must_change_password=must_change,
            password_changed=self._now(),
            reset_token=None,  # a password change invalidates a pending reset
            remembered=(),  # and every remembered computer
        )

    def reset_password(self, username: str, *, by: Principal | None = None) -> IssuedSecret:
        """Give the user a new random password (the portal's "Reset password").

        The user must change it at the next login (:attr:`Principal.must_change_password`).
        A pending forgotten-password token stops working.

        Returns:
            The new password and how it reaches the user; deliver it with
            :func:`cloudtel.messaging.deliver_secret`.

        Raises:
            NotFoundError: No such user.
            AccessDeniedError: ``by`` has no open admin view.
        """
        name = self._user(username).username
        self._authorise(by, name, "resetting a password", self_allowed=False)
        password = generate_password(self.policy)
        self._store_password(name, password, must_change=True)
        channel, address = self._route(name)
        return IssuedSecret(
            username=name,
            kind=SecretKind.PASSWORD,
            secret=password,
            channel=channel,
            address=address,
        )

    def set_pin(self, username: str, pin: str, *, by: Principal | None = None) -> None:
        """Set the PIN for DECT phones and free seating after checking the policy.

        A user may set their own PIN; anyone else needs the admin view.

        Raises:
            NotFoundError: No such user.
            CredentialPolicyError: The policy refuses it.
            AccessDeniedError: ``by`` may not do this.
        """
        name = self._user(username).username
        self._authorise(by, name, "setting a PIN", self_allowed=True)
        validate_pin(pin, avoid=self._own_numbers(name), policy=self.policy)
        self._change(name, pin_hash=hash_secret(pin, self.policy.scrypt))

    def reset_pin(self, username: str, *, by: Principal | None = None) -> IssuedSecret:
        """Give the user a new random PIN (the portal's "Reset PIN code").

        Returns:
            The new PIN and how it reaches the user.

        Raises:
            NotFoundError: No such user.
            AccessDeniedError: ``by`` has no open admin view.
        """
        name = self._user(username).username
        self._authorise(by, name, "resetting a PIN", self_allowed=False)
        pin = generate_pin(self.policy, avoid=self._own_numbers(name))
        self._change(name, pin_hash=hash_secret(pin, self.policy.scrypt))
        channel, address = self._route(name)
        return IssuedSecret(
            username=name, kind=SecretKind.PIN, secret=pin, channel=channel, address=address
        )

    def set_admin(self, username: str, admin: bool = True, *, by: Principal | None = None) -> None:
        """Give or take the administrator role.

        Raises:
            NotFoundError: No such user.
            AccessDeniedError: ``by`` has no open admin view.
        """
        name = self._user(username).username
        self._authorise(by, name, "changing the administrator role", self_allowed=False)
        self._change(name, admin=bool(admin))

    def unlock(self, username: str, *, by: Principal | None = None) -> None:
        """Forget the failed logins of an account, lifting a lock.

        Raises:
            NotFoundError: No such user.
            AccessDeniedError: ``by`` has no open admin view.
        """
        name = self._user(username).username
        self._authorise(by, name, "unlocking an account", self_allowed=False)
        self.failures = tuple(f for f in self.failures if f.subject != f"user:{name}")

    # --- login ---------------------------------------------------------------------

    def _resolve(self, identifier: str) -> tuple[str, str | None, str | None]:
        """Return (throttle subject, username or None, mobile e164 when typed as a number)."""
        if not isinstance(identifier, str):
            return "unknown:" + _token_digest(repr(type(identifier))), None, None
        text = _normal_identifier(identifier[: _MAX_IDENTIFIER * 2])
        unknown = "unknown:" + _token_digest(text)  # for accounts too: the same work
        if len(text) > _MAX_IDENTIFIER:
            return unknown, None, None
        phone_like = _PHONE_LIKE.fullmatch(text)
        if self.org.has_user(text):
            name = self.org.user(text).username
            return f"user:{name}", name, None
        if phone_like:
            try:
                number = PhoneNumber.parse(text, self.org.country or DEFAULT_COUNTRY)
            except InvalidPhoneNumberError:
                number = None
            if number is not None:
                owners = [
                    u.username
                    for u in self.org.users
                    if any(m.number == number for m in u.mobile_phones)
                ]
                if len(owners) == 1:
                    return f"user:{owners[0]}", owners[0], number.e164
                return "unknown:" + _token_digest(number.e164), None, None
        return unknown, None, None

    def _failure(self, subject: str) -> FailureRecord | None:
        for record in self.failures:
            if record.subject == subject:
                return record
        return None

    def _check_lock(self, subject: str, now: datetime) -> None:
        record = self._failure(subject)
        if record is not None and record.locked_until is not None and now < record.locked_until:
            raise AccountLockedError(
                "too many failed logins: this username or mobile number is locked until "
                f"{record.locked_until:%Y-%m-%d %H:%M:%S} UTC; try again then or ask an "
                "administrator to unlock it",
                locked_until=record.locked_until,
            )

    def _note_failure(self, subject: str, now: datetime) -> None:
        record = self._failure(subject)
        count = 1
        if record is not None and now - record.last_failure <= self.policy.failure_memory:
            count = record.failures + 1
        duration = self.policy.lock_duration(count)
        fresh = FailureRecord(
            subject=subject,
            failures=count,
            last_failure=now,
            locked_until=None if duration is None else now + duration,
        )
        kept = [
            f
            for f in self.failures
            if f.subject != subject
            and (
                now - f.last_failure <= self.policy.failure_memory
                or (f.locked_until is not None and f.locked_until > now)
            )
        ]
        if len(kept) >= _MAX_TRACKED:
            # The same rule for accounts and unknown identifiers, so that what is still
            # remembered after a spray of unknown names says nothing about which names
            # exist: the counter of the oldest failure that holds no lock goes first;
            # when every one holds a lock, the lock that ends first.
            open_ = [f for f in kept if f.locked_until is None or f.locked_until <= now]
            if open_:
                kept.remove(min(open_, key=lambda f: f.last_failure))
            else:
                kept.remove(min(kept, key=lambda f: f.locked_until or now))
        self.failures = (*kept, fresh)

    def _note_success(self, subject: str) -> None:
        if self._failure(subject) is not None:
            self.failures = tuple(f for f in self.failures if f.subject != subject)

    def _check_password(self, subject: str, username: str | None, password: str) -> Credentials:
        """Verify, counting failures; same work whether or not the account exists."""
        now = self._now()
        self._check_lock(subject, now)
        record = self._record(username) if username is not None else None
        stored = record.password_hash if record is not None else None
        candidate = password if isinstance(password, str) else ""
        if len(candidate) > self.policy.password_max_length:
            candidate = ""  # never hash unbounded input; still do the same work below
            stored = None
        matched = verify_secret(candidate, stored or _dummy_hash(self.policy.scrypt))
        if not matched or stored is None or record is None:
            self._note_failure(subject, now)
            raise AccessDeniedError(LOGIN_FAILED_MESSAGE)
        self._note_success(subject)
        if needs_rehash(stored, self.policy.scrypt):
            record = attrs.evolve(record, password_hash=hash_secret(candidate, self.policy.scrypt))
            self._put(record)
        return record

    def login(self, identifier: str, password: str, *, remember: bool = False) -> Principal:
        """Log in with a username or mobile number (any notation) and a password.

        Args:
            identifier (str): ``user.1@domaincustomer.be`` or a mobile number such as
                ``+32 470 12 34 56`` or ``0470/12.34.56`` (national numbers in the
                organisation's country).
            password (str): The password.
            remember (bool): The login page's "Remember me on this computer": the
                principal carries a :attr:`~Principal.remember_token` that logs in again
                without the password (:meth:`login_remembered`) for
                :attr:`CredentialPolicy.remember_duration`; only its hash is stored.

        Returns:
            A :class:`Principal` without the admin view open.

        Raises:
            AccessDeniedError: :data:`LOGIN_FAILED_MESSAGE`, whatever was wrong.
            AccountLockedError: Too many failures for this identifier; says until when.
        """
        subject, username, _mobile = self._resolve(identifier)
        record = self._check_password(subject, username, password)
        now = self._now()
        token = None
        if remember:
            token = secrets.token_urlsafe(32)
            fresh = RememberedLogin(
                digest=_token_digest(token),
                issued=now,
                expires=now + self.policy.remember_duration,
            )
            current = self._record(record.username) or record
            kept = [r for r in current.remembered if r.expires > now]
            room = self.policy.max_remembered - 1  # the oldest make way for the new one
            kept = kept[len(kept) - room :] if len(kept) > room else kept
            self._change(record.username, remembered=(*kept, fresh))
        return Principal._issue(
            username=record.username,
            admin=record.admin,
            authenticated_at=now,
            admin_view_until=None,
            must_change_password=record.must_change_password,
            clock=self.clock,
            remember_token=token,
        )

    def login_remembered(self, token: str) -> Principal:
        """Log in again on a computer where the user ticked "Remember me on this computer".

        The admin view still asks for the password (:meth:`enter_admin_view`).

        Args:
            token (str): The :attr:`Principal.remember_token` kept on that computer.

        Returns:
            A :class:`Principal` without the admin view open; ``authenticated_at`` is
            when the password was checked.

        Raises:
            AccessDeniedError: Unknown, expired or forgotten token, or the password has
                changed since (one message: log in with the password).
        """
        now = self._now()
        well_formed = isinstance(token, str) and 0 < len(token) <= 256
        digest = _token_digest(token if well_formed else "")
        for record in self.credentials:
            for remembered in record.remembered:
                if (
                    well_formed
                    and hmac.compare_digest(remembered.digest, digest)
                    and now < remembered.expires
                    and self.org.has_user(record.username)
                    and record.password_hash is not None
                ):
                    return Principal._issue(
                        username=record.username,
                        admin=record.admin,
                        authenticated_at=remembered.issued,
                        admin_view_until=None,
                        must_change_password=record.must_change_password,
                        clock=self.clock,
                    )
        raise AccessDeniedError(REMEMBERED_LOGIN_FAILED_MESSAGE)

    def forget_computer(self, token: str) -> None:
        """Log out for good on one computer: its remember token stops working.

        Args:
            token (str): The :attr:`Principal.remember_token` kept there (an unknown one
                changes nothing).
        """
        digest = _token_digest(token if isinstance(token, str) else "")
        for record in self.credentials:
            kept = tuple(r for r in record.remembered if r.digest != digest)
            if kept != record.remembered:
                self._put(attrs.evolve(record, remembered=kept))

    def forget_all_computers(self, username: str, *, by: Principal | None = None) -> None:
        """Stop every "Remember me" login of a user (a lost laptop).

        Raises:
            NotFoundError: No such user.
            AccessDeniedError: ``by`` is another user without the admin view.
        """
        name = self._user(username).username
        self._authorise(by, name, "forgetting remembered computers", self_allowed=True)
        if self._record(name) is not None:
            self._change(name, remembered=())

    def verify_pin(self, username: str, pin: str) -> None:
        """Check a PIN (free seating, DECT), with the same lockout as logins.

        Raises:
            AccessDeniedError: Wrong PIN or unknown user (one message).
            AccountLockedError: Too many failures.
        """
        subject, name, _mobile = self._resolve(username)
        subject = "pin:" + subject
        now = self._now()
        self._check_lock(subject, now)
        record = self._record(name) if name is not None else None
        stored = record.pin_hash if record is not None else None
        candidate = pin if isinstance(pin, str) and len(pin) <= 64 else ""
        matched = verify_secret(candidate, stored or _dummy_hash(self.policy.scrypt))
        if not matched or stored is None:
            self._note_failure(subject, now)
            raise AccessDeniedError("wrong user or PIN")
        self._note_success(subject)

    def enter_admin_view(self, principal: Principal, password: str) -> Principal:
        """Open the admin view: an administrator re-enters their password.

        Returns:
            A new principal whose admin view is open for
            :attr:`CredentialPolicy.admin_view_duration` (15 minutes).

        Raises:
            AccessDeniedError: Not a genuine principal, not an administrator, or a wrong
                password (which counts as a failed login).
            AccountLockedError: Too many failures.
        """
        if not isinstance(principal, Principal) or not principal.genuine:
            raise AccessDeniedError("the principal was not issued by a login")
        name = principal.username
        record = self._record(name)
        if record is None or not record.admin:
            raise AccessDeniedError(
                f"{name} is not an administrator and cannot open the admin view", user=name
            )
        record = self._check_password(f"user:{name}", name, password)
        now = self._now()
        return Principal._issue(
            username=name,
            admin=record.admin,
            authenticated_at=principal.authenticated_at,
            admin_view_until=now + self.policy.admin_view_duration,
            must_change_password=record.must_change_password,
            clock=self.clock,
        )

    @staticmethod
    def leave_admin_view(principal: Principal) -> Principal:
        """Close the admin view; returns the principal without it."""
        if not principal.genuine:
            raise AccessDeniedError("the principal was not issued by a login")
        return Principal._issue(
            username=principal.username,
            admin=principal.admin,
            authenticated_at=principal.authenticated_at,
            admin_view_until=None,
            must_change_password=principal.must_change_password,
            clock=principal.clock,
        )

    # --- forgotten password ----------------------------------------------------

    def request_password_reset(self, identifier: str) -> str:
        """Someone forgot their password: send a one-time token if the account exists.

        Always returns :data:`RESET_REQUEST_ANSWER` and does the same work; when
        the account exists and has an e-mail address or mobile number, a token
        is queued for delivery (see :meth:`take_outgoing`): by SMS to the number
        typed when the identifier was a mobile number, else by e-mail, else by
        SMS to the first mobile number. Only the token's SHA-256 is stored; it
        expires after :attr:`CredentialPolicy.reset_token_lifetime` and replaces
        any earlier token. At most one message per
        :attr:`CredentialPolicy.reset_request_interval`.

        Args:
            identifier (str): Username or mobile number.

        Returns:
            :data:`RESET_REQUEST_ANSWER`, always.
        """
        # The same work whether or not the account exists, is throttled or has no
        # address: the unknown identifier goes through the steps with a stand-in
        # account, and only the last step (keeping the token) depends on the answers.
        now = self._now()
        token = secrets.token_urlsafe(32)
        digest = _token_digest(token)
        _subject, username, mobile = self._resolve(identifier)
        exists = username is not None
        name = username if username is not None else _NOBODY
        blank = Credentials(username=name)  # made either way: the same work
        record = self._record(name) or blank
        pending = record.reset_token
        throttled = (
            pending is not None and now - pending.issued < self.policy.reset_request_interval
        )
        found = self.org.has_user(name)  # a lookup either way
        user = self.org.user(name) if exists and found else _NOBODY_USER
        channel, address = _route_of(user, prefer_sms=mobile)
        expires = now + self.policy.reset_token_lifetime
        updated = attrs.evolve(
            record,
            reset_token=ResetToken(
                digest=digest, channel=channel or Channel.EMAIL, issued=now, expires=expires
            ),
        )
        issued = IssuedSecret(
            username=name,
            kind=SecretKind.RESET_TOKEN,
            secret=token,
            channel=channel,
            address=address,
            expires=expires,
        )
        credentials = (*(c for c in self.credentials if c.username != name), updated)
        send = exists and not throttled and channel is not None and address is not None
        self.credentials = credentials if send else self.credentials
        (self._outgoing if send else []).append(issued)
        return RESET_REQUEST_ANSWER

    def take_outgoing(self) -> tuple[IssuedSecret, ...]:
        """Take the reset tokens queued for delivery (each is handed out once).

        A portal sends them from a background job, so the time a reset request
        takes says nothing about whether the account exists.
        """
        queued = tuple(self._outgoing)
        self._outgoing.clear()
        return queued

    def _find_token(self, token: str) -> Credentials:
        now = self._now()
        well_formed = isinstance(token, str) and 0 < len(token) <= 256
        digest = _token_digest(token if well_formed else "")
        found: Credentials | None = None
        for record in self.credentials:
            pending = record.reset_token
            if pending is not None and hmac.compare_digest(pending.digest, digest):
                found = record
        if not well_formed:
            found = None
        if found is None or found.reset_token is None or now >= found.reset_token.expires:
            raise AccessDeniedError(_RESET_LINK_INVALID)
        if not self.org.has_user(found.username):
            raise AccessDeniedError(_RESET_LINK_INVALID)
        return found

    def check_reset_token(self, token: str) -> str:
        """Whether a reset token works now (before showing the new-password form).

        Returns:
            The username it belongs to.

        Raises:
            AccessDeniedError: Unknown, used, replaced or expired (one message).
        """
        return self._find_token(token).username

    def redeem_reset_token(self, token: str, new_password: str) -> str:
        """Set a new password with a reset token; the token then stops working.

        When the policy refuses the password the token stays valid, so the user
        can try another.

        Returns:
            The username whose password was set.

        Raises:
            AccessDeniedError: Unknown, used, replaced or expired token (one message).
            CredentialPolicyError: The policy refuses the new password.
        """
        record = self._find_token(token)
        self._store_password(record.username, new_password, must_change=False)
        self._note_success(f"user:{record.username}")
        return record.username

    # --- photos ----------------------------------------------------------------

    def photo(self, username: str) -> Photo | None:
        """The user's photo record, or ``None``."""
        name = self._user(username).username
        return next((p for p in self.photos if p.username == name), None)

    def set_photo(
        self,
        username: str,
        data: bytes,
        *,
        filename: str | None = None,
        by: Principal | None = None,
    ) -> Photo:
        """Upload a user's photo (JPEG only, see :func:`inspect_jpeg`), scaled to 400×400.

        A photo that is not 400×400 is scaled and the scaled photo is stored
        (:func:`cloudtel.accounts.scaling.scale_photo`, with the optional extra ``photos``,
        Pillow). Without Pillow the photo is stored as uploaded and :attr:`Photo.notice`
        says it was not scaled and names the extra.

        Returns:
            The photo record: 400×400 when scaled; :attr:`Photo.notice` says otherwise.

        Raises:
            InvalidValueError: Not an acceptable JPEG (the message says why).
            NotFoundError: No such user.
            AccessDeniedError: ``by`` may not change this user's photo.
        """
        name = self._user(username).username
        self._authorise(by, name, "changing a photo", self_allowed=True)
        info = inspect_jpeg(data, filename=filename)
        if pillow_available():
            data, info = scale_photo(data)
        blob = Blob.of(bytes(data))
        record = Photo(username=name, sha256=blob.sha256, width=info.width, height=info.height)
        self._photo_data[blob.sha256] = bytes(data)
        self.photos = (*(p for p in self.photos if p.username != name), record)
        return record

    def remove_photo(self, username: str, *, by: Principal | None = None) -> None:
        """Remove a user's photo (no change when there is none)."""
        name = self._user(username).username
        self._authorise(by, name, "removing a photo", self_allowed=True)
        self.photos = tuple(p for p in self.photos if p.username != name)

    # --- Part hooks --------------------------------------------------------------

    def forget_user(self, username: str) -> None:
        """Drop the credentials, photo and failure counters of a deleted user."""
        self.credentials = tuple(c for c in self.credentials if c.username != username)
        self.photos = tuple(p for p in self.photos if p.username != username)
        self.failures = tuple(
            f
            for f in self.failures
            if f.subject not in (f"user:{username}", f"pin:user:{username}")
        )

    def rename_user(self, old: str, new: str) -> None:
        """Move the credentials, photo and failure counters to the new username.

        Without this a user created later under the old name would inherit them.
        """

        def moved(subject: str) -> str:
            for prefix in ("user:", "pin:user:"):
                if subject == f"{prefix}{old}":
                    return f"{prefix}{new}"
            return subject

        self.credentials = tuple(
            attrs.evolve(c, username=new) if c.username == old else c for c in self.credentials
        )
        self.photos = tuple(
            attrs.evolve(p, username=new) if p.username == old else p for p in self.photos
        )
        self.failures = tuple(attrs.evolve(f, subject=moved(f.subject)) for f in self.failures)

    def problems(self) -> Iterator[Problem]:
        """Records of users that do not exist, and accounts listed twice."""
        seen: set[str] = set()
        for index, record in enumerate(self.credentials):
            where = f"accounts.credentials[{index}]"
            if record.username in seen:
                yield Problem(f"{where}.username", f"{record.username!r} has two records")
            seen.add(record.username)
            if not self.org.has_user(record.username):
                yield Problem(f"{where}.username", f"no user {record.username!r}")
        photo_users: set[str] = set()
        for index, photo in enumerate(self.photos):
            where = f"accounts.photos[{index}]"
            if photo.username in photo_users:
                yield Problem(f"{where}.username", f"{photo.username!r} has two photos")
            photo_users.add(photo.username)
            if not self.org.has_user(photo.username):
                yield Problem(f"{where}.username", f"no user {photo.username!r}")

    def blobs(self) -> Mapping[str, Blob]:
        """The photo files, ``photos/<sha256>.jpg``."""
        return {p.path: Blob(p.sha256, self._photo_data.get(p.sha256)) for p in self.photos}
