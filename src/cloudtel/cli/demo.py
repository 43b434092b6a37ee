"""The ``cloudtel demo`` command: the tour of the example organisation, section by section.

The demo loads the example organisation (or ``--example FILE``), shows the core
numbers and the first page of users, then each section of :func:`demo_sections` in
the manual's order. Sections write their files into the demo's output folder only
and send nothing over the network.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cloudtel._files import atomic_write
from cloudtel.audio import wav_to_raw
from cloudtel.cli.phones import describe_key
from cloudtel.cli.schedule import status_table
from cloudtel.cli.table import say as _print
from cloudtel.cli.table import table
from cloudtel.contacts import export_vcard
from cloudtel.errors import CloudtelError, NotFoundError
from cloudtel.messaging import Transports, WelcomeTarget, deliver_secret, send_welcome
from cloudtel.org import Organization
from cloudtel.provisioning import ProvisioningSettings, provision
from cloudtel.schedules import zone_of
from cloudtel.serialization import load

__all__ = [
    "EXAMPLE",
    "accounts_demo_section",
    "add_demo_commands",
    "contacts_demo_section",
    "demo_sections",
    "functions_demo_section",
    "phones_demo_section",
    "prompts_demo_section",
]

EXAMPLE = Path("examples") / "orange-labo" / "organization.toml"
"""The example organisation, relative to a checkout of cloudtel."""


def _example_path(given: str | None) -> Path:
    if given:
        return Path(given)
    here = Path.cwd() / EXAMPLE
    if here.exists():
        return here
    # src/cloudtel/cli/demo.py: the checkout is three folders up from this one
    checkout = Path(__file__).resolve().parents[3] / EXAMPLE
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
    for section in demo_sections():
        text = section(org, out)
        if text:
            _print("")
            _print(text)
    _print("")
    _print(f"Files written by the demo are in {out}")
    return 0


def demo_sections() -> list[Callable[[Organization, Path], str]]:
    """The demo's sections after the core one, in the manual's order.

    Returns:
        Functions of the organisation and the output folder that return the section's
        text, or ``""`` when the organisation has nothing to show for it.
    """
    return [
        contacts_demo_section,
        prompts_demo_section,
        functions_demo_section,
        accounts_demo_section,
        phones_demo_section,
    ]


def add_demo_commands(sub: Any) -> None:
    """Add ``demo`` to the ``cloudtel`` command.

    Args:
        sub: The subparsers object of the main parser.
    """
    cmd = sub.add_parser("demo", help="run the tour on the bundled example organisation")
    cmd.add_argument("--example", help="another org file to run the demo on")
    cmd.add_argument("--out", help="folder for the files the demo writes (default: a temp dir)")
    cmd.set_defaults(run=_demo)


# --- the sections -------------------------------------------------------------------


def contacts_demo_section(org: Organization, out: object = None) -> str:
    """The demo's contacts section: one user's effective list with where each came from.

    Args:
        org (Organization): The organisation (the example "Orange labo").
        out (object): The demo's output folder (a :class:`~pathlib.Path`); when
            given, the user's list is written there as a vCard file too.

    Returns:
        The section's text; empty when the organisation has no contacts.
    """
    if not org.contacts.scopes() or not org.users:
        return ""
    preferred = [u for u in org.users if u.username.startswith("demo.user@")]
    with_groups = sorted(org.users, key=lambda u: -len(u.groups))
    user = (preferred or with_groups)[0]
    entries = org.contacts.effective(user.username)
    groups = ", ".join(g.name for g in org.groups_of(user.username)) or "no groups"
    text = [
        f"== Contacts of {user.username} ({groups}): {len(entries)} entries",
        table(entries.rows(), ("Name", "Company", "Numbers", "Kind", "From")),
    ]
    if out is not None:
        target = Path(str(out)) / f"contacts-{user.username}.vcf"
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, export_vcard(entries).encode("utf-8"))
        text.append(f"vCard 4.0 of this list: {target}")
    return "\n".join(text)


def prompts_demo_section(org: Organization, out: Path) -> str:
    """The demo's voice prompts section: the list, one export, one refused deletion.

    Args:
        org: The example organisation.
        out: The demo's output folder; the first prompt is exported there as raw A-law.

    Returns:
        The section's text.
    """
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


def functions_demo_section(
    org: Organization, out: Path | None = None, at: datetime | None = None
) -> str:
    """The demo's section on schedules: the status list of every function number.

    Args:
        org (Organization): The organisation.
        out (Path | None): The demo's output folder (not used: this section writes nothing).
        at (datetime | None): The instant; ``None`` is now.

    Returns:
        str: A heading and the status table, or ``""`` when there are no function numbers.
    """
    del out
    functions = org.functions
    if not len(functions):
        return ""
    instant = datetime.now(UTC) if at is None else at
    local = instant.astimezone(zone_of(org.time_zone))
    heading = f"== Function numbers and their schedules, status at {local:%Y-%m-%d %H:%M %Z}"
    return heading + "\n" + status_table(functions.status(instant), org.time_zone)


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


def phones_demo_section(org: Organization, out: Path) -> str:
    """The demo's phones section: the key layout and the files written for each phone.

    Writes the example organisation's phone files into ``out/phones`` (with demo SIP
    passwords) and sends nothing over the network.

    Args:
        org: The example organisation.
        out: The demo's output folder.

    Returns:
        The section's text.
    """
    phones = tuple(org.phones)
    if not phones:
        return ""
    folder = out / "phones"
    lines = ["== SIP desk phones"]
    rows = [
        (p.name, f"{p.family.capitalize()} {p.model}", p.user or "-", len(p.layout)) for p in phones
    ]
    lines.append(table(rows, ("MAC", "Model", "User", "Keys")))
    first = phones[0]
    lines.append("")
    lines.append(f"keys of {first.name}:")
    key_rows = []
    for position, key in first.layout.items():
        kind, shows, value = describe_key(org, key)
        key_rows.append((str(position), kind, shows, value))
    lines.append(table(key_rows, ("Key", "Kind", "Shows", "Value")))
    passwords = {p.user: f"demo-{i}-secret" for i, p in enumerate(phones) if p.user}
    settings = ProvisioningSettings(
        server_url="http://prov.example.invalid/phones/", sip_passwords=passwords
    )
    try:
        report = provision(org, folder, settings)
    except NotFoundError as exc:  # a driver's model missing: say so, keep the demo going
        return "\n".join([*lines, f"provisioning skipped: {exc}"])
    lines.append("")
    lines.append(table(report.rows(), ("Phone", "File", "Change")))
    lines.append(f"{folder}: {report.summary()}")
    config = folder / report.phones[0].files[0].path
    head = config.read_text(encoding="utf-8").splitlines()[:6]
    lines.append(f"first lines of {config.name}:")
    lines.extend(f"  {line}" for line in head)
    again = provision(org, folder, settings)
    lines.append(f"provisioned again with nothing changed: {again.written} files written")
    return "\n".join(lines)
