"""The Yealink remote phonebook: ``YealinkIPPhoneDirectory`` XML.

One ``DirectoryEntry`` per entry, with its ``Name`` and one ``Telephone`` element per
number (the phone shows several numbers per entry). The phone finds its phonebooks
through ``remote_phonebook.data.N.url`` (N = 1 … 5), written into ``<mac>.cfg``: the
organisation's shared directory first, the user's own contacts second when they have
any. A shared directory of more than :data:`PAGE_ENTRIES` entries is a
``YealinkIPPhoneMenu`` of pages (the remote phonebook's group menu; not yet checked on
a phone).

Escaping: names go through :func:`cloudtel_yealink._config.display_text` (one line, no
control characters, which XML 1.0 cannot carry) and then XML escaping of ``&``, ``<``,
``>``; numbers are E.164 (``+`` and digits).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from cloudtel.driverkit import Directory, DirectoryEntry, PhoneContext, RenderedFile, SipPhone
from cloudtel_yealink._config import directory_filename, display_text, shared_directory_filename

__all__ = ["PAGE_ENTRIES", "render_directory"]

PAGE_ENTRIES = 1000
"""Most entries in one file; a larger directory is split into pages of this many, listed
by a ``YealinkIPPhoneMenu`` (one ``MenuItem`` per page, named after its first and last
entry) in the directory's own file."""

_XML = '<?xml version="1.0" encoding="UTF-8"?>\n'


def _entries(entries: tuple[DirectoryEntry, ...]) -> str:
    parts = [_XML, "<YealinkIPPhoneDirectory>\n"]
    for entry in entries:
        parts.append(f"<DirectoryEntry><Name>{escape(display_text(entry.name))}</Name>")
        parts.extend(f"<Telephone>{n.number.e164}</Telephone>" for n in entry.numbers)
        parts.append("</DirectoryEntry>\n")
    parts.append("</YealinkIPPhoneDirectory>\n")
    return "".join(parts)


def render_directory(
    phone: SipPhone | None, directory: Directory, context: PhoneContext
) -> tuple[RenderedFile, ...]:
    """Render the phonebook: one file, or a menu of pages for a large directory.

    Args:
        phone: The phone whose own directory it is (``<mac>-directory.xml``, never
            paged), or ``None`` for a shared directory (``<name>.xml``, and
            ``<name>-1.xml`` … when it has more than :data:`PAGE_ENTRIES` entries).
        directory: The entries, in order.
        context: ``server_url`` makes the page links absolute.

    Returns:
        The file the phone fetches first, then the pages.
    """
    entries = directory.entries
    if phone is not None:
        return (_file(directory_filename(phone), _entries(entries)),)
    name = directory.name
    if len(entries) <= PAGE_ENTRIES:
        return (_file(shared_directory_filename(name), _entries(entries)),)
    pages = [entries[i : i + PAGE_ENTRIES] for i in range(0, len(entries), PAGE_ENTRIES)]
    menu = [_XML, "<YealinkIPPhoneMenu>\n"]
    files = []
    for number, page in enumerate(pages, start=1):
        path = shared_directory_filename(name, number)
        first, last = display_text(page[0].name), display_text(page[-1].name)
        menu.append(
            f"<MenuItem><Name>{escape(f'{first} - {last}')}</Name>"
            f"<URL>{escape(context.server_url + path)}</URL></MenuItem>\n"
        )
        files.append(_file(path, _entries(page)))
    menu.append("</YealinkIPPhoneMenu>\n")
    return (_file(shared_directory_filename(name), "".join(menu)), *files)


def _file(path: str, text: str) -> RenderedFile:
    return RenderedFile(path=path, content=text.encode(), media_type="application/xml")
