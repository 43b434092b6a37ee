"""The provisioning server: desk phones fetch their files over HTTP(S), rendered on request.

``cloudtel serve ORG --bind 127.0.0.1:8080`` serves what ``cloudtel provision`` would
write, straight from the organisation file: every request renders from the file as it
is now (it is read again when it changes), so there is no folder to keep in step.

- **Each phone authenticates** with HTTP Digest (RFC 7616, MD5, ``qop=auth``), its user
  name being its MAC address in any notation; over TLS Basic is accepted too. Each
  nonce count (``nc``) is accepted once per nonce, so a captured request cannot be
  replayed (a nonce without ``qop`` is good for one request); the live nonces are kept
  in a bounded table (:data:`NONCE_CACHE`). The
  credentials are made by :func:`issue_credentials` (``cloudtel phone-credentials``),
  shown once, and kept only as digest hashes (``HA1``) in :data:`CREDENTIALS_FILE` beside
  the org file, readable by its owner only.
- **A phone gets only its own files**: its configuration, the common files of its
  family and model (a Mitel's ``aastra.cfg`` and ``startup.cfg``, a Yealink's
  ``y0000000000XX.cfg``) and the shared directories it shows. Any other path, another
  phone's file included, is *404 Not Found*, the same answer as for a file that does
  not exist, so a phone cannot probe its neighbours.
- **Paths are checked before anything is looked up**: percent-decoded once, then only
  ``A–Z a–z 0–9 . _ -`` and ``/`` between non-empty parts other than ``.`` and ``..``;
  anything else (``..``, ``%2e%2e``, ``\\``, NUL, an absolute path) is *400 Bad Request*.
- **Every fetch is logged** as one JSON line in :data:`FETCH_LOG` beside the org file:
  time, MAC, model, client address, user agent, path and status; the log is rotated by
  size (``log_max_bytes``, ``log_keep`` rotated files kept). ``cloudtel sync`` uses the
  last address a phone fetched from when the organisation records none
  (:func:`last_addresses`, which reads the rotated files too).
- **No file that would take a phone offline** is served: a phone with a user whose
  configuration would carry no SIP account (no password known) gets *503* and the log
  says why, unless the server was started with ``allow_disable``.

The server is the standard library's threading HTTP server; it holds no state but the
loaded organisation, its rendered files and the nonce key, all in memory.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import hashlib
import hmac
import json
import os
import re
import secrets
import ssl
import threading
import time
import urllib.parse
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import attrs

from cloudtel._files import atomic_write
from cloudtel.devices import MacAddress
from cloudtel.errors import CloudtelError, InvalidValueError
from cloudtel.org import Organization
from cloudtel.provisioning import render_common_files, render_phone, settings_for
from cloudtel.serialization import load

__all__ = [
    "CREDENTIALS_FILE",
    "FETCH_LOG",
    "LOG_KEEP",
    "LOG_MAX_BYTES",
    "NONCE_CACHE",
    "FetchRecord",
    "ProvisioningServer",
    "agent_mac",
    "clean_path",
    "issue_credentials",
    "last_addresses",
    "read_fetches",
]

CREDENTIALS_FILE = ".cloudtel-phone-credentials.json"
"""Beside the org file: each phone's digest hash (never a password)."""

FETCH_LOG = ".cloudtel-fetches.jsonl"
"""Beside the org file: one JSON line per request the server answered.

When it would grow past the server's ``log_max_bytes`` it is rotated: it becomes
``.cloudtel-fetches.jsonl.1``, the one before ``.2`` and so on, ``log_keep`` of them
kept (:func:`read_fetches` reads them all, oldest first)."""

LOG_MAX_BYTES = 10 * 1024 * 1024
"""The fetch log's default size limit (10 MiB, about 40 000 requests) before rotation."""

LOG_KEEP = 5
"""How many rotated fetch logs are kept by default, besides the current one."""

NONCE_LIFETIME = 300
"""Seconds a digest nonce is accepted; an older one is answered ``stale=true``."""

NONCE_CACHE = 65_536
"""How many live nonces the server remembers, with the nonce counts each was used with.

A nonce is remembered from the challenge that issues it; the least recently used ones
are forgotten beyond this many (and answered ``stale=true``, so a phone just asks again).
Memory stays bounded (about 310 bytes a nonce, 20 MB in all) whatever clients send."""

_NC_WINDOW = 64  # counts below the highest seen that may still arrive (parallel requests)

