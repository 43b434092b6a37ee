"""Scaling a user photo to the portal's 400×400, with Pillow (the optional extra ``photos``).

The manual: a photo is uploaded "idealiter in het formaat 400x400, om verkleining te
voorkomen" and "The dimensions of the photo should preferrably be 400 x 400 pixels. Then
the image will not be scaled." So a photo of another size is scaled, and cloudtel stores
the scaled photo: :meth:`cloudtel.Accounts.set_photo` calls :func:`scale_photo` after the
JPEG checks of :func:`~cloudtel.accounts.photo.inspect_jpeg`.

Scaling needs Pillow (``pip install 'cloudtel[photos]'``). Without it
:meth:`~cloudtel.Accounts.set_photo` keeps the photo as uploaded and its
:attr:`~cloudtel.Photo.notice` says it was not scaled and names the extra;
:func:`scale_photo` itself raises :class:`ImportError` naming the extra.

A photo that is not square is cut to the middle square first (the side that is too long
loses equal parts at both ends), so a face in the middle stays undistorted; the square is
then resized with a Lanczos filter and written as a baseline JPEG (quality 90, colours as
uploaded: grey stays grey, CMYK becomes RGB). EXIF orientation is applied before cutting.
"""

from __future__ import annotations

import io
from typing import Any, Final

from cloudtel.accounts.photo import PHOTO_IDEAL_SIZE, JpegInfo, inspect_jpeg
from cloudtel.errors import InvalidValueError

__all__ = ["EXTRA", "pillow_available", "scale_photo"]

EXTRA: Final = "photos"
"""The optional extra that installs Pillow."""

_QUALITY: Final = 90


def _pillow() -> Any:
    try:
        from PIL import Image, ImageOps  # noqa: PLC0415 - optional extra, imported on use
    except ImportError as exc:
        raise ImportError(
            "scaling a photo to 400×400 needs the optional extra 'photos': "
            "pip install 'cloudtel[photos]' (it installs Pillow)",
            name="PIL",
        ) from exc
    return Image, ImageOps


def pillow_available() -> bool:
    """Whether Pillow is installed, so photos can be scaled.

    Returns:
        bool: True when :func:`scale_photo` can work.
    """
    try:
        _pillow()
    except ImportError:
        return False
    return True


def scale_photo(data: bytes, size: tuple[int, int] = PHOTO_IDEAL_SIZE) -> tuple[bytes, JpegInfo]:
    """Scale a JPEG photo to ``size`` (400×400), cutting it to the middle square first.

    A photo of exactly that size comes back unchanged (the same bytes).

    Args:
        data (bytes): A JPEG file that :func:`~cloudtel.accounts.photo.inspect_jpeg` accepts.
        size (tuple[int, int]): Width and height wanted.

    Returns:
        tuple[bytes, JpegInfo]: The scaled JPEG file and what :func:`inspect_jpeg` reads
        in it.

    Raises:
        InvalidValueError: Not an acceptable JPEG, or one Pillow cannot decode.
        ImportError: The ``photos`` extra (Pillow) is not installed.
    """
    info = inspect_jpeg(data)
    if (info.width, info.height) == size:
        return bytes(data), info
    image_module, ops = _pillow()
    try:
        with image_module.open(io.BytesIO(data)) as opened:
            image = ops.exif_transpose(opened)
            image.load()
    except (OSError, ValueError, SyntaxError) as exc:
        raise InvalidValueError(
            f"photo refused: the JPEG cannot be decoded to scale it ({exc})", field="photo"
        ) from exc
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    fitted = ops.fit(image, size, method=image_module.Resampling.LANCZOS, centering=(0.5, 0.5))
    out = io.BytesIO()
    fitted.save(out, format="JPEG", quality=_QUALITY, optimize=True, progressive=False)
    scaled = out.getvalue()
    return scaled, inspect_jpeg(scaled)
