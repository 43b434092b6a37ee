"""The Yealink remote phonebook: ``YealinkIPPhoneDirectory`` XML.

One ``DirectoryEntry`` per entry, with its ``Name`` and one ``Telephone`` element per
number (the phone shows several numbers per entry). The phone finds the file through
``remote_phonebook.data.1.url``, written into ``<mac>.cfg``.

Escaping: names go through :func:`cloudtel_yealink._config.display_text` (one line, no
control characters, which XML 1.0 cannot carry) and then XML escaping of ``&``, ``<``,
``>``; numbers are E.164 (``+`` and digits).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from cloudtel.driverkit import Directory, PhoneContext, RenderedFile, SipPhone
from cloudtel_yealink._config import directory_filename, display_text

__all__ = ["render_directory"]


def render_directory(
    phone: SipPhone, directory: Directory, context: PhoneContext
) -> tuple[RenderedFile, ...]:
    """Render the phonebook as one file.

    Args:
        phone: The phone (its MAC names the file).
        directory: The entries, in order.
        context: Unused (the file has no links).

    Returns:
        One file, ``<mac>-directory.xml``.
    """
    del context
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<YealinkIPPhoneDirectory>\n']
    for entry in directory.entries:
        parts.append(f"<DirectoryEntry><Name>{escape(display_text(entry.name))}</Name>")
        parts.extend(f"<Telephone>{n.number.e164}</Telephone>" for n in entry.numbers)
        parts.append("</DirectoryEntry>\n")
    parts.append("</YealinkIPPhoneDirectory>\n")
    return (
        RenderedFile(
            path=directory_filename(phone),
            content="".join(parts).encode(),
            media_type="application/xml",
        ),
    )
