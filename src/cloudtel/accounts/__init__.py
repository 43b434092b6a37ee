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
- **Remember me on this computer**: ``login(..., remember=True)`` hands out a
  random token (only its SHA-256 is stored) that logs in again without the password
  (:meth:`Accounts.login_remembered`) until it expires or the password changes;
  the admin view still asks for the password.
- **Admin view**: :meth:`Accounts.enter_admin_view` re-checks the password of
  an administrator and returns a :class:`Principal` whose admin view expires;
  :func:`require_admin_view` is what admin-only operations call.
- **Photos**: :func:`inspect_jpeg` reads the JPEG markers itself and refuses
  anything that is not a well-formed baseline or progressive JPEG; a photo that is
  not 400×400 is scaled to it and stored scaled (:func:`scale_photo`, with the
  optional extra ``photos``).

The domain does no I/O: secrets to deliver are handed out as
:class:`IssuedSecret` values, and :mod:`cloudtel.messaging` sends them.

One concept per module; this package only re-exports them:

- :mod:`cloudtel.accounts.hashing`: scrypt hashes, :class:`ScryptParams`;
- :mod:`cloudtel.accounts.policy`: :class:`CredentialPolicy`, password and PIN rules;
- :mod:`cloudtel.accounts.photo`: :func:`inspect_jpeg`, :class:`Photo`;
- :mod:`cloudtel.accounts.scaling`: :func:`scale_photo` (Pillow, optional);
- :mod:`cloudtel.accounts.store`: the :class:`Accounts` part and its records;
- :mod:`cloudtel.access`: :class:`Principal` and the admin-view checks, which
  other capabilities import from there.
"""

from cloudtel.access import (
    ADMIN_VIEW_DURATION,
    Principal,
    require_admin_view,
    require_self_or_admin_view,
)
from cloudtel.accounts.hashing import ScryptParams, hash_secret, needs_rehash, verify_secret
from cloudtel.accounts.photo import (
    PHOTO_IDEAL_SIZE,
    PHOTO_MAX_BYTES,
    PHOTO_MAX_SIDE,
    JpegInfo,
    Photo,
    inspect_jpeg,
)
from cloudtel.accounts.policy import (
    REMEMBER_DURATION,
    RESET_TOKEN_LIFETIME,
    CredentialPolicy,
    generate_password,
    generate_pin,
    validate_password,
    validate_pin,
)
from cloudtel.accounts.scaling import scale_photo
from cloudtel.accounts.store import (
    LOGIN_FAILED_MESSAGE,
    REMEMBERED_LOGIN_FAILED_MESSAGE,
    RESET_REQUEST_ANSWER,
    Accounts,
    Channel,
    Credentials,
    FailureRecord,
    IssuedSecret,
    RememberedLogin,
    ResetToken,
    SecretKind,
)

__all__ = [
    "ADMIN_VIEW_DURATION",
    "LOGIN_FAILED_MESSAGE",
    "PHOTO_IDEAL_SIZE",
    "PHOTO_MAX_BYTES",
    "PHOTO_MAX_SIDE",
    "REMEMBERED_LOGIN_FAILED_MESSAGE",
    "REMEMBER_DURATION",
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
    "RememberedLogin",
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
    "scale_photo",
    "validate_password",
    "validate_pin",
    "verify_secret",
]
