"""A strict reader of integer-PCM AIFF and AIFF-C files."""

from __future__ import annotations

import struct
from fractions import Fraction

from cloudtel.audio._chunks import fourcc, walk_chunks
from cloudtel.audio._pcm import PcmAudio, PcmSource, check_channels, check_size
from cloudtel.audio._resample import check_sample_rate
from cloudtel.errors import AudioFormatError

__all__ = ["AIFC_VERSION", "aiff_source", "parse_extended", "read_aiff"]

AIFC_VERSION = 0xA2805140
"""The only AIFF-C format version (the ``FVER`` chunk's timestamp)."""

# compression type → (big endian, unsigned, required container bytes or None)
_PCM_TYPES: dict[bytes, tuple[bool, bool, int | None]] = {
    b"NONE": (True, False, None),
    b"twos": (True, False, None),
    b"in24": (True, False, 3),
    b"in32": (True, False, 4),
    b"sowt": (False, False, None),
    b"42ni": (False, False, 3),
    b"42n1": (False, False, 3),
    b"23ni": (False, False, 4),
    b"raw ": (True, True, 1),
}

_NOT_PCM = {
    b"fl32": "32-bit floating point",
    b"FL32": "32-bit floating point",
    b"fl64": "64-bit floating point",
    b"FL64": "64-bit floating point",
    b"alaw": "A-law",
    b"ALAW": "A-law",
    b"ulaw": "µ-law",
    b"ULAW": "µ-law",
    b"ima4": "IMA 4:1 ADPCM",
    b"MAC3": "MACE 3:1",
    b"MAC6": "MACE 6:1",
    b"G722": "G.722",
    b"GSM ": "GSM",
    b"DWVW": "DWVW",
}

_ACCEPTED = (
    "accepted are integer PCM AIFF files and AIFF-C files with compression type NONE, twos, "
    "sowt, in24, in32, 42ni, 23ni or 'raw ', 1 to 32 bits, 1 to 8 channels"
)


def parse_extended(raw: bytes | memoryview) -> Fraction:
    """Read an 80-bit IEEE 754 extended float (a sample rate) exactly.

    Args:
        raw (bytes | memoryview): The 10 bytes, big-endian.

    Returns:
        Fraction: The exact value (positive, finite, normalised).

    Raises:
        AudioFormatError: For a negative, zero, infinite, NaN or unnormalised number, or one
            too large to be a sample rate.
    """
    se, mantissa = struct.unpack(">HQ", bytes(raw))
    exponent = se & 0x7FFF
    found = f"bytes {bytes(raw).hex()}"
    if se >> 15:
        raise AudioFormatError(f"AIFF sample rate is negative ({found})", field="sample_rate")
    if exponent == 0x7FFF:
        raise AudioFormatError(
            f"AIFF sample rate is infinite or NaN ({found})", field="sample_rate"
        )
    if mantissa == 0:
        raise AudioFormatError(f"AIFF sample rate is zero ({found})", field="sample_rate")
    if not mantissa >> 63:
        raise AudioFormatError(
            f"AIFF sample rate is not a normalised extended float ({found})", field="sample_rate"
        )
    power = exponent - 16383 - 63
    if power > 0:
        if exponent - 16383 > 40:  # ≥ 2**40 Hz: absurd; do not build a giant integer
            raise AudioFormatError(
                f"AIFF sample rate is absurdly large ({found})", field="sample_rate"
            )
        return Fraction(mantissa << power)
    return Fraction(mantissa, 1 << -power)


def _form(data: memoryview) -> tuple[bool, int]:
    """Check the FORM header; return (is AIFF-C, offset past the container)."""
    if len(data) < 12:
        raise AudioFormatError(
            f"not an AIFF file: {len(data)} bytes is shorter than the 12-byte FORM header; "
            f"{_ACCEPTED}",
            value=len(data),
        )
    kind = bytes(data[8:12])
    if bytes(data[:4]) != b"FORM" or kind not in (b"AIFF", b"AIFC"):
        raise AudioFormatError(
            f"not an AIFF file: it starts with {fourcc(data[:4])}…{fourcc(data[8:12])} "
            f"instead of 'FORM'…'AIFF' or 'FORM'…'AIFC'; {_ACCEPTED}"
        )
    (size,) = struct.unpack_from(">I", data, 4)
    end = 8 + size
    if end > len(data):
        raise AudioFormatError(
            f"AIFF file is truncated: its FORM header declares {end} bytes but the file has "
            f"{len(data)} (truncated files are refused, not read in part)",
            value=len(data),
        )
    return kind == b"AIFC", end


