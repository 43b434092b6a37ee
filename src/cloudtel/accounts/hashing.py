"""Hashing passwords and PINs with scrypt: hash, verify, and when to hash again.

Secrets are stored only as salted scrypt hashes in the form
``scrypt$n=32768,r=8,p=1$<salt>$<hash>`` (base64, no padding). The cost
parameters (:class:`ScryptParams`) travel with the hash, so they can be raised
later: :func:`needs_rehash` says when a stored hash was made with lower ones.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import unicodedata
from typing import Final

import attrs

from cloudtel.accounts._validators import between
from cloudtel.errors import InvalidValueError

__all__ = ["ScryptParams", "hash_secret", "needs_rehash", "verify_secret"]

# Hard limits on scrypt parameters read from a file: a hostile org file must not
# make a login take minutes or gigabytes.
_MAX_N: Final = 2**20
_MAX_R: Final = 32
_MAX_P: Final = 16
_MAX_MEMORY: Final = 256 * 1024 * 1024
_MAX_WORK: Final = 2**20
"""The most work one hash may take, as N · r · p: 4 times the defaults' (under a second);
p multiplies the time of N and r, so the other limits alone are not enough (N = 2**16,
r = 32, p = 16 took 12.6 s per login)."""


def _power_of_two(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or value < 2 or value & (value - 1) or value > _MAX_N:
        raise InvalidValueError(
            f"scrypt {attribute.name} must be a power of two from 2 to {_MAX_N}, not {value!r}",
            field=attribute.name,
            value=value,
        )


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
        InvalidValueError: A parameter outside those limits, one that needs more
            than 256 MiB of memory, or more than 4 times the defaults' work
            (N · r · p above 2**20).
    """

    n: int = attrs.field(default=2**15, validator=_power_of_two)
    r: int = attrs.field(default=8, validator=between(1, _MAX_R))
    p: int = attrs.field(default=1, validator=between(1, _MAX_P))
    salt_bytes: int = attrs.field(default=16, validator=between(16, 64))
    key_bytes: int = attrs.field(default=32, validator=between(16, 64))

    def __attrs_post_init__(self) -> None:
        if self.memory > _MAX_MEMORY:
            raise InvalidValueError(
                f"scrypt parameters n={self.n}, r={self.r} need {self.memory // 2**20} MiB; "
                f"at most {_MAX_MEMORY // 2**20} MiB is allowed",
                field="n",
                value=self.n,
            )
        work = self.n * self.r * self.p
        if work > _MAX_WORK:
            raise InvalidValueError(
                f"scrypt parameters n={self.n}, r={self.r}, p={self.p} make one hash "
                f"{work // (2**15 * 8)} times the work of the defaults (n=32768, r=8, p=1); "
                f"at most {_MAX_WORK // (2**15 * 8)} times is allowed (n · r · p ≤ {_MAX_WORK})",
                field="p" if self.p > 1 else "n",
                value=work,
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
    # surrogatepass so hostile text never raises here. NUL is written as C0 80 (as in
    # "modified UTF-8"): scrypt keys HMAC-SHA256 with the secret, and HMAC pads a key
    # with zero bytes, so "pw" and "pw\0" would otherwise make the same hash. Secrets
    # without NUL keep the bytes (and the hashes) they always had.
    text = unicodedata.normalize("NFKC", secret).encode("utf-8", "surrogatepass")
    return text.replace(b"\x00", b"\xc0\x80")


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
