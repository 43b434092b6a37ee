"""Contacts in and out as CSV: import with a row-by-row report, and export.

**Import** (:func:`import_csv`) reads the files administrators really get:
exported from spreadsheets and other systems.

- The text encoding is detected: UTF-8 with or without a byte order mark,
  UTF-16 with a byte order mark (Excel's *Unicode text*) or without one, and
  Windows-1252 (what Excel writes as *CSV* on Western European Windows); other
  bytes are read as Latin-1.
- The delimiter is detected from the header line: comma, semicolon, tab or ``|``.
  Quoting follows the spreadsheet rules (``"a ""quoted"" word"``, line breaks
  inside quotes).
- Columns are matched by their header, in English, Dutch or French, ignoring
  case, accents, spaces and punctuation (:data:`HEADERS` lists every accepted
  header). A column that maps to nothing is reported, never silently dropped.
- Phone numbers are read with the organisation's country as default region.
- A contact already at the scope (same name and number) is updated, not
  duplicated; the report counts added, updated and unchanged contacts and lists
  every rejected row with its line number, column, value and reason.
- All or nothing: with any rejected row nothing changes, unless
  ``keep_valid=True``, which imports the valid rows.

**Export**: :func:`export_csv` writes a scope's contacts or a user's effective
list (with a *Source* column) so that importing the file gives the same
contacts back.

Cells that a spreadsheet would run as a formula (starting with ``=``, ``+``,
``-`` or ``@``) are written with a leading apostrophe, which import removes.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import multiprocessing
import os
import re
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any, Literal

import attrs

from cloudtel._csv import (
    DELIMITERS,
    RejectedRow,
    RowReport,
    csv_rows,
    decode_csv,
    detect_delimiter,
    fold_line_breaks,
    header_key,
    unescape_cell,
)
from cloudtel._progress import Progress, with_progress
from cloudtel.contacts.model import Contact, ContactKind, PhoneEntry, PhoneType, Scope
from cloudtel.contacts.resolution import EffectiveContact
from cloudtel.errors import FileProblemsError, InvalidPhoneNumberError, InvalidValueError, Problem
from cloudtel.numbers import PhoneNumber
from cloudtel.numbers import _unchecked as _valid_number

if TYPE_CHECKING:
    from cloudtel.access import Principal
    from cloudtel.org import Organization

__all__ = [
    "HEADERS",
    "ImportReport",
    "RejectedRow",
    "decode_csv",
    "export_csv",
    "import_csv",
]

Language = Literal["en", "nl", "fr"]

# --- headers ------------------------------------------------------------------------

_FIELDS: dict[str, tuple[str, ...]] = {
    "first_name": ("First name", "Given name", "Forename", "Voornaam", "Prénom"),
    "last_name": (
        "Last name",
        "Surname",
        "Family name",
        "Achternaam",
        "Familienaam",
        "Nom",
        "Nom de famille",
    ),
    "name": ("Name", "Full name", "Naam", "Volledige naam", "Nom complet"),
    "company": (
        "Company",
        "Organization",
        "Organisation",
        "Bedrijf",
        "Bedrijfsnaam",
        "Firma",
        "Société",
        "Entreprise",
    ),
    "department": ("Department", "Afdeling", "Département", "Service"),
    "short_name": ("Short name", "Nickname", "Korte naam", "Roepnaam", "Nom court", "Surnom"),
    "address": ("Address", "Street", "Adres", "Straat", "Adresse", "Rue"),
    "postal_code": ("Postal code", "Postcode", "ZIP", "ZIP code", "Code postal"),
    "city": ("City", "Town", "Plaats", "Stad", "Gemeente", "Woonplaats", "Ville", "Localité"),
    "country": ("Country", "Land", "Pays"),
    "email": ("E-mail", "Email address", "Mail", "E-mailadres", "Courriel", "Adresse e-mail"),
    "speed_dial": ("Speed dial", "Snelkeuze", "Numérotation rapide"),
    "kind": ("Contact type", "Type", "Kind", "Type contact", "Soort", "Type de contact"),
    "preferred": (
        "Preferred",
        "Preferred number",
        "Voorkeur",
        "Voorkeursnummer",
        "Préféré",
        "Numéro préféré",
    ),
    "source": ("Source", "Bron", "Herkomst", "Provenance"),
}

_PHONE_WORDS: dict[PhoneType, tuple[str, ...]] = {
    PhoneType.WORK: (
        "Work",
        "Work phone",
        "Business phone",
        "Office",
        "Phone",
        "Telephone",
        "Werk",
        "Telefoon",
        "Telefoonnummer",
        "Telefoon werk",
        "Kantoor",
        "Travail",
        "Téléphone",
        "Téléphone travail",
        "Bureau",
    ),
    PhoneType.MOBILE: (
        "Mobile",
        "Mobile phone",
        "Cell",
        "Cell phone",
        "GSM",
        "Mobiel",
        "Mobiele telefoon",
        "Portable",
        "Téléphone mobile",
    ),
    PhoneType.HOME: (
        "Home",
        "Home phone",
        "Private",
        "Thuis",
        "Telefoon thuis",
        "Privé",
        "Domicile",
        "Téléphone domicile",
    ),
    PhoneType.FAX: ("Fax", "Fax number", "Telefax", "Faxnummer", "Télécopie"),
    PhoneType.OTHER: ("Other", "Other phone", "Ander", "Andere", "Overig", "Autre"),
}

_SHORT_WORDS = (
    "short",
    "short number",
    "abbreviated",
    "abbreviated number",
    "ingekort",
    "ingekort nummer",
    "verkort",
    "verkort nummer",
    "abrégé",
    "numéro abrégé",
    "court",
)

HEADERS: Mapping[str, tuple[str, ...]] = {
    **_FIELDS,
    **{f"phone:{kind.value}": words for kind, words in _PHONE_WORDS.items()},
    "phone abbreviated (after or before a phone header)": tuple(_SHORT_WORDS),
}
"""Every accepted column header, by what it fills (matching ignores case, accents,
spaces and punctuation). Phone headers may carry a number for a second entry of
the same type (``Mobile 2``) and an abbreviated-number word (``Mobile short``,
``Werk ingekort``, ``Travail abrégé``). *Name* is split into first and last name
when there are no such columns; *Source* is written by exports of effective
lists and ignored (and reported) on import."""

_LABELS: dict[Language, dict[str, str]] = {
    "en": {
        "company": "Company",
        "department": "Department",
        "first_name": "First name",
        "last_name": "Last name",
        "short_name": "Short name",
        "address": "Address",
        "postal_code": "Postal code",
        "city": "City",
        "country": "Country",
        "email": "E-mail",
        "speed_dial": "Speed dial",
        "kind": "Contact type",
        "preferred": "Preferred",
        "source": "Source",
        "short": "short",
        "work": "Work",
        "mobile": "Mobile",
        "home": "Home",
        "fax": "Fax",
        "other": "Other",
        "mandatory": "mandatory",
        "favourite": "favourite",
        "external": "external",
    },
    "nl": {
        "company": "Bedrijf",
        "department": "Afdeling",
        "first_name": "Voornaam",
        "last_name": "Achternaam",
        "short_name": "Korte naam",
        "address": "Adres",
        "postal_code": "Postcode",
        "city": "Plaats",
        "country": "Land",
        "email": "E-mail",
        "speed_dial": "Snelkeuze",
        "kind": "Type contact",
        "preferred": "Voorkeur",
        "source": "Bron",
        "short": "ingekort",
        "work": "Werk",
        "mobile": "Mobiel",
        "home": "Thuis",
        "fax": "Fax",
        "other": "Ander",
        "mandatory": "verplicht",
        "favourite": "favoriet",
        "external": "extern",
    },
    "fr": {
        "company": "Société",
        "department": "Département",
        "first_name": "Prénom",
        "last_name": "Nom",
        "short_name": "Nom court",
        "address": "Adresse",
        "postal_code": "Code postal",
        "city": "Ville",
        "country": "Pays",
        "email": "E-mail",
        "speed_dial": "Numérotation rapide",
        "kind": "Type de contact",
        "preferred": "Préféré",
        "source": "Source",
        "short": "abrégé",
        "work": "Travail",
        "mobile": "Mobile",
        "home": "Domicile",
        "fax": "Fax",
        "other": "Autre",
        "mandatory": "obligatoire",
        "favourite": "favori",
        "external": "externe",
    },
}

_KIND_WORDS: dict[str, ContactKind] = {
    "": ContactKind.EXTERNAL,
    "mandatory": ContactKind.MANDATORY,
    "required": ContactKind.MANDATORY,
    "verplicht": ContactKind.MANDATORY,
    "obligatoire": ContactKind.MANDATORY,
    "favourite": ContactKind.FAVOURITE,
    "favorite": ContactKind.FAVOURITE,
    "favoriet": ContactKind.FAVOURITE,
    "favori": ContactKind.FAVOURITE,
    "favorite contact": ContactKind.FAVOURITE,
    "external": ContactKind.EXTERNAL,
    "plain": ContactKind.EXTERNAL,
    "extern": ContactKind.EXTERNAL,
    "externe": ContactKind.EXTERNAL,
}

_SCALARS = (
    "company",
    "department",
    "first_name",
    "last_name",
    "short_name",
    "address",
    "postal_code",
    "city",
    "country",
    "email",
    "speed_dial",
)


_norm = header_key


def _build_lookup() -> tuple[dict[str, str], dict[str, tuple[PhoneType, bool]]]:
    fields = {_norm(h): field for field, words in _FIELDS.items() for h in words}
    phones: dict[str, tuple[PhoneType, bool]] = {}
    for kind, words in _PHONE_WORDS.items():
        for word in words:
            phones[_norm(word)] = (kind, False)
            for short in _SHORT_WORDS:
                phones[_norm(word + short)] = (kind, True)
                phones[_norm(short + word)] = (kind, True)
    return fields, phones


_FIELD_LOOKUP, _PHONE_LOOKUP = _build_lookup()
_KIND_LOOKUP = {_norm(k): v for k, v in _KIND_WORDS.items()}
_DIGITS = re.compile(r"\d+")
_NUMBER_CACHE = 1 << 18  # texts of numbers remembered per import (beyond those read ahead)
_PARALLEL_FROM = 20_000  # numbers in a file worth parsing in a second process
_WORKER_SHARE = 0.6  # of the rows, whose numbers the worker parses


def _slot_index(slot: tuple[PhoneType, int]) -> int:
    return slot[1]


@attrs.frozen
class _Column:
    """What one column of the file fills."""

    field: str  # a Contact field, "name", "preferred", "source", "phone" or "" (nothing)
    phone: tuple[PhoneType, int] | None = None
    abbreviated: bool = False


def _phone_slot(header: str) -> tuple[PhoneType, int, bool] | None:
    """``(type, index, abbreviated)`` of a phone header like ``Mobile 2 short``."""
    normal = _norm(header)
    digits = _DIGITS.findall(normal)
    letters = _DIGITS.sub("", normal)
    found = _PHONE_LOOKUP.get(letters)
    if found is None or len(digits) > 1:
        return None
    index = int(digits[0]) if digits else 1
    if index < 1:
        return None
    return found[0], index, found[1]


def _column(header: str) -> _Column:
    field = _FIELD_LOOKUP.get(_norm(header))
    if field is not None:
        return _Column(field)
    slot = _phone_slot(header)
    if slot is not None:
        return _Column("phone", (slot[0], slot[1]), slot[2])
    return _Column("")


# --- decoding -----------------------------------------------------------------------


def _detect_delimiter(text: str) -> str:
    return detect_delimiter(text, lambda cell: bool(_column(cell).field))


# --- the report ---------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ImportReport(RowReport):
    """What an import did (or would have done).

    Args:
        source (str): The file name.
        scope (Scope): Where the contacts went.
        encoding (str): The text encoding detected.
        delimiter (str): The delimiter detected.
        added (int): New contacts.
        updated (int): Contacts already there (same name and number) that changed.
        unchanged (int): Contacts already there, identical.
        rejected (tuple[RejectedRow, ...]): Every problem, by line and column.
        warnings (tuple[RejectedRow, ...]): Values changed so they could be imported, by
            line and column: a company or address cell typed over several lines (Alt+Enter
            in a spreadsheet) is folded into one line, each line break a space.
        unknown_columns (tuple[str, ...]): Headers that map to nothing (not imported).
        ignored_columns (tuple[str, ...]): Known columns that import does not use
            (the *Source* column of an effective-list export).
        blank_lines (int): Empty rows that were skipped.
        applied (bool): Whether the scope was changed.
    """

    source: str
    scope: Scope
    encoding: str
    delimiter: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: tuple[RejectedRow, ...] = ()
    warnings: tuple[RejectedRow, ...] = ()
    unknown_columns: tuple[str, ...] = ()
    ignored_columns: tuple[str, ...] = ()
    blank_lines: int = 0
    applied: bool = False

    def __str__(self) -> str:
        counts = (self.added, self.updated, self.unchanged)
        lines = self.summary_lines(self.scope.label, counts, self.ignored_columns)
        return "\n".join(lines)


# --- import -------------------------------------------------------------------------


_unescape = unescape_cell


def _shown(headers: Sequence[str], *, width: int = 30, most: int = 8) -> str:
    """The headers for a message, each cut at ``width`` and at most ``most`` of them.

    A binary file read as CSV has one huge "header"; the message stays readable.
    """
    shown = [repr(h if len(h) <= width else h[:width] + "…") for h in headers[:most]]
    return ", ".join(shown) + (", …" if len(headers) > most else "")


def _plan(headers: Sequence[str], source: str) -> tuple[list[_Column], list[str], list[str]]:
    columns = [_column(h) for h in headers]
    problems: list[Problem] = []
    seen: dict[object, str] = {}
    for header, column in zip(headers, columns, strict=True):
        if not column.field or column.field == "source":
            continue
        key: object = (column.phone, column.abbreviated) if column.phone else column.field
        if key in seen:
            problems.append(
                Problem(
                    f"line 1, column {header!r}",
                    f"means the same as column {seen[key]!r}; keep one of them",
                )
            )
        seen[key] = header
    names = {"first_name", "last_name", "name", "company", "short_name"}
    if not any(c.field in names for c in columns):
        problems.append(
            Problem(
                "line 1",
                "no name column: the header needs one of First name, Last name, Name, Company "
                "or Short name (or their Dutch or French names: Voornaam, Achternaam, Bedrijf, "
                f"Prénom, Nom, Société …); found {_shown(headers)}",
            )
        )
    for header, column in zip(headers, columns, strict=True):
        if column.abbreviated and column.phone:
            plain = (column.phone, False)
            if plain not in seen:
                problems.append(
                    Problem(
                        f"line 1, column {header!r}",
                        "an abbreviated-number column needs the phone column it belongs to",
                    )
                )
    if problems:
        raise FileProblemsError(source, problems)
    unknown = [h for h, c in zip(headers, columns, strict=True) if not c.field]
    ignored = [h for h, c in zip(headers, columns, strict=True) if c.field == "source"]
    return columns, unknown, ignored


_SCALAR, _PHONE, _SHORT, _KIND, _PREFERRED, _NAME = range(6)


class _RowReader:
    """Turns the cells of one row into a Contact, collecting problems.

    What each column does is decided once per file (:attr:`plan`); numbers met
    again in the file are not parsed again.
    """

    def __init__(self, headers: Sequence[str], columns: Sequence[_Column], region: str) -> None:
        self.warnings: list[RejectedRow] = []
        """Values changed so they could be imported (line breaks folded), by line."""
        self.headers = headers
        self.columns = columns
        self.region = region
        self.field_header = {c.field: h for h, c in zip(headers, columns, strict=True)}
        self.has_split_names = "first_name" in self.field_header or "last_name" in self.field_header
        self.labels: dict[str, tuple[PhoneType, int]] = {}
        # (cell index, header, what the column fills, which field or phone slot)
        self.plan: list[tuple[int, str, int, Any]] = []
        for position, (header, column) in enumerate(zip(headers, columns, strict=True)):
            field = column.field
            if field == "phone" and column.phone is not None:
                self.plan.append(
                    (position, header, _SHORT if column.abbreviated else _PHONE, column.phone)
                )
                if not column.abbreviated:
                    self.labels[_norm(header)] = column.phone
            elif field in _SCALARS:
                self.plan.append((position, header, _SCALAR, field))
            elif field == "kind":
                self.plan.append((position, header, _KIND, None))
            elif field == "preferred":
                self.plan.append((position, header, _PREFERRED, None))
            elif field == "name":
                self.plan.append((position, header, _NAME, None))
        self.numbers: dict[str, PhoneNumber | InvalidValueError] = {}

    def number(self, value: str) -> PhoneNumber | InvalidValueError:
        """``PhoneNumber.parse`` with the organisation's country (once per text), or
        the error that says why it is not a number."""
        found = self.numbers.get(value)
        if found is None:
            try:
                found = PhoneNumber.parse(value, self.region)
            except InvalidValueError as exc:
                found = exc
            if len(self.numbers) < _NUMBER_CACHE:
                self.numbers[value] = found
        return found

    def read(self, line: int, cells: Sequence[str], problems: list[RejectedRow]) -> Contact | None:
        fields: dict[str, Any] = {}
        numbers: dict[tuple[PhoneType, int], tuple[str, str]] = {}
        shorts: dict[tuple[PhoneType, int], tuple[str, str]] = {}
        preferred = ("", "")
        full_name = ""
        before = len(problems)
        count = len(cells)
        for position, header, does, what in self.plan:
            if position >= count:
                break
            value = cells[position]
            if not value:
                continue
            value = value.strip()
            if not value:
                continue
            if value[0] == "'" and len(value) >= 2 and value[1] in "=+-@'":
                value = value[1:]  # as _unescape
            if does == _SCALAR:
                if "\n" in value or "\r" in value or "\u2028" in value or "\u2029" in value:
                    folded = fold_line_breaks(value)
                    self.warnings.append(
                        RejectedRow(
                            line=line,
                            column=header,
                            value=value,
                            reason=f"a cell over several lines, folded into one: {folded!r}",
                        )
                    )
                    value = folded
                fields[what] = value
            elif does == _PHONE:
                numbers[what] = (header, value)
            elif does == _SHORT:
                shorts[what] = (header, value)
            elif does == _KIND:
                kind = _KIND_LOOKUP.get(_norm(value))
                if kind is None:
                    problems.append(
                        RejectedRow(
                            line=line,
                            column=header,
                            value=value,
                            reason="not a contact type: write mandatory, favourite or external "
                            "(verplicht, favoriet, extern; obligatoire, favori, externe)",
                        )
                    )
                else:
                    fields["kind"] = kind
            elif does == _PREFERRED:
                preferred = (header, value)
            else:
                full_name = value
        if count > len(self.headers) and any(c.strip() for c in cells[len(self.headers) :]):
            extra = next(c for c in cells[len(self.headers) :] if c.strip())
            problems.append(
                RejectedRow(
                    line=line,
                    column="",
                    value=extra,
                    reason=f"the row has {count} cells but the header only "
                    f"{len(self.headers)} columns (a delimiter inside an unquoted value?)",
                )
            )
        if full_name and not self.has_split_names:
            first, _, last = full_name.partition(" ")
            fields["first_name"], fields["last_name"] = first, last.strip()
        preferred_slot = None
        if preferred[1]:
            preferred_slot = self.labels.get(_norm(preferred[1]))
            if preferred_slot is None:
                parsed = _phone_slot(preferred[1])
                preferred_slot = (parsed[0], parsed[1]) if parsed and not parsed[2] else None
            if preferred_slot is None or preferred_slot not in numbers:
                problems.append(
                    RejectedRow(
                        line=line,
                        column=preferred[0],
                        value=preferred[1],
                        reason="names no phone column of this row with a number; write the "
                        "header of the preferred number's column, e.g. 'Mobile'",
                    )
                )
        for short_slot, (header, value) in shorts.items():
            if short_slot not in numbers:
                problems.append(
                    RejectedRow(
                        line=line,
                        column=header,
                        value=value,
                        reason="an abbreviated number without the number it belongs to",
                    )
                )
        phones = []
        for slot in sorted(numbers, key=_slot_index) if len(numbers) > 1 else numbers:
            header, value = numbers[slot]
            number = self.number(value)
            if isinstance(number, InvalidValueError):
                problems.append(
                    RejectedRow(line=line, column=header, value=value, reason=str(number))
                )
                continue
            try:
                short = shorts.get(slot, ("", ""))[1]
                phones.append(PhoneEntry._of(slot[0], number, short, slot == preferred_slot))
            except InvalidValueError as exc:
                where = header
                if exc.context.get("field") == "abbreviated":
                    where, value = shorts[slot]
                problems.append(RejectedRow(line=line, column=where, value=value, reason=str(exc)))
        if len(problems) > before:
            return None
        try:
            return Contact._of(fields, tuple(phones))
        except InvalidValueError as exc:
            field = str(exc.context.get("field", ""))
            header = self.field_header.get(field, "")
            if field == "last_name" and not header:
                header = self.field_header.get("name", "")
            problems.append(
                RejectedRow(
                    line=line,
                    column=header,
                    value=str(fields.get(field, exc.context.get("value", ""))),
                    reason=str(exc),
                )
            )
            return None


_rows = csv_rows


def import_csv(
    org: Organization,
    scope: Scope | str,
    data: bytes | str,
    *,
    keep_valid: bool = False,
    source: str = "<csv>",
    by: Principal | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import contacts from a CSV file into a scope of the organisation.

    Args:
        org (Organization): The organisation; its country reads national numbers.
        scope (Scope | str): ``"org"``, ``"group:NAME"`` or ``"user:USERNAME"``.
        data (bytes | str): The file's bytes (the encoding is detected) or text.
        keep_valid (bool): Import the valid rows even when some are rejected.
        source (str): The file name, for the report and messages.
        by (Principal | None): Who imports; needs the admin view unless it is the
            user's own scope. ``None`` is the administrator's own script.
        progress (Callable[[int, int], None] | None): Called with (rows read, rows) as
            the rows are read, e.g. to draw a progress bar.

    Returns:
        The :class:`ImportReport`; check :attr:`ImportReport.applied`.

    Raises:
        FileProblemsError: The file cannot be read as a contact list (no header,
            no name column, two columns meaning the same, broken quoting).
        NotFoundError: The group or user of the scope does not exist.
    """
    contacts = org.contacts
    scope = contacts._checked_scope(scope)
    if isinstance(data, bytes):
        text, encoding = decode_csv(data, source=source)
    else:
        text, encoding = data.removeprefix("\ufeff"), "text"
    delimiter = _detect_delimiter(text)
    rows = _rows(text, delimiter, source)
    header_row = next(rows, None)
    if header_row is None or not any(c.strip() for c in header_row[1]):
        raise FileProblemsError(source, [Problem("line 1", "the file is empty: no header line")])
    headers = [_unescape(h) for h in header_row[1]]
    columns, unknown, ignored = _plan(headers, source)
    reader = _RowReader(headers, columns, org.country)

    report = ImportReport(
        source=source,
        scope=scope,
        encoding=encoding,
        delimiter=delimiter,
        unknown_columns=tuple(unknown),
        ignored_columns=tuple(ignored),
    )
    with _collector_paused():
        lines = list(rows)
        with contextlib.ExitStack() as stack:
            ahead = _read_numbers_ahead(reader, lines, stack)
            if progress is not None:
                ahead = with_progress(ahead, progress, total=len(lines))
            return _import_rows(org, report, ahead, reader, keep_valid=keep_valid, by=by)


