"""Sphinx configuration for the cloudtel documentation."""

from __future__ import annotations

import importlib.metadata

project = "cloudtel"
author = "The cloudtel developers"
copyright = "2026, the cloudtel developers"
release = importlib.metadata.version("cloudtel")
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_format = "short"
autodoc_default_options = {"members": True, "show-inheritance": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False


html_theme = "alabaster"
html_title = "cloudtel"
suppress_warnings = ["config.cache"]
