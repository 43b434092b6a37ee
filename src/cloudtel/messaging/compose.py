"""Composing messages (pure: no I/O): welcome messages and new secrets, in nl, fr or en."""

from __future__ import annotations

import enum
import urllib.parse
from collections.abc import Mapping
from datetime import UTC
from typing import Final

import attrs

from cloudtel.accounts import Channel, IssuedSecret, SecretKind
from cloudtel.errors import InvalidValueError
from cloudtel.messaging.message import Message, check_address, check_one_line
from cloudtel.org import Organization

__all__ = [
    "DEFAULT_PORTAL_URL",
    "MessageSettings",
    "WelcomeTarget",
    "compose_secret",
    "compose_welcome",
]

DEFAULT_PORTAL_URL: Final = "https://cloudtelephony.orange.be"
"""The user portal's address (manual §1)."""


class WelcomeTarget(enum.Enum):
    """What a welcome message helps the user connect (manual §7.2)."""

    WEB = "web"
    """The web portal."""
    MOBILE = "mobile"
    """The smartphone app."""
    SOFTPHONE = "softphone"
    """The softphone on a PC."""


@attrs.frozen(kw_only=True)
class MessageSettings:
    """Where the portal and the apps are, and who the messages come from.

    Args:
        portal_url (str): The user portal (http or https).
        mobile_app (str): The app's name in the App Store and Google Play.
        softphone_url (str): Where the softphone for PCs is downloaded.
        product (str): The service's name in messages.
        sender (str | None): The From address of e-mail, e.g. the portal's
            ``noreply.cloudtelephony@services.orange.be``; ``None``: the transport's own
            ``sender`` or :data:`~cloudtel.messaging.message.DEFAULT_SENDER`. A transport
            configured with a ``sender`` of its own uses that one (the mail server may
            accept no other).
    """

    portal_url: str = attrs.field(default=DEFAULT_PORTAL_URL)
    mobile_app: str = attrs.field(default="Cloud Telephony", validator=check_one_line)
    softphone_url: str = attrs.field(default=DEFAULT_PORTAL_URL + "/downloads")
    product: str = attrs.field(default="Cloud Telephony", validator=check_one_line)
    sender: str | None = attrs.field(default=None)

    @sender.validator
    def _check_sender(self, _attribute: attrs.Attribute[str | None], value: str | None) -> None:
        if value is not None:
            check_address(Channel.EMAIL, value)

    @portal_url.validator
    @softphone_url.validator
    def _check_url(self, attribute: attrs.Attribute[str], value: str) -> None:
        check_one_line(self, attribute, value)
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
    if not org.accounts.has_password(user.username):
        lines.append(texts["no_password"].format(**values))
    via, address = route
    subject = texts[f"subject.{target.value}"].format(**values)
    body = _body(texts, values, lines, via)
    return Message(
        channel=via,
        to=address,
        subject=subject,
        body=body,
        kind=f"welcome-{target.value}",
        sender=settings.sender,
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
        sender=settings.sender,
    )
