"""What the domain asks of the plugins, as a narrow protocol.

The domain never imports the plugin manager. An :class:`~cloudtel.org.Organization`
holds a :class:`PluginServices` (``org.services``), and its parts ask it for what only
plugins can give: a phone model of an installed driver, a recording by a telephony
backend. By default it is :data:`cloudtel.plugins.INSTALLED`, backed by the installed
plugins; tests and embedders pass their own (any object with these methods).

This module sits low in the house: it imports only domain values (numbers, phone models).
"""

from __future__ import annotations

from typing import Protocol

import attrs

from cloudtel.devices import PhoneModel
from cloudtel.numbers import PhoneNumber

__all__ = ["PluginServices", "RecordingRequest"]


@attrs.frozen(kw_only=True)
class RecordingRequest:
    """What a telephony backend needs to record a prompt by calling a user.

    Args:
        organization (str): The organisation's name.
        domain (str): The organisation's domain.
        prompt (str): The prompt's name.
        description (str): The prompt's description (what the user should say).
        language (str): The language being recorded.
        username (str): The user to call.
        number (PhoneNumber | None): The user's primary line, if they have one.
    """

    organization: str
    domain: str
    prompt: str
    description: str
    language: str
    username: str
    number: PhoneNumber | None


class PluginServices(Protocol):
    """The services of the installed plugins that the domain uses."""

    def find_model(self, family: str, name: str) -> PhoneModel:
        """The model ``name`` (case-insensitive) of phone family ``family``.

        Raises:
            DriverNotFoundError: When no installed driver handles ``family``.
            NotFoundError: When the driver has no such model.
        """
        ...

    def record_prompt(self, request: RecordingRequest) -> bytes:
        """Record a voice prompt by having a telephony backend call a user.

        Returns:
            The bytes of a PCM WAV or AIFF file.

        Raises:
            PluginError: When no backend records prompts, or it failed.
        """
        ...
