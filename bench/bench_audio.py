"""Benchmark of the voice-prompt audio pipeline (cloudtel.audio).

Run: ``python bench/bench_audio.py``. Prints, in one run (well under a minute):

1. A-law encoding throughput against CPython's ``audioop.lin2alaw`` (3.11/3.12 only;
   target: at least 5× faster);
2. the time to convert a 30 s stereo 16-bit WAV at 44.1 kHz and at 48 kHz to A-law 8 kHz
   mono (read the file, import, write the file) against the ``sox`` command doing the same
   conversion, ``sox -D in.wav -r 8000 -c 1 -e a-law out.wav`` (no dither, like cloudtel),
   wall time including sox's process start (target: at most 2× sox's time); then both as
   whole commands in fresh processes (median of 7, after a warm-up): ``python -c`` with
   ``import_audio`` (paying Python's start, the imports and the filter design) against sox;
3. the measured attenuation of 4.1 kHz and 5 kHz tones by the resampler (target: at least
   100 dB), and the level of 3.4 kHz (target: within 0.1 dB).

Timings are the best of several runs. If ``sox`` or ``audioop`` is missing, the bench
says so and prints the other figures.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np

from cloudtel.audio import alaw_encode, design_filter, import_audio, resample


def best_of(runs: int, action: Callable[[], object]) -> float:
    """The shortest wall time of ``runs`` calls, in seconds."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


def load_audioop() -> ModuleType | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import audioop
        except ImportError:
            return None
    return audioop


def speech_like(rate: int, seconds: float, channels: int) -> np.ndarray:
    """Noise shaped like speech (low-pass, 4 Hz syllable envelope) plus a few tones."""
    rng = np.random.default_rng(1)
    n = int(rate * seconds)
    t = np.arange(n) / rate
    noise = np.cumsum(rng.standard_normal((n, channels)), axis=0)
    noise -= np.convolve(noise[:, 0], np.ones(64) / 64, mode="same")[:, None]
    noise /= np.max(np.abs(noise))
    envelope = 0.55 + 0.45 * np.sin(2 * np.pi * 4 * t)[:, None]
    tones = np.stack([np.sin(2 * np.pi * f * t) for f in (300, 1004, 3000)]).sum(axis=0)
    tones = tones[:, None] / 6
    signal = 0.5 * noise * envelope + 0.3 * tones
    result: np.ndarray = np.round(np.clip(signal, -1, 1) * 30000).astype(np.int16)
    return result


def wav16(samples: np.ndarray, rate: int) -> bytes:
    """A 16-bit PCM WAV file."""
    channels = samples.shape[1]
    data = samples.astype("<i2").tobytes()
    header = b"".join(
        [
            b"RIFF",
            (36 + len(data)).to_bytes(4, "little"),
            b"WAVEfmt ",
            (16).to_bytes(4, "little"),
            (1).to_bytes(2, "little"),
            channels.to_bytes(2, "little"),
            rate.to_bytes(4, "little"),
            (rate * 2 * channels).to_bytes(4, "little"),
            (2 * channels).to_bytes(2, "little"),
            (16).to_bytes(2, "little"),
            b"data",
            len(data).to_bytes(4, "little"),
        ]
    )
    return header + data


def bench_encoder() -> None:
    print("== A-law encoding (16-bit linear -> A-law), 20 M samples")
    samples = np.random.default_rng(0).integers(-32768, 32768, 20_000_000).astype(np.int16)
    ours = best_of(5, lambda: alaw_encode(samples))
    megabytes = samples.nbytes / 1e6
    print(f"cloudtel alaw_encode     {megabytes / ours:8.0f} MB/s of int16 input")
    audioop = load_audioop()
    if audioop is None:
        print("audioop.lin2alaw         not available on this Python (removed in 3.13)")
        return
    raw = samples.tobytes()
    theirs = best_of(3, lambda: audioop.lin2alaw(raw, 2))
    assert alaw_encode(samples).tobytes() == audioop.lin2alaw(raw, 2)
    print(f"audioop.lin2alaw         {megabytes / theirs:8.0f} MB/s (identical output)")
    print(f"ratio                    {theirs / ours:8.1f}x faster than audioop (target >= 5x)")


