"""Sessions for cloudtel: tests, lint, typing, docs, bench, demo, and one per driver.

Run ``python3 -m nox -s tests`` for the whole test suite; ``python3 -m nox -l`` lists
the sessions.
"""

from __future__ import annotations

from pathlib import Path

import nox

nox.needs_version = ">=2024.4.15"
nox.options.sessions = ["tests", "lint", "typing", "docs"]
nox.options.reuse_existing_virtualenvs = True

PYPROJECT = nox.project.load_toml("pyproject.toml")
DRIVERS = sorted(p.parent.name for p in Path("drivers").glob("[!_]*/pyproject.toml"))
EDITABLE = ["-e", ".", *(arg for name in DRIVERS for arg in ("-e", f"drivers/{name}"))]


def _group(*names: str) -> list[str]:
    return nox.project.dependency_groups(PYPROJECT, *names)


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite: core, drivers, property tests."""
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
def demo(session: nox.Session) -> None:
    """The tour on the bundled example organisation."""
    session.install(*EDITABLE)
    session.run("cloudtel", "demo", *session.posargs)
