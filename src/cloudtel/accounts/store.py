"""Accounts: passwords, PINs, logins, reset tokens, the admin view and photos.

Everything a user types is hostile until checked. What this module stores,
how it compares and when things expire is written down in ``docs/security.md``;
the short version:

- **Passwords and PINs** are stored only as salted scrypt hashes in the form
  ``scrypt$n=32768,r=8,p=1$<salt>$<hash>`` (base64, no padding). The cost
  parameters travel with the hash, so they can be raised later: a login with a
  hash made with lower parameters than the current :class:`CredentialPolicy`
  re-hashes the password on the spot.
- **Login** takes a username or a mobile number (any notation) and a password.
  Every failure gives the same :class:`~cloudtel.errors.AccessDeniedError` and
  does the same work: an unknown account is checked against a dummy hash.
  After :attr:`CredentialPolicy.max_failures` consecutive failures the
  identifier is locked, for longer after every further failure
  (:class:`~cloudtel.errors.AccountLockedError`); unknown identifiers are
  counted and locked the same way, so a lock says nothing about existence.
- **Forgotten password**: :meth:`Accounts.request_password_reset` always
  returns :data:`RESET_REQUEST_ANSWER`. When the account exists, a random
  one-time token is queued for delivery by e-mail or SMS; only its SHA-256 is
  stored, it expires, works once, and is invalidated by a newer request or a
  password change.
- **Admin view**: :meth:`Accounts.enter_admin_view` re-checks the password of
  an administrator and returns a :class:`Principal` whose admin view expires;
  :func:`require_admin_view` is what admin-only operations call.
- **Photos**: :func:`inspect_jpeg` reads the JPEG markers itself and refuses
  anything that is not a well-formed baseline or progressive JPEG.

The domain does no I/O: secrets to deliver are handed out as
:class:`IssuedSecret` values, and :mod:`cloudtel.messaging` sends them.
"""

from __future__ import annotations

import base64
import binascii
import enum
import functools
import hashlib
import hmac
import itertools
import re
import secrets
import string
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any, Final

import attrs

from cloudtel._part import Blob, Part
from cloudtel.errors import (
    AccessDeniedError,
    AccountLockedError,
    CredentialPolicyError,
    InvalidPhoneNumberError,
    InvalidValueError,
    Problem,
)
from cloudtel.numbers import DEFAULT_COUNTRY, PhoneNumber

__all__ = [
    "ADMIN_VIEW_DURATION",
    "LOGIN_FAILED_MESSAGE",
    "PHOTO_IDEAL_SIZE",
    "PHOTO_MAX_BYTES",
    "PHOTO_MAX_SIDE",
    "RESET_REQUEST_ANSWER",
    "RESET_TOKEN_LIFETIME",
    "Accounts",
    "Channel",
    "CredentialPolicy",
    "Credentials",
    "FailureRecord",
    "IssuedSecret",
    "JpegInfo",
    "Photo",
    "Principal",
    "ResetToken",
    "ScryptParams",
    "SecretKind",
    "generate_password",
    "generate_pin",
    "hash_secret",
    "inspect_jpeg",
    "needs_rehash",
    "require_admin_view",
    "require_self_or_admin_view",
    "validate_password",
    "validate_pin",
    "verify_secret",
]


def _utcnow() -> datetime:
    return datetime.now(UTC)


# =============================================================================
# Documented defaults
# =============================================================================

ADMIN_VIEW_DURATION: Final = timedelta(minutes=15)
"""How long the admin view stays open after the password was re-entered."""

RESET_TOKEN_LIFETIME: Final = timedelta(minutes=30)
"""How long a forgotten-password token works after it was sent."""

PHOTO_MAX_BYTES: Final = 2 * 1024 * 1024
"""The largest photo file accepted: 2 MiB."""

PHOTO_MAX_SIDE: Final = 8192
"""The largest width or height of a photo, in pixels."""

PHOTO_IDEAL_SIZE: Final = (400, 400)
"""The photo size the portal shows unscaled (width, height)."""

LOGIN_FAILED_MESSAGE: Final = "wrong username, mobile number or password"
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

# Hard limits on scrypt parameters read from a file: a hostile org file must not
# make a login take minutes or gigabytes.
_MAX_N: Final = 2**20
_MAX_R: Final = 32
_MAX_P: Final = 16
_MAX_MEMORY: Final = 256 * 1024 * 1024
_MAX_IDENTIFIER: Final = 320  # longest e-mail address
_MAX_TRACKED_UNKNOWN: Final = 10_000


# =============================================================================
# Policy
# =============================================================================


