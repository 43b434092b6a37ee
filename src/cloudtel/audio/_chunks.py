"""The chunk walk shared by the RIFF (WAV) and IFF (AIFF) readers."""

from __future__ import annotations

import struct
from collections.abc import Iterator

import attrs

from cloudtel.errors import AudioFormatError

__all__ = ["Chunk", "fourcc", "walk_chunks"]


def fourcc(raw: bytes | memoryview) -> str:
    """A four-character code as printable text for messages, e.g. ``'fmt '``."""
    text = bytes(raw).decode("latin-1")
    return repr(text) if text.isprintable() else repr(bytes(raw))


@attrs.frozen(kw_only=True)
class Chunk:
    """One chunk: its id, where its header starts and its payload (without pad byte)."""

    id: bytes
    offset: int
    body: memoryview


def walk_chunks(
    data: memoryview, *, start: int, end: int, big_endian: bool, what: str
) -> Iterator[Chunk]:
    """Yield the chunks between ``start`` and ``end``, honouring the pad byte of odd chunks.

    A chunk whose declared size runs past the container is a truncated file and is refused;
    so is a stray partial header. A missing pad byte after the very last chunk is tolerated.

    Args:
        data (memoryview): The whole file.
        start (int): Offset of the first chunk header.
        end (int): Offset just past the container (checked to be inside ``data``).
        big_endian (bool): Byte order of the chunk sizes (AIFF) or not (WAV).
        what (str): The container's name for messages.

    Yields:
        Chunk: Each chunk in file order.

    Raises:
        AudioFormatError: On a chunk that does not fit in the container.
    """
    header = struct.Struct(">4sI" if big_endian else "<4sI")
    pos = start
    while pos < end:
        if end - pos < 8:
            raise AudioFormatError(
                f"{what}: {end - pos} stray bytes at byte {pos} where a chunk header "
                f"(8 bytes) should start; the file is damaged",
                offset=pos,
            )
        cid, size = header.unpack_from(data, pos)
        body_end = pos + 8 + size
        if body_end > end:
            raise AudioFormatError(
                f"{what}: chunk {fourcc(cid)} at byte {pos} declares {size} bytes but only "
                f"{end - pos - 8} remain; the file is truncated or damaged (truncated files "
                f"are refused, not read in part)",
                offset=pos,
                chunk=bytes(cid).decode("latin-1"),
            )
        yield Chunk(id=cid, offset=pos, body=data[pos + 8 : body_end])
        pos = min(body_end + (size & 1), end)
