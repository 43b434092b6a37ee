"""Fuzzing the WAV and AIFF readers: any input either reads or raises AudioFormatError.

Never another exception, never a hang (each example has a deadline), and never an
allocation of more than a small multiple of the file size (measured with tracemalloc,
which numpy reports its buffers to).
"""

from __future__ import annotations

import contextlib
import struct
import tracemalloc
from datetime import timedelta

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.audio_files import aiff_bytes, chunk, sine_ints, wav_bytes

from cloudtel.audio import PcmAudio, read_aiff, read_audio, read_wav
from cloudtel.errors import AudioFormatError

FUZZ = settings(
    max_examples=300,
    deadline=timedelta(seconds=2),
    suppress_health_check=[HealthCheck.too_slow],
)

VALID_FILES = [
    wav_bytes(sine_ints(20, 1, 16), 8000, 16),
    wav_bytes(sine_ints(9, 2, 8), 44100, 8, between=[chunk(b"LIST", b"odd")]),
    wav_bytes(sine_ints(7, 3, 24), 48000, 24),
    wav_bytes(sine_ints(6, 2, 20), 96000, 32, extensible=True, valid_bits=20, width=4),
    aiff_bytes(sine_ints(20, 1, 16), 8000, 16),
    aiff_bytes(sine_ints(9, 2, 8), 22050, 8, offset=4),
    aiff_bytes(sine_ints(5, 2, 24), 44100, 24, aifc=True, compression=b"sowt"),
    aiff_bytes(sine_ints(5, 1, 32), 16000, 32, aifc=True, compression=b"in32", ssnd_first=True),
]

PREFIXES = [b"", b"RIFF", b"FORM", b"RIFF\xff\xff\xff\xffWAVE", b"FORM\0\0\0\x40AIFC"]


def _read_checked(data: bytes) -> None:
    """Read ``data``; allow only success or AudioFormatError; bound the memory used."""
    tracemalloc.start()
    try:
        audio = read_audio(data)
    except AudioFormatError as error:
        message = str(error)  # every rejection says something
        assert message
    else:
        assert isinstance(audio, PcmAudio)
        assert audio.channels >= 1
        assert audio.frames >= 1
        assert np.all(np.abs(audio.samples) <= 1.0)
    finally:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak <= 64 * len(data) + 256 * 1024


@FUZZ
@given(prefix=st.sampled_from(PREFIXES), tail=st.binary(max_size=600))
def test_arbitrary_bytes_read_or_raise_audio_format_error(prefix: bytes, tail: bytes) -> None:
    _read_checked(prefix + tail)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A valid file with a few bytes flipped, fields overwritten, cut or extended."""
    data = bytearray(draw(st.sampled_from(VALID_FILES)))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["byte", "u32", "u16", "cut", "insert"]))
        position = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "byte" and data:
            data[position] = draw(st.integers(0, 255))
        elif kind in ("u32", "u16"):
            width = 4 if kind == "u32" else 2
            value = draw(
                st.one_of(
                    st.sampled_from([0, 1, 2, 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF]),
                    st.integers(0, (1 << (8 * width)) - 1),
                )
            )
            order = draw(st.sampled_from("<>"))
            raw = struct.pack(
                f"{order}{'I' if width == 4 else 'H'}", value & ((1 << (8 * width)) - 1)
            )
            data[position : position + width] = raw
        elif kind == "cut":
            del data[position:]
        else:
            data[position:position] = draw(st.binary(min_size=1, max_size=12))
    return bytes(data)


@FUZZ
@given(data=mutated())
def test_mutated_valid_files_read_or_raise_audio_format_error(data: bytes) -> None:
    _read_checked(data)


@settings(max_examples=100, deadline=timedelta(seconds=2))
@given(data=mutated())
def test_each_reader_alone_raises_only_audio_format_error(data: bytes) -> None:
    for reader in (read_wav, read_aiff):
        with contextlib.suppress(AudioFormatError):
            reader(data)


def test_valid_seed_files_read() -> None:
    for data in VALID_FILES:
        assert read_audio(data).frames >= 5
