"""A strict reader of integer-PCM WAV files and a writer of A-law WAV files."""

from __future__ import annotations

import struct

import numpy as np
from numpy.typing import NDArray

from cloudtel.audio._chunks import fourcc, walk_chunks
from cloudtel.audio._g711 import ALAW_SILENCE
from cloudtel.audio._pcm import PcmAudio, PcmSource, check_channels, check_size
from cloudtel.audio._resample import TARGET_RATE, check_sample_rate
from cloudtel.errors import AudioFormatError

__all__ = ["read_alaw_wav", "read_wav", "wav_source", "write_alaw_wav"]

WAVE_FORMAT_PCM = 0x0001
WAVE_FORMAT_ALAW = 0x0006
WAVE_FORMAT_EXTENSIBLE = 0xFFFE
_GUID_TAIL = bytes.fromhex("000000001000800000aa00389b71")
"""Bytes 2…15 of KSDATAFORMAT_SUBTYPE_* GUIDs ({tag}-0000-0010-8000-00AA00389B71, bytes_le)."""

_FORMAT_NAMES = {
    0x0002: "Microsoft ADPCM",
    0x0003: "IEEE floating point",
    0x0006: "A-law",
    0x0007: "µ-law",
    0x0011: "IMA ADPCM",
    0x0022: "TrueSpeech",
    0x0031: "GSM 6.10",
    0x0040: "G.721 ADPCM",
    0x0050: "MPEG",
    0x0055: "MPEG Layer 3 (MP3)",
    0x0064: "G.726 ADPCM",
    0x00FF: "AAC",
    0x0161: "Windows Media Audio",
    0xF1AC: "FLAC",
}

_ACCEPTED = (
    "accepted are integer PCM WAV files (format 1, or WAVE_FORMAT_EXTENSIBLE with the PCM "
    "sub-format) of 8, 16, 24 or 32 bits, 1 to 8 channels"
)


def _format_name(tag: int) -> str:
    name = _FORMAT_NAMES.get(tag)
    return f"format 0x{tag:04X} ({name})" if name else f"format 0x{tag:04X}"


def _riff(data: memoryview) -> int:
    """Check the RIFF/WAVE header; return the offset just past the RIFF container."""
    if len(data) < 12:
        raise AudioFormatError(
            f"not a WAV file: {len(data)} bytes is shorter than the 12-byte RIFF header; "
            f"{_ACCEPTED}",
            value=len(data),
        )
    magic = bytes(data[:4])
    if magic == b"RIFX":
        raise AudioFormatError(f"big-endian RIFX WAV files are not supported; {_ACCEPTED}")
    if magic in (b"RF64", b"BW64"):
        raise AudioFormatError(
            f"{magic.decode()} (64-bit WAV) files are not supported; {_ACCEPTED}"
        )
    if magic != b"RIFF" or bytes(data[8:12]) != b"WAVE":
        raise AudioFormatError(
            f"not a WAV file: it starts with {fourcc(data[:4])}…{fourcc(data[8:12])} "
            f"instead of 'RIFF'…'WAVE'; {_ACCEPTED}"
        )
    size: int = struct.unpack_from("<I", data, 4)[0]
    end = 8 + size
    if end > len(data):
        raise AudioFormatError(
            f"WAV file is truncated: its RIFF header declares {end} bytes but the file has "
            f"{len(data)} (truncated files are refused, not read in part)",
            value=len(data),
        )
    return end