_SAFE_PATH = re.compile(r"[A-Za-z0-9._\-/]{1,255}")
# name = "quoted, \\-escapes allowed" or bare; the quoted part as an unrolled loop
# (plain characters in runs, then one escape), which a regex engine matches without
# trying an alternative per character
_AUTH_PARAM = re.compile(r'\s*([A-Za-z0-9_-]+)\s*=\s*(?:"([^"\\]*(?:\\.[^"\\]*)*)"|([^\s,]+))\s*,?')
_ESCAPED = re.compile(r"\\(.)")
_NONCE_COUNT = re.compile(r"[0-9A-Fa-f]{8}")
_MAX_HEADER = 4096
_KNOWN_NAMES = 100_000
_AGENT_MACS = (
    # Yealink SIP-T54W 96.86.0.100 80:5e:c0:12:34:56
    re.compile(r"^[Yy]ealink\s+SIP-\S+\s+\S+\s+((?:[0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2})"),
    # Mitel6940 MAC:08-00-0F-BB-AD-78 V:6.3.0.1020-SIP (Aastra6731i … on older phones)
    re.compile(r"^(?:Aastra|Mitel)\S*\s+MAC:((?:[0-9A-Fa-f]{2}-){5}[0-9A-Fa-f]{2})"),
)


def agent_mac(user_agent: str) -> str | None:
    """The MAC address a Yealink or Mitel phone puts in its User-Agent, if any.

    Args:
        user_agent: The header, e.g. ``Yealink SIP-T54W 96.86.0.100 80:5e:c0:12:34:56``
            or ``Mitel6940 MAC:08-00-0F-BB-AD-78 V:6.3.0.1020-SIP``.

    Returns:
        The address as 12 lowercase hex digits, or ``None``.
    """
    for pattern in _AGENT_MACS:
        match = pattern.match(user_agent)
        if match:
            return re.sub(r"[^0-9a-f]", "", match.group(1).lower())
    return None


def _realm(org: Organization) -> str:
    return f"cloudtel phones of {org.domain}"


def _ha1(username: str, realm: str, password: str) -> str:
    return hashlib.md5(f"{username}:{realm}:{password}".encode(), usedforsecurity=False).hexdigest()


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _beside(org_file: Path, name: str) -> Path:
    return org_file.resolve().parent / name


# ---------------------------------------------------------------------------
# Credentials
# ---------------------------------------------------------------------------


def _read_credentials(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"realm": "", "phones": {}}
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise InvalidValueError(
            f"{path}: cannot read the phones' credentials ({exc}); issue them again with "
            "'cloudtel phone-credentials'",
            path=str(path),
        ) from exc
    phones = data.get("phones") if isinstance(data, dict) else None
    if not isinstance(phones, dict) or not isinstance(data.get("realm"), str):
        raise InvalidValueError(
            f"{path}: not a cloudtel credentials file (expected 'realm' and 'phones')",
            path=str(path),
        )
    found: dict[str, Any] = data
    return found


def issue_credentials(
    org_file: str | os.PathLike[str], macs: Iterable[MacAddress | str] = ()
) -> dict[str, str]:
    """Make new provisioning passwords for phones and keep only their digest hashes.

    Args:
        org_file: The organisation file the server serves.
        macs: The phones (any MAC notation); every phone of the organisation when empty.
            Phones not named keep their credentials.

    Returns:
        MAC (12 uppercase hex digits, the user name to configure) → the new password.
        Show it once: it is not stored.

    Raises:
        NotFoundError: A MAC that is not a phone of the organisation.
    """
    path = Path(org_file)
    org = load(path)
    phones = [org.phones.find(mac) for mac in macs] or list(org.phones)
    target = _beside(path, CREDENTIALS_FILE)
    data = _read_credentials(target)
    realm = _realm(org)
    if data["realm"] != realm:  # hashes of another realm cannot be checked: start again
        data = {"realm": realm, "phones": {}}
    issued: dict[str, str] = {}
    for phone in phones:
        password = secrets.token_urlsafe(18)
        user = phone.mac.upper
        data["phones"][user] = {"ha1": _ha1(user, realm, password)}
        issued[user] = password
    body = json.dumps(data, indent=1, sort_keys=True).encode() + b"\n"
    atomic_write(target, body, mode=0o600)
    return issued


# ---------------------------------------------------------------------------
# The fetch log
# ---------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class FetchRecord:
    """One request the server answered.

    Args:
        time (str): When, ISO 8601 in UTC.
        mac (str): The phone (12 uppercase hex digits), "" before it authenticated.
        model (str): Its family and model, e.g. ``"mitel 6940"``; "" when unknown.
        address (str): The client's IP address.
        user_agent (str): What the client said it is.
        path (str): The path asked for.
        status (int): The HTTP status answered.
        reason (str): Why a request was refused, when it was.
    """

    time: str
    mac: str
    model: str
    address: str
    user_agent: str
    path: str
    status: int
    reason: str = ""


