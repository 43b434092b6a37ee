"""The contact lists of an organisation: the :class:`Contacts` part (``org.contacts``).

Contacts are defined for the whole organisation, for a user group, or for a
single user (the portal's *Services → Lijsten met contactpersonen*). This part
holds the contacts of each scope and the contacts each user hid; its methods
add, change, remove and hide contacts under the rules of
:mod:`cloudtel.contacts.resolution` and answer every user's effective list.

The state is saved in the org file under ``[contacts]``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from cloudtel import _html
from cloudtel._part import Part, Reference
from cloudtel.access import Principal, require_admin_view, require_self_or_admin_view
from cloudtel.contacts.model import (
    Contact,
    ContactKind,
    HiddenContact,
    PhoneEntry,
    PhoneType,
    Scope,
    ScopeKind,
)
from cloudtel.contacts.resolution import (
    _NO_CONTACTS,
    EffectiveContact,
    EffectiveList,
    _Index,
    _Key,
    _Resolver,
)
from cloudtel.errors import (
    DuplicateError,
    InvalidValueError,
    MandatoryContactError,
    NotFoundError,
    Problem,
)
from cloudtel.numbers import PhoneNumber

__all__ = ["Contacts"]

_ORG = Scope.organization()


def _contact_tuple(value: Iterable[Contact]) -> tuple[Contact, ...]:
    return tuple(value)


def _scope_dict(value: Mapping[str, Iterable[Any]]) -> dict[str, tuple[Any, ...]]:
    return {name: tuple(items) for name, items in value.items()}


@attrs.define(eq=True)
class Contacts(Part):
    """The contact lists of an organisation: ``org.contacts``.

    Read the saved state from the fields; change it through the methods, which
    check the rules and keep every effective list current.

    Args:
        organization (tuple[Contact, ...]): The organisation's contacts.
        groups (dict[str, tuple[Contact, ...]]): Each group's contacts, by group name.
        users (dict[str, tuple[Contact, ...]]): Each user's own contacts, by username.
        hidden (dict[str, tuple[HiddenContact, ...]]): Inherited contacts each
            user hid, by username.
    """

    organization: tuple[Contact, ...] = attrs.field(default=(), converter=_contact_tuple)
    groups: dict[str, tuple[Contact, ...]] = attrs.field(factory=dict, converter=_scope_dict)
    users: dict[str, tuple[Contact, ...]] = attrs.field(factory=dict, converter=_scope_dict)
    hidden: dict[str, tuple[HiddenContact, ...]] = attrs.field(factory=dict, converter=_scope_dict)
    _resolver: _Resolver = attrs.field(init=False, factory=_Resolver, eq=False, repr=False)

    # --- reading -------------------------------------------------------------

    def at(self, scope: Scope | str) -> tuple[Contact, ...]:
        """The contacts defined at ``scope`` (not inherited ones).

        Args:
            scope (Scope | str): A :class:`Scope` or ``"org"``, ``"group:NAME"``, ``"user:NAME"``.

        Raises:
            NotFoundError: The organisation has no such group or user.
        """
        return self._at(self._checked_scope(scope))

    def _at(self, scope: Scope) -> tuple[Contact, ...]:
        if scope.kind is ScopeKind.ORGANIZATION:
            return self.organization
        if scope.kind is ScopeKind.GROUP:
            return self.groups.get(scope.name, ())
        return self.users.get(scope.name, ())

    def scopes(self) -> list[Scope]:
        """The scopes that hold contacts: the organisation, groups, users."""
        found = [_ORG] if self.organization else []
        found += [Scope.group(name) for name, items in self.groups.items() if items]
        found += [Scope.user(name) for name, items in self.users.items() if items]
        return found

    # --- looking at them --------------------------------------------------------

    _COLUMNS = ("scope", "name", "company", "kind", "numbers", "email", "speed_dial")

    def to_records(self) -> list[dict[str, object]]:
        """One plain ``dict`` per contact of every scope (the organisation's, then each
        group's and user's), with its ``scope`` (``org``, ``group:Sales``, ``user:…``)."""
        records = []
        for scope in self.scopes():
            for contact in self._at(scope):
                record = contact.to_record()
                records.append(
                    {"scope": str(scope), "name": contact.name}
                    | {name: record[name] for name in self._COLUMNS[2:]}
                )
        return records

    def to_pandas(self) -> Any:
        """Every contact as a :class:`pandas.DataFrame` (needs the ``pandas`` extra)."""
        return _html.records_to_pandas(self.to_records(), self._COLUMNS)

    def __str__(self) -> str:
        counts = [f"{scope}: {len(self._at(scope))}" for scope in self.scopes()]
        return f"contact lists ({', '.join(counts) or 'none'})"

    def __repr__(self) -> str:
        return f"<Contacts {self}>"

    def _repr_html_(self) -> str:
        records = self.to_records()
        caption = f"{len(records)} contacts in {len(self.scopes())} lists"
        return _html.table(records, caption=caption, columns=self._COLUMNS, empty="no contacts")

    def hidden_by(self, username: str) -> tuple[HiddenContact, ...]:
        """The inherited contacts ``username`` hid from their list."""
        return self.hidden.get(username.strip().lower(), ())

    def _index(self, scope: Scope) -> _Index:
        return self._resolver.index(scope, self._at(scope))

    def _own_index(self, username: str) -> _Index:
        if not self.users.get(username):
            return _NO_CONTACTS
        return self._index(Scope(ScopeKind.USER, username))

    # --- effective lists ------------------------------------------------------

    def effective(self, username: str) -> EffectiveList:
        """The effective list of a user: organisation + their groups + their own.

        Args:
            username (str): The user.

        Raises:
            NotFoundError: No such user in the organisation.
        """
        user = self.org.user(username)
        groups = [self._index(Scope.group(g.name)) for g in self.org.groups_of(user.username)]
        own = self._own_index(user.username)
        hides = self.hidden.get(user.username, ())
        return self._resolver.resolve(user.username, own, groups, self._index(_ORG), hides)

    def effective_lists(self) -> dict[str, EffectiveList]:
        """The effective list of every user of the organisation, by username.

        The scopes' entries are prepared once and shared; each user's list
        costs a few set operations (see :class:`EffectiveList`).
        """
        order = {g.name: i for i, g in enumerate(self.org.groups)}
        indexes = {name: self._index(Scope.group(name)) for name in order}
        org = self._index(_ORG)
        rank = order.get
        unknown = len(order)
        lists = {}
        for user in self.org.users:
            names = user.groups
            if len(names) > 1:
                names = tuple(sorted(names, key=lambda g: rank(g, unknown)))
            groups = [
                indexes[name] if name in indexes else self._index(Scope.group(name))
                for name in names
            ]
            own = self._own_index(user.username)
            hides = self.hidden.get(user.username, ())
            lists[user.username] = self._resolver.resolve(user.username, own, groups, org, hides)
        return lists

    def find(self, username: str, text: str) -> tuple[EffectiveContact, ...]:
        """Find in a user's effective list (see :meth:`EffectiveList.find`)."""
        return self.effective(username).find(text)

    # --- changing -------------------------------------------------------------

    def _checked_scope(self, scope: Scope | str) -> Scope:
        scope = Scope.parse(scope)
        if self._org is not None:
            if scope.kind is ScopeKind.GROUP:
                self.org.group(scope.name)
            elif scope.kind is ScopeKind.USER:
                scope = Scope.user(self.org.user(scope.name).username)
        return scope

    def _store(self, scope: Scope, contacts: tuple[Contact, ...]) -> None:
        if scope.kind is ScopeKind.ORGANIZATION:
            self.organization = contacts
            return
        table = self.groups if scope.kind is ScopeKind.GROUP else self.users
        if contacts:
            table[scope.name] = contacts
        else:
            table.pop(scope.name, None)

    def _authorise(self, scope: Scope, by: Principal | None, action: str, mandatory: bool) -> None:
        """Check that ``by`` may do ``action`` at ``scope``; ``None`` is the administrator."""
        if by is None:
            return
        if scope.kind is ScopeKind.USER and scope.name == by.username and not by.in_admin_view:
            require_self_or_admin_view(by, scope.name, action=action)
            if mandatory:
                raise MandatoryContactError(
                    f"{action} is refused: it is a mandatory contact, which only an "
                    "administrator can change",
                    user=by.username,
                )
            return
        require_admin_view(by, action=action)

    def add(self, scope: Scope | str, contact: Contact, *, by: Principal | None = None) -> Contact:
        """Add a contact at a scope.

        Args:
            scope (Scope | str): Where: the organisation, a group or a user.
            contact (Contact): The new contact.
            by (Principal | None): Who acts; ``None`` for the administrator's own
                script. A user without the admin view may only add plain or favourite
                contacts to their own list.

        Raises:
            DuplicateError: The scope has the same contact (same name and number) already.
            NotFoundError: The group or user does not exist.
            AccessDeniedError: ``by`` may not change this scope.
        """
        scope = self._checked_scope(scope)
        self._authorise(
            scope, by, f"adding {contact.name!r}", contact.kind is ContactKind.MANDATORY
        )
        index = self._index(scope)
        for key in contact.identity():
            if key in index.keys:
                raise DuplicateError(
                    f"{scope.label} has contact {contact.name!r} with number "
                    f"{key[1] or '(none)'} already; update it instead",
                    field="phones",
                    value=key[1],
                )
        self._store(scope, (*index.contacts, contact))
        return contact

    def _locate(self, scope: Scope, contact: Contact) -> int:
        items = self.at(scope)
        for position, item in enumerate(items):
            if item == contact:
                return position
        index = self._index(scope)
        for key in contact.identity():
            if key in index.keys:
                return index.keys[key]
        raise NotFoundError(
            f"{scope.label} has no contact {contact.name!r} with those numbers",
            kind="contact",
            name=contact.name,
        )

    def replace(
        self, scope: Scope | str, old: Contact, new: Contact, *, by: Principal | None = None
    ) -> Contact:
        """Replace a contact at a scope by a new version.

        Raises:
            NotFoundError: ``old`` is not at the scope.
            DuplicateError: ``new`` would be the same contact as another one there.
            AccessDeniedError: ``by`` may not change this scope.
            MandatoryContactError: A user changes a mandatory contact of their own.
        """
        scope = self._checked_scope(scope)
        position = self._locate(scope, old)
        items = list(self.at(scope))
        mandatory = ContactKind.MANDATORY in (items[position].kind, new.kind)
        self._authorise(scope, by, f"changing {old.name!r}", mandatory)
        for other, item in enumerate(items):
            if other != position and item.same_as(new):
                raise DuplicateError(
                    f"{scope.label} has contact {item.name!r} with one of these numbers already",
                    field="phones",
                    value=new.name,
                )
        items[position] = new
        self._store(scope, tuple(items))
        return new

    def update(
        self, scope: Scope | str, contact: Contact, *, by: Principal | None = None, **changes: Any
    ) -> Contact:
        """Change fields of a contact at a scope (``attrs.evolve``); see :meth:`replace`."""
        scope = self._checked_scope(scope)
        current = self.at(scope)[self._locate(scope, contact)]
        return self.replace(scope, current, attrs.evolve(current, **changes), by=by)

    def remove(
        self, scope: Scope | str, contact: Contact, *, by: Principal | None = None
    ) -> Contact:
        """Delete a contact at a scope: it leaves every effective list that inherited it.

        An administrator may delete any contact, mandatory ones too. A user
        acting on their own list uses :meth:`remove_from_list`.

        Raises:
            NotFoundError: The contact is not at the scope.
            AccessDeniedError: ``by`` may not change this scope.
            MandatoryContactError: A user (no admin view) deletes a mandatory contact.
        """
        scope = self._checked_scope(scope)
        position = self._locate(scope, contact)
        items = list(self.at(scope))
        removed = items.pop(position)
        self._authorise(
            scope, by, f"removing {removed.name!r}", removed.kind is ContactKind.MANDATORY
        )
        self._store(scope, tuple(items))
        self._drop_lapsed_hides(removed)
        return removed

    def remove_from_list(
        self, username: str, contact: Contact, *, by: Principal | None = None
    ) -> None:
        """What a user's *remove* does on their own list: delete their own contact,
        hide an inherited one.

        Raises:
            MandatoryContactError: The entry is mandatory (own or inherited).
            NotFoundError: The contact is not in the user's effective list.
        """
        entry = self._entry(username, contact)
        if entry.mandatory:
            raise MandatoryContactError(
                f"{entry.name!r} is a mandatory contact (from {entry.provenance}); "
                f"it cannot be removed from the list of {username}",
                user=username,
                contact=entry.name,
            )
        if entry.inherited:
            self.hide(username, entry.contact, by=by)
        else:
            self.remove(entry.source, entry.contact, by=by)

    def _entry(self, username: str, contact: Contact) -> EffectiveContact:
        effective = self.effective(username)
        keys = set(contact.identity())
        for entry in effective:
            if entry.contact == contact:
                return entry
        for entry in effective:
            if not keys.isdisjoint(entry.contact.identity()):
                return entry
        raise NotFoundError(
            f"{contact.name!r} is not in the contact list of {username}",
            kind="contact",
            name=contact.name,
        )

    def hide(self, username: str, contact: Contact, *, by: Principal | None = None) -> None:
        """Hide an inherited, non-mandatory contact from one user's list.

        Args:
            username (str): Whose list.
            contact (Contact): The inherited contact (as in the effective list).
            by (Principal | None): Who acts: the user or an administrator in the admin view.

        Raises:
            MandatoryContactError: The contact is mandatory; nobody can hide it.
            InvalidValueError: It is the user's own contact: delete it instead.
            NotFoundError: It is not in the user's effective list.
        """
        user = self.org.user(username).username
        if by is not None:
            require_self_or_admin_view(by, user, action=f"hiding {contact.name!r}")
        entry = self._entry(user, contact)
        if entry.mandatory:
            raise MandatoryContactError(
                f"{entry.name!r} is a mandatory contact (from {entry.provenance}); "
                f"it cannot be hidden from the list of {user}",
                user=user,
                contact=entry.name,
            )
        if not entry.inherited:
            raise InvalidValueError(
                f"{entry.name!r} is {user}'s own contact: delete it instead of hiding it",
                user=user,
                contact=entry.name,
            )
        e164 = entry.contact.identity()[0][1]
        hidden = HiddenContact(name=entry.contact.name, number=PhoneNumber(e164) if e164 else None)
        current = self.hidden.get(user, ())
        if hidden.key() not in {h.key() for h in current}:
            self.hidden[user] = (*current, hidden)

    def unhide(self, username: str, contact: Contact) -> bool:
        """Show a hidden inherited contact again; ``True`` when it was hidden."""
        user = self.org.user(username).username
        keys = set(contact.identity())
        current = self.hidden.get(user, ())
        kept = tuple(h for h in current if h.key() not in keys)
        if kept:
            self.hidden[user] = kept
        else:
            self.hidden.pop(user, None)
        return len(kept) != len(current)

    def _drop_lapsed_hides(self, removed: Contact) -> None:
        keys = set(removed.identity())
        if not self.hidden or not any(
            h.key() in keys for items in self.hidden.values() for h in items
        ):
            return
        held = set(self._index(_ORG).keys)
        for name in self.groups:
            held.update(self._index(Scope.group(name)).keys)
        for user, items in list(self.hidden.items()):
            kept = tuple(h for h in items if h.key() not in keys or h.key() in held)
            if kept:
                self.hidden[user] = kept
            else:
                del self.hidden[user]

    def set_contacts(self, scope: Scope | str, contacts: Iterable[Contact]) -> None:
        """Replace all contacts of a scope at once (used by imports).

        Raises:
            DuplicateError: Two of them are the same contact.
            NotFoundError: The group or user does not exist.
        """
        items = tuple(contacts)
        self._set_contacts(scope, items, [contact.identity() for contact in items])

    def _set_contacts(
        self,
        scope: Scope | str,
        items: tuple[Contact, ...],
        identities: Sequence[tuple[_Key, ...]],
    ) -> None:
        """:meth:`set_contacts` with each contact's :meth:`Contact.identity` known."""
        scope = self._checked_scope(scope)
        seen: dict[tuple[str, str], Contact] = {}
        for contact, keys in zip(items, identities, strict=True):
            for key in keys:
                if key in seen and seen[key] is not contact:
                    raise DuplicateError(
                        f"contacts {seen[key].name!r} and {contact.name!r} are the same contact "
                        f"(same name and number {key[1] or '(none)'}) in {scope.label}",
                        field="phones",
                        value=key[1],
                    )
                seen[key] = contact
        self._store(scope, items)

    # --- colleagues: contacts by reference ---------------------------------------

    def _colleague_fields(self, username: str) -> dict[str, Any]:
        user = self.org.user(username)
        phones: dict[str, PhoneEntry] = {}
        for number in user.lines:
            phones.setdefault(number.e164, PhoneEntry(type=PhoneType.WORK, number=number))
        for mobile in user.mobile_phones:
            entry = PhoneEntry(type=PhoneType.MOBILE, number=mobile.number)
            phones.setdefault(mobile.number.e164, entry)
        named = bool(user.first_name or user.last_name)
        return {
            "first_name": user.first_name,
            "last_name": user.last_name if named else user.username,
            "department": user.department,
            "email": user.email,
            "phones": tuple(phones.values()),
            "colleague": user.username,
        }

    def colleague(self, username: str, *, kind: ContactKind = ContactKind.FAVOURITE) -> Contact:
        """A contact that stands for a colleague (by reference), not added anywhere yet.

        Its names, department, e-mail, lines (work numbers) and mobiles are the user's;
        they follow the user from then on.

        Args:
            username (str): The colleague, a user of the organisation.
            kind (ContactKind): Mandatory, favourite (the default) or external.

        Raises:
            NotFoundError: No such user.
        """
        return Contact(kind=kind, **self._colleague_fields(username))

    def add_colleague(
        self,
        scope: Scope | str,
        username: str,
        *,
        kind: ContactKind = ContactKind.FAVOURITE,
        by: Principal | None = None,
    ) -> Contact:
        """Make a colleague a contact at a scope, by reference (see :meth:`colleague`).

        When the user changes, the contact follows; renamed, it is renamed; removed,
        it is removed.

        Raises:
            NotFoundError: No such user, or no such group or user scope.
            DuplicateError: The scope has this contact already.
            AccessDeniedError: ``by`` may not change this scope.
        """
        return self.add(scope, self.colleague(username, kind=kind), by=by)

    def _all_scopes(self) -> list[Scope]:
        return [
            _ORG,
            *(Scope.group(name) for name in self.groups),
            *(Scope(ScopeKind.USER, name) for name in self.users),
        ]

    def _rewrite_colleagues(self, username: str, change: Any) -> None:
        """Apply ``change`` (contact → contact or None) to the contacts for ``username``."""
        for scope in self._all_scopes():
            items = self._at(scope)
            if not any(c.colleague == username for c in items):
                continue
            changed = [change(c) if c.colleague == username else c for c in items]
            self._store(scope, tuple(c for c in changed if c is not None))
            for old in items:
                if old.colleague == username and old not in changed:
                    self._drop_lapsed_hides(old)

    def _refreshed(self, contact: Contact) -> Contact:
        fields = self._colleague_fields(contact.colleague)
        preferred = {e.number for e in contact.phones if e.preferred}
        fields["phones"] = tuple(
            attrs.evolve(e, preferred=e.number in preferred) for e in fields["phones"]
        )
        return attrs.evolve(contact, **fields)

    # --- part hooks ------------------------------------------------------------

    def forget_user(self, username: str) -> None:
        """Drop the user's own contacts and hides, and the contacts that stand for them."""
        self.users.pop(username, None)
        self.hidden.pop(username, None)
        self._rewrite_colleagues(username, lambda _contact: None)

    def forget_group(self, name: str) -> None:
        """Drop the group's contacts."""
        self.groups.pop(name, None)

    def rename_user(self, old: str, new: str) -> None:
        """Move the user's contacts and hides to the new username; contacts that stand
        for the user follow."""
        if old in self.users:
            self.users[new] = self.users.pop(old)
        if old in self.hidden:
            self.hidden[new] = self.hidden.pop(old)
        self._rewrite_colleagues(old, lambda contact: attrs.evolve(contact, colleague=new))

    def user_changed(self, username: str) -> None:
        """Refresh the contacts that stand for the user (names, e-mail, numbers)."""
        self._rewrite_colleagues(username, self._refreshed)

    def references(self) -> Iterable[Reference]:
        """Contacts that stand for a colleague; removed with the colleague."""
        for scope in self._all_scopes():
            for contact in self._at(scope):
                if contact.colleague:
                    yield Reference(
                        "user",
                        contact.colleague,
                        f"contact {contact.name!r} of {scope.label}",
                        blocks_deletion=False,
                    )

    def rename_group(self, old: str, new: str) -> None:
        """Move the group's contacts to the new name."""
        if old in self.groups:
            self.groups[new] = self.groups.pop(old)

    def problems(self) -> Iterable[Problem]:
        """Contacts of unknown groups or users, and the same contact twice in a scope."""
        org = self.org
        for name in self.groups:
            if name not in {g.name for g in org.groups}:
                yield Problem(f"contacts.groups.{name}", f"there is no user group {name!r}")
        for table_name, table in (("users", self.users), ("hidden", self.hidden)):
            for name in table:
                if not org.has_user(name) or org.user(name).username != name:
                    yield Problem(f"contacts.{table_name}.{name}", f"there is no user {name!r}")
        scopes = [(_ORG, "contacts.organization")]
        scopes += [(Scope.group(n), f"contacts.groups.{n}") for n in self.groups]
        scopes += [(Scope.user(n), f"contacts.users.{n}") for n in self.users]
        for scope, path in scopes:
            seen: dict[tuple[str, str], int] = {}
            for position, contact in enumerate(self._at(scope)):
                if contact.colleague and not org.has_user(contact.colleague):
                    yield Problem(
                        f"{path}[{position}].colleague",
                        f"contact {contact.name!r} stands for {contact.colleague!r}, who is "
                        "not a user of the organisation",
                    )
                for key in contact.identity():
                    if key in seen and seen[key] != position:
                        yield Problem(
                            f"{path}[{position}]",
                            f"{contact.name!r} is the same contact as {path}[{seen[key]}] "
                            f"(same name and number {key[1] or '(none)'})",
                        )
                        break
                    seen[key] = position
