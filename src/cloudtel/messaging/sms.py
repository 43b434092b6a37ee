"""The ``sms-http`` transport: SMS by posting JSON to an HTTP gateway.

This module is a default plugin: :mod:`cloudtel.plugins` registers it when it builds the
plugin manager, through the same hook as any other transport plugin.
"""

from __future__ import annotations

import contextlib
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Final

import attrs

from cloudtel.accounts import Channel
from cloudtel.errors import DeliveryError, InvalidValueError
from cloudtel.hookspecs import hookimpl
from cloudtel.messaging._builtin import (
    BuiltinTransport,
    check_options,
    is_loopback,
    number_setting,
    required_setting,
    secret_setting,
)
from cloudtel.messaging.message import Message, check_one_line
from cloudtel.messaging.transport import Receipt, Transport, TransportSpec

__all__ = ["HttpSmsTransport", "cloudtel_message_transports"]

_SMS_OPTIONS: Final = {
    "url": "the gateway's http(s) address (required)",
    "sender": "the sender shown on the phone (default CloudTel)",
    "token_env": "the environment variable that holds the bearer token",
    "timeout": "seconds to wait (default 10)",
}


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
class HttpSmsTransport(BuiltinTransport):
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
    sender: str = attrs.field(default="CloudTel", validator=check_one_line)
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
        if self.token and parts.scheme != "https" and not is_loopback(host):
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
        if is_loopback(host):
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


def _make_sms(settings: Mapping[str, str]) -> Transport:
    check_options(settings, "sms-http", _SMS_OPTIONS)
    return HttpSmsTransport(
        url=required_setting(settings, "url", "sms-http"),
        sender=settings.get("sender", "CloudTel"),
        token=secret_setting(settings, "token"),
        timeout=number_setting(settings, "timeout", 10, 0.1, 600),
    )


@hookimpl
def cloudtel_message_transports() -> Sequence[TransportSpec]:
    """The ``sms-http`` transport."""
    return (
        TransportSpec(
            name=HttpSmsTransport.NAME,
            channels=HttpSmsTransport.CHANNELS,
            description="send SMS by posting JSON to an HTTP gateway",
            options=_SMS_OPTIONS,
            create=_make_sms,
        ),
    )
