"""cloudtel driver for the Mitel 6900 series: 6920, 6930, 6940, 6970 (+ M695 modules).

Installed as the ``mitel`` entry point of group ``cloudtel.drivers``; this module is
the plugin. Files it writes:

- ``<MAC>.cfg`` (MAC in uppercase): account 1 (``sip line1 …``), every top softkey
  (``topsoftkeyN type/label/value/line``), every key of each attached expansion module
  (``expmodX keyN …``), unused keys reset to ``none``, and ``directory script``
  pointing at the directory when the server URL is known;
- ``<MAC>-directory.xml`` (+ ``-2``, ``-3`` … pages): an ``AastraIPPhoneTextMenu``.

See ``docs/drivers/mitel.md`` for the key types, escaping rules and sources.
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
from cloudtel_mitel._config import (
    MAX_LABEL,
    config_filename,
    directory_filename,
    display_text,
    parse_config,
    render_config,
)
from cloudtel_mitel._directory import MAX_OBJECT_BYTES, render_directory
from cloudtel_mitel._models import MODELS

__all__ = [
    "FAMILY",
    "MAX_LABEL",
    "MAX_OBJECT_BYTES",
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

FAMILY = "mitel"
"""The family this driver handles."""


@hookimpl
def cloudtel_phone_models() -> Sequence[PhoneModel]:
    """The Mitel 6900 models (see :data:`MODELS`)."""
    return MODELS


@hookimpl
def cloudtel_render_phone(
    phone: SipPhone, model: PhoneModel, context: PhoneContext
) -> Sequence[RenderedFile] | None:
    """Render ``<MAC>.cfg`` for a Mitel phone; ``None`` for other families."""
    if model.family != FAMILY:
        return None
    text = render_config(phone, model, context)
    return (RenderedFile(path=config_filename(phone), content=text.encode()),)


@hookimpl
def cloudtel_render_directory(
    phone: SipPhone, model: PhoneModel, directory: Directory, context: PhoneContext
) -> Sequence[RenderedFile] | None:
    """Render the directory pages for a Mitel phone; ``None`` for other families."""
    if model.family != FAMILY:
        return None
    return render_directory(phone, directory, context)


@hookimpl
def cloudtel_parse_config(model: PhoneModel, text: str) -> ParsedConfig | None:
    """Parse a Mitel ``<MAC>.cfg``; ``None`` for other families."""
    if model.family != FAMILY:
        return None
    return parse_config(model, text)
