"""The audio pipeline: G.711 A-law, the WAV/AIFF readers, resampling, the A-law writer."""

from __future__ import annotations

import hashlib
import struct
import warnings
from fractions import Fraction
from types import ModuleType

import numpy as np
import pytest
from numpy.typing import NDArray
from tests.audio_files import aiff_bytes, chunk, ext80, sine_ints, wav_bytes

from cloudtel.audio import (
    ALAW_SILENCE,
    MAX_AUDIO_BYTES,
    PcmAudio,
    _resample,
    alaw_decode,
    alaw_encode,
    check_sample_rate,
    convert_to_alaw,
    design_filter,
    downmix,
    import_audio,
    parse_extended,
    read_aiff,
    read_alaw_wav,
    read_audio,
    read_wav,
    resample,
    to_int16,
    wav_to_raw,
    write_alaw_wav,
)
from cloudtel.errors import AudioFormatError

ALL_INT16 = np.arange(-32768, 32768, dtype=np.int16)
ENCODE_SHA256 = "38488f6fd710f4686360edc4d38639f96c491595ef93f8eb8d62d5e07ca6ce7b"
DECODE_SHA256 = "e04788d110e58ff8c70c93b8480190d973e3b67876b6119abbaec766cc75c174"


def _audioop() -> ModuleType | None:
    """CPython's audioop where it still exists (3.11, 3.12), else None."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import audioop
        except ImportError:
            return None
    return audioop


def _stl_alaw_compress(x: int) -> int:
    """A scalar port of the ITU-T STL ``alaw_compress`` loop, written independently."""
    ix = (~x if x < 0 else x) >> 4
    if ix > 15:
        iexp = 1
        while ix > 16 + 15:
            ix >>= 1
            iexp += 1
        ix -= 16
        ix += iexp << 4
    if x >= 0:
        ix |= 0x80
    return ix ^ 0x55


# ---------------------------------------------------------------- G.711 A-law


def test_alaw_encoder_matches_the_golden_hash_for_all_65536_inputs() -> None:
    codes = alaw_encode(ALL_INT16)
    assert hashlib.sha256(codes.tobytes()).hexdigest() == ENCODE_SHA256


def test_alaw_encoder_matches_the_itu_reference_and_audioop() -> None:
    codes = alaw_encode(ALL_INT16)
    reference = bytes(_stl_alaw_compress(int(x)) for x in ALL_INT16)
    assert codes.tobytes() == reference
    audioop = _audioop()
    if audioop is not None:  # Python 3.11/3.12: the stdlib agrees byte for byte
        assert codes.tobytes() == audioop.lin2alaw(ALL_INT16.astype("<i2").tobytes(), 2)


def test_alaw_decoder_matches_the_golden_hash_and_audioop() -> None:
    levels = alaw_decode(np.arange(256, dtype=np.uint8))
    assert hashlib.sha256(levels.astype("<i2").tobytes()).hexdigest() == DECODE_SHA256
    audioop = _audioop()
    if audioop is not None:
        assert levels.astype("<i2").tobytes() == audioop.alaw2lin(bytes(range(256)), 2)


def test_alaw_anchor_values() -> None:
    codes = alaw_encode(np.array([0, -1, 32767, -32768, 15, 16, -16, -17], dtype=np.int16))
    assert codes.tolist() == [0xD5, 0x55, 0xAA, 0x2A, 0xD5, 0xD4, 0x55, 0x54]
    assert ALAW_SILENCE == 0xD5
    assert alaw_decode(np.array([0xD5, 0x55, 0xAA, 0x2A], dtype=np.uint8)).tolist() == [
        8,
        -8,
        32256,
        -32256,
    ]


def test_alaw_decode_then_encode_is_identity_and_levels_are_monotonic() -> None:
    codes = np.arange(256, dtype=np.uint8)
    assert np.array_equal(alaw_encode(alaw_decode(codes)), codes)
    levels = alaw_decode(alaw_encode(ALL_INT16)).astype(np.int32)
    assert np.all(np.diff(levels) >= 0)
    assert np.unique(levels).size == 256


def test_alaw_refuses_arrays_of_the_wrong_type() -> None:
    with pytest.raises(TypeError, match="int16"):
        alaw_encode(np.zeros(4, dtype=np.int32))
    with pytest.raises(TypeError, match="uint8"):
        alaw_decode(np.zeros(4, dtype=np.int16))


# ---------------------------------------------------------------- WAV reader


def _assert_samples(samples: NDArray[np.float32], values: NDArray[np.int64], bits: int) -> None:
    """Up to 24 bits the float32 samples are exact; 32-bit ones are rounded to 24 bits."""
    expected = values / 2.0 ** (bits - 1)
    if bits <= 24:
        np.testing.assert_array_equal(samples, expected)
    else:
        np.testing.assert_allclose(samples, expected, rtol=0, atol=2.0**-24)


@pytest.mark.parametrize("bits", [8, 16, 24, 32])
@pytest.mark.parametrize("channels", [1, 2, 6, 8])
def test_wav_reads_integer_pcm_of_every_width(bits: int, channels: int) -> None:
    values = sine_ints(50, channels, bits, seed=bits + channels)
    audio = read_wav(wav_bytes(values, 44100, bits))
    assert (audio.sample_rate, audio.channels, audio.frames, audio.bits) == (
        44100,
        channels,
        50,
        bits,
    )
    assert audio.file_format == "WAV"
    _assert_samples(audio.samples, values, bits)


def test_wav_8_bit_is_unsigned() -> None:
    data = wav_bytes(np.zeros((3, 1), int), raw_data=bytes([0, 128, 255]), bits=8)
    assert read_wav(data).samples[:, 0].tolist() == [-1.0, 0.0, 127 / 128]


@pytest.mark.parametrize(
    ("bits", "valid", "width"), [(24, 20, 3), (32, 20, 4), (32, 24, 4), (16, 12, 2), (20, 20, 4)]
)
def test_wav_extensible_pcm_with_fewer_valid_bits(bits: int, valid: int, width: int) -> None:
    values = sine_ints(40, 2, valid)
    data = wav_bytes(values, 48000, bits, extensible=True, valid_bits=valid, width=width)
    audio = read_wav(data)
    assert audio.bits == valid
    np.testing.assert_array_equal(audio.samples, values / 2.0 ** (valid - 1))


def test_wav_honours_pad_bytes_and_skips_other_chunks() -> None:
    values = sine_ints(11, 1, 16)
    data = wav_bytes(
        values,
        before_fmt=[chunk(b"JUNK", b"abc"), chunk(b"bext", b"x" * 7)],
        between=[chunk(b"fact", struct.pack("<I", 11)), chunk(b"LIST", b"INFOxyz")],
        after=[chunk(b"cue ", b"12345")],
    )
    np.testing.assert_array_equal(read_wav(data).samples, values / 32768.0)


def test_wav_ignores_bytes_after_the_riff_container() -> None:
    values = sine_ints(10, 1, 16)
    audio = read_wav(wav_bytes(values) + b"ID3\x04trailing tag")
    assert audio.frames == 10


def _wav(**kwargs: object) -> bytes:
    values = kwargs.pop("values", sine_ints(8, 1, 16))
    return wav_bytes(values, **kwargs)  # type: ignore[arg-type]


WAV_REJECTIONS = [
    ("float", _wav(tag=3, bits=32), "0x0003 (IEEE floating point) is not integer PCM"),
    ("a-law", _wav(tag=6, bits=8), "(A-law) is not integer PCM"),
    ("mu-law", _wav(tag=7, bits=8), "(µ-law) is not integer PCM"),
    ("ms adpcm", _wav(tag=2, bits=4), "Microsoft ADPCM"),
    ("ima adpcm", _wav(tag=0x11, bits=4), "IMA ADPCM"),
    ("gsm", _wav(tag=0x31, bits=0, raw_data=b"\0" * 65), "GSM 6.10"),
    ("mp3", _wav(tag=0x55, bits=0, raw_data=b"\0" * 64), "MP3"),
    (
        "extensible float",
        _wav(extensible=True, sub_format=3, bits=32),
        "with sub-format 0x0003 (IEEE floating point)",
    ),
    ("zero channels", _wav(channels=0, align=0), "declares 0 channels; accepted are 1 to 8"),
    ("nine channels", _wav(values=sine_ints(4, 9, 16)), "declares 9 channels"),
    ("rate 0", _wav(rate=0), "sample rate 0 Hz is out of range"),
    ("rate 4000", _wav(rate=4000), "4000 Hz is out of range; accepted are whole rates"),
    ("rate absurd", _wav(rate=4_000_000_000), "out of range"),
    ("rate odd ratio", _wav(rate=44101), "44101 Hz has no short ratio"),
    ("bits 0", _wav(bits=0, align=2, raw_data=b"\0" * 16), "0 bits per sample"),
    ("bits 33", _wav(bits=33, align=5), "33 bits per sample"),
    ("block align", _wav(align=4), "block alignment is 4 bytes but 1 channels of 16 bits need 2"),
    ("valid bits", _wav(extensible=True, valid_bits=17), "17 valid bits in a 16-bit sample"),
    ("data first", _wav(data_first=True), "'data' chunk at byte 12 comes before any 'fmt '"),
    ("empty data", _wav(raw_data=b""), "'data' chunk is empty"),
    ("partial frame", _wav(raw_data=b"\1\2\3"), "not a whole number of 2-byte frames"),
    ("data truncated", _wav(data_size=1000), "declares 1000 bytes but only 16 remain"),
    ("riff truncated", _wav(riff_size=1000), "RIFF header declares 1008 bytes"),
    (
        "huge junk",
        _wav(before_fmt=[b"JUNK" + struct.pack("<I", 0xFFFFFFF0)]),
        "chunk 'JUNK' at byte 12 declares 4294967280 bytes",
    ),
    ("second fmt", _wav(between=[chunk(b"fmt ", b"\1\0" * 8)]), "second 'fmt ' chunk"),
    ("second data", _wav(after=[chunk(b"data", b"\0\0")]), "second 'data' chunk"),
    ("short fmt", _wav(before_fmt=[chunk(b"fmt ", b"\1\0")]), "'fmt ' chunk has 2 bytes"),
    ("no data", _wav(riff_size=4 + 8 + 16), "no 'data' chunk"),
    ("no fmt", b"RIFF\x04\0\0\0WAVE", "no 'fmt ' chunk"),
    ("rifx", b"RIFX" + _wav()[4:], "big-endian RIFX"),
    ("rf64", b"RF64" + _wav()[4:], "RF64 (64-bit WAV)"),
    ("not wave", b"RIFF\x04\0\0\0AVI ", "instead of 'RIFF'…'WAVE'"),
    ("short", b"RIFF", "shorter than the 12-byte RIFF header"),
    ("stray bytes", _wav(after=[b"\0\0\0"]), "3 stray bytes"),
]


@pytest.mark.parametrize(
    ("data", "message"), [pytest.param(d, m, id=i) for i, d, m in WAV_REJECTIONS]
)
def test_wav_rejections_say_what_was_found(data: bytes, message: str) -> None:
    with pytest.raises(AudioFormatError) as caught:
        read_audio(data)
    assert message in str(caught.value)


def test_wav_rejection_names_what_is_accepted() -> None:
    with pytest.raises(AudioFormatError, match="accepted are integer PCM WAV files"):
        read_wav(_wav(tag=3, bits=32))


def test_files_over_the_size_limit_are_refused_before_parsing() -> None:
    data = bytearray(MAX_AUDIO_BYTES + 1)
    data[:4] = b"RIFF"
    with pytest.raises(AudioFormatError, match="largest accepted is 67108864 bytes"):
        read_audio(data)


def test_readers_take_bytes_only() -> None:
    with pytest.raises(TypeError, match="takes bytes"):
        read_wav("RIFF")  # type: ignore[arg-type]


# ---------------------------------------------------------------- AIFF reader


@pytest.mark.parametrize(
    ("compression", "bits"),
    [
        (b"NONE", 16),
        (b"NONE", 8),
        (b"NONE", 24),
        (b"NONE", 12),
        (b"twos", 16),
        (b"twos", 8),
        (b"sowt", 16),
        (b"sowt", 24),
        (b"in24", 24),
        (b"in32", 32),
        (b"42ni", 24),
        (b"23ni", 32),
        (b"raw ", 8),
    ],
)
def test_aifc_reads_every_pcm_compression_type(compression: bytes, bits: int) -> None:
    values = sine_ints(30, 2, bits)
    audio = read_aiff(aiff_bytes(values, 22050, bits, aifc=True, compression=compression))
    assert (audio.file_format, audio.sample_rate, audio.bits) == ("AIFF-C", 22050, bits)
    _assert_samples(audio.samples, values, bits)


@pytest.mark.parametrize("bits", [8, 16, 24, 32])
def test_aiff_reads_signed_big_endian_pcm(bits: int) -> None:
    values = sine_ints(25, 3, bits)
    audio = read_audio(aiff_bytes(values, 16000, bits))
    assert audio.file_format == "AIFF"
    _assert_samples(audio.samples, values, bits)


def test_aiff_8_bit_is_signed() -> None:
    data = aiff_bytes(np.zeros((3, 1), int), bits=8, raw_data=bytes([0x80, 0, 0x7F]))
    assert read_aiff(data).samples[:, 0].tolist() == [-1.0, 0.0, 127 / 128]


def test_aiff_honours_the_ssnd_offset_chunk_order_and_pad_bytes() -> None:
    values = sine_ints(9, 1, 16)
    data = aiff_bytes(
        values,
        offset=8,
        ssnd_first=True,
        before=[chunk(b"NAME", b"odd", big_endian=True)],
        after=[chunk(b"ANNO", b"x", big_endian=True)],
    )
    np.testing.assert_array_equal(read_aiff(data).samples, values / 32768.0)


@pytest.mark.parametrize(
    ("raw", "rate"),
    [
        ("400BFA00000000000000", 8000),
        ("400CAC44000000000000", 11025),
        ("400DAC44000000000000", 22050),
        ("400EAC44000000000000", 44100),
        ("400EBB80000000000000", 48000),
        ("400FBB80000000000000", 96000),
    ],
)
def test_extended_sample_rates_are_read_exactly(raw: str, rate: int) -> None:
    assert parse_extended(bytes.fromhex(raw)) == rate
    assert ext80(rate) == bytes.fromhex(raw)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("C00BFA00000000000000", "negative"),
        ("7FFF8000000000000000", "infinite or NaN"),
        ("7FFFC000000000000000", "infinite or NaN"),
        ("00000000000000000000", "zero"),
        ("400B7A00000000000000", "not a normalised"),
        ("7FFE8000000000000000", "absurdly large"),
    ],
)
def test_bad_extended_sample_rates_are_refused(raw: str, message: str) -> None:
    with pytest.raises(AudioFormatError, match=message):
        parse_extended(bytes.fromhex(raw))


def test_fractional_classic_mac_rate_is_refused() -> None:
    # 22254.5454… Hz, as classic Mac OS wrote it.
    rate = parse_extended(bytes.fromhex("400DADDD1745D1745D17"))
    assert rate.denominator != 1
    assert 22254 < rate < 22255
    with pytest.raises(AudioFormatError, match=r"22254\.\d+ Hz is not a whole number"):
        read_aiff(aiff_bytes(sine_ints(4, 1, 16), bytes.fromhex("400DADDD1745D1745D17")))
    assert parse_extended(ext80(8000)) == Fraction(8000)


def _aiff(**kwargs: object) -> bytes:
    values = kwargs.pop("values", sine_ints(8, 1, 16))
    return aiff_bytes(values, **kwargs)  # type: ignore[arg-type]


AIFF_REJECTIONS = [
    ("fl32", _aiff(aifc=True, compression=b"fl32", bits=32), "'fl32' (32-bit floating point)"),
    ("fl64", _aiff(aifc=True, compression=b"FL64", bits=32), "64-bit floating point"),
    ("alaw", _aiff(aifc=True, compression=b"alaw", bits=16), "'alaw' (A-law) is not integer PCM"),
    ("ulaw", _aiff(aifc=True, compression=b"ulaw", bits=16), "(µ-law)"),
    ("ima4", _aiff(aifc=True, compression=b"ima4", bits=16), "IMA 4:1 ADPCM"),
    ("unknown", _aiff(aifc=True, compression=b"abcd"), "compression 'abcd' is unknown"),
    ("in24 mismatch", _aiff(aifc=True, compression=b"in24"), "stores 24-bit samples"),
    ("raw 16", _aiff(aifc=True, compression=b"raw "), "stores 8-bit samples"),
    ("no fver", _aiff(aifc=True, fver=b"\0"), "FVER' chunk holds 00"),
    ("zero channels", _aiff(channels=0), "declares 0 channels; accepted are 1 to 8"),
    ("negative channels", _aiff(channels=-2), "declares -2 channels"),
    ("zero frames", _aiff(frames=0), "declares 0 frames"),
    ("rate 100", _aiff(rate=100), "100 Hz is out of range"),
    ("bits 0", _aiff(bits=0, raw_data=b"\0" * 16), "0 bits per sample"),
    ("bits 40", _aiff(bits=40, raw_data=b"\0" * 16), "40 bits per sample"),
    ("truncated ssnd", _aiff(frames=100), "'COMM' declares 100 frames (200 bytes)"),
    ("offset", _aiff(offset=4, raw_data=b"\0" * 10), "after its offset of 4"),
    ("form truncated", _aiff(form_size=5000), "FORM header declares 5008 bytes"),
    ("no comm", b"FORM\0\0\0\x04AIFF", "no 'COMM' chunk"),
    (
        "no ssnd",
        b"FORM\0\0\0\x1eAIFF"
        + chunk(b"COMM", b"\0\1\0\0\0\1\0\x10" + ext80(8000), big_endian=True),
        "no 'SSND' chunk",
    ),
    ("short comm", _aiff(before=[chunk(b"COMM", b"\0\1", big_endian=True)]), "has 2 bytes"),
    ("second ssnd", _aiff(after=[chunk(b"SSND", b"\0" * 8, big_endian=True)]), "second 'SSND'"),
    ("not aiff", b"FORM\0\0\0\x048SVX", "instead of 'FORM'…'AIFF'"),
    ("short", b"FOR", "not a WAV or AIFF file"),
]


@pytest.mark.parametrize(
    ("data", "message"), [pytest.param(d, m, id=i) for i, d, m in AIFF_REJECTIONS]
)
def test_aiff_rejections_say_what_was_found(data: bytes, message: str) -> None:
    with pytest.raises(AudioFormatError) as caught:
        read_audio(data)
    assert message in str(caught.value)


def test_aifc_without_fver_is_refused() -> None:
    data = _aiff(aifc=True)
    broken = data.replace(b"FVER", b"XVER")
    with pytest.raises(AudioFormatError, match="no 'FVER' chunk"):
        read_aiff(broken)


def test_unknown_container_names_both_accepted_kinds() -> None:
    with pytest.raises(AudioFormatError, match=r"accepted are PCM WAV files.*AIFF"):
        read_audio(b"OggS\0\0\0\0\0\0\0\0")


# ---------------------------------------------------------------- resampling


RATES = [11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 88200, 96000, 176400, 192000]


def _response_db(rate: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The prototype filter's magnitude (dB) on a fine grid, from a zero-padded FFT."""
    design = design_filter(rate)
    size = 1 << max(20, int(design.taps.size - 1).bit_length() + 3)
    spectrum = np.abs(np.fft.rfft(design.taps / design.up, size))
    freqs = np.fft.rfftfreq(size, 1.0 / (rate * design.up)).astype(np.float64)
    return freqs, (20 * np.log10(np.maximum(spectrum, 1e-300))).astype(np.float64)


