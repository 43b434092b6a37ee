"""Messages to users: welcome messages, new passwords and PINs, reset links.

A message is composed here (pure: no I/O) and sent by a **transport**. Transports
are plugins (hook ``cloudtel_message_transports`` in :mod:`cloudtel.hookspecs`);
the three built-in ones are registered through the same hook:

- ``outbox`` — needs nothing: each message is written atomically as a file into a
  folder (``.eml`` for e-mail, ``.sms.json`` for SMS), so the demo works offline;
- ``smtp`` — e-mail through an SMTP server (:mod:`smtplib`, STARTTLS optional);
- ``sms-http`` — SMS by posting JSON to an HTTP gateway.

Welcome messages (manual §7.2): for each chosen target — web portal, mobile app,
softphone — :func:`send_welcome` composes a message (portal address, username,
how to install the app) and sends it by e-mail when the account has an e-mail
address, else by SMS to its first mobile number, and returns a status per
target: sent, or failed and why.

See ``docs/messages.md``.
"""

from __future__ import annotations

import contextlib
import email.policy
import email.utils
import enum
import ipaddress
import json
import os
import re
import secrets
import smtplib
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any, ClassVar, Final, Protocol, runtime_checkable

import attrs

from cloudtel._files import atomic_write
from cloudtel.accounts import Channel, IssuedSecret, SecretKind
from cloudtel.errors import DeliveryError, InvalidValueError, NotFoundError, PluginError
from cloudtel.hookspecs import hookimpl
from cloudtel.numbers import PhoneNumber
from cloudtel.org import Organization

__all__ = [
    "DEFAULT_PORTAL_URL",
    "DeliveryStatus",
    "HttpSmsTransport",
    "Message",
    "MessageSettings",
    "OutboxTransport",
    "Receipt",
    "SmtpTransport",
    "Transport",
    "TransportSpec",
    "Transports",
    "WelcomeTarget",
    "compose_secret",
    "compose_welcome",
    "deliver_secret",
    "get_transport",
    "send_pending",
    "send_welcome",
    "transport_specs",
]

DEFAULT_PORTAL_URL: Final = "https://cloudtelephony.orange.be"
"""The user portal's address (manual §1)."""

_SMS_MAX: Final = 612  # four concatenated SMS of 153 characters
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
_KIND = re.compile(r"[a-z][a-z0-9-]{0,39}")


# =============================================================================
# Messages
# =============================================================================


class WelcomeTarget(enum.Enum):
    """What a welcome message helps the user connect (manual §7.2)."""

    WEB = "web"
    """The web portal."""
    MOBILE = "mobile"
    """The smartphone app."""
    SOFTPHONE = "softphone"
    """The softphone on a PC."""


