"""The ``cloudtel`` commands of accounts and messages: login-check, reset-password,
reset-pin, welcome, and the write commands ``password set|reset``, ``pin set|reset``
and ``photo set|remove`` (through :mod:`cloudtel.cli.edit`).

Registered in :data:`cloudtel.cli.COMMANDS` through :func:`add_accounts_commands`.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cloudtel._files import read_bounded
from cloudtel.accounts import PHOTO_MAX_BYTES, Channel, IssuedSecret
from cloudtel.cli.edit import Outcome, add_edit_command
from cloudtel.cli.table import say as _print
from cloudtel.cli.table import table
from cloudtel.errors import DeliveryError, InvalidValueError
from cloudtel.messaging import (
    MessageSettings,
    Transports,
    WelcomeTarget,
    deliver_secret,
    get_transport,
    send_welcome,
)
from cloudtel.org import Organization
from cloudtel.serialization import load, save

__all__ = ["add_accounts_commands"]


# --- accounts and messages ---------------------------------------------------


def _read_secret(prompt: str) -> str:
    """Ask for a password without echo; read one line from stdin when it is not a terminal."""
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return sys.stdin.readline().rstrip("\r\n")


def _settings(pairs: Sequence[str] | None) -> dict[str, str]:
    settings: dict[str, str] = {}
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InvalidValueError(
                f"transport setting {pair!r} must be written KEY=VALUE", value=pair
            )
        settings[key.strip()] = value
    return settings


def _transports(args: argparse.Namespace) -> Transports:
    """E-mail and SMS transports from --transport/--sms-transport; the outbox for the rest."""
    outbox_dir = Path(args.outbox) if args.outbox else Path(args.file).parent / "outbox"
    outbox = get_transport("outbox", {"folder": str(outbox_dir)})
    if args.transport == "outbox":
        main = get_transport("outbox", {"folder": str(outbox_dir), **_settings(args.option)})
    else:
        main = get_transport(args.transport, _settings(args.option))
    sms = main
    if args.sms_transport:
        sms = get_transport(args.sms_transport, _settings(args.sms_option))
    return Transports(
        email=main if Channel.EMAIL in main.channels else outbox,
        sms=sms if Channel.SMS in sms.channels else outbox,
    )


def _message_settings(args: argparse.Namespace) -> MessageSettings:
    sender = getattr(args, "sender", None) or None
    if not args.portal:
        return MessageSettings(sender=sender)
    return MessageSettings(
        portal_url=args.portal,
        softphone_url=args.portal.rstrip("/") + "/downloads",
        sender=sender,
    )


def _login_check(args: argparse.Namespace) -> int:
    org = load(args.file)
    accounts = org.accounts
    before = (accounts.credentials, accounts.failures)
    password = _read_secret("Password: ")
    try:
        principal = accounts.login(args.identifier, password)
    finally:
        if (accounts.credentials, accounts.failures) != before:
            save(org, args.file)  # failed attempts (lockout) and renewed hashes are kept
    role = "administrator" if principal.admin else "user"
    _print(f"ok: {args.identifier} is {principal.username} ({role})")
    if principal.must_change_password:
        _print("the password was made by a reset and must be changed at the next login")
    return 0


def _reset_secret(args: argparse.Namespace) -> int:
    org = load(args.file)
    kind = "PIN" if args.command == "reset-pin" else "password"
    if kind == "PIN":
        issued = org.accounts.reset_pin(args.user)
    else:
        issued = org.accounts.reset_password(args.user)
    transports = _transports(args) if issued.channel is not None else None
    save(org, args.file)
    if transports is None:
        _print(f"new {kind} for {issued.username}: {issued.secret}")
        _print(f"{issued.how} (it is shown only this once)")
        return 0
    status = deliver_secret(org, issued, transports, settings=_message_settings(args))
    if not status.sent:
        raise DeliveryError(
            f"the {kind} of {issued.username} was reset, but the message failed: {status.detail}; "
            "run the command again to make and send another",
            user=issued.username,
        )
    _print(f"new {kind} for {issued.username} sent {status.detail}")
    return 0


def _welcome(args: argparse.Namespace) -> int:
    org = load(args.file)
    targets = [t for t in WelcomeTarget if getattr(args, t.value)] or list(WelcomeTarget)
    channel = Channel.SMS if args.sms else Channel.EMAIL if args.email else None
    statuses = send_welcome(
        org,
        args.user,
        targets,
        _transports(args),
        channel=channel,
        settings=_message_settings(args),
    )
    rows = [
        (s.target.value if s.target else "", "sent" if s.sent else "FAILED", s.detail)
        for s in statuses
    ]
    _print(table(rows, ("Target", "Status", "Detail")))
    return 0 if all(s.sent for s in statuses) else 1


def _transport_arguments(cmd: Any) -> None:
    names = "outbox, smtp, sms-http or a plugin's"
    cmd.add_argument(
        "--transport",
        default="outbox",
        help=f"how to send ({names}); channels it cannot send go to the outbox (default: outbox)",
    )
    cmd.add_argument(
        "-o",
        "--option",
        action="append",
        metavar="KEY=VALUE",
        help="a setting of --transport, e.g. host=mail.example.com (repeatable)",
    )
    cmd.add_argument("--sms-transport", help="a separate transport for SMS, e.g. sms-http")
    cmd.add_argument(
        "--sms-option",
        action="append",
        metavar="KEY=VALUE",
        help="a setting of --sms-transport, e.g. url=https://sms.example.com/send",
    )
    cmd.add_argument("--outbox", help="the outbox folder (default: 'outbox' beside FILE)")
    cmd.add_argument("--portal", help="the user portal's address in messages")
    cmd.add_argument(
        "--sender",
        metavar="ADDRESS",
        help="the From address of e-mail (default: the transport's, else noreply@cloudtel.invalid)",
    )


# --- password, pin, photo: the write commands ----------------------------------------


def _secret_set(org: Organization, args: argparse.Namespace) -> Outcome:
    kind = args.secret_kind
    user = org.user(args.user)
    if args.stdin or not sys.stdin.isatty():
        secret = sys.stdin.readline().rstrip("\r\n")
    else:
        secret = getpass.getpass(f"New {kind} for {user.username}: ")
        if getpass.getpass(f"The {kind} again: ") != secret:
            raise InvalidValueError(f"the two {kind}s differ; nothing was changed", field=kind)
    if kind == "PIN":
        org.accounts.set_pin(user.username, secret)
    else:
        org.accounts.set_password(user.username, secret)
    return Outcome(f"set the {kind} of {user.username}", {"username": user.username, "kind": kind})


def _deliver(org: Organization, issued: IssuedSecret, args: argparse.Namespace) -> list[str]:
    kind: str = args.secret_kind
    if issued.channel is None:
        return [f"new {kind}: {issued.secret}", f"{issued.how} (it is shown only this once)"]
    status = deliver_secret(org, issued, _transports(args), settings=_message_settings(args))
    if not status.sent:
        raise DeliveryError(
            f"the {kind} of {issued.username} was reset and saved, but the message failed: "
            f"{status.detail}; run the command again to make and send another",
            user=issued.username,
        )
    return [f"sent {status.detail}"]


def _secret_reset(org: Organization, args: argparse.Namespace) -> Outcome:
    kind = args.secret_kind
    if kind == "PIN":
        issued = org.accounts.reset_pin(args.user)
    else:
        issued = org.accounts.reset_password(args.user)
    _transports(args)  # a bad transport is a mistake before anything is saved
    send = f", to send {issued.how}" if issued.channel is not None else ""
    return Outcome(
        f"made a new {kind} for {issued.username}{send}",
        {
            "username": issued.username,
            "kind": kind,
            "channel": getattr(issued.channel, "value", None),
        },
        then=lambda: _deliver(org, issued, args),
    )


def _photo_set(org: Organization, args: argparse.Namespace) -> Outcome:
    path = Path(args.jpeg)
    data = read_bounded(path, limit=PHOTO_MAX_BYTES, what="photo")
    photo = org.accounts.set_photo(args.user, data, filename=path.name)
    notice = [photo.notice] if photo.notice else []
    return Outcome(
        f"set the photo of {photo.username} ({photo.width}x{photo.height})",
        {"username": photo.username, "width": photo.width, "height": photo.height},
        notes=notice,
    )


def _photo_remove(org: Organization, args: argparse.Namespace) -> Outcome:
    name = org.user(args.user).username
    org.accounts.remove_photo(name)
    return Outcome(f"removed the photo of {name}", {"username": name})


def _add_secret_commands(sub: Any) -> None:
    for word, kind in (("password", "password"), ("pin", "PIN")):
        group = sub.add_parser(
            word,
            help=f"set a user's {kind} or reset it (a new one sent by e-mail or SMS)",
            description=f"A user's {kind}; only its hash is saved.",
        )
        actions = group.add_subparsers(dest=f"{word}_command", metavar="ACTION", required=True)
        cmd = add_edit_command(
            actions,
            "set",
            _secret_set,
            help=f"set the {kind}: asked twice without echo, or read from standard input",
            full_name=f"{word} set",
        )
        cmd.add_argument("user", help="the username")
        cmd.add_argument(
            "--stdin", action="store_true", help=f"read the {kind} from standard input"
        )
        cmd.set_defaults(secret_kind=kind)
        cmd = add_edit_command(
            actions,
            "reset",
            _secret_reset,
            help=f"make a new random {kind} and send it (after saving) by e-mail or SMS",
            full_name=f"{word} reset",
        )
        cmd.add_argument("user", help="the username")
        _transport_arguments(cmd)
        cmd.set_defaults(secret_kind=kind)

    group = sub.add_parser("photo", help="set or remove a user's photo (JPEG)")
    actions = group.add_subparsers(dest="photo_command", metavar="ACTION", required=True)
    cmd = add_edit_command(
        actions,
        "set",
        _photo_set,
        help="set a user's photo from a JPEG file (kept beside the org file)",
        full_name="photo set",
    )
    cmd.add_argument("user", help="the username")
    cmd.add_argument("jpeg", metavar="JPEG", help="the photo, a JPEG file")
    cmd = add_edit_command(
        actions, "remove", _photo_remove, help="remove a user's photo", full_name="photo remove"
    )
    cmd.add_argument("user", help="the username")


def add_accounts_commands(sub: Any) -> None:
    """Add ``login-check``, ``reset-password``, ``reset-pin``, ``welcome``, ``password``,
    ``pin`` and ``photo`` to ``cloudtel``.

    Args:
        sub: The subparsers object of the main parser.
    """
    cmd = sub.add_parser(
        "login-check",
        help="check a login (username or mobile number); asks for the password",
        description="Check a login like the portal does. The password is asked without echo "
        "(read from standard input when it is not a terminal). Failed attempts are recorded "
        "in FILE, so repeated failures lock the login as documented.",
    )
    cmd.add_argument("file", help="the org file")
    cmd.add_argument("identifier", help="username or mobile number in any notation")
    cmd.set_defaults(run=_login_check)
    for name, what in (("reset-password", "password"), ("reset-pin", "PIN")):
        cmd = sub.add_parser(
            name,
            help=f"make a new {what} and send it to the user by e-mail or SMS",
            description=f"Make a new random {what}, save its hash in FILE and send it by "
            "e-mail (or SMS when the account has no e-mail address). It is printed only when "
            "the account has neither.",
        )
        cmd.add_argument("file", help="the org file")
        cmd.add_argument("user", help="the username")
        _transport_arguments(cmd)
        cmd.set_defaults(run=_reset_secret)
    cmd = sub.add_parser(
        "welcome",
        help="send the welcome message (web portal, mobile app, softphone)",
        description="Send a welcome message per target by e-mail, or by SMS when the account "
        "has no e-mail address; shows the status of each. Without a target flag all three "
        "are sent.",
    )
    cmd.add_argument("file", help="the org file")
    cmd.add_argument("user", help="the username")
    cmd.add_argument("--web", action="store_true", help="how to reach the web portal")
    cmd.add_argument("--mobile", action="store_true", help="how to install the mobile app")
    cmd.add_argument("--softphone", action="store_true", help="how to install the softphone")
    by = cmd.add_mutually_exclusive_group()
    by.add_argument("--email", action="store_true", help="send by e-mail only")
    by.add_argument("--sms", action="store_true", help="send by SMS only")
    _transport_arguments(cmd)
    cmd.set_defaults(run=_welcome)
    _add_secret_commands(sub)