def _parse_numbers(texts: Sequence[str], region: str) -> list[str | tuple[str, dict[str, Any]]]:
    """E.164 of each text, or the message and context of the error (in a worker)."""
    found: list[str | tuple[str, dict[str, Any]]] = []
    for text in texts:
        try:
            found.append(PhoneNumber.parse(text, region).e164)
        except InvalidValueError as exc:
            found.append((exc.message, exc.context))
    return found


def _read_numbers_ahead(
    reader: _RowReader, lines: Sequence[tuple[int, list[str]]], stack: contextlib.ExitStack
) -> Iterator[tuple[int, list[str]]]:
    """The rows, with the numbers of a large file parsed on two cores: a worker
    process parses those of the last rows while this one reads the first rows
    (parsing their numbers as it goes); their numbers are ready when the last rows
    are read. Small files, one core, or no worker to be had: every row parses its
    numbers as it goes."""
    columns = [position for position, _, does, _ in reader.plan if does == _PHONE]
    if (
        len(lines) * len(columns) < _PARALLEL_FROM
        or (os.cpu_count() or 1) < 2
        or "fork" not in multiprocessing.get_all_start_methods()
        or threading.active_count() > 1  # forking a process with threads is not safe
    ):
        return iter(lines)
    # the worker takes the numbers of the last _WORKER_SHARE of the rows: this
    # process also builds every contact, so its share of the parsing is smaller
    split = len(lines) - int(len(lines) * _WORKER_SHARE)
    texts: dict[str, None] = {}
    for _, cells in lines[split:]:
        for position in columns:
            if position < len(cells) and cells[position]:
                texts[_unescape(cells[position])] = None
    texts.pop("", None)
    todo = list(texts)
    try:
        fork = multiprocessing.get_context("fork")
        pool = stack.enter_context(ProcessPoolExecutor(max_workers=1, mp_context=fork))
        theirs = pool.submit(_parse_numbers, todo, reader.region)
    except (OSError, BrokenProcessPool):  # pragma: no cover - no processes here
        return iter(lines)

    def rows() -> Iterator[tuple[int, list[str]]]:
        yield from lines[:split]
        try:
            results = theirs.result()
        except (OSError, BrokenProcessPool):  # pragma: no cover - the worker died
            results = None
        if results is not None:
            for text, result in zip(todo, results, strict=True):
                if isinstance(result, str):
                    reader.numbers[text] = _valid_number(result)
                else:
                    reader.numbers[text] = InvalidPhoneNumberError(result[0], **result[1])
        yield from lines[split:]

    return rows()


