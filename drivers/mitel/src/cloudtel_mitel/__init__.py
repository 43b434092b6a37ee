"""cloudtel driver for the Mitel 6900 series: 6920, 6930, 6940, 6970 (+ M695 modules).

Installed as the ``mitel`` entry point of group ``cloudtel.drivers``, which names
:data:`DRIVER` (``mitel = "cloudtel_mitel:DRIVER"``): that object is the plugin.
Files it writes:

- ``startup.cfg`` and ``aastra.cfg``, once per folder: the organisation's time zone,
  time server, date format and directed call pickup prefix;
- ``<MAC>.cfg`` (MAC in uppercase): account 1 (``sip line1 …``), ``directory script``
  pointing at the directory when the server URL is known, the user's language,
  ``collapsed softkey screen: 0``, every top softkey (``topsoftkeyN
  type/label/value/line/locked``), every key of each attached expansion module
  (``expmodX keyN …``), unused keys reset to ``none``;
- the shared directories (``directory/mitel-org.xml`` + ``-2``, ``-3`` … pages, and a
  user's own contacts ``directory/mitel-contacts-<digest>.xml``), or, asked for one
  phone, ``<MAC>-directory.xml`` (+ pages): ``AastraIPPhoneTextMenu`` objects.

See ``docs/drivers/mitel.md`` for the key types, escaping rules and sources.
"""

from __future__ import annotations

from cloudtel.driverkit import FamilyDriver
from cloudtel_mitel._config import (
    COMMON_FILES,
    MAX_CREDENTIAL,
    MAX_LABEL,
    common_files,
    config_filename,
    directory_filename,
    display_text,
    parse_config,
    render_config,
    render_configs,
    shared_directory_filename,
)
from cloudtel_mitel._directory import MAX_OBJECT_BYTES, render_directory
from cloudtel_mitel._models import MODELS

__all__ = [
    "COMMON_FILES",
    "DRIVER",
    "FAMILY",
    "MAX_CREDENTIAL",
    "MAX_LABEL",
    "MAX_OBJECT_BYTES",
    "MODELS",
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

FAMILY = "mitel"
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