def _rotated(log: Path, number: int) -> Path:
    return log if number == 0 else log.with_name(f"{log.name}.{number}")


def read_fetches(org_file: str | os.PathLike[str]) -> Iterator[FetchRecord]:
    """The server's fetch log of an organisation, oldest first (lines it cannot read skipped).

    The rotated files (``.1``, ``.2`` …) are read too. All of them are opened, newest
    first, before the first record is read, so a rotation while reading loses nothing
    still kept: a file renamed meanwhile is found under its next number, and each file
    is read once.

    Args:
        org_file: The organisation file the server serves.

    Yields:
        Each logged request.
    """
    log = _beside(Path(org_file), FETCH_LOG)
    with contextlib.ExitStack() as stack:
        handles = []
        seen: set[tuple[int, int]] = set()
        number = missing = 0
        while missing < 2:  # a rotation going on leaves one number free at a time
            try:
                handle = stack.enter_context(_rotated(log, number).open("rb"))
            except FileNotFoundError:
                missing += 1
            else:
                missing = 0
                info = os.fstat(handle.fileno())
                if (info.st_dev, info.st_ino) not in seen:
                    seen.add((info.st_dev, info.st_ino))
                    handles.append(handle)
            number += 1
        for handle in reversed(handles):
            for line in handle:
                try:
                    data = json.loads(line)
                    yield FetchRecord(**data)
                except (ValueError, TypeError):
                    continue


class _FetchLog:
    """The fetch log as the server writes it: one line per write, rotated by size.

    The file stays open for appending (``O_APPEND``, one ``write`` a line, so a reader
    sees each line whole at once); when a line would take it past ``max_bytes`` the
    files are renamed one number up (the oldest beyond ``keep`` replaced) and a new
    log is started. The server owns these files while it runs.

    The lock guards the size, the rotation and which file is open, not the write
    itself: a thread that held the lock through a system call would make every other
    request wait for it to get the interpreter back. So a line is written outside the
    lock, to the file that was current when it was counted (a line counted just before
    a rotation ends up in ``.1``, where :func:`read_fetches` finds it), and a file
    replaced by a rotation is closed once no write to it is in flight.
    """

    def __init__(self, path: Path, *, max_bytes: int, keep: int) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.keep = keep
        self.lock = threading.Lock()
        self.fd: int | None = None
        self.size = 0
        self.writing: dict[int, int] = {}  # file descriptor -> writes in flight
        self.retired: set[int] = set()  # replaced by a rotation, closed when idle

    def _open(self) -> int:
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self.fd, self.size = fd, os.fstat(fd).st_size
        return fd

    def _retire(self, fd: int) -> None:
        if self.writing.get(fd):
            self.retired.add(fd)
        else:
            os.close(fd)

    def _rotate(self) -> None:
        if self.fd is not None:
            self._retire(self.fd)
            self.fd = None
        for number in range(self.keep, 0, -1):
            with contextlib.suppress(FileNotFoundError):
                os.replace(_rotated(self.path, number - 1), _rotated(self.path, number))

    def write(self, line: bytes) -> None:
        size = len(line)
        with self.lock:
            fd = self._open() if self.fd is None else self.fd
            if self.max_bytes and self.size and self.size + size > self.max_bytes:
                self._rotate()
                fd = self._open()
            self.size += size
            self.writing[fd] = self.writing.get(fd, 0) + 1
        try:
            os.write(fd, line)
        finally:
            with self.lock:
                left = self.writing[fd] - 1
                if left:
                    self.writing[fd] = left
                else:
                    del self.writing[fd]
                    if fd in self.retired:
                        self.retired.discard(fd)
                        os.close(fd)

    def close(self) -> None:
        with self.lock:
            if self.fd is not None:
                self._retire(self.fd)
                self.fd = None


def last_addresses(org_file: str | os.PathLike[str]) -> dict[str, str]:
    """Where each phone last fetched a file from (successful fetches only).

    Args:
        org_file: The organisation file the server serves.

    Returns:
        MAC (12 lowercase hex digits, as :attr:`MacAddress.hex`) → IP address.
    """
    found: dict[str, str] = {}
    for record in read_fetches(org_file):
        if record.mac and record.status == HTTPStatus.OK:
            found[record.mac.lower()] = record.address
    return found


