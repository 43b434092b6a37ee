"""The ``cloudtel`` command.

Each capability adds its subcommands through one function in :data:`COMMANDS`
that takes the subparsers object. A command is a function of the parsed
arguments that returns the exit status. A mistake a user can make (a bad file,
an unknown user, an invalid number) raises a :class:`~cloudtel.CloudtelError`;
:func:`main` prints its message as ``cloudtel: …`` and exits with status 1,
never with a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from cloudtel._files import atomic_write
from cloudtel._phones_cli import add_phones_commands
from cloudtel._phones_cli import demo_section as phones_demo_section
from cloudtel._schedule_cli import add_schedule_commands
from cloudtel.accounts import Channel
from cloudtel.contacts_io import demo_section as contacts_demo_section
from cloudtel.contacts_io import export_csv, export_vcard, import_csv
from cloudtel.errors import CloudtelError, DeliveryError, InvalidValueError, NotFoundError
from cloudtel.functions import demo_section as functions_demo_section
from cloudtel.messaging import (
    MessageSettings,
    Transports,
    WelcomeTarget,
    deliver_secret,
    get_transport,
    send_welcome,
)
from cloudtel.org import SORT_COLUMNS, Organization
from cloudtel.serialization import load, save

__all__ = ["COMMANDS", "main", "table"]

Command = Callable[[argparse.Namespace], int]

EXAMPLE = Path("examples") / "orange-labo" / "organization.toml"
"""The example organisation, relative to a checkout of cloudtel."""


def table(rows: Iterable[Sequence[object]], headers: Sequence[str]) -> str:
    """Format rows as a plain text table with a header line.

    Args:
        rows: The rows; each cell is shown with ``str``.
        headers: The column titles.
    """
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _print(text: str) -> None:
    sys.stdout.write(text + "\n")


# --- core commands -----------------------------------------------------------


def _validate(args: argparse.Namespace) -> int:
    org = load(args.file)
    _print(
        f"{args.file}: valid — organisation {org.name!r}, {len(org.groups)} groups, "
        f"{len(org.users)} users"
    )
    return 0


def _users(args: argparse.Namespace) -> int:
    org = load(args.file)
    page = org.find_users(
        args.search or "",
        group=args.group,
        sort=args.sort,
        descending=args.descending,
        page=args.page,
        page_size=args.page_size,
    )
    rows = [(u.username, u.first_name, u.last_name, u.primary_line or "") for u in page.users]
    _print(table(rows, ("Username", "First name", "Last name", "Primary line")))
    _print(f"page {page.page} of {page.pages} ({page.total} users)")
    return 0


def _user(args: argparse.Namespace) -> int:
    org = load(args.file)
    user = org.user(args.username)
    rows: list[tuple[str, object]] = [
        ("username", user.username),
        ("name", f"{user.first_name} {user.last_name}".strip()),
        ("department", user.department),
        ("e-mail", user.email),
        ("groups", ", ".join(user.groups)),
        ("primary line", user.primary_line or ""),
        ("aliases", ", ".join(str(a) for a in user.aliases)),
        ("mobile phones", ", ".join(f"{m.number} ({m.profile})" for m in user.mobile_phones)),
    ]
    _print(table(rows, ("Field", "Value")))
    _print("")
    settings = org.resolve_settings(user.username)
    shown = [(name, getattr(r.value, "value", r.value), r.source) for name, r in settings.items()]
    _print(table(shown, ("Setting", "Value", "From")))
    return 0


def _numbers(args: argparse.Namespace) -> int:
    org = load(args.file)
    if args.available:
        free = list(org.available_numbers())
        shown = free if args.limit is None else free[: args.limit]
        _print("\n".join(n.e164 for n in shown))
        _print(f"{len(free)} available numbers in {len(org.number_ranges)} ranges")
        return 0
    rows = []
    for number_range in org.number_ranges:
        for number in number_range:
            rows.append((number.e164, org.holder_of(number) or "free"))
    shown_rows = rows if args.limit is None else rows[: args.limit]
    _print(table(shown_rows, ("Number", "Held by")))
    return 0


def _example_path(given: str | None) -> Path:
    if given:
        return Path(given)
    here = Path.cwd() / EXAMPLE
    if here.exists():
        return here
    checkout = Path(__file__).resolve().parents[2] / EXAMPLE
    if checkout.exists():
        return checkout
    raise NotFoundError(
        f"cannot find the example organisation {EXAMPLE}; run the demo from a checkout of "
        "cloudtel or pass --example PATH",
        path=str(EXAMPLE),
    )


def _demo(args: argparse.Namespace) -> int:
    path = _example_path(args.example)
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="cloudtel-demo-"))
    org = load(path)
    _print(f"== {org.name} ({org.domain}) — loaded and validated {path}")
    _print(
        f"{len(org.groups)} user groups, {len(org.users)} users, "
        f"{sum(len(r) for r in org.number_ranges)} numbers in {len(org.number_ranges)} ranges, "
        f"main number {org.main_number or '-'}"
    )
    _print("")
    _print("== Users, page 1 (sorted by last name)")
    page = org.find_users(sort="last_name", page_size=5)
    rows = [(u.username, u.first_name, u.last_name, u.primary_line or "") for u in page]
    _print(table(rows, ("Username", "First name", "Last name", "Primary line")))
    _print(f"page 1 of {page.pages} ({page.total} users)")
    for section in _demo_sections():
        text = section(org, out)
        if text:
            _print("")
            _print(text)
    _print("")
    _print(f"Files written by the demo are in {out}")
    return 0


def _demo_sections() -> list[Callable[[Organization, Path], str]]:
    """The demo's sections after the core one; each capability adds its own here."""
    return [
        accounts_demo_section,
        contacts_demo_section,
        phones_demo_section,
        functions_demo_section,
        _prompts_demo_section,
    ]


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
    if not args.portal:
        return MessageSettings()
    return MessageSettings(
        portal_url=args.portal, softphone_url=args.portal.rstrip("/") + "/downloads"
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


def _add_accounts_commands(sub: Any) -> None:
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


def accounts_demo_section(org: Organization, out: Path) -> str:
    """The demo's accounts section: a reset password, a login, welcome messages in an outbox.

    Args:
        org: The example organisation (changed in memory only).
        out: The demo's output folder; messages go to ``out/outbox``.

    Returns:
        The section's text.
    """
    demo = "demo.user@orange.be"
    if not org.has_user(demo):
        return ""
    outbox = out / "outbox"
    transports = Transports.outbox(outbox, sender="noreply.cloudtelephony@orange.be")
    lines = ["== Accounts and messages"]
    issued = org.accounts.reset_password(demo)
    status = deliver_secret(org, issued, transports)
    lines.append(f"reset password of {demo}: {status}")
    mobile = org.user(demo).mobile_phones[0].number if org.user(demo).mobile_phones else None
    identifier = mobile.national if mobile is not None else demo
    principal = org.accounts.login(identifier, issued.secret)
    lines.append(
        f"login as {identifier!r} with it: ok, {principal.username}"
        + (" (must choose a new password)" if principal.must_change_password else "")
    )
    try:
        org.accounts.login(demo, "not-the-password")
    except CloudtelError as exc:
        lines.append(f"login with a wrong password: {exc}")
    for status in send_welcome(org, demo, list(WelcomeTarget), transports):
        lines.append(str(status))
    stored = next(c.password_hash for c in org.accounts.credentials if c.username == demo)
    lines.append(f"the org file keeps only the hash: {str(stored)[:40]}…")
    lines.append(f"messages are in {outbox}")
    return "\n".join(lines)


def _add_core_commands(sub: Any) -> None:
    cmd = sub.add_parser("validate", help="check an org file and list every problem")
    cmd.add_argument("file", help="the org file (.toml or .json)")
    cmd.set_defaults(run=_validate)

    cmd = sub.add_parser("users", help="list users like the portal: filter, sort, page")
    cmd.add_argument("file", help="the org file")
    cmd.add_argument("--group", help="only members of this group")
    cmd.add_argument("--search", help="a part of the username, first or last name")
    cmd.add_argument("--sort", default="username", choices=SORT_COLUMNS, help="sort column")
    cmd.add_argument("--descending", action="store_true", help="reverse the order")
    cmd.add_argument("--page", type=int, default=1, help="page number (from 1)")
    cmd.add_argument("--page-size", type=int, default=25, help="users per page")
    cmd.set_defaults(run=_users)

    cmd = sub.add_parser("user", help="show one user with every setting and where it came from")
    cmd.add_argument("file", help="the org file")
    cmd.add_argument("username", help="the username, e.g. demo.user@orange.be")
    cmd.set_defaults(run=_user)

    cmd = sub.add_parser("numbers", help="the numbers of the ranges and who holds them")
    cmd.add_argument("file", help="the org file")
    cmd.add_argument("--available", action="store_true", help="only numbers nobody holds")
    cmd.add_argument("--limit", type=int, help="show at most this many")
    cmd.set_defaults(run=_numbers)

    cmd = sub.add_parser("demo", help="run the tour on the bundled example organisation")
    cmd.add_argument("--example", help="another org file to run the demo on")
    cmd.add_argument("--out", help="folder for the files the demo writes (default: a temp dir)")
    cmd.set_defaults(run=_demo)


# --- voice prompts -------------------------------------------------------------

_PROMPTS_USAGE = (
    "cloudtel prompts FILE\n"
    "       cloudtel prompts import FILE NAME AUDIO [--language L] [--description TEXT]\n"
    "       cloudtel prompts delete FILE NAME [--language L]\n"
    "       cloudtel prompts export FILE NAME OUT [--language L]"
)


def _prompts(args: argparse.Namespace) -> int:
    words: list[str] = args.words
    action = words[0] if words[0] in ("import", "delete", "export") else "list"
    operands = words[1:] if action != "list" else words
    wanted = {"list": 1, "import": 3, "delete": 2, "export": 3}[action]
    if len(operands) != wanted:
        args.prompts_parser.error(
            f"'prompts {action if action != 'list' else ''}' takes {wanted} argument(s), "
            f"got {len(operands)}: {' '.join(operands) or 'none'}"
        )
    if action == "list" and (args.language or args.description):
        args.prompts_parser.error("--language and --description go with 'prompts import'")
    run: dict[str, Callable[..., int]] = {
        "list": _prompts_list,
        "import": _prompts_import,
        "delete": _prompts_delete,
        "export": _prompts_export,
    }
    return run[action](args, *operands)


def _prompts_list(args: argparse.Namespace, file: str) -> int:
    org = load(file)
    rows = [
        (
            prompt.name,
            ", ".join(
                f"{a.language}{'*' if i == 0 else ''} {a.duration:.1f}s"
                for i, a in enumerate(prompt.audio)
            ),
            prompt.description,
        )
        for prompt in org.prompts
    ]
    _print(table(rows, ("Name", "Audio (* default language)", "Description")))
    _print(f"{len(rows)} voice prompts")
    return 0


def _prompts_import(args: argparse.Namespace, file: str, name: str, audio: str) -> int:
    from cloudtel.serialization import save  # noqa: PLC0415

    org = load(file)
    data = Path(audio).read_bytes()
    if name in org.prompts:
        prompt = org.prompts.set_audio(name, data, language=args.language)
        if args.description is not None:
            prompt = org.prompts.describe(name, args.description)
        verb = "updated"
    else:
        prompt = org.prompts.add(
            name, data, language=args.language, description=args.description or ""
        )
        verb = "created"
    stored = prompt.audio_for(args.language)
    save(org, file)
    _print(
        f"{verb} voice prompt {name!r}: {audio} imported as language {stored.language} "
        f"({stored.duration:.2f} s, A-law 8 kHz mono) into {stored.file}"
    )
    return 0


def _prompts_delete(args: argparse.Namespace, file: str, name: str) -> int:
    from cloudtel.serialization import save  # noqa: PLC0415

    org = load(file)
    if args.language:
        org.prompts.remove_language(name, args.language)
        what = f"language {args.language} of voice prompt {name!r}"
    else:
        org.prompts.remove(name)
        what = f"voice prompt {name!r}"
    save(org, file)
    _print(f"deleted {what} (its audio file stays in the folder)")
    return 0


def _prompts_export(args: argparse.Namespace, file: str, name: str, out: str) -> int:
    from cloudtel._files import atomic_write  # noqa: PLC0415
    from cloudtel.audio import wav_to_raw  # noqa: PLC0415

    org = load(file)
    stored = org.prompts.get(name).audio_for(args.language)
    data = (Path(file).parent / stored.file).read_bytes()
    raw = Path(out).suffix.lower() in (".al", ".alaw", ".alw")
    atomic_write(out, wav_to_raw(data) if raw else data)
    kind = "raw A-law (no header)" if raw else "A-law WAV"
    _print(f"wrote {out}: voice prompt {name!r} ({stored.language}) as {kind}")
    return 0


def _prompts_demo_section(org: Organization, out: Path) -> str:
    """The demo's voice prompts section: the list, one export, one refused deletion."""
    from cloudtel.audio import wav_to_raw  # noqa: PLC0415

    if not len(org.prompts):
        return ""
    rows = [
        (p.name, ", ".join(f"{a.language} {a.duration:.1f}s" for a in p.audio), p.description)
        for p in org.prompts
    ]
    lines = [
        f"== Voice prompts: {len(rows)}, stored as A-law 8 kHz mono WAV beside the org file",
        table(rows, ("Name", "Audio (default first)", "Description")),
    ]
    folder = org.source_folder()
    first = next(iter(org.prompts))
    if folder is not None:
        stored = first.audio_for()
        target = out / Path(stored.file).with_suffix(".al").name
        target.write_bytes(wav_to_raw((folder / stored.file).read_bytes()))
        lines.append(
            f"exported {first.name!r} ({stored.language}) as raw A-law for Asterisk: {target}"
        )
    for prompt in org.prompts:
        referrers = org.referrers("prompt", prompt.name)
        if referrers:
            lines.append(f"{prompt.name!r} cannot be deleted: it is used by {'; '.join(referrers)}")
            break
    return "\n".join(lines)


def _add_prompts_commands(sub: Any) -> None:
    cmd = sub.add_parser(
        "prompts",
        help="list, import, delete or export voice prompts",
        usage=_PROMPTS_USAGE,
        description="Voice prompts. Import converts a PCM .wav/.aiff file to A-law 8 kHz "
        "mono and saves it beside the org file; a prompt that a schedule uses cannot be "
        "deleted. Export writes the stored WAV, or raw A-law when OUT ends in .al.",
    )
    cmd.add_argument("words", nargs="+", metavar="ARGS", help="see usage")
    cmd.add_argument("--language", help="language of the audio (default: the default one)")
    cmd.add_argument("--description", help="what the prompt says (import only)")
    cmd.set_defaults(run=_prompts, prompts_parser=cmd)


# --- contacts ------------------------------------------------------------------

_CONTACTS_USAGE = """cloudtel contacts FILE --user USERNAME
       cloudtel contacts import FILE CSV --scope SCOPE [--keep-valid]
       cloudtel contacts export FILE (--scope SCOPE | --user USERNAME) [--format csv|vcard]
                                [--language en|nl|fr] [--delimiter ,|;|tab] [--out OUT]
SCOPE is org, group:NAME or user:USERNAME."""


def _contacts(args: argparse.Namespace) -> int:
    words = list(args.words)
    action = words[0] if words[0] in ("import", "export") else "show"
    rest = words[1:] if action != "show" else words
    wanted = {"show": 1, "import": 2, "export": 1}[action]
    if len(rest) != wanted:
        args.contacts_parser.error(f"contacts {action}: expected {wanted} file argument(s)")
    org = load(rest[0])
    if action == "show":
        if not args.user:
            args.contacts_parser.error("contacts FILE needs --user USERNAME")
        entries = org.contacts.effective(args.user)
        _print(table(entries.rows(), ("Name", "Company", "Numbers", "Kind", "From")))
        groups = ", ".join(g.name for g in org.groups_of(args.user)) or "no groups"
        _print(f"{len(entries)} contacts of {args.user} ({groups}); * = preferred number")
        return 0
    if action == "import":
        if not args.scope:
            args.contacts_parser.error("contacts import needs --scope org|group:NAME|user:NAME")
        csv_path = Path(rest[1])
        report = import_csv(
            org,
            args.scope,
            csv_path.read_bytes(),
            keep_valid=args.keep_valid,
            source=csv_path.name,
        )
        if report.applied:
            save(org, rest[0])
        _print(str(report))
        return 0 if report.applied else 1
    if bool(args.scope) == bool(args.user):
        args.contacts_parser.error("contacts export needs --scope SCOPE or --user USERNAME")
    items = org.contacts.effective(args.user) if args.user else org.contacts.at(args.scope)
    if args.format == "vcard":
        text = export_vcard(items)
        data = text.encode("utf-8")
    else:
        delimiter = "\t" if args.delimiter == "tab" else args.delimiter
        text = export_csv(items, language=args.language, delimiter=delimiter)
        data = ("\ufeff" + text).encode("utf-8")  # the BOM tells spreadsheets it is UTF-8
    if args.out:
        atomic_write(args.out, data)
        _print(f"wrote {args.out}: {len(items)} contacts as {args.format}")
    else:
        sys.stdout.write(text)
    return 0


def _add_contacts_commands(sub: Any) -> None:
    cmd = sub.add_parser(
        "contacts",
        help="show a user's contact list with provenance; import or export contacts",
        usage=_CONTACTS_USAGE,
        description="Contact lists. Show a user's effective list (organisation + groups + "
        "own) and where each entry came from; import a CSV file (any spreadsheet's "
        "encoding and delimiter; English, Dutch or French headers) into a scope, all or "
        "nothing unless --keep-valid; export a scope or a user's list as CSV or vCard 4.0.",
    )
    cmd.add_argument("words", nargs="+", metavar="ARGS", help="see usage")
    cmd.add_argument("--user", help="the user whose effective list to show or export")
    cmd.add_argument("--scope", help="org, group:NAME or user:USERNAME")
    cmd.add_argument("--keep-valid", action="store_true", help="import the valid rows")
    cmd.add_argument("--format", choices=("csv", "vcard"), default="csv", help="export format")
    cmd.add_argument("--language", choices=("en", "nl", "fr"), default="en", help="CSV headers")
    cmd.add_argument("--delimiter", choices=(",", ";", "tab"), default=",", help="CSV delimiter")
    cmd.add_argument("--out", help="write the export to this file (default: standard output)")
    cmd.set_defaults(run=_contacts, contacts_parser=cmd)


COMMANDS: list[Callable[[Any], None]] = [
    _add_core_commands,
    _add_contacts_commands,
    _add_accounts_commands,
    _add_prompts_commands,
    add_phones_commands,
    add_schedule_commands,
]
"""Functions that add subcommands; each capability appends its own."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command of :data:`COMMANDS`."""
    parser = argparse.ArgumentParser(
        prog="cloudtel",
        description="Administer a hosted business telephone system: organisations, users, "
        "contacts, voice prompts, schedules and SIP desk phones.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``cloudtel`` command; returns the exit status.

    Args:
        argv: The arguments (without the program name); default ``sys.argv[1:]``.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.run(args)
    except CloudtelError as exc:
        sys.stderr.write(f"cloudtel: {exc}\n")
        return 1
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        sys.stderr.write(f"cloudtel:{where}: {exc.strerror or exc}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("cloudtel: interrupted\n")
        return 130
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
