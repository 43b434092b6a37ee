"""Contacts at three scopes, every user's effective list with provenance, CSV and vCard.

One concept per module; this package only re-exports their public names:

- :mod:`~cloudtel.contacts.model`: :class:`Contact`, :class:`PhoneEntry`, the
  scopes and hidden contacts;
- :mod:`~cloudtel.contacts.resolution`: effective lists and the rules that merge
  the scopes into them;
- :mod:`~cloudtel.contacts.lists`: the :class:`Contacts` part (``org.contacts``);
- :mod:`~cloudtel.contacts.csv_files`: CSV import with row reports, CSV export;
- :mod:`~cloudtel.contacts.vcard`: vCard 4.0 export.
"""

from cloudtel.contacts.csv_files import (
    HEADERS,
    ImportReport,
    RejectedRow,
    decode_csv,
    export_csv,
    import_csv,
)
from cloudtel.contacts.lists import Contacts
from cloudtel.contacts.model import (
    Contact,
    ContactKind,
    HiddenContact,
    PhoneEntry,
    PhoneType,
    Scope,
    ScopeKind,
)
from cloudtel.contacts.resolution import EffectiveContact, EffectiveList
from cloudtel.contacts.vcard import export_vcard

__all__ = [
    "HEADERS",
    "Contact",
    "ContactKind",
    "Contacts",
    "EffectiveContact",
    "EffectiveList",
    "HiddenContact",
    "ImportReport",
    "PhoneEntry",
    "PhoneType",
    "RejectedRow",
    "Scope",
    "ScopeKind",
    "decode_csv",
    "export_csv",
    "export_vcard",
    "import_csv",
]
