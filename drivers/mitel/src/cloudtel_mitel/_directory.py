"""The Mitel directory: ``AastraIPPhoneTextMenu`` pages whose items dial a number.

Each number of an entry is one menu item (``Prompt`` = the name, with the number's
label when the entry has several; ``URI`` = ``Dial:+32…``). A Mitel XML object may not
exceed :data:`MAX_OBJECT_BYTES`, so the menu is split into pages; every page but the
last ends with a "Next page" item that opens the next page's URL.

Escaping: names and labels go through :func:`cloudtel_mitel._config.display_text`
(one line, no control characters, which XML 1.0 cannot carry) and then XML escaping
of ``&``, ``<``, ``>`` and ``"``; numbers are E.164 (``+`` and digits).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from cloudtel.driverkit import Directory, PhoneContext, RenderedFile, SipPhone
from cloudtel_mitel._config import directory_filename, display_text, shared_directory_filename

__all__ = ["MAX_OBJECT_BYTES", "render_directory"]

MAX_OBJECT_BYTES = 10_000
"""Largest XML object a phone accepts (Aastra XML API PA-001011-03-04)."""

_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<AastraIPPhoneTextMenu destroyOnExit="yes">\n'
_TAIL = "</AastraIPPhoneTextMenu>\n"
_RESERVE = 600  # title and "next page" item, generously


def _text(value: str) -> str:
    return escape(display_text(value), {'"': "&quot;"})


def _item(prompt: str, uri: str) -> str:
    return f"<MenuItem><Prompt>{_text(prompt)}</Prompt><URI>{escape(uri)}</URI></MenuItem>\n"


def render_directory(
    phone: SipPhone | None, directory: Directory, context: PhoneContext
) -> tuple[RenderedFile, ...]:
    """Render the directory as one or more pages of at most :data:`MAX_OBJECT_BYTES`.

    A Mitel has one ``directory script``; a phone whose user has contacts of their own
    is pointed at those, and their first page starts with one item per other
    directory the phone shows (the organisation's), which opens it.

    Args:
        phone: The phone whose own directory it is (its MAC names the files), or
            ``None`` for a shared directory (``directory.name`` names the files:
            ``<name>.xml``, ``<name>-2.xml`` …).
        directory: The entries, in order.
        context: ``server_url`` makes the links absolute; ``directories`` lists the
            directories of the phones that show this one.

    Returns:
        The pages, first page first.
    """

    def filename(page: int) -> str:
        if phone is None:
            return shared_directory_filename(directory.name, page)
        return directory_filename(phone, page)

    items: list[str] = []
    links = context.directories
    if phone is None and len(links) > 1 and links[-1].name == directory.name:
        for link in links[:-1]:
            url = context.server_url + shared_directory_filename(link.name)
            items.append(_item(link.title, url))
    for entry in directory.entries:
        several = len(entry.numbers) > 1
        for number in entry.numbers:
            prompt = f"{entry.name} ({number.label})" if several and number.label else entry.name
            items.append(_item(prompt, f"Dial:{number.number.e164}"))
    budget = MAX_OBJECT_BYTES - len(_HEAD) - len(_TAIL) - _RESERVE
    pages: list[list[str]] = [[]]
    used = 0
    for item in items:
        size = len(item.encode())
        if pages[-1] and used + size > budget:
            pages.append([])
            used = 0
        pages[-1].append(item)
        used += size
    total = len(pages)
    files = []
    for index, page in enumerate(pages, start=1):
        title = directory.title if total == 1 else f"{directory.title} {index}/{total}"
        parts = [_HEAD, f"<Title>{_text(title)}</Title>\n", *page]
        if index < total:
            url = context.server_url + filename(index + 1)
            parts.append(_item("Next page", url))
        parts.append(_TAIL)
        files.append(
            RenderedFile(
                path=filename(index),
                content="".join(parts).encode(),
                media_type="application/xml",
            )
        )
    return tuple(files)
