"""The ``serve`` and ``phone-credentials`` commands: the provisioning server.

``cloudtel phone-credentials ORG [MAC …]`` makes each phone's provisioning password
(shown once, kept only as a digest hash); ``cloudtel serve ORG --bind HOST:PORT``
serves the phones' files, rendered on request (see :mod:`cloudtel.server`), and logs
every fetch, rotating the log by size (``--log-max-size``, ``--log-keep``).
"""

from __future__ import annotations

import argparse
import re
from typing import Any

from cloudtel.cli.table import say as _print
from cloudtel.cli.table import table
from cloudtel.errors import InvalidValueError
from cloudtel.server import LOG_KEEP, ProvisioningServer, issue_credentials

__all__ = ["add_serve_commands", "parse_bind", "parse_size"]


def parse_bind(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:8080`` for IPv6) as a host and a port.

    Raises:
        InvalidValueError: When it is not of that form or the port is not 0–65535.
    """
    host, sep, port = text.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise InvalidValueError(
            f"--bind {text!r}: expected HOST:PORT, e.g. 127.0.0.1:8080", field="bind", value=text
        )
    return host, int(port)


_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def parse_size(text: str) -> int:
    """A size in bytes: ``10M``, ``512k``, ``1G`` (powers of 1024) or plain bytes.

    Raises:
        InvalidValueError: When it is not a whole number with an optional k, M or G.
    """
    match = re.fullmatch(r"\s*(\d+)\s*([kKmMgG]?)i?[bB]?\s*", text)
    if match is None:
        raise InvalidValueError(
            f"size {text!r}: expected bytes or a number with k, M or G, e.g. 10M",
            field="log-max-size",
            value=text,
        )
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


def _serve(args: argparse.Namespace) -> int:
    host, port = parse_bind(args.bind)
    server = ProvisioningServer(
        args.file,
        host=host,
        port=port,
        server_url=args.server_url,
        passwords=args.passwords,
        certificate=args.cert,
        key=args.key,
        allow_disable=args.allow_disable,
        log_max_bytes=parse_size(args.log_max_size),
        log_keep=args.log_keep,
    )
    auth = "Digest or Basic over TLS" if args.cert else "Digest"
    _print(f"serving the phones of {args.file} at {server.url} ({auth}, user name = MAC)")
    rotation = (
        f"rotated at {args.log_max_size}, {args.log_keep} old file(s) kept"
        if parse_size(args.log_max_size)
        else "never rotated"
    )
    _print(f"every fetch is logged to {server.fetch_log} ({rotation}); Ctrl-C stops")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        _print("stopped")
    return 0


def _credentials(args: argparse.Namespace) -> int:
    issued = issue_credentials(args.file, args.macs)
    _print(table(sorted(issued.items()), ("User name (MAC)", "Password")))
    _print(
        f"{len(issued)} phone(s): configure these on the phones now; only their digest "
        "hashes are kept, the passwords are not shown again"
    )
    return 0


def add_serve_commands(sub: Any) -> None:
    """Add ``serve`` and ``phone-credentials`` to the ``cloudtel`` command."""
    cmd = sub.add_parser(
        "serve",
        help="serve the phones' files over HTTP(S), rendered on request",
        description="Serve every phone's configuration and directories, rendered from the "
        "org file as it is now. Each phone authenticates with its MAC and the password "
        "from 'cloudtel phone-credentials'; it gets only its own files.",
    )
    cmd.add_argument("file", help="the organisation file")
    cmd.add_argument("--bind", default="127.0.0.1:8080", metavar="HOST:PORT")
    cmd.add_argument("--server-url", metavar="URL", help="the URL the phones reach it at")
    cmd.add_argument("--passwords", metavar="FILE", help="the SIP password file")
    cmd.add_argument("--cert", metavar="PEM", help="certificate for HTTPS (with --key)")
    cmd.add_argument("--key", metavar="PEM", help="private key for HTTPS")
    cmd.add_argument(
        "--allow-disable",
        action="store_true",
        help="serve files that carry no SIP account for a phone's user",
    )
    cmd.add_argument(
        "--log-max-size",
        default="10M",
        metavar="SIZE",
        help="rotate the fetch log when it would grow past SIZE (e.g. 10M, 512k; 0: never; "
        "default 10M)",
    )
    cmd.add_argument(
        "--log-keep",
        type=int,
        default=LOG_KEEP,
        metavar="N",
        help=f"rotated fetch logs to keep (.1 … .N; default {LOG_KEEP})",
    )
    cmd.set_defaults(run=_serve)
    cmd = sub.add_parser(
        "phone-credentials",
        help="make the phones' provisioning passwords (shown once)",
    )
    cmd.add_argument("file", help="the organisation file")
    cmd.add_argument("macs", nargs="*", metavar="MAC", help="only these phones")
    cmd.set_defaults(run=_credentials)
