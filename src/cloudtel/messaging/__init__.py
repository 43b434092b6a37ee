"""Messages to users: welcome messages, new passwords and PINs, reset links.

A message is composed here (pure: no I/O) and sent by a **transport**. Transports
are plugins (hook ``cloudtel_message_transports`` in :mod:`cloudtel.hookspecs`);
the three built-in ones are default plugins, registered through the same hook when
the plugin manager is built:

- ``outbox`` — needs nothing: each message is written atomically as a file into a
  folder (``.eml`` for e-mail, ``.sms.json`` for SMS), so the demo works offline;
- ``smtp`` — e-mail through an SMTP server (:mod:`smtplib`, STARTTLS optional);
- ``sms-http`` — SMS by posting JSON to an HTTP gateway.

Welcome messages (manual §7.2): for each chosen target — web portal, mobile app,
softphone — :func:`send_welcome` composes a message (portal address, username,
how to install the app) and sends it by e-mail when the account has an e-mail
address, else by SMS to its first mobile number, and returns a status per
target: sent, or failed and why.

One concept per module: :mod:`~cloudtel.messaging.message` (the message),
:mod:`~cloudtel.messaging.compose` (composing), :mod:`~cloudtel.messaging.transport`
(what a transport plugin implements), one module per built-in transport
(:mod:`~cloudtel.messaging.outbox`, :mod:`~cloudtel.messaging.smtp`,
:mod:`~cloudtel.messaging.sms`), :mod:`~cloudtel.messaging.transports` (the registry)
and :mod:`~cloudtel.messaging.delivery` (sending, with a status per message). This
package only re-exports them.

See ``docs/messages.md``.
"""

from __future__ import annotations

from cloudtel.messaging.compose import (
    DEFAULT_PORTAL_URL,
    MessageSettings,
    WelcomeTarget,
    compose_secret,
    compose_welcome,
)
from cloudtel.messaging.delivery import DeliveryStatus, deliver_secret, send_pending, send_welcome
from cloudtel.messaging.message import Message
from cloudtel.messaging.outbox import OutboxTransport
from cloudtel.messaging.sms import HttpSmsTransport
from cloudtel.messaging.smtp import SmtpTransport
from cloudtel.messaging.transport import Receipt, Transport, TransportSpec
from cloudtel.messaging.transports import Transports, get_transport, transport_specs

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