class _Format:
    """What the ``fmt `` chunk says, once checked."""

    def __init__(self, body: memoryview) -> None:
        if len(body) < 16:
            raise AudioFormatError(
                f"WAV 'fmt ' chunk has {len(body)} bytes; it needs at least 16",
                chunk="fmt ",
            )
        tag, channels, rate, _avg, align, bits = struct.unpack_from("<HHIIHH", body, 0)
        self.tag = tag
        self.valid_bits = bits
        self.extensible = tag == WAVE_FORMAT_EXTENSIBLE
        if self.extensible:
            if len(body) < 40:
                raise AudioFormatError(
                    f"WAV 'fmt ' chunk of WAVE_FORMAT_EXTENSIBLE has {len(body)} bytes; "
                    f"it needs 40",
                    chunk="fmt ",
                )
            (extra,) = struct.unpack_from("<H", body, 16)
            if extra < 22:
                raise AudioFormatError(
                    f"WAV WAVE_FORMAT_EXTENSIBLE declares {extra} extension bytes; it needs 22",
                    chunk="fmt ",
                )
            self.valid_bits, _mask = struct.unpack_from("<HI", body, 18)
            guid = bytes(body[24:40])
            if guid[2:] != _GUID_TAIL:
                raise AudioFormatError(
                    f"WAV WAVE_FORMAT_EXTENSIBLE has an unknown sub-format GUID {guid.hex()}; "
                    f"{_ACCEPTED}",
                    chunk="fmt ",
                )
            (self.tag,) = struct.unpack_from("<H", guid, 0)
        self.channels = channels
        self.rate = rate
        self.align = align
        self.bits = bits

    def check_pcm(self) -> tuple[int, int]:
        """Check this is accepted integer PCM; return (valid bits, container bytes)."""
        kind = "WAV WAVE_FORMAT_EXTENSIBLE with sub-" if self.extensible else "WAV "
        if self.tag != WAVE_FORMAT_PCM:
            raise AudioFormatError(
                f"{kind}{_format_name(self.tag)} is not integer PCM; {_ACCEPTED}",
                field="format",
                value=self.tag,
            )
        check_channels(self.channels, "WAV file")
        check_sample_rate(self.rate, what="WAV sample rate")
        if not 1 <= self.bits <= 32:
            raise AudioFormatError(
                f"WAV declares {self.bits} bits per sample; {_ACCEPTED}",
                field="bits",
                value=self.bits,
            )
        width = -(-self.bits // 8)
        if self.extensible:
            # The container may be wider than wBitsPerSample (e.g. 20 bits in 32): it is
            # what nBlockAlign says; the valid bits are left-justified inside it.
            if self.align % self.channels == 0 and width <= self.align // self.channels <= 4:
                width = self.align // self.channels
            if not 1 <= self.valid_bits <= self.bits:
                raise AudioFormatError(
                    f"WAV declares {self.valid_bits} valid bits in a {self.bits}-bit sample; "
                    f"valid bits must be 1 to {self.bits}",
                    field="valid_bits",
                    value=self.valid_bits,
                )
        if self.align != self.channels * width:
            raise AudioFormatError(
                f"WAV block alignment is {self.align} bytes but {self.channels} channels of "
                f"{self.bits} bits need {self.channels * width}; the header is inconsistent",
                field="block_align",
                value=self.align,
            )
        return self.valid_bits, width


def _read_chunks(data: memoryview) -> tuple[_Format, memoryview]:
    """Walk the chunks: exactly one 'fmt ', then exactly one 'data'; skip the rest."""
    end = _riff(data)
    fmt: _Format | None = None
    samples: memoryview | None = None
    for chunk in walk_chunks(data, start=12, end=end, big_endian=False, what="WAV"):
        if chunk.id == b"fmt ":
            if fmt is not None:
                raise AudioFormatError(
                    f"WAV has a second 'fmt ' chunk at byte {chunk.offset}; one is allowed",
                    offset=chunk.offset,
                )
            if samples is not None:
                raise AudioFormatError(
                    f"WAV 'fmt ' chunk at byte {chunk.offset} comes after the 'data' chunk; "
                    f"it must come before",
                    offset=chunk.offset,
                )
            fmt = _Format(chunk.body)
        elif chunk.id == b"data":
            if fmt is None:
                raise AudioFormatError(
                    f"WAV 'data' chunk at byte {chunk.offset} comes before any 'fmt ' chunk; "
                    f"the 'fmt ' chunk must come first",
                    offset=chunk.offset,
                )
            if samples is not None:
                raise AudioFormatError(
                    f"WAV has a second 'data' chunk at byte {chunk.offset}; one is allowed",
                    offset=chunk.offset,
                )
            samples = chunk.body
    if fmt is None:
        raise AudioFormatError(f"WAV file has no 'fmt ' chunk; {_ACCEPTED}")
    if samples is None:
        raise AudioFormatError("WAV file has no 'data' chunk: it holds no audio")
    return fmt, samples


def _frames(size: int, align: int) -> int:
    if size == 0:
        raise AudioFormatError("WAV 'data' chunk is empty: the file holds no audio", value=0)
    if size % align:
        raise AudioFormatError(
            f"WAV 'data' chunk has {size} bytes, not a whole number of {align}-byte frames; "
            f"the file is truncated or damaged",
            value=size,
        )
    return size // align


def read_wav(data: bytes | bytearray | memoryview) -> PcmAudio:
    """Read an integer-PCM WAV file.

    Accepted: format 1 (PCM) or WAVE_FORMAT_EXTENSIBLE with the PCM sub-format; 8-bit
    (unsigned), 16-, 24- and 32-bit (signed) containers, with fewer valid bits allowed for
    EXTENSIBLE; 1 to 8 channels; the sample rates of :func:`check_sample_rate`. Chunks other
    than ``fmt `` and ``data`` are skipped (pad bytes honoured); ``fmt `` must come before
    ``data``. Sizes in headers are checked against the bytes present before anything is
    allocated; a truncated file is refused.

    Args:
        data (bytes | bytearray | memoryview): The whole file, at most
            :data:`MAX_AUDIO_BYTES`.

    Returns:
        PcmAudio: The samples as floats in ``[-1, 1)``.

    Raises:
        AudioFormatError: If the file is not a WAV file we accept; the message says what
            was found and what is accepted.
        TypeError: If ``data`` is not bytes-like.
    """
    return wav_source(data).audio()


def wav_source(data: bytes | bytearray | memoryview) -> PcmSource:
    """Check a WAV file as :func:`read_wav` does; its samples are decoded on demand."""
    view = memoryview(check_size(data, "WAV"))
    fmt, raw = _read_chunks(view)
    bits, width = fmt.check_pcm()
    frames = _frames(len(raw), fmt.align)
    return PcmSource(
        raw=raw[: frames * fmt.align],
        channels=fmt.channels,
        width=width,
        big_endian=False,
        unsigned=width == 1,
        sample_rate=fmt.rate,
        bits=bits,
        file_format="WAV",
    )


def write_alaw_wav(codes: NDArray[np.uint8]) -> bytes:
    """Write A-law codes as an 8 kHz mono WAV file (format tag 6 with a ``fact`` chunk).

    The header is the canonical 58-byte one (``fmt `` of 18 bytes, ``fact``, ``data``). An
    odd number of codes is made even with one A-law silence code (``0xD5``) so the ``data``
    chunk needs no pad byte (a zero pad byte would decode as a loud −5504 click in players
    that read it).

    Args:
        codes (NDArray[np.uint8]): A-law codes at 8 kHz, mono.

    Returns:
        bytes: The WAV file.

    Raises:
        TypeError: If ``codes`` is not a one-dimensional uint8 array.
    """
    if not isinstance(codes, np.ndarray) or codes.dtype != np.uint8 or codes.ndim != 1:
        raise TypeError("write_alaw_wav takes a one-dimensional numpy uint8 array of codes")
    pad = bytes([ALAW_SILENCE]) if codes.size % 2 else b""
    n = codes.size + len(pad)
    header = b"".join(
        [
            b"RIFF",
            struct.pack("<I", 50 + n),
            b"WAVE",
            b"fmt ",
            struct.pack("<IHHIIHHH", 18, WAVE_FORMAT_ALAW, 1, TARGET_RATE, TARGET_RATE, 1, 8, 0),
            b"fact",
            struct.pack("<II", 4, n),
            b"data",
            struct.pack("<I", n),
        ]
    )
    # one copy of the codes, into the file itself
    return b"".join([header, np.ascontiguousarray(codes).data, pad])


def read_alaw_wav(data: bytes | bytearray | memoryview) -> NDArray[np.uint8]:
    """Read back an A-law WAV file as :func:`write_alaw_wav` writes it (8 kHz, mono).

    Args:
        data (bytes | bytearray | memoryview): The whole file.

    Returns:
        NDArray[np.uint8]: The A-law codes.

    Raises:
        AudioFormatError: If the file is not an 8 kHz mono 8-bit A-law WAV file.
    """
    view = memoryview(check_size(data, "WAV"))
    fmt, raw = _read_chunks(view)
    if (fmt.tag, fmt.channels, fmt.rate, fmt.bits, fmt.align) != (WAVE_FORMAT_ALAW, 1, 8000, 8, 1):
        raise AudioFormatError(
            f"not a stored prompt: {_format_name(fmt.tag)}, {fmt.channels} channels, "
            f"{fmt.rate} Hz, {fmt.bits} bits; expected A-law (format 6), 1 channel, 8000 Hz, "
            f"8 bits",
            value=fmt.tag,
        )
    return np.frombuffer(raw, dtype=np.uint8).copy()
