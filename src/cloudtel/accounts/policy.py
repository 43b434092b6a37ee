"""The credential policy: password and PIN rules, generated secrets, lockout and expiry.

Every number here is in ``docs/security.md``. :func:`validate_password` also
refuses the well-known weak passwords shipped in ``cloudtel/data/weak-passwords.txt``.
"""

from __future__ import annotations

import functools
import itertools
import re
import secrets
import string
import unicodedata
from collections.abc import Iterable
from datetime import timedelta
from importlib import resources
from typing import Final

import attrs

from cloudtel.access import ADMIN_VIEW_DURATION
from cloudtel.accounts._validators import between
from cloudtel.accounts.hashing import ScryptParams
from cloudtel.errors import CredentialPolicyError, InvalidValueError

__all__ = [
    "REMEMBER_DURATION",
    "RESET_TOKEN_LIFETIME",
    "CredentialPolicy",
    "generate_password",
    "generate_pin",
    "validate_password",
    "validate_pin",
]

RESET_TOKEN_LIFETIME: Final = timedelta(minutes=30)
REMEMBER_DURATION: Final = timedelta(days=30)
"""How long "Remember me on this computer" keeps a user logged in by default."""
"""How long a forgotten-password token works after it was sent."""


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
        remember_duration (timedelta): How long a "Remember me on this computer" login
            works without the password (30 days).
        max_remembered (int): Remembered computers per account (10); a new one beyond that
            replaces the oldest.
    """

    scrypt: ScryptParams = attrs.field(factory=ScryptParams)
    password_min_length: int = attrs.field(default=10, validator=between(8, 64))
    password_max_length: int = attrs.field(default=128, validator=between(16, 1024))
    password_min_distinct: int = attrs.field(default=5, validator=between(1, 16))
    pin_min_length: int = attrs.field(default=4, validator=between(4, 12))
    pin_max_length: int = attrs.field(default=8, validator=between(4, 12))
    generated_pin_length: int = attrs.field(default=6, validator=between(4, 12))
    max_failures: int = attrs.field(default=5, validator=between(1, 100))
    lockout: timedelta = timedelta(minutes=1)
    max_lockout: timedelta = timedelta(hours=1)
    failure_memory: timedelta = timedelta(hours=24)
    reset_token_lifetime: timedelta = RESET_TOKEN_LIFETIME
    reset_request_interval: timedelta = timedelta(minutes=1)
    admin_view_duration: timedelta = ADMIN_VIEW_DURATION
    remember_duration: timedelta = REMEMBER_DURATION
    max_remembered: int = attrs.field(default=10, validator=between(1, 100))

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
