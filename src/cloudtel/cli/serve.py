"""The ``serve`` and ``phone-credentials`` commands: the provisioning server.

``cloudtel phone-credentials ORG [MAC …]`` makes each phone's provisioning password
(shown once, kept only as a digest hash); ``cloudtel serve ORG --bind HOST:PORT``
serves the phones' files, rendered on request (see :mod:`cloudtel.server`).
"""

from __future__ import annotations

import argparse
from typing import Any

from cloudtel.cli.table import say as _print
from cloudtel.cli.table import table
from cloudtel.errors import InvalidValueError
from cloudtel.server import ProvisioningServer, issue_credentials

__all__ = ["add_serve_commands", "parse_bind"]


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
    )
    auth = "Digest or Basic over TLS" if args.cert else "Digest"
    _print(f"serving the phones of {args.file} at {server.url} ({auth}, user name = MAC)")
    _print(f"every fetch is logged to {server.fetch_log}; Ctrl-C stops")
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
    cmd.set_defaults(run=_serve)
    cmd = sub.add_parser(
        "phone-credentials",
        help="make the phones' provisioning passwords (shown once)",
    )
    cmd.add_argument("file", help="the organisation file")
    cmd.add_argument("macs", nargs="*", metavar="MAC", help="only these phones")
    cmd.set_defaults(run=_credentials)