def _import_rows(
    org: Organization,
    report: ImportReport,
    rows: Iterator[tuple[int, list[str]]],
    reader: _RowReader,
    *,
    keep_valid: bool,
    by: Principal | None,
) -> ImportReport:
    """Read the rows into the scope of ``report``; the report with what happened."""
    contacts = org.contacts
    scope = report.scope
    existing = list(contacts.at(scope))
    identities = [contact.identity() for contact in existing]
    where: dict[tuple[str, str], int] = {}
    for position, keys in enumerate(identities):
        for key in keys:
            where.setdefault(key, position)
    from_file: dict[tuple[str, str], int] = {}
    problems: list[RejectedRow] = []
    added = updated = unchanged = blank = 0
    mandatory = False
    for line, cells in rows:
        if not "".join(cells).strip():
            blank += 1
            continue
        read = reader.read(line, cells, problems)
        if read is None:
            continue
        contact = read
        keys = contact.identity()
        earlier = next((from_file[k] for k in keys if k in from_file), None)
        if earlier is not None:
            problems.append(
                RejectedRow(
                    line=line,
                    column="",
                    value=contact.name,
                    reason=f"the same contact (same name and number) as line {earlier}",
                )
            )
            continue
        matches = {where[k] for k in keys if k in where}
        if len(matches) > 1:
            problems.append(
                RejectedRow(
                    line=line,
                    column="",
                    value=contact.name,
                    reason="has the name and numbers of two different contacts already there",
                )
            )
            continue
        for key in keys:
            from_file[key] = line
        mandatory = mandatory or contact.kind is ContactKind.MANDATORY
        if matches:
            position = matches.pop()
            if existing[position] == contact:
                unchanged += 1
            else:
                mandatory = mandatory or existing[position].kind is ContactKind.MANDATORY
                existing[position] = contact
                identities[position] = keys
                updated += 1
        else:
            position = len(existing)
            existing.append(contact)
            identities.append(keys)
            added += 1
        for key in keys:
            where[key] = position
    applied = False
    if not problems or keep_valid:
        contacts._authorise(scope, by, f"importing contacts into {scope.label}", mandatory)
        contacts._set_contacts(scope, tuple(existing), identities)
        applied = True
    return attrs.evolve(
        report,
        added=added,
        updated=updated,
        unchanged=unchanged,
        rejected=tuple(problems),
        warnings=tuple(reader.warnings),
        blank_lines=blank,
        applied=applied,
    )


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while the file's contacts are built:
    an import allocates objects by the hundred thousand and makes no cycles, and
    the collector would scan the growing heap again and again. It runs again after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# --- CSV export -----------------------------------------------------------------------


