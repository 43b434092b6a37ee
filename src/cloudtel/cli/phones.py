"""The ``cloudtel`` commands for SIP desk phones: phones, keys, provision, sync.

Registered in :data:`cloudtel.cli.COMMANDS` through :func:`add_phones_commands`.
"""

from __future__ import annotations

import argparse
from typing import Any

from cloudtel.cli.onboarding import ProgressBar
from cloudtel.cli.phone_edit import add_phone_edit_commands
from cloudtel.cli.table import say as _print
from cloudtel.cli.table import table
from cloudtel.cli.users import print_json
from cloudtel.devices import (
    EmptyKey,
    ExtensionKey,
    Key,
    KeyPosition,
    LineKey,
    PhoneNumberKey,
    SipPhone,
)
from cloudtel.errors import InvalidValueError
from cloudtel.org import Organization
from cloudtel.plugins import find_model
from cloudtel.provisioning import (
    FileChange,
    ProvisioningReport,
    ProvisioningSettings,
    provision,
    settings_for,
    sync_phones,
)
from cloudtel.serialization import load, make_converter
from cloudtel.server import last_addresses

__all__ = ["add_phones_commands", "describe_key"]


def describe_key(org: Organization, key: Key) -> tuple[str, str, str]:
    """(kind, what the phone shows, value) of a key, as the key tables show it.

    Args:
        org: The organisation, for the names of extension keys' users.
        key: The key.

    Returns:
        The kind (``"Line"``, ``"Extension"`` …), what the phone shows, and the value.
    """
    if isinstance(key, LineKey):
        return ("Line", f"account {key.account}", "")
    if isinstance(key, ExtensionKey):
        name = org.user(key.username).display_name if org.has_user(key.username) else "?"
        return ("Extension", name, key.username)
    if isinstance(key, PhoneNumberKey):
        return ("Phone number", key.label, key.number.international)
    return ("Empty", "", "")


def _phones(args: argparse.Namespace) -> int:
    org = load(args.file)
    rows = [
        (
            phone.name,
            f"{phone.family.capitalize()} {phone.model}",
            phone.user or "-",
            phone.description,
            phone.ip_address or "-",
            phone.firmware or "-",
            "free seating" if phone.free_seating else "seated",
            len(phone.layout),
        )
        for phone in org.phones
    ]
    headers = ("MAC", "Model", "User", "Description", "IP address", "Firmware", "Seating", "Keys")
    _print(table(rows, headers))
    _print(f"{len(rows)} phones")
    return 0


def _keys(args: argparse.Namespace) -> int:
    org = load(args.file)
    phone = org.phones.find(args.mac)
    programmed = dict(phone.layout.items())
    if args.all:
        model = find_model(phone.family, phone.model)
        positions: list[KeyPosition] = list(model.positions(phone.expansion_modules))
    else:
        positions = list(programmed)
    rows = []
    for position in positions:
        kind, shows, value = describe_key(org, programmed.get(position, EmptyKey()))
        rows.append((str(position), position.describe(), kind, shows, value))
    if args.json:
        print_json(
            {
                "command": "keys",
                "file": str(args.file),
                "phone": make_converter("json", region=org.country).unstructure(phone, SipPhone),
                "keys": [
                    dict(zip(("key", "where", "kind", "shows", "value"), row, strict=True))
                    for row in rows
                ],
            }
        )
        return 0
    _print(table(rows, ("Key", "Where", "Kind", "Shows", "Value")))
    user = f", user {phone.user}" if phone.user else ""
    _print(
        f"phone {phone.name} ({phone.family.capitalize()} {phone.model}{user}): "
        f"{len(programmed)} keys programmed"
        + ("" if args.all else "; --all lists every key of the model")
    )
    return 0


def _settings(args: argparse.Namespace, org: Organization) -> ProvisioningSettings:
    return settings_for(
        org,
        args.out,
        server_url=args.server_url,
        registrar=args.registrar,
        passwords=args.passwords,
        directories=not args.no_directories,
    )


def _show_report(report: ProvisioningReport, *, verbose: bool = True) -> None:
    rows = report.rows() if verbose else [r for r in report.rows() if r[2] != "unchanged"]
    if rows:
        _print(table(rows, ("Phone", "File", "Change")))
    _print(f"{report.folder}: {report.summary()}")
    for warning in report.warnings:
        _print(f"warning: {warning}")
    for error in report.errors:
        _print(f"error: {error} (its files were left as they were)")
    if report.count(FileChange.STALE):
        _print("stale files belong to phones no longer in the organisation; --remove-stale deletes")


def _provision(args: argparse.Namespace) -> int:
    org = load(args.file)
    report = provision(
        org,
        args.out,
        _settings(args, org),
        remove_stale=args.remove_stale,
        allow_disable=args.allow_disable,
        progress=ProgressBar(label="rendering phones"),
    )
    _show_report(report)
    return 1 if report.failed else 0


