"""CSV machinery shared by the imports (contacts, users): decoding, delimiters, rows, reports.

Spreadsheet programs write CSV in many ways; every import reads them the same way:

- :func:`decode_csv` detects the text encoding (UTF-8 with or without BOM, UTF-16 with
  or without BOM, Windows-1252, else Latin-1);
- :func:`detect_delimiter` picks comma, semicolon, tab or ``|`` from the header line,
  preferring the one that splits it into the most known headers;
- :func:`csv_rows` yields ``(line number, cells)`` with the spreadsheet quoting rules
  (line breaks inside quotes stay in the cell; the line number is where the row starts);
- :func:`unescape_cell` removes the apostrophe an export puts before a cell a spreadsheet
  would run as a formula; :func:`fold_line_breaks` folds a cell typed with Alt+Enter into
  one line;
- :class:`RejectedRow` is one problem (or warning) of one row: line, column, value, reason.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from typing import Final

import attrs

from cloudtel.errors import FileProblemsError, Problem

__all__ = [
    "DELIMITERS",
    "RejectedRow",
    "RowReport",
    "csv_rows",
    "decode_csv",
    "detect_delimiter",
    "fold_line_breaks",
    "header_key",
    "unescape_cell",
]

DELIMITERS: Final = (",", ";", "\t", "|")
"""The delimiters :func:`detect_delimiter` tries."""

_BREAKS: Final = re.compile(r"[ \t]*(?:\r\n|\r|\n|\u2028|\u2029)+[ \t]*")


def decode_csv(data: bytes, *, source: str = "<csv>") -> tuple[str, str]:
    """Decode the bytes of a CSV file the way spreadsheet programs write them.

    Args:
        data (bytes): The file's content.
        source (str): The file name, for messages.

    Returns:
        ``(text, encoding)``; the encoding is ``utf-8-sig``, ``utf-16``,
        ``utf-16-le``, ``utf-16-be``, ``utf-8``, ``cp1252`` or ``latin-1``.

    Raises:
        FileProblemsError: A UTF-16 file that is cut off or broken.
    """
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16"), "utf-16"
        sample = data[:400]
        if len(sample) >= 4 and sample.count(0) * 3 >= len(sample):
            # BOM-less UTF-16: every other byte of ASCII text is NUL
            encoding = "utf-16-le" if sample[1::2].count(0) > sample[0::2].count(0) else "utf-16-be"
            return data.decode(encoding), encoding
    except UnicodeDecodeError as exc:
        raise FileProblemsError(
            source, [Problem("", f"looks like UTF-16 text but cannot be read: {exc.reason}")]
        ) from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def header_key(text: str) -> str:
    """A header as compared: case, accents, spaces and punctuation ignored.

    Args:
        text (str): A header as written, e.g. ``"Prénom"``.

    Returns:
        str: e.g. ``"prenom"``.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))


def header_line(text: str) -> str:
    """The first logical line (line breaks inside quotes do not end it).

    Args:
        text (str): The whole file.

    Returns:
        str: Its header line.
    """
    quoted = False
    for position, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif ch in "\r\n" and not quoted:
            return text[:position]
    return text


def detect_delimiter(text: str, known: Callable[[str], bool]) -> str:
    """The delimiter that splits the header line into the most known headers.

    Args:
        text (str): The whole file (its first logical line is read).
        known (Callable[[str], bool]): Whether a header cell is one the import knows.

    Returns:
        str: One of :data:`DELIMITERS`; a comma when nothing splits the line.
    """
    line = header_line(text)
    best, best_score = ",", (-1, -1)
    for delimiter in DELIMITERS:
        try:
            cells = next(csv.reader([line], delimiter=delimiter), [])
        except csv.Error:  # a stray quote before a bare CR: not this delimiter's header
            continue
        if len(cells) < 2 and delimiter != ",":
            continue
        score = (sum(1 for cell in cells if known(cell)), len(cells))
        if score > best_score:
            best, best_score = delimiter, score
    return best