def _escape_cell(value: str) -> str:
    if value and (
        value[0] in "=+-@" or (value[0] == "'" and len(value) >= 2 and value[1] in "=+-@'")
    ):
        return "'" + value
    return value


def _entries(
    items: Iterable[Contact | EffectiveContact],
) -> tuple[list[Contact], list[EffectiveContact | None]]:
    contacts: list[Contact] = []
    entries: list[EffectiveContact | None] = []
    for item in items:
        if isinstance(item, EffectiveContact):
            contacts.append(item.contact)
            entries.append(item)
        else:
            contacts.append(item)
            entries.append(None)
    return contacts, entries


def export_csv(
    items: Iterable[Contact | EffectiveContact],
    *,
    language: Language = "en",
    delimiter: str = ",",
) -> str:
    """Write contacts as CSV text that :func:`import_csv` reads back to the same contacts.

    Args:
        items: The contacts of a scope (``org.contacts.at(scope)``) or a user's
            effective list (``org.contacts.effective(user)``); for the latter a
            *Source* column says where each came from.
        language (str): Header language: ``"en"``, ``"nl"`` or ``"fr"``.
        delimiter (str): ``","`` (default), ``";"`` or a tab.

    Returns:
        The CSV text (lines end in CRLF). Write it with a UTF-8 byte order mark so
        spreadsheet programs pick the encoding.

    Raises:
        InvalidValueError: An unknown language or delimiter.
    """
    if language not in _LABELS:
        raise InvalidValueError(
            f"language {language!r} is not one of en, nl, fr", field="language", value=language
        )
    if delimiter not in DELIMITERS:
        raise InvalidValueError(
            "the delimiter must be a comma, a semicolon, a tab or '|'",
            field="delimiter",
            value=delimiter,
        )
    labels = _LABELS[language]
    contacts, entries = _entries(items)
    counts = dict.fromkeys(PhoneType, 0)
    for contact in contacts:
        per_type: dict[PhoneType, int] = {}
        for entry in contact.phones:
            per_type[entry.type] = per_type.get(entry.type, 0) + 1
        for kind, count in per_type.items():
            counts[kind] = max(counts[kind], count)
    phone_columns: list[tuple[PhoneType, int, str]] = []
    for kind in PhoneType:
        for index in range(1, max(counts[kind], 1 if kind is PhoneType.WORK else 0) + 1):
            suffix = "" if index == 1 else f" {index}"
            phone_columns.append((kind, index, labels[kind.value] + suffix))
    headers = [labels[f] for f in _SCALARS] + [labels["kind"]]
    for _kind, _index, label in phone_columns:
        headers += [label, f"{label} {labels['short']}"]
    headers.append(labels["preferred"])
    with_source = any(e is not None for e in entries)
    if with_source:
        headers.append(labels["source"])
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    for contact, effective in zip(contacts, entries, strict=True):
        row = [_escape_cell(getattr(contact, f)) for f in _SCALARS]
        row.append(labels[contact.kind.value])
        slots: dict[tuple[PhoneType, int], PhoneEntry] = {}
        per_type = {}
        preferred = ""
        for phone in contact.phones:
            per_type[phone.type] = per_type.get(phone.type, 0) + 1
            slots[(phone.type, per_type[phone.type])] = phone
        for kind, index, label in phone_columns:
            phone_entry = slots.get((kind, index))
            if phone_entry is None:
                row += ["", ""]
                continue
            row += [_escape_cell(phone_entry.number.international), phone_entry.abbreviated]
            if phone_entry.preferred:
                preferred = label
        row.append(preferred)
        if with_source:
            row.append(str(effective.source) if effective is not None else "")
        writer.writerow(row)
    return out.getvalue()
