"""Sending: welcome messages, new secrets and queued reset links, with a status each.

Welcome messages (manual §7.2): for each chosen target — web portal, mobile app,
softphone — :func:`send_welcome` composes a message and sends it by e-mail when the
account has an e-mail address, else by SMS to its first mobile number, and returns a
status per target: sent, or failed and why.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

import attrs

from cloudtel.accounts import Channel, IssuedSecret, SecretKind
from cloudtel.errors import DeliveryError, InvalidValueError
from cloudtel.messaging.compose import (
    MessageSettings,
    WelcomeTarget,
    compose_secret,
    compose_welcome,
)
from cloudtel.messaging.message import Message
from cloudtel.messaging.transport import Receipt
from cloudtel.messaging.transports import Transports
from cloudtel.org import Organization

__all__ = ["DeliveryStatus", "deliver_secret", "send_pending", "send_welcome"]


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


def _no_route(channel: Channel | None) -> str:
    if channel is Channel.EMAIL:
        return "the account has no e-mail address"
    if channel is Channel.SMS:
        return "the account has no mobile number"
    return "the account has no e-mail address and no mobile number"


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
    return tuple(
        deliver_secret(org, issued, transports, settings=settings)
        for issued in org.accounts.take_outgoing()
    )
