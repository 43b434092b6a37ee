"""The demo's contacts section (a command-line concern, kept apart from the contacts)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cloudtel._files import atomic_write
from cloudtel.contacts.vcard import export_vcard

if TYPE_CHECKING:
    from cloudtel.org import Organization

__all__ = ["demo_section"]


def demo_section(org: Organization, out: object = None) -> str:
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
    rows = entries.rows()
    heads = ("Name", "Company", "Numbers", "Kind", "From")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(heads)]
    table = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in [heads, *rows]
    ]
    table.insert(1, "  ".join("-" * w for w in widths))
    groups = ", ".join(g.name for g in org.groups_of(user.username)) or "no groups"
    text = [
        f"== Contacts of {user.username} ({groups}): {len(entries)} entries",
        *table,
    ]
    if out is not None:
        target = Path(str(out)) / f"contacts-{user.username}.vcf"
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, export_vcard(entries).encode("utf-8"))
        text.append(f"vCard 4.0 of this list: {target}")
    return "\n".join(text)