# ---------------------------------------------------------------------------
# What the server knows: the organisation as it is now, and its rendered files
# ---------------------------------------------------------------------------


_PhoneFiles = dict[str, tuple[dict[str, tuple[bytes, str]], str]]


class _Source:
    """The organisation file, loaded again when it changes, and each phone's files."""

    def __init__(
        self,
        org_file: Path,
        *,
        server_url: str,
        passwords: str | None,
        allow_disable: bool,
    ) -> None:
        self.org_file = org_file
        self.server_url = server_url
        self.passwords = passwords
        self.allow_disable = allow_disable
        self.lock = threading.Lock()  # taken to load a file again, not to read
        # What was loaded, swapped whole so that a request without the lock sees one
        # consistent state: (file stamp, organisation, its phones' files by MAC).
        self.loaded: tuple[tuple[int, int] | None, Organization | None, _PhoneFiles] = (
            None,
            None,
            {},
        )
        self.credentials: tuple[tuple[int, int] | None, dict[str, Any]] | None = None
        # looked at on every request: the paths worked out once (resolving a path
        # costs a system call per directory)
        self.credentials_file = _beside(org_file, CREDENTIALS_FILE)
        self._org_name = os.fspath(org_file)
        self._credentials_name = os.fspath(self.credentials_file)

    @staticmethod
    def _stamp(path: str) -> tuple[int, int] | None:
        try:
            info = os.stat(path)
        except FileNotFoundError:
            return None
        return (info.st_mtime_ns, info.st_size)

    def _current(self) -> tuple[Organization, _PhoneFiles]:
        stamp = self._stamp(self._org_name)
        loaded_stamp, org, files = self.loaded
        if org is None or stamp != loaded_stamp:
            with self.lock:
                loaded_stamp, org, files = self.loaded
                if org is None or stamp != loaded_stamp:
                    org, files = load(self.org_file), {}
                    self.loaded = (stamp, org, files)
        return org, files

    def current(self) -> Organization:
        """The organisation as its file is now (loaded again when the file changed)."""
        return self._current()[0]

    def ha1(self, user: str) -> str | None:
        stamp = self._stamp(self._credentials_name)
        credentials = self.credentials
        if credentials is None or credentials[0] != stamp:
            with self.lock:
                credentials = self.credentials
                if credentials is None or credentials[0] != stamp:
                    found = _read_credentials(self.credentials_file) if stamp else {}
                    credentials = self.credentials = (stamp, found.get("phones", {}))
        entry = credentials[1].get(user)
        return entry.get("ha1") if isinstance(entry, dict) else None

    def phone_files(self, mac: MacAddress) -> tuple[dict[str, tuple[bytes, str]], str]:
        """The files the phone may fetch (path → content, type) and its model."""
        org, cache = self._current()
        cached = cache.get(mac.hex)
        if cached is not None:
            return cached
        phone = org.phones.get(mac)
        if phone is None:  # removed from the organisation, its credentials not (yet)
            raise _RefusedError(HTTPStatus.NOT_FOUND, "not a phone of the organisation")
        settings = settings_for(org, server_url=self.server_url, passwords=self.passwords)
        rendered = render_phone(org, phone, settings)
        model = f"{phone.family} {phone.model}"
        if phone.user is not None and rendered.accounts == 0 and not self.allow_disable:
            raise _RefusedError(
                HTTPStatus.SERVICE_UNAVAILABLE,
                f"the file of phone {phone.name} would carry no SIP account for {phone.user} "
                "(no SIP password known): not served, so the phone stays registered",
                model,
            )
        files = {f.path: (f.content, f.media_type) for f in rendered.files}
        # the files its family shares (a Mitel's aastra.cfg and startup.cfg, a Yealink's
        # y0000000000XX.cfg), fetched before its own file: without them a Mitel never
        # asks for <MAC>.cfg and the time zone, time server and date format are lost
        for common in render_common_files(org, settings, phones=[phone]):
            files.setdefault(common.path, (common.content, common.media_type))
        cache[mac.hex] = (files, model)  # the cache of this load: dropped with it
        return files, model


class _RefusedError(Exception):
    def __init__(
        self, status: HTTPStatus, reason: str, model: str = "", *, stale: bool = False
    ) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.model = model
        self.stale = stale