def _power_of_two(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or value < 2 or value & (value - 1) or value > _MAX_N:
        raise InvalidValueError(
            f"scrypt {attribute.name} must be a power of two from 2 to {_MAX_N}, not {value!r}",
            field=attribute.name,
            value=value,
        )


def _between(low: int, high: int) -> Callable[[object, attrs.Attribute[int], int], None]:
    def check(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise InvalidValueError(
                f"{attribute.name} must be a whole number from {low} to {high}, not {value!r}",
                field=attribute.name,
                value=value,
            )

    return check


@attrs.frozen(kw_only=True)
class ScryptParams:
    """Cost parameters of scrypt, recorded in every stored hash.

    The defaults (N = 2**15, r = 8, p = 1: 32 MiB of memory, about a tenth of
    a second per hash) follow current guidance for interactive logins.

    Args:
        n (int): CPU/memory cost, a power of two (2 … 2**20).
        r (int): Block size (1 … 32).
        p (int): Parallelism (1 … 16).
        salt_bytes (int): Random salt length in bytes (16 … 64).
        key_bytes (int): Hash length in bytes (16 … 64).

    Raises:
        InvalidValueError: A parameter outside those limits, or one that needs
            more than 256 MiB of memory.
    """

    n: int = attrs.field(default=2**15, validator=_power_of_two)
    r: int = attrs.field(default=8, validator=_between(1, _MAX_R))
    p: int = attrs.field(default=1, validator=_between(1, _MAX_P))
    salt_bytes: int = attrs.field(default=16, validator=_between(16, 64))
    key_bytes: int = attrs.field(default=32, validator=_between(16, 64))

    def __attrs_post_init__(self) -> None:
        if self.memory > _MAX_MEMORY:
            raise InvalidValueError(
                f"scrypt parameters n={self.n}, r={self.r} need {self.memory // 2**20} MiB; "
                f"at most {_MAX_MEMORY // 2**20} MiB is allowed",
                field="n",
                value=self.n,
            )

    @property
    def memory(self) -> int:
        """Bytes of memory one hash needs (128 · r · N)."""
        return 128 * self.r * self.n

    def weaker_than(self, other: ScryptParams) -> bool:
        """Whether any parameter is lower than in ``other`` (then the hash is renewed)."""
        return (
            self.n < other.n
            or self.r < other.r
            or self.p < other.p
            or self.salt_bytes < other.salt_bytes
            or self.key_bytes < other.key_bytes
        )


@attrs.frozen(kw_only=True)
class CredentialPolicy:
    """The documented rules for passwords, PINs, lockout and expiry.

    Every number here is in ``docs/security.md``. Tests pass a policy with small
    scrypt parameters (``CredentialPolicy(scrypt=ScryptParams(n=16, r=1))``)
    so they stay fast.

    Args:
        scrypt (ScryptParams): Parameters of new hashes.
        password_min_length (int): Fewest characters in a password (10).
        password_max_length (int): Most characters in a password (128).
        password_min_distinct (int): Fewest different characters (5).
        pin_min_length (int): Fewest digits in a PIN (4).
        pin_max_length (int): Most digits in a PIN (8).
        generated_pin_length (int): Digits of a PIN made by a reset (6).
        max_failures (int): Consecutive failed logins before a lock (5).
        lockout (timedelta): The first lock (1 minute); it doubles with every
            further failure after a lock, up to ``max_lockout``.
        max_lockout (timedelta): The longest lock (1 hour).
        failure_memory (timedelta): Failures older than this are forgotten (24 hours).
        reset_token_lifetime (timedelta): How long a reset token works (30 minutes).
        reset_request_interval (timedelta): At most one reset message per account
            in this time (1 minute); requests in between are answered but send nothing.
        admin_view_duration (timedelta): How long the admin view stays open (15 minutes).
    """

    scrypt: ScryptParams = attrs.field(factory=ScryptParams)
    password_min_length: int = attrs.field(default=10, validator=_between(8, 64))
    password_max_length: int = attrs.field(default=128, validator=_between(16, 1024))
    password_min_distinct: int = attrs.field(default=5, validator=_between(1, 16))
    pin_min_length: int = attrs.field(default=4, validator=_between(4, 12))
    pin_max_length: int = attrs.field(default=8, validator=_between(4, 12))
    generated_pin_length: int = attrs.field(default=6, validator=_between(4, 12))
    max_failures: int = attrs.field(default=5, validator=_between(1, 100))
    lockout: timedelta = timedelta(minutes=1)
    max_lockout: timedelta = timedelta(hours=1)
    failure_memory: timedelta = timedelta(hours=24)
    reset_token_lifetime: timedelta = RESET_TOKEN_LIFETIME
    reset_request_interval: timedelta = timedelta(minutes=1)
    admin_view_duration: timedelta = ADMIN_VIEW_DURATION

    def __attrs_post_init__(self) -> None:
        if self.pin_min_length > self.pin_max_length:
            raise InvalidValueError(
                "pin_min_length must not exceed pin_max_length", field="pin_min_length"
            )
        if not self.pin_min_length <= self.generated_pin_length <= self.pin_max_length:
            raise InvalidValueError(
                "generated_pin_length must lie between pin_min_length and pin_max_length",
                field="generated_pin_length",
            )
        if self.password_min_length > self.password_max_length:
            raise InvalidValueError(
                "password_min_length must not exceed password_max_length",
                field="password_min_length",
            )

    def lock_duration(self, failures: int) -> timedelta | None:
        """How long an identifier is locked after ``failures`` consecutive failures.

        Returns:
            ``None`` below :attr:`max_failures`; else :attr:`lockout` doubled for
            every failure beyond it, at most :attr:`max_lockout`.
        """
        if failures < self.max_failures:
            return None
        doublings = min(failures - self.max_failures, 30)
        longer: timedelta = self.lockout * (2**doublings)
        return min(longer, self.max_lockout)


# =============================================================================
# Hashing
# =============================================================================

_HASH_FORMAT = re.compile(
    r"scrypt\$n=(?P<n>[1-9][0-9]{0,7}),r=(?P<r>[1-9][0-9]{0,2}),p=(?P<p>[1-9][0-9]{0,2})"
    r"\$(?P<salt>[A-Za-z0-9+/]{16,88})\$(?P<key>[A-Za-z0-9+/]{16,88})"
)


def _b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _b64decode(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


@attrs.frozen
class _Parsed:
    params: ScryptParams
    salt: bytes
    key: bytes


def _parse_hash(stored: str) -> _Parsed:
    """Parse a stored hash, refusing anything not made by :func:`hash_secret`."""
    match = _HASH_FORMAT.fullmatch(stored) if isinstance(stored, str) else None
    if match is None:
        raise InvalidValueError(
            "not a cloudtel secret hash: expected scrypt$n=…,r=…,p=…$<salt>$<hash> "
            "(cloudtel never stores a password or PIN as it was typed)",
            field="hash",
        )
    try:
        salt = _b64decode(match["salt"])
        key = _b64decode(match["key"])
        params = ScryptParams(
            n=int(match["n"]),
            r=int(match["r"]),
            p=int(match["p"]),
            salt_bytes=len(salt),
            key_bytes=len(key),
        )
    except (binascii.Error, ValueError) as exc:
        raise InvalidValueError(f"not a valid cloudtel secret hash: {exc}", field="hash") from exc
    return _Parsed(params, salt, key)


def _secret_bytes(secret: str) -> bytes:
    # NFKC so that the same password typed on another keyboard or OS matches;
    # surrogatepass so hostile text never raises here.
    return unicodedata.normalize("NFKC", secret).encode("utf-8", "surrogatepass")


def _scrypt(secret: bytes, salt: bytes, params: ScryptParams) -> bytes:
    return hashlib.scrypt(
        secret,
        salt=salt,
        n=params.n,
        r=params.r,
        p=params.p,
        dklen=params.key_bytes,
        maxmem=params.memory + 128 * params.r * (params.p + 2) + 2**20,
    )


def hash_secret(secret: str, params: ScryptParams | None = None) -> str:
    """Hash a password or PIN with scrypt and a fresh random salt.

    Args:
        secret (str): The password or PIN (NFKC-normalised before hashing).
        params (ScryptParams | None): Cost parameters; the defaults when ``None``.

    Returns:
        ``scrypt$n=…,r=…,p=…$<salt>$<hash>`` with salt and hash in base64.
    """
    params = params or ScryptParams()
    salt = secrets.token_bytes(params.salt_bytes)
    key = _scrypt(_secret_bytes(secret), salt, params)
    return f"scrypt$n={params.n},r={params.r},p={params.p}${_b64encode(salt)}${_b64encode(key)}"


def verify_secret(secret: str, stored: str) -> bool:
    """Check a password or PIN against a stored hash, comparing in constant time.

    Args:
        secret (str): What the user typed.
        stored (str): A hash made by :func:`hash_secret`.

    Returns:
        Whether they match. A malformed ``stored`` never matches.
    """
    try:
        parsed = _parse_hash(stored)
    except InvalidValueError:
        return False
    if not isinstance(secret, str):
        return False
    key = _scrypt(_secret_bytes(secret), parsed.salt, parsed.params)
    return hmac.compare_digest(key, parsed.key)


def needs_rehash(stored: str, params: ScryptParams) -> bool:
    """Whether ``stored`` was made with lower parameters than ``params``.

    Args:
        stored (str): A hash made by :func:`hash_secret`.
        params (ScryptParams): The current parameters.
    """
    try:
        return _parse_hash(stored).params.weaker_than(params)
    except InvalidValueError:
        return True


@functools.lru_cache(maxsize=8)
def _dummy_hash(params: ScryptParams) -> str:
    """A hash of a random secret nobody knows, to spend the same work on unknown accounts."""
    return hash_secret(secrets.token_urlsafe(24), params)


# =============================================================================
# Password and PIN rules
# =============================================================================


@functools.cache
def _weak_passwords() -> frozenset[str]:
    """The shipped list of well-known weak passwords (``data/weak-passwords.txt``)."""
    text = resources.files("cloudtel").joinpath("data/weak-passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().casefold()
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )


_LEET: Final = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "@": "a",
        "$": "s",
        "!": "i",
        "€": "e",
    }
)
_EDGE_JUNK: Final = string.digits + string.punctuation + " "


def _weak_forms(text: str) -> set[str]:
    folded = text.casefold()
    forms = {folded, folded.translate(_LEET)}
    core = folded.strip(_EDGE_JUNK)
    if len(core) >= 3:
        forms |= {core, core.translate(_LEET)}
    forms |= {form.replace(" ", "") for form in list(forms)}
    return forms


def _personal_words(username: str, extra: Iterable[str]) -> list[str]:
    words: list[str] = []
    for word in (username, *extra):
        if not word:
            continue
        folded = word.casefold().strip()
        words.append(folded)
        local = folded.split("@", 1)[0]
        words.append(local)
        words.extend(part for part in re.split(r"[^\w]+", local) if len(part) >= 4)
    return [w for w in words if len(w) >= 4]


def validate_password(
    password: str,
    *,
    username: str = "",
    personal: Iterable[str] = (),
    policy: CredentialPolicy | None = None,
) -> str:
    """Check a new password against the documented policy.

    The rules (``docs/security.md``): from ``password_min_length`` (10) to
    ``password_max_length`` (128) characters after NFKC normalisation; no
    control characters; at least ``password_min_distinct`` (5) different
    characters; does not contain the username, its part before ``@``, or a
    personal word (e-mail, names, phone numbers); is not a well-known weak
    password, also not with digits or symbols added at the ends or letters
    swapped for look-alike digits (``P4ssw0rd2024!``).

    Args:
        password (str): The new password.
        username (str): The account's username.
        personal (Iterable[str]): Other words of the account (e-mail, names, numbers).
        policy (CredentialPolicy | None): The policy; the default when ``None``.

    Returns:
        The password, NFKC-normalised.

    Raises:
        CredentialPolicyError: Listing every rule the password breaks (never the password).
    """
    policy = policy or CredentialPolicy()
    if not isinstance(password, str):
        raise CredentialPolicyError(
            f"a password must be text, not {type(password).__name__}", field="password"
        )
    normal = unicodedata.normalize("NFKC", password)
    reasons: list[str] = []
    if len(normal) < policy.password_min_length:
        reasons.append(f"it is shorter than {policy.password_min_length} characters")
    if len(normal) > policy.password_max_length:
        reasons.append(f"it is longer than {policy.password_max_length} characters")
    if any(unicodedata.category(ch) in {"Cc", "Cs", "Cn"} for ch in normal):
        reasons.append("it contains control or unassigned characters")
    if len(set(normal)) < policy.password_min_distinct:
        reasons.append(f"it has fewer than {policy.password_min_distinct} different characters")
    folded = normal.casefold()
    compact = re.sub(r"[\s.\-_/()+]", "", folded)
    for word in _personal_words(username, personal):
        plain = re.sub(r"[\s.\-_/()+]", "", word)
        if word in folded or (len(plain) >= 4 and plain in compact):
            reasons.append("it contains the username or other details of the account")
            break
    if len(normal) <= policy.password_max_length and _weak_forms(normal) & _weak_passwords():
        reasons.append("it is a well-known weak password")
    if reasons:
        raise CredentialPolicyError(
            "password refused: " + "; ".join(reasons) + ". Choose at least "
            f"{policy.password_min_length} characters, for example a few unrelated words",
            field="password",
            reasons=tuple(reasons),
        )
    return normal


_COMMON_PINS: Final = frozenset(
    {
        *("0007", "0101", "0258", "0852", "1000", "1004", "1010", "1122", "1313", "1357"),
        *("2000", "2001", "2020", "2468", "2580", "3030", "5683", "6969", "7777", "8520"),
        *("112233", "123321", "147258", "159753", "456456", "520520", "696969", "789456"),
    }
)


def _trivial_pin(pin: str) -> str | None:
    if len(set(pin)) == 1:
        return "all its digits are the same"
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(pin)}
    if steps in ({1}, {9}):
        return "its digits run in sequence"
    for size in range(1, len(pin) // 2 + 1):
        if len(pin) % size == 0 and pin[:size] * (len(pin) // size) == pin:
            return "it repeats a shorter group of digits"
    if len(pin) == 4 and 1900 <= int(pin) <= 2099:
        return "it looks like a year"
    if pin in _COMMON_PINS:
        return "it is a well-known PIN"
    return None


def validate_pin(
    pin: str, *, avoid: Iterable[str] = (), policy: CredentialPolicy | None = None
) -> str:
    """Check a new PIN (for DECT phones and free seating) against the documented policy.

    The rules: only the digits 0–9, from ``pin_min_length`` (4) to
    ``pin_max_length`` (8) of them; not all the same (0000), not a run (1234,
    9876, 8901), not a repeated group (1212, 123123), not a year (1900–2099 for
    four digits), not a well-known PIN, and not the end of one of the user's
    own numbers (``avoid``).

    Args:
        pin (str): The new PIN.
        avoid (Iterable[str]): Numbers whose last digits the PIN must not be.
        policy (CredentialPolicy | None): The policy; the default when ``None``.

    Returns:
        The PIN.

    Raises:
        CredentialPolicyError: Saying why the PIN is refused (never the PIN).
    """
    policy = policy or CredentialPolicy()
    low, high = policy.pin_min_length, policy.pin_max_length
    if not isinstance(pin, str) or not (pin.isascii() and pin.isdigit()):
        raise CredentialPolicyError(
            f"a PIN must be {low} to {high} digits 0-9 and nothing else", field="pin"
        )
    if not low <= len(pin) <= high:
        raise CredentialPolicyError(
            f"a PIN must be {low} to {high} digits long, not {len(pin)}", field="pin"
        )
    reason = _trivial_pin(pin)
    if reason is None:
        for number in avoid:
            digits = "".join(ch for ch in str(number) if ch.isascii() and ch.isdigit())
            if len(digits) >= len(pin) and digits.endswith(pin):
                reason = "it is the end of one of your own phone numbers"
                break
    if reason is not None:
        raise CredentialPolicyError(
            f"PIN refused: {reason}; choose {low} to {high} digits that are hard to guess",
            field="pin",
            reason=reason,
        )
    return pin


_PASSWORD_ALPHABET: Final = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105


def generate_password(policy: CredentialPolicy | None = None) -> str:
    """Make a random password that the policy accepts, easy to read and type.

    Four groups of five characters without look-alikes (no 0/O, 1/l/I), e.g.
    ``"Xk7mq-9PzrT-bn4Hw-Qe2sd"``: about 114 bits from :mod:`secrets`.

    Args:
        policy (CredentialPolicy | None): The policy the result must pass.
    """
    policy = policy or CredentialPolicy()
    while True:
        groups = ["".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(5)) for _ in range(4)]
        candidate = "-".join(groups)
        try:
            return validate_password(candidate, policy=policy)
        except CredentialPolicyError:  # pragma: no cover - astronomically rare
            continue


def generate_pin(policy: CredentialPolicy | None = None, *, avoid: Iterable[str] = ()) -> str:
    """Make a random PIN of ``policy.generated_pin_length`` digits that the policy accepts.

    Args:
        policy (CredentialPolicy | None): The policy the result must pass.
        avoid (Iterable[str]): The user's own numbers (see :func:`validate_pin`).
    """
    policy = policy or CredentialPolicy()
    avoid = tuple(avoid)
    while True:
        candidate = "".join(
            secrets.choice(string.digits) for _ in range(policy.generated_pin_length)
        )
        try:
            return validate_pin(candidate, avoid=avoid, policy=policy)
        except CredentialPolicyError:
            continue


# =============================================================================
# JPEG photos
# =============================================================================

_SOF_ACCEPTED: Final = {0xC0: "baseline", 0xC1: "extended sequential", 0xC2: "progressive"}
_SOF_REFUSED: Final = {
    0xC3: "lossless",
    0xC5: "hierarchical",
    0xC6: "hierarchical progressive",
    0xC7: "hierarchical lossless",
    0xC9: "arithmetic-coded",
    0xCA: "arithmetic-coded progressive",
    0xCB: "arithmetic-coded lossless",
    0xCD: "hierarchical arithmetic-coded",
    0xCE: "hierarchical arithmetic-coded progressive",
    0xCF: "hierarchical arithmetic-coded lossless",
}
_OTHER_FORMATS: Final = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"%PDF", "a PDF document"),
    (b"RIFF", "a RIFF file (WebP?)"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"<", "text or markup"),
)
_PHOTO_SUFFIXES: Final = (".jpg", ".jpeg", ".jpe")


