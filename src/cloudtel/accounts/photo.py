"""User photos: JPEG files checked marker by marker, and the photo record.

:func:`inspect_jpeg` reads the JPEG markers itself and refuses anything that is
not a well-formed baseline or progressive JPEG; a :class:`Photo` records a
checked file kept beside the org file.
"""

from __future__ import annotations

from typing import Any, Final

import attrs

from cloudtel.accounts._validators import sha256_digest
from cloudtel.errors import InvalidValueError

__all__ = [
    "PHOTO_IDEAL_SIZE",
    "PHOTO_MAX_BYTES",
    "PHOTO_MAX_SIDE",
    "JpegInfo",
    "Photo",
    "inspect_jpeg",
]

PHOTO_MAX_BYTES: Final = 2 * 1024 * 1024
"""The largest photo file accepted: 2 MiB."""

PHOTO_MAX_SIDE: Final = 8192
"""The largest width or height of a photo, in pixels."""

PHOTO_IDEAL_SIZE: Final = (400, 400)
"""The photo size the portal shows unscaled (width, height)."""

_SOF_ACCEPTED: Final = {0xC0: "baseline", 0xC1: "extended sequential", 0xC2: "progressive"}
_SOF_REFUSED: Final = {
    0xC3: "lossless",
    0xC5: "hierarchical",
    0xC6: "hierarchical progressive",
    0xC7: "hierarchical lossless",
    0xC9: "arithmetic-coded",
    0xCA: "arithmetic-coded progressive",
    0xCB: "arithmetic-coded lossless",
    0xCD: "hierarchical arithmetic-coded",
    0xCE: "hierarchical arithmetic-coded progressive",
    0xCF: "hierarchical arithmetic-coded lossless",
}
_OTHER_FORMATS: Final = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"%PDF", "a PDF document"),
    (b"RIFF", "a RIFF file (WebP?)"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"<", "text or markup"),
)
_PHOTO_SUFFIXES: Final = (".jpg", ".jpeg", ".jpe")


def _scaling_notice(width: int, height: int) -> str | None:
    if (width, height) == PHOTO_IDEAL_SIZE:
        return None
    ideal = "×".join(str(side) for side in PHOTO_IDEAL_SIZE)
    return f"the photo is {width}×{height}, not {ideal}: it will be scaled"


def _kept_notice(width: int, height: int) -> str | None:
    if (width, height) == PHOTO_IDEAL_SIZE:
        return None
    ideal = "×".join(str(side) for side in PHOTO_IDEAL_SIZE)
    return (
        f"the photo is {width}×{height}, not {ideal}, and was kept as uploaded: install "
        "the optional extra 'photos' (pip install 'cloudtel[photos]', Pillow) to have "
        f"cloudtel scale it, or upload a {ideal} photo"
    )


@attrs.frozen(kw_only=True)
class JpegInfo:
    """What :func:`inspect_jpeg` found in a JPEG file.

    Args:
        width (int): Width in pixels.
        height (int): Height in pixels.
        components (int): Colour components (1 grey, 3 colour, 4 CMYK).
        coding (str): ``"baseline"``, ``"extended sequential"`` or ``"progressive"``.
        size (int): File size in bytes.
    """

    width: int
    height: int
    components: int
    coding: str
    size: int

    @property
    def scaled(self) -> bool:
        """Whether the portal scales it (it is not 400×400)."""
        return (self.width, self.height) != PHOTO_IDEAL_SIZE

    @property
    def notice(self) -> str | None:
        """What to tell the user about scaling, or ``None`` when it is 400×400."""
        return _scaling_notice(self.width, self.height)


def _photo_error(message: str, **context: Any) -> InvalidValueError:
    return InvalidValueError(
        f"photo refused: {message}. A photo must be a JPEG file (.jpg, .jpeg or .jpe) of at "
        f"most {PHOTO_MAX_BYTES // 1024} KiB, ideally 400×400 pixels",
        field="photo",
        **context,
    )


