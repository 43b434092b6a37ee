"""Plain-text output of the ``cloudtel`` command: the one text table, and :func:`say`.

Every command and demo section that shows rows formats them with :func:`table`
(columns padded to the widest cell, two spaces apart, a dashed line under the
headers, no trailing spaces); :func:`say` writes a line or block to standard output.

Text from an org file or from the network (a name, a phone's SIP reason phrase)
may hold terminal escapes, bells, bidirectional overrides or lone surrogates;
everything written goes through :func:`visible`, which shows them escaped
(``\\x1b``, ``\\u202e``) instead of letting them act on the terminal.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence

__all__ = ["say", "table", "visible"]

# controls (C0 but LF, DEL, C1), line and paragraph separators, bidirectional
# marks, embeddings, overrides and isolates, and lone surrogates
_ACTIVE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]"
)


def _escape(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, *, lines: bool = True) -> str:
    """``text`` with everything that would act on a terminal shown as an escape.

    Control characters (ESC, BEL, CR, tab …), bidirectional controls (the
    right-to-left override U+202E …), line and paragraph separators and lone
    surrogates become ``\\x1b``, ``\\u202e`` and so on; other text, including
    accents, emoji and right-to-left scripts, is shown as it is.

    Args:
        text: The text to show.
        lines: Keep line feeds (a block of lines); ``False`` escapes them too
            (one cell of a table).
    """
    shown = _ACTIVE.sub(_escape, text)
    return shown if lines else shown.replace("\n", "\\x0a")


def table(rows: Iterable[Sequence[object]], headers: Sequence[str]) -> str:
    """Format rows as a plain text table with a header line.

    Args:
        rows: The rows; each cell is shown with ``str``, through :func:`visible`.
        headers: The column titles.
    """
    cells = [
        [str(h) for h in headers],
        *[[visible(str(c), lines=False) for c in row] for row in rows],
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def say(text: str) -> None:
    """Write one line (or block) of output to standard output, through :func:`visible`."""
    sys.stdout.write(visible(text) + "\n")
