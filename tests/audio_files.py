"""Builders of WAV and AIFF test files, byte by byte (independent of the readers)."""

from __future__ import annotations

import struct
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

PCM_GUID_TAIL = bytes.fromhex("000000001000800000aa00389b71")


def chunk(cid: bytes, body: bytes, *, big_endian: bool = False, pad: bool = True) -> bytes:
    """One chunk with its header and, for an odd size, a pad byte."""
    size = struct.pack(">I" if big_endian else "<I", len(body))
    return cid + size + body + (b"\0" if pad and len(body) % 2 else b"")


def pack_ints(
    values: NDArray[np.integer],
    *,
    bits: int,
    width: int,
    big_endian: bool,
    unsigned: bool,
) -> bytes:
    """Interleaved samples of ``bits`` valid bits, left-justified in ``width`` bytes."""
    v = np.asarray(values, dtype=np.int64).reshape(-1) << (8 * width - bits)
    if unsigned:
        v = v + (1 << (8 * width - 1))
    v = v & ((1 << (8 * width)) - 1)
    octets = [(v >> (8 * i)) & 0xFF for i in range(width)]  # little-endian order
    if big_endian:
        octets.reverse()
    return np.stack(octets, axis=1).astype(np.uint8).tobytes()


def sine_ints(frames: int, channels: int, bits: int, *, seed: int = 0) -> NDArray[np.int64]:
    """Random-ish full-range samples of ``bits`` valid bits, shape (frames, channels)."""
    rng = np.random.default_rng(seed)
    low, high = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    values = rng.integers(low, high, size=(frames, channels), endpoint=True)
    values[0, 0] = low
    if frames > 1:
        values[1, 0] = high
    return values


def wav_bytes(
    values: NDArray[np.integer],
    rate: int = 8000,
    bits: int = 16,
    *,
    width: int | None = None,
    extensible: bool = False,
    valid_bits: int | None = None,
    tag: int = 1,
    sub_format: int = 1,
    before_fmt: Sequence[bytes] = (),
    between: Sequence[bytes] = (),
    after: Sequence[bytes] = (),
    data_first: bool = False,
    channels: int | None = None,
    align: int | None = None,
    riff_size: int | None = None,
    data_size: int | None = None,
    raw_data: bytes | None = None,
) -> bytes:
    """A WAV file; every header field can be overridden to build broken files."""
    values = np.asarray(values)
    n_channels = values.shape[1] if channels is None else channels
    valid = bits if valid_bits is None else valid_bits
    container = width if width is not None else -(-bits // 8)
    payload = (
        raw_data
        if raw_data is not None
        else pack_ints(
            values, bits=valid, width=container, big_endian=False, unsigned=container == 1
        )
    )
    block = n_channels * container if align is None else align
    if extensible:
        fmt = (
            struct.pack(
                "<HHIIHHHHI",
                0xFFFE,
                n_channels,
                rate,
                rate * block,
                block,
                bits,
                22,
                valid,
                0,
            )
            + struct.pack("<H", sub_format)
            + PCM_GUID_TAIL
        )
    else:
        fmt = struct.pack(
            "<HHIIHH", tag, n_channels, rate, (rate * block) & 0xFFFFFFFF, block, bits
        )
    data = b"data" + struct.pack("<I", len(payload) if data_size is None else data_size)
    data += payload + (b"\0" if len(payload) % 2 else b"")
    parts = [*before_fmt, chunk(b"fmt ", fmt), *between, data, *after]
    if data_first:
        parts = [data, chunk(b"fmt ", fmt)]
    body = b"WAVE" + b"".join(parts)
    return b"RIFF" + struct.pack("<I", len(body) if riff_size is None else riff_size) + body


def ext80(value: int) -> bytes:
    """An integer as an 80-bit extended float, big-endian."""
    exponent = value.bit_length() - 1
    mantissa = value << (63 - exponent)
    return struct.pack(">HQ", 16383 + exponent, mantissa)


def aiff_bytes(
    values: NDArray[np.integer],
    rate: int | bytes = 8000,
    bits: int = 16,
    *,
    aifc: bool = False,
    compression: bytes = b"NONE",
    offset: int = 0,
    before: Sequence[bytes] = (),
    after: Sequence[bytes] = (),
    ssnd_first: bool = False,
    fver: bytes | None = None,
    channels: int | None = None,
    frames: int | None = None,
    raw_data: bytes | None = None,
    form_size: int | None = None,
) -> bytes:
    """An AIFF or AIFF-C file; fields can be overridden to build broken files."""
    values = np.asarray(values)
    n_channels = values.shape[1] if channels is None else channels
    n_frames = values.shape[0] if frames is None else frames
    width = -(-bits // 8)
    little = compression in (b"sowt", b"42ni", b"23ni")
    unsigned = compression == b"raw "
    payload = (
        raw_data
        if raw_data is not None
        else pack_ints(values, bits=bits, width=width, big_endian=not little, unsigned=unsigned)
    )
    rate_bytes = rate if isinstance(rate, bytes) else ext80(rate)
    comm = struct.pack(">hIh", n_channels, n_frames, bits) + rate_bytes
    if aifc:
        name = b"\x0enot compressed"
        comm += compression + name + (b"\0" if len(name) % 2 else b"")
    ssnd = struct.pack(">II", offset, 0) + b"\xee" * offset + payload
    chunks = [chunk(b"COMM", comm, big_endian=True), chunk(b"SSND", ssnd, big_endian=True)]
    if ssnd_first:
        chunks.reverse()
    version = fver if fver is not None else (struct.pack(">I", 0xA2805140) if aifc else b"")
    head = [chunk(b"FVER", version, big_endian=True)] if version else []
    body = (b"AIFC" if aifc else b"AIFF") + b"".join([*head, *before, *chunks, *after])
    size = len(body) if form_size is None else form_size
    return b"FORM" + struct.pack(">I", size) + body
