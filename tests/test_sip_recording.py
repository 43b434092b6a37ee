"""Recording a voice prompt by phone over SIP, against sipp playing the user's phone.

The manual: "Record the file: u ontvangt een oproep die u de mogelijkheid biedt om het
bericht onmiddellijk op te nemen."
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from tests.sip_agents import LOOPBACK, sipp_uas

from cloudtel import Organization, PluginError, User, alaw_encode, read_alaw_wav
from cloudtel.plugins import get_plugin_manager
from cloudtel.sip_recording import SipPromptRecorder


def _speech() -> bytes:
    """1.5 s of a 440 Hz tone as raw A-law: what the user "says"."""
    t = np.arange(12_000) / 8000
    samples = (8000 * np.sin(2 * math.pi * 440 * t)).astype(np.int16)
    return alaw_encode(samples).tobytes()


@pytest.fixture
def org() -> Organization:
    org = Organization(name="Lab", domain="orange.be", number_ranges=("+3227811600-+3227811609",))
    org.add_user(User(username="demo.user@orange.be", primary_line="+3227811603"))
    org.add_user(User(username="no.line@orange.be"))
    return org


@pytest.fixture
def recorder_for() -> Iterator[list[SipPromptRecorder]]:
    registered: list[SipPromptRecorder] = []
    yield registered
    for plugin in registered:
        get_plugin_manager().unregister(plugin)


def _register(registered: list[SipPromptRecorder], port: int) -> SipPromptRecorder:
    recorder = SipPromptRecorder(
        server=LOOPBACK, port=port, local_host=LOOPBACK, silence_seconds=1.0, answer_seconds=10
    )
    get_plugin_manager().register(recorder)
    registered.append(recorder)
    return recorder


def test_a_prompt_is_recorded_by_calling_the_users_line(
    org: Organization, tmp_path: Path, recorder_for: list[SipPromptRecorder]
) -> None:
    speech = _speech()
    (tmp_path / "speech.alaw").write_bytes(speech)
    with sipp_uas("record-answer.xml", tmp_path, media=True) as phone:
        _register(recorder_for, phone.port)
        prompt = org.prompts.record("welcome", "demo.user@orange.be", language="nl")
        assert phone.finished() == 0, phone.messages()
        messages = phone.messages()
    assert "INVITE sip:+3227811603@127.0.0.1" in messages
    assert "a=rtpmap:8 PCMA/8000" in messages
    assert "BYE sip:" in messages  # the recorder hung up after the speech
    assert prompt.languages == ("nl",)
    stored = org.prompts.audio_data("welcome", "nl")
    assert stored is not None
    recorded = read_alaw_wav(stored).tobytes()
    # every A-law code the phone sent, in order (decoding and encoding A-law is exact)
    assert recorded == speech


def test_a_busy_line_is_a_clear_error(
    org: Organization, tmp_path: Path, recorder_for: list[SipPromptRecorder]
) -> None:
    with sipp_uas("record-busy.xml", tmp_path) as phone:
        _register(recorder_for, phone.port)
        with pytest.raises(PluginError, match="486 Busy Here"):
            org.prompts.record("welcome", "demo.user@orange.be")
        assert phone.finished() == 0, phone.messages()
    assert "welcome" not in org.prompts


def test_a_user_without_a_line_cannot_be_called(
    org: Organization, recorder_for: list[SipPromptRecorder]
) -> None:
    _register(recorder_for, 5060)
    with pytest.raises(PluginError, match="no primary line"):
        org.prompts.record("welcome", "no.line@orange.be")
