"""Contact lists at three scopes, and every user's effective list with provenance.

Contacts are defined for the whole organisation, for a user group, or for a
single user (the portal's *Services → Lijsten met contactpersonen*). A user's
**effective list** is the organisation's contacts, plus those of every group
they are a member of, plus their own, and every entry says where it came from.

The rules, in the order they are applied:

1. **One person, one entry.** Two contacts are *the same contact* when they have
   the same name (:attr:`Contact.name`, compared case- and space-insensitively)
   and share a phone number (or both have none). The same contact reached
   through several scopes appears once.
2. **The most specific scope wins.** When the same contact is defined at
   several scopes, the entry shows the user's own version, else the version of
   the first of their groups in the organisation's priority order, else the
   organisation's. The entry lists the other scopes in
   :attr:`EffectiveContact.also_from`. So a user's own contact *shadows* an
   inherited one with the same name and number.
3. **Mandatory is sticky.** An entry is mandatory when any of the versions it
   merges is mandatory: a group or a user cannot make an organisation's
   mandatory contact optional by defining it again.
4. **Hiding.** A user can hide an inherited, non-mandatory contact from their
   own list (:meth:`Contacts.hide`); hiding or removing a mandatory one raises
   :class:`~cloudtel.MandatoryContactError`. A user's own contacts are not
   hidden but deleted.
5. **Live.** Effective lists are computed from the current state: deleting a
   contact at a scope removes it from every list that inherited it, and adding
   a user to a group changes their list at once.

The state lives in the :class:`Contacts` part of the organisation
(``org.contacts``) and is saved in the org file under ``[contacts]``.
"""

from __future__ import annotations

import enum
import html
import operator
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence, Set
from functools import lru_cache
from itertools import chain
from typing import TYPE_CHECKING, Any, Self, overload

import attrs

from cloudtel._part import Part
from cloudtel.errors import (
    DuplicateError,
    InvalidValueError,
    MandatoryContactError,
    NotFoundError,
    Problem,
)
from cloudtel.numbers import PhoneNumber, to_number

if TYPE_CHECKING:
    from cloudtel.accounts import Principal

__all__ = [
    "Contact",
    "ContactKind",
    "Contacts",
    "EffectiveContact",
    "EffectiveList",
    "HiddenContact",
    "PhoneEntry",
    "PhoneType",
    "Scope",
    "ScopeKind",
]

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_SHORT = re.compile(r"[0-9*#]{1,10}")
_NOT_DIGIT = re.compile(r"\D")
_BREAK = re.compile("[\r\n\x00]")
_NUMBER_QUERY = re.compile(r"[0-9+\s().\-/]+")


class ContactKind(enum.Enum):
    """The portal's *contact type*: how a contact shows in a user's list."""

    MANDATORY = "mandatory"
    """Users cannot remove it from their list (*Verplichte contactpersonen*)."""
    FAVOURITE = "favourite"
    """Shown among the favourites (*Favoriet*)."""
    EXTERNAL = "external"
    """A plain external contact (*Externe contactpersonen*), the default."""


class PhoneType(enum.Enum):
    """The type of a phone entry; entries are kept in this order."""

    WORK = "work"
    MOBILE = "mobile"
    HOME = "home"
    FAX = "fax"
    OTHER = "other"


_TYPE_ORDER = {kind: index for index, kind in enumerate(PhoneType)}
_set = object.__setattr__  # builds frozen values whose fields are checked already
# Contact's text fields, e-mail and speed dial last (as Contact._of reads them)
_TEXT_FIELDS = (
    "first_name",
    "last_name",
    "company",
    "department",
    "short_name",
    "address",
    "postal_code",
    "city",
    "country",
    "email",
    "speed_dial",
)