def _scaling_notice(width: int, height: int) -> str | None:
    if (width, height) == PHOTO_IDEAL_SIZE:
        return None
    ideal = "×".join(str(side) for side in PHOTO_IDEAL_SIZE)
    return f"the photo is {width}×{height}, not {ideal}: it will be scaled"


@attrs.frozen(kw_only=True)
class JpegInfo:
    """What :func:`inspect_jpeg` found in a JPEG file.

    Args:
        width (int): Width in pixels.
        height (int): Height in pixels.
        components (int): Colour components (1 grey, 3 colour, 4 CMYK).
        coding (str): ``"baseline"``, ``"extended sequential"`` or ``"progressive"``.
        size (int): File size in bytes.
    """

    width: int
    height: int
    components: int
    coding: str
    size: int

    @property
    def scaled(self) -> bool:
        """Whether the portal scales it (it is not 400×400)."""
        return (self.width, self.height) != PHOTO_IDEAL_SIZE

    @property
    def notice(self) -> str | None:
        """What to tell the user about scaling, or ``None`` when it is 400×400."""
        return _scaling_notice(self.width, self.height)


def _photo_error(message: str, **context: Any) -> InvalidValueError:
    return InvalidValueError(
        f"photo refused: {message}. A photo must be a JPEG file (.jpg, .jpeg or .jpe) of at "
        f"most {PHOTO_MAX_BYTES // 1024} KiB, ideally 400×400 pixels",
        field="photo",
        **context,
    )