class _Nonces:
    """The nonces this server issued and still accepts, with the counts used with each.

    A nonce is ``<issued, hex seconds>.<random>.<HMAC of both>``: one per challenge, so
    no two clients share one. Each nonce remembers the highest count it was used with
    and which of the :data:`_NC_WINDOW` counts below were used too, so every count is
    accepted once (a client may send a few requests in parallel, out of order) and a
    replayed request is refused. The table keeps at most ``capacity`` nonces, least
    recently used forgotten first; a forgotten or expired nonce is refused as stale.
    """

    def __init__(self, *, capacity: int = NONCE_CACHE, lifetime: float = NONCE_LIFETIME) -> None:
        self.key = secrets.token_bytes(32)
        self.capacity = capacity
        self.lifetime = lifetime
        self.lock = threading.Lock()
        # nonce -> [issued (seconds), highest count used, bit i: count highest - 1 - i used]
        self.live: OrderedDict[str, list[int]] = OrderedDict()

    def _sign(self, text: str) -> str:
        return hmac.new(self.key, text.encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self) -> str:
        """A new nonce, remembered as live."""
        issued = int(time.time())
        text = f"{issued:x}.{secrets.token_hex(8)}"
        nonce = f"{text}.{self._sign(text)}"
        with self.lock:
            live = self.live
            live[nonce] = [issued, 0, 0]
            while len(live) > self.capacity:
                live.popitem(last=False)
            while live:  # drop the expired from the least recently used end
                first = next(iter(live.values()))
                if issued - first[0] <= self.lifetime:
                    break
                live.popitem(last=False)
        return nonce

    def use(self, nonce: str, count: int) -> str:
        """Count one use of the nonce; ``""`` when accepted, else why it is refused."""
        with self.lock:
            entry = self.live.get(nonce)
            if entry is not None:  # only nonces this server issued are in the table
                return self._count(nonce, entry, count)
        text, _, signature = nonce.rpartition(".")
        if not hmac.compare_digest(signature, self._sign(text)):
            return "nonce not issued by this server"
        return "stale nonce (expired or forgotten)"

    def _count(self, nonce: str, entry: list[int], count: int) -> str:
        """:meth:`use` of a nonce in the table (with the lock held)."""
        issued, highest, seen = entry
        if not 0 <= time.time() - issued <= self.lifetime:
            del self.live[nonce]
            return "stale nonce (expired)"
        if count > highest:
            shift = count - highest
            seen = ((seen << shift) | (1 << (shift - 1))) if highest else 0
            entry[1], entry[2] = count, seen & ((1 << _NC_WINDOW) - 1)
        else:
            back = highest - count - 1  # bit of this count below the highest
            if count < 1 or back < 0 or back >= _NC_WINDOW or seen >> back & 1:
                return f"nonce count {count:08x} used before or too old (a replay?)"
            entry[2] = seen | (1 << back)
        self.live.move_to_end(nonce)
        return ""


def clean_path(raw: str) -> str | None:
    """The relative file path of a request target, or ``None`` when it is not a safe one.

    Args:
        raw: The request target as sent (``/08000FBBAD78.cfg?x=1``).

    Returns:
        ``"08000FBBAD78.cfg"``; ``None`` for anything with ``..``, ``.``, empty parts,
        back-slashes, NUL, characters other than letters, digits, ``._-/``, or bad
        percent-encoding.
    """
    target = raw.split("?", 1)[0].split("#", 1)[0]
    try:
        path = urllib.parse.unquote(target, errors="strict")
    except UnicodeDecodeError:
        return None
    path = path.removeprefix("/")
    if not _SAFE_PATH.fullmatch(path):
        return None
    if any(part in {"", ".", ".."} for part in path.split("/")):
        return None
    return path


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------


# (second, its text), made once a second; a tuple swapped whole, so threads see a pair
_NOW: list[tuple[int, str]] = [(0, "")]
_DATE_HEADER: list[tuple[int, str]] = [(0, "")]


_json: Callable[[str], str] = json.encoder.encode_basestring_ascii


def _log_line(  # noqa: PLR0917 - a FetchRecord's fields
    time: str,
    mac: str,
    model: str,
    address: str,
    user_agent: str,
    path: str,
    status: int,
    reason: str,
) -> str:
    """A fetch log line: ``json.dumps`` of the FetchRecord's fields (``ensure_ascii``).

    The same text, written out with json's own string escaping instead of building a
    dictionary to dump (tests/test_server.py checks the two agree).
    """
    return (
        f'{{"time": {_json(time)}, "mac": {_json(mac)}, "model": {_json(model)}, '
        f'"address": {_json(address)}, "user_agent": {_json(user_agent)}, '
        f'"path": {_json(path)}, "status": {status}, "reason": {_json(reason)}}}\n'
    )


