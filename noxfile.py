"""Sessions for cloudtel: tests, lint, typing, docs, bench, fuzz, demo, and one per driver.

Run ``python3 -m nox -s tests`` for the whole test suite; ``python3 -m nox -l`` lists
the sessions.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nox
from nox.command import CommandFailed

nox.needs_version = ">=2024.4.15"
nox.options.sessions = ["tests", "lint", "typing", "docs"]
nox.options.reuse_existing_virtualenvs = True

PYPROJECT = nox.project.load_toml("pyproject.toml")
DRIVERS = sorted(p.parent.name for p in Path("drivers").glob("[!_]*/pyproject.toml"))
EDITABLE = ["-e", ".", *(arg for name in DRIVERS for arg in ("-e", f"drivers/{name}"))]


# Tools the tests run, each with the Debian package that provides it: a real SIP user agent
# (on loopback), sox for audio, openssl for the throwaway certificate of the STARTTLS test,
# headless chromium to look at the example notebook's page, and curl, a real HTTP client
# of the provisioning server.
TEST_TOOLS = {
    "sipp": "sip-tester",
    "sox": "sox",
    "openssl": "openssl",
    "chromium": "chromium",
    "curl": "curl",
}


class MissingToolsError(Exception):
    """The tools the tests need are missing and cannot be installed here."""


def tools_setup(path: str | None = None, *, root: bool | None = None) -> list[list[str]]:
    """The commands that install the missing test tools; ``[]`` when none is missing.

    They are installed with apt-get when it is there and we run as root; otherwise
    :class:`MissingToolsError` says, in one line, what to install.

    Args:
        path: The search path for the tools (default: ``PATH``).
        root: Whether we run as root (default: asked of the system).
    """
    missing = [tool for tool in TEST_TOOLS if shutil.which(tool, path=path) is None]
    if not missing:
        return []
    packages = [TEST_TOOLS[tool] for tool in missing]
    if root is None:
        root = hasattr(os, "geteuid") and os.geteuid() == 0
    if root and shutil.which("apt-get", path=path) is not None:
        return [
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
        ]
    raise MissingToolsError(
        f"the tests need {', '.join(missing)}: install them first "
        f"(on Debian: apt-get install {' '.join(packages)})"
    )


def _install_test_tools(session: nox.Session) -> None:
    try:
        commands = tools_setup()
    except MissingToolsError as missing:
        session.error(str(missing))
    for command in commands:
        session.run(*command, external=True, env={"DEBIAN_FRONTEND": "noninteractive"})


def _group(*names: str) -> list[str]:
    return nox.project.dependency_groups(PYPROJECT, *names)


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite: core, drivers, property tests.

    The Debian tools the tests run (sipp, sox, openssl, chromium) are installed first
    when they are missing and we are root with apt-get; otherwise the session stops at
    once, saying what to install.
    """
    _install_test_tools(session)
    session.install(*EDITABLE, *_group("test"))
    session.run("pytest", "-q", "-p", "no:cacheprovider", *session.posargs)


@nox.session
@nox.parametrize("driver", DRIVERS)
def driver(session: nox.Session, driver: str) -> None:
    """One driver's tests against the core."""
    session.install("-e", ".", "-e", f"drivers/{driver}", *_group("test"))
    session.run("pytest", "-q", "-p", "no:cacheprovider", f"drivers/{driver}/tests")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting."""
    session.install(*_group("lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typing(session: nox.Session) -> None:
    """mypy --strict on the package and the drivers."""
    session.install(*EDITABLE, *_group("typing"))
    session.run("mypy", "src/cloudtel", *(f"drivers/{name}/src" for name in DRIVERS))


@nox.session
def docs(session: nox.Session) -> None:
    """Build the Sphinx site; every warning is an error."""
    session.install(*EDITABLE, *_group("docs"))
    session.run("sphinx-build", "-W", "--keep-going", "-b", "html", "docs", "docs/_build/html")


@nox.session
def bench(session: nox.Session) -> None:
    """Run every benchmark in bench/; each prints its figures as ratios to a baseline."""
    session.install(*EDITABLE, *_group("bench"))
    scripts = sorted(Path("bench").glob("bench_*.py"))
    for script in scripts if not session.posargs else [Path(p) for p in session.posargs]:
        session.run("python", str(script))


@nox.session
def fuzz(session: nox.Session) -> None:
    """Fuzz the parsers of outside input: ``nox -s fuzz -- SECONDS [TARGET …]``.

    Each target of ``fuzz/targets.py`` (org files, CSV, audio, JPEG, the drivers'
    phone configurations, iCalendar) runs for SECONDS (30 by default): under atheris
    when it installs here (CPython on Linux), else with hypothesis mutating the
    seeds. Not part of the default sessions.
    """
    session.install(*EDITABLE, *_group("fuzz"))
    try:
        session.install("atheris>=2.3")
    except CommandFailed:
        session.log("atheris does not install here: fuzzing with hypothesis instead")
    session.run("python", "-m", "fuzz", *(session.posargs or ["30"]))


@nox.session
def demo(session: nox.Session) -> None:
    """The tour on the bundled example organisation."""
    session.install(*EDITABLE)
    session.run("cloudtel", "demo", *session.posargs)
