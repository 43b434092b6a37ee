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


# --- the API reference, one page per module --------------------------------------------
# Every name of cloudtel.__all__ is documented as cloudtel.NAME (so {py:class}`cloudtel.User`
# links work) on the page of the module that defines it. The pages are written into
# docs/api/ when the build starts, from cloudtel.__all__, so a new public name lands on
# its module's page by itself.

API_PAGES = (
    # (page, title, what it is about, module prefixes)
    (
        "organization",
        "The organisation",
        "the aggregate root, its parts and its keyed collections",
        ("cloudtel.org", "cloudtel._part", "cloudtel._keyed"),
    ),
    (
        "users",
        "Users and groups",
        "users, user groups, settings and their resolution",
        ("cloudtel.users",),
    ),
    ("numbers", "Phone numbers", "phone numbers and number ranges", ("cloudtel.numbers",)),
    (
        "accounts",
        "Accounts",
        "passwords, PINs, reset tokens, admin view and photos",
        ("cloudtel.accounts", "cloudtel.access"),
    ),
    (
        "contacts",
        "Contacts",
        "contact lists, their resolution, CSV (read like every import) and vCard",
        ("cloudtel.contacts", "cloudtel._csv"),
    ),
    ("audio", "Audio", "WAV/AIFF readers, the resampler and G.711", ("cloudtel.audio",)),
    ("prompts", "Voice prompts", "voice prompts and their languages", ("cloudtel.prompts",)),
    (
        "schedules",
        "Schedules",
        "events, the engine, iCalendar, holidays and the week view",
        ("cloudtel.schedules",),
    ),
    (
        "functions",
        "Function numbers",
        "IVR, ACD, hunt and attendant groups, shared lines",
        ("cloudtel.functions",),
    ),
    (
        "phones",
        "Phones and keys",
        "MAC addresses, models, keys and layouts, phones and their directory",
        ("cloudtel.devices", "cloudtel.phones", "cloudtel.directory"),
    ),
    (
        "provisioning",
        "Provisioning and check-sync",
        "provisioning folders, the provisioning server, the phones' clock and SIP NOTIFY",
        (
            "cloudtel.provisioning",
            "cloudtel.provisioning_defaults",
            "cloudtel.phone_clock",
            "cloudtel.server",
            "cloudtel.sip",
        ),
    ),
    (
        "messaging",
        "Messages",
        "welcome messages, secrets and their transports",
        ("cloudtel.messaging",),
    ),
    (
        "files",
        "Org files",
        "loading and saving organisations in TOML and JSON",
        ("cloudtel.serialization",),
    ),
    (
        "changes",
        "Concurrent editing and change sets",
        "merging concurrent edits, change sets with risk classes, the journal of saves",
        ("cloudtel.changes", "cloudtel._journal", "cloudtel._merging", "cloudtel.history"),
    ),
    (
        "plugins",
        "Plugins",
        "what the organisation asks of plugins",
        ("cloudtel.services", "cloudtel.hookspecs", "cloudtel.plugins"),
    ),
    ("errors", "Errors", "the exception tree", ("cloudtel.errors",)),
)


def _api_directive(obj: object) -> str:
    import inspect  # noqa: PLC0415 - only when the docs are built

    if inspect.isclass(obj):
        return "autoexception" if issubclass(obj, BaseException) else "autoclass"
    return "autofunction"


def write_api_pages(_app: object = None, folder: object = None) -> None:
    """Write docs/api/<page>.md (or into ``folder``) for every page of API_PAGES, and
    ``other.md`` for names of modules no page lists; a file is written only when it
    changed."""
    import inspect  # noqa: PLC0415 - only when the docs are built
    from pathlib import Path  # noqa: PLC0415

    import cloudtel  # noqa: PLC0415

    pages: dict[str, list[str]] = {page: [] for page, *_ in API_PAGES}
    pages["other"] = []
    for name in cloudtel.__all__:
        obj = getattr(cloudtel, name)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue  # data (hookimpl) is described by hand in api.md
        module = obj.__module__
        page = next(
            (
                p
                for p, _t, _a, prefixes in API_PAGES
                if any(module == x or module.startswith(x + ".") for x in prefixes)
            ),
            "other",
        )
        pages[page].append(name)
    folder = Path(__file__).parent / "api" if folder is None else Path(str(folder))
    folder.mkdir(exist_ok=True)
    titles = {page: (title, about) for page, title, about, _ in API_PAGES}
    titles["other"] = ("Other", "public names of modules not listed above")
    for page, names in pages.items():
        title, about = titles[page]
        lines = [
            f"# {title}",
            "",
            f"The public API about {about}. Every name here is imported from `cloudtel`.",
            "",
            "```{eval-rst}",
            ".. currentmodule:: cloudtel",
            "",
        ]
        for name in names:
            lines += [f".. {_api_directive(getattr(cloudtel, name))}:: {name}", ""]
        if not names:
            lines += ["Every public name is on the page of its module.", ""]
        lines.append("```")
        text = "\n".join(lines) + "\n"
        target = folder / f"{page}.md"
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")


def setup(app: object) -> None:
    """Write the API pages when the build starts."""
    app.connect("builder-inited", write_api_pages)  # type: ignore[attr-defined]
