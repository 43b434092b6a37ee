"""Laws of org files over generated organisations: what is saved loads back equal.

Each example is checked in both formats (TOML and JSON): generating an organisation
with every part costs more than reading and writing it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given
from tests.strategies import organizations

from cloudtel import Organization, dumps, load, loads, save
from cloudtel.serialization import Format, from_data, to_data

FORMATS: tuple[Format, ...] = ("toml", "json")


@given(org=organizations())
def test_load_of_save_is_the_organisation(org: Organization) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for fmt in FORMATS:
            path = Path(folder) / fmt / f"organization.{fmt}"
            save(org, path)
            again = load(path)
            assert again == org, fmt
            # what it holds is rebuilt too, not only what compares equal
            assert list(again.available_numbers()) == list(org.available_numbers())
            for user in org.users:
                assert again.resolve_settings(user.username) == org.resolve_settings(user.username)
            # it can be saved over the file it came from (no conflict), leaving no temp files
            save(again, path)
            hidden = [p.name for p in path.parent.iterdir() if p.name.startswith(".")]
            assert hidden == [f".organization.{fmt}.lock"]


@given(org=organizations())
def test_the_text_of_an_org_file_is_stable_and_both_formats_agree(org: Organization) -> None:
    loaded = {}
    for fmt in FORMATS:
        text = dumps(org, fmt)
        loaded[fmt] = loads(text, fmt)
        assert loaded[fmt] == org, fmt
        assert dumps(loaded[fmt], fmt) == text, fmt
    assert to_data(loaded["toml"], "json") == to_data(loaded["json"], "json")
    assert from_data(to_data(org, "json")) == org
