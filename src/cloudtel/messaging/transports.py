"""The transports installed and the ones chosen: the registry and :class:`Transports`.

Every transport kind comes from a plugin through the hook ``cloudtel_message_transports``;
the built-in ones (``outbox``, ``smtp``, ``sms-http``) are default plugins that
:mod:`cloudtel.plugins` registers when it builds the manager.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from cloudtel.accounts import Channel
from cloudtel.errors import InvalidValueError, NotFoundError, PluginError
from cloudtel.messaging.outbox import OutboxTransport
from cloudtel.messaging.transport import Transport, TransportSpec
from cloudtel.plugins import get_plugin_manager

__all__ = ["Transports", "get_transport", "transport_specs"]


def transport_specs() -> tuple[TransportSpec, ...]:
    """Every transport kind of every installed plugin (built-ins included), by name.

    Raises:
        PluginError: A plugin returned something else than a TransportSpec, or two
            plugins offer the same name.
    """
    hook: Any = get_plugin_manager().hook
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
        box = OutboxTransport(Path(folder), sender)
        return cls(email=box, sms=box)

    def for_channel(self, channel: Channel) -> Transport | None:
        """The transport for ``channel``, if any."""
        return self.email if channel is Channel.EMAIL else self.sms
