"""The fuzz targets of ``fuzz/`` run: each takes its seeds and a few mutations.

Fuzzing itself is ``nox -s fuzz``; this only keeps the targets working.
"""

from __future__ import annotations

import pytest
from fuzz.run import main, with_hypothesis
from fuzz.targets import TARGETS, seeds

EXPECTED = {
    "org_toml",
    "org_json",
    "contacts_csv",
    "audio",
    "jpeg",
    "mitel_config",
    "yealink_config",
    "ical",
}


def test_there_is_a_target_for_every_parser_of_outside_input() -> None:
    assert set(TARGETS) == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_target_runs_its_seeds_and_a_few_mutations(name: str) -> None:
    assert len(seeds(name)) >= 1
    assert with_hypothesis(name, 0, examples=5) >= 5


def test_the_runner_names_each_target_it_fuzzed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["0", "jpeg", "--engine", "hypothesis"]) == 0
    assert "fuzz: jpeg: " in capsys.readouterr().out
