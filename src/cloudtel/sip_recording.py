"""Recording a voice prompt by phone: a SIP backend for the hook ``cloudtel_record_prompt``.

The manual: "Record the file: u ontvangt een oproep die u de mogelijkheid biedt om het
bericht onmiddellijk op te nemen. Kies in dit geval een gebruiker ... en klik vervolgens op
Initialize call." :class:`SipPromptRecorder` does that over SIP (RFC 3261, UDP) and RTP
(RFC 3550): it calls the user's primary line through a SIP server (the PBX, or the phone
itself), offers G.711 A-law (PCMA, payload type 8, 8 kHz), records the RTP audio the
phone sends, and returns it as a 16-bit PCM WAV file, which
:meth:`cloudtel.prompts.PromptLibrary.record` imports like an upload.

The call ends when the phone hangs up (BYE), when the audio has stopped for
``silence_seconds`` after it began, or after ``max_seconds``; the recorder then hangs up
itself. Register it as a plugin, once per program::

    from cloudtel import plugins
    from cloudtel.sip_recording import SipPromptRecorder

    plugins.register(SipPromptRecorder(server="pbx.example.com", local_host="192.0.2.10"))
    org.prompts.record("welcome", "demo.user@orange.be")

What it does not do (say so when you need it): SIP authentication (digest), TCP or TLS
transport, SRTP, re-INVITEs, codecs other than A-law, or NAT traversal: the SIP server
must reach ``local_host`` directly. The tests run it against sipp playing the phone.
"""

from __future__ import annotations

import contextlib
import io
import re
import secrets
import select
import socket
import time
import wave
from typing import Final

import attrs
import numpy as np

from cloudtel import services
from cloudtel.audio import alaw_decode
from cloudtel.errors import PluginError
from cloudtel.hookspecs import hookimpl

__all__ = ["SipPromptRecorder"]

_PCMA: Final = 8
_T1: Final = 0.5  # RFC 3261 retransmission interval, doubled up to 4 s
_STATUS = re.compile(rb"^SIP/2\.0 (\d{3}) ?([^\r\n]*)")


@attrs.frozen(kw_only=True)
class SipPromptRecorder:
    """Calls a user over SIP and records what they say (hook ``cloudtel_record_prompt``).

    Args:
        server (str): Host name or address of the SIP server that reaches the users'
            lines (the request goes to ``sip:<E.164 number>@server``).
        port (int): Its UDP port (5060).
        local_host (str): This machine's address as the server sees it (SIP Contact,
            Via and the SDP media address); ``127.0.0.1`` by default.
        caller (str): The user part of the From address, shown to the user.
        answer_seconds (float): How long the phone may ring before giving up.
        max_seconds (float): The longest recording.
        silence_seconds (float): The call ends when no audio came for this long, after
            the audio began.
    """

    server: str
    port: int = 5060
    local_host: str = "127.0.0.1"
    caller: str = "cloudtel-prompts"
    answer_seconds: float = 30.0
    max_seconds: float = 120.0
    silence_seconds: float = 2.0

    @hookimpl
    def cloudtel_record_prompt(self, request: services.RecordingRequest) -> bytes | None:
        """Call ``request.number`` and return the recording as a PCM WAV file.

        Args:
            request (services.RecordingRequest): The prompt and the user to call.

        Returns:
            bytes: A 16-bit PCM, 8 kHz, mono WAV file.

        Raises:
            PluginError: The user has no line, or the call failed, was not answered, or
                brought no audio; the message says which.
        """
        if request.number is None:
            raise PluginError(
                f"user {request.username} has no primary line for the recording call",
                username=request.username,
            )
        return self.record(request.number.e164)

    def record(self, number: str) -> bytes:
        """Call ``number`` through the server and record the call's audio.

        Args:
            number (str): The number to call, E.164 (``+3227811603``).

        Returns:
            bytes: A 16-bit PCM, 8 kHz, mono WAV file of what the phone sent.

        Raises:
            PluginError: The call failed, was not answered, or brought no audio.
        """
        with (
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sip,
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as rtp,
        ):
            sip.bind((self.local_host, 0))
            rtp.bind((self.local_host, 0))
            call = _Call(self, sip, rtp, number)
            call.invite()
            try:
                audio = call.receive_audio()
            finally:
                call.hang_up()
        if not audio:
            raise PluginError(f"the call to {number} was answered but brought no audio")
        return _wav(audio)


