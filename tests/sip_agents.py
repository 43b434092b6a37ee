"""SIP user agents on loopback for tests: sipp as a UAS, and small Python phones.

Every agent listens on 127.0.0.1 only and is stopped by whoever started it.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import attrs

from cloudtel.sip import SipTarget

__all__ = [
    "LOOPBACK",
    "SCENARIOS",
    "AnsweringPhone",
    "SilentPhone",
    "Sipp",
    "free_udp_port",
    "sipp_uas",
    "udp_listening",
]

SCENARIOS = Path(__file__).parent / "data" / "sipp"
LOOPBACK = "127.0.0.1"


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def udp_listening(port: int) -> bool:
    wanted = f"0100007F:{port:04X}"
    with open("/proc/net/udp", encoding="ascii") as table:
        return any(line.split()[1] == wanted for line in table.readlines()[1:])


@attrs.frozen
class Sipp:
    """A running sipp UAS: its port, its process and its message trace."""

    port: int
    process: subprocess.Popen[bytes]
    trace: Path

    def target(self, **fields: str) -> SipTarget:
        return SipTarget(host=LOOPBACK, port=self.port, **fields)

    def finished(self) -> int:
        """Wait for sipp to finish its calls; its exit status (0: every call passed)."""
        return self.process.wait(timeout=15)

    def messages(self) -> str:
        return self.trace.read_text(encoding="utf-8", errors="replace")


@contextmanager
def sipp_uas(scenario: str, folder: Path, *, calls: int = 1, media: bool = False) -> Iterator[Sipp]:
    """Run sipp as a UAS on a free loopback port until ``calls`` calls are done.

    With ``media`` sipp also sends and receives RTP on loopback (``-mi``).
    """
    binary = shutil.which("sipp")
    assert binary, "sipp is not installed: apt-get install sip-tester (Debian's SIPp)"
    port = free_udp_port()
    trace = folder / f"sipp-{port}-messages.log"
    process = subprocess.Popen(
        [
            binary,
            "-sf",
            str(SCENARIOS / scenario),
            "-i",
            LOOPBACK,
            "-p",
            str(port),
            "-m",
            str(calls),
            "-timeout",
            "30s",
            "-nostdin",
            *(["-mi", LOOPBACK] if media else []),
            "-trace_msg",
            "-message_file",
            str(trace),
        ],
        cwd=folder,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not udp_listening(port):
            assert process.poll() is None, f"sipp exited with {process.returncode} at start"
            assert time.monotonic() < deadline, "sipp did not start listening in 10 s"
            time.sleep(0.02)
        yield Sipp(port=port, process=process, trace=trace)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class SilentPhone:
    """A UDP socket on loopback that records every datagram and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((LOOPBACK, 0))
        self.sock.settimeout(0.05)
        self.port = int(self.sock.getsockname()[1])
        self.received: list[tuple[float, bytes]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data, _peer = self.sock.recvfrom(65535)
            except TimeoutError:
                continue
            self.received.append((time.monotonic(), data))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


class AnsweringPhone(SilentPhone):
    """A UDP socket on loopback that answers every request with ``status`` (200 OK)."""

    def __init__(self, status: str = "200 OK") -> None:
        self.status = status
        super().__init__()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self.sock.recvfrom(65535)
            except TimeoutError:
                continue
            self.received.append((time.monotonic(), data))
            lines = data.decode("utf-8", "replace").split("\r\n")
            copied = [
                line
                for line in lines[1:]
                if line.split(":", 1)[0] in {"Via", "From", "To", "Call-ID", "CSeq"}
            ]
            answer = "\r\n".join([f"SIP/2.0 {self.status}", *copied, "Content-Length: 0"])
            self.sock.sendto((answer + "\r\n\r\n").encode(), peer)

    def events(self) -> list[str]:
        """The ``Event`` header of every request received, in order."""
        found = []
        for _when, data in self.received:
            for line in data.decode("utf-8", "replace").split("\r\n"):
                if line.startswith("Event:"):
                    found.append(line.split(":", 1)[1].strip())
        return found