def _sync(args: argparse.Namespace) -> int:
    org = load(args.file)
    report = None
    if args.out:
        report = provision(
            org,
            args.out,
            _settings(args, org),
            remove_stale=args.remove_stale,
            allow_disable=args.allow_disable,
            progress=ProgressBar(label="rendering phones"),
        )
        _show_report(report, verbose=False)
    elif not (args.force or args.macs):
        raise InvalidValueError(
            "sync: say which phones to tell: --out DIR (those whose files change), --force "
            "(every phone) or their MAC addresses",
            field="macs",
        )
    result = sync_phones(
        org,
        report=report,
        macs=args.macs,
        force=args.force,
        reboot=args.reboot,
        port=args.port,
        timeout=args.timeout,
        proxy=args.via_registrar,
        settings=_settings(args, org),
        addresses=last_addresses(args.file),
    )
    lines = result.lines()
    what = "check-sync;reboot=true" if args.reboot else "check-sync"
    _print("\n".join(lines) if lines else "no phone to tell: no file changed")
    told = len(result.results)
    accepted = sum(r.ok for r in result.results)
    how = (
        "sent directly to each phone"
        if result.mode == "direct"
        else f"sent {result.mode} to each phone's registered user"
    )
    _print(f"{what}: {accepted} of {told} phones accepted, {len(result.skipped)} skipped; {how}")
    return 0 if result.ok and not (report and report.failed) else 1


def _folder_arguments(cmd: Any, *, out_required: bool) -> None:
    cmd.add_argument(
        "--out",
        required=out_required,
        metavar="DIR",
        help="the provisioning folder (created when missing)",
    )
    cmd.add_argument(
        "--server-url",
        metavar="URL",
        help="where DIR is served, e.g. http://prov.example.be/phones/ (for directory "
        "links); default: the org's [provisioning] server_url, else DIR's last run",
    )
    cmd.add_argument(
        "--registrar",
        help="SIP registrar host; default: the org's [provisioning] registrar, else DIR's "
        "last run, else sip.<org domain>",
    )
    cmd.add_argument(
        "--passwords",
        metavar="FILE",
        help='SIP passwords: TOML lines "user@domain" = "password", or a JSON object; '
        "default: the org's [provisioning] passwords file, else the one DIR's last run read",
    )
    cmd.add_argument(
        "--no-directories", action="store_true", help="do not write the phones' directories"
    )
    cmd.add_argument(
        "--remove-stale",
        action="store_true",
        help="delete files cloudtel wrote for phones that are gone",
    )
    cmd.add_argument(
        "--allow-disable",
        action="store_true",
        help="write phones without the SIP account their file has now (they stop "
        "registering); refused otherwise",
    )


def add_phones_commands(sub: Any) -> None:
    """Add ``phones``, ``keys``, ``provision`` and ``sync`` to the ``cloudtel`` command,
    and the write commands ``phone`` and ``key`` of :mod:`cloudtel.cli.phone_edit`.

    Args:
        sub: The subparsers object of the main parser.
    """
    cmd = sub.add_parser("phones", help="list the SIP desk phones")
    cmd.add_argument("file", help="the org file")
    cmd.set_defaults(run=_phones)

    cmd = sub.add_parser("keys", help="show a phone's key layout as a table")
    cmd.add_argument("file", help="the org file")
    cmd.add_argument("mac", help="the phone's MAC address, any notation")
    cmd.add_argument("--all", action="store_true", help="every key of the model, empty ones too")
    cmd.add_argument(
        "--json",
        action="store_true",
        help="print the phone as the org file's JSON holds it, and the key table's rows",
    )
    cmd.set_defaults(run=_keys)

    cmd = sub.add_parser(
        "provision",
        help="write every phone's configuration and directory into a folder",
        description="Render every phone through its driver into DIR. Each file is written "
        "atomically and only when its bytes change; files of removed phones are reported "
        "(deleted with --remove-stale); files cloudtel did not write are left alone.",
    )
    cmd.add_argument("file", help="the org file")
    _folder_arguments(cmd, out_required=True)
    cmd.set_defaults(run=_provision)

    cmd = sub.add_parser(
        "sync",
        help="tell phones to fetch their configuration (SIP NOTIFY check-sync)",
        description="Send NOTIFY Event: check-sync over UDP to the phones at their recorded "
        "IP address: with --out DIR, provision first and tell the phones whose files "
        "changed; with --force every phone; or the phones named by MAC. --reboot asks "
        "them to restart as well. Phones without a recorded address are reached where "
        "they last fetched from 'cloudtel serve'. --via-registrar sends through the "
        "registrar to each phone's registered user instead (phones behind NAT or a "
        "firewall). Exits 1 when a phone did not accept.",
    )
    cmd.add_argument("file", help="the org file")
    cmd.add_argument("macs", nargs="*", metavar="MAC", help="tell exactly these phones")
    _folder_arguments(cmd, out_required=False)
    cmd.add_argument("--reboot", action="store_true", help="check-sync;reboot=true")
    cmd.add_argument("--force", action="store_true", help="tell every phone")
    cmd.add_argument("--port", type=int, default=5060, help="the phones' SIP port (5060)")
    cmd.add_argument(
        "--timeout", type=float, default=None, help="seconds to wait per phone (max 32)"
    )
    cmd.add_argument(
        "--via-registrar",
        nargs="?",
        const="",
        default=None,
        metavar="HOST[:PORT]",
        help="send through the registrar (or this proxy) to each phone's registered user",
    )
    cmd.set_defaults(run=_sync, trailing="macs")
    add_phone_edit_commands(sub)
