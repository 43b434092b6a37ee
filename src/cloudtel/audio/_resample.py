"""A linear-phase windowed-sinc polyphase resampler on numpy.

The prototype low-pass filter is a Kaiser-windowed sinc designed at the common rate
``rate_in · L`` (where ``rate_out / rate_in = L / M`` in lowest terms): pass band to
3.4 kHz, stop band from 4.0 kHz, 110 dB design attenuation (the stop band measures ≥ 100 dB,
the pass-band ripple is far below 0.001 dB). It has an odd number of symmetric taps, so its
delay is a whole number of samples at the common rate and is removed: output sample ``n``
is the input at time ``n / rate_out``. The output has ``ceil(frames · L / M)`` samples.

The filter is split into ``L`` phases; outputs that share a phase are computed together as
one matrix–vector product over a strided view of the input (BLAS), so the work is
``ceil(N / L)`` multiply–adds per output sample.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from functools import lru_cache

import attrs
import numpy as np
from numpy.lib.stride_tricks import as_strided
from numpy.typing import NDArray

from cloudtel.errors import AudioFormatError

__all__ = [
    "MAX_INPUT_RATE",
    "MAX_INTERPOLATION",
    "MIN_INPUT_RATE",
    "PASS_BAND_HZ",
    "STOP_BAND_HZ",
    "TARGET_RATE",
    "FilterDesign",
    "check_sample_rate",
    "design_filter",
    "resample",
    "resample_stream",
    "resampled_length",
]

TARGET_RATE = 8000
"""The sample rate of every stored voice prompt, in Hz."""

PASS_BAND_HZ = 3400.0
"""The response is flat (within 0.001 dB) up to this frequency."""

STOP_BAND_HZ = 4000.0
"""Everything from this frequency up is attenuated by at least 100 dB."""

DESIGN_ATTENUATION_DB = 110.0
"""The Kaiser design target; leaves a margin above the promised 100 dB."""

MIN_INPUT_RATE = 8000
"""The lowest accepted input sample rate, in Hz (lower rates would only be upsampled)."""

MAX_INPUT_RATE = 192000
"""The highest accepted input sample rate, in Hz."""

MAX_INTERPOLATION = 1000
"""The largest accepted ``L`` in ``8000 / rate = L / M`` (keeps the filter table small)."""

_COMMON_RATES = "8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 88200, 96000, 192000"


def check_sample_rate(rate: object, *, what: str = "sample rate") -> int:
    """Check that ``rate`` is an input sample rate the converter accepts.

    Accepted: an integer number of hertz from 8000 to 192000 whose ratio to 8000 Hz
    reduces to ``L / M`` with ``L`` at most 1000 (every common rate does).

    Args:
        rate (object): The rate as read from a file header.
        what (str): How to call it in the error message.

    Returns:
        int: The rate.

    Raises:
        AudioFormatError: If the rate is not accepted.
    """
    accepted = (
        f"accepted are whole rates from {MIN_INPUT_RATE} to {MAX_INPUT_RATE} Hz "
        f"such as {_COMMON_RATES}"
    )
    if isinstance(rate, bool) or not isinstance(rate, int):
        raise AudioFormatError(f"{what} {rate!r} Hz is not a whole number; {accepted}", value=rate)
    if not MIN_INPUT_RATE <= rate <= MAX_INPUT_RATE:
        raise AudioFormatError(f"{what} {rate} Hz is out of range; {accepted}", value=rate)
    if TARGET_RATE // math.gcd(rate, TARGET_RATE) > MAX_INTERPOLATION:
        raise AudioFormatError(
            f"{what} {rate} Hz has no short ratio to {TARGET_RATE} Hz "
            f"(8000/{rate} does not reduce to a fraction with numerator ≤ {MAX_INTERPOLATION}); "
            f"{accepted}",
            value=rate,
        )
    return rate


@attrs.frozen(kw_only=True, eq=False)
class FilterDesign:
    """A polyphase low-pass filter for one rate conversion.

    Args:
        rate_in (int): Input rate in Hz.
        rate_out (int): Output rate in Hz.
        up (int): ``L``, the interpolation factor.
        down (int): ``M``, the decimation factor.
        taps (NDArray[np.float64]): The prototype filter at ``rate_in · L``, gain ``L`` at DC.
        delay (int): The prototype's group delay in samples at ``rate_in · L``.
        phases (NDArray[np.float32]): ``(L, K)`` table; row ``p`` holds taps ``p, p+L, …``
            in reverse order, ready for a dot product with ascending input samples.
    """

    rate_in: int
    rate_out: int
    up: int
    down: int
    taps: NDArray[np.float64]
    delay: int
    phases: NDArray[np.float32]

    def response_db(self, frequencies: NDArray[np.float64]) -> NDArray[np.float64]:
        """The magnitude response of the prototype filter, in dB relative to unity gain.

        Args:
            frequencies (NDArray[np.float64]): Frequencies in Hz.

        Returns:
            NDArray[np.float64]: ``20·log10|H(f)|`` at each frequency.
        """
        rate = self.rate_in * self.up
        n = np.arange(self.taps.size) - self.delay
        omega = 2.0 * np.pi * np.asarray(frequencies, dtype=np.float64) / rate
        # Symmetric taps: H(f) is real once the delay is removed.
        h = (self.taps[None, :] * np.cos(omega[:, None] * n[None, :])).sum(axis=1) / self.up
        magnitude: NDArray[np.float64] = 20.0 * np.log10(np.maximum(np.abs(h), 1e-300))
        return magnitude


def _kaiser_beta(attenuation: float) -> float:
    if attenuation > 50:
        return 0.1102 * (attenuation - 8.7)
    if attenuation >= 21:
        return float(0.5842 * (attenuation - 21) ** 0.4 + 0.07886 * (attenuation - 21))
    return 0.0


@lru_cache(maxsize=16)
def design_filter(rate_in: int, rate_out: int = TARGET_RATE) -> FilterDesign:
    """Design (and cache) the polyphase filter that converts ``rate_in`` to ``rate_out``.

    Args:
        rate_in (int): Input rate in Hz.
        rate_out (int): Output rate in Hz (8000 for prompts).

    Returns:
        FilterDesign: The filter, with its polyphase table.

    Raises:
        AudioFormatError: If ``rate_in`` is not an accepted rate.
    """
    if rate_out == TARGET_RATE:
        check_sample_rate(rate_in)
    g = math.gcd(rate_in, rate_out)
    up, down = rate_out // g, rate_in // g
    high = float(rate_in * up)
    # Band edges, scaled when the output is not 8 kHz (kept for generality and tests).
    scale = rate_out / TARGET_RATE
    pass_edge, stop_edge = PASS_BAND_HZ * scale, STOP_BAND_HZ * scale
    width = 2.0 * np.pi * (stop_edge - pass_edge) / high
    count = math.ceil((DESIGN_ATTENUATION_DB - 7.95) / (2.285 * width)) + 1
    count += 1 - count % 2  # odd: the delay is a whole number of samples
    delay = (count - 1) // 2
    n = np.arange(count, dtype=np.float64) - delay
    cutoff = (pass_edge + stop_edge) / 2.0 / high  # cycles per sample
    taps = 2.0 * cutoff * np.sinc(2.0 * cutoff * n)
    taps *= np.kaiser(count, _kaiser_beta(DESIGN_ATTENUATION_DB))
    taps *= up / taps.sum()
    per_phase = -(-count // up)
    padded = np.zeros(per_phase * up, dtype=np.float64)
    padded[:count] = taps
    # Row p: taps p, p+L, p+2L, … applied to x[i], x[i-1], x[i-2], …; reverse for ascending x.
    phases = padded.reshape(per_phase, up).T[:, ::-1].astype(np.float32)
    taps.flags.writeable = False
    phases = np.ascontiguousarray(phases)
    phases.flags.writeable = False
    return FilterDesign(
        rate_in=rate_in, rate_out=rate_out, up=up, down=down, taps=taps, delay=delay, phases=phases
    )


def resample(
    samples: NDArray[np.floating], rate_in: int, rate_out: int = TARGET_RATE
) -> NDArray[np.float32]:
    """Resample a mono signal with the linear-phase polyphase low-pass filter.

    The delay of the filter is compensated: output sample ``n`` lines up with input time
    ``n / rate_out``. An input already at ``rate_out`` is returned unchanged (as float32).

    Args:
        samples (NDArray[np.floating]): Mono samples, any float scale.
        rate_in (int): The input rate in Hz.
        rate_out (int): The output rate in Hz (8000 for prompts).

    Returns:
        NDArray[np.float32]: ``ceil(len(samples) · rate_out / rate_in)`` samples.

    Raises:
        AudioFormatError: If ``rate_in`` is not an accepted rate.
        ValueError: If ``samples`` is not one-dimensional.
    """
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim != 1:
        raise ValueError("resample takes a mono (one-dimensional) signal; downmix first")
    if rate_in == rate_out:
        return x.copy()
    design = design_filter(rate_in, rate_out)
    total = -(-x.size * design.up // design.down)
    if total == 0:
        return np.empty(0, dtype=np.float32)
    plan = _plan(design)
    if plan is not None:
        return _resample_grouped(x, design, plan, total)
    return _resample_by_phase(x, design, total)


def resampled_length(frames: int, rate_in: int, rate_out: int = TARGET_RATE) -> int:
    """How many samples :func:`resample` makes of ``frames`` samples: ``ceil(frames·L/M)``."""
    if rate_in == rate_out:
        return frames
    design = design_filter(rate_in, rate_out)
    return -(-frames * design.up // design.down)


def resample_stream(
    fetch: Callable[[int, int], NDArray[np.float32]],
    frames: int,
    rate_in: int,
    rate_out: int = TARGET_RATE,
    *,
    block: int = 16384,
) -> Iterator[NDArray[np.float32]]:
    """:func:`resample` of a long signal, reading it and yielding the output a block at a time.

    The signal is ``frames`` mono samples; ``fetch(a, b)`` returns samples ``a`` to ``b``.
    Joined, the blocks are what :func:`resample` gives for the whole signal, computed the
    same way row by row, while only about ``block`` outputs' worth of input is held at
    once. Rates without a grouped plan (unusual ones) are resampled whole.

    Args:
        fetch: Samples ``a`` to ``b`` of the signal, as float32.
        frames: The signal's length.
        rate_in: The input rate in Hz.
        rate_out: The output rate in Hz.
        block: About how many output samples each step yields.
    """
    if rate_in == rate_out:
        for first in range(0, frames, block):
            yield fetch(first, min(frames, first + block))
        return
    design = design_filter(rate_in, rate_out)
    total = -(-frames * design.up // design.down)
    plan = _plan(design) if total else None
    if plan is None:
        if total:
            yield resample(fetch(0, frames), rate_in, rate_out)
        return
    per_row = plan.block * design.up
    rows = -(-total // per_row)
    step = plan.block * design.down
    left = design.phases.shape[1]
    start = plan.first + left
    window = plan.matrix.shape[0]
    chunk = max(2, block // per_row)
    done = 0
    for row in range(0, rows, chunk):
        count = min(chunk, rows - row)
        low = start + row * step  # index into the signal padded by ``left`` zeros
        high = low + (count - 1) * step + window
        segment = np.zeros(high - low, dtype=np.float32)
        first, last = max(low - left, 0), min(high - left, frames)
        if last > first:
            segment[first + left - low : last + left - low] = fetch(first, last)
        out = _strided_product(segment, 0, count, step, plan.matrix).reshape(-1)
        keep = min(out.size, total - done)
        done += keep
        yield out[:keep]


_MIN_ROW_STEP = 96
"""Group outputs so that consecutive rows of the strided input view are this far apart."""

_MAX_PLAN_ENTRIES = 1 << 21
"""Largest all-phase matrix (entries) before falling back to one product per phase."""


@attrs.frozen(kw_only=True, eq=False)
class _Plan:
    """All outputs ``n = (row·B + b)·L + r`` as one product: window × (B·L) matrix."""

    block: int
    first: int
    matrix: NDArray[np.float32]


@lru_cache(maxsize=16)
def _plan(design: FilterDesign) -> _Plan | None:
    """Build the all-phase matrix, or None when it would be too large (unusual rates)."""
    up, down, delay = design.up, design.down, design.delay
    per_phase = design.phases.shape[1]
    block = max(1, -(-_MIN_ROW_STEP // down))
    # Output n = r + jL reads x[(rM + D)//L - K + 1 + jM …]: the offset of phase r is
    # (rM + D)//L - D//L, between 0 and M.
    offsets = [(r * down + delay) // up - delay // up for r in range(up)]
    window = (block - 1) * down + max(offsets) + per_phase
    if window * block * up > _MAX_PLAN_ENTRIES:
        return None
    matrix = np.zeros((window, block * up), dtype=np.float32)
    for b in range(block):
        for r in range(up):
            row = b * down + offsets[r]
            matrix[row : row + per_phase, b * up + r] = design.phases[(r * down + delay) % up]
    matrix.flags.writeable = False
    return _Plan(block=block, first=delay // up - per_phase + 1, matrix=matrix)


def _strided_product(
    padded: NDArray[np.float32],
    start: int,
    rows: int,
    step: int,
    matrix: NDArray[np.float32],
) -> NDArray[np.float32]:
    """``view @ matrix`` where row i of ``view`` is ``padded[start + i·step :][:window]``.

    The window is cut into chunks no wider than ``step`` so every strided view has a
    BLAS-compatible layout (leading dimension ≥ width) and numpy hands it to BLAS.
    """
    itemsize = padded.itemsize
    window = matrix.shape[0]
    acc = np.zeros((rows, *matrix.shape[1:]), dtype=np.float32)
    for lo in range(0, window, step):
        width = min(step, window - lo)
        view = as_strided(
            padded[start + lo :],
            shape=(rows, width),
            strides=(step * itemsize, itemsize),
            writeable=False,
        )
        acc += view @ matrix[lo : lo + width]
    return acc


def _pad(x: NDArray[np.float32], left: int, length: int) -> NDArray[np.float32]:
    padded = np.zeros(max(length, left + x.size), dtype=np.float32)
    padded[left : left + x.size] = x
    return padded


def _resample_grouped(
    x: NDArray[np.float32], design: FilterDesign, plan: _Plan, total: int
) -> NDArray[np.float32]:
    per_outputs = plan.block * design.up
    rows = -(-total // per_outputs)
    step = plan.block * design.down
    left = design.phases.shape[1]
    start = plan.first + left
    padded = _pad(x, left, start + (rows - 1) * step + plan.matrix.shape[0])
    result = _strided_product(padded, start, rows, step, plan.matrix)
    return np.ascontiguousarray(result.reshape(-1)[:total])


def _resample_by_phase(
    x: NDArray[np.float32], design: FilterDesign, total: int
) -> NDArray[np.float32]:
    up, down, delay = design.up, design.down, design.delay
    per_phase = design.phases.shape[1]
    out = np.empty(total, dtype=np.float32)
    left = per_phase
    last = ((total - 1) * down + delay) // up
    padded = _pad(x, left, left + last + 2)
    for r in range(min(up, total)):
        count = -(-(total - r) // up)  # outputs r, r+L, r+2L, …
        t = r * down + delay
        start = t // up - per_phase + 1 + left
        taps = design.phases[t % up]
        out[r::up] = _strided_product(padded, start, count, down, taps[:, None])[:, 0]
    return out