class _Common:
    """What the ``COMM`` chunk says, once checked."""

    def __init__(self, body: memoryview, *, aifc: bool) -> None:
        name = "AIFF-C" if aifc else "AIFF"
        need = 22 if aifc else 18
        if len(body) < need:
            raise AudioFormatError(
                f"{name} 'COMM' chunk has {len(body)} bytes; it needs at least {need}",
                chunk="COMM",
            )
        channels, frames, bits = struct.unpack_from(">hIh", body, 0)
        self.channels = check_channels(channels, f"{name} file")
        self.frames = frames
        if not 1 <= bits <= 32:
            raise AudioFormatError(
                f"{name} declares {bits} bits per sample; {_ACCEPTED}", field="bits", value=bits
            )
        self.bits = bits
        self.width = -(-bits // 8)
        rate = parse_extended(body[8:18])
        if rate.denominator != 1:
            raise AudioFormatError(
                f"{name} sample rate {float(rate):.4f} Hz is not a whole number of hertz; "
                f"accepted are whole rates such as 8000, 16000, 44100 or 48000 Hz",
                field="sample_rate",
                value=float(rate),
            )
        self.rate = check_sample_rate(int(rate), what=f"{name} sample rate")
        self.big_endian, self.unsigned = True, False
        if aifc:
            kind = bytes(body[18:22])
            if kind in _NOT_PCM:
                raise AudioFormatError(
                    f"AIFF-C compression {fourcc(kind)} ({_NOT_PCM[kind]}) is not integer PCM; "
                    f"{_ACCEPTED}",
                    field="compression",
                    value=kind.decode("latin-1"),
                )
            if kind not in _PCM_TYPES:
                raise AudioFormatError(
                    f"AIFF-C compression {fourcc(kind)} is unknown; {_ACCEPTED}",
                    field="compression",
                    value=kind.decode("latin-1"),
                )
            self.big_endian, self.unsigned, width = _PCM_TYPES[kind]
            if width is not None and width != self.width:
                raise AudioFormatError(
                    f"AIFF-C compression {fourcc(kind)} stores {8 * width}-bit samples but "
                    f"'COMM' declares {bits} bits; the header is inconsistent",
                    field="bits",
                    value=bits,
                )
            if len(body) > 22 and 22 + 1 + body[22] > len(body):
                raise AudioFormatError(
                    "AIFF-C 'COMM' compression name runs past the end of the chunk",
                    chunk="COMM",
                )


def read_aiff(data: bytes | bytearray | memoryview) -> PcmAudio:
    """Read an integer-PCM AIFF or AIFF-C file.

    Accepted: AIFF (big-endian, signed; 8-bit samples are signed), and AIFF-C whose
    compression type is PCM: ``NONE``, ``twos``, ``in24``, ``in32`` (big-endian), ``sowt``,
    ``42ni``, ``23ni`` (little-endian), ``raw `` (unsigned 8-bit). 1 to 32 bits, left-justified
    in whole bytes; 1 to 8 channels; the 80-bit sample rate is read exactly and must be a
    whole rate accepted by :func:`check_sample_rate`. Chunks may come in any order; ``COMM``
    and ``SSND`` are required, and AIFF-C needs ``FVER``. The ``SSND`` offset is honoured.
    A file holding fewer sample bytes than ``COMM`` declares is refused as truncated.

    Args:
        data (bytes | bytearray | memoryview): The whole file, at most
            :data:`MAX_AUDIO_BYTES`.

    Returns:
        PcmAudio: The samples as floats in ``[-1, 1)``.

    Raises:
        AudioFormatError: If the file is not an AIFF file we accept; the message says what
            was found and what is accepted.
        TypeError: If ``data`` is not bytes-like.
    """
    return aiff_source(data).audio()


def aiff_source(data: bytes | bytearray | memoryview) -> PcmSource:
    """Check an AIFF or AIFF-C file as :func:`read_aiff` does; samples are decoded on demand."""
    view = memoryview(check_size(data, "AIFF"))
    aifc, end = _form(view)
    name = "AIFF-C" if aifc else "AIFF"
    comm: _Common | None = None
    sound: memoryview | None = None
    version: memoryview | None = None
    for chunk in walk_chunks(view, start=12, end=end, big_endian=True, what=name):
        if chunk.id in (b"COMM", b"SSND", b"FVER"):
            seen = {b"COMM": comm, b"SSND": sound, b"FVER": version}[chunk.id]
            if seen is not None:
                raise AudioFormatError(
                    f"{name} has a second {fourcc(chunk.id)} chunk at byte {chunk.offset}; "
                    f"one is allowed",
                    offset=chunk.offset,
                )
        if chunk.id == b"COMM":
            comm = _Common(chunk.body, aifc=aifc)
        elif chunk.id == b"SSND":
            sound = chunk.body
        elif chunk.id == b"FVER":
            version = chunk.body
    if aifc:
        if version is None:
            raise AudioFormatError("AIFF-C file has no 'FVER' chunk; AIFF-C requires one")
        if len(version) < 4 or struct.unpack_from(">I", version, 0)[0] != AIFC_VERSION:
            raise AudioFormatError(
                f"AIFF-C 'FVER' chunk holds {bytes(version[:4]).hex()}; the only AIFF-C "
                f"version is {AIFC_VERSION:08x}"
            )
    if comm is None:
        raise AudioFormatError(f"{name} file has no 'COMM' chunk; {_ACCEPTED}")
    if comm.frames == 0:
        raise AudioFormatError(f"{name} 'COMM' declares 0 frames: the file holds no audio")
    if sound is None:
        raise AudioFormatError(f"{name} file has no 'SSND' chunk: it holds no audio")
    if len(sound) < 8:
        raise AudioFormatError(
            f"{name} 'SSND' chunk has {len(sound)} bytes; it needs at least 8", chunk="SSND"
        )
    (offset,) = struct.unpack_from(">I", sound, 0)
    available = len(sound) - 8 - offset
    needed = comm.frames * comm.channels * comm.width
    if available < needed:
        raise AudioFormatError(
            f"{name} is truncated: 'COMM' declares {comm.frames} frames ({needed} bytes) but "
            f"'SSND' holds {max(available, 0)} bytes after its offset of {offset} "
            f"(truncated files are refused, not read in part)",
            chunk="SSND",
            value=max(available, 0),
        )
    return PcmSource(
        raw=sound[8 + offset : 8 + offset + needed],
        channels=comm.channels,
        width=comm.width,
        big_endian=comm.big_endian,
        unsigned=comm.unsigned,
        sample_rate=comm.rate,
        bits=comm.bits,
        file_format=name,
    )