def inspect_jpeg(
    data: bytes, *, filename: str | None = None, max_bytes: int = PHOTO_MAX_BYTES
) -> JpegInfo:
    """Check that ``data`` is a well-formed JPEG and read its dimensions.

    Walks the markers itself: start of image (FF D8), every segment with its
    length, exactly one frame header (SOF0, SOF1 or SOF2) for the dimensions,
    at least one scan, and the end of image (FF D9). Nothing but zero padding
    may follow the end. Lossless, hierarchical and arithmetic-coded JPEGs are
    refused (browsers and phones do not show them).

    Args:
        data (bytes): The file's content.
        filename (str | None): The file's name, when known; its extension must be
            ``.jpg``, ``.jpeg`` or ``.jpe``.
        max_bytes (int): The size limit (:data:`PHOTO_MAX_BYTES`).

    Returns:
        The dimensions and coding; :attr:`JpegInfo.notice` says whether it will be scaled.

    Raises:
        InvalidValueError: Saying what is wrong and where (``field="photo"``,
            ``offset=`` of the bad byte when there is one).
    """
    if isinstance(data, bytearray | memoryview):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise _photo_error(f"expected the file's bytes, not {type(data).__name__}")
    if filename is not None:
        suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        if suffix not in _PHOTO_SUFFIXES:
            raise _photo_error(f"{filename!r} does not have a JPEG extension", filename=filename)
    size = len(data)
    if size > max_bytes:
        raise _photo_error(
            f"the file is {size} bytes, more than the limit of {max_bytes} bytes", size=size
        )
    if not data.startswith(b"\xff\xd8"):
        for magic, what in _OTHER_FORMATS:
            if data.startswith(magic):
                raise _photo_error(f"this is {what}, not a JPEG")
        if not data:
            raise _photo_error("the file is empty")
        raise _photo_error("the file does not start with the JPEG start-of-image marker FF D8")

    def truncated() -> InvalidValueError:
        return _photo_error("the file ends before the JPEG end-of-image marker (cut off?)")

    pos = 2
    frame: tuple[int, int, int, str] | None = None
    scans = 0
    while True:
        if pos >= size:
            raise truncated()
        if data[pos] != 0xFF:
            raise _photo_error(
                f"expected a JPEG marker at byte {pos}, found 0x{data[pos]:02X}", offset=pos
            )
        while pos < size and data[pos] == 0xFF:  # fill bytes before a marker
            pos += 1
        if pos >= size:
            raise truncated()
        marker = data[pos]
        start = pos - 1
        pos += 1
        if marker == 0xD9:  # end of image
            break
        if marker in {0x00, 0xD8}:
            raise _photo_error(f"invalid marker FF {marker:02X} at byte {start}", offset=start)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            continue
        if 0x02 <= marker <= 0xBF:
            raise _photo_error(f"reserved marker FF {marker:02X} at byte {start}", offset=start)
        if pos + 2 > size:
            raise truncated()
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2:
            raise _photo_error(
                f"segment FF {marker:02X} at byte {start} has an impossible length {length}",
                offset=start,
            )
        end = pos + length
        if end > size:
            raise truncated()
        payload = data[pos + 2 : end]
        pos = end
        if marker in _SOF_REFUSED:
            raise _photo_error(
                f"it is a {_SOF_REFUSED[marker]} JPEG; only baseline and progressive JPEGs are "
                "accepted",
                offset=start,
            )
        if marker in _SOF_ACCEPTED:
            if frame is not None:
                raise _photo_error(f"a second frame header at byte {start}", offset=start)
            frame = _read_frame(payload, marker, start)
        elif marker == 0xDA:  # start of scan, then entropy-coded data
            if frame is None:
                raise _photo_error(
                    f"image data at byte {start} before the frame header", offset=start
                )
            count = payload[0] if payload else 0
            if not 1 <= count <= 4 or len(payload) != 1 + 2 * count + 3:
                raise _photo_error(f"a malformed scan header at byte {start}", offset=start)
            scans += 1
            pos = _skip_entropy_data(data, pos)
            if pos < 0:
                raise truncated()
    if frame is None:
        raise _photo_error("no frame header (SOF): the image has no dimensions")
    if scans == 0:
        raise _photo_error("no image data (no scan)")
    if data[pos:].strip(b"\x00"):
        raise _photo_error(
            f"{size - pos} bytes of other data follow the end-of-image marker", offset=pos
        )
    width, height, components, coding = frame
    return JpegInfo(width=width, height=height, components=components, coding=coding, size=size)


def _read_frame(payload: bytes, marker: int, start: int) -> tuple[int, int, int, str]:
    if len(payload) < 6:
        raise _photo_error(f"a malformed frame header at byte {start}", offset=start)
    precision = payload[0]
    height = int.from_bytes(payload[1:3], "big")
    width = int.from_bytes(payload[3:5], "big")
    components = payload[5]
    if len(payload) != 6 + 3 * components:
        raise _photo_error(f"a malformed frame header at byte {start}", offset=start)
    if precision not in (8, 12) or (marker == 0xC0 and precision != 8):
        raise _photo_error(f"a sample precision of {precision} bits", offset=start)
    if components not in (1, 3, 4):
        raise _photo_error(f"{components} colour components (1, 3 or 4 are accepted)", offset=start)
    if width == 0 or height == 0:
        raise _photo_error(f"the frame header gives a size of {width}×{height}", offset=start)
    if width > PHOTO_MAX_SIDE or height > PHOTO_MAX_SIDE:
        raise _photo_error(
            f"the photo is {width}×{height}; at most {PHOTO_MAX_SIDE} pixels a side are accepted",
            width=width,
            height=height,
        )
    return width, height, components, _SOF_ACCEPTED[marker]


def _skip_entropy_data(data: bytes, pos: int) -> int:
    """Return the offset of the marker after entropy-coded data, or -1 when it is cut off."""
    size = len(data)
    while True:
        found = data.find(b"\xff", pos)
        if found < 0 or found + 1 >= size:
            return -1
        follower = data[found + 1]
        if follower == 0x00 or 0xD0 <= follower <= 0xD7:  # stuffed byte or restart marker
            pos = found + 2
        elif follower == 0xFF:  # fill byte
            pos = found + 1
        else:
            return found


@attrs.frozen(kw_only=True)
class Photo:
    """A user's photo, kept as a file beside the org file.

    Args:
        username (str): Whose photo.
        sha256 (str): Hex SHA-256 of the file; also its name, ``photos/<sha256>.jpg``.
        width (int): Width in pixels.
        height (int): Height in pixels.
    """

    username: str
    sha256: str = attrs.field(validator=sha256_digest)
    width: int
    height: int

    @property
    def path(self) -> str:
        """The file's path relative to the org file's folder."""
        return f"photos/{self.sha256}.jpg"

    @property
    def scaled(self) -> bool:
        """Whether the stored photo still needs scaling (it is not 400×400: Pillow was
        missing when it was uploaded)."""
        return (self.width, self.height) != PHOTO_IDEAL_SIZE

    @property
    def notice(self) -> str | None:
        """Why the stored photo is not 400×400 and what to do, or ``None`` when it is."""
        return _kept_notice(self.width, self.height)
