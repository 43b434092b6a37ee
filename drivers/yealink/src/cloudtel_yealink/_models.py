"""The Yealink model catalogue (T4xU, T5xW, T33G), with the source of every number.

Where sources disagree, cloudtel takes the lower figure (a key it refuses is visible
to the user; a key the phone lacks would be lost silently) and
``docs/drivers/yealink.md`` lists the disagreement.
"""

from __future__ import annotations

from cloudtel.driverkit import PhoneModel

__all__ = ["MODELS"]

_WAZO_KEYS = (
    "wazo-platform/wazo-provd-plugins plugins/wazo_yealink/v86/common.py _NB_LINEKEY "
    "(snapshot 2321a3f3)"
)
_FUSION_KEYS = (
    "fusionpbx/fusionpbx resources/templates/provision/yealink/t46u/y000000000108.cfg "
    "'LineKeyX ranges' comment (snapshot c7a00dcb3e)"
)
_NETHVOICE = (
    "nethesis/nethvoice-wizard-ui wizard/app/scripts/services/provisioning/models/"
    "yealinkservice.js (lineKeys; expansionKeys modules 3 × keys 1-60 for T5x)"
)
_WAZO_ACCOUNTS = "wazo-provd-plugins plugins/wazo_yealink/v86/common.py _NB_SIP_ACCOUNTS"
_FUSION_ACCOUNTS = (
    "fusionpbx resources/templates/provision/yealink/t46u/y000000000108.cfg account comment"
)
_YEALINK_ACCOUNTS = (
    "Yealink SIP-T2/T4/T5/CP920 Administrator Guide, account.X footnote: 'For T57W/T54W/"
    "T48U/T48S/T48G/T46U/T46S/T46G/T29G, X=1-16; for T53W/T53/T43U/T42G/T42U/T42S, "
    "X=1-12' (https://manualshive.com/ru/manual/yealink/sip-t5-series/3909785?page=500)"
)
_EXP = (
    "wazo-provd-plugins v86/common.py: {module} has 60 keys × 3 modules; "
    "fusionpbx t46u/y000000000108.cfg comment: expansion_module X 1-3, Y 1-60"
)
_NO_EXP = "no expansion module in wazo-provd-plugins v86/common.py for this model"
_NO_PROG = (
    "cloudtel leaves the programmable keys below the screen (programablekey.N: History, "
    "Directory, DND, Menu by default) to the phone"
)


def _model(
    name: str,
    *,
    line_keys: int,
    line_source: str,
    accounts: int,
    account_source: str,
    module: str = "",
) -> PhoneModel:
    exp = _EXP.format(module=module) if module else _NO_EXP
    return PhoneModel(
        family="yealink",
        name=name,
        line_keys=line_keys,
        programmable_keys=0,
        expansion_modules=3 if module else 0,
        expansion_keys=60 if module else 0,
        expansion_module=module,
        max_accounts=accounts,
        sources={
            "line_keys": line_source,
            "programmable_keys": _NO_PROG,
            "expansion_modules": exp,
            "expansion_keys": exp,
            "max_accounts": account_source,
        },
    )


MODELS: tuple[PhoneModel, ...] = (
    _model(
        "T33G",
        line_keys=12,
        line_source=f"{_WAZO_KEYS}; {_FUSION_KEYS} (T33G/T33P 12): agree",
        accounts=4,
        account_source=(
            f"{_WAZO_ACCOUNTS} and {_FUSION_ACCOUNTS}: agree on 4 (the T33G is not in "
            "Yealink's account table)"
        ),
    ),
    _model(
        "T42U",
        line_keys=15,
        line_source=f"{_WAZO_KEYS}; {_FUSION_KEYS} (T41U/T42U 15): agree",
        accounts=12,
        account_source=(
            f"{_YEALINK_ACCOUNTS}; {_WAZO_ACCOUNTS} agrees (12); {_FUSION_ACCOUNTS} says 6 "
            "for T41U/T42U, which Yealink's table contradicts"
        ),
    ),
    _model(
        "T43U",
        line_keys=15,
        line_source=(
            f"{_WAZO_KEYS} says 15; {_FUSION_KEYS} says 21: conflict, the lower figure is used"
        ),
        accounts=12,
        account_source=f"{_YEALINK_ACCOUNTS}; {_WAZO_ACCOUNTS} and {_FUSION_ACCOUNTS} agree",
        module="EXP43",
    ),
    _model(
        "T46U",
        line_keys=27,
        line_source=f"{_WAZO_KEYS}; {_FUSION_KEYS}: agree on 27",
        accounts=16,
        account_source=f"{_YEALINK_ACCOUNTS}; {_WAZO_ACCOUNTS} and {_FUSION_ACCOUNTS} agree",
        module="EXP43",
    ),
    _model(
        "T48U",
        line_keys=29,
        line_source=f"{_WAZO_KEYS}; {_FUSION_KEYS}: agree on 29",
        accounts=16,
        account_source=f"{_YEALINK_ACCOUNTS}; {_WAZO_ACCOUNTS} and {_FUSION_ACCOUNTS} agree",
        module="EXP43",
    ),
    _model(
        "T53W",
        line_keys=21,
        line_source=(
            f"{_WAZO_KEYS} says 21 (T53/T53W); {_FUSION_KEYS} says 27 and {_NETHVOICE} says 27 "
            "(T53): conflict, the lower figure is used"
        ),
        accounts=12,
        account_source=(
            f"{_YEALINK_ACCOUNTS}; {_WAZO_ACCOUNTS} agrees (12); {_FUSION_ACCOUNTS} says "
            "16 for all T5x, which Yealink's table contradicts for the T53W"
        ),
        module="EXP50",
    ),
    _model(
        "T54W",
        line_keys=27,
        line_source=f"{_WAZO_KEYS}; {_FUSION_KEYS}; {_NETHVOICE} (T54): all 27",
        accounts=16,
        account_source=f"{_YEALINK_ACCOUNTS}; {_WAZO_ACCOUNTS} and {_FUSION_ACCOUNTS} agree",
        module="EXP50",
    ),
    _model(
        "T57W",
        line_keys=29,
        line_source=f"{_WAZO_KEYS}; {_FUSION_KEYS}; {_NETHVOICE} (T57): all 29",
        accounts=16,
        account_source=f"{_YEALINK_ACCOUNTS}; {_WAZO_ACCOUNTS} and {_FUSION_ACCOUNTS} agree",
        module="EXP50",
    ),
)
"""The Yealink models cloudtel provisions."""