def inspect_jpeg(
    data: bytes, *, filename: str | None = None, max_bytes: int = PHOTO_MAX_BYTES
) -> JpegInfo:
    """Check that ``data`` is a well-formed JPEG and read its dimensions.

    Walks the markers itself: start of image (FF D8), every segment with its
    length, exactly one frame header (SOF0, SOF1 or SOF2) for the dimensions,
    at least one scan, and the end of image (FF D9). Nothing but zero padding
    may follow the end. Lossless, hierarchical and arithmetic-coded JPEGs are
    refused (browsers and phones do not show them).

    Args:
        data (bytes): The file's content.
        filename (str | None): The file's name, when known; its extension must be
            ``.jpg``, ``.jpeg`` or ``.jpe``.
        max_bytes (int): The size limit (:data:`PHOTO_MAX_BYTES`).

    Returns:
        The dimensions and coding; :attr:`JpegInfo.notice` says whether it will be scaled.

    Raises:
        InvalidValueError: Saying what is wrong and where (``field="photo"``,
            ``offset=`` of the bad byte when there is one).
    """
    if isinstance(data, bytearray | memoryview):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise _photo_error(f"expected the file's bytes, not {type(data).__name__}")
    if filename is not None:
        suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        if suffix not in _PHOTO_SUFFIXES:
            raise _photo_error(f"{filename!r} does not have a JPEG extension", filename=filename)
    size = len(data)
    if size > max_bytes:
        raise _photo_error(
            f"the file is {size} bytes, more than the limit of {max_bytes} bytes", size=size
        )
    if not data.startswith(b"\xff\xd8"):
        for magic, what in _OTHER_FORMATS:
            if data.startswith(magic):
                raise _photo_error(f"this is {what}, not a JPEG")
        if not data:
            raise _photo_error("the file is empty")
        raise _photo_error("the file does not start with the JPEG start-of-image marker FF D8")

    def truncated() -> InvalidValueError:
        return _photo_error("the file ends before the JPEG end-of-image marker (cut off?)")

    pos = 2
    frame: tuple[int, int, int, str] | None = None
    scans = 0
    while True:
        if pos >= size:
            raise truncated()
        if data[pos] != 0xFF:
            raise _photo_error(
                f"expected a JPEG marker at byte {pos}, found 0x{data[pos]:02X}", offset=pos
            )
        while pos < size and data[pos] == 0xFF:  # fill bytes before a marker
            pos += 1
        if pos >= size:
            raise truncated()
        marker = data[pos]
        start = pos - 1
        pos += 1
        if marker == 0xD9:  # end of image
            break
        if marker in {0x00, 0xD8}:
            raise _photo_error(f"invalid marker FF {marker:02X} at byte {start}", offset=start)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            continue
        if 0x02 <= marker <= 0xBF:
            raise _photo_error(f"reserved marker FF {marker:02X} at byte {start}", offset=start)
        if pos + 2 > size:
            raise truncated()
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2:
            raise _photo_error(
                f"segment FF {marker:02X} at byte {start} has an impossible length {length}",
                offset=start,
            )
        end = pos + length
        if end > size:
            raise truncated()
        payload = data[pos + 2 : end]
        pos = end
        if marker in _SOF_REFUSED:
            raise _photo_error(
                f"it is a {_SOF_REFUSED[marker]} JPEG; only baseline and progressive JPEGs are "
                "accepted",
                offset=start,
            )
        if marker in _SOF_ACCEPTED:
            if frame is not None:
                raise _photo_error(f"a second frame header at byte {start}", offset=start)
            frame = _read_frame(payload, marker, start)
        elif marker == 0xDA:  # start of scan, then entropy-coded data
            if frame is None:
                raise _photo_error(
                    f"image data at byte {start} before the frame header", offset=start
                )
            count = payload[0] if payload else 0
            if not 1 <= count <= 4 or len(payload) != 1 + 2 * count + 3:
                raise _photo_error(f"a malformed scan header at byte {start}", offset=start)
            scans += 1
            pos = _skip_entropy_data(data, pos)
            if pos < 0:
                raise truncated()
    if frame is None:
        raise _photo_error("no frame header (SOF): the image has no dimensions")
    if scans == 0:
        raise _photo_error("no image data (no scan)")
    if data[pos:].strip(b"\x00"):
        raise _photo_error(
            f"{size - pos} bytes of other data follow the end-of-image marker", offset=pos
        )
    width, height, components, coding = frame
    return JpegInfo(width=width, height=height, components=components, coding=coding, size=size)


