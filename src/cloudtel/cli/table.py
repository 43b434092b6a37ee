"""Plain-text output of the ``cloudtel`` command: the one text table, and :func:`say`.

Every command and demo section that shows rows formats them with :func:`table`
(columns padded to the widest cell, two spaces apart, a dashed line under the
headers, no trailing spaces); :func:`say` writes a line or block to standard output.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence

__all__ = ["say", "table"]


def table(rows: Iterable[Sequence[object]], headers: Sequence[str]) -> str:
    """Format rows as a plain text table with a header line.

    Args:
        rows: The rows; each cell is shown with ``str``.
        headers: The column titles.
    """
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def say(text: str) -> None:
    """Write one line (or block) of output to standard output."""
    sys.stdout.write(text + "\n")