def bench_conversion(folder: Path) -> None:
    print()
    print("== Convert 30 s stereo 16-bit WAV to A-law 8 kHz mono WAV (file to file)")
    sox = shutil.which("sox")
    if sox is None:
        print("sox                      not installed (apt-get install sox): no baseline")
    for rate in (44100, 48000):
        source = folder / f"in-{rate}.wav"
        source.write_bytes(wav16(speech_like(rate, 30, 2), rate))
        ours_out = folder / f"ours-{rate}.wav"

        def convert(src: Path = source, out: Path = ours_out) -> None:
            out.write_bytes(import_audio(src.read_bytes()))

        convert()  # designs and caches the filter once, as a long-running tool would
        ours = best_of(5, convert)
        line = f"{rate} Hz  cloudtel {ours * 1000:7.1f} ms"
        if sox is not None:
            sox_out = folder / f"sox-{rate}.wav"
            command = [sox, "-D", str(source), "-r", "8000", "-c", "1", "-e", "a-law", str(sox_out)]

            def run_sox(cmd: list[str] = command) -> None:
                subprocess.run(cmd, check=True)

            run_sox()
            theirs = best_of(5, run_sox)
            ratio = ours / theirs
            line += (
                f"   sox {theirs * 1000:7.1f} ms   ratio {ratio:4.2f}x sox's time (target <= 2x)"
            )
        print(line)
        if sox is not None:
            whole_commands(source, folder, sox)
    first = design_filter(44100)
    print(
        f"(filter: Kaiser windowed sinc, {first.taps.size} taps at 44.1 kHz x {first.up}, "
        f"{first.phases.shape[1]} per phase; design time is not counted)"
    )


def median_of(runs: int, command: list[str]) -> float:
    """Median wall time of ``runs`` runs of a whole command (hyperfine-like: one warm-up)."""
    subprocess.run(command, check=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def whole_commands(source: Path, folder: Path, sox: str) -> None:
    """Both as whole commands in fresh processes: cloudtel pays Python's start, its
    imports and the filter design, as a one-off conversion from the shell would."""
    out = folder / "whole-ours.wav"
    ours = [
        sys.executable,
        "-c",
        "import sys; from cloudtel.audio import import_audio; "
        "open(sys.argv[2], 'wb').write(import_audio(open(sys.argv[1], 'rb').read()))",
        str(source),
        str(out),
    ]
    theirs = [sox, "-D", str(source), "-r", "8000", "-c", "1", "-e", "a-law", str(out) + ".sox.wav"]
    runs = 7
    ours_time = median_of(runs, ours)
    sox_time = median_of(runs, theirs)
    print(
        f"   whole commands, median of {runs} fresh processes: python -c import_audio "
        f"{ours_time * 1000:7.1f} ms   sox {sox_time * 1000:7.1f} ms   "
        f"ratio {ours_time / sox_time:4.2f}x sox's time"
    )


def tone_level_db(rate: int, frequency: float) -> float:
    t = np.arange(rate * 2) / rate
    out = resample(np.sin(2 * np.pi * frequency * t), rate).astype(np.float64)[200:-200]
    rms = np.sqrt(np.mean(out**2)) / np.sqrt(0.5)
    return float(20 * np.log10(max(rms, 1e-20)))


def bench_attenuation() -> None:
    print()
    print("== Resampler response to full-scale tones (dB re input)")
    for rate in (44100, 48000):
        cells = [f"{f / 1000:.1f} kHz {tone_level_db(rate, f):8.2f} dB" for f in (3400, 4100, 5000)]
        print(f"{rate} Hz  " + "   ".join(cells))
    print("targets: 3.4 kHz within 0.1 dB; 4.1 and 5 kHz at most -100 dB")


def main() -> int:
    one, five, _ = os.getloadavg()
    print(
        f"Python {sys.version.split()[0]}, numpy {np.__version__} "
        f"[machine load {one:.2f} (1 min), {five:.2f} (5 min); {os.cpu_count()} cores]"
    )
    print()
    bench_encoder()
    with tempfile.TemporaryDirectory(prefix="cloudtel-bench-audio-") as folder:
        bench_conversion(Path(folder))
    bench_attenuation()
    return 0


if __name__ == "__main__":
    sys.exit(main())