@pytest.mark.parametrize("rate", RATES)
def test_filter_is_flat_to_3400_hz_and_stops_100_db_from_4000_hz(rate: int) -> None:
    freqs, db = _response_db(rate)
    passband = db[freqs <= 3400]
    assert np.max(np.abs(passband)) < 0.1
    assert np.max(np.abs(passband)) < 0.001  # what the design actually achieves
    assert np.max(db[freqs >= 4000]) <= -100


def test_response_db_agrees_with_the_fft() -> None:
    design = design_filter(48000)
    at = design.response_db(np.array([0.0, 1000.0, 3400.0, 4000.0, 6000.0]))
    assert np.all(np.abs(at[:3]) < 0.001)
    assert np.all(at[3:] < -100)


def _tone_level_db(rate: int, frequency: float) -> float:
    """Level of a full-scale tone after resampling to 8 kHz, in dB re the input."""
    t = np.arange(rate) / rate  # one second
    out = resample(np.sin(2 * np.pi * frequency * t), rate).astype(np.float64)[100:-100]
    return float(20 * np.log10(np.sqrt(np.mean(out**2)) / np.sqrt(0.5) + 1e-300))


@pytest.mark.parametrize("rate", [44100, 48000])
def test_measured_tones_pass_below_3400_hz_and_are_cut_from_4000_hz(rate: int) -> None:
    for frequency in (300.0, 1004.0, 3000.0, 3400.0):
        assert abs(_tone_level_db(rate, frequency)) < 0.1, frequency
    for frequency in (4000.0, 4100.0, 4600.0, 5000.0, 7000.0, 12000.0, 20000.0):
        assert _tone_level_db(rate, frequency) <= -100, frequency


