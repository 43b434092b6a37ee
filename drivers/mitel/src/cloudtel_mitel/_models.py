"""The Mitel 6900 model catalogue, with the source of every number.

Vendor-confirmed key counts for the 6900 series were not found (see
``docs/drivers/mitel.md``); the counts below follow wazo-provd-plugins, which changed
them in 2025, and are marked as such. The 6940 keeps wazo's earlier 48: the operator
manual programs its keys T20-T27, and Mitel says the 6940 pages top softkeys on its
touch screen, so keys past one screen are valid.
"""

from __future__ import annotations

from cloudtel.driverkit import PhoneModel

__all__ = ["MODELS", "MODULE_KEYS"]

_WAZO_TOPSOFTKEYS = (
    "wazo-platform/wazo-provd-plugins plugins/wazo_aastra/common/common.py, AastraModel "
    "nb_topsoftkey (snapshot 2321a3f3, 2026-04-13; changed by commit 757557f1 on 2025-03-04: "
    "6920 8→10, 6930 12→22, 6940 48→24); no Mitel document found that states it"
)
_6940_TOPSOFTKEYS = (
    "48: wazo-platform/wazo-provd-plugins plugins/wazo_aastra/common/common.py AastraModel "
    "nb_topsoftkey 6940 = 48 until commit 757557f1 (2025-03-04), 24 since; Mitel: 'If more "
    "softkeys are configured than can fit on the handset's display, they will be paged "
    "out … (not applicable to the 6940 & 6970 where the touch screen allows navigation "
    "between pages …)' (https://edocs.mitelcommunicationservice.com/appsuitelatest/"
    "6900_Keymaps.html); the Orange portal manual (section 8) programs T20-T27 on a "
    "mitel6940, beyond 24; no Mitel figure found, the larger one is kept so the manual's "
    "layout works"
)
_NO_SOFTKEYS = (
    "cloudtel leaves the 6900 context softkeys below the screen to the phone: Mitel says only "
    "that their count depends on the model "
    "(https://edocs.mitelcommunicationservice.com/appsuitelatest/6900_Keymaps.html)"
)
_M695 = (
    "wazo-provd-plugins AastraModel: 3 modules × max(M680 16, M685 84) keys; the M685i has "
    "3 pages of 28 keys and up to 3 modules per phone (Mitel 6800i Admin Guide 41-001561-00 "
    "REV00 p. 3-41); the M695 is assumed to have the same 3 × 28 layout (not confirmed)"
)
_NO_MODULE = "wazo-provd-plugins AastraModel gives the 6970 conference phone no expansion module"
_LINES = (
    "Aastra IP Phone Administrator Guide 41-001160-03 Rev 00 Release 2.4, p. A-80: "
    "'sip lineN … Line 1 thru 9'; no 6900-specific figure found"
)

MODULE_KEYS = 84
"""Keys on one expansion module (3 pages of 28)."""


def _model(
    name: str, topsoftkeys: int, modules: int, keys_source: str = _WAZO_TOPSOFTKEYS
) -> PhoneModel:
    return PhoneModel(
        family="mitel",
        name=name,
        line_keys=topsoftkeys,
        programmable_keys=0,
        expansion_modules=modules,
        expansion_keys=MODULE_KEYS if modules else 0,
        expansion_module="M695" if modules else "",
        max_accounts=9,
        sources={
            "line_keys": keys_source,
            "programmable_keys": _NO_SOFTKEYS,
            "expansion_modules": _M695 if modules else _NO_MODULE,
            "expansion_keys": _M695 if modules else _NO_MODULE,
            "max_accounts": _LINES,
        },
    )


MODELS: tuple[PhoneModel, ...] = (
    _model("6920", 10, 3),
    _model("6930", 22, 3),
    _model("6940", 48, 3, _6940_TOPSOFTKEYS),
    _model("6970", 24, 0),
)
"""The Mitel 6900 models cloudtel provisions."""
