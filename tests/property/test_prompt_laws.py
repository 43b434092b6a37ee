"""Laws of voice prompts and the audio pipeline."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.audio_files import wav_bytes
from tests.strategies import PART_BUILDERS, organizations

from cloudtel import Organization, dumps, load, loads, save
from cloudtel.audio import alaw_encode, import_audio, read_alaw_wav, resample


@st.composite
def organizations_with_prompts(draw: st.DrawFn) -> Organization:
    org = draw(organizations(parts=False, max_users=2, max_groups=2))
    PART_BUILDERS["prompts"](draw, org)
    return org


@settings(max_examples=25)
@given(org=organizations_with_prompts(), fmt=st.sampled_from(["toml", "json"]))
def test_org_file_round_trip_keeps_the_prompts(org: Organization, fmt: str) -> None:
    assert loads(dumps(org, fmt), fmt) == org  # type: ignore[arg-type]


@settings(max_examples=10)
@given(org=organizations_with_prompts())
def test_save_then_load_finds_every_audio_file(org: Organization) -> None:
    with tempfile.TemporaryDirectory(prefix="cloudtel-prompts-") as folder:
        path = Path(folder) / "organization.toml"
        save(org, path)
        loaded = load(path)
        assert loaded == org
        for prompt in loaded.prompts:
            for audio in prompt.audio:
                data = (path.parent / audio.file).read_bytes()
                assert read_alaw_wav(data).size == audio.samples


@settings(max_examples=50)
@given(values=st.lists(st.integers(-32768, 32767), min_size=1, max_size=300))
def test_8_khz_16_bit_mono_import_is_exactly_the_alaw_of_the_samples(values: list[int]) -> None:
    samples = np.array(values, dtype=np.int64)[:, None]
    codes = read_alaw_wav(import_audio(wav_bytes(samples, 8000, 16)))
    expected = alaw_encode(np.array(values, dtype=np.int16))
    assert np.array_equal(codes[: len(values)], expected)
    assert codes.size == len(values) + len(values) % 2  # one silence code pads odd lengths


@settings(max_examples=60)
@given(
    frames=st.integers(0, 3000),
    rate=st.sampled_from([11025, 16000, 22050, 32000, 44100, 48000, 96000]),
)
def test_resampled_length_is_the_ceiling_of_the_ratio(frames: int, rate: int) -> None:
    x = np.zeros(frames, dtype=np.float32)
    assert resample(x, rate).size == -(-frames * 8000 // rate)