def _now_text() -> str:
    """Now in UTC, ISO 8601 to the second (``2026-12-04T18:00:00+00:00``)."""
    now = int(time.time())
    cached = _NOW[0]
    if cached[0] != now:
        cached = (now, datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds"))
        _NOW[0] = cached
    return cached[1]


_CACHED = 4096  # the most recent paths and user agents kept (phones repeat theirs)
_CACHED_LENGTH = 512  # longer ones are not kept: the caches stay small (≤ 4 MB together)


@functools.lru_cache(maxsize=_CACHED)
def _clean_path_cached(raw: str) -> str | None:
    return clean_path(raw)


@functools.lru_cache(maxsize=_CACHED)
def _agent_mac_cached(user_agent: str) -> str | None:
    return agent_mac(user_agent)


def _clean(raw: str) -> str | None:
    """:func:`clean_path`, remembered for the paths phones ask for again and again."""
    return _clean_path_cached(raw) if len(raw) <= _CACHED_LENGTH else clean_path(raw)


def _claimed(user_agent: str) -> str | None:
    """:func:`agent_mac`, remembered for the user agents phones send again and again."""
    if len(user_agent) <= _CACHED_LENGTH:
        return _agent_mac_cached(user_agent)
    return agent_mac(user_agent)


def _auth_params(text: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for name, quoted, bare in _AUTH_PARAM.findall(text):
        # a bare value is never empty: an empty one is the quoted form
        if bare:
            value = bare
        elif "\\" in quoted:
            value = _ESCAPED.sub(r"\1", quoted)
        else:
            value = quoted
        params[name.lower()] = value
    return params


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # The answer goes out as one write (head and file together; the base class flushes
    # after each request), and without Nagle's algorithm: written in two parts, the
    # second waited for the client's delayed acknowledgement of the first (~40 ms).
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True

    def version_string(self) -> str:
        """The ``Server`` header: no versions to help an attacker."""
        return "cloudtel"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        """The server keeps its own log (:data:`FETCH_LOG`)."""

    def do_HEAD(self) -> None:
        """Answer a HEAD request like GET, without the body."""
        self._answer(body=False)

    def do_GET(self) -> None:
        """Serve one of the authenticated phone's files."""
        self._answer(body=True)

    def _answer(self, *, body: bool) -> None:
        mac = ""
        model = ""
        path = self.path[:_MAX_HEADER]
        try:
            relative = _clean(self.path)
            if relative is None:
                raise _RefusedError(HTTPStatus.BAD_REQUEST, "not a plain file path")
            phone = self._authenticate()
            mac = phone.upper
            claimed = _claimed(self.headers.get("User-Agent", ""))
            if claimed is not None and claimed != phone.hex:
                raise _RefusedError(HTTPStatus.FORBIDDEN, f"the user agent names phone {claimed}")
            files, model = self.server.source.phone_files(phone)
            found = files.get(relative)
            if found is None:
                raise _RefusedError(HTTPStatus.NOT_FOUND, "not a file of this phone", model)
            content, media_type = found
            self._log(mac, model, path, HTTPStatus.OK)  # logged first: a reader sees it at once
            self._send_file(content, media_type, body=body)
        except _RefusedError as refused:
            self._refuse(refused, mac, refused.model or model, path)
        except CloudtelError as exc:
            self._refuse(
                _RefusedError(HTTPStatus.INTERNAL_SERVER_ERROR, exc.message), mac, model, path
            )

    def _send_file(self, content: bytes, media_type: str, *, body: bool) -> None:
        """Answer 200 with the file: the head the base class would write, built at once."""
        if self.request_version == "HTTP/0.9":  # no head at all: the base class knows how
            self.send_response(HTTPStatus.OK)
            self.end_headers()
        else:
            head = (
                f"{self.protocol_version} 200 OK\r\n"
                f"Server: {self.version_string()}\r\n"
                f"Date: {self.date_time_string()}\r\n"
                f"Content-Type: {media_type}\r\n"
                f"Content-Length: {len(content)}\r\n"
                "Cache-Control: no-store\r\n\r\n"
            )
            self.wfile.write(head.encode("latin-1"))
        if body:
            self.wfile.write(content)

    def _refuse(self, refused: _RefusedError, mac: str, model: str, path: str) -> None:
        self._log(mac, model, path, refused.status, refused.reason)
        text = f"{refused.status.value} {refused.status.phrase}\n".encode()
        self.send_response(refused.status)
        if refused.status is HTTPStatus.UNAUTHORIZED:
            for challenge in self.server.challenges(stale=refused.stale):
                self.send_header("WWW-Authenticate", challenge)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(text)

    def _log(self, mac: str, model: str, path: str, status: int, reason: str = "") -> None:
        agent = self.headers.get("User-Agent", "")[:_MAX_HEADER]
        line = _log_line(
            _now_text(), mac, model, self.client_address[0], agent, path, int(status), reason
        )
        self.server.fetch_log.write(line.encode("ascii"))

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` header: made once a second, not on every answer."""
        if timestamp is not None:
            return super().date_time_string(timestamp)
        now = int(time.time())
        cached = _DATE_HEADER[0]
        if cached[0] != now:
            cached = (now, super().date_time_string(now))
            _DATE_HEADER[0] = cached
        return cached[1]

    def _authenticate(self) -> MacAddress:
        header = self.headers.get("Authorization", "")[:_MAX_HEADER]
        scheme, _, rest = header.partition(" ")
        if scheme.lower() == "digest":
            return self._digest(_auth_params(rest))
        if scheme.lower() == "basic" and self.server.tls:
            return self._basic(rest.strip())
        raise _RefusedError(HTTPStatus.UNAUTHORIZED, "no credentials" if not header else "refused")

    def _user(self, name: str) -> tuple[MacAddress, str]:
        known = self.server.macs
        phone = known.get(name)
        if phone is None:
            try:
                phone = MacAddress(name)
            except CloudtelError:
                raise _RefusedError(
                    HTTPStatus.UNAUTHORIZED, "user name is not a MAC address"
                ) from None
        ha1 = self.server.source.ha1(phone.upper)
        if ha1 is None:
            raise _RefusedError(HTTPStatus.UNAUTHORIZED, f"no credentials issued for {phone.upper}")
        if len(known) < _KNOWN_NAMES:  # only names of phones with credentials: bounded
            known[name] = phone
        return phone, ha1

    def _basic(self, token: str) -> MacAddress:
        try:
            name, _, password = base64.b64decode(token, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise _RefusedError(HTTPStatus.UNAUTHORIZED, "malformed Basic credentials") from None
        phone, ha1 = self._user(name)
        if not hmac.compare_digest(_ha1(phone.upper, self.server.realm, password), ha1):
            raise _RefusedError(HTTPStatus.UNAUTHORIZED, "wrong password")
        return phone

    def _digest(self, params: Mapping[str, str]) -> MacAddress:
        for key in ("username", "realm", "nonce", "uri", "response"):
            if key not in params:
                raise _RefusedError(HTTPStatus.UNAUTHORIZED, f"digest without {key}")
        if params["realm"] != self.server.realm:
            raise _RefusedError(HTTPStatus.UNAUTHORIZED, "wrong realm")
        if params.get("algorithm", "MD5").upper() != "MD5":
            raise _RefusedError(HTTPStatus.UNAUTHORIZED, "unsupported digest algorithm")
        if params["uri"] != self.path:
            raise _RefusedError(HTTPStatus.BAD_REQUEST, "digest uri is not the request's")
        phone, ha1 = self._user(params["username"])
        ha2 = _md5(f"{self.command}:{params['uri']}")
        qop = params.get("qop", "")
        if qop == "auth":
            parts = (ha1, params["nonce"], params.get("nc", ""), params.get("cnonce", ""), qop, ha2)
            expected = _md5(":".join(parts))
        elif not qop:
            expected = _md5(f"{ha1}:{params['nonce']}:{ha2}")
        else:
            raise _RefusedError(HTTPStatus.UNAUTHORIZED, f"unsupported qop {qop!r}")
        if not hmac.compare_digest(expected, params["response"].lower()):
            raise _RefusedError(HTTPStatus.UNAUTHORIZED, "wrong password")
        count = params.get("nc", "") if qop else "00000001"
        if not _NONCE_COUNT.fullmatch(count):
            raise _RefusedError(HTTPStatus.UNAUTHORIZED, "digest nc is not 8 hex digits")
        problem = self.server.nonces.use(params["nonce"], int(count, 16))
        if problem:
            raise _RefusedError(HTTPStatus.UNAUTHORIZED, problem, stale=True)
        return phone


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a floor of phones booting at once after a power cut

    def __init__(
        self,
        address: tuple[str, int],
        source: _Source,
        *,
        tls: ssl.SSLContext | None,
        log_max_bytes: int,
        log_keep: int,
    ) -> None:
        super().__init__(address, _Handler)
        self.source = source
        self.context = tls
        self.tls = tls is not None
        self.realm = _realm(source.current())
        self.nonces = _Nonces()
        self.macs: dict[str, MacAddress] = {}  # user names seen → their MAC, parsed once
        self.log_path = _beside(source.org_file, FETCH_LOG)
        self.fetch_log = _FetchLog(self.log_path, max_bytes=log_max_bytes, keep=log_keep)

    def finish_request(self, request: Any, client_address: Any) -> None:
        """Shake hands (TLS) in the request's own thread, so a slow client stalls no other."""
        if self.context is None:
            super().finish_request(request, client_address)
            return
        try:
            secured = self.context.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            return  # not TLS, or it gave up: nothing to answer
        with secured:
            super().finish_request(secured, client_address)

    def challenges(self, *, stale: bool = False) -> list[str]:
        nonce = self.nonces.issue()
        digest = f'Digest realm="{self.realm}", qop="auth", algorithm=MD5, nonce="{nonce}"'
        if stale:
            digest += ", stale=true"
        found = [digest]
        if self.tls:
            found.append(f'Basic realm="{self.realm}", charset="UTF-8"')
        return found

    def server_close(self) -> None:
        """Close the listening socket and the fetch log."""
        super().server_close()
        self.fetch_log.close()


class ProvisioningServer:
    """An HTTP(S) server of one organisation's phone files (see the module docs).

    Use it as a context manager, or call :meth:`start` and :meth:`stop`;
    :meth:`serve_forever` serves in the calling thread (what ``cloudtel serve`` does).

    Args:
        org_file: The organisation file; read again whenever it changes.
        host: The address to listen on, e.g. ``"127.0.0.1"``.
        port: The port; ``0`` picks a free one (see :attr:`url`).
        server_url: The URL the phones reach this server at (their directory links
            point there); default: the organisation's ``[provisioning] server_url``,
            else this server's own URL.
        passwords: The SIP password file; default: the organisation's.
        certificate: A PEM certificate (chain) for HTTPS; with ``key``.
        key: Its PEM private key.
        allow_disable: Serve files that carry no SIP account for a phone's user.
        log_max_bytes: Rotate the fetch log when a line would take it past this size;
            ``0``: never.
        log_keep: How many rotated fetch logs to keep (at least 1).

    Raises:
        InvalidValueError: A certificate without a key, or one that cannot be read;
            a negative ``log_max_bytes`` or a ``log_keep`` below 1.
        OSError: The address cannot be listened on.
    """

    def __init__(
        self,
        org_file: str | os.PathLike[str],
        *,
        host: str = "127.0.0.1",
        port: int = 8080,
        server_url: str | None = None,
        passwords: str | os.PathLike[str] | None = None,
        certificate: str | os.PathLike[str] | None = None,
        key: str | os.PathLike[str] | None = None,
        allow_disable: bool = False,
        log_max_bytes: int = LOG_MAX_BYTES,
        log_keep: int = LOG_KEEP,
    ) -> None:
        if log_max_bytes < 0:
            raise InvalidValueError(
                f"log_max_bytes {log_max_bytes}: must be 0 (never rotate) or more",
                field="log_max_bytes",
            )
        if log_keep < 1:
            raise InvalidValueError(
                f"log_keep {log_keep}: keep at least 1 rotated log (sync reads it)",
                field="log_keep",
            )
        tls: ssl.SSLContext | None = None
        if (certificate is None) != (key is None):
            raise InvalidValueError("HTTPS needs both a certificate and its key", field="key")
        if certificate is not None and key is not None:
            tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            tls.minimum_version = ssl.TLSVersion.TLSv1_2
            try:
                tls.load_cert_chain(os.fspath(certificate), os.fspath(key))
            except (OSError, ssl.SSLError) as exc:
                raise InvalidValueError(
                    f"cannot use the certificate {certificate} with key {key}: {exc}",
                    field="certificate",
                ) from exc
        source = _Source(
            Path(org_file),
            server_url="",
            passwords=None if passwords is None else os.fspath(passwords),
            allow_disable=allow_disable,
        )
        self._server = _Server(
            (host, port), source, tls=tls, log_max_bytes=log_max_bytes, log_keep=log_keep
        )
        org = source.current()
        source.server_url = server_url or org.provisioning.server_url or self.url
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The server's own URL, e.g. ``http://127.0.0.1:8080/``."""
        host, port = self._server.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{name}]" if ":" in name else name
        return f"{'https' if self._server.tls else 'http'}://{shown}:{port}/"

    @property
    def fetch_log(self) -> Path:
        """The file every answered request is logged to."""
        return self._server.log_path

    def start(self) -> ProvisioningServer:
        """Serve in a background thread; returns the server itself."""
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted (or :meth:`stop` from another thread)."""
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> ProvisioningServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
