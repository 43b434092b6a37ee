"""The fuzz targets and their seed inputs: org files, CSV, audio, JPEG, phone
configurations and iCalendar.

A target is a function of bytes. It turns them into what its parser takes (text is
decoded with ``surrogateescape``, so lone surrogates reach the parsers too), calls
it, and returns quietly when the parser refuses the input with a
:class:`~cloudtel.CloudtelError`. Any other exception escapes: that is a finding.

vCard has no target: cloudtel exports vCard but does not import it.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import struct
import wave
from collections.abc import Callable
from functools import cache
from pathlib import Path

import cloudtel
from cloudtel.accounts import inspect_jpeg
from cloudtel.audio import import_audio
from cloudtel.contacts.csv_files import import_csv
from cloudtel.errors import CloudtelError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "orange-labo" / "organization.toml"

Target = Callable[[bytes], None]


def _text(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


@cache
def _example() -> cloudtel.Organization:
    return cloudtel.load(EXAMPLE)


# --- the targets -------------------------------------------------------------------


def org_toml(data: bytes) -> None:
    """The TOML org file loader."""
    with contextlib.suppress(CloudtelError):
        cloudtel.loads(_text(data), "toml")


def org_json(data: bytes) -> None:
    """The JSON org file loader."""
    with contextlib.suppress(CloudtelError):
        cloudtel.loads(_text(data), "json")


def contacts_csv(data: bytes) -> None:
    """Contact CSV import (encoding and delimiter detection, rows, numbers)."""
    org = cloudtel.Organization(  # a fresh, small one to import into
        name="Fuzz", domain="fuzz.example", number_ranges=("+3227811600-+3227811699",)
    )
    with contextlib.suppress(CloudtelError):
        import_csv(org, "org", data, keep_valid=True)


def audio(data: bytes) -> None:
    """Voice prompt import: WAV, AIFF and AIFF-C readers, resampling, A-law."""
    with contextlib.suppress(CloudtelError):
        import_audio(data)


def jpeg(data: bytes) -> None:
    """The photo check: JPEG markers and dimensions."""
    with contextlib.suppress(CloudtelError):
        inspect_jpeg(data)


def _driver_target(family: str) -> Target:
    def target(data: bytes) -> None:
        module = __import__(f"cloudtel_{family}")
        text = _text(data)
        for model in module.MODELS[:2]:
            with contextlib.suppress(CloudtelError):
                module.parse_config(model, text)

    target.__doc__ = f"The {family} driver's parse_config."
    target.__name__ = f"{family}_config"
    return target


mitel_config = _driver_target("mitel")
yealink_config = _driver_target("yealink")


def ical(data: bytes) -> None:
    """iCalendar import of a schedule (needs the ``ical`` extra)."""
    from cloudtel.schedules.ical import from_ical  # noqa: PLC0415 - icalendar only here

    with contextlib.suppress(CloudtelError):
        from_ical(data, "Europe/Brussels")


TARGETS: dict[str, Target] = {
    "org_toml": org_toml,
    "org_json": org_json,
    "contacts_csv": contacts_csv,
    "audio": audio,
    "jpeg": jpeg,
    "mitel_config": mitel_config,
    "yealink_config": yealink_config,
    "ical": ical,
}
"""Every target by name."""


# --- seeds -------------------------------------------------------------------------


def _wav(rate: int, width: int, channels: int) -> bytes:
    frames = rate // 50
    values = [int(0.5 * math.sin(i / 5) * (2 ** (8 * width - 1) - 1)) for i in range(frames)]
    if width == 1:
        raw = bytes((v + 128) & 0xFF for v in values for _ in range(channels))
    else:
        raw = b"".join(
            v.to_bytes(width, "little", signed=True) for v in values for _ in range(channels)
        )
    stream = io.BytesIO()
    with wave.open(stream, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(raw)
    return stream.getvalue()


def _ext80(value: int) -> bytes:
    exponent = value.bit_length() - 1
    return struct.pack(">HQ", 16383 + exponent, value << (63 - exponent))


def _aiff(rate: int) -> bytes:
    frames = rate // 50
    sound = b"".join(
        int(8000 * math.sin(i / 5)).to_bytes(2, "big", signed=True) for i in range(frames)
    )
    comm = struct.pack(">hIh", 1, frames, 16) + _ext80(rate)
    chunks = b"COMM" + struct.pack(">I", len(comm)) + comm
    ssnd = struct.pack(">II", 0, 0) + sound
    chunks += b"SSND" + struct.pack(">I", len(ssnd)) + ssnd
    return b"FORM" + struct.pack(">I", 4 + len(chunks)) + b"AIFF" + chunks


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + (len(payload) + 2).to_bytes(2, "big") + payload


def _jpeg(width: int, height: int) -> bytes:
    size = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    frame = _segment(0xC0, b"\x08" + size + b"\x01\x01\x11\x00")
    table = _segment(0xDB, b"\x00" + bytes([1] * 64))
    counts = bytes([1] + [0] * 15)
    huffman = _segment(0xC4, b"\x00" + counts + b"\x00")
    huffman += _segment(0xC4, b"\x10" + counts + b"\x00")
    scan = _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    return b"\xff\xd8" + table + frame + huffman + scan + b"\x00" * 8 + b"\xff\xd9"


def _phone_configs(family: str) -> list[bytes]:
    from cloudtel.testing import full_phone  # noqa: PLC0415

    module = __import__(f"cloudtel_{family}")
    found = []
    for model in module.MODELS[:2]:
        phone, model_, context = full_phone(model, "08000fbbad78")
        files = module.DRIVER.cloudtel_render_phone(phone=phone, model=model_, context=context)
        found.extend(file.content for file in files or ())
    return found


def seeds(name: str) -> list[bytes]:
    """Valid inputs of the target ``name`` to start from (mutations of them find more)."""
    org = _example()
    if name == "org_toml":
        return [EXAMPLE.read_bytes(), b"schema_version = 1\n[organization]\n"]
    if name == "org_json":
        return [cloudtel.dumps(org, "json").encode(), json.dumps({"schema_version": 1}).encode()]
    if name == "contacts_csv":
        sample = EXAMPLE.parent / "contacts-import.csv"
        return [sample.read_bytes(), b"First name,Last name,Work\nAn,Peeters,092470680\n"]
    if name == "audio":
        return [_wav(8000, 2, 1), _wav(44100, 2, 2), _wav(16000, 1, 1), _aiff(22050)]
    if name == "jpeg":
        return [_jpeg(40, 30), _jpeg(1, 1)]
    if name in ("mitel_config", "yealink_config"):
        return _phone_configs(name.removesuffix("_config"))
    if name == "ical":
        from cloudtel.schedules.ical import to_ical  # noqa: PLC0415

        function = org.functions.find("5901")
        return [to_ical(function.schedule, "Europe/Brussels").encode()]
    raise KeyError(name)
