"""Voice-prompt audio: strict PCM WAV/AIFF readers, resampling and G.711 A-law, on numpy.

Everything here takes and returns bytes or numpy arrays; nothing reads or writes files.
The import pipeline is :func:`import_audio`: :func:`read_audio` → :func:`downmix` →
:func:`resample` to 8 kHz → :func:`to_int16` → :func:`alaw_encode` → :func:`write_alaw_wav`.
Every file we refuse raises one :class:`~cloudtel.errors.AudioFormatError` that says what
was found and what is accepted.
"""

from __future__ import annotations

from cloudtel.audio._aiff import parse_extended, read_aiff
from cloudtel.audio._convert import (
    convert_to_alaw,
    downmix,
    import_audio,
    read_audio,
    to_int16,
    wav_to_raw,
)
from cloudtel.audio._g711 import ALAW_SILENCE, alaw_decode, alaw_encode
from cloudtel.audio._pcm import MAX_AUDIO_BYTES, MAX_CHANNELS, PcmAudio
from cloudtel.audio._resample import (
    MAX_INPUT_RATE,
    MIN_INPUT_RATE,
    PASS_BAND_HZ,
    STOP_BAND_HZ,
    TARGET_RATE,
    FilterDesign,
    check_sample_rate,
    design_filter,
    resample,
)
from cloudtel.audio._wav import read_alaw_wav, read_wav, write_alaw_wav

__all__ = [
    "ALAW_SILENCE",
    "MAX_AUDIO_BYTES",
    "MAX_CHANNELS",
    "MAX_INPUT_RATE",
    "MIN_INPUT_RATE",
    "PASS_BAND_HZ",
    "STOP_BAND_HZ",
    "TARGET_RATE",
    "FilterDesign",
    "PcmAudio",
    "alaw_decode",
    "alaw_encode",
    "check_sample_rate",
    "convert_to_alaw",
    "design_filter",
    "downmix",
    "import_audio",
    "parse_extended",
    "read_aiff",
    "read_alaw_wav",
    "read_audio",
    "read_wav",
    "resample",
    "to_int16",
    "wav_to_raw",
    "write_alaw_wav",
]
