"""cloudtel driver for the Yealink T4xU, T5xW and T33G (+ EXP43/EXP50 modules).

Installed as the ``yealink`` entry point of group ``cloudtel.drivers``, which names
:data:`DRIVER` (``yealink = "cloudtel_yealink:DRIVER"``): that object is the plugin.
Files it writes:

- ``y000000000<code>.cfg`` per model (``y000000000096.cfg`` for a T54W), once per
  folder: the organisation's time zone, time server and date format;
- ``<mac>.cfg`` (MAC in lowercase): the ``#!version:1.0.0.1`` header, account 1
  (``account.1.*``; the model's other accounts disabled), ``sip.notify_reboot_enable =
  0``, the user's language (``lang.gui``/``lang.wui``), every line key
  (``linekey.N.type/line/value/label``: 15 line, 16 BLF, 13 speed dial, 0 none), every
  key of each attached expansion module (``expansion_module.X.key.Y.*``), unused keys
  reset, and the remote phonebook (``remote_phonebook.data.1.url``) when the server URL
  is known;
- the shared directories (``directory/yealink-org.xml``, paged beyond
  :data:`PAGE_ENTRIES` entries, and a user's own contacts
  ``directory/yealink-contacts-<digest>.xml``), or, asked for one phone,
  ``<mac>-directory.xml``: ``YealinkIPPhoneDirectory`` objects.

See ``docs/drivers/yealink.md`` for the key types, escaping rules and sources.
"""

from __future__ import annotations

from cloudtel.driverkit import FamilyDriver
from cloudtel_yealink._config import (
    COMMON_FILE_CODES,
    HEADER,
    MAX_LABEL,
    common_filename,
    common_files,
    config_filename,
    directory_filename,
    display_text,
    parse_config,
    render_config,
    render_configs,
    shared_directory_filename,
)
from cloudtel_yealink._directory import PAGE_ENTRIES, render_directory
from cloudtel_yealink._models import MODELS

__all__ = [
    "COMMON_FILE_CODES",
    "DRIVER",
    "FAMILY",
    "HEADER",
    "MAX_LABEL",
    "MODELS",
    "PAGE_ENTRIES",
    "common_filename",
    "common_files",
    "config_filename",
    "directory_filename",
    "display_text",
    "parse_config",
    "render_config",
    "render_configs",
    "render_directory",
    "shared_directory_filename",
]

FAMILY = "yealink"
"""The family this driver handles."""

DRIVER = FamilyDriver(
    FAMILY,
    MODELS,
    render_config=render_config,
    render_configs=render_configs,
    config_filename=config_filename,
    render_directory=render_directory,
    parse_config=parse_config,
    common_files=common_files,
)
"""The plugin: its hook implementations each answer ``None`` for a model of another family."""