def _check_kind(_instance: object, _attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or _KIND.fullmatch(value) is None:
        raise InvalidValueError(
            f"message kind {value!r} must be lower-case letters, digits and '-'",
            field="kind",
            value=value,
        )


def _check_one_line(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or any(ch in value for ch in "\r\n\x00"):
        raise InvalidValueError(
            f"{attribute.name} must be one line of text without line breaks",
            field=attribute.name,
        )


def _check_body(_instance: object, _attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or "\x00" in value:
        raise InvalidValueError("a message body must be text without NUL", field="body")


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
    """

    channel: Channel = attrs.field(converter=Channel)
    to: str
    subject: str = attrs.field(validator=_check_one_line)
    body: str = attrs.field(validator=_check_body, repr=False)
    kind: str = attrs.field(validator=_check_kind)
    secret: bool = False

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "to", check_address(self.channel, self.to))
        if self.channel is Channel.SMS and len(self.body) > _SMS_MAX:
            raise InvalidValueError(
                f"an SMS may be at most {_SMS_MAX} characters, this one has {len(self.body)}",
                field="body",
            )


@attrs.frozen(kw_only=True)
class Receipt:
    """What a transport says after it accepted a message.

    Args:
        transport (str): The transport's name.
        reference (str): Its reference: a file path, a Message-ID, a gateway id.
        detail (str): In words, where the message went.
    """

    transport: str
    reference: str
    detail: str


@attrs.frozen(kw_only=True)
class DeliveryStatus:
    """The outcome of one message, as the portal's status window shows it.

    Args:
        username (str): The recipient's account.
        what (str): What was sent, e.g. ``"welcome (web)"`` or ``"new password"``.
        sent (bool): Whether a transport accepted it.
        channel (Channel | None): How it went (or would have gone).
        address (str | None): To where.
        detail (str): Where it went, or why it failed.
        receipt (Receipt | None): The transport's receipt when sent.
        target (WelcomeTarget | None): The welcome target, for welcome messages.
    """

    username: str
    what: str
    sent: bool
    channel: Channel | None
    address: str | None
    detail: str
    receipt: Receipt | None = None
    target: WelcomeTarget | None = None

    def __str__(self) -> str:
        state = "sent" if self.sent else "failed"
        return f"{self.what}: {state} — {self.detail}"


@attrs.frozen(kw_only=True)
class MessageSettings:
    """Where the portal and the apps are, and who the messages come from.

    Args:
        portal_url (str): The user portal (http or https).
        mobile_app (str): The app's name in the App Store and Google Play.
        softphone_url (str): Where the softphone for PCs is downloaded.
        product (str): The service's name in messages.
    """

    portal_url: str = attrs.field(default=DEFAULT_PORTAL_URL)
    mobile_app: str = attrs.field(default="Cloud Telephony", validator=_check_one_line)
    softphone_url: str = attrs.field(default=DEFAULT_PORTAL_URL + "/downloads")
    product: str = attrs.field(default="Cloud Telephony", validator=_check_one_line)

    @portal_url.validator
    @softphone_url.validator
    def _check_url(self, attribute: attrs.Attribute[str], value: str) -> None:
        _check_one_line(self, attribute, value)
        parts = urllib.parse.urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InvalidValueError(
                f"{attribute.name} {value!r} must be an http(s) address", field=attribute.name
            )


# --- texts --------------------------------------------------------------------

_TEXTS: Final[Mapping[str, Mapping[str, str]]] = {
    "en": {
        "hello": "Hello {name},",
        "subject.web": "Welcome to {product}: your user portal",
        "subject.mobile": "Welcome to {product}: the app for your smartphone",
        "subject.softphone": "Welcome to {product}: the softphone for your PC",
        "web": "Sign in to the user portal at {portal} with your username {username}.",
        "mobile": (
            'Install the app "{app}" from the App Store (iPhone) or Google Play (Android), '
            "open it and sign in with your username {username} and your portal password."
        ),
        "softphone": (
            "Download the softphone for Windows or macOS from {download}, install it and sign "
            "in with your username {username} and your portal password."
        ),
        "no_password": (
            'To choose your password, click "Request password" on the login page of {portal}.'
        ),
        "subject.password": "{product}: your password was reset",
        "password": (
            "Your password for {product} was reset. Your new password is: {secret}\n"
            "Sign in at {portal} with your username {username}; you will be asked to choose "
            "a new password."
        ),
        "subject.pin": "{product}: your new PIN",
        "pin": ("Your new PIN for DECT phones and free seating is: {secret}\nKeep it to yourself."),
        "subject.reset-token": "{product}: set a new password",
        "reset-token": (
            "Someone asked to set a new password for {username}. To do so, open "
            "{portal}/reset-password?token={secret} before {expires}.\n"
            "If it was not you, ignore this message: your password stays as it is."
        ),
        "bye": "This message was sent automatically; do not reply.",
    },
    "nl": {
        "hello": "Beste {name},",
        "subject.web": "Welkom bij {product}: uw gebruikersportaal",
        "subject.mobile": "Welkom bij {product}: de app voor uw smartphone",
        "subject.softphone": "Welkom bij {product}: de softphone voor uw pc",
        "web": "Meld u aan op het gebruikersportaal {portal} met uw gebruikersnaam {username}.",
        "mobile": (
            'Installeer de app "{app}" uit de App Store (iPhone) of Google Play (Android), '
            "open ze en meld u aan met uw gebruikersnaam {username} en uw wachtwoord van het "
            "portaal."
        ),
        "softphone": (
            "Download de softphone voor Windows of macOS op {download}, installeer ze en meld "
            "u aan met uw gebruikersnaam {username} en uw wachtwoord van het portaal."
        ),
        "no_password": (
            'Kies uw wachtwoord via "Request password" op de aanmeldpagina van {portal}.'
        ),
        "subject.password": "{product}: uw wachtwoord werd gereset",
        "password": (
            "Uw wachtwoord voor {product} werd gereset. Uw nieuwe wachtwoord is: {secret}\n"
            "Meld u aan op {portal} met uw gebruikersnaam {username}; u wordt gevraagd een "
            "nieuw wachtwoord te kiezen."
        ),
        "subject.pin": "{product}: uw nieuwe pincode",
        "pin": (
            "Uw nieuwe pincode voor DECT-toestellen en free seating is: {secret}\n"
            "Houd ze voor uzelf."
        ),
        "subject.reset-token": "{product}: een nieuw wachtwoord instellen",
        "reset-token": (
            "Iemand vroeg een nieuw wachtwoord voor {username}. Open daarvoor "
            "{portal}/reset-password?token={secret} vóór {expires}.\n"
            "Was u het niet? Negeer dan dit bericht: uw wachtwoord blijft ongewijzigd."
        ),
        "bye": "Dit bericht werd automatisch verstuurd; antwoord er niet op.",
    },
    "fr": {
        "hello": "Bonjour {name},",
        "subject.web": "Bienvenue sur {product} : votre portail utilisateur",
        "subject.mobile": "Bienvenue sur {product} : l'application pour votre smartphone",
        "subject.softphone": "Bienvenue sur {product} : le softphone pour votre PC",
        "web": (
            "Connectez-vous au portail utilisateur {portal} avec votre nom d'utilisateur "
            "{username}."
        ),
        "mobile": (
            "Installez l'application « {app} » depuis l'App Store (iPhone) ou Google Play "
            "(Android), ouvrez-la et connectez-vous avec votre nom d'utilisateur {username} et "
            "le mot de passe du portail."
        ),
        "softphone": (
            "Téléchargez le softphone pour Windows ou macOS sur {download}, installez-le et "
            "connectez-vous avec votre nom d'utilisateur {username} et le mot de passe du "
            "portail."
        ),
        "no_password": (
            "Pour choisir votre mot de passe, cliquez sur « Request password » sur la page de "
            "connexion de {portal}."
        ),
        "subject.password": "{product} : votre mot de passe a été réinitialisé",
        "password": (
            "Votre mot de passe pour {product} a été réinitialisé. Nouveau mot de passe : "
            "{secret}\nConnectez-vous sur {portal} avec votre nom d'utilisateur {username} ; "
            "il vous sera demandé d'en choisir un nouveau."
        ),
        "subject.pin": "{product} : votre nouveau code PIN",
        "pin": (
            "Votre nouveau code PIN pour les téléphones DECT et le free seating est : {secret}\n"
            "Gardez-le pour vous."
        ),
        "subject.reset-token": "{product} : choisir un nouveau mot de passe",
        "reset-token": (
            "Quelqu'un a demandé un nouveau mot de passe pour {username}. Pour le choisir, "
            "ouvrez {portal}/reset-password?token={secret} avant {expires}.\n"
            "Si ce n'était pas vous, ignorez ce message : votre mot de passe ne change pas."
        ),
        "bye": "Ce message a été envoyé automatiquement ; n'y répondez pas.",
    },
}


def _language(org: Organization, username: str) -> str:
    resolved = org.resolve_settings(username)["language"].value
    code = str(resolved).split("-", 1)[0].lower()
    return code if code in _TEXTS else "en"


def _route(org: Organization, username: str, channel: Channel | None) -> tuple[Channel, str] | None:
    user = org.user(username)
    if channel in (None, Channel.EMAIL) and user.email:
        return Channel.EMAIL, user.email
    if channel in (None, Channel.SMS) and user.mobile_phones:
        return Channel.SMS, user.mobile_phones[0].number.e164
    return None


def _no_route(channel: Channel | None) -> str:
    if channel is Channel.EMAIL:
        return "the account has no e-mail address"
    if channel is Channel.SMS:
        return "the account has no mobile number"
    return "the account has no e-mail address and no mobile number"


def _has_password(org: Organization, username: str) -> bool:
    accounts = getattr(org, "accounts", None)
    if accounts is None:
        return True
    return bool(accounts.has_password(username))


def _body(
    texts: Mapping[str, str], values: Mapping[str, str], paragraphs: list[str], via: Channel
) -> str:
    """An SMS is the paragraphs on one line; an e-mail greets, gives them, signs off."""
    if via is Channel.SMS:
        return " ".join(paragraphs).replace("\n", " ")
    return "\n\n".join([texts["hello"].format(**values), *paragraphs, texts["bye"]]) + "\n"


def compose_welcome(
    org: Organization,
    username: str,
    target: WelcomeTarget,
    *,
    channel: Channel | None = None,
    settings: MessageSettings | None = None,
) -> Message | None:
    """Compose a welcome message for one target, in the user's language (nl, fr or en).

    Args:
        org (Organization): The organisation.
        username (str): The recipient.
        target (WelcomeTarget): Web portal, mobile app or softphone.
        channel (Channel | None): Force e-mail or SMS; by default e-mail when the
            account has an address, else SMS to its first mobile number.
        settings (MessageSettings | None): Portal and app addresses.

    Returns:
        The message, or ``None`` when the account has no address for the channel.

    Raises:
        NotFoundError: No such user.
    """
    settings = settings or MessageSettings()
    user = org.user(username)
    route = _route(org, user.username, channel)
    if route is None:
        return None
    texts = _TEXTS[_language(org, user.username)]
    values = {
        "name": user.display_name,
        "username": user.username,
        "portal": settings.portal_url,
        "app": settings.mobile_app,
        "download": settings.softphone_url,
        "product": settings.product,
    }
    lines = [texts[target.value].format(**values)]
    if not _has_password(org, user.username):
        lines.append(texts["no_password"].format(**values))
    via, address = route
    subject = texts[f"subject.{target.value}"].format(**values)
    body = _body(texts, values, lines, via)
    return Message(
        channel=via, to=address, subject=subject, body=body, kind=f"welcome-{target.value}"
    )


def compose_secret(
    org: Organization, issued: IssuedSecret, *, settings: MessageSettings | None = None
) -> Message | None:
    """Compose the message that brings a new password, PIN or reset link to the user.

    Args:
        org (Organization): The organisation.
        issued (IssuedSecret): From ``Accounts.reset_password``, ``reset_pin`` or
            ``take_outgoing``.
        settings (MessageSettings | None): Portal address.

    Returns:
        The message (marked secret), or ``None`` when ``issued`` has no channel.
    """
    settings = settings or MessageSettings()
    if issued.channel is None or issued.address is None:
        return None
    user = org.user(issued.username)
    texts = _TEXTS[_language(org, user.username)]
    expires = (
        issued.expires.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if issued.expires else ""
    )
    values = {
        "name": user.display_name,
        "username": user.username,
        "portal": settings.portal_url,
        "product": settings.product,
        "secret": issued.secret,
        "expires": expires,
    }
    key = issued.kind.value
    body = _body(texts, values, [texts[key].format(**values)], issued.channel)
    kinds = {
        SecretKind.PASSWORD: "new-password",
        SecretKind.PIN: "new-pin",
        SecretKind.RESET_TOKEN: "password-reset",
    }
    return Message(
        channel=issued.channel,
        to=issued.address,
        subject=texts[f"subject.{key}"].format(**values),
        body=body,
        kind=kinds[issued.kind],
        secret=True,
    )


# =============================================================================
# Transports
# =============================================================================


@runtime_checkable
class Transport(Protocol):
    """Sends messages of some channels. Built by a :class:`TransportSpec`."""

    @property
    def name(self) -> str:
        """The transport's name, e.g. ``"smtp"``."""

    @property
    def channels(self) -> frozenset[Channel]:
        """The channels it can send."""

    def send(self, message: Message) -> Receipt:
        """Send one message.

        Returns:
            The receipt when the message was accepted.

        Raises:
            DeliveryError: Saying why it was not accepted.
        """


def _channel_set(values: Iterable[Channel | str]) -> frozenset[Channel]:
    return frozenset(Channel(value) for value in values)


@attrs.frozen(kw_only=True)
class TransportSpec:
    """A kind of transport a plugin offers (returned by ``cloudtel_message_transports``).

    Args:
        name (str): Unique name, e.g. ``"smtp"``.
        channels (frozenset[Channel]): What it sends.
        description (str): One line for ``--help`` and the docs.
        options (Mapping[str, str]): The settings it takes, with their meaning.
        create (Callable[[Mapping[str, str]], Transport]): Builds a transport from
            settings given as text (from the command line or a config file);
            raises :class:`~cloudtel.errors.InvalidValueError` naming a bad setting.
    """

    name: str = attrs.field(validator=_check_kind)
    channels: frozenset[Channel] = attrs.field(converter=_channel_set)
    description: str
    options: Mapping[str, str] = attrs.field(factory=dict)
    create: Callable[[Mapping[str, str]], Transport] = attrs.field(eq=False, repr=False)


def _flag(settings: Mapping[str, str], key: str, default: bool) -> bool:
    value = settings.get(key)
    if value is None:
        return default
    lowered = str(value).strip().lower()
    if lowered in ("1", "yes", "true", "on"):
        return True
    if lowered in ("0", "no", "false", "off"):
        return False
    raise InvalidValueError(f"setting {key}={value!r} must be yes or no", field=key, value=value)


def _number(
    settings: Mapping[str, str], key: str, default: float, low: float, high: float
) -> float:
    value = settings.get(key)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not low <= number <= high:
        raise InvalidValueError(
            f"setting {key}={value!r} must be a number from {low:g} to {high:g}",
            field=key,
            value=value,
        )
    return number


def _secret_from_env(settings: Mapping[str, str], key: str) -> str | None:
    name = settings.get(f"{key}_env")
    if name is None:
        return None
    value = os.environ.get(name)
    if not value:
        raise InvalidValueError(
            f"setting {key}_env names the environment variable {name!r}, which is not set",
            field=f"{key}_env",
            value=name,
        )
    return value


def _known_options(settings: Mapping[str, str], spec_name: str, options: Iterable[str]) -> None:
    allowed = set(options)
    for key in settings:
        if key not in allowed:
            raise InvalidValueError(
                f"transport {spec_name!r} has no setting {key!r}; settings are: "
                f"{', '.join(sorted(allowed)) or 'none'}",
                field=key,
            )


class _BuiltinTransport:
    """``name`` and ``channels`` of a built-in transport, from its class constants."""

    __slots__ = ()
    NAME: ClassVar[str]
    CHANNELS: ClassVar[frozenset[Channel]]

    @property
    def name(self) -> str:
        """The name :func:`get_transport` knows it by."""
        return self.NAME

    @property
    def channels(self) -> frozenset[Channel]:
        """The channels it sends."""
        return self.CHANNELS

    def _accepted(self, where: str, message: Message, reference: str) -> Receipt:
        return Receipt(
            transport=self.NAME, reference=reference, detail=f"accepted by {where} for {message.to}"
        )


# --- outbox -------------------------------------------------------------------


@attrs.frozen
class OutboxTransport(_BuiltinTransport):
    """Writes every message as a file into a folder; needs nothing else.

    E-mail is written as a complete ``.eml`` message (open it with any mail
    program), SMS as ``.sms.json`` (``{"to": …, "text": …}``). Each file is
    written atomically with a name that holds no user-chosen text:
    ``<UTC time>-<kind>-<random>.<ext>``. Files and the folder are readable by
    their owner only, because messages can carry a new password or a reset link.

    Its ``name`` is ``"outbox"``; it takes e-mail and SMS.

    Args:
        folder (Path): The outbox folder (created when missing).
        sender (str): The From address of e-mail.
    """

    NAME: ClassVar[str] = "outbox"
    CHANNELS: ClassVar[frozenset[Channel]] = frozenset(Channel)

    folder: Path = attrs.field(converter=Path)
    sender: str = attrs.field(default="noreply@cloudtel.invalid")

    def send(self, message: Message) -> Receipt:
        """Write the message into the folder.

        Raises:
            DeliveryError: The folder cannot be created or written.
        """
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        suffix = ".eml" if message.channel is Channel.EMAIL else ".sms.json"
        target = self.folder / f"{stamp}-{message.kind}-{secrets.token_hex(4)}{suffix}"
        if message.channel is Channel.EMAIL:
            data = email_bytes(message, self.sender)
        else:
            record = {"to": message.to, "kind": message.kind, "text": message.body}
            data = (json.dumps(record, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            atomic_write(target, data, mode=0o600)
        except OSError as exc:
            raise DeliveryError(
                f"cannot write the message into the outbox {self.folder}: {exc.strerror or exc}",
                path=str(self.folder),
            ) from exc
        return Receipt(transport=self.name, reference=str(target), detail=f"written to {target}")


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


# --- SMTP ---------------------------------------------------------------------


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@attrs.frozen(kw_only=True)
class SmtpTransport(_BuiltinTransport):
    """Sends e-mail through an SMTP server with :mod:`smtplib`.

    With ``starttls`` the connection is upgraded to TLS before anything else is
    sent, and the server's certificate is checked (``ssl_context`` replaces the
    default context, e.g. to trust a private CA). A username and password are
    only sent over TLS (or to a server on this machine). Its ``name`` is ``"smtp"``;
    it sends e-mail only.

    Args:
        host (str): The server.
        port (int): Its port (25, or 587 for submission).
        sender (str): The From address (and envelope sender).
        starttls (bool): Require and use STARTTLS.
        username (str | None): Log in with this user.
        password (str | None): And this password (never shown in ``repr``).
        timeout (float): Seconds to wait for the server.
        ssl_context (ssl.SSLContext | None): TLS settings for STARTTLS.
    """

    host: str
    port: int = 25
    sender: str = "noreply@cloudtel.invalid"
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
        mail = build_email(message, self.sender)
        where = f"SMTP server {self.host}:{self.port}"
        if self.username and not (self.starttls or _is_loopback(self.host)):
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
                refused = smtp.send_message(mail, from_addr=self.sender, to_addrs=[message.to])
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


# --- SMS over HTTP ------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None  # a redirect is an error: the message is not re-posted elsewhere


def _check_gateway(url: str) -> str:
    parts = urllib.parse.urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidValueError(
            f"the SMS gateway address {url!r} must be an http:// or https:// URL",
            field="url",
            value=url,
        )
    return url


@attrs.frozen(kw_only=True)
class HttpSmsTransport(_BuiltinTransport):
    """Sends SMS by posting JSON to an HTTP gateway.

    Each message is one ``POST`` of ``{"to": "+32…", "from": sender, "text": …}``
    with ``Content-Type: application/json`` and, when a token is set,
    ``Authorization: Bearer <token>``. Any 2xx answer means accepted (a JSON
    answer's ``"id"`` becomes the receipt's reference); anything else, a
    redirect, or no answer within ``timeout`` is a
    :class:`~cloudtel.errors.DeliveryError`. A token is only sent over https (or
    to a gateway on this machine). Its ``name`` is ``"sms-http"``; it sends SMS only.

    Args:
        url (str): The gateway's address.
        sender (str): The sender name or number shown on the phone.
        token (str | None): Bearer token (never shown in ``repr``).
        timeout (float): Seconds to wait for the gateway.
    """

    url: str = attrs.field(validator=lambda _i, _a, v: _check_gateway(v))
    sender: str = attrs.field(default="CloudTel", validator=_check_one_line)
    token: str | None = attrs.field(default=None, repr=False)
    timeout: float = 10.0

    NAME: ClassVar[str] = "sms-http"
    CHANNELS: ClassVar[frozenset[Channel]] = frozenset({Channel.SMS})

    def send(self, message: Message) -> Receipt:
        """Post one SMS to the gateway.

        Raises:
            DeliveryError: The gateway refused it, redirected, or did not answer.
        """
        if message.channel is not Channel.SMS:
            raise DeliveryError("the SMS gateway only sends SMS", channel=message.channel.value)
        parts = urllib.parse.urlsplit(self.url)
        host = parts.hostname or ""
        if self.token and parts.scheme != "https" and not _is_loopback(host):
            raise DeliveryError(
                f"refusing to send the gateway token over plain http to {host}; use https",
                url=self.url,
            )
        payload = {"to": message.to, "from": self.sender, "text": message.body}
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked to be http(s)
            self.url, data=json.dumps(payload).encode("utf-8"), headers=headers, method="POST"
        )
        handlers: list[urllib.request.BaseHandler] = [_NoRedirect()]
        if _is_loopback(host):
            handlers.append(urllib.request.ProxyHandler({}))
        opener = urllib.request.build_opener(*handlers)
        where = f"SMS gateway {parts.scheme}://{parts.netloc}"
        try:
            with opener.open(request, timeout=self.timeout) as response:
                status = int(response.status)
                answer = response.read(65536)
        except urllib.error.HTTPError as exc:
            raise DeliveryError(
                f"{where} refused the SMS to {message.to}: HTTP {exc.code} {exc.reason}",
                status=exc.code,
                to=message.to,
            ) from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DeliveryError(f"{where} cannot be reached: {reason}", url=self.url) from exc
        if not 200 <= status < 300:
            raise DeliveryError(f"{where} answered HTTP {status}", status=status)
        reference = ""
        with contextlib.suppress(ValueError, UnicodeDecodeError):
            parsed = json.loads(answer.decode("utf-8"))
            if isinstance(parsed, dict) and isinstance(parsed.get("id"), str | int):
                reference = str(parsed["id"])[:200]
        return self._accepted(where, message, reference)


# --- built-in specs, registered through the plugin hook -------------------------

_OUTBOX_OPTIONS: Final = {
    "folder": "the folder messages are written into (default: outbox)",
    "sender": "the From address of e-mail",
}
_SMTP_OPTIONS: Final = {
    "host": "the SMTP server (required)",
    "port": "its port (default 25)",
    "sender": "the From address (required)",
    "starttls": "yes to require STARTTLS (default no)",
    "username": "log in with this user",
    "password_env": "the environment variable that holds the password",
    "timeout": "seconds to wait (default 30)",
}
_SMS_OPTIONS: Final = {
    "url": "the gateway's http(s) address (required)",
    "sender": "the sender shown on the phone (default CloudTel)",
    "token_env": "the environment variable that holds the bearer token",
    "timeout": "seconds to wait (default 10)",
}


def _required(settings: Mapping[str, str], key: str, spec: str) -> str:
    value = settings.get(key)
    if not value:
        raise InvalidValueError(f"transport {spec!r} needs the setting {key}=…", field=key)
    return value


def _make_outbox(settings: Mapping[str, str]) -> Transport:
    _known_options(settings, "outbox", _OUTBOX_OPTIONS)
    sender = settings.get("sender", "noreply@cloudtel.invalid")
    check_address(Channel.EMAIL, sender)
    return OutboxTransport(Path(settings.get("folder", "outbox")), sender)


def _make_smtp(settings: Mapping[str, str]) -> Transport:
    _known_options(settings, "smtp", _SMTP_OPTIONS)
    sender = _required(settings, "sender", "smtp")
    check_address(Channel.EMAIL, sender)
    return SmtpTransport(
        host=_required(settings, "host", "smtp"),
        port=int(_number(settings, "port", 25, 1, 65535)),
        sender=sender,
        starttls=_flag(settings, "starttls", False),
        username=settings.get("username") or None,
        password=_secret_from_env(settings, "password"),
        timeout=_number(settings, "timeout", 30, 0.1, 600),
    )


def _make_sms(settings: Mapping[str, str]) -> Transport:
    _known_options(settings, "sms-http", _SMS_OPTIONS)
    return HttpSmsTransport(
        url=_required(settings, "url", "sms-http"),
        sender=settings.get("sender", "CloudTel"),
        token=_secret_from_env(settings, "token"),
        timeout=_number(settings, "timeout", 10, 0.1, 600),
    )


class _BuiltinTransports:
    """The built-in transports, registered as a plugin like any other."""

    @hookimpl
    def cloudtel_message_transports(self) -> Sequence[TransportSpec]:
        return (
            TransportSpec(
                name=OutboxTransport.NAME,
                channels=OutboxTransport.CHANNELS,
                description="write each message as a file into a folder (works offline)",
                options=_OUTBOX_OPTIONS,
                create=_make_outbox,
            ),
            TransportSpec(
                name=SmtpTransport.NAME,
                channels=SmtpTransport.CHANNELS,
                description="send e-mail through an SMTP server (STARTTLS optional)",
                options=_SMTP_OPTIONS,
                create=_make_smtp,
            ),
            TransportSpec(
                name=HttpSmsTransport.NAME,
                channels=HttpSmsTransport.CHANNELS,
                description="send SMS by posting JSON to an HTTP gateway",
                options=_SMS_OPTIONS,
                create=_make_sms,
            ),
        )


BUILTIN_PLUGIN_NAME: Final = "cloudtel.messaging:builtin"
"""The name the built-in transports are registered under."""


def _plugin_manager() -> Any:
    from cloudtel.plugins import get_plugin_manager  # noqa: PLC0415 - plugins load on first use

    pm = get_plugin_manager()
    if not pm.has_plugin(BUILTIN_PLUGIN_NAME):
        pm.register(_BuiltinTransports(), name=BUILTIN_PLUGIN_NAME)
    return pm


def transport_specs() -> tuple[TransportSpec, ...]:
    """Every transport kind of every installed plugin (built-ins included), by name.

    Raises:
        PluginError: A plugin returned something else than a TransportSpec, or two
            plugins offer the same name.
    """
    hook: Any = _plugin_manager().hook
    found: dict[str, tuple[TransportSpec, str]] = {}
    for impl in hook.cloudtel_message_transports.get_hookimpls():
        for spec in _call(impl):
            if not isinstance(spec, TransportSpec):
                raise PluginError(
                    f"plugin {impl.plugin_name!r} offered {spec!r} as a message transport; "
                    "expected a TransportSpec",
                    plugin=impl.plugin_name,
                )
            if spec.name in found:
                raise PluginError(
                    f"message transport {spec.name!r} is offered by two plugins: "
                    f"{found[spec.name][1]!r} and {impl.plugin_name!r}; uninstall one",
                    transport=spec.name,
                )
            found[spec.name] = (spec, impl.plugin_name)
    return tuple(spec for spec, _ in sorted(found.values(), key=lambda item: item[0].name))


def _call(impl: Any) -> Sequence[Any]:
    try:
        result = impl.function()
    except Exception as exc:
        raise PluginError(
            f"plugin {impl.plugin_name!r} failed to list its message transports: {exc}",
            plugin=impl.plugin_name,
        ) from exc
    if not isinstance(result, Iterable) or isinstance(result, str | bytes):
        raise PluginError(
            f"plugin {impl.plugin_name!r} returned {result!r} from cloudtel_message_transports; "
            "expected a sequence of TransportSpec",
            plugin=impl.plugin_name,
        )
    return tuple(result)


def get_transport(name: str, settings: Mapping[str, str] | None = None) -> Transport:
    """Build a transport by name from text settings.

    Example: ``get_transport("smtp", {"host": "mail.example.com", "sender": "pbx@example.com"})``.

    Args:
        name (str): ``"outbox"``, ``"smtp"``, ``"sms-http"`` or a plugin's.
        settings (Mapping[str, str] | None): Its settings (see :attr:`TransportSpec.options`).

    Raises:
        NotFoundError: No transport of that name; lists the installed ones.
        InvalidValueError: A missing or bad setting.
        PluginError: The plugin's factory failed or built something that is not a Transport.
    """
    specs = {spec.name: spec for spec in transport_specs()}
    spec = specs.get(name)
    if spec is None:
        raise NotFoundError(
            f"no message transport {name!r}; installed: {', '.join(sorted(specs))}",
            kind="transport",
            name=name,
        )
    try:
        transport = spec.create(dict(settings or {}))
    except InvalidValueError:
        raise
    except Exception as exc:
        raise PluginError(f"transport {name!r} could not be built: {exc}", transport=name) from exc
    if not isinstance(transport, Transport):
        raise PluginError(
            f"transport {name!r} built {transport!r}, which has no name, channels and send()",
            transport=name,
        )
    return transport


@attrs.frozen
class Transports:
    """The transports to use: one for e-mail, one for SMS (may be the same).

    Args:
        email (Transport | None): Sends e-mail.
        sms (Transport | None): Sends SMS.
    """

    email: Transport | None = None
    sms: Transport | None = None

    @classmethod
    def outbox(cls, folder: str | os.PathLike[str], *, sender: str | None = None) -> Transports:
        """Both channels into one outbox folder (the offline default)."""
        box = OutboxTransport(Path(folder), sender or "noreply@cloudtel.invalid")
        return cls(email=box, sms=box)

    def for_channel(self, channel: Channel) -> Transport | None:
        """The transport for ``channel``, if any."""
        return self.email if channel is Channel.EMAIL else self.sms


# =============================================================================
# Sending
# =============================================================================


def _deliver(
    message: Message,
    transports: Transports,
    *,
    username: str,
    what: str,
    target: WelcomeTarget | None,
) -> DeliveryStatus:
    def status(detail: str, receipt: Receipt | None = None) -> DeliveryStatus:
        return DeliveryStatus(
            username=username,
            what=what,
            sent=receipt is not None,
            channel=message.channel,
            address=message.to,
            detail=detail,
            receipt=receipt,
            target=target,
        )

    transport = transports.for_channel(message.channel)
    channel_name = "e-mail" if message.channel is Channel.EMAIL else "SMS"
    if transport is None or message.channel not in transport.channels:
        return status(f"no {channel_name} transport is configured")
    try:
        receipt = transport.send(message)
    except DeliveryError as exc:
        return status(str(exc))
    return status(f"by {channel_name} to {message.to}: {receipt.detail}", receipt)


def send_welcome(
    org: Organization,
    username: str,
    targets: Iterable[WelcomeTarget | str],
    transports: Transports,
    *,
    channel: Channel | None = None,
    settings: MessageSettings | None = None,
) -> tuple[DeliveryStatus, ...]:
    """Send the welcome message for each chosen target (the portal's "Send welcome message").

    One message per target, by e-mail when the account has an e-mail address,
    else by SMS to its first mobile number (or by ``channel`` when given). A
    failure of one target does not stop the others.

    Args:
        org (Organization): The organisation.
        username (str): The recipient.
        targets (Iterable[WelcomeTarget | str]): ``web``, ``mobile``, ``softphone``.
        transports (Transports): How to send.
        channel (Channel | None): Force e-mail or SMS.
        settings (MessageSettings | None): Portal and app addresses.

    Returns:
        One status per target, in the order given: sent (and where), or failed and why.

    Raises:
        NotFoundError: No such user.
        InvalidValueError: No target, or an unknown one.
    """
    user = org.user(username)
    chosen: list[WelcomeTarget] = []
    for item in targets:
        try:
            target = WelcomeTarget(item.value if isinstance(item, WelcomeTarget) else item)
        except ValueError:
            raise InvalidValueError(
                f"unknown welcome target {item!r}; targets are: web, mobile, softphone",
                field="targets",
                value=item,
            ) from None
        if target not in chosen:
            chosen.append(target)
    if not chosen:
        raise InvalidValueError(
            "choose at least one welcome target: web, mobile or softphone", field="targets"
        )
    statuses = []
    for target in chosen:
        what = f"welcome ({target.value})"
        message = compose_welcome(org, user.username, target, channel=channel, settings=settings)
        if message is None:
            statuses.append(
                DeliveryStatus(
                    username=user.username,
                    what=what,
                    sent=False,
                    channel=channel,
                    address=None,
                    detail=_no_route(channel),
                    target=target,
                )
            )
            continue
        statuses.append(
            _deliver(message, transports, username=user.username, what=what, target=target)
        )
    return tuple(statuses)


_WHAT: Final = {
    SecretKind.PASSWORD: "new password",
    SecretKind.PIN: "new PIN",
    SecretKind.RESET_TOKEN: "password reset link",
}


def deliver_secret(
    org: Organization,
    issued: IssuedSecret,
    transports: Transports,
    *,
    settings: MessageSettings | None = None,
) -> DeliveryStatus:
    """Send a new password, PIN or reset link the way :attr:`IssuedSecret.how` says.

    Returns:
        The status; failed (with the reason) when the account has no address or the
        transport refused.
    """
    what = _WHAT[issued.kind]
    message = compose_secret(org, issued, settings=settings)
    if message is None:
        return DeliveryStatus(
            username=issued.username,
            what=what,
            sent=False,
            channel=None,
            address=None,
            detail=_no_route(None),
        )
    return _deliver(message, transports, username=issued.username, what=what, target=None)


def send_pending(
    org: Organization, transports: Transports, *, settings: MessageSettings | None = None
) -> tuple[DeliveryStatus, ...]:
    """Send the reset links that forgotten-password requests queued.

    Run it from a background job (not in the request), so the time a request
    takes says nothing about whether the account exists.

    Returns:
        One status per message.
    """
    accounts: Any = getattr(org, "accounts", None)
    if accounts is None:
        return ()
    return tuple(
        deliver_secret(org, issued, transports, settings=settings)
        for issued in accounts.take_outgoing()
    )
