"""Voice prompts: import, languages, files beside the org file, safe deletion, recording."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import numpy as np
import pytest
from tests.audio_files import aiff_bytes, wav_bytes

from cloudtel import (
    AudioFormatError,
    DuplicateError,
    FileProblemsError,
    InvalidValueError,
    NotFoundError,
    Organization,
    PhoneModel,
    PluginError,
    Reference,
    ReferencedError,
    User,
    dumps,
    load,
    loads,
    plugins,
    save,
)
from cloudtel.audio import alaw_decode, read_alaw_wav
from cloudtel.cli import main
from cloudtel.hookspecs import hookimpl
from cloudtel.phones import Phones
from cloudtel.prompts import PromptAudio, PromptLibrary, VoicePrompt
from cloudtel.services import RecordingRequest


def tone(seconds: float = 0.5, rate: int = 16000, channels: int = 1, hz: float = 440.0) -> bytes:
    """A PCM WAV file of a sine tone."""
    t = np.arange(int(seconds * rate)) / rate
    values = np.round(np.sin(2 * np.pi * hz * t) * 12000).astype(np.int64)
    return wav_bytes(np.repeat(values[:, None], channels, axis=1), rate, 16)


@pytest.fixture
def org() -> Organization:
    org = Organization(
        name="Orange labo",
        domain="orange.be",
        language="nl",
        number_ranges=("+3292470680-+3292470689",),
    )
    org.add_user(User(username="steven@orange.be", primary_line="+3292470681"))
    return org


# ---------------------------------------------------------------- creating prompts


def test_add_imports_audio_as_alaw_8_khz_in_the_default_language(org: Organization) -> None:
    prompt = org.prompts.add(
        "Vac greeting",
        tone(1.0, 44100, 2),
        description="The person you called is currently on vacation.",
    )
    assert prompt.default_language == "nl"
    assert prompt.languages == ("nl",)
    audio = prompt.audio_for()
    assert audio.file == "prompts/vac-greeting.nl.wav"
    assert audio.samples == 8000
    assert audio.duration == 1.0
    data = org.prompts.audio_data("Vac greeting")
    assert data is not None
    assert hashlib.sha256(data).hexdigest() == audio.sha256
    assert data[20:22] == b"\x06\x00"  # format tag 6: A-law
    assert read_alaw_wav(data).size == 8000
    assert org.prompts.get("Vac greeting") == prompt
    assert "Vac greeting" in org.prompts
    assert org.prompts.names() == ("Vac greeting",)


def test_add_accepts_aiff_and_an_explicit_language(org: Organization) -> None:
    values = np.zeros((800, 1), dtype=np.int64)
    prompt = org.prompts.add("Silence", aiff_bytes(values, 8000), language="fr")
    assert prompt.languages == ("fr",)
    assert prompt.audio[0].file == "prompts/silence.fr.wav"


def test_languages_are_added_replaced_and_removed(org: Organization) -> None:
    org.prompts.add("Wrong nr", tone(0.5), description="Invalid number.")
    org.prompts.set_audio("Wrong nr", tone(0.25, hz=600), language="fr")
    prompt = org.prompts.set_audio("Wrong nr", tone(0.75), language="en")
    assert prompt.languages == ("nl", "fr", "en")
    before = prompt.audio_for("fr")
    replaced = org.prompts.set_audio("Wrong nr", tone(1.0, hz=700), language="fr")
    after = replaced.audio_for("fr")
    assert after.file == before.file
    assert after.sha256 != before.sha256
    assert after.samples == 8000
    assert replaced.languages == ("nl", "fr", "en")  # replacing keeps the order
    default = org.prompts.set_audio("Wrong nr", tone(0.125))  # the default language
    assert default.audio_for("nl").samples == 1000
    removed = org.prompts.remove_language("Wrong nr", "nl")
    assert removed.default_language == "fr"
    assert org.prompts.set_default_language("Wrong nr", "en").languages == ("en", "fr")
    assert org.prompts.describe("Wrong nr", "Ongeldig nummer.").description == "Ongeldig nummer."


def test_the_only_language_cannot_be_removed(org: Organization) -> None:
    org.prompts.add("Busy", tone())
    with pytest.raises(InvalidValueError, match="only audio of prompt 'Busy'; delete the prompt"):
        org.prompts.remove_language("Busy", "nl")
    with pytest.raises(NotFoundError, match="no audio in language 'de'; it has: nl"):
        org.prompts.remove_language("Busy", "de")


def test_names_are_unique_ignoring_case(org: Organization) -> None:
    org.prompts.add("Lunch", tone())
    with pytest.raises(DuplicateError, match="named 'Lunch' exists already"):
        org.prompts.add("lunch", tone())
    assert len(org.prompts) == 1


@pytest.mark.parametrize("name", ["", "  ", " padded", "esc\x1bhere", "two\nlines", "x" * 101])
def test_bad_names_are_refused(org: Organization, name: str) -> None:
    with pytest.raises(InvalidValueError, match="prompt name"):
        org.prompts.add(name, tone())


def test_bad_language_and_description_are_refused(org: Organization) -> None:
    with pytest.raises(InvalidValueError, match="language 'Dutch'"):
        org.prompts.add("A", tone(), language="Dutch")
    with pytest.raises(InvalidValueError, match="control characters"):
        org.prompts.add("A", tone(), description="bell\a")
    with pytest.raises(InvalidValueError, match="longer than 1000"):
        org.prompts.add("A", tone(), description="x" * 1001)
    assert len(org.prompts) == 0


def test_unacceptable_audio_leaves_the_library_unchanged(org: Organization) -> None:
    with pytest.raises(AudioFormatError, match="not integer PCM"):
        org.prompts.add("Float", wav_bytes(np.zeros((4, 1), np.int64), 8000, 32, tag=3))
    org.prompts.add("Ok", tone())
    with pytest.raises(AudioFormatError, match="not a WAV or AIFF file"):
        org.prompts.set_audio("Ok", b"ID3 an mp3", language="fr")
    assert org.prompts.names() == ("Ok",)
    assert org.prompts.get("Ok").languages == ("nl",)


def test_unknown_prompt_lists_the_prompts(org: Organization) -> None:
    org.prompts.add("Busy", tone())
    with pytest.raises(NotFoundError, match="no voice prompt 'Lunch'; voice prompts are: 'Busy'"):
        org.prompts.find("Lunch")
    with pytest.raises(KeyError, match="did you mean 'Busy'"):
        org.prompts["busy"]
    assert org.prompts.get("Lunch") is None


def test_similar_names_get_distinct_files(org: Organization) -> None:
    first = org.prompts.add("Wrong nr", tone())
    second = org.prompts.add("Wrong-nr!", tone())
    assert first.audio[0].file == "prompts/wrong-nr.nl.wav"
    assert second.audio[0].file == "prompts/wrong-nr.nl-2.wav"
    assert org.prompts.add("Ééé", tone()).audio[0].file == "prompts/eee.nl.wav"
    assert org.prompts.add("???", tone()).audio[0].file == "prompts/prompt.nl.wav"


def test_raw_alaw_export(org: Organization) -> None:
    org.prompts.add("Beep", tone(0.5, 8000))
    data = org.prompts.audio_data("Beep")
    assert data is not None
    raw = PromptLibrary.raw_alaw(data)
    assert len(raw) == 4000
    levels = alaw_decode(np.frombuffer(raw, np.uint8)).astype(float)
    assert np.max(np.abs(levels)) == pytest.approx(12000, rel=0.05)


def test_value_objects_check_their_fields() -> None:
    good = {"language": "nl", "file": "prompts/a.nl.wav", "sha256": "0" * 64, "samples": 1}
    PromptAudio(**good)  # type: ignore[arg-type]
    for field, bad in [
        ("file", "../a.wav"),
        ("file", "/etc/passwd"),
        ("file", "prompts/A.wav"),
        ("sha256", "xyz"),
        ("samples", 0),
        ("language", "dutch"),
    ]:
        with pytest.raises(InvalidValueError):
            PromptAudio(**{**good, field: bad})  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="has no audio"):
        VoicePrompt(name="x", audio=())
    audio = PromptAudio(**good)  # type: ignore[arg-type]
    with pytest.raises(DuplicateError, match="two audio files for language 'nl'"):
        VoicePrompt(name="x", audio=(audio, audio))


# ---------------------------------------------------------------- files beside the org file


def test_save_writes_the_audio_files_and_load_checks_them(
    org: Organization, tmp_path: Path
) -> None:
    org.prompts.add("Vac greeting", tone(), description="On vacation.")
    org.prompts.set_audio("Vac greeting", tone(hz=500), language="fr")
    path = tmp_path / "org" / "organization.toml"
    save(org, path)
    assert (tmp_path / "org" / "prompts" / "vac-greeting.nl.wav").is_file()
    assert (tmp_path / "org" / "prompts" / "vac-greeting.fr.wav").is_file()
    text = path.read_text(encoding="utf-8")
    assert 'file = "prompts/vac-greeting.fr.wav"' in text
    loaded = load(path)
    assert loaded == org
    assert loaded.prompts.get("Vac greeting").languages == ("nl", "fr")
    assert loaded.prompts.audio_data("Vac greeting") is None  # on disk, not in memory


def test_load_reports_missing_and_altered_audio(org: Organization, tmp_path: Path) -> None:
    org.prompts.add("Busy", tone())
    org.prompts.add("Lunch", tone(hz=300))
    path = tmp_path / "organization.toml"
    save(org, path)
    (tmp_path / "prompts" / "busy.nl.wav").unlink()
    lunch = tmp_path / "prompts" / "lunch.nl.wav"
    lunch.write_bytes(lunch.read_bytes()[:-2] + b"\0\0")
    with pytest.raises(FileProblemsError) as caught:
        load(path)
    text = str(caught.value)
    assert "'prompts/busy.nl.wav' is missing" in text
    assert "'prompts/lunch.nl.wav' was altered" in text


def test_a_loaded_file_with_duplicate_names_is_reported() -> None:
    entry = """
