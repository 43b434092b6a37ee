"""A phone's directory: the colleagues and contacts it shows, built from the organisation.

:func:`phone_directory` gives the :class:`~cloudtel.devices.Directory` of one phone:
the organisation's users with a line (unless their directory visibility is hidden)
and the phone user's effective contact list, sorted by name ignoring case and accents.

Provisioning does not write that per phone (its size is the organisation's, so the
folder would grow with phones × users). :class:`SharedDirectories` splits it:

- one **shared directory** for the whole organisation, holding only what every phone
  may show: every colleague with a line (the phone's own user included) and the
  organisation's contacts that no user hid (a user may hide an inherited contact for
  himself; the shared file cannot hide it for one phone only);
- for a user whose effective contact list differs from those shared contacts (contacts
  of their groups, their own, or organisation contacts another user hid), a small
  **contacts directory** with just that list. Its name is derived from its content, so
  the users of one group combination without contacts of their own share one file (one
  per scope); a user who hid a contact gets their own list, without it.

No I/O.
"""

from __future__ import annotations

import hashlib
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
from cloudtel.users import SETTING_DEFAULTS, Visibility

if TYPE_CHECKING:
    from cloudtel.org import Organization

__all__ = ["SHARED_DIRECTORY", "SharedDirectories", "colleague_entries", "phone_directory"]

SHARED_DIRECTORY = "directory/org"
"""The name (before the family prefix) of the organisation's shared directory."""


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
    # The visibility resolved as Organization.resolve_settings does (user, their groups
    # in priority order, the organisation, the default), for this one setting only.
    group_values = {
        g.name: g.settings.directory_visibility
        for g in org.groups
        if g.settings.directory_visibility is not None
    }
    ranked = [name for name in (g.name for g in org.groups) if name in group_values]
    fallback = org.settings.directory_visibility or Visibility(
        SETTING_DEFAULTS["directory_visibility"]
    )
    for user in org.users:
        if not user.lines:
            continue
        visibility = user.settings.directory_visibility
        if visibility is None:
            mine = user.groups
            visibility = next((group_values[name] for name in ranked if name in mine), fallback)
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


def _entry_key(entry: DirectoryEntry) -> str:
    numbers = ",".join(f"{n.label}={n.number.e164}" for n in entry.numbers)
    return f"{entry.name}\t{numbers}"


def _sorted_unique(entries: Iterable[DirectoryEntry]) -> tuple[DirectoryEntry, ...]:
    unique = {(entry.name, entry.numbers): entry for entry in entries}
    return tuple(sorted(unique.values(), key=_sort_key))


class SharedDirectories:
    """The organisation's shared directory and each user's contacts where they differ.

    Built once for a provisioning run; :meth:`contacts_of` is then cheap for a user
    whose contact list is the organisation's (nothing of their groups, nothing of
    their own, nothing hidden).

    Args:
        org: The organisation.
    """

    def __init__(self, org: Organization) -> None:
        self.org = org
        contacts = org.contacts
        org_entries = _sorted_unique(_contact_entries(org, None))
        # An organisation contact a user hid is not for every phone: it leaves the
        # shared directory and goes into the contacts file of every user who shows it.
        users = {user.username for user in org.users}
        withheld: set[tuple[str, tuple[DirectoryNumber, ...]]] = set()
        for username, hides in contacts.hidden.items():
            if hides and username in users:
                shown = {(e.name, e.numbers) for e in _contact_entries(org, username)}
                withheld.update(
                    k for k in ((e.name, e.numbers) for e in org_entries) if k not in shown
                )
        self._withheld = bool(withheld)
        self._org_contacts = tuple(e for e in org_entries if (e.name, e.numbers) not in withheld)
        self.shared = Directory(
            title=org.name,
            entries=_sorted_unique(
                [entry for _user, entry in colleague_entries(org)] + list(self._org_contacts)
            ),
            name=SHARED_DIRECTORY,
        )
        self._groups_with_contacts = {name for name, found in contacts.groups.items() if found}
        self._cache: dict[tuple[str, ...], Directory | None] = {}
        self._by_groups: dict[tuple[str, ...], Directory | None] = {}

    def contacts_of(self, username: str | None) -> Directory | None:
        """The user's own contacts directory, or ``None`` when the shared one has them all.

        Args:
            username: The phone's user (``None``: a phone without a user).

        Returns:
            A :class:`~cloudtel.devices.Directory` titled "Contacts" listing the user's
            effective contact list (a phone without a user: the organisation's
            contacts), named ``directory/contacts-<digest of its entries>``; ``None``
            when the shared directory holds that list.
        """
        if username is None:  # the organisation's contacts, as a user without groups
            if not self._withheld:
                return None
            if ("",) not in self._by_groups:
                self._by_groups[("",)] = self._directory(None)
            return self._by_groups[("",)]
        contacts = self.org.contacts
        user = self.org.user(username)
        groups = tuple(g for g in user.groups if g in self._groups_with_contacts)
        personal = bool(contacts.users.get(user.username) or contacts.hidden_by(user.username))
        if not groups and not personal and not self._withheld:
            return None
        if not personal:  # the list is the organisation's and these groups': once per set
            scope = ("", *sorted(groups))
            if scope not in self._by_groups:
                self._by_groups[scope] = self._directory(user.username)
            return self._by_groups[scope]
        return self._directory(user.username)

    def _directory(self, username: str | None) -> Directory | None:
        entries = _sorted_unique(_contact_entries(self.org, username))
        if entries == self._org_contacts:
            return None
        key = tuple(_entry_key(entry) for entry in entries)
        if key not in self._cache:
            digest = hashlib.sha256("\n".join(key).encode()).hexdigest()[:16]
            self._cache[key] = Directory(
                title="Contacts", entries=entries, name=f"directory/contacts-{digest}"
            )
        return self._cache[key]