class _Call:
    """One outgoing call: its dialog state and the two sockets."""

    def __init__(
        self, recorder: SipPromptRecorder, sip: socket.socket, rtp: socket.socket, number: str
    ) -> None:
        self.recorder = recorder
        self.sip = sip
        self.rtp = rtp
        self.number = number
        self.server = (recorder.server, recorder.port)
        self.local = f"{recorder.local_host}:{sip.getsockname()[1]}"
        self.call_id = f"{secrets.token_hex(12)}@{recorder.local_host}"
        self.tag = secrets.token_hex(6)
        self.uri = f"sip:{number}@{recorder.server}:{recorder.port}"
        self.to = f"<sip:{number}@{recorder.server}>"
        self.remote_tag = ""
        self.target = self.uri
        self.answered = False
        self.hung_up = False

    # -- messages ------------------------------------------------------------------------

    def _request(self, method: str, cseq: int, uri: str, *, body: str = "") -> bytes:
        to = self.to + (f";tag={self.remote_tag}" if self.remote_tag else "")
        lines = [
            f"{method} {uri} SIP/2.0",
            f"Via: SIP/2.0/UDP {self.local};branch=z9hG4bK{secrets.token_hex(8)};rport",
            "Max-Forwards: 70",
            f"From: <sip:{self.recorder.caller}@{self.recorder.local_host}>;tag={self.tag}",
            f"To: {to}",
            f"Call-ID: {self.call_id}",
            f"CSeq: {cseq} {method}",
            f"Contact: <sip:{self.recorder.caller}@{self.local}>",
            "User-Agent: cloudtel",
        ]
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append(f"Content-Length: {len(body.encode())}")
        return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()

    def _sdp(self) -> str:
        host = self.recorder.local_host
        port = self.rtp.getsockname()[1]
        return (
            f"v=0\r\no=cloudtel {int(time.time())} 1 IN IP4 {host}\r\ns=prompt recording\r\n"
            f"c=IN IP4 {host}\r\nt=0 0\r\nm=audio {port} RTP/AVP {_PCMA}\r\n"
            f"a=rtpmap:{_PCMA} PCMA/8000\r\na=recvonly\r\n"
        )

    def _transact(self, message: bytes, wanted: str, deadline: float) -> tuple[int, bytes]:
        """Send a request until its final response arrives; ``(status, response)``."""
        interval, next_send = _T1, 0.0
        while True:
            now = time.monotonic()
            if now >= deadline:
                raise PluginError(
                    f"no answer from the SIP server {self.server[0]}:{self.server[1]} to "
                    f"{wanted} in time (the call to {self.number})"
                )
            if now >= next_send:
                self.sip.sendto(message, self.server)
                next_send, interval = now + interval, min(interval * 2, 4.0)
            ready, _, _ = select.select([self.sip], [], [], min(next_send, deadline) - now)
            if not ready:
                continue
            data, _peer = self.sip.recvfrom(65535)
            match = _STATUS.match(data)
            if match is None:
                self._answer_request(data)
                continue
            if _header(data, "Call-ID") != self.call_id or wanted not in _header(data, "CSeq"):
                continue
            status = int(match[1])
            if status < 200:
                interval, next_send = 4.0, time.monotonic() + 4.0  # provisional: stop resending
                continue
            return status, data

    def invite(self) -> None:
        """Place the call; raise unless the phone answered with audio we can record."""
        deadline = time.monotonic() + self.recorder.answer_seconds
        status, response = self._transact(
            self._request("INVITE", 1, self.uri, body=self._sdp()), "INVITE", deadline
        )
        self.remote_tag = _tag(_header(response, "To"))
        if status >= 300:
            self.sip.sendto(self._request("ACK", 1, self.uri), self.server)
            reason = _STATUS.match(response)
            text = reason[2].decode(errors="replace") if reason else ""
            raise PluginError(f"the call to {self.number} failed: {status} {text}".rstrip())
        contact = re.search(r"<([^>]+)>", _header(response, "Contact"))
        self.target = contact[1] if contact else self.uri
        self.answered = True
        self.sip.sendto(self._request("ACK", 1, self.target), self.server)
        if not re.search(rb"m=audio \d+ RTP/AVP(?: \d+)* 8(?:[ \r\n]|$)", response):
            raise PluginError(f"the phone at {self.number} does not send G.711 A-law (PCMA)")

    def _answer_request(self, data: bytes) -> None:
        """Answer a request from the phone: 200 OK, and note a hang-up."""
        if _header(data, "Call-ID") != self.call_id:
            return
        if data.startswith(b"BYE "):
            self.hung_up = True
        if data.startswith(b"ACK "):
            return
        reply = [
            "SIP/2.0 200 OK",
            *(f"{name}: {_header(data, name)}" for name in ("Via", "From", "To", "Call-ID")),
            f"CSeq: {_header(data, 'CSeq')}",
            "Content-Length: 0",
        ]
        self.sip.sendto(("\r\n".join(reply) + "\r\n\r\n").encode(), self.server)

    def receive_audio(self) -> bytes:
        """The A-law payload of the phone's RTP packets, in sequence order."""
        recorder = self.recorder
        started = time.monotonic()
        last_audio: float | None = None
        packets: dict[int, bytes] = {}
        first_sequence: int | None = None
        wraps = 0
        previous = 0
        while not self.hung_up:
            now = time.monotonic()
            if now - started >= recorder.max_seconds:
                break
            if last_audio is not None and now - last_audio >= recorder.silence_seconds:
                break
            if last_audio is None and now - started >= recorder.answer_seconds:
                break
            ready, _, _ = select.select([self.sip, self.rtp], [], [], 0.05)
            if self.sip in ready:
                data, _peer = self.sip.recvfrom(65535)
                if _STATUS.match(data) is None:
                    self._answer_request(data)
            if self.rtp in ready:
                data, _peer = self.rtp.recvfrom(65535)
                payload = _rtp_payload(data)
                if payload is None:
                    continue
                sequence, audio = payload
                if first_sequence is None:
                    first_sequence = previous = sequence
                if sequence < previous and previous - sequence > 30000:
                    wraps += 1
                previous = sequence
                packets[wraps * 65536 + sequence] = audio
                last_audio = time.monotonic()
        return b"".join(packets[key] for key in sorted(packets))

    def hang_up(self) -> None:
        """End the call (unless the phone did); wait briefly for the 200 OK."""
        if not self.answered or self.hung_up:
            return
        # the recording is there; a lost 200 OK to the BYE changes nothing
        with contextlib.suppress(PluginError):
            self._transact(
                self._request("BYE", 2, self.target), "BYE", time.monotonic() + 4 * _T1 * 4
            )


