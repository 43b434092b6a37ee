"""``import cloudtel`` imports nothing heavy; every public name still arrives on first use."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import cloudtel

INIT = Path(cloudtel.__file__)
HEAVY = ("numpy", "lxml", "phonenumbers", "pluggy", "cattrs", "attrs", "tomli_w", "zipfile")


def _modules_after(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint('\\n'.join(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return set(done.stdout.split())


def test_import_cloudtel_imports_none_of_its_modules_nor_heavy_libraries() -> None:
    loaded = _modules_after("import cloudtel")
    assert "cloudtel" in loaded
    assert not {m for m in loaded if m.startswith("cloudtel.")}
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}


def test_a_name_brings_only_its_own_module() -> None:
    loaded = _modules_after("from cloudtel import ScheduleError")
    assert "cloudtel.errors" in loaded
    assert "numpy" not in loaded
    assert "cloudtel.org" not in loaded


def test_every_public_name_resolves_to_the_object_of_its_module() -> None:
    for name in cloudtel.__all__:
        module, source = cloudtel._WHERE[name]
        assert getattr(cloudtel, name) is getattr(sys.modules[module], source), name
    assert cloudtel.schedule_from_ical is sys.modules["cloudtel.schedules.ical"].from_ical
    assert set(cloudtel.__all__) <= set(dir(cloudtel))
    assert set(cloudtel._WHERE) == set(cloudtel.__all__)


def test_star_import_gives_every_public_name() -> None:
    namespace: dict[str, object] = {}
    exec("from cloudtel import *", namespace)  # noqa: S102 - the statement under test
    assert set(cloudtel.__all__) <= set(namespace)


def test_an_unknown_name_is_an_attribute_error_naming_it() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = cloudtel.Nope
    with pytest.raises(ImportError):
        exec("from cloudtel import Nope", {})  # noqa: S102
    assert isinstance(cloudtel.__version__, str)


def test_type_checkers_see_the_same_names_as_the_lazy_table() -> None:
    """The ``if TYPE_CHECKING:`` imports and the table agree name for name."""
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    checked = {
        (alias.asname or alias.name): (node.module, alias.name)
        for block in tree.body
        if isinstance(block, ast.If) and getattr(block.test, "id", "") == "TYPE_CHECKING"
        for node in block.body
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }
    assert checked == cloudtel._WHERE
