"""The example notebook docs/onboarding.ipynb runs end to end, and its page shows the
week picture and the tables in a real browser (headless Chromium)."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html
from tests.notebook_pages import chromium, execute, to_html

NOTEBOOK = Path(__file__).parent.parent / "docs" / "onboarding.ipynb"
EXAMPLE = Path(__file__).parent.parent / "examples" / "orange-labo" / "organization.toml"

# Measures what the browser laid out, and writes it into the page for --dump-dom.
MEASURE = """<script>
window.addEventListener("load", () => {
  const box = (e) => { const r = e.getBoundingClientRect(); return [r.width, r.height]; };
  const week = [...document.querySelectorAll("svg")]
    .filter((s) => (s.getAttribute("aria-label") || "").includes("week"));
  const report = {
    weeks: week.map((s) => ({label: s.getAttribute("aria-label"), size: box(s),
      bars: s.querySelectorAll("rect[data-action]").length,
      labels: [...s.querySelectorAll("text.cloudtel-bar-label")].map((t) => t.textContent)})),
    tables: [...document.querySelectorAll("table.cloudtel")].map((t) => ({
      caption: t.caption ? t.caption.textContent : "", rows: t.rows.length, size: box(t)})),
  };
  const out = document.createElement("pre");
  out.id = "measured";
  out.textContent = JSON.stringify(report);
  document.body.appendChild(out);
});
</script>"""


@pytest.fixture(scope="module")
def executed() -> Any:
    """The notebook, executed once for the tests of this module."""
    return execute(NOTEBOOK)


def _outputs(notebook: Any) -> list[tuple[str, Any]]:
    return [
        (cell.source, output)
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    ]


def test_the_onboarding_notebook_runs_end_to_end(executed: Any) -> None:
    outputs = _outputs(executed)
    assert not [o for _s, o in outputs if o.output_type == "error"]
    texts = "".join(o.get("text", "") for _s, o in outputs if o.output_type == "stream")
    # the last cell loads the saved copy: the new users, phone and IVR are in it
    assert "16 users, 3 phones, 3 function numbers" in texts
    assert "+topsoftkey23 label: Pizza" in texts  # the diff of the key just programmed
    shown = [o["data"]["text/html"] for _s, o in outputs if "text/html" in o.get("data", {})]
    assert any("cloudtel-week" in markup for markup in shown)
    assert sum("<table" in markup for markup in shown) >= 10


def test_the_notebook_leaves_the_example_as_it_was(executed: Any) -> None:
    before = EXAMPLE.read_bytes()
    assert executed.cells  # ran (the fixture) …
    assert EXAMPLE.read_bytes() == before  # … on a copy


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_notebook_page_shows_the_week_picture_and_the_tables_in_chromium(
    executed: Any, tmp_path: Path
) -> None:
    page = tmp_path / "onboarding.html"
    page.write_text(to_html(executed, "Onboarding").replace("</body>", MEASURE + "</body>"))
    dom = chromium(page, "--virtual-time-budget=5000", "--dump-dom")
    measured = lxml_html.fromstring(dom).get_element_by_id("measured").text_content()
    report = json.loads(measured)
    (week,) = report["weeks"]
    assert "IVR 5903 'Onthaal Orange labo' · week 52" in week["label"]
    width, height = week["size"]
    assert width > 700
    assert height > 400
    assert week["bars"] >= 7 * 3
    labels = week["labels"]  # each bar: event, times, and the prompt it plays
    assert "Kerstmis00:00–24:00♪ User unavailable" in labels, labels
    assert "office hours08:30–12:00" in labels
    assert "lunch12:00–13:30" in labels
    captions = [t["caption"] for t in report["tables"]]
    assert any(c.startswith("Organisation Orange labo") for c in captions)
    assert "3 phones" in captions
    assert any(c.startswith("3 phones, ") and " files: " in c for c in captions)  # provisioned
    assert all(t["size"][0] > 0 and t["size"][1] > 0 for t in report["tables"])
    # the screenshot is kept beside the page (pytest's tmp dir) for people to look at
    shot = tmp_path / "onboarding.png"
    chromium(page, f"--screenshot={shot}", "--window-size=1200,6000")
    assert _png_size(shot) == (1200, 6000)
    assert shot.stat().st_size > 50_000  # a picture, not a blank page
