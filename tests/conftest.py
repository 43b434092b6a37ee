"""Shared test setup: hypothesis profiles and fixtures for the example organisation.

Hypothesis profiles (pick one with ``HYPOTHESIS_PROFILE=<name>``):

- ``default``: about 100 examples per property, no deadline (timing varies on CI machines);
- ``ci``: more examples, derandomised so a CI run is reproducible; chosen when ``CI`` is set;
- ``fast``: a handful of examples for a quick local run; chosen when ``FAST=1``.

Hypothesis strategies for the domain live in :mod:`tests.strategies`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from cloudtel import Organization, load

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "orange-labo" / "organization.toml"

# ``--import-mode=importlib`` does not put the checkout on sys.path; tests import
# ``tests.strategies``, so make the checkout importable.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

settings.register_profile(
    "default",
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "fast",
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _profile() -> str:
    if os.environ.get("HYPOTHESIS_PROFILE"):
        return os.environ["HYPOTHESIS_PROFILE"]
    if os.environ.get("FAST", "") not in ("", "0"):
        return "fast"
    if os.environ.get("CI"):
        return "ci"
    return "default"


settings.load_profile(_profile())


@pytest.fixture
def example_path() -> Path:
    """The bundled example organisation's org file (read it, do not write it)."""
    return EXAMPLE


@pytest.fixture
def example_org() -> Organization:
    """A freshly loaded copy of the example organisation "Orange labo"."""
    return load(EXAMPLE)
