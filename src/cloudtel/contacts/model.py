"""The contact values: a contact with its phone entries, the scopes, hidden contacts.

A :class:`Contact` carries every field of the portal's *Nieuwe contactpersoon*
form and its :class:`PhoneEntry` values; a :class:`Scope` says where contacts
are defined (the organisation, a user group or a user); a :class:`HiddenContact`
is an inherited contact a user hid from their list. Two contacts are the same
contact when they share a key of :meth:`Contact.identity`.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from typing import Any, Self

import attrs

from cloudtel import _html
from cloudtel._enums import to_member
from cloudtel._items import as_items
from cloudtel._text import check_line, unsafe_in_line
from cloudtel.errors import DuplicateError, InvalidValueError
from cloudtel.numbers import PhoneNumber, to_number

__all__ = [
    "Contact",
    "ContactKind",
    "HiddenContact",
    "PhoneEntry",
    "PhoneType",
    "Scope",
    "ScopeKind",
]

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_SHORT = re.compile(r"[0-9*#]{1,10}")


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
    check_line(value, attribute.name)


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
    return to_member(PhoneType, value, field="type", what="phone type")


def _contact_kind(value: object) -> ContactKind:
    if type(value) is ContactKind:
        return value
    return to_member(ContactKind, value, field="kind", what="contact type")


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


def _phones(values: Iterable[PhoneEntry] | PhoneEntry) -> tuple[PhoneEntry, ...]:
    entries = as_items(values, "phones")
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


def _colleague(value: object) -> str:
    if not isinstance(value, str) or unsafe_in_line(value) is not None:
        raise InvalidValueError(
            f"colleague must be a username, one line of text, not {value!r}",
            field="colleague",
            value=value,
        )
    return value.strip().lower()


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
        colleague (str): For a colleague (a user of the organisation) made a contact by
            reference, their username (stored lower-case); empty for anyone else. Its
            names, department, e-mail and numbers follow the user: the organisation
            refreshes them when the user changes, renames it with the user and removes
            it with the user (see :meth:`Contacts.add_colleague
            <cloudtel.contacts.Contacts.add_colleague>`).

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
    colleague: str = attrs.field(default="", converter=_colleague)

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
                unsafe_in_line(" ".join(texts)) is None
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
                _set(contact, "colleague", "")
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

    def to_record(self) -> dict[str, object]:
        """The contact as one plain ``dict``: its text fields, kind and numbers."""
        record: dict[str, object] = {name: getattr(self, name) for name in _TEXT_FIELDS}
        record["email"] = self.email
        record["speed_dial"] = self.speed_dial
        record["kind"] = self.kind.value
        record["numbers"] = ", ".join(
            f"{p.number.e164}{' *' if p.preferred else ''} ({p.type.value})" for p in self.phones
        )
        return record

    def __str__(self) -> str:
        numbers = ", ".join(p.number.international for p in self.phones)
        return f"{self.name or '(no name)'}" + (f" ({numbers})" if numbers else "")

    def _repr_html_(self) -> str:
        rows = [
            {
                "type": p.type.value,
                "number": p.number.international,
                "preferred": p.preferred,
                "abbreviated": p.abbreviated,
            }
            for p in self.phones
        ]
        record = self.to_record()
        del record["numbers"]
        caption = f"Contact {self.name or '(no name)'}"
        return _html.fields(caption, record, extra=_html.table(rows, empty="no numbers"))

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


if {a.name for a in attrs.fields(Contact)} != {*_TEXT_FIELDS, "kind", "phones", "colleague"} or [
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
