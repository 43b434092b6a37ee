"""Contacts out as vCard 4.0 (RFC 6350): :func:`export_vcard`."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from cloudtel.contacts.model import Contact, PhoneType
from cloudtel.contacts.resolution import EffectiveContact

__all__ = ["export_vcard"]

_TEL_TYPES = {
    PhoneType.WORK: "work,voice",
    PhoneType.MOBILE: "cell",
    PhoneType.HOME: "home,voice",
    PhoneType.FAX: "fax",
    PhoneType.OTHER: "voice",
}


def _vtext(value: str) -> str:
    """Escape a TEXT value (RFC 6350 §3.4): backslash, comma, newline."""
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("\n", "\\n")


def _vcomponent(value: str) -> str:
    """Escape one component of a compound value (N, ADR, ORG): also the semicolon."""
    return _vtext(value).replace(";", "\\;")


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 6350 §3.2) without splitting a character."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line + "\r\n"
    parts: list[str] = []
    current: list[str] = []
    size = 0
    limit = 75
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, 74  # continuation lines start with a space
        current.append(ch)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts) + "\r\n"


def _uid(contact: Contact) -> str:
    key = "|".join(f"{name}:{number}" for name, number in contact.identity())
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'cloudtel-contact:' + key)}"


def export_vcard(items: Iterable[Contact | EffectiveContact]) -> str:
    """Write contacts as vCard 4.0 (RFC 6350): one ``VCARD`` per contact.

    Names, organisation and address are structured (``N``, ``ORG``, ``ADR``);
    numbers are ``tel:`` URIs with their type and ``PREF=1`` for the preferred
    one; the contact type is a ``CATEGORIES`` value. Abbreviated numbers, speed
    dial and (for effective lists) the source are ``X-CLOUDTEL-*`` properties.
    Text is escaped and lines are folded at 75 octets; lines end in CRLF.

    Args:
        items: Contacts, or the entries of an effective list.

    Returns:
        The vCard text.
    """
    lines: list[str] = []
    for item in items:
        entry = item if isinstance(item, EffectiveContact) else None
        contact = item.contact if isinstance(item, EffectiveContact) else item
        kind = entry.kind if entry is not None else contact.kind
        props = ["BEGIN:VCARD", "VERSION:4.0", f"UID:{_uid(contact)}"]
        person = bool(contact.first_name or contact.last_name)
        props.append(f"KIND:{'individual' if person or not contact.company else 'org'}")
        props.append(f"FN:{_vtext(contact.name)}")
        if person:
            props.append(f"N:{_vcomponent(contact.last_name)};{_vcomponent(contact.first_name)};;;")
        if contact.short_name:
            props.append(f"NICKNAME:{_vtext(contact.short_name)}")
        if contact.company or contact.department:
            org = _vcomponent(contact.company)
            if contact.department:
                org += ";" + _vcomponent(contact.department)
            props.append(f"ORG:{org}")
        if contact.address or contact.postal_code or contact.city or contact.country:
            parts = ("", "", contact.address, contact.city, "", contact.postal_code)
            adr = ";".join(_vcomponent(p) for p in (*parts, contact.country))
            props.append(f"ADR;TYPE=work:{adr}")
        if contact.email:
            props.append(f"EMAIL;TYPE=work:{_vtext(contact.email)}")
        for phone in contact.phones:
            pref = ";PREF=1" if phone.preferred else ""
            props.append(
                f'TEL;VALUE=uri;TYPE="{_TEL_TYPES[phone.type]}"{pref}:tel:{phone.number.e164}'
            )
            if phone.abbreviated:
                props.append(
                    f'X-CLOUDTEL-ABBREVIATED;X-TEL="tel:{phone.number.e164}":{phone.abbreviated}'
                )
        if contact.speed_dial:
            props.append(f"X-CLOUDTEL-SPEED-DIAL:{contact.speed_dial}")
        props.append(f"CATEGORIES:{kind.value}")
        if entry is not None:
            props.append(f"X-CLOUDTEL-SOURCE:{_vtext(str(entry.source))}")
        props.append("END:VCARD")
        lines += [_fold(p) for p in props]
    return "".join(lines)
