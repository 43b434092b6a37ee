"""Run the docs' example notebook and look at it the way a reader does.

:func:`execute` runs a notebook with nbclient on the ipykernel of this Python;
:func:`to_html` writes its executed outputs as one HTML page (each cell's source,
then its outputs: the objects' HTML as the notebook shows it, text escaped);
:func:`chromium` opens that page in headless Chromium to dump the laid-out DOM or
take a screenshot.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def execute(path: Path, *, timeout: int = 180) -> Any:
    """The notebook at ``path``, executed in its own folder; raises on a failing cell."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    return notebook


def _output_html(output: Any) -> str:
    if output.output_type == "stream":
        return f'<pre class="stream">{html.escape(output.text)}</pre>'
    if output.output_type == "error":
        return f'<pre class="error">{html.escape(chr(10).join(output.traceback))}</pre>'
    data = output.get("data", {})
    if "text/html" in data:  # the objects' own HTML, as Jupyter shows it
        return f'<div class="output-html">{data["text/html"]}</div>'
    if "image/svg+xml" in data:
        return f'<div class="output-svg">{data["image/svg+xml"]}</div>'
    return f'<pre class="output-text">{html.escape(data.get("text/plain", ""))}</pre>'


def to_html(notebook: Any, title: str) -> str:
    """One HTML page of an executed notebook: sources, then outputs, cell by cell."""
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif;margin:16px;max-width:1100px}"
        "pre.input{background:#f4f4f4;padding:6px}</style></head><body>",
    ]
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            parts.append(f'<div class="markdown"><pre>{html.escape(cell.source)}</pre></div>')
            continue
        if cell.cell_type != "code":
            continue
        parts.append(f'<pre class="input">{html.escape(cell.source)}</pre>')
        parts.extend(_output_html(output) for output in cell.outputs)
    parts.append("</body></html>")
    return "".join(parts)


def chromium(page: Path, *arguments: str, timeout: int = 90) -> str:
    """Run headless Chromium on ``page`` with ``arguments``; its standard output.

    Raises:
        AssertionError: Chromium is not installed (say how to install it).
    """
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    assert binary, "chromium is not installed: apt-get install chromium"
    with tempfile.TemporaryDirectory(prefix="cloudtel-chromium-") as profile:
        done = subprocess.run(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *arguments, page.as_uri()],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout
