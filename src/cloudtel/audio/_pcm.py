"""Decoded PCM audio and the helpers both readers share."""

from __future__ import annotations

import attrs
import numpy as np
from numpy.typing import NDArray

from cloudtel.errors import AudioFormatError

__all__ = [
    "MAX_AUDIO_BYTES",
    "MAX_CHANNELS",
    "PcmAudio",
    "PcmSource",
    "check_channels",
    "decode_samples",
]

MAX_AUDIO_BYTES = 64 * 1024 * 1024
"""The largest audio file accepted for import: 64 MiB (about 5 minutes of 48 kHz 24-bit
stereo, far more than a voice prompt needs). Larger files are refused before parsing."""

MAX_CHANNELS = 8
"""The largest number of channels accepted (they are averaged to mono)."""


@attrs.frozen(kw_only=True)
class PcmAudio:
    """Integer PCM audio read from a WAV or AIFF file, as floats in ``[-1, 1)``.

    A sample ``v`` stored in a container of ``c`` bytes becomes ``v / 2**(8·c − 1)``, so
    16-bit 16384 is 0.5 and valid bits that are fewer than the container change nothing.

    Args:
        samples (NDArray[np.float32]): ``(frames, channels)`` array (not compared by ``==``).
        sample_rate (int): Frames per second.
        bits (int): Valid bits per sample as the file declares them.
        file_format (str): ``"WAV"``, ``"AIFF"`` or ``"AIFF-C"``.
    """

    samples: NDArray[np.float32] = attrs.field(eq=False, repr=False)
    sample_rate: int
    bits: int
    file_format: str

    @property
    def channels(self) -> int:
        """The number of channels."""
        return int(self.samples.shape[1])

    @property
    def frames(self) -> int:
        """The number of frames (samples per channel)."""
        return int(self.samples.shape[0])

    @property
    def duration(self) -> float:
        """The length in seconds."""
        return self.frames / self.sample_rate


def check_size(data: object, what: str) -> bytes | memoryview:
    """Refuse input that is not bytes-like or larger than :data:`MAX_AUDIO_BYTES`."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"the {what} reader takes bytes, not {type(data).__name__}")
    size = memoryview(data).nbytes
    if size > MAX_AUDIO_BYTES:
        raise AudioFormatError(
            f"the audio file is {size} bytes; the largest accepted is {MAX_AUDIO_BYTES} bytes "
            f"(64 MiB)",
            value=size,
        )
    return data if isinstance(data, bytes) else memoryview(data).cast("B")


def check_channels(channels: int, what: str) -> int:
    """Refuse zero, negative or more than :data:`MAX_CHANNELS` channels."""
    if not 1 <= channels <= MAX_CHANNELS:
        raise AudioFormatError(
            f"{what} declares {channels} channels; accepted are 1 to {MAX_CHANNELS} channels",
            field="channels",
            value=channels,
        )
    return channels


def decode_samples(
    raw: bytes | memoryview,
    *,
    channels: int,
    width: int,
    big_endian: bool,
    unsigned: bool,
) -> NDArray[np.float32]:
    """Decode interleaved integer samples to a ``(frames, channels)`` float32 array.

    Args:
        raw (bytes | memoryview): Exactly ``frames · channels · width`` bytes.
        channels (int): Samples per frame.
        width (int): Bytes per sample container, 1 to 4.
        big_endian (bool): Byte order of the containers.
        unsigned (bool): Whether 8-bit samples are offset by 128 (WAV, AIFF-C ``raw ``).

    Returns:
        NDArray[np.float32]: The samples scaled to ``[-1, 1)``.
    """
    order = ">" if big_endian else "<"
    if width == 1:
        ints: NDArray[np.generic] = np.frombuffer(raw, dtype=np.uint8 if unsigned else np.int8)
        values = ints.astype(np.float32)
        if unsigned:
            values -= 128.0
        values *= np.float32(1.0 / 128.0)
    elif width == 3:
        # Put the three bytes in the top of a 32-bit word: the value times 256, sign intact.
        triples = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3)
        words = np.zeros((triples.shape[0], 4), dtype=np.uint8)
        if big_endian:
            words[:, :3] = triples
        else:
            words[:, 1:] = triples
        values = words.view(f"{order}i4").reshape(-1).astype(np.float32)
        values *= np.float32(2.0**-31)
    else:
        ints = np.frombuffer(raw, dtype=f"{order}i{width}")
        values = ints.astype(np.float32)
        values *= np.float32(2.0 ** (1 - 8 * width))
    return values.reshape(-1, channels)


@attrs.frozen(kw_only=True, eq=False)
class PcmSource:
    """The checked sample bytes of a PCM file, decoded on demand, a stretch at a time.

    The readers check a file's headers into one of these; :meth:`audio` decodes it
    all (what :func:`~cloudtel.audio.read_wav` returns), :meth:`decode` a stretch of
    frames (what the import pipeline does, so that a big file never has all its
    samples as floats at once).

    Args:
        raw (memoryview): Exactly ``frames · channels · width`` bytes of samples.
        channels (int): Samples per frame.
        width (int): Bytes per sample container, 1 to 4.
        big_endian (bool): Byte order of the containers.
        unsigned (bool): Whether 8-bit samples are offset by 128.
        sample_rate (int): Frames per second.
        bits (int): Valid bits per sample as the file declares them.
        file_format (str): ``"WAV"``, ``"AIFF"`` or ``"AIFF-C"``.
    """

    raw: memoryview
    channels: int
    width: int
    big_endian: bool
    unsigned: bool
    sample_rate: int
    bits: int
    file_format: str

    @property
    def frames(self) -> int:
        """The number of frames."""
        return len(self.raw) // (self.channels * self.width)

    def decode(self, start: int = 0, stop: int | None = None) -> NDArray[np.float32]:
        """Frames ``start`` to ``stop`` as a ``(frames, channels)`` float32 array."""
        size = self.channels * self.width
        end = self.frames if stop is None else min(stop, self.frames)
        return decode_samples(
            self.raw[start * size : max(start, end) * size],
            channels=self.channels,
            width=self.width,
            big_endian=self.big_endian,
            unsigned=self.unsigned,
        )

    def audio(self) -> PcmAudio:
        """All of it, decoded."""
        return PcmAudio(
            samples=self.decode(),
            sample_rate=self.sample_rate,
            bits=self.bits,
            file_format=self.file_format,
        )