def _header(message: bytes, name: str) -> str:
    found = re.search(
        rb"^(?:" + name.encode() + rb"):[ \t]*([^\r\n]*)", message, re.IGNORECASE | re.MULTILINE
    )
    return found[1].decode(errors="replace").strip() if found else ""


def _tag(value: str) -> str:
    found = re.search(r";tag=([^;>\s]+)", value)
    return found[1] if found else ""


def _rtp_payload(packet: bytes) -> tuple[int, bytes] | None:
    """``(sequence number, payload)`` of an RTP packet of A-law audio, else None."""
    if len(packet) < 12 or packet[0] >> 6 != 2 or packet[1] & 0x7F != _PCMA:
        return None
    start = 12 + 4 * (packet[0] & 0x0F)
    if packet[0] & 0x10 and len(packet) >= start + 4:  # header extension
        start += 4 + 4 * int.from_bytes(packet[start + 2 : start + 4], "big")
    end = len(packet)
    if packet[0] & 0x20 and end > start:  # padding
        end -= packet[-1]
    if end <= start:
        return None
    return int.from_bytes(packet[2:4], "big"), packet[start:end]


def _wav(alaw: bytes) -> bytes:
    samples = alaw_decode(np.frombuffer(alaw, dtype=np.uint8))
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(8000)
        writer.writeframes(samples.astype("<i2").tobytes())
    return out.getvalue()
