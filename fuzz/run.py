"""Running the targets of :mod:`fuzz.targets`: atheris when it is there, hypothesis else."""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz.targets import TARGETS, seeds

Target = Callable[[bytes], None]


@st.composite
def mutations(draw: st.DrawFn, starts: Sequence[bytes]) -> bytes:
    """A seed with a few bytes changed, inserted or deleted (or random bytes)."""
    if not starts or draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=512))
    data = bytearray(draw(st.sampled_from(list(starts))))
    for _ in range(draw(st.integers(1, 8))):
        where = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["set", "insert", "delete", "repeat"]))
        if kind == "set" and data:
            data[min(where, len(data) - 1)] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[where:where] = draw(
                st.binary(max_size=8) | st.sampled_from([b"\r", b'"', b"\x00", b"\xff\xd9"])
            )
        elif kind == "delete":
            del data[where : where + draw(st.integers(1, 16))]
        else:
            data[where:where] = data[where : where + draw(st.integers(1, 64))] * 4
    return bytes(data)


def with_hypothesis(name: str, seconds: float, *, examples: int = 100) -> int:
    """Mutate the seeds of ``name`` for ``seconds`` (at least one round); count the inputs."""
    target = TARGETS[name]
    starts = seeds(name)
    count = 0

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )
    @given(data=mutations(starts))
    def check(data: bytes) -> None:
        nonlocal count
        count += 1
        target(data)

    for seed in starts:
        target(seed)
    end = time.monotonic() + seconds
    check()
    while time.monotonic() < end:
        check()
    return count


def with_atheris(name: str, seconds: float) -> int:
    """Run ``name`` under atheris for ``seconds`` in a child process; its exit status."""
    with tempfile.TemporaryDirectory(prefix=f"fuzz-{name}-") as corpus:
        for index, seed in enumerate(seeds(name)):
            Path(corpus, f"seed-{index}").write_bytes(seed)
        code = (
            "import sys, atheris\n"
            "with atheris.instrument_imports():\n"
            "    import cloudtel, fuzz.targets\n"
            f"atheris.Setup(sys.argv, fuzz.targets.TARGETS[{name!r}])\n"
            "atheris.Fuzz()\n"
        )
        argv = [
            sys.executable,
            "-c",
            code,
            f"-max_total_time={max(1, round(seconds))}",
            "-timeout=10",
            "-rss_limit_mb=2048",
            corpus,
        ]
        root = str(Path(__file__).resolve().parents[1])
        path = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
        env = {**os.environ, "PYTHONPATH": path}
        return subprocess.run(argv, env=env, check=False).returncode  # noqa: S603


def main(argv: Sequence[str], prog: str = "python -m fuzz") -> int:
    """Run the named targets (all by default) for SECONDS each; the exit status."""
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("seconds", type=float, nargs="?", default=30.0, help="per target")
    parser.add_argument("targets", nargs="*", choices=[*TARGETS, []], metavar="TARGET")
    parser.add_argument(
        "--engine", choices=("auto", "atheris", "hypothesis"), default="auto", help="how to fuzz"
    )
    args = parser.parse_args(argv)
    engine = args.engine
    if engine == "auto":
        engine = "atheris" if importlib.util.find_spec("atheris") else "hypothesis"
    failed = []
    for name in args.targets or list(TARGETS):
        print(f"fuzz: {name} for {args.seconds:g} s with {engine}", flush=True)
        if engine == "atheris":
            if with_atheris(name, args.seconds) != 0:
                failed.append(name)
            continue
        try:
            count = with_hypothesis(name, args.seconds)
        except Exception as exc:  # a finding: report it and go on
            print(f"fuzz: {name}: FOUND {type(exc).__name__}: {exc}", flush=True)
            failed.append(name)
        else:
            print(f"fuzz: {name}: {count} inputs, nothing found", flush=True)
    if failed:
        print(f"fuzz: findings in {', '.join(failed)}", flush=True)
    return 1 if failed else 0
