"""What the built-in transports share: their name and channels, and reading text settings.

Private to :mod:`cloudtel.messaging`; the names carry no underscore because the module does.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable, Mapping
from typing import ClassVar

from cloudtel.accounts import Channel
from cloudtel.errors import InvalidValueError
from cloudtel.messaging.message import Message
from cloudtel.messaging.transport import Receipt


def flag_setting(settings: Mapping[str, str], key: str, default: bool) -> bool:
    """The yes/no setting ``key`` (``default`` when absent)."""
    value = settings.get(key)
    if value is None:
        return default
    lowered = str(value).strip().lower()
    if lowered in ("1", "yes", "true", "on"):
        return True
    if lowered in ("0", "no", "false", "off"):
        return False
    raise InvalidValueError(f"setting {key}={value!r} must be yes or no", field=key, value=value)


def number_setting(
    settings: Mapping[str, str], key: str, default: float, low: float, high: float
) -> float:
    """The number setting ``key``, from ``low`` to ``high`` (``default`` when absent)."""
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


def secret_setting(settings: Mapping[str, str], key: str) -> str | None:
    """The secret named by the setting ``<key>_env``: read from that environment variable."""
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


def check_options(settings: Mapping[str, str], spec_name: str, options: Iterable[str]) -> None:
    """Refuse a setting the transport ``spec_name`` does not take, listing those it takes."""
    allowed = set(options)
    for key in settings:
        if key not in allowed:
            raise InvalidValueError(
                f"transport {spec_name!r} has no setting {key!r}; settings are: "
                f"{', '.join(sorted(allowed)) or 'none'}",
                field=key,
            )


def required_setting(settings: Mapping[str, str], key: str, spec: str) -> str:
    """The setting ``key`` that transport ``spec`` cannot do without."""
    value = settings.get(key)
    if not value:
        raise InvalidValueError(f"transport {spec!r} needs the setting {key}=…", field=key)
    return value


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine (secrets may go there without TLS)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class BuiltinTransport:
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
