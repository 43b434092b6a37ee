"""Onboarding in bulk: users from a spreadsheet (CSV), with a row-by-row report.

:func:`import_users` (also ``org.import_users``, and ``cloudtel users import FILE CSV``)
reads a CSV file the way the contacts import does (the same decoding, delimiter
detection and quoting, :mod:`cloudtel._csv`) and creates or updates one user per row:

- columns are matched by their header in English, Dutch or French, ignoring case,
  accents, spaces and punctuation (:data:`USER_HEADERS`); a column that maps to
  nothing is reported, never silently dropped;
- a row whose username exists updates that user (only the cells that are filled in);
  any other row creates a user;
- *Groups* lists group names (separated by ``,``, ``;``, ``|`` or a line break);
  the groups must exist;
- *Primary line* is a number of the organisation's ranges in any notation, or ``free``
  (``vrij``, ``libre``) for the first free number; left empty, a new user gets the
  first free number too (``assign_numbers=False`` leaves it without a line);
- *Mobile* holds one or more mobile numbers in any Belgian (or international) notation,
  ``0470/12.34.56``, ``+32 470 12 34 56``, ``0032470123456`` …; *Mobile profile* gives
  them a profile, else they get the one the user's groups give (the manual's rules on
  mobiles hold: a mobile number, never an office line, on one user only);
- a cell typed over several lines (Alt+Enter) in a one-line field is folded into one
  line and reported as a warning;
- every problem is reported with line, column, value and reason; all or nothing, unless
  ``keep_valid=True``, which imports the valid rows;
- welcome messages (web, mobile, softphone) go to the new users when asked: pass
  ``welcome=`` a function of the username, e.g.
  ``lambda name: send_welcome(org, name, ["web"], transports)`` with
  :func:`cloudtel.messaging.send_welcome` (this module does not send anything itself).

Every row is first tried on a copy of the organisation, so problems that only show in
combination (two rows with the same mobile or number) are found before anything changes.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import attrs

from cloudtel._csv import (
    RejectedRow,
    RowReport,
    csv_rows,
    decode_csv,
    detect_delimiter,
    fold_line_breaks,
    header_key,
    unescape_cell,
)
from cloudtel.errors import CloudtelError, FileProblemsError, InvalidValueError, Problem
from cloudtel.numbers import PhoneNumber
from cloudtel.users import MobilePhone, ResolvedSetting, Settings, User

if TYPE_CHECKING:
    from cloudtel.messaging import DeliveryStatus
    from cloudtel.org import Organization

__all__ = ["USER_HEADERS", "UserImportReport", "import_users"]

USER_HEADERS: Final[Mapping[str, tuple[str, ...]]] = {
    "username": (
        "Username",
        "User name",
        "User ID",
        "UID",
        "Login",
        "Gebruikersnaam",
        "Gebruiker",
        "Nom d'utilisateur",
        "Identifiant",
    ),
    "first_name": ("First name", "Given name", "Voornaam", "Prénom"),
    "last_name": ("Last name", "Surname", "Family name", "Achternaam", "Familienaam", "Nom"),
    "department": ("Department", "Afdeling", "Dienst", "Département", "Service"),
    "email": (
        "E-mail",
        "Email address",
        "Mail",
        "E-mailadres",
        "Courriel",
        "Adresse e-mail",
    ),
    "field_1": ("Field 1", "Veld 1", "Champ 1"),
    "field_2": ("Field 2", "Veld 2", "Champ 2"),
    "field_3": ("Field 3", "Veld 3", "Champ 3"),
    "groups": (
        "Groups",
        "Group",
        "User groups",
        "Groepen",
        "Groep",
        "Gebruikersgroepen",
        "Groupes",
        "Groupe",
    ),
    "primary_line": (
        "Primary line",
        "Line",
        "Number",
        "Phone number",
        "Lijn",
        "Nummer",
        "Telefoonnummer",
        "Ligne principale",
        "Ligne",
        "Numéro",
    ),
    "line_type": ("Line type", "Lijntype", "Type de ligne"),
    "aliases": ("Aliases", "Alias", "Aliassen"),
    "mobile_phones": (
        "Mobile",
        "Mobile phone",
        "Mobile phones",
        "Mobile number",
        "Mobiel",
        "Mobiel nummer",
        "GSM",
        "Gsm-nummer",
        "Portable",
        "Téléphone mobile",
        "Numéro de mobile",
    ),
    "mobile_profile": ("Mobile profile", "Mobiel profiel", "Profil mobile"),
    "language": ("Language", "Taal", "Langue"),
    "time_zone": ("Time zone", "Timezone", "Tijdzone", "Fuseau horaire"),
    "cost_centre": ("Cost centre", "Cost center", "Kostenplaats", "Centre de coûts"),
}
"""Field → the headers accepted for it (English, Dutch, French)."""

FREE_WORDS: Final = frozenset({"free", "vrij", "libre", "auto"})
"""What a *Primary line* cell may say to get the first free number of the ranges."""

_LOOKUP: Final = {header_key(h): field for field, words in USER_HEADERS.items() for h in words}
_LIST = re.compile(r"[,;|\r\n\u2028\u2029]+")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029]")
_MULTI: Final = frozenset({"groups", "aliases", "mobile_phones"})  # cells that list items
_USER_FIELDS: Final = (
    "first_name",
    "last_name",
    "department",
    "email",
    "field_1",
    "field_2",
    "field_3",
    "line_type",
)
_SETTINGS: Final = ("language", "time_zone", "cost_centre")
_NO_SETTINGS: Final = Settings()


@attrs.frozen(kw_only=True)
class UserImportReport(RowReport):
    """What a users import did (or would have done).

    Args:
        source (str): The file name.
        encoding (str): The text encoding detected.
        delimiter (str): The delimiter detected.
        added (tuple[str, ...]): Usernames of the new users, in file order.
        updated (tuple[str, ...]): Usernames of the users that changed.
        unchanged (tuple[str, ...]): Usernames of rows that changed nothing.
        rejected (tuple[RejectedRow, ...]): Every problem, by line and column.
        warnings (tuple[RejectedRow, ...]): Values changed so they could be imported.
        unknown_columns (tuple[str, ...]): Headers that map to nothing (not imported).
        blank_lines (int): Empty rows that were skipped.
        applied (bool): Whether the organisation was changed.
        welcome (tuple[DeliveryStatus, ...]): The welcome messages sent to new users.
    """

    source: str
    encoding: str
    delimiter: str
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    rejected: tuple[RejectedRow, ...] = ()
    warnings: tuple[RejectedRow, ...] = ()
    unknown_columns: tuple[str, ...] = ()
    blank_lines: int = 0
    applied: bool = False
    welcome: tuple[DeliveryStatus, ...] = ()

    def __str__(self) -> str:
        counts = (len(self.added), len(self.updated), len(self.unchanged))
        lines = self.summary_lines("users", counts)
        lines += [f"  welcome: {status}" for status in self.welcome]
        return "\n".join(lines)


@attrs.frozen
class _Row:
    line: int
    cells: dict[str, tuple[str, str]]  # field -> (header, value); only filled-in cells


class _RowError(Exception):
    def __init__(self, column: str, value: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason


def _plan(headers: Sequence[str], source: str) -> tuple[list[tuple[int, str, str]], list[str]]:
    used: dict[str, str] = {}
    plan: list[tuple[int, str, str]] = []
    unknown: list[str] = []
    for position, header in enumerate(headers):
        field = _LOOKUP.get(header_key(header))
        if field is None:
            if header.strip():
                unknown.append(header)
            continue
        if field in used:
            raise FileProblemsError(
                source,
                [
                    Problem(
                        "line 1",
                        f"columns {used[field]!r} and {header!r} both mean {field}; keep one",
                    )
                ],
            )
        used[field] = header
        plan.append((position, header, field))
    if "username" not in used:
        names = ", ".join(repr(h) for h in USER_HEADERS["username"][:4])
        raise FileProblemsError(
            source,
            [Problem("line 1", f"no username column; name one of the columns {names}, …")],
        )
    return plan, unknown


def _read_row(
    line: int,
    cells: Sequence[str],
    plan: Sequence[tuple[int, str, str]],
    warnings: list[RejectedRow],
) -> _Row:
    found: dict[str, tuple[str, str]] = {}
    for position, header, field in plan:
        if position >= len(cells):
            break
        value = unescape_cell(cells[position])
        if not value:
            continue
        if field not in _MULTI and _LINE_BREAK.search(value) is not None:
            folded = fold_line_breaks(value)
            warnings.append(
                RejectedRow(
                    line=line,
                    column=header,
                    value=value,
                    reason=f"a cell over several lines, folded into one: {folded!r}",
                )
            )
            value = folded
        found[field] = (header, value)
    return _Row(line=line, cells=found)


def _items(text: str) -> list[str]:
    return [item.strip() for item in _LIST.split(text) if item.strip()]


def _number(org: Organization, header: str, text: str) -> PhoneNumber:
    try:
        return PhoneNumber.parse(text, org.country)
    except InvalidValueError as exc:
        raise _RowError(header, text, exc.message) from exc


class _Lookups:
    """What an import looks up row after row, done once for the rows.

    The first free number (``next(iter(org.available_numbers()))``): the search goes
    on from the number found last instead of from the start of the ranges (which
    made an import of N users without numbers take N² steps). The numbers before
    that one were all held when it was found; an import holds more numbers as it
    goes and frees one only by changing a user's lines, after which :meth:`restart`
    starts from the beginning again.

    The settings a new user's mobiles inherit: resolved once per combination of
    groups and settings (:meth:`completed`).
    """

    def __init__(self, org: Organization) -> None:
        self.org = org
        self._resolved: dict[tuple[frozenset[str], Settings], dict[str, ResolvedSetting]] = {}
        self.restart()

    def completed(self, fields: Mapping[str, Any]) -> tuple[MobilePhone, ...]:
        """The mobiles of a new user with ``fields``, with every unset profile and
        option filled in as adding the user would (from the settings of the user,
        their groups and the organisation), resolved once per combination of groups
        and settings instead of for each user.

        Anything in doubt (a value the user's constructor refuses) is left to
        ``add_user``, which says what is wrong.
        """
        mobiles: tuple[MobilePhone, ...] = fields["mobile_phones"]
        groups, settings = fields.get("groups", ()), fields.get("settings", _NO_SETTINGS)
        try:
            key = (frozenset(groups), settings)
            resolved = self._resolved.get(key)
        except TypeError:  # unhashable: not text
            return mobiles
        if resolved is None:
            try:
                stand_in = User(username="import@example.be", groups=groups, settings=settings)
            except CloudtelError:
                return mobiles
            resolved = self._resolved[key] = self.org._resolve(stand_in)
        return tuple(mobile.completed(resolved) for mobile in mobiles)

    def restart(self) -> None:
        """Search from the first number of the ranges again (a number was freed)."""
        self._numbers: Iterator[PhoneNumber] = itertools.chain.from_iterable(self.org.number_ranges)
        self._found: PhoneNumber | None = None

    def first(self, header: str, text: str) -> PhoneNumber:
        """The first number of the ranges that nobody holds.

        Raises:
            _RowError: None is left.
        """
        holder = self.org._holder
        if self._found is not None and holder(self._found.e164) is None:
            return self._found  # found for an earlier row that did not take it
        for number in self._numbers:
            if holder(number.e164) is None:
                self._found = number
                return number
        self._found = None
        ranges = ", ".join(str(r) for r in self.org.number_ranges) or "none"
        raise _RowError(header, text, f"no free number left in the number ranges ({ranges})")


@attrs.frozen
class _Change:
    """What one row did to the organisation it was tried on, to do again on another
    organisation in the same state: add ``user``, or update ``username`` with
    ``changes``."""

    outcome: str  # "added", "updated" or "unchanged"
    username: str
    user: User | None = None
    changes: Mapping[str, Any] = attrs.field(factory=dict)

    def redo(self, org: Organization) -> None:
        """Make the same change to ``org`` (its invariants are checked again)."""
        if self.user is not None:
            org.add_user(self.user)
        elif self.changes:
            org.update_user(self.username, **self.changes)


def _apply(org: Organization, row: _Row, *, assign_numbers: bool, lookups: _Lookups) -> _Change:
    """Create or update the row's user in ``org``: what was done."""
    cells = row.cells
    header, username = cells.get("username", ("", ""))
    if not username:
        raise _RowError(header, "", "a username is required (e.g. user.1@domaincustomer.be)")
    existing = org.user(username) if org.has_user(username) else None
    changes: dict[str, Any] = {}
    for field in _USER_FIELDS:
        if field in cells:
            changes[field] = cells[field][1]
    if "groups" in cells:
        changes["groups"] = tuple(_items(cells["groups"][1]))
    if "primary_line" in cells:
        line_header, text = cells["primary_line"]
        if text.casefold() in FREE_WORDS:
            current = None if existing is None else existing.primary_line
            changes["primary_line"] = current or lookups.first(line_header, text)
        else:
            changes["primary_line"] = _number(org, line_header, text)
    elif existing is None and assign_numbers:
        changes["primary_line"] = lookups.first("", "")
    if "aliases" in cells:
        alias_header, text = cells["aliases"]
        changes["aliases"] = tuple(_number(org, alias_header, item) for item in _items(text))
    profile = cells.get("mobile_profile", ("", ""))[1] or None
    if "mobile_phones" in cells:
        mobile_header, text = cells["mobile_phones"]
        had = {} if existing is None else {m.number: m for m in existing.mobile_phones}
        mobiles = []
        for item in _items(text):
            number = _number(org, mobile_header, item)
            old = had.get(number)
            if old is not None and profile in (None, old.profile):
                mobiles.append(old)
                continue
            try:
                mobiles.append(MobilePhone(number=number, profile=profile))
            except InvalidValueError as exc:
                raise _RowError(mobile_header, item, exc.message) from exc
        changes["mobile_phones"] = tuple(mobiles)
    elif profile is not None:
        raise _RowError(
            cells["mobile_profile"][0], profile, "a mobile profile without a mobile number"
        )
    wanted: dict[str, Any] = {field: cells[field][1] for field in _SETTINGS if field in cells}
    if wanted:
        base = existing.settings if existing is not None else Settings()
        changes["settings"] = attrs.evolve(base, **wanted)
    if existing is None:
        if "mobile_phones" in changes:
            changes["mobile_phones"] = lookups.completed(changes)
        added = org.add_user(User(username=username, **changes))
        return _Change("added", added.username, user=added)
    changed = {k: v for k, v in changes.items() if getattr(existing, k) != v}
    if not changed:
        return _Change("unchanged", existing.username)
    org.update_user(existing.username, **changed)
    if "primary_line" in changed or "aliases" in changed:
        lookups.restart()  # the user's old lines are free again
    return _Change("updated", existing.username, changes=changed)


def _column_of(exc: CloudtelError, row: _Row) -> tuple[str, str]:
    """The header and value an error of the organisation points at."""
    field = str(exc.context.get("field", "")).split("[", 1)[0].split(".", 1)[-1]
    if field in {"mobile_phones", "number"}:
        field = "mobile_phones"
    header, value = row.cells.get(field, ("", ""))
    if not header and field == "primary_line":
        header = "(free number)"
    shown = exc.context.get("value")
    return header, value if not shown or not isinstance(shown, str) else shown


def import_users(
    org: Organization,
    data: bytes | str,
    *,
    keep_valid: bool = False,
    assign_numbers: bool = True,
    welcome: Callable[[str], Iterable[DeliveryStatus]] | None = None,
    source: str = "<csv>",
    progress: Callable[[int, int], None] | None = None,
) -> UserImportReport:
    """Create or update users from a CSV file (see the module docs for the columns).

    Args:
        org (Organization): The organisation.
        data (bytes | str): The file's bytes (the encoding is detected) or text.
        keep_valid (bool): Import the valid rows even when some are rejected.
        assign_numbers (bool): Give a new user without a *Primary line* cell the first
            free number of the ranges.
        welcome (Callable[[str], Iterable[DeliveryStatus]] | None): Called with the
            username of each new user once the import is applied, to send the welcome
            messages; its statuses go into the report. ``None``: no messages.
        source (str): The file name, for the report and messages.
        progress (Callable[[int, int], None] | None): Called with (rows done, rows) as
            the rows are checked, e.g. to draw a progress bar.

    Returns:
        UserImportReport: Check :attr:`UserImportReport.applied`.

    Raises:
        FileProblemsError: The file cannot be read as a user list (no header, no
            username column, two columns meaning the same, broken quoting).
    """
    if isinstance(data, bytes):
        text, encoding = decode_csv(data, source=source)
    else:
        text, encoding = data.removeprefix("\ufeff"), "text"
    delimiter = detect_delimiter(text, lambda cell: header_key(cell) in _LOOKUP)
    rows = csv_rows(text, delimiter, source)
    header_row = next(rows, None)
    if header_row is None or not any(c.strip() for c in header_row[1]):
        raise FileProblemsError(source, [Problem("line 1", "the file is empty: no header line")])
    headers = [unescape_cell(h) for h in header_row[1]]
    plan, unknown = _plan(headers, source)
    warnings: list[RejectedRow] = []
    problems: list[RejectedRow] = []
    parsed: list[_Row] = []
    blank = 0
    for line, cells in rows:
        if not "".join(cells).strip():  # every cell blank
            blank += 1
            continue
        if len(cells) > len(headers) and any(c.strip() for c in cells[len(headers) :]):
            extra = next(c for c in cells[len(headers) :] if c.strip())
            problems.append(
                RejectedRow(
                    line=line,
                    column="",
                    value=extra,
                    reason=f"the row has {len(cells)} cells but the header only {len(headers)} "
                    "columns (a delimiter inside an unquoted value?)",
                )
            )
            continue
        parsed.append(_read_row(line, cells, plan, warnings))
    scratch = copy.deepcopy(org)
    with scratch._while_parts_are_still():  # users only: the parts hold the same numbers
        changes = _try_rows(scratch, parsed, problems, assign_numbers, progress)
    problems.sort(key=lambda r: r.line)
    report = UserImportReport(
        source=source,
        encoding=encoding,
        delimiter=delimiter,
        rejected=tuple(problems),
        warnings=tuple(warnings),
        unknown_columns=tuple(unknown),
        blank_lines=blank,
    )
    if problems and not keep_valid:
        return report
    outcomes: dict[str, list[str]] = {"added": [], "updated": [], "unchanged": []}
    with org._while_parts_are_still():
        for change in changes:  # what the valid rows did to the copy, in the same order
            change.redo(org)
            outcomes[change.outcome].append(change.username)
    statuses: list[DeliveryStatus] = []
    if welcome is not None:
        for username in outcomes["added"]:
            statuses += welcome(username)
    return attrs.evolve(
        report,
        added=tuple(outcomes["added"]),
        updated=tuple(outcomes["updated"]),
        unchanged=tuple(outcomes["unchanged"]),
        applied=True,
        welcome=tuple(statuses),
    )


def _try_rows(
    scratch: Organization,
    parsed: Sequence[_Row],
    problems: list[RejectedRow],
    assign_numbers: bool,
    progress: Callable[[int, int], None] | None,
) -> list[_Change]:
    """Apply the rows to ``scratch`` (a copy of the organisation), collecting the
    problems; what each valid row did, in file order."""
    valid: list[_Change] = []
    seen: dict[str, int] = {}
    lookups = _Lookups(scratch)
    for done, row in enumerate(parsed, start=1):
        name = row.cells.get("username", ("", ""))[1].strip().lower()
        if name and name in seen:
            problems.append(
                RejectedRow(
                    line=row.line,
                    column=row.cells["username"][0],
                    value=row.cells["username"][1],
                    reason=f"the same username as line {seen[name]}; one row per user",
                )
            )
        else:
            if name:
                seen[name] = row.line
            try:
                change = _apply(scratch, row, assign_numbers=assign_numbers, lookups=lookups)
            except _RowError as exc:
                problems.append(
                    RejectedRow(
                        line=row.line, column=exc.column, value=exc.value, reason=exc.reason
                    )
                )
            except CloudtelError as exc:
                column, value = _column_of(exc, row)
                problems.append(
                    RejectedRow(line=row.line, column=column, value=value, reason=str(exc))
                )
            else:
                valid.append(change)
        if progress is not None:
            progress(done, len(parsed))
    return valid