def _check_line(_instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str):
        raise InvalidValueError(
            f"{attribute.name} must be text, not {value!r}", field=attribute.name, value=value
        )
    if _BREAK.search(value) is not None:
        raise InvalidValueError(
            f"{attribute.name} {value!r} contains a line break or NUL; it must be one line",
            field=attribute.name,
            value=value,
        )


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _check_short(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    _check_line(_instance, attribute, value)
    if value and _SHORT.fullmatch(value) is None:
        raise InvalidValueError(
            f"{attribute.name} {value!r} must be 1 to 10 digits (and * or #), e.g. '1254'",
            field=attribute.name,
            value=value,
        )


def _check_email(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    _check_line(_instance, attribute, value)
    if value and _EMAIL.fullmatch(value) is None:
        raise InvalidValueError(
            f"e-mail {value!r} is not an address like name@example.com",
            field=attribute.name,
            value=value,
        )


def _phone_type(value: object) -> PhoneType:
    if type(value) is PhoneType:
        return value
    try:
        return PhoneType(value)
    except ValueError:
        allowed = ", ".join(t.value for t in PhoneType)
        raise InvalidValueError(
            f"phone type {value!r} is not one of {allowed}", field="type", value=value
        ) from None


def _contact_kind(value: object) -> ContactKind:
    if type(value) is ContactKind:
        return value
    try:
        return ContactKind(value)
    except ValueError:
        allowed = ", ".join(k.value for k in ContactKind)
        raise InvalidValueError(
            f"contact type {value!r} is not one of {allowed}", field="kind", value=value
        ) from None


def _number(value: PhoneNumber | str) -> PhoneNumber:
    # a PhoneNumber is valid already: do not parse it again
    return value if type(value) is PhoneNumber else to_number(value)


@attrs.frozen(kw_only=True)
class PhoneEntry:
    """One phone number of a contact.

    Args:
        type (PhoneType): Work, mobile, home, fax or other (text is converted).
        number (PhoneNumber): The number; text is read with the default country
            (use :meth:`PhoneNumber.parse` with the organisation's country for
            national notations).
        abbreviated (str): The abbreviated (short) number, 1 to 10 digits, or empty.
        preferred (bool): The preferred number; at most one per contact.
    """

    type: PhoneType = attrs.field(default=PhoneType.WORK, converter=_phone_type)
    number: PhoneNumber = attrs.field(converter=_number)
    abbreviated: str = attrs.field(default="", converter=_strip, validator=_check_short)
    preferred: bool = attrs.field(default=False, validator=attrs.validators.instance_of(bool))

    @classmethod
    def _of(cls, kind: PhoneType, number: PhoneNumber, abbreviated: str, preferred: bool) -> Self:
        """The constructor, without its per-field calls for values that pass them as
        they are (as an import builds them); anything else takes the constructor."""
        if (
            type(kind) is not PhoneType
            or type(number) is not PhoneNumber
            or abbreviated
            or type(preferred) is not bool
        ):
            return cls(type=kind, number=number, abbreviated=abbreviated, preferred=preferred)
        entry = object.__new__(cls)
        _set(entry, "type", kind)
        _set(entry, "number", number)
        _set(entry, "abbreviated", "")
        _set(entry, "preferred", preferred)
        return entry


def _phones(values: Iterable[PhoneEntry]) -> tuple[PhoneEntry, ...]:
    entries = tuple(values)
    for entry in entries:
        if not isinstance(entry, PhoneEntry):
            raise InvalidValueError(
                f"a contact's phones must be PhoneEntry values, not {entry!r}",
                field="phones",
                value=entry,
            )
    if len(entries) < 2:
        return entries
    return tuple(sorted(entries, key=lambda e: _TYPE_ORDER[e.type]))


def _normal(text: str) -> str:
    return " ".join(text.casefold().split())


def _text(**kwargs: Any) -> Any:
    return attrs.field(default="", converter=_strip, validator=_check_line, **kwargs)


@attrs.frozen(kw_only=True)
class Contact:
    """A contact with every field of the portal's *Nieuwe contactpersoon* form.

    Text fields are one line each; surrounding spaces are removed. A contact
    needs a name: a first name, a last name, a company or a short name.

    Args:
        first_name (str): First name (*Voornaam*).
        last_name (str): Last name (*Achternaam*).
        company (str): Company (*Bedrijf*).
        department (str): Department (*Afdeling*).
        short_name (str): Short name (*Korte naam*).
        address (str): Street and number (*Adres*).
        postal_code (str): Postal code (*Postcode*).
        city (str): City (*Plaats*).
        country (str): Country (*Land*), as written.
        email (str): E-mail address.
        speed_dial (str): Speed dial code (*Snelkeuze*), 1 to 10 digits, or empty.
        kind (ContactKind): The contact type: mandatory, favourite or external.
        phones (tuple[PhoneEntry, ...]): The phone numbers, kept in the order of
            :class:`PhoneType` (work first); at most one preferred, no number twice.

    Raises:
        InvalidValueError: A field breaks its rule; the error names the field.
        DuplicateError: The same number is listed twice.
    """

    first_name: str = _text()
    last_name: str = _text()
    company: str = _text()
    department: str = _text()
    short_name: str = _text()
    address: str = _text()
    postal_code: str = _text()
    city: str = _text()
    country: str = _text()
    email: str = attrs.field(default="", converter=_strip, validator=_check_email)
    speed_dial: str = attrs.field(default="", converter=_strip, validator=_check_short)
    kind: ContactKind = attrs.field(default=ContactKind.EXTERNAL, converter=_contact_kind)
    phones: tuple[PhoneEntry, ...] = attrs.field(default=(), converter=_phones)

    @classmethod
    def _of(cls, fields: Mapping[str, Any], phones: tuple[PhoneEntry, ...]) -> Self:
        """``Contact(phones=phones, **fields)`` for text as an import reads it: the
        text fields are checked at once instead of field by field. Anything in
        doubt takes the constructor, which says what is wrong."""
        kind = fields.get("kind", ContactKind.EXTERNAL)
        texts = [fields.get(name, "") for name in _TEXT_FIELDS]
        if type(kind) is ContactKind and all(type(t) is str for t in texts):
            texts = [t.strip() for t in texts]
            email, speed_dial = texts[-2], texts[-1]
            if (
                _BREAK.search("\x1f".join(texts)) is None
                and (not email or _EMAIL.fullmatch(email) is not None)
                and (not speed_dial or _SHORT.fullmatch(speed_dial) is not None)
                and all(type(p) is PhoneEntry for p in phones)
                and len(fields) == len(texts) - texts.count("") + ("kind" in fields)
            ):
                contact = object.__new__(cls)
                for name, text in zip(_TEXT_FIELDS, texts, strict=True):
                    _set(contact, name, text)
                _set(contact, "kind", kind)
                _set(contact, "phones", _phones(phones))
                contact.__attrs_post_init__()
                return contact
        return cls(phones=phones, **fields)

    def __attrs_post_init__(self) -> None:
        if not self.name:
            raise InvalidValueError(
                "a contact needs a name: a first name, last name, company or short name",
                field="last_name",
                value="",
            )
        if len(self.phones) < 2:
            return
        preferred = [e.number.e164 for e in self.phones if e.preferred]
        if len(preferred) > 1:
            raise InvalidValueError(
                f"contact {self.name!r} has {len(preferred)} preferred numbers "
                f"({', '.join(preferred)}); at most one may be preferred",
                field="phones",
                value=preferred,
            )
        seen: set[str] = set()
        for entry in self.phones:
            if entry.number.e164 in seen:
                raise DuplicateError(
                    f"contact {self.name!r} lists number {entry.number.e164} twice",
                    field="phones",
                    value=entry.number.e164,
                )
            seen.add(entry.number.e164)

    @property
    def name(self) -> str:
        """First and last name; else the company; else the short name."""
        full = f"{self.first_name} {self.last_name}".strip()
        return full or self.company or self.short_name

    @property
    def numbers(self) -> tuple[PhoneNumber, ...]:
        """The phone numbers, in the order of the entries."""
        return tuple(e.number for e in self.phones)

    @property
    def preferred(self) -> PhoneEntry | None:
        """The preferred entry, else the first one, else ``None``."""
        for entry in self.phones:
            if entry.preferred:
                return entry
        return self.phones[0] if self.phones else None

    def identity(self) -> tuple[tuple[str, str], ...]:
        """The identity of the contact: ``(normalised name, E.164)`` per number.

        Two contacts are the same contact when they share a key. A contact
        without numbers has the single key ``(name, "")``.
        """
        name = _normal(self.name)
        if not self.phones:
            return ((name, ""),)
        return tuple((name, e.number.e164) for e in self.phones)

    def same_as(self, other: Contact) -> bool:
        """Whether ``other`` is the same person with a same number (see :meth:`identity`)."""
        return not set(self.identity()).isdisjoint(other.identity())


if {a.name for a in attrs.fields(Contact)} != {*_TEXT_FIELDS, "kind", "phones"} or [
    a.name for a in attrs.fields(PhoneEntry)
] != ["type", "number", "abbreviated", "preferred"]:  # pragma: no cover - a field was added
    raise TypeError("Contact._of and PhoneEntry._of must set every field")


class ScopeKind(enum.Enum):
    """Where a contact is defined."""

    ORGANIZATION = "organization"
    GROUP = "group"
    USER = "user"


@attrs.frozen
class Scope:
    """A scope of contacts: the organisation, a user group or a user.

    Build one with :meth:`organization`, :meth:`group`, :meth:`user` or
    :meth:`parse` (``"org"``, ``"group:Sales"``, ``"user:demo.user@orange.be"``).

    Args:
        kind (ScopeKind): Organisation, group or user.
        name (str): The group name or username; empty for the organisation.
    """

    kind: ScopeKind
    name: str = ""

    def __attrs_post_init__(self) -> None:
        if (self.kind is ScopeKind.ORGANIZATION) != (not self.name):
            raise InvalidValueError(
                "the organisation scope has no name; group and user scopes need one",
                field="scope",
                value=str(self.name),
            )

    @classmethod
    def organization(cls) -> Scope:
        """The organisation's scope: contacts for every user."""
        return cls(ScopeKind.ORGANIZATION)

    @classmethod
    def group(cls, name: str) -> Scope:
        """The scope of the user group ``name``."""
        return cls(ScopeKind.GROUP, name)

    @classmethod
    def user(cls, username: str) -> Scope:
        """The scope of one user (stored lower-case)."""
        return cls(ScopeKind.USER, username.strip().lower())

    @classmethod
    def parse(cls, text: str | Scope) -> Scope:
        """Read ``org``/``organization``, ``group:NAME`` or ``user:USERNAME``.

        Raises:
            InvalidValueError: Anything else; the message shows the accepted forms.
        """
        if isinstance(text, Scope):
            return text
        if not isinstance(text, str):
            raise InvalidValueError(f"a scope is text, not {text!r}", field="scope", value=text)
        head, colon, rest = text.strip().partition(":")
        head = head.strip().lower()
        if not colon and head in ("org", "organization", "organisation"):
            return cls.organization()
        if colon and rest.strip() and head == "group":
            return cls.group(rest.strip())
        if colon and rest.strip() and head == "user":
            return cls.user(rest)
        raise InvalidValueError(
            f"scope {text!r} is not one of: org, group:NAME, user:USERNAME",
            field="scope",
            value=text,
        )

    @property
    def label(self) -> str:
        """The scope in words: ``organisation``, ``group Sales``, ``user x@y``."""
        if self.kind is ScopeKind.ORGANIZATION:
            return "organisation"
        return f"{self.kind.value} {self.name}"

    def __str__(self) -> str:
        if self.kind is ScopeKind.ORGANIZATION:
            return "org"
        return f"{self.kind.value}:{self.name}"


_ORG = Scope.organization()


@attrs.frozen(kw_only=True)
class HiddenContact:
    """An inherited contact a user hid from their own list.

    Args:
        name (str): The contact's :attr:`Contact.name`.
        number (PhoneNumber | None): One of its numbers; ``None`` when it has none.
    """

    name: str = attrs.field(validator=_check_line)
    number: PhoneNumber | None = attrs.field(
        default=None, converter=attrs.converters.optional(to_number)
    )

    def key(self) -> tuple[str, str]:
        """The contact key it hides (see :meth:`Contact.identity`)."""
        return (_normal(self.name), "" if self.number is None else self.number.e164)


@attrs.frozen(kw_only=True)
class EffectiveContact:
    """One entry of a user's effective list: a contact and where it came from.

    Args:
        contact (Contact): The version shown (from the most specific scope).
        source (Scope): The scope that version comes from.
        also_from (tuple[Scope, ...]): Other scopes defining the same contact,
            which this entry merges (and, for the user's own, shadows).
        mandatory (bool): Whether any merged version is mandatory.
    """

    contact: Contact
    source: Scope
    also_from: tuple[Scope, ...] = ()
    mandatory: bool = False

    @property
    def kind(self) -> ContactKind:
        """The effective kind: mandatory when any merged version is."""
        return ContactKind.MANDATORY if self.mandatory else self.contact.kind

    @property
    def name(self) -> str:
        """The contact's name."""
        return self.contact.name

    @property
    def inherited(self) -> bool:
        """Whether the entry comes from the organisation or a group."""
        return self.source.kind is not ScopeKind.USER

    @property
    def provenance(self) -> str:
        """Where it came from in words, e.g. ``group Sales (also organisation)``."""
        text = self.source.label
        if self.also_from:
            text += f" (also {', '.join(s.label for s in self.also_from)})"
        return text


@lru_cache(maxsize=65536)
def _number_digits(e164: str) -> tuple[str, str]:
    return e164[1:], _NOT_DIGIT.sub("", PhoneNumber(e164).national)


def _matches(entry: EffectiveContact, needle: str, digits: str) -> bool:
    contact = entry.contact
    if needle:
        for text in (
            contact.name,
            contact.first_name,
            contact.last_name,
            contact.short_name,
            contact.company,
        ):
            if needle in _normal(text):
                return True
    if digits:
        for phone in contact.phones:
            international, national = _number_digits(phone.number.e164)
            if digits in international or digits in national or digits in phone.abbreviated:
                return True
    return False


_KIND_RANK = {ContactKind.MANDATORY: 0, ContactKind.FAVOURITE: 1, ContactKind.EXTERNAL: 2}


_Key = tuple[str, str]


class EffectiveList(Sequence[EffectiveContact]):
    """A user's effective contact list, each entry with its provenance.

    Entries come in scope order: the organisation's, then each group's in the
    organisation's priority order, then the user's own. The list does not copy
    entries: it refers to the entries of each scope, which are shared with
    every other user's list, plus the few changes that are this user's own
    (entries merged, shadowed or hidden). Entries are produced when the list
    is walked or indexed. Build one with :meth:`Contacts.effective`.
    """

    __slots__ = ("_changes", "_entries", "_length", "_segments", "username")

    def __init__(
        self,
        username: str,
        segments: tuple[tuple[EffectiveContact, ...], ...],
        changes: Sequence[Mapping[int, EffectiveContact | None]] = (),
    ) -> None:
        # The entries are the segments one after the other, except that in a
        # segment with changes, entry i is replaced by changes[i], or left out when
        # that is None. No changes: every segment as it is.
        self.username = username
        self._segments = segments
        self._changes = changes
        self._entries: tuple[EffectiveContact, ...] | None = None
        self._length = -1

    def _parts(self) -> list[Sequence[EffectiveContact]]:
        parts: list[Sequence[EffectiveContact]] = []
        for entries, changes in zip(self._segments, self._changes, strict=True):
            if not changes:
                parts.append(entries)
                continue
            start = 0
            for item in sorted(changes):
                if item > start:
                    parts.append(entries[start:item])
                replacement = changes[item]
                if replacement is not None:
                    parts.append((replacement,))
                start = item + 1
            if start < len(entries):
                parts.append(entries[start:])
        return parts

    def __iter__(self) -> Iterator[EffectiveContact]:
        if self._entries is not None:
            return iter(self._entries)
        if not self._changes:
            return chain.from_iterable(self._segments)
        return chain.from_iterable(self._parts())

    def __reversed__(self) -> Iterator[EffectiveContact]:
        return reversed(self._entries if self._entries is not None else tuple(self))

    def __len__(self) -> int:
        if self._length < 0:
            total = sum(len(entries) for entries in self._segments)
            left_out = sum(list(c.values()).count(None) for c in self._changes if c)
            self._length = total - left_out
        return self._length

    @overload
    def __getitem__(self, index: int) -> EffectiveContact: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[EffectiveContact]: ...

    def __getitem__(self, index: int | slice) -> EffectiveContact | Sequence[EffectiveContact]:
        if self._entries is not None:
            return self._entries[index]
        if isinstance(index, slice):
            self._entries = tuple(self)
            return self._entries[index]
        position = operator.index(index)
        if position < 0:
            position += len(self)
        if not 0 <= position < len(self):
            raise IndexError("effective list index out of range")
        changes_of = self._changes or [{}] * len(self._segments)
        for entries, changes in zip(self._segments, changes_of, strict=True):
            if not changes:
                if position < len(entries):
                    return entries[position]
                position -= len(entries)
                continue
            shown = len(entries) - list(changes.values()).count(None)
            if position >= shown:
                position -= shown
                continue
            for item in sorted(changes):
                if item > position:
                    break
                replacement = changes[item]
                if replacement is None:
                    position += 1  # a left-out entry before it shifts it
                elif item == position:
                    return replacement
            return entries[position]
        raise IndexError("effective list index out of range")  # pragma: no cover

    @property
    def contacts(self) -> tuple[Contact, ...]:
        """The contacts shown, in list order."""
        return tuple(entry.contact for entry in self)

    def find(self, text: str) -> tuple[EffectiveContact, ...]:
        """The entries whose name, first/last/short name or company contains ``text``,
        or whose number (international or national digits) or abbreviated number
        contains the digits of ``text``. Case and spaces do not matter.

        Args:
            text (str): E.g. ``"peet"``, ``"Orange"``, ``"0470 12"``, ``"+32 9 247"``.

        Returns:
            The matching entries, in list order; all entries for empty text.
        """
        needle = _normal(text)
        digits = _NOT_DIGIT.sub("", text) if _NUMBER_QUERY.fullmatch(text.strip()) else ""
        if not needle:
            return tuple(self)
        return tuple(entry for entry in self if _matches(entry, needle, digits))

    def ordered(self) -> tuple[EffectiveContact, ...]:
        """The entries as the portal shows them: mandatory, favourites, external; by name."""
        return tuple(sorted(self, key=lambda e: (_KIND_RANK[e.kind], _normal(e.name))))

    def rows(self) -> list[tuple[str, str, str, str, str]]:
        """One row per entry (ordered): name, company, numbers, kind, where it came from."""
        rows = []
        for entry in self.ordered():
            contact = entry.contact
            numbers = ", ".join(
                f"{p.number.international}{' *' if p.preferred else ''} ({p.type.value})"
                for p in contact.phones
            )
            rows.append((entry.name, contact.company, numbers, entry.kind.value, entry.provenance))
        return rows

    def _repr_html_(self) -> str:
        heads = ("Name", "Company", "Numbers", "Kind", "From")
        head = "".join(f"<th>{h}</th>" for h in heads)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
            for row in self.rows()
        )
        caption = html.escape(f"Contacts of {self.username} ({len(self)})")
        return (
            f"<table><caption>{caption}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>"
        )


class _Index:
    """The entries and keys of one scope, shared by every effective list that
    inherits them; rebuilt when the scope's tuple changes."""

    __slots__ = ("contacts", "entries", "item_keys", "keys", "single")

    def __init__(self, scope: Scope, contacts: tuple[Contact, ...]) -> None:
        self.contacts = contacts
        self.entries = tuple(
            EffectiveContact(contact=c, source=scope, mandatory=c.kind is ContactKind.MANDATORY)
            for c in contacts
        )
        self.item_keys = tuple(c.identity() for c in contacts)
        self.keys: dict[_Key, int] = {}
        for index, keys in enumerate(self.item_keys):
            for key in keys:
                self.keys.setdefault(key, index)
        # every contact has one key (one number, or none)
        self.single = all(len(keys) == 1 for keys in self.item_keys)


class _Pair:
    """The keys two scopes share and, when every contact of both has one key, the
    merge: the first scope's entries (merged) and the second's left out."""

    __slots__ = ("common", "drops", "simple", "wins")

    def __init__(self, common: Set[_Key]) -> None:
        self.common = frozenset(common)
        self.wins: dict[int, EffectiveContact | None] = {}
        self.drops: dict[int, EffectiveContact | None] = {}
        self.simple = False


_MERGED_CACHE = 1 << 16
_NO_CONTACTS = _Index(Scope(ScopeKind.USER, "-"), ())


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
    _cache: dict[Scope, _Index] = attrs.field(init=False, factory=dict, eq=False, repr=False)
    _overlaps: dict[tuple[_Index, _Index], _Pair] = attrs.field(
        init=False, factory=dict, eq=False, repr=False
    )
    _merged: dict[tuple[int, ...], tuple[EffectiveContact, tuple[EffectiveContact, ...]]] = (
        attrs.field(init=False, factory=dict, eq=False, repr=False)
    )

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

    def hidden_by(self, username: str) -> tuple[HiddenContact, ...]:
        """The inherited contacts ``username`` hid from their list."""
        return self.hidden.get(username.strip().lower(), ())

    def _index(self, scope: Scope) -> _Index:
        contacts = self._at(scope)
        index = self._cache.get(scope)
        if index is None or index.contacts is not contacts:
            index = _Index(scope, contacts)
            self._cache[scope] = index
            if scope.kind is not ScopeKind.USER:
                self._overlaps.clear()
                self._merged.clear()
        return index

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
        return self._resolve(user.username, own, groups, self._index(_ORG))

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
            lists[user.username] = self._resolve(user.username, own, groups, org)
        return lists

    def find(self, username: str, text: str) -> tuple[EffectiveContact, ...]:
        """Find in a user's effective list (see :meth:`EffectiveList.find`)."""
        return self.effective(username).find(text)

    def _pair(self, first: _Index, second: _Index) -> _Pair:
        """What two scopes share (cached for the organisation's and groups' scopes)."""
        pair = _Pair(first.keys.keys() & second.keys.keys())
        if pair.common and first.single and second.single:
            # each shared key: the first scope's entry shows it, merging the second's
            for key in pair.common:
                item, other = first.keys[key], second.keys[key]
                pair.wins[item] = self._merged_entry(first.entries[item], (second.entries[other],))
                pair.drops[other] = None
            pair.simple = True
        return pair

    def _merged_entry(
        self, entry: EffectiveContact, absorbed: Sequence[EffectiveContact]
    ) -> EffectiveContact:
        """``entry`` merging the same contact of other scopes (shared by all users)."""
        # keyed by the identity of the entries, which the value keeps alive
        key = (id(entry), *map(id, absorbed))
        found = self._merged.get(key)
        if found is None:
            if len(self._merged) >= _MERGED_CACHE:
                self._merged.clear()
            merged = EffectiveContact(
                contact=entry.contact,
                source=entry.source,
                also_from=tuple(e.source for e in absorbed),
                mandatory=entry.mandatory or any(e.mandatory for e in absorbed),
            )
            found = self._merged[key] = (merged, (entry, *absorbed))
        return found[0]

    def _resolve(
        self, username: str, own: _Index, groups: Sequence[_Index], org: _Index
    ) -> EffectiveList:
        # Precedence: own (position 0), groups in priority order, organisation (last).
        indexes = (own, *groups, org)
        last = len(indexes) - 1
        # Only contacts whose keys another of these scopes has too can merge, shadow
        # or be shadowed: find those keys by intersecting the scopes' key sets (the
        # pairs of shared scopes are cached) and leave every other entry as it is.
        overlaps: list[tuple[int, int, _Pair]] = []
        if own.keys:
            mine = own.keys.keys()
            for b in range(1, last + 1):
                if not mine.isdisjoint(indexes[b].keys.keys()):
                    overlaps.append((0, b, self._pair(own, indexes[b])))
        cache = self._overlaps
        for a in range(1, last):
            first = indexes[a]
            if not first.keys:
                continue
            for b in range(a + 1, last + 1):
                both = (first, indexes[b])
                pair = cache.get(both)
                if pair is None:
                    pair = cache[both] = self._pair(first, indexes[b])
                if pair.common:
                    overlaps.append((a, b, pair))
        hides = self.hidden.get(username, ())
        if not overlaps and not hides:
            return EffectiveList(username, tuple(i.entries for i in (org, *groups, own) if i.keys))
        changes: list[dict[int, EffectiveContact | None]] = [{} for _ in indexes]
        claimed: dict[_Key, tuple[int, int]] = {}
        if all(pair.simple for _, _, pair in overlaps):
            commons = [pair.common for _, _, pair in overlaps]
            if len(commons) < 2 or sum(map(len, commons)) == len(frozenset().union(*commons)):
                # no key is in more than two of these scopes: the pairs' merges apply
                for a, b, pair in overlaps:
                    changes[a].update(pair.wins)
                    changes[b].update(pair.drops)
            else:
                self._merge_single(indexes, overlaps, changes)
        else:
            claimed = self._merge(indexes, overlaps, changes)
        for hide in hides:
            key = hide.key()
            found = claimed.get(key)
            if found is None:
                # a key no other scope shares shows the first scope's entry that has it
                for position in range(last + 1):
                    item = indexes[position].keys.get(key)
                    if item is not None:
                        found = (position, item)
                        break
            if found is None or found[0] == 0:
                continue  # lapsed, or the user's own
            current = changes[found[0]].get(found[1], indexes[found[0]].entries[found[1]])
            if current is not None and not current.mandatory:
                changes[found[0]][found[1]] = None
        order = [p for p in (last, *range(1, last), 0) if indexes[p].keys]
        return EffectiveList(
            username, tuple(indexes[p].entries for p in order), [changes[p] for p in order]
        )

    def _merge_single(
        self,
        indexes: Sequence[_Index],
        overlaps: Iterable[tuple[int, int, _Pair]],
        changes: Sequence[dict[int, EffectiveContact | None]],
    ) -> None:
        """Merge entries when every contact concerned has one key: each shared key
        shows the entry of the first scope that has it, merging the others."""
        holders: dict[_Key, list[int]] = {}
        for a, b, pair in overlaps:
            for key in pair.common:
                found = holders.get(key)
                if found is None:
                    holders[key] = [a, b]
                else:
                    if a not in found:
                        found.append(a)
                    if b not in found:
                        found.append(b)
        for key, positions in holders.items():
            positions.sort()
            absorbed = []
            for position in positions[1:]:
                index = indexes[position]
                item = index.keys[key]
                absorbed.append(index.entries[item])
                changes[position][item] = None
            winner = indexes[positions[0]]
            item = winner.keys[key]
            changes[positions[0]][item] = self._merged_entry(winner.entries[item], absorbed)

    def _merge(
        self,
        indexes: Sequence[_Index],
        overlaps: Iterable[tuple[int, int, _Pair]],
        changes: Sequence[dict[int, EffectiveContact | None]],
    ) -> dict[_Key, tuple[int, int]]:
        """Merge entries in scope order: an entry that has a key an earlier scope's
        entry shows merges into that entry, which then shows all its keys too."""
        shared: list[set[_Key]] = [set() for _ in indexes]
        for a, b, pair in overlaps:
            shared[a].update(pair.common)
            shared[b].update(pair.common)
        last = len(indexes) - 1
        claimed: dict[_Key, tuple[int, int]] = {}
        merged: dict[tuple[int, int], list[EffectiveContact]] = {}
        for position, index in enumerate(indexes):
            here = shared[position]
            if not here:
                continue
            first_item = index.keys
            involved = sorted({first_item[key] for key in here})
            keys = [(key, first_item[key]) for item in involved for key in index.item_keys[item]]
            dropped: set[int] = set()
            if claimed:
                for key, item in [(key, item) for key, item in keys if key in claimed]:
                    if item in dropped:
                        continue
                    dropped.add(item)
                    changes[position][item] = None
                    winner = claimed[key]
                    merged.setdefault(winner, []).append(index.entries[item])
                    if position != last:
                        for other in index.item_keys[item]:
                            claimed.setdefault(other, winner)
            if position != last:
                for key, item in keys:
                    if item not in dropped:
                        claimed.setdefault(key, (position, item))
        for (position, item), absorbed in merged.items():
            entry = indexes[position].entries[item]
            changes[position][item] = self._merged_entry(entry, absorbed)
        return claimed

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
        from cloudtel.accounts import require_admin_view, require_self_or_admin_view  # noqa: PLC0415

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
            from cloudtel.accounts import require_self_or_admin_view  # noqa: PLC0415

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

    # --- part hooks ------------------------------------------------------------

    def forget_user(self, username: str) -> None:
        """Drop the user's own contacts and hides."""
        self.users.pop(username, None)
        self.hidden.pop(username, None)

    def forget_group(self, name: str) -> None:
        """Drop the group's contacts."""
        self.groups.pop(name, None)

    def rename_user(self, old: str, new: str) -> None:
        """Move the user's contacts and hides to the new username."""
        if old in self.users:
            self.users[new] = self.users.pop(old)
        if old in self.hidden:
            self.hidden[new] = self.hidden.pop(old)

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
                for key in contact.identity():
                    if key in seen and seen[key] != position:
                        yield Problem(
                            f"{path}[{position}]",
                            f"{contact.name!r} is the same contact as {path}[{seen[key]}] "
                            f"(same name and number {key[1] or '(none)'})",
                        )
                        break
                    seen[key] = position
