"""What a transport plugin implements and returns: the protocol, its spec and its receipt.

A plugin offers transports through the hook ``cloudtel_message_transports``
(:mod:`cloudtel.hookspecs`): each :class:`TransportSpec` builds a :class:`Transport`
from text settings, whose ``send(message)`` returns a :class:`Receipt`. This module
sits low in the house (it imports only domain values) so that the hookspecs can name
its types.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Protocol, runtime_checkable

import attrs

from cloudtel.accounts import Channel
from cloudtel.messaging.message import Message, check_kind

__all__ = ["Receipt", "Transport", "TransportSpec"]


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

    name: str = attrs.field(validator=check_kind)
    channels: frozenset[Channel] = attrs.field(converter=_channel_set)
    description: str
    options: Mapping[str, str] = attrs.field(factory=dict)
    create: Callable[[Mapping[str, str]], Transport] = attrs.field(eq=False, repr=False)
