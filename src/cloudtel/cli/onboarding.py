"""``cloudtel users import FILE CSV``: onboarding in bulk from a spreadsheet.

The ``users`` command of :mod:`cloudtel.cli.core` hands ``users import …`` to
:func:`users_import`. The users are created or updated by
:func:`cloudtel.onboarding.import_users`; the org file is saved only when the import
was applied. While the rows are checked a progress bar is drawn on the terminal
(standard error, only when it is a terminal: a pipe or a log file gets the report alone).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TextIO

from cloudtel.cli.table import say as _print
from cloudtel.messaging import DeliveryStatus, Transports, WelcomeTarget, send_welcome
from cloudtel.onboarding import import_users
from cloudtel.serialization import load, save

__all__ = ["ProgressBar", "users_import"]


class ProgressBar:
    """A one-line progress bar on a terminal: ``checking rows ████░░░░ 120/300``.

    Drawn only when ``stream`` is a terminal; at most ten times a second; the line is
    cleared at the end.

    Args:
        stream (TextIO): Where to draw (standard error by default).
        label (str): The words before the bar.
        width (int): The bar's width in characters.
    """

    def __init__(self, stream: TextIO | None = None, label: str = "", width: int = 30) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.label = label
        self.width = width
        self.shown = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        """Show ``done`` of ``total`` (the last call clears the line)."""
        if not self.shown or total <= 0:
            return
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        if done >= total:
            self.stream.write("\r\x1b[K")
        else:
            filled = self.width * done // total
            bar = "█" * filled + "░" * (self.width - filled)
            self.stream.write(f"\r{self.label} {bar} {done}/{total}")
        self.stream.flush()


def users_import(args: argparse.Namespace, file: str, csv_file: str) -> int:
    """Run ``cloudtel users import FILE CSV`` (see ``cloudtel users --help``).

    Args:
        args (argparse.Namespace): The parsed options (``keep_valid``, ``no_assign``,
            ``welcome``, ``outbox``).
        file (str): The org file.
        csv_file (str): The CSV file of users.

    Returns:
        int: 0 when imported, 1 when nothing changed.
    """
    org = load(file)
    path = Path(csv_file)
    targets = [WelcomeTarget(w.strip()) for w in (args.welcome or "").split(",") if w.strip()]
    outbox = Path(args.outbox) if args.outbox else Path(file).parent / "outbox"
    transports = Transports.outbox(outbox)

    def welcome(username: str) -> tuple[DeliveryStatus, ...]:
        return send_welcome(org, username, targets, transports)

    report = import_users(
        org,
        path.read_bytes(),
        keep_valid=args.keep_valid,
        assign_numbers=not args.no_assign,
        welcome=welcome if targets else None,
        source=path.name,
        progress=ProgressBar(label="checking rows"),
    )
    if report.applied:
        save(org, file)
    _print(str(report))
    return 0 if report.applied else 1
