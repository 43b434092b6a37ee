"""The how-to pages work as written: the ``python`` blocks of each page run in order,
in one namespace, on a copy of the example organisation, and print what the page says."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from pathlib import Path

import pytest

DOCS = Path(__file__).parent.parent / "docs" / "howto"
EXAMPLE = Path(__file__).parent.parent / "examples" / "orange-labo"
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)

# What each page's blocks print (a few lines a reader relies on).
EXPECTED = {
    "create-users.md": [
        "added 3, refused 1",
        "row 5: primary_line +3227811900 of user 'bad.row@orange.be' is not in the "
        "organisation's number ranges",
        "Lotte Claes <lotte.claes@orange.be> +32 2 781 16 40",
        "ResolvedSetting(value='fr', source='group:Onthaal')",
    ],
    "program-keys.md": [
        "mitel 6940 08000F123456 (demo.user@orange.be)",
        "L21 extension adel.alkoubaisy@orange.be",
        "L22 number Helpdesk +32 9 247 06 80",
        "expansion module",
    ],
    "ivr-schedule.md": [
        "IVR 5903 'Onthaal Orange labo' +32 9 247 06 82",
        "closed (User unavailable)",
        "Onthaal Orange labo: forward to user demo.user@orange.be",
        "IVR 5903 'Onthaal Orange labo' · week 52, Mon 21/12 – Sun 27/12/2026 · Europe/Brussels",
    ],
    "provision-and-sync.md": [
        "2 phones, ",  # the first time every file is added …
        " added, 0 changed, 0 unchanged, 0 stale",
        ": 0 added, 1 changed, ",  # … after the key, one file changed
        "+topsoftkey23 label: Pizza",
        "['08000FBBAD78']",
    ],
}


def run_page(page: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the page's python blocks in ``folder`` (holding a copy of the example)."""
    shutil.copytree(EXAMPLE, folder / "examples" / "orange-labo")
    monkeypatch.chdir(folder)
    namespace: dict[str, object] = {"__name__": f"howto_{page.stem}"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for number, block in enumerate(BLOCK.findall(page.read_text(encoding="utf-8")), 1):
            code = compile(block, f"{page.name} block {number}", "exec")
            exec(code, namespace)  # noqa: S102 - the docs' own examples
    return out.getvalue()


def test_every_how_to_page_is_checked() -> None:
    pages = {p.name for p in DOCS.glob("*.md")} - {"index.md"}
    assert pages == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_how_to_page_runs_as_written(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    printed = run_page(DOCS / name, tmp_path, monkeypatch)
    for line in EXPECTED[name]:
        assert line in printed, printed


def test_the_api_reference_has_one_page_per_module(tmp_path: Path) -> None:
    import runpy

    import cloudtel

    conf = runpy.run_path(str(DOCS.parent / "conf.py"))
    conf["write_api_pages"](None, tmp_path)
    pages = {p.stem: p.read_text(encoding="utf-8") for p in tmp_path.glob("*.md")}
    assert {page for page, *_ in conf["API_PAGES"]} | {"other"} == set(pages)
    where: dict[str, list[str]] = {}
    for page, text in pages.items():
        for name in re.findall(r"^\.\. auto\w+:: (\w+)$", text, re.MULTILINE):
            where.setdefault(name, []).append(page)
    documented = {name for name in cloudtel.__all__ if name != "hookimpl"}
    assert set(where) == documented
    assert all(len(found) == 1 for found in where.values())
    assert where["User"] == ["users"]
    assert where["Organization"] == ["organization"]
    assert where["WeekView"] == ["schedules"]
    assert where["provision"] == ["provisioning"]
    assert "Every public name is on the page of its module." in pages["other"]
    # the index lists every page
    index = (DOCS.parent / "api.md").read_text(encoding="utf-8")
    assert all(f"api/{page}\n" in index for page in pages)