def test_resampling_is_delay_compensated_and_linear_phase() -> None:
    rate = 48000
    t_in = np.arange(rate) / rate
    out = resample(np.sin(2 * np.pi * 1004 * t_in + 0.3), rate)
    t_out = np.arange(out.size) / 8000
    expected = np.sin(2 * np.pi * 1004 * t_out + 0.3)
    np.testing.assert_allclose(out[100:-100], expected[100:-100], atol=1e-4)


@pytest.mark.parametrize("rate", [44100, 11025, 32000])
def test_resampling_keeps_the_timing_at_fractional_ratios(rate: int) -> None:
    t_in = np.arange(rate) / rate
    out = resample(np.cos(2 * np.pi * 440 * t_in), rate)
    expected = np.cos(2 * np.pi * 440 * np.arange(out.size) / 8000)
    np.testing.assert_allclose(out[100:-100], expected[100:-100], atol=1e-4)


@pytest.mark.parametrize("frames", [0, 1, 2, 5, 6, 7, 441, 1000, 4409])
@pytest.mark.parametrize("rate", [44100, 48000, 11025])
def test_resampled_length_is_ceil_of_frames_times_ratio(frames: int, rate: int) -> None:
    out = resample(np.ones(frames), rate)
    assert out.size == -(-frames * 8000 // rate)


def test_dc_passes_with_unity_gain() -> None:
    out = resample(np.full(44100, 0.5), 44100)
    np.testing.assert_allclose(out[100:-100], 0.5, atol=1e-5)


def test_both_product_layouts_compute_the_same_output() -> None:
    rng = np.random.default_rng(3)
    for rate in (44100, 48000, 16000):
        x = rng.standard_normal(rate // 2).astype(np.float32)
        design = design_filter(rate)
        total = -(-x.size * design.up // design.down)
        plan = _resample._plan(design)
        assert plan is not None
        grouped = _resample._resample_grouped(x, design, plan, total)
        by_phase = _resample._resample_by_phase(x, design, total)
        np.testing.assert_allclose(grouped, by_phase, atol=2e-5)


def test_unusual_rate_uses_the_per_phase_path_and_still_filters() -> None:
    rate = 44056  # 8000/44056 = 1000/5507
    assert _resample._plan(design_filter(rate)) is None
    assert _tone_level_db(rate, 1004.0) == pytest.approx(0.0, abs=0.1)
    assert _tone_level_db(rate, 5000.0) <= -100


def test_sample_rate_check() -> None:
    for rate in (*RATES, 8000, 44056, 37800):
        assert check_sample_rate(rate) == rate
    for bad, message in [
        (7999, "out of range"),
        (192001, "out of range"),
        (44101, "no short ratio"),
        (44100.5, "not a whole number"),
        (True, "not a whole number"),
    ]:
        with pytest.raises(AudioFormatError, match=message):
            check_sample_rate(bad)


def test_resample_takes_mono_only() -> None:
    with pytest.raises(ValueError, match="mono"):
        resample(np.zeros((4, 2)), 44100)


# ---------------------------------------------------------------- conversion


def test_downmix_averages_channels() -> None:
    samples = np.array([[1.0, 0.0], [0.5, 0.5], [-1.0, -1.0]], dtype=np.float32)
    assert downmix(samples).tolist() == [0.5, 0.5, -1.0]
    three = np.array([[0.3, 0.6, 0.9]], dtype=np.float32)
    assert downmix(three)[0] == pytest.approx(0.6)


def test_to_int16_rounds_half_to_even_and_clips() -> None:
    values = np.array([0.5 / 32768, 1.5 / 32768, -0.5 / 32768, 1.2, -1.2, -1.0])
    assert to_int16(values).tolist() == [0, 2, 0, 32767, -32768, -32768]


def test_8_khz_16_bit_mono_input_is_encoded_without_resampling() -> None:
    values = sine_ints(1001, 1, 16, seed=7)
    audio = read_wav(wav_bytes(values, 8000, 16))
    codes = convert_to_alaw(audio)
    np.testing.assert_array_equal(codes, alaw_encode(values[:, 0].astype(np.int16)))


def test_identical_stereo_channels_convert_like_mono() -> None:
    values = sine_ints(300, 1, 16, seed=2)
    mono = import_audio(wav_bytes(values, 8000))
    stereo = import_audio(wav_bytes(np.hstack([values, values]), 8000))
    aiff = import_audio(aiff_bytes(np.hstack([values, values]), 8000))
    assert mono == stereo == aiff


def test_import_produces_an_8_khz_alaw_wav_of_the_right_length() -> None:
    rate = 44100
    t = np.arange(rate * 2) / rate
    values = np.round(np.sin(2 * np.pi * 1004 * t) * 16000).astype(np.int64)[:, None]
    out = import_audio(wav_bytes(np.hstack([values, values]), rate, 16))
    codes = read_alaw_wav(out)
    assert codes.size == 16000
    decoded = alaw_decode(codes).astype(np.float64)[100:-100]
    assert np.sqrt(np.mean(decoded**2)) == pytest.approx(16000 / np.sqrt(2), rel=0.02)


def test_import_clips_resampling_overshoot() -> None:
    rate = 48000
    square = np.where(np.sin(2 * np.pi * 1000 * np.arange(rate) / rate) >= 0, 32767, -32768)
    codes = read_alaw_wav(import_audio(wav_bytes(square[:, None], rate)))
    assert {0xAA, 0x2A} <= set(codes.tolist())  # full-scale codes reached, no wrap-around


# ---------------------------------------------------------------- A-law WAV writer


def test_alaw_wav_has_the_canonical_58_byte_header() -> None:
    codes = np.array([0xD5, 0x55, 0xAA, 0x2A], dtype=np.uint8)
    data = write_alaw_wav(codes)
    expected = bytes.fromhex(
        "52494646"
        "36000000"
        "57415645"  # RIFF, 50 + 4, WAVE
        "666d7420"
        "12000000"
        "0600"
        "0100"
        "401f0000"
        "401f0000"
        "0100"
        "0800"
        "0000"
        "66616374"
        "04000000"
        "04000000"  # fact: 4 samples
        "64617461"
        "04000000"  # data: 4 bytes
    )
    assert data == expected + codes.tobytes()
    assert len(expected) == 58


def test_odd_length_is_padded_with_silence_not_a_zero_byte() -> None:
    data = write_alaw_wav(np.array([1, 2, 3], dtype=np.uint8))
    assert data[-4:] == bytes([1, 2, 3, ALAW_SILENCE])
    assert struct.unpack_from("<I", data, 46)[0] == 4  # fact
    assert read_alaw_wav(data).tolist() == [1, 2, 3, ALAW_SILENCE]


def test_alaw_wav_round_trip_and_raw_export() -> None:
    codes = np.arange(256, dtype=np.uint8)
    data = write_alaw_wav(codes)
    assert np.array_equal(read_alaw_wav(data), codes)
    assert wav_to_raw(data) == codes.tobytes()


def test_alaw_wav_is_refused_as_import_input() -> None:
    data = write_alaw_wav(np.zeros(8, dtype=np.uint8))
    with pytest.raises(AudioFormatError, match=r"format 0x0006 \(A-law\) is not integer PCM"):
        import_audio(data)


def test_pcm_wav_is_not_a_stored_prompt() -> None:
    with pytest.raises(AudioFormatError, match="expected A-law"):
        read_alaw_wav(wav_bytes(sine_ints(4, 1, 16)))


def test_writer_takes_a_uint8_vector() -> None:
    with pytest.raises(TypeError, match="uint8"):
        write_alaw_wav(np.zeros(4, dtype=np.int16))


def test_pcm_audio_reports_its_shape() -> None:
    audio = PcmAudio(
        samples=np.zeros((16000, 2), np.float32), sample_rate=8000, bits=16, file_format="WAV"
    )
    assert (audio.channels, audio.frames, audio.duration) == (2, 16000, 2.0)


def test_alaw_encode_keeps_the_shape_of_any_array() -> None:
    grid = ALL_INT16.reshape(256, 256)
    flat = alaw_encode(ALL_INT16)
    assert np.array_equal(alaw_encode(grid), flat.reshape(256, 256))
    assert np.array_equal(alaw_encode(grid[:, ::2]), flat.reshape(256, 256)[:, ::2])
    assert alaw_encode(np.zeros(0, np.int16)).shape == (0,)