[[prompts.prompts]]
name = "{name}"
[[prompts.prompts.audio]]
language = "nl"
file = "prompts/{file}.nl.wav"
sha256 = "{sha}"
samples = 8000
"""
    text = (
        'schema_version = 1\n[organization]\nname = "X"\ndomain = "x.be"\n'
        + entry.format(name="Busy", file="busy", sha="a" * 64)
        + entry.format(name="BUSY", file="busy", sha="b" * 64)
    )
    with pytest.raises(FileProblemsError) as caught:
        loads(text)
    problems = {p.path: p.message for p in caught.value.problems}
    assert "used twice" in problems["prompts.prompts[1].name"]
    assert "also the audio of prompt 'Busy'" in problems["prompts.prompts[1].audio[0].file"]


def test_a_loaded_file_with_a_bad_audio_entry_is_reported() -> None:
    text = (
        'schema_version = 1\n[organization]\nname = "X"\ndomain = "x.be"\n'
        '[[prompts.prompts]]\nname = "Busy"\n[[prompts.prompts.audio]]\nlanguage = "nl"\n'
        'file = "../../etc/passwd"\nsha256 = "' + "a" * 64 + '"\nsamples = 1\n'
    )
    with pytest.raises(FileProblemsError, match=r"prompt audio file '\.\./\.\./etc/passwd'"):
        loads(text)


# ---------------------------------------------------------------- safe deletion


def test_remove_deletes_an_unreferenced_prompt(org: Organization) -> None:
    org.prompts.add("Busy", tone())
    removed = org.prompts.remove("Busy")
    assert removed.name == "Busy"
    assert len(org.prompts) == 0
    assert org.prompts.blobs() == {}
    with pytest.raises(NotFoundError):
        org.prompts.remove("Busy")


def test_a_referenced_prompt_cannot_be_deleted(
    org: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    org.prompts.add("User unavailable", tone())
    referrers = [
        Reference("prompt", "User unavailable", "schedule of 5901 'Nederlands', event 'newyear'"),
        Reference("prompt", "User unavailable", "schedule of 5502 'Francais', default event"),
        Reference("prompt", "Other", "schedule of 5503, event 'x'"),
    ]
    monkeypatch.setattr(Phones, "references", lambda _self: referrers)
    with pytest.raises(ReferencedError) as caught:
        org.prompts.remove("User unavailable")
    message = str(caught.value)
    assert "cannot delete prompt 'User unavailable'" in message
    assert "event 'newyear'" in message
    assert "default event" in message
    assert caught.value.context["referrers"] == [r.referrer for r in referrers[:2]]
    assert "User unavailable" in org.prompts


# ---------------------------------------------------------------- recording by call


class Recorder:
    """A test telephony backend: 'calls' the user and returns a recorded tone."""

    def __init__(self, audio: object) -> None:
        self.audio = audio
        self.requests: list[RecordingRequest] = []

    @hookimpl
    def cloudtel_record_prompt(self, request: RecordingRequest) -> object:
        self.requests.append(request)
        if isinstance(self.audio, Exception):
            raise self.audio
        return self.audio


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    plugin = Recorder(tone(0.5, 48000, 2))
    plugins.register(plugin, name="test-recorder")
    try:
        yield plugin
    finally:
        plugins.get_plugin_manager().unregister(name="test-recorder")


def test_hook_cloudtel_record_prompt(org: Organization, recorder: Recorder) -> None:
    org.prompts.add("Busy", tone(), description="The person you have called is busy.")
    prompt = org.prompts.record("Busy", "steven@orange.be", language="fr")
    assert prompt.languages == ("nl", "fr")
    assert prompt.audio_for("fr").samples == 4000
    (request,) = recorder.requests
    assert request == RecordingRequest(
        organization="Orange labo",
        domain="orange.be",
        prompt="Busy",
        description="The person you have called is busy.",
        language="fr",
        username="steven@orange.be",
        number=org.user("steven@orange.be").primary_line,
    )
    new = org.prompts.record("Lunch", "steven@orange.be")
    assert new.languages == ("nl",)
    assert recorder.requests[-1].description == ""


def test_recording_without_a_backend_says_none_is_installed(org: Organization) -> None:
    with pytest.raises(PluginError, match="none is installed; cloudtel places no calls"):
        org.prompts.record("Busy", "steven@orange.be")
    assert len(org.prompts) == 0


class FakeServices:
    """Plugin services without any plugin: records a tone, knows no phone model."""

    def __init__(self) -> None:
        self.requests: list[RecordingRequest] = []

    def find_model(self, family: str, name: str) -> PhoneModel:
        raise NotFoundError(f"no model {family} {name}")

    def record_prompt(self, request: RecordingRequest) -> bytes:
        self.requests.append(request)
        return tone(0.25)


def test_an_organisation_records_through_its_own_plugin_services(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(plugins, "get_plugin_manager", _no_manager)
    services = FakeServices()
    org = Organization(
        name="Orange labo",
        domain="orange.be",
        number_ranges=("+3292470680-+3292470689",),
        services=services,
    )
    org.add_user(User(username="steven@orange.be", primary_line="+3292470681"))
    prompt = org.prompts.record("Busy", "steven@orange.be")
    assert prompt.audio_for("nl").samples == 2000
    assert [r.prompt for r in services.requests] == ["Busy"]
    # the services are not part of the organisation's value: not saved, not compared
    assert "services" not in dumps(org)
    assert loads(dumps(org)) == org


def _no_manager() -> NoReturn:
    raise AssertionError("the plugin manager was asked")


def test_recording_needs_an_existing_user(org: Organization, recorder: Recorder) -> None:
    with pytest.raises(NotFoundError):
        org.prompts.record("Busy", "nobody@orange.be")
    assert recorder.requests == []


@pytest.mark.parametrize(
    ("audio", "error", "message"),
    [
        (None, PluginError, "no installed telephony backend accepted"),
        ("text", PluginError, "returned str"),
        (RuntimeError("line busy"), PluginError, "failed to record prompt 'Busy'.*line busy"),
        (b"not audio", AudioFormatError, "recording backend returned audio we cannot import"),
    ],
)
def test_recording_failures_are_reported(
    org: Organization, recorder: Recorder, audio: object, error: type[Exception], message: str
) -> None:
    recorder.audio = audio
    with pytest.raises(error, match=message):
        org.prompts.record("Busy", "steven@orange.be")
    assert len(org.prompts) == 0


# ---------------------------------------------------------------- the example organisation


def test_the_example_has_the_manuals_prompts(example_org: Organization, example_path: Path) -> None:
    names = example_org.prompts.names()
    assert {"Vac greeting", "Wrong nr", "User unavailable", "User busy", "Lunch"} <= set(names)
    for prompt in example_org.prompts:
        assert prompt.default_language == "nl"
        assert prompt.description
        for audio in prompt.audio:
            data = (example_path.parent / audio.file).read_bytes()
            codes = read_alaw_wav(data)  # A-law, 8 kHz, mono, or it raises
            assert codes.size == audio.samples
            assert 0.5 < audio.duration < 5
            assert len(data) < 40_000
    assert example_org.prompts.get("Vac greeting").languages == ("nl", "fr")


# ---------------------------------------------------------------- the command line


@pytest.fixture
def example_copy(example_path: Path, tmp_path: Path) -> Path:
    """A copy of the example organisation's folder, safe to change."""
    folder = tmp_path / "orange-labo"
    shutil.copytree(example_path.parent, folder)
    return folder / example_path.name


