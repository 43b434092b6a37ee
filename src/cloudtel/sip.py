"""Tell SIP desk phones to fetch their configuration again: ``NOTIFY`` with ``check-sync``.

The portal's *Save and Reload* and *Reboot phone* buttons. A phone that receives an
out-of-dialog ``NOTIFY`` with ``Event: check-sync`` downloads its configuration files
from the provisioning server; with ``Event: check-sync;reboot=true`` it restarts too.

Each request is a complete RFC 3261 request sent over UDP straight to the phone's
address (no proxy): a ``Via`` with a ``z9hG4bK`` branch and ``rport``, ``Max-Forwards``,
``From`` with a tag, ``To``, ``Call-ID``, ``CSeq``, ``Contact``, ``Event``,
``Subscription-State: terminated`` and ``Content-Length: 0``.

Every request runs its own non-INVITE client transaction (RFC 3261 §17.1.2): it is
sent again after T1 (500 ms), then after 2·T1, 4·T1 … capped at T2 (4 s); a
provisional (1xx) response stops the doubling (retransmit every T2) but not the wait;
the transaction gives up after Timer F (64·T1) or a shorter ``timeout``. The first
final response decides: 2xx is success; any other status (e.g. 481 *Call/Transaction
Does Not Exist* or 489 *Bad Event*) is a rejection with that status. An ICMP
"port unreachable" answer (a closed port on the phone's address) ends the transaction
at once, as a transport error (RFC 3261 §17.1.4).

:func:`check_sync` handles many phones at once, at most ``max_in_flight`` transactions
at a time, and returns one :class:`NotifyResult` per phone, in order; it never raises
for a phone that did not answer.

Header values come from the phone's data (its address, the SIP user); they are
validated so that nothing can inject a header: a line break, a space, ``<``, ``>``
or ``"`` anywhere is refused with :class:`~cloudtel.errors.InvalidValueError`.
"""

from __future__ import annotations

import enum
import ipaddress
import re
import secrets
import selectors
import socket
import time
from collections import deque
from collections.abc import Iterable, Sequence

import attrs

from cloudtel._text import check_line
from cloudtel.errors import DeliveryError, InvalidValueError

__all__ = [
    "T1",
    "T2",
    "NotifyOutcome",
    "NotifyResult",
    "SipResponse",
    "SipTarget",
    "build_notify",
    "check_sync",
    "parse_response",
    "raise_for_failures",
]

T1 = 0.5
"""RFC 3261 Timer T1, the round-trip estimate, in seconds."""

T2 = 4.0
"""RFC 3261 Timer T2, the longest interval between retransmissions, in seconds."""

_MAX_DATAGRAM = 65535
_USER_AGENT = "cloudtel"

# RFC 3261 §25.1: user = 1*( unreserved / escaped / user-unreserved ). We accept the
# unreserved characters, "%" escapes and the user-unreserved ones that cannot start a
# parameter or header (no ";", "?", "/" or ":").
_USER = re.compile(r"[A-Za-z0-9\-_.!~*'()&=+$,]|%[0-9A-Fa-f]{2}")
_USER_FULL = re.compile(r"(?:[A-Za-z0-9\-_.!~*'()&=+$,]|%[0-9A-Fa-f]{2})+")
_HOSTNAME = re.compile(
    r"(?=.{1,253}\Z)(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)*"
    r"[A-Za-z](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.?"
)


def _refuse_line_breaks(field: str, value: object) -> str:
    # a line break would start another SIP header: the one text rule refuses it
    return check_line(value, field)


def _host(value: object) -> str:
    text = _refuse_line_breaks("host", value).strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        pass
    if _HOSTNAME.fullmatch(text) is None:
        raise InvalidValueError(
            f"host {value!r} is not an IPv4 or IPv6 address (e.g. 81.164.240.106) or a "
            "host name of letters, digits, '-' and '.'",
            field="host",
            value=value,
        )
    return text.lower()


def _user(value: object) -> str:
    if value is None or value == "":
        return ""
    text = _refuse_line_breaks("user", value)
    if _USER_FULL.fullmatch(text) is None:
        bad = sorted(set(_USER.sub("", text)))
        raise InvalidValueError(
            f"SIP user {value!r} contains {''.join(bad)!r}; a SIP user may hold letters, digits, "
            "%-escapes and - _ . ! ~ * ' ( ) & = + $ ,",
            field="user",
            value=value,
        )
    return text


