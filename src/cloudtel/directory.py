"""A phone's directory: the colleagues and contacts it shows, built from the organisation.

:func:`phone_directory` gives the :class:`~cloudtel.devices.Directory` a driver renders
for one phone (see :mod:`cloudtel.provisioning`): the organisation's users with a line
(unless their directory visibility is hidden) and the phone user's effective contact
list, sorted by name ignoring case and accents. No I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from cloudtel.contacts import Scope
from cloudtel.devices import (
    Directory,
    DirectoryEntry,
    DirectoryNumber,
    SipPhone,
    normalize_search,
)
from cloudtel.users import Visibility

if TYPE_CHECKING:
    from cloudtel.org import Organization

__all__ = ["colleague_entries", "phone_directory"]


def _directory_numbers(pairs: Iterable[tuple[str, Any]]) -> tuple[DirectoryNumber, ...]:
    return tuple(DirectoryNumber(label=label, number=number) for label, number in pairs)


def colleague_entries(org: Organization) -> tuple[tuple[str, DirectoryEntry], ...]:
    """The colleagues every phone's directory shows, computed once for many phones.

    Users with a line whose directory visibility is not hidden, each with their lines
    (primary line first, then aliases), in the organisation's order.

    Args:
        org: The organisation.

    Returns:
        ``(username, entry)`` per colleague; pass it to :func:`phone_directory` as
        ``colleagues``.
    """
    found: list[tuple[str, DirectoryEntry]] = []
    for user in org.users:
        if not user.lines:
            continue
        visibility = org.resolve_settings(user.username)["directory_visibility"].value
        if visibility is Visibility.HIDDEN:
            continue
        numbers = _directory_numbers(("work", line) for line in user.lines)
        found.append((user.username, DirectoryEntry(name=user.display_name, numbers=numbers)))
    return tuple(found)


def _contact_entries(org: Organization, username: str | None) -> list[DirectoryEntry]:
    if username is not None:
        contacts = [entry.contact for entry in org.contacts.effective(username).ordered()]
    else:
        contacts = list(org.contacts.at(Scope.organization()))
    entries = []
    for contact in contacts:
        preferred = contact.preferred
        phones = sorted(contact.phones, key=lambda p: p is not preferred)
        if phones:
            numbers = _directory_numbers((p.type.value, p.number) for p in phones)
            entries.append(DirectoryEntry(name=contact.name, numbers=numbers))
    return entries


def _sort_key(entry: DirectoryEntry) -> tuple[str, str]:
    return (normalize_search(entry.name), entry.numbers[0].number.e164 if entry.numbers else "")


def phone_directory(
    org: Organization,
    phone: SipPhone,
    *,
    colleagues: Sequence[tuple[str, DirectoryEntry]] | None = None,
) -> Directory:
    """The directory a phone shows: colleagues and the user's effective contact list.

    Colleagues are the organisation's users with a line whose directory visibility is
    not hidden, with their lines (primary line first, then aliases; mobile numbers are
    private and left out); the phone's own user is left out. Contacts are the user's
    effective list (organisation, their groups, their own; hidden ones left out),
    each with all its numbers, the preferred one first; a phone without a user shows
    the organisation's contacts. Entries are sorted by name, ignoring case and
    accents; an entry that is the same name with the same numbers shows once.

    Args:
        org: The organisation.
        phone: The phone.
        colleagues: The colleague entries computed once for many phones
            (:func:`colleague_entries`); computed here when ``None``.

    Returns:
        The directory, titled with the organisation's name.
    """
    everyone = colleague_entries(org) if colleagues is None else colleagues
    entries = [entry for username, entry in everyone if username != phone.user]
    entries.extend(_contact_entries(org, phone.user))
    unique = {(entry.name, entry.numbers): entry for entry in entries}
    return Directory(title=org.name, entries=sorted(unique.values(), key=_sort_key))