def _read_frame(payload: bytes, marker: int, start: int) -> tuple[int, int, int, str]:
    if len(payload) < 6:
        raise _photo_error(f"a malformed frame header at byte {start}", offset=start)
    precision = payload[0]
    height = int.from_bytes(payload[1:3], "big")
    width = int.from_bytes(payload[3:5], "big")
    components = payload[5]
    if len(payload) != 6 + 3 * components:
        raise _photo_error(f"a malformed frame header at byte {start}", offset=start)
    if precision not in (8, 12) or (marker == 0xC0 and precision != 8):
        raise _photo_error(f"a sample precision of {precision} bits", offset=start)
    if components not in (1, 3, 4):
        raise _photo_error(f"{components} colour components (1, 3 or 4 are accepted)", offset=start)
    if width == 0 or height == 0:
        raise _photo_error(f"the frame header gives a size of {width}×{height}", offset=start)
    if width > PHOTO_MAX_SIDE or height > PHOTO_MAX_SIDE:
        raise _photo_error(
            f"the photo is {width}×{height}; at most {PHOTO_MAX_SIDE} pixels a side are accepted",
            width=width,
            height=height,
        )
    return width, height, components, _SOF_ACCEPTED[marker]


def _skip_entropy_data(data: bytes, pos: int) -> int:
    """Return the offset of the marker after entropy-coded data, or -1 when it is cut off."""
    size = len(data)
    while True:
        found = data.find(b"\xff", pos)
        if found < 0 or found + 1 >= size:
            return -1
        follower = data[found + 1]
        if follower == 0x00 or 0xD0 <= follower <= 0xD7:  # stuffed byte or restart marker
            pos = found + 2
        elif follower == 0xFF:  # fill byte
            pos = found + 1
        else:
            return found


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