def _port(_instance: object, attribute: attrs.Attribute[int], value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 65535:
        raise InvalidValueError(
            f"{attribute.name} must be a port number from 1 to 65535, not {value!r}",
            field=attribute.name,
            value=value,
        )


def _domain(value: object) -> str:
    return _host(value) if value else ""


def _label(value: object) -> str:
    return _refuse_line_breaks("label", value)


@attrs.frozen(kw_only=True)
class SipTarget:
    """Where to send a ``NOTIFY``: a phone's address and, optionally, its SIP user.

    Args:
        host (str): The phone's IP address (IPv4 or IPv6) or host name.
        port (int): The phone's SIP port, 5060 by default.
        user (str): The SIP user put in the Request-URI and ``To`` (``sip:user@host``);
            "" sends to ``sip:host:port`` without a user.
        label (str): How results and messages name the phone, e.g. its MAC address;
            defaults to ``host:port``.
        domain (str): Set to send *through a proxy*: the request goes to ``host:port``
            (the registrar or outbound proxy) with the Request-URI ``sip:user@domain``,
            the phone's registered identity, and the proxy forwards it to wherever the
            phone registered from (through NAT and firewalls). "" sends directly to
            the phone at ``host:port``.

    Raises:
        InvalidValueError: When the host or domain is not an address or host name, the
            port is out of range, the user holds a character a SIP URI user may not (a
            line break, space, ``@``, ``:``, ``;``, ``<``, ``>``, ``"`` …), or a domain
            is given without a user.
    """

    host: str = attrs.field(converter=_host)
    port: int = attrs.field(default=5060, validator=_port)
    user: str = attrs.field(default="", converter=_user)
    label: str = attrs.field(default="", converter=_label)
    domain: str = attrs.field(default="", converter=_domain)

    def __attrs_post_init__(self) -> None:
        if self.domain and not self.user:
            raise InvalidValueError(
                "sending through a proxy needs the phone's SIP user", field="user"
            )

    @property
    def via_proxy(self) -> bool:
        """Whether the request goes through a proxy to the registered user."""
        return bool(self.domain)

    @property
    def name(self) -> str:
        """The label, or ``host:port`` when there is none."""
        return self.label or self.hostport

    @property
    def hostport(self) -> str:
        """``host:port`` as in a SIP URI (IPv6 addresses in brackets)."""
        return f"{_uri_host(self.host)}:{self.port}"

    @property
    def uri(self) -> str:
        """The Request-URI: ``sip:steven@192.0.2.10:5060``, or ``sip:steven@sip.example.be``
        through a proxy."""
        if self.domain:
            return f"sip:{self.user}@{_uri_host(self.domain)}"
        user = f"{self.user}@" if self.user else ""
        return f"sip:{user}{self.hostport}"


def _uri_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


class NotifyOutcome(enum.Enum):
    """How a ``NOTIFY`` transaction ended."""

    ACCEPTED = "accepted"
    """A 2xx final response: the phone will fetch its configuration."""
    REJECTED = "rejected"
    """A final response other than 2xx (3xx–6xx); :attr:`NotifyResult.status` says which."""
    TIMEOUT = "timeout"
    """No final response before the timeout (Timer F or the shorter ``timeout``)."""
    UNREACHABLE = "unreachable"
    """The request could not be sent, or the address answered "port unreachable"."""


@attrs.frozen(kw_only=True)
class NotifyResult:
    """What happened to the ``NOTIFY`` sent to one phone.

    Args:
        target (SipTarget): The phone.
        event (str): The ``Event`` header sent, ``check-sync`` or ``check-sync;reboot=true``.
        outcome (NotifyOutcome): How the transaction ended.
        status (int | None): The final response's status code; ``None`` without one.
        reason (str): The final response's reason phrase, or what went wrong.
        transmissions (int): How often the request was sent (1 + retransmissions).
        provisional (tuple[int, ...]): Status codes of the 1xx responses seen (the first 16).
        elapsed (float): Seconds from the first transmission to the end.
        call_id (str): The request's ``Call-ID``.
    """

    target: SipTarget
    event: str
    outcome: NotifyOutcome
    status: int | None = None
    reason: str = ""
    transmissions: int = 0
    provisional: tuple[int, ...] = ()
    elapsed: float = 0.0
    call_id: str = ""

    @property
    def ok(self) -> bool:
        """``True`` when the phone accepted the request (a 2xx response)."""
        return self.outcome is NotifyOutcome.ACCEPTED

    def describe(self) -> str:
        """One line for people, e.g. ``08000FBBAD78: rejected (489 Bad Event)``.

        Returns:
            The phone's name, the outcome and the status or the reason.
        """
        if self.status is not None:
            detail = f" ({self.status} {self.reason})".rstrip()
        elif self.reason:
            detail = f" ({self.reason})"
        else:
            detail = ""
        return f"{self.target.name}: {self.outcome.value}{detail}"


@attrs.frozen(kw_only=True)
class SipResponse:
    """A SIP response as far as a client transaction needs it.

    Args:
        status (int): The status code, 100–699.
        reason (str): The reason phrase.
        headers (tuple[tuple[str, str], ...]): ``(name, value)`` pairs in order, names in
            their long form and lower case (``v`` → ``via``, ``i`` → ``call-id``).
    """

    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive, long form), or ``None``.

        Args:
            name: E.g. ``"Call-ID"``.

        Returns:
            The value, or ``None`` when the response has no such header.
        """
        wanted = name.lower()
        return next((value for key, value in self.headers if key == wanted), None)

    @property
    def branch(self) -> str | None:
        """The ``branch`` parameter of the top ``Via``, which names the transaction."""
        via = self.header("via")
        if via is None:
            return None
        top = via.split(",", 1)[0]
        for param in top.split(";")[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "branch":
                return value.strip()
        return None

    @property
    def cseq_method(self) -> str | None:
        """The method named in ``CSeq`` (``NOTIFY``), upper case."""
        cseq = self.header("cseq")
        parts = cseq.split() if cseq else []
        return parts[1].upper() if len(parts) == 2 else None


_COMPACT = {
    "v": "via",
    "i": "call-id",
    "f": "from",
    "t": "to",
    "m": "contact",
    "l": "content-length",
    "o": "event",
    "c": "content-type",
}
_STATUS_LINE = re.compile(r"SIP/2\.0 ([1-6][0-9]{2})(?: (.*))?")


def parse_response(data: bytes) -> SipResponse | None:
    """Read a SIP response datagram.

    Args:
        data: The datagram.

    Returns:
        The response, or ``None`` when the datagram is not a SIP response (a request,
        a keep-alive, garbage).
    """
    text = data.decode("utf-8", errors="replace")
    head = text.split("\r\n\r\n", 1)[0]
    lines = head.replace("\r\n", "\n").split("\n")
    match = _STATUS_LINE.fullmatch(lines[0].rstrip())
    if match is None:
        return None
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line[:1] in {" ", "\t"} and headers:  # folded continuation line
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {line.strip()}")
            continue
        name, colon, value = line.partition(":")
        if not colon:
            continue
        key = name.strip().lower()
        headers.append((_COMPACT.get(key, key), value.strip()))
    return SipResponse(
        status=int(match.group(1)), reason=match.group(2) or "", headers=tuple(headers)
    )


def _token() -> str:
    return secrets.token_hex(8)


def build_notify(
    target: SipTarget,
    *,
    local_host: str,
    local_port: int,
    reboot: bool = False,
    branch: str | None = None,
    call_id: str | None = None,
    tag: str | None = None,
    from_user: str = "cloudtel",
) -> bytes:
    """The bytes of a ``NOTIFY`` request for ``target``.

    Args:
        target: The phone.
        local_host: The address the request is sent from (put in ``Via``, ``From``,
            ``Call-ID`` and ``Contact``).
        local_port: The port the request is sent from (responses come back there).
        reboot: ``True`` for ``Event: check-sync;reboot=true``.
        branch: The ``Via`` branch; a fresh ``z9hG4bK…`` one when ``None``.
        call_id: The ``Call-ID``; a fresh random one when ``None``.
        tag: The ``From`` tag; a fresh random one when ``None``.
        from_user: The user part of ``From`` and ``Contact``.

    Returns:
        The request, CRLF line ends, no body.

    Raises:
        InvalidValueError: When a value would not make a valid header (a line break,
            a character a SIP URI may not hold, a branch without the ``z9hG4bK`` prefix).
    """
    host = _uri_host(_host(local_host))
    if not 1 <= local_port <= 65535:
        raise InvalidValueError(
            f"local_port must be from 1 to 65535, not {local_port}", field="local_port"
        )
    user = _user(from_user) or "cloudtel"
    branch = branch or f"z9hG4bK{secrets.token_hex(12)}"
    if not branch.startswith("z9hG4bK") or re.fullmatch(r"[A-Za-z0-9\-.!%*_+`'~]+", branch) is None:
        raise InvalidValueError(
            f"Via branch {branch!r} must start with z9hG4bK and be a SIP token",
            field="branch",
            value=branch,
        )
    call_id = call_id or f"{secrets.token_hex(16)}@{host}"
    if re.fullmatch(r"[A-Za-z0-9\-.!%*_+`'~()<>:\\\"/\[\]?{}@]+", call_id) is None:
        raise InvalidValueError(
            f"Call-ID {call_id!r} must be a SIP word (no spaces or line breaks)",
            field="call_id",
            value=call_id,
        )
    tag = tag or _token()
    if re.fullmatch(r"[A-Za-z0-9\-.!%*_+`'~]+", tag) is None:
        raise InvalidValueError(f"From tag {tag!r} must be a SIP token", field="tag", value=tag)
    event = "check-sync;reboot=true" if reboot else "check-sync"
    lines = [
        f"NOTIFY {target.uri} SIP/2.0",
        f"Via: SIP/2.0/UDP {host}:{local_port};branch={branch};rport",
        "Max-Forwards: 70",
        f"From: <sip:{user}@{host}>;tag={tag}",
        f"To: <{target.uri}>",
        f"Call-ID: {call_id}",
        "CSeq: 1 NOTIFY",
        f"Contact: <sip:{user}@{host}:{local_port}>",
        f"Event: {event}",
        "Subscription-State: terminated",
        f"User-Agent: {_USER_AGENT}",
        "Content-Length: 0",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


# ---------------------------------------------------------------------------
# The client transactions
# ---------------------------------------------------------------------------


@attrs.define
class _Transaction:
    index: int
    target: SipTarget
    sock: socket.socket
    request: bytes
    branch: str
    call_id: str
    event: str
    started: float
    deadline: float
    interval: float
    next_send: float
    transmissions: int = 1
    provisional: list[int] = attrs.field(factory=list)
    proceeding: bool = False


_BATCH = 64
"""Datagrams read from one phone's socket before the timers are looked at again."""
_MAX_PROVISIONAL = 16
"""Provisional statuses kept per phone (a flood of ``100 Trying`` keeps the first)."""


