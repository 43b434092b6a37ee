"""The ``smtp`` transport: e-mail through an SMTP server (:mod:`smtplib`, STARTTLS optional).

This module is a default plugin: :mod:`cloudtel.plugins` registers it when it builds the
plugin manager, through the same hook as any other transport plugin.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping, Sequence
from typing import ClassVar, Final

import attrs

from cloudtel.accounts import Channel
from cloudtel.errors import DeliveryError
from cloudtel.hookspecs import hookimpl
from cloudtel.messaging._builtin import (
    BuiltinTransport,
    check_options,
    flag_setting,
    is_loopback,
    number_setting,
    required_setting,
    secret_setting,
)
from cloudtel.messaging.message import Message, build_email, check_address, from_address
from cloudtel.messaging.transport import Receipt, Transport, TransportSpec

__all__ = ["SmtpTransport", "cloudtel_message_transports"]

_SMTP_OPTIONS: Final = {
    "host": "the SMTP server (required)",
    "port": "its port (default 25)",
    "sender": "the From address (default: the organisation's email_sender)",
    "starttls": "yes to require STARTTLS (default no)",
    "username": "log in with this user",
    "password_env": "the environment variable that holds the password",
    "timeout": "seconds to wait (default 30)",
}


@attrs.frozen(kw_only=True)
class SmtpTransport(BuiltinTransport):
    """Sends e-mail through an SMTP server with :mod:`smtplib`.

    With ``starttls`` the connection is upgraded to TLS before anything else is
    sent, and the server's certificate is checked (``ssl_context`` replaces the
    default context, e.g. to trust a private CA). A username and password are
    only sent over TLS (or to a server on this machine). Its ``name`` is ``"smtp"``;
    it sends e-mail only.

    Args:
        host (str): The server.
        port (int): Its port (25, or 587 for submission).
        sender (str | None): The From address (and envelope sender); ``None``: the
            message's (the organisation's :attr:`~cloudtel.Organization.email_sender`),
            else :data:`~cloudtel.messaging.message.DEFAULT_SENDER`.
        starttls (bool): Require and use STARTTLS.
        username (str | None): Log in with this user.
        password (str | None): And this password (never shown in ``repr``).
        timeout (float): Seconds to wait for the server.
        ssl_context (ssl.SSLContext | None): TLS settings for STARTTLS.
    """

    host: str
    port: int = 25
    sender: str | None = None
    starttls: bool = False
    username: str | None = None
    password: str | None = attrs.field(default=None, repr=False)
    timeout: float = 30.0
    NAME: ClassVar[str] = "smtp"
    CHANNELS: ClassVar[frozenset[Channel]] = frozenset({Channel.EMAIL})

    ssl_context: ssl.SSLContext | None = attrs.field(default=None, repr=False, eq=False)

    def send(self, message: Message) -> Receipt:
        """Send an e-mail message.

        Returns:
            The receipt; its reference is the Message-ID.

        Raises:
            DeliveryError: The server cannot be reached, does not offer STARTTLS when
                required, refuses the login, the sender or the recipient.
        """
        sender = from_address(message, self.sender)
        mail = build_email(message, sender)
        where = f"SMTP server {self.host}:{self.port}"
        if self.username and not (self.starttls or is_loopback(self.host)):
            raise DeliveryError(
                f"refusing to send the SMTP password to {where} without STARTTLS; set starttls=yes",
                host=self.host,
            )
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.ehlo()
                if self.starttls:
                    if not smtp.has_extn("starttls"):
                        raise DeliveryError(
                            f"{where} does not offer STARTTLS, which this transport requires",
                            host=self.host,
                        )
                    context = self.ssl_context or ssl.create_default_context()
                    smtp.starttls(context=context)
                    smtp.ehlo()
                if self.username:
                    smtp.login(self.username, self.password or "")
                refused = smtp.send_message(mail, from_addr=sender, to_addrs=[message.to])
        except DeliveryError:
            raise
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(
                f"{where} refused the recipient {message.to}: {_smtp_reason(exc.recipients)}",
                host=self.host,
                to=message.to,
            ) from exc
        except smtplib.SMTPResponseException as exc:
            reply = (
                exc.smtp_error.decode("utf-8", "replace")
                if isinstance(exc.smtp_error, bytes)
                else str(exc.smtp_error)
            )
            raise DeliveryError(
                f"{where} refused the message: {exc.smtp_code} {reply}", host=self.host
            ) from exc
        except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
            raise DeliveryError(f"{where} failed: {exc}", host=self.host) from exc
        if refused:
            raise DeliveryError(
                f"{where} refused the recipient {message.to}: {_smtp_reason(refused)}",
                host=self.host,
                to=message.to,
            )
        return self._accepted(where, message, str(mail["Message-ID"]))


def _smtp_reason(refused: Mapping[str, tuple[int, bytes]]) -> str:
    return "; ".join(
        f"{code} {reply.decode('utf-8', 'replace')}" for code, reply in refused.values()
    )


def _make_smtp(settings: Mapping[str, str]) -> Transport:
    check_options(settings, "smtp", _SMTP_OPTIONS)
    sender = settings.get("sender") or None
    if sender is not None:
        check_address(Channel.EMAIL, sender)
    return SmtpTransport(
        host=required_setting(settings, "host", "smtp"),
        port=int(number_setting(settings, "port", 25, 1, 65535)),
        sender=sender,
        starttls=flag_setting(settings, "starttls", False),
        username=settings.get("username") or None,
        password=secret_setting(settings, "password"),
        timeout=number_setting(settings, "timeout", 30, 0.1, 600),
    )


@hookimpl
def cloudtel_message_transports() -> Sequence[TransportSpec]:
    """The ``smtp`` transport."""
    return (
        TransportSpec(
            name=SmtpTransport.NAME,
            channels=SmtpTransport.CHANNELS,
            description="send e-mail through an SMTP server (STARTTLS optional)",
            options=_SMTP_OPTIONS,
            create=_make_smtp,
        ),
    )
