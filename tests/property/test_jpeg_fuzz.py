"""Laws of the JPEG check: hostile bytes only ever give cloudtel's own error."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st
from tests.jpeg_files import jpeg, segment

from cloudtel.accounts import JpegInfo, inspect_jpeg
from cloudtel.errors import InvalidValueError

MARKERS = st.sampled_from(
    [0xC0, 0xC1, 0xC2, 0xC3, 0xC4, 0xC9, 0xCC, 0xD0, 0xD8, 0xD9, 0xDA, 0xDB, 0xDD, 0xE0, 0xFE,
     0x00, 0x01, 0x02, 0xFF]
)  # fmt: skip


def check(data: bytes) -> None:
    """Either a sane result or our InvalidValueError about the photo; nothing else."""
    error: InvalidValueError | None = None
    try:
        info = inspect_jpeg(data)
    except InvalidValueError as exc:
        error = exc
    if error is not None:
        assert error.context["field"] == "photo"
        assert str(error).startswith("photo refused: ")
        return
    assert isinstance(info, JpegInfo)
    assert 1 <= info.width <= 8192
    assert 1 <= info.height <= 8192
    assert info.size == len(data)


@given(st.binary(max_size=2048))
@example(b"")
@example(b"\xff\xd8")
@example(b"\xff\xd8\xff")
@example(b"\xff\xd8\xff\xda\x00\x02")
def test_random_bytes_give_only_our_error(data: bytes) -> None:
    check(data)


@given(st.binary(max_size=512))
def test_random_bytes_after_the_start_marker_give_only_our_error(data: bytes) -> None:
    check(b"\xff\xd8" + data)


@given(st.lists(st.tuples(MARKERS, st.binary(max_size=40)), max_size=12), st.booleans())
def test_random_segments_give_only_our_error(parts: list[tuple[int, bytes]], end: bool) -> None:
    body = b"".join(segment(marker, payload) for marker, payload in parts)
    check(b"\xff\xd8" + body + (b"\xff\xd9" if end else b""))


@given(
    st.integers(1, 2000),
    st.integers(1, 2000),
    st.data(),
)
def test_mutated_jpegs_give_only_our_error(width: int, height: int, data: st.DataObject) -> None:
    original = bytearray(jpeg(width, height, sof=data.draw(st.sampled_from([0xC0, 0xC2]))))
    for _ in range(data.draw(st.integers(1, 4))):
        index = data.draw(st.integers(0, len(original) - 1))
        original[index] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(original)))
    check(bytes(original[:cut]) if data.draw(st.booleans()) else bytes(original))


@given(st.integers(1, 8192), st.integers(1, 8192), st.sampled_from([0xC0, 0xC1, 0xC2]))
def test_dimensions_are_read_back(width: int, height: int, sof: int) -> None:
    # Keep the scan small: the dimensions come from the frame header only.
    data = jpeg(min(width, 64), min(height, 64), sof=sof)
    frame_at = data.index(bytes((0xFF, sof)))
    patched = bytearray(data)
    patched[frame_at + 5 : frame_at + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    info = inspect_jpeg(bytes(patched))
    assert (info.width, info.height) == (width, height)
    assert info.scaled == ((width, height) != (400, 400))
