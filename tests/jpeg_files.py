"""Build small, real JPEG files for the photo tests (no image library needed).

:func:`jpeg` writes a flat grey baseline (or progressive-marked) JPEG of any size:
a quantisation table, a frame header, one Huffman table pair that codes "no
change" and "end of block", and a scan with two bits per 8×8 block (meant to
decode as a grey rectangle; not checked against a decoder here). cloudtel only
reads the markers.
"""

from __future__ import annotations

__all__ = ["jpeg", "segment"]


def segment(marker: int, payload: bytes) -> bytes:
    """One marker segment: FF, the marker, the 2-byte length and the payload."""
    return bytes((0xFF, marker)) + (len(payload) + 2).to_bytes(2, "big") + payload


def jpeg(
    width: int = 400,
    height: int = 400,
    *,
    sof: int = 0xC0,
    app: bytes = b"",
    trailer: bytes = b"",
    components: int = 1,
) -> bytes:
    """A JPEG of ``width``×``height`` pixels.

    Args:
        width: Width in pixels (1 … 65535).
        height: Height in pixels (0 writes an invalid frame header).
        sof: The frame marker (0xC0 baseline, 0xC2 progressive, 0xC3 lossless, …).
        app: Extra payload for an APP1 segment (e.g. to make the file bigger).
        trailer: Bytes appended after the end-of-image marker.
        components: Colour components in the frame header.
    """
    quant = segment(0xDB, b"\x00" + bytes([1] * 64))
    comps = b"".join(bytes((i + 1, 0x11, 0)) for i in range(components))
    frame = segment(
        sof,
        bytes([8])
        + height.to_bytes(2, "big")
        + width.to_bytes(2, "big")
        + bytes([components])
        + comps,
    )
    # DC table 0: one code "0" for category 0; AC table 0: one code "0" for EOB.
    counts = bytes([1] + [0] * 15)
    huffman = segment(0xC4, b"\x00" + counts + b"\x00") + segment(0xC4, b"\x10" + counts + b"\x00")
    scan_comps = b"".join(bytes((i + 1, 0x00)) for i in range(components))
    scan = segment(0xDA, bytes([components]) + scan_comps + b"\x00\x3f\x00")
    blocks = max(1, -(-width // 8)) * max(1, -(-height // 8)) * components
    bits = "00" * blocks
    bits += "1" * (-len(bits) % 8)
    data = bytes(int(bits[i : i + 8], 2) for i in range(0, len(bits), 8))
    extra = segment(0xE1, app) if app else b""
    return (
        b"\xff\xd8"
        + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + extra
        + quant
        + frame
        + huffman
        + scan
        + data
        + b"\xff\xd9"
        + trailer
    )