def test_cli_lists_prompts(example_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prompts", str(example_path)]) == 0
    out = capsys.readouterr().out
    assert "Vac greeting" in out
    assert "nl* 3.1s, fr 3.0s" in out
    assert "5 voice prompts" in out


def test_cli_imports_a_new_prompt_and_a_language(
    example_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    beep = example_copy.parent / "prompts" / "sources" / "beep.wav"
    status = main(
        ["prompts", "import", str(example_copy), "Short beep", str(beep), "--description", "[beep]"]
    )
    assert status == 0
    assert "created voice prompt 'Short beep'" in capsys.readouterr().out
    stereo = example_copy.parent / "stereo.aiff"
    stereo.write_bytes(aiff_bytes(np.zeros((4410, 2), np.int64), 44100))
    argv = ["prompts", "import", str(example_copy), "Short beep", str(stereo), "--language", "fr"]
    assert main(argv) == 0
    loaded = load(example_copy)
    prompt = loaded.prompts.get("Short beep")
    assert prompt.description == "[beep]"
    assert prompt.languages == ("nl", "fr")
    assert prompt.audio_for("nl").samples == 2000
    assert prompt.audio_for("fr").samples == 800
    assert (example_copy.parent / "prompts" / "short-beep.fr.wav").is_file()


def test_cli_refuses_bad_audio_with_one_line(
    example_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = example_copy.read_bytes()
    status = main(["prompts", "import", str(example_copy), "Bad", str(example_copy)])
    assert status == 1
    err = capsys.readouterr().err
    assert err.startswith("cloudtel: not a WAV or AIFF file")
    assert "Traceback" not in err
    assert example_copy.read_bytes() == before


def test_cli_deletes_and_refuses_referenced_prompts(
    example_copy: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["prompts", "delete", str(example_copy), "Lunch"]) == 0
    assert "deleted voice prompt 'Lunch'" in capsys.readouterr().out
    assert "Lunch" not in load(example_copy).prompts
    assert main(["prompts", "delete", str(example_copy), "Vac greeting", "--language", "fr"]) == 0
    assert load(example_copy).prompts.get("Vac greeting").languages == ("nl",)
    referrer = Reference("prompt", "Wrong nr", "schedule of 5901, event 'closed'")
    monkeypatch.setattr(Phones, "references", lambda _self: [referrer])
    assert main(["prompts", "delete", str(example_copy), "Wrong nr"]) == 1
    err = capsys.readouterr().err
    assert "cloudtel: cannot delete prompt 'Wrong nr': it is used by schedule of 5901" in err
    monkeypatch.undo()
    assert "Wrong nr" in load(example_copy).prompts


def test_cli_exports_wav_and_raw_alaw(example_path: Path, tmp_path: Path) -> None:
    raw = tmp_path / "wrong-nr.al"
    wav = tmp_path / "wrong-nr.wav"
    assert main(["prompts", "export", str(example_path), "Wrong nr", str(raw)]) == 0
    assert main(["prompts", "export", str(example_path), "Wrong nr", str(wav)]) == 0
    stored = (example_path.parent / "prompts" / "wrong-nr.nl.wav").read_bytes()
    assert wav.read_bytes() == stored
    assert raw.read_bytes() == stored[58:]


@pytest.mark.parametrize(
    "argv",
    [
        ["prompts", "import", "org.toml", "Name"],
        ["prompts", "delete", "org.toml"],
        ["prompts", "a.toml", "b.toml"],
        ["prompts", "org.toml", "--language", "fr"],
    ],
)
def test_cli_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    assert "usage: cloudtel prompts FILE" in capsys.readouterr().err


def test_saving_a_loaded_organisation_elsewhere_copies_its_audio(
    example_org: Organization, tmp_path: Path
) -> None:
    target = tmp_path / "copy" / "organization.toml"
    save(example_org, target)
    for prompt in example_org.prompts:
        for audio in prompt.audio:
            assert (target.parent / audio.file).is_file()
    assert load(target) == example_org


def test_the_example_schedules_protect_the_prompts_they_play(example_org: Organization) -> None:
    referrers = example_org.referrers("prompt", "User unavailable")
    assert referrers
    with pytest.raises(ReferencedError, match="cannot delete prompt 'User unavailable'"):
        example_org.prompts.remove("User unavailable")
    assert "User unavailable" in example_org.prompts


def test_the_demo_shows_prompts_and_exports_raw_alaw(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "== Voice prompts: 5, stored as A-law 8 kHz mono WAV" in out
    assert "'User unavailable' cannot be deleted: it is used by schedule" in out
    raw = tmp_path / "vac-greeting.nl.al"
    assert raw.stat().st_size == 24794
