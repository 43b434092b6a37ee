"""Writing files so that nobody ever finds a torn one; reading input files with a bound."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from cloudtel.errors import FileProblemsError, Problem

__all__ = ["MAX_INPUT_BYTES", "atomic_write", "atomic_write_chunks", "read_bounded"]

MAX_INPUT_BYTES = 64 * 1024 * 1024
"""The largest input file (CSV, audio, iCalendar, phone configuration …) read: 64 MiB."""

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
)


def _size(count: int) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"


def read_bounded(
    path: str | os.PathLike[str], *, limit: int = MAX_INPUT_BYTES, what: str = "file"
) -> bytes:
    """The content of the regular file ``path``, refused before reading when too big.

    The file's type and size are looked at first: a folder, a device (``/dev/zero``)
    or a named pipe is refused at once instead of being read without end or waited
    on, and a file larger than ``limit`` (a sparse one too) is refused without
    reading it. The file is read once, into one buffer of its size.

    Args:
        path: The file.
        limit: The largest size accepted, in bytes.
        what: What the file is, for the message (``"CSV file"``, ``"audio file"`` …).

    Raises:
        FileProblemsError: It cannot be opened, is not a regular file, or is too big.
    """
    name = os.fspath(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(name, flags)  # non-blocking: opening a pipe with no writer returns
    except OSError as exc:
        raise FileProblemsError(name, [Problem("", f"cannot read: {exc.strerror}")]) from exc
    try:
        info = os.fstat(fd)
        for test, kind in _KINDS:
            if test(info.st_mode):
                raise FileProblemsError(
                    name, [Problem("", f"is {kind}, not a regular {what}")], path=name
                )
        if info.st_size > limit:
            raise FileProblemsError(
                name,
                [Problem("", f"is {_size(info.st_size)}; a {what} may be at most {_size(limit)}")],
                path=name,
            )
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb", buffering=0) as stream:
        try:
            data = stream.read(info.st_size + 1) or b""  # one more: did it grow meanwhile?
            if len(data) > info.st_size:
                data += stream.read(limit + 1 - len(data)) or b""
        except OSError as exc:
            raise FileProblemsError(name, [Problem("", f"cannot read: {exc.strerror}")]) from exc
    if len(data) > limit:
        raise FileProblemsError(
            name, [Problem("", f"grew past {_size(limit)} while being read")], path=name
        )
    return data


def atomic_write(path: str | os.PathLike[str], data: bytes, *, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` atomically: temporary file, flush, fsync, rename.

    Readers see the old file or the new one, never a part of either. The folder
    must exist. On any failure the temporary file is removed and the old file
    stays as it was.
    """
    atomic_write_chunks(path, (data,), mode=mode)


def atomic_write_chunks(
    path: str | os.PathLike[str], chunks: Iterable[bytes], *, mode: int = 0o644
) -> None:
    """Like :func:`atomic_write`, writing the pieces ``chunks`` gives one after another.

    A big file is written without holding all of it in memory. When ``chunks``
    raises, the temporary file is removed, the old file stays as it was, and
    the error goes on.
    """
    target = Path(path)
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:  # name the file asked for, not the temporary one
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            for chunk in chunks:
                stream.write(chunk)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable where we can
        folder = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