def _resolve(target: SipTarget) -> tuple[int, tuple[str, int] | tuple[str, int, int, int]]:
    infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_DGRAM)
    family, _type, _proto, _name, address = infos[0]
    return family, address  # type: ignore[return-value]


def _value_of(response: SipResponse, name: str) -> str:
    return (response.header(name) or "").strip()


def check_sync(
    targets: Iterable[SipTarget],
    *,
    reboot: bool = False,
    timeout: float | None = None,
    t1: float = T1,
    t2: float = T2,
    max_in_flight: int = 32,
    from_user: str = "cloudtel",
) -> tuple[NotifyResult, ...]:
    """Send ``NOTIFY`` (``check-sync``, or ``check-sync;reboot=true``) to each phone.

    Each phone gets its own client transaction (RFC 3261 §17.1.2) from its own UDP
    socket; up to ``max_in_flight`` run at the same time.

    Args:
        targets: The phones.
        reboot: Ask the phones to restart after fetching the configuration.
        timeout: Seconds to wait for a final response per phone; at most 64·T1
            (Timer F), which is also the default.
        t1: Timer T1 in seconds (the first retransmission interval).
        t2: Timer T2 in seconds (the longest retransmission interval).
        max_in_flight: At most this many transactions at the same time.
        from_user: The user part of ``From`` and ``Contact``.

    Returns:
        One result per target, in the order given.

    Raises:
        InvalidValueError: When a timer, the timeout or ``max_in_flight`` is not positive,
            or ``from_user`` is not a SIP user.
    """
    if t1 <= 0 or t2 < t1:
        raise InvalidValueError(
            f"timers must satisfy 0 < T1 <= T2, got T1={t1} T2={t2}", field="t1", value=t1
        )
    timer_f = 64 * t1
    limit = timer_f if timeout is None else min(timeout, timer_f)
    if limit <= 0:
        raise InvalidValueError(
            f"timeout must be positive, not {timeout}", field="timeout", value=timeout
        )
    if max_in_flight < 1:
        raise InvalidValueError(
            f"max_in_flight must be at least 1, not {max_in_flight}",
            field="max_in_flight",
            value=max_in_flight,
        )
    from_user = _user(from_user) or "cloudtel"
    event = "check-sync;reboot=true" if reboot else "check-sync"
    queue: deque[tuple[int, SipTarget]] = deque(enumerate(targets))
    results: dict[int, NotifyResult] = {}
    active: dict[int, _Transaction] = {}  # by socket fileno
    selector = selectors.DefaultSelector()

    def finish(
        tx: _Transaction, outcome: NotifyOutcome, status: int | None = None, reason: str = ""
    ) -> None:
        selector.unregister(tx.sock)
        active.pop(tx.sock.fileno())
        tx.sock.close()
        results[tx.index] = NotifyResult(
            target=tx.target,
            event=event,
            outcome=outcome,
            status=status,
            reason=reason,
            transmissions=tx.transmissions,
            provisional=tuple(tx.provisional),
            elapsed=time.monotonic() - tx.started,
            call_id=tx.call_id,
        )

    def start(index: int, target: SipTarget) -> None:
        now = time.monotonic()
        try:
            family, address = _resolve(target)
            sock = socket.socket(family, socket.SOCK_DGRAM)
        except OSError as exc:
            results[index] = NotifyResult(
                target=target, event=event, outcome=NotifyOutcome.UNREACHABLE, reason=str(exc)
            )
            return
        try:
            sock.setblocking(False)
            sock.connect(address)
            local_host, local_port = sock.getsockname()[:2]
            branch = f"z9hG4bK{secrets.token_hex(12)}"
            call_id = f"{secrets.token_hex(16)}@{_uri_host(local_host)}"
            request = build_notify(
                target,
                local_host=local_host,
                local_port=local_port,
                reboot=reboot,
                branch=branch,
                call_id=call_id,
                from_user=from_user,
            )
            sock.send(request)
        except OSError as exc:
            sock.close()
            results[index] = NotifyResult(
                target=target,
                event=event,
                outcome=NotifyOutcome.UNREACHABLE,
                reason=exc.strerror or str(exc),
                elapsed=time.monotonic() - now,
            )
            return
        tx = _Transaction(
            index=index,
            target=target,
            sock=sock,
            request=request,
            branch=branch,
            call_id=call_id,
            event=event,
            started=now,
            deadline=now + limit,
            interval=t1,
            next_send=now + t1,
        )
        active[sock.fileno()] = tx
        selector.register(sock, selectors.EVENT_READ, tx)

    def receive(tx: _Transaction) -> None:
        # a batch at a time, and never past the deadline: a phone (or anyone who can
        # reach our port) flooding provisional answers must not hold the loop
        for _ in range(_BATCH):
            if tx.sock.fileno() not in active or time.monotonic() >= tx.deadline:
                return
            try:
                data = tx.sock.recv(_MAX_DATAGRAM)
            except BlockingIOError:
                return
            except OSError as exc:  # ICMP port unreachable and friends
                finish(tx, NotifyOutcome.UNREACHABLE, reason=exc.strerror or str(exc))
                return
            response = parse_response(data)
            if (
                response is None
                or response.branch != tx.branch
                or response.cseq_method != "NOTIFY"
                or _value_of(response, "call-id") != tx.call_id
            ):
                continue  # not ours: a stray or a late answer to something else
            if response.status < 200:
                if len(tx.provisional) < _MAX_PROVISIONAL:
                    tx.provisional.append(response.status)
                tx.proceeding = True  # Proceeding: Timer E is reset to T2 when it fires
                continue
            outcome = NotifyOutcome.ACCEPTED if response.status < 300 else NotifyOutcome.REJECTED
            finish(tx, outcome, response.status, response.reason)
            return

    try:
        while queue or active:
            while queue and len(active) < max_in_flight:
                start(*queue.popleft())
            if not active:
                continue
            now = time.monotonic()
            wake = min(min(tx.next_send, tx.deadline) for tx in active.values())
            for key, _mask in selector.select(max(0.0, wake - now)):
                tx = key.data
                receive(tx)
            now = time.monotonic()
            for tx in list(active.values()):
                if now >= tx.deadline:
                    finish(tx, NotifyOutcome.TIMEOUT, reason=f"no final response in {limit:g} s")
                elif now >= tx.next_send:
                    try:
                        tx.sock.send(tx.request)
                    except OSError as exc:
                        finish(tx, NotifyOutcome.UNREACHABLE, reason=exc.strerror or str(exc))
                        continue
                    tx.transmissions += 1
                    tx.interval = t2 if tx.proceeding else min(2 * tx.interval, t2)
                    tx.next_send = now + tx.interval
    finally:
        for tx in list(active.values()):
            tx.sock.close()
        selector.close()
    return tuple(results[index] for index in sorted(results))


def raise_for_failures(results: Sequence[NotifyResult]) -> None:
    """Raise when any phone did not accept its ``NOTIFY``.

    Args:
        results: What :func:`check_sync` returned.

    Raises:
        DeliveryError: Listing every phone that did not accept, with the status or
            reason; ``context["failed"]`` holds their results.
    """
    failed = tuple(result for result in results if not result.ok)
    if failed:
        noun = "phone" if len(results) == 1 else "phones"
        lines = "\n".join(f"  {result.describe()}" for result in failed)
        raise DeliveryError(
            f"the NOTIFY was not accepted by {len(failed)} of {len(results)} {noun}:\n{lines}",
            failed=failed,
        )
