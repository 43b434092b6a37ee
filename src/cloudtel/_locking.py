"""The lock that serialises saves of one org file, and the clean-up of crashed saves.

Every :func:`cloudtel.save` of ``organization.toml`` holds an exclusive
:func:`fcntl.flock` on ``.organization.toml.lock`` beside it while it re-reads,
merges, writes and journals; other savers wait. The lock file is never deleted
(deleting it would let two savers lock two different files).

NFS: ``flock`` on an NFS mount is emulated with POSIX byte-range locks by Linux
(since 2.6.12) and only works when the NFS lock daemon runs on client and
server; on some systems it locks on the local host only. Keep org files that
several machines edit on a local file system, or make sure NFS locking works.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

__all__ = ["clean_temporaries", "file_lock", "lock_path"]


def lock_path(file: Path) -> Path:
    """The lock file of ``file``: ``.<name>.lock`` in the same folder."""
    return file.with_name(f".{file.name}.lock")


@contextlib.contextmanager
def file_lock(file: Path) -> Iterator[None]:
    """Hold the exclusive lock of ``file`` for the ``with`` block (waits for it)."""
    handle = os.open(lock_path(file), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        os.close(handle)


def clean_temporaries(files: Iterable[Path]) -> list[Path]:
    """Remove the temporary files a crashed atomic write of ``files`` left behind.

    :func:`cloudtel._files.atomic_write` writes ``.<name>.<random>.tmp`` beside its
    target and renames it; a process killed in between leaves it there, and an
    org file's temporary may hold secrets. Call this while holding the lock.
    Returns the files removed.
    """
    removed: list[Path] = []
    for file in files:
        try:
            candidates = list(file.parent.glob(f".{_escape(file.name)}.*.tmp"))
        except OSError:
            continue
        for candidate in candidates:
            if candidate.is_symlink() or not candidate.is_file():
                continue
            with contextlib.suppress(FileNotFoundError):
                candidate.unlink()
                removed.append(candidate)
    return removed


def _escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[]" else c for c in name)