_DIGEST = re.compile(r"[0-9a-f]{64}")


def _check_digest(_instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or _DIGEST.fullmatch(value) is None:
        raise InvalidValueError(
            f"{attribute.name} must be 64 lower-case hex digits (a SHA-256)", field=attribute.name
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

    digest: str = attrs.field(validator=_check_digest)
    channel: Channel = attrs.field(converter=Channel)
    issued: datetime = attrs.field(validator=_aware)
    expires: datetime = attrs.field(validator=_aware)


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
    """

    username: str
    password_hash: str | None = attrs.field(default=None, validator=_check_hash, repr=False)
    pin_hash: str | None = attrs.field(default=None, validator=_check_hash, repr=False)
    admin: bool = False
    must_change_password: bool = False
    password_changed: datetime | None = attrs.field(default=None, validator=_aware)
    reset_token: ResetToken | None = attrs.field(default=None, repr=False)


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
class Photo:
    """A user's photo, kept as a file beside the org file.

    Args:
        username (str): Whose photo.
        sha256 (str): Hex SHA-256 of the file; also its name, ``photos/<sha256>.jpg``.
        width (int): Width in pixels.
        height (int): Height in pixels.
    """

    username: str
    sha256: str = attrs.field(validator=_check_digest)
    width: int
    height: int

    @property
    def path(self) -> str:
        """The file's path relative to the org file's folder."""
        return f"photos/{self.sha256}.jpg"

    @property
    def scaled(self) -> bool:
        """Whether the portal scales it (it is not 400×400)."""
        return (self.width, self.height) != PHOTO_IDEAL_SIZE

    @property
    def notice(self) -> str | None:
        """What to tell the user about scaling, or ``None`` when it is 400×400."""
        return _scaling_notice(self.width, self.height)


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
# Principals and the admin view
# =============================================================================

_SEAL_KEY: list[bytes] = []


def _seal_key() -> bytes:
    if not _SEAL_KEY:
        _SEAL_KEY.append(secrets.token_bytes(32))
    return _SEAL_KEY[0]


def _seal(username: str, admin: bool, authenticated_at: datetime, until: datetime | None) -> str:
    message = "\x1f".join(
        (username, str(admin), authenticated_at.isoformat(), until.isoformat() if until else "")
    )
    return hmac.new(_seal_key(), message.encode("utf-8", "surrogatepass"), "sha256").hexdigest()


@attrs.frozen(kw_only=True)
class Principal:
    """Who is acting: made by :meth:`Accounts.login`, never by hand.

    A principal carries a seal made with a key of this process, so one built
    by hand (or changed with ``attrs.evolve``) is refused by
    :func:`require_admin_view`.

    Args:
        username (str): The logged-in user.
        admin (bool): Has the administrator role.
        authenticated_at (datetime): When the password was checked.
        admin_view_until (datetime | None): When the admin view closes; ``None`` when
            it is not open.
        must_change_password (bool): The password was made by a reset.
        clock (Callable[[], datetime]): The clock the admin view expiry is checked against.
        seal (str): Proof that :class:`Accounts` made it.
    """

    username: str
    admin: bool
    authenticated_at: datetime
    admin_view_until: datetime | None = None
    must_change_password: bool = False
    clock: Callable[[], datetime] = attrs.field(default=_utcnow, eq=False, repr=False)
    seal: str = attrs.field(default="", eq=False, repr=False)

    @classmethod
    def _issue(
        cls,
        *,
        username: str,
        admin: bool,
        authenticated_at: datetime,
        admin_view_until: datetime | None,
        must_change_password: bool,
        clock: Callable[[], datetime],
    ) -> Principal:
        return cls(
            username=username,
            admin=admin,
            authenticated_at=authenticated_at,
            admin_view_until=admin_view_until,
            must_change_password=must_change_password,
            clock=clock,
            seal=_seal(username, admin, authenticated_at, admin_view_until),
        )

    @property
    def genuine(self) -> bool:
        """Whether :class:`Accounts` made this principal in this process."""
        expected = _seal(self.username, self.admin, self.authenticated_at, self.admin_view_until)
        return hmac.compare_digest(self.seal, expected)

    @property
    def in_admin_view(self) -> bool:
        """Whether the admin view is open now."""
        return (
            self.genuine
            and self.admin
            and self.admin_view_until is not None
            and self.clock() < self.admin_view_until
        )


def require_admin_view(principal: Principal, *, action: str = "this") -> None:
    """Refuse unless ``principal`` is an administrator whose admin view is open.

    Operations that the portal reserves for the admin view call this when they
    are performed on behalf of a principal.

    Args:
        principal (Principal): Who is acting.
        action (str): What they tried, for the message (``"removing a mandatory contact"``).

    Raises:
        AccessDeniedError: Not a genuine principal, not an administrator, the admin
            view was not entered, or it expired; the message says which.
    """
    if not isinstance(principal, Principal) or not principal.genuine:
        raise AccessDeniedError(
            f"{action} is refused: the principal was not issued by a login", action=action
        )
    if not principal.admin:
        raise AccessDeniedError(
            f"{action} needs the admin view, and {principal.username} is not an administrator",
            action=action,
            user=principal.username,
        )
    until = principal.admin_view_until
    if until is None:
        raise AccessDeniedError(
            f"{action} needs the admin view: enter it by re-entering your password",
            action=action,
            user=principal.username,
        )
    if principal.clock() >= until:
        raise AccessDeniedError(
            f"{action} needs the admin view, which closed at {until:%Y-%m-%d %H:%M} UTC; "
            "re-enter your password to open it again",
            action=action,
            user=principal.username,
        )


def require_self_or_admin_view(
    principal: Principal, username: str, *, action: str = "this"
) -> None:
    """Allow a user to act on their own account; anyone else needs the admin view.

    Args:
        principal (Principal): Who is acting.
        username (str): Whose account or list is changed.
        action (str): What they tried, for the message.

    Raises:
        AccessDeniedError: See :func:`require_admin_view`.
    """
    if (
        isinstance(principal, Principal)
        and principal.genuine
        and principal.username == str(username).strip().lower()
    ):
        return
    require_admin_view(principal, action=action)


# =============================================================================
# The Accounts part
# =============================================================================


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
        user = self._user(username)
        if prefer_sms is not None:
            return Channel.SMS, prefer_sms
        if user.email:
            return Channel.EMAIL, user.email
        if user.mobile_phones:
            return Channel.SMS, user.mobile_phones[0].number.e164
        return None, None

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
        if len(text) > _MAX_IDENTIFIER:
            return "unknown:" + _token_digest(text), None, None
        if self.org.has_user(text):
            name = self.org.user(text).username
            return f"user:{name}", name, None
        if _PHONE_LIKE.fullmatch(text):
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
        return "unknown:" + _token_digest(text), None, None

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
        unknown = [f for f in kept if f.subject.startswith("unknown:")]
        if len(unknown) >= _MAX_TRACKED_UNKNOWN:
            oldest = min(unknown, key=lambda f: f.last_failure)
            kept.remove(oldest)
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

    def login(self, identifier: str, password: str) -> Principal:
        """Log in with a username or mobile number (any notation) and a password.

        Args:
            identifier (str): ``user.1@domaincustomer.be`` or a mobile number such as
                ``+32 470 12 34 56`` or ``0470/12.34.56`` (national numbers in the
                organisation's country).
            password (str): The password.

        Returns:
            A :class:`Principal` without the admin view open.

        Raises:
            AccessDeniedError: :data:`LOGIN_FAILED_MESSAGE`, whatever was wrong.
            AccountLockedError: Too many failures for this identifier; says until when.
        """
        subject, username, _mobile = self._resolve(identifier)
        record = self._check_password(subject, username, password)
        return Principal._issue(
            username=record.username,
            admin=record.admin,
            authenticated_at=self._now(),
            admin_view_until=None,
            must_change_password=record.must_change_password,
            clock=self.clock,
        )

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
        now = self._now()
        token = secrets.token_urlsafe(32)
        digest = _token_digest(token)
        _subject, username, mobile = self._resolve(identifier)
        if username is None:
            return RESET_REQUEST_ANSWER
        record = self._record(username) or Credentials(username=username)
        pending = record.reset_token
        if pending is not None and now - pending.issued < self.policy.reset_request_interval:
            return RESET_REQUEST_ANSWER
        channel, address = self._route(username, prefer_sms=mobile)
        if channel is None or address is None:
            return RESET_REQUEST_ANSWER
        expires = now + self.policy.reset_token_lifetime
        self._put(
            attrs.evolve(
                record,
                reset_token=ResetToken(digest=digest, channel=channel, issued=now, expires=expires),
            )
        )
        self._outgoing.append(
            IssuedSecret(
                username=username,
                kind=SecretKind.RESET_TOKEN,
                secret=token,
                channel=channel,
                address=address,
                expires=expires,
            )
        )
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
        """Upload a user's photo (JPEG only, see :func:`inspect_jpeg`).

        Returns:
            The photo record; :attr:`Photo.notice` says when it will be scaled.

        Raises:
            InvalidValueError: Not an acceptable JPEG (the message says why).
            NotFoundError: No such user.
            AccessDeniedError: ``by`` may not change this user's photo.
        """
        name = self._user(username).username
        self._authorise(by, name, "changing a photo", self_allowed=True)
        info = inspect_jpeg(data, filename=filename)
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