def csv_rows(text: str, delimiter: str, source: str) -> Iterator[tuple[int, list[str]]]:
    """The rows of a CSV text with the line each starts on (the header is line 1).

    Args:
        text (str): The decoded file.
        delimiter (str): From :func:`detect_delimiter`.
        source (str): The file name, for messages.

    Yields:
        tuple[int, list[str]]: Line number and cells.

    Raises:
        FileProblemsError: Broken quoting.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    try:
        for cells in reader:
            yield line, cells
            line = reader.line_num + 1
    except csv.Error as exc:
        raise FileProblemsError(
            source, [Problem(f"line {reader.line_num}", f"cannot read the CSV: {exc}")]
        ) from exc


def unescape_cell(value: str) -> str:
    """A cell without surrounding blanks and without the apostrophe a formula-like cell
    was exported with (``'=SUM`` → ``=SUM``).

    Args:
        value (str): The cell as read.

    Returns:
        str: The value.
    """
    value = value.strip()
    if len(value) >= 2 and value[0] == "'" and value[1] in "=+-@'":
        return value[1:]
    return value


def fold_line_breaks(value: str) -> str:
    """A cell typed over several lines (Alt+Enter in Excel) folded into one line.

    Each line break, with the blanks around it, becomes one space.

    Args:
        value (str): The cell.

    Returns:
        str: The same text on one line (unchanged when it had no line break).
    """
    return _BREAKS.sub(" ", value).strip()


@attrs.frozen(kw_only=True)
class RejectedRow:
    """One problem with one row of an imported file (or, in a report's warnings, one
    change made to a value so it could be imported).

    Args:
        line (int): The line number in the file (the header is line 1).
        column (str): The column's header as written in the file ("" for the row).
        value (str): The value found.
        reason (str): What is wrong and what is allowed (or what was done).
    """

    line: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column!r}" if self.column else "")
        return f"{where}: {self.value!r}: {self.reason}"


class RowReport:
    """What every import report shares: its rejected rows, warnings and summary text.

    The reports (:class:`~cloudtel.ImportReport` for contacts, the users import's) are
    attrs classes with these fields; this base derives the rest from them.
    """

    source: str
    encoding: str
    delimiter: str
    rejected: tuple[RejectedRow, ...]
    warnings: tuple[RejectedRow, ...]
    unknown_columns: tuple[str, ...]
    blank_lines: int
    applied: bool

    @property
    def rejected_lines(self) -> tuple[int, ...]:
        """The line numbers of the rejected rows, each once."""
        return tuple(sorted({r.line for r in self.rejected}))

    @property
    def ok(self) -> bool:
        """Whether every row was imported."""
        return not self.rejected and self.applied

    def summary_lines(
        self, target: str, counts: tuple[int, int, int], ignored: tuple[str, ...] = ()
    ) -> list[str]:
        """The report as lines of text, for people.

        Args:
            target: What was imported into, e.g. ``"organisation"`` or ``"users"``.
            counts: How many rows were added, updated and unchanged.
            ignored: Known columns the import does not use.

        Returns:
            The header line, the counts, the columns, warnings and rejected rows.
        """
        shown = {"\t": "tab"}.get(self.delimiter, self.delimiter)
        verb = "imported" if self.applied else "NOT imported (nothing changed)"
        added, updated, unchanged = counts
        lines = [
            f"{self.source} → {target}: {verb}; {self.encoding}, delimiter {shown!r}",
            f"  added {added}, updated {updated}, unchanged {unchanged}, "
            f"rejected {len(self.rejected_lines)} rows",
        ]
        if self.unknown_columns:
            lines.append(
                "  columns that map to nothing (not imported): "
                + ", ".join(repr(c) for c in self.unknown_columns)
            )
        if ignored:
            lines.append("  columns ignored: " + ", ".join(repr(c) for c in ignored))
        if self.blank_lines:
            lines.append(f"  {self.blank_lines} blank lines skipped")
        lines += [f"  warning: {row}" for row in self.warnings]
        lines += [f"  {row}" for row in self.rejected]
        if self.rejected and not self.applied:
            lines.append(
                "  fix these rows, or import with keep_valid=True (--keep-valid) to import "
                "the others"
            )
        return lines
