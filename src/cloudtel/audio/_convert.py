"""The import pipeline: read, downmix, resample, round, encode, write."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from cloudtel.audio._aiff import aiff_source
from cloudtel.audio._g711 import alaw_encode
from cloudtel.audio._pcm import PcmAudio, PcmSource, check_size
from cloudtel.audio._resample import TARGET_RATE, resample, resample_stream, resampled_length
from cloudtel.audio._wav import read_alaw_wav, wav_source, write_alaw_wav
from cloudtel.errors import AudioFormatError

__all__ = ["convert_to_alaw", "downmix", "import_audio", "read_audio", "to_int16", "wav_to_raw"]


def read_audio(data: bytes | bytearray | memoryview) -> PcmAudio:
    """Read a PCM WAV, AIFF or AIFF-C file, recognised by its first four bytes.

    Args:
        data (bytes | bytearray | memoryview): The whole file.

    Returns:
        PcmAudio: The samples as floats in ``[-1, 1)``.

    Raises:
        AudioFormatError: If the file is neither kind, or a kind we do not accept.
        TypeError: If ``data`` is not bytes-like.
    """
    return _source(data).audio()


def _source(data: bytes | bytearray | memoryview) -> PcmSource:
    view = memoryview(check_size(data, "audio"))
    magic = bytes(view[:4])
    if magic in (b"RIFF", b"RIFX", b"RF64", b"BW64"):
        return wav_source(view)
    if magic == b"FORM":
        return aiff_source(view)
    raise AudioFormatError(
        f"not a WAV or AIFF file: it starts with {magic!r}; accepted are PCM WAV files "
        f"('RIFF'…'WAVE') and PCM AIFF/AIFF-C files ('FORM'…'AIFF'/'AIFC')",
        value=magic,
    )


def downmix(samples: NDArray[np.float32]) -> NDArray[np.float32]:
    """Average the channels of a ``(frames, channels)`` array into one.

    The average never exceeds the largest input, so it cannot clip (unlike a sum or a
    −3 dB pan law).

    Args:
        samples (NDArray[np.float32]): ``(frames, channels)`` samples.

    Returns:
        NDArray[np.float32]: ``frames`` mono samples.
    """
    channels = samples.shape[1]
    mono = np.array(samples[:, 0], dtype=np.float32)
    for channel in range(1, channels):
        mono += samples[:, channel]
    if channels > 1:
        mono /= np.float32(channels)
    return mono


def to_int16(samples: NDArray[np.floating]) -> NDArray[np.int16]:
    """Scale ``[-1, 1)`` floats to 16 bits: round to nearest (ties to even), then clip.

    Resampling can overshoot full scale slightly (Gibbs); those samples clip to
    −32768 … 32767. No dither is added: G.711 does not call for it, and the result is
    deterministic.

    Args:
        samples (NDArray[np.floating]): Samples, full scale ±1.

    Returns:
        NDArray[np.int16]: The 16-bit samples.
    """
    scaled = np.asarray(samples, dtype=np.float32) * np.float32(32768.0)
    np.rint(scaled, out=scaled)
    np.clip(scaled, -32768.0, 32767.0, out=scaled)
    return scaled.astype(np.int16)


def convert_to_alaw(audio: PcmAudio) -> NDArray[np.uint8]:
    """Convert PCM audio to G.711 A-law codes at 8 kHz, mono.

    Steps: average the channels, resample to 8 kHz (skipped when it is 8 kHz already), round
    and clip to 16 bits, encode to A-law.

    Args:
        audio (PcmAudio): Audio from :func:`read_audio`.

    Returns:
        NDArray[np.uint8]: The A-law codes, 8000 per second.
    """
    mono = downmix(audio.samples)
    if audio.sample_rate != TARGET_RATE:
        mono = resample(mono, audio.sample_rate, TARGET_RATE)
    return alaw_encode(to_int16(mono))


def import_audio(data: bytes | bytearray | memoryview) -> bytes:
    """Convert a PCM WAV/AIFF/AIFF-C file to an A-law, 8 kHz, mono WAV file.

    Args:
        data (bytes | bytearray | memoryview): The file to import.

    Returns:
        bytes: The A-law WAV file (format tag 6, with a ``fact`` chunk).

    Raises:
        AudioFormatError: If the file is not one we accept.
    """
    # Each step reads a stretch of the file, averages its channels, resamples, rounds and
    # encodes it: what ``convert_to_alaw(read_audio(data))`` gives, without holding the
    # whole file as floats (a 64 MiB 8-bit file would take 256 MiB as float32 alone).
    source = _source(data)

    def fetch(first: int, last: int) -> NDArray[np.float32]:
        return downmix(source.decode(first, last))

    total = resampled_length(source.frames, source.sample_rate, TARGET_RATE)
    codes = np.empty(total, dtype=np.uint8)
    done = 0
    for block in resample_stream(fetch, source.frames, source.sample_rate, TARGET_RATE):
        codes[done : done + block.size] = alaw_encode(to_int16(block))
        done += block.size
    return write_alaw_wav(codes[:done])


def wav_to_raw(data: bytes | bytearray | memoryview) -> bytes:
    """Turn a stored A-law WAV prompt into headerless ``.al`` data (for Asterisk-family PBXs).

    Args:
        data (bytes | bytearray | memoryview): An A-law WAV as :func:`import_audio` makes.

    Returns:
        bytes: The raw A-law bytes, 8000 per second.

    Raises:
        AudioFormatError: If ``data`` is not an 8 kHz mono A-law WAV file.
    """
    return read_alaw_wav(data).tobytes()
