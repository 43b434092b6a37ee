"""The message: one text to one recipient by e-mail or SMS, and its e-mail form.

A :class:`Message` is the value every transport sends. Its recipient is checked when it
is made (:func:`check_address`); :func:`build_email` turns an e-mail message into an
RFC 5322 e-mail for the transports that write or send one.
"""

from __future__ import annotations

import email.policy
import email.utils
import re
from email.message import EmailMessage
from typing import Final

import attrs

from cloudtel._text import check_line, check_lines
from cloudtel.accounts import Channel
from cloudtel.errors import InvalidValueError
from cloudtel.numbers import PhoneNumber

__all__ = [
    "DEFAULT_SENDER",
    "Message",
    "build_email",
    "check_address",
    "email_bytes",
    "from_address",
]

_SMS_MAX: Final = 612  # four concatenated SMS of 153 characters
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
_KIND = re.compile(r"[a-z][a-z0-9-]{0,39}")


def check_kind(_instance: object, _attribute: attrs.Attribute[str], value: str) -> None:
    """attrs validator: a message kind or transport name (lower-case letters, digits, ``-``)."""
    if not isinstance(value, str) or _KIND.fullmatch(value) is None:
        raise InvalidValueError(
            f"message kind {value!r} must be lower-case letters, digits and '-'",
            field="kind",
            value=value,
        )


def check_one_line(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    """attrs validator: one line of text without control characters or lone surrogates."""
    check_line(value, attribute.name)


def _check_body(_instance: object, _attribute: attrs.Attribute[str], value: str) -> None:
    check_lines(value, "body", what="a message body")


def check_address(channel: Channel, address: str) -> str:
    """Check a recipient: an e-mail address, or a phone number for SMS.

    Args:
        channel (Channel): E-mail or SMS.
        address (str): The address or number.

    Returns:
        The address; for SMS the number in E.164.

    Raises:
        InvalidValueError: Not a plain e-mail address (no display name, no line
            breaks, at most 254 characters) or not a valid phone number.
    """
    if channel is Channel.SMS:
        return PhoneNumber.parse(address).e164
    if not isinstance(address, str) or len(address) > 254 or not _ADDRESS.fullmatch(address):
        raise InvalidValueError(
            f"{address!r} is not a plain e-mail address like name@example.com",
            field="to",
            value=address,
        )
    return address


@attrs.frozen(kw_only=True)
class Message:
    """One message to one recipient.

    Args:
        channel (Channel): E-mail or SMS.
        to (str): The e-mail address or E.164 mobile number (checked).
        subject (str): The subject (e-mail only; one line).
        body (str): The text.
        kind (str): What it is, e.g. ``"welcome-web"`` or ``"password-reset"``.
        secret (bool): Whether the body holds a secret (outbox files are then
            readable by their owner only; it is always true for new passwords, PINs
            and reset links).
        sender (str | None): The From address the organisation wants for e-mail
            (:attr:`cloudtel.Organization.email_sender`); a transport configured with a
            ``sender`` of its own uses that one; neither: :data:`DEFAULT_SENDER`.
    """

    channel: Channel = attrs.field(converter=Channel)
    to: str
    subject: str = attrs.field(validator=check_one_line)
    body: str = attrs.field(validator=_check_body, repr=False)
    kind: str = attrs.field(validator=check_kind)
    secret: bool = False
    sender: str | None = None

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "to", check_address(self.channel, self.to))
        if self.sender is not None:
            object.__setattr__(self, "sender", check_address(Channel.EMAIL, self.sender))
        if self.channel is Channel.SMS and len(self.body) > _SMS_MAX:
            raise InvalidValueError(
                f"an SMS may be at most {_SMS_MAX} characters, this one has {len(self.body)}",
                field="body",
            )


DEFAULT_SENDER: Final = "noreply@cloudtel.invalid"
"""The From address of e-mail when neither the transport nor the organisation sets one
(``.invalid``: replies go nowhere). The portal's own is
``noreply.cloudtelephony@services.orange.be``; set yours with
:attr:`cloudtel.Organization.email_sender` or a transport's ``sender``."""


def from_address(message: Message, configured: str | None) -> str:
    """The From address of an e-mail: the transport's, else the message's, else the default.

    Args:
        message (Message): The message (its :attr:`Message.sender`).
        configured (str | None): The transport's own ``sender`` setting.

    Returns:
        str: The address to send from.
    """
    return configured or message.sender or DEFAULT_SENDER


def build_email(message: Message, sender: str) -> EmailMessage:
    """Build the RFC 5322 e-mail of a message (Date, Message-ID, UTF-8 text).

    Args:
        message (Message): An e-mail message.
        sender (str): The From address.

    Raises:
        InvalidValueError: The message is not an e-mail, or ``sender`` is not an address.
    """
    if message.channel is not Channel.EMAIL:
        raise InvalidValueError("only e-mail messages become an e-mail", field="channel")
    check_address(Channel.EMAIL, sender)
    mail = EmailMessage(policy=email.policy.SMTP)
    mail["From"] = sender
    mail["To"] = message.to
    mail["Subject"] = message.subject
    mail["Date"] = email.utils.formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = email.utils.make_msgid(domain=sender.rsplit("@", 1)[1])
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.body, charset="utf-8")
    return mail


def email_bytes(message: Message, sender: str) -> bytes:
    """The e-mail of a message as bytes with CRLF line ends (see :func:`build_email`)."""
    return build_email(message, sender).as_bytes()
