"""The driver toolkit is a driver's one import door to cloudtel."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from cloudtel import driverkit

ROOT = Path(__file__).resolve().parents[1]
DRIVER_SOURCES = sorted(ROOT.glob("drivers/*/src/**/*.py"))


def test_every_name_driverkit_lists_is_there() -> None:
    assert driverkit.__all__ == sorted(driverkit.__all__)
    missing = [name for name in driverkit.__all__ if not hasattr(driverkit, name)]
    assert not missing


@pytest.mark.parametrize("path", DRIVER_SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_drivers_import_cloudtel_only_through_driverkit(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.append(node.module)
        elif isinstance(node, ast.Import):
            imported.extend(alias.name for alias in node.names)
    others = [m for m in imported if m.split(".")[0] == "cloudtel" and m != "cloudtel.driverkit"]
    assert not others, f"{path.name} imports {others}; import them from cloudtel.driverkit"
    unknown = [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "cloudtel.driverkit"
        for alias in node.names
        if alias.name not in driverkit.__all__
    ]
    assert not unknown, f"{path.name} imports {unknown}, which driverkit does not list"


def test_there_are_driver_sources_to_check() -> None:
    assert {p.parts[-4] for p in DRIVER_SOURCES} >= {"dummy", "mitel", "yealink"}
