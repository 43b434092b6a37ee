"""Who is acting, and the admin-view checks that every capability calls.

A :class:`Principal` is made by :meth:`cloudtel.Accounts.login` and
:meth:`cloudtel.Accounts.enter_admin_view`, never by hand: it carries a seal
made with a key of this process. Operations that the portal reserves for the
admin view call :func:`require_admin_view` (or :func:`require_self_or_admin_view`
when a user may act on their own account) on the principal they are done for.

This module sits low in the house: it imports only :mod:`cloudtel.errors`, so
any capability (contacts, accounts, …) can check the admin view without
importing the account store.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Final

import attrs

from cloudtel.errors import AccessDeniedError

__all__ = [
    "ADMIN_VIEW_DURATION",
    "Principal",
    "require_admin_view",
    "require_self_or_admin_view",
]

ADMIN_VIEW_DURATION: Final = timedelta(minutes=15)
"""How long the admin view stays open after the password was re-entered."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


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
        remember_token (str | None): After a login with "Remember me on this computer":
            the secret to keep on that computer (e.g. in a cookie) and give to
            :meth:`Accounts.login_remembered` next time; shown once, only its hash is kept.
    """

    username: str
    admin: bool
    authenticated_at: datetime
    admin_view_until: datetime | None = None
    must_change_password: bool = False
    clock: Callable[[], datetime] = attrs.field(default=_utcnow, eq=False, repr=False)
    seal: str = attrs.field(default="", eq=False, repr=False)
    remember_token: str | None = attrs.field(default=None, eq=False, repr=False)

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
        remember_token: str | None = None,
    ) -> Principal:
        return cls(
            username=username,
            admin=admin,
            authenticated_at=authenticated_at,
            admin_view_until=admin_view_until,
            must_change_password=must_change_password,
            clock=clock,
            seal=_seal(username, admin, authenticated_at, admin_view_until),
            remember_token=remember_token,
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
