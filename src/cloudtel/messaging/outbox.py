"""The ``outbox`` transport: every message becomes a file in a folder (works offline).

This module is a default plugin: :mod:`cloudtel.plugins` registers it when it builds the
plugin manager, through the same hook as any other transport plugin.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar, Final

import attrs

from cloudtel._files import atomic_write
from cloudtel.accounts import Channel
from cloudtel.errors import DeliveryError
from cloudtel.hookspecs import hookimpl
from cloudtel.messaging._builtin import BuiltinTransport, check_options
from cloudtel.messaging.message import Message, check_address, email_bytes, from_address
from cloudtel.messaging.transport import Receipt, Transport, TransportSpec

__all__ = ["OutboxTransport", "cloudtel_message_transports"]

_OUTBOX_OPTIONS: Final = {
    "folder": "the folder messages are written into (default: outbox)",
    "sender": "the From address of e-mail (default: the organisation's email_sender)",
}


@attrs.frozen
class OutboxTransport(BuiltinTransport):
    """Writes every message as a file into a folder; needs nothing else.

    E-mail is written as a complete ``.eml`` message (open it with any mail
    program), SMS as ``.sms.json`` (``{"to": …, "text": …}``). Each file is
    written atomically with a name that holds no user-chosen text:
    ``<UTC time>-<kind>-<random>.<ext>``. Files and the folder are readable by
    their owner only, because messages can carry a new password or a reset link.

    Its ``name`` is ``"outbox"``; it takes e-mail and SMS.

    Args:
        folder (Path): The outbox folder (created when missing).
        sender (str | None): The From address of e-mail; ``None``: the message's
            (the organisation's :attr:`~cloudtel.Organization.email_sender`), else
            :data:`~cloudtel.messaging.message.DEFAULT_SENDER`.
    """

    NAME: ClassVar[str] = "outbox"
    CHANNELS: ClassVar[frozenset[Channel]] = frozenset(Channel)

    folder: Path = attrs.field(converter=Path)
    sender: str | None = attrs.field(default=None)

    def send(self, message: Message) -> Receipt:
        """Write the message into the folder.

        Raises:
            DeliveryError: The folder cannot be created or written.
        """
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        suffix = ".eml" if message.channel is Channel.EMAIL else ".sms.json"
        target = self.folder / f"{stamp}-{message.kind}-{secrets.token_hex(4)}{suffix}"
        if message.channel is Channel.EMAIL:
            data = email_bytes(message, from_address(message, self.sender))
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


def _make_outbox(settings: Mapping[str, str]) -> Transport:
    check_options(settings, "outbox", _OUTBOX_OPTIONS)
    sender = settings.get("sender") or None
    if sender is not None:
        check_address(Channel.EMAIL, sender)
    return OutboxTransport(Path(settings.get("folder", "outbox")), sender)


@hookimpl
def cloudtel_message_transports() -> Sequence[TransportSpec]:
    """The ``outbox`` transport."""
    return (
        TransportSpec(
            name=OutboxTransport.NAME,
            channels=OutboxTransport.CHANNELS,
            description="write each message as a file into a folder (works offline)",
            options=_OUTBOX_OPTIONS,
            create=_make_outbox,
        ),
    )
