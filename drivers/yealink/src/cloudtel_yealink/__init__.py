"""cloudtel driver for the Yealink T4xU, T5xW and T33G (+ EXP43/EXP50 modules).

Installed as the ``yealink`` entry point of group ``cloudtel.drivers``; this module is
the plugin. Files it writes:

- ``<mac>.cfg`` (MAC in lowercase): the ``#!version:1.0.0.1`` header, account 1
  (``account.1.*``; the model's other accounts disabled), every line key
  (``linekey.N.type/line/value/label``: 15 line, 16 BLF, 13 speed dial, 0 none), every
  key of each attached expansion module (``expansion_module.X.key.Y.*``), unused keys
  reset, and the remote phonebook (``remote_phonebook.data.1.url``) when the server URL
  is known;
- ``<mac>-directory.xml``: a ``YealinkIPPhoneDirectory``.

See ``docs/drivers/yealink.md`` for the key types, escaping rules and sources.
"""

from __future__ import annotations

from collections.abc import Sequence

from cloudtel.devices import (
    Directory,
    ParsedConfig,
    PhoneContext,
    PhoneModel,
    RenderedFile,
    SipPhone,
)
from cloudtel.hookspecs import hookimpl
from cloudtel_yealink._config import (
    HEADER,
    MAX_LABEL,
    config_filename,
    directory_filename,
    display_text,
    parse_config,
    render_config,
)
from cloudtel_yealink._directory import render_directory
from cloudtel_yealink._models import MODELS

__all__ = [
    "FAMILY",
    "HEADER",
    "MAX_LABEL",
    "MODELS",
    "cloudtel_parse_config",
    "cloudtel_phone_models",
    "cloudtel_render_directory",
    "cloudtel_render_phone",
    "config_filename",
    "directory_filename",
    "display_text",
    "parse_config",
    "render_config",
    "render_directory",
]

FAMILY = "yealink"
"""The family this driver handles."""


@hookimpl
def cloudtel_phone_models() -> Sequence[PhoneModel]:
    """The Yealink models (see :data:`MODELS`)."""
    return MODELS


@hookimpl
def cloudtel_render_phone(
    phone: SipPhone, model: PhoneModel, context: PhoneContext
) -> Sequence[RenderedFile] | None:
    """Render ``<mac>.cfg`` for a Yealink phone; ``None`` for other families."""
    if model.family != FAMILY:
        return None
    text = render_config(phone, model, context)
    return (RenderedFile(path=config_filename(phone), content=text.encode()),)


@hookimpl
def cloudtel_render_directory(
    phone: SipPhone, model: PhoneModel, directory: Directory, context: PhoneContext
) -> Sequence[RenderedFile] | None:
    """Render the phonebook for a Yealink phone; ``None`` for other families."""
    if model.family != FAMILY:
        return None
    return render_directory(phone, directory, context)


@hookimpl
def cloudtel_parse_config(model: PhoneModel, text: str) -> ParsedConfig | None:
    """Parse a Yealink ``<mac>.cfg``; ``None`` for other families."""
    if model.family != FAMILY:
        return None
    return parse_config(model, text)
