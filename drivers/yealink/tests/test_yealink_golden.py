"""Pinned output of the Yealink driver: the exact bytes of every file it renders.

A corpus of phones (every model, expansion modules, every key kind, hostile labels and
names, missing accounts and server URLs, values that must be refused) is rendered and
each result's SHA-256 is compared with the digest recorded when the corpus was written.
Any change to the bytes a phone receives, or to a refusal, fails here: an optimisation
of the renderer must keep every file identical.
"""

from __future__ import annotations

import hashlib
import random

import cloudtel_yealink
from cloudtel.devices import (
    EmptyKey,
    ExtensionKey,
    Key,
    KeyLayout,
    KeyPosition,
    KeySet,
    LineKey,
    PhoneContext,
    PhoneModel,
    PhoneNumberKey,
    SipAccount,
    SipPhone,
    Transport,
)
from cloudtel.errors import CloudtelError

LABELS = [
    "",
    "   ",
    "Sales",
    "Speed 13 & Co",
    "Klant 42",
    "Lâst Näme",
    "e\u0301cole",
    'say "hi"',
    "# not a comment",
    "a = b : c",
    "%NULL%",
    "%50% off%",
    "100%",
    "tab\there",
    "two  spaces",
    "<b>&amp;</b>",
    "zero\u200bwidth",
    "line\u2028sep",
    "x" * 60,
    "long label with many words that go past the forty character limit",
    "ß→∞ 日本語",
    "\u00a0nbsp\u00a0",
]
NAMES = ["Adel Al Koubaisy", "", "  Spaced  Name ", 'Q"uote #1', "Zoë %x%", "y" * 45]
USERS = [
    "adel@orange.be",
    "bert.de.smet@orange.be",
    "zoe@orange.be",
    "x%y%@orange.be",
    "nobody@orange.be",
]
DESCRIPTIONS = ["", "desk 1", "reception # 2", 'the "big" one', "   ", "Lâst \u2028 room"]
NUMBERS = ["+3212341234", "+3292470680", "+32475123456", "+31201234567", "+14155550100"]
PASSWORDS = ["pw-1-x", "s3cr=t:x", "P4ss-word_9"]
BAD_PASSWORDS = ["p#ss", "%pw%", "with space", "Ünï", 'q"t']
REGISTRARS = ["sip.orange.be", "10.0.0.1", "[2001:db8::1]", "bad host"]
URLS = ["", "http://prov.example/orange/", "tftp://10.0.0.9/"]
BAD_URLS = ["http://h/a b/", "http://h/#x/", "%http://h/"]
BAD_USERS = ["a#b@orange.be", "%a@orange.be%", 'q"x@orange.be']


def _programmable(model: PhoneModel) -> PhoneModel:
    """The model with 6 programmable keys, so that key set is rendered too."""
    return PhoneModel(
        family=model.family,
        name=model.name + "-P",
        line_keys=model.line_keys,
        programmable_keys=6,
        expansion_modules=model.expansion_modules,
        expansion_keys=model.expansion_keys,
        expansion_module=model.expansion_module,
        max_accounts=model.max_accounts,
        sources=model.sources,
    )


def _key(rng: random.Random) -> Key:
    kind = rng.randrange(4)
    if kind == 0:
        return LineKey(account=rng.randint(1, 2))
    if kind == 1:
        return ExtensionKey(username=rng.choice(USERS if rng.random() < 0.99 else BAD_USERS))
    if kind == 2:
        return PhoneNumberKey(label=rng.choice(LABELS), number=rng.choice(NUMBERS))
    return EmptyKey()


def _case(rng: random.Random, n: int) -> tuple[SipPhone, PhoneModel, PhoneContext]:
    model = rng.choice(cloudtel_yealink.MODELS)
    if rng.random() < 0.2:
        model = _programmable(model)
    modules = rng.randint(0, model.expansion_modules)
    positions = [
        p for p in model.positions(modules) if p.set is not KeySet.EXPANSION or rng.random() < 0.3
    ]
    count = rng.choice([0, 1, 3, 20, len(positions)])
    keys: list[tuple[KeyPosition, Key]] = [
        (p, _key(rng)) for p in rng.sample(positions, min(count, len(positions)))
    ]
    phone = SipPhone(
        mac=f"{0x0800_0FBB_0000 + n:012x}",
        family=model.family,
        model=model.name,
        description=rng.choice(DESCRIPTIONS),
        expansion_modules=modules,
        layout=KeyLayout(keys),
    )
    accounts = []
    if rng.random() < 0.85:
        ok = rng.random() < 0.95
        accounts.append(
            SipAccount(
                username=rng.choice(["steven", "u.1001", "a%b"]),
                password=rng.choice(PASSWORDS if ok else BAD_PASSWORDS),
                display_name=rng.choice(NAMES + LABELS),
                registrar=rng.choice(REGISTRARS[:3]) if ok else rng.choice(REGISTRARS),
                auth_name=rng.choice(["", "", "auth.1001"]),
                port=rng.choice([5060, 5061]),
                transport=rng.choice(list(Transport)),
            )
        )
    names = {u: rng.choice(NAMES) for u in USERS[:3] if rng.random() < 0.8}
    url = rng.choice(URLS if rng.random() < 0.97 else BAD_URLS)
    return phone, model, PhoneContext(accounts=accounts, names=names, server_url=url)


def _digest(phone: SipPhone, model: PhoneModel, context: PhoneContext) -> str:
    try:
        files = cloudtel_yealink.cloudtel_render_phone(phone=phone, model=model, context=context)
    except CloudtelError as exc:
        blob = f"error {type(exc).__name__}: {exc.message}".encode()
    else:
        assert files is not None
        blob = b"".join(f.path.encode() + b"\0" + f.content + b"\0" for f in files)
    return hashlib.sha256(blob).hexdigest()[:12]


def _full_phone() -> tuple[SipPhone, PhoneModel, PhoneContext]:
    model = next(m for m in cloudtel_yealink.MODELS if m.name == "T33G")
    keys: dict[KeyPosition | str, Key] = {
        "L1": LineKey(),
        "L2": ExtensionKey(username="adel@orange.be"),
        "L3": ExtensionKey(username="nobody@orange.be"),
        "L5": PhoneNumberKey(label='Klant "A" # 1\tBV', number="+3212341234"),
    }
    phone = SipPhone(
        mac="805EC0BDEAEF",
        family=model.family,
        model=model.name,
        description="reception # 1",
        layout=KeyLayout(keys),
    )
    account = SipAccount(
        username="steven",
        password="s3cr=t:x",
        display_name="Stéven Lathouwers",
        registrar="sip.orange.be",
    )
    context = PhoneContext(
        accounts=[account],
        names={"adel@orange.be": "Adel Al Koubaisy"},
        server_url="http://prov.example/orange/",
    )
    return phone, model, context


FULL_PATH = "805ec0bdeaef.cfg"
FULL_TEXT = (
    "#!version:1.0.0.1\n"
    "## cloudtel: Yealink T33G 805ec0bdeaef reception # 1\n"
    "## Generated by cloudtel; edits here are overwritten.\n"
    "account.1.enable = 1\n"
    "account.1.label = Stéven Lathouwers\n"
    "account.1.display_name = Stéven Lathouwers\n"
    "account.1.auth_name = steven\n"
    "account.1.user_name = steven\n"
    "account.1.password = s3cr=t:x\n"
    "account.1.sip_server.1.address = sip.orange.be\n"
    "account.1.sip_server.1.port = 5060\n"
    "account.1.sip_server.1.transport_type = 0\n"
    "account.2.enable = 0\n"
    "account.3.enable = 0\n"
    "account.4.enable = 0\n"
    "features.remote_phonebook.enable = 1\n"
    "remote_phonebook.data.1.url = http://prov.example/orange/805ec0bdeaef-directory.xml\n"
    "remote_phonebook.data.1.name = Directory\n"
    "linekey.1.type = 15\n"
    "linekey.1.line = 1\n"
    "linekey.1.value = %NULL%\n"
    "linekey.1.label = %NULL%\n"
    "linekey.2.type = 16\n"
    "linekey.2.line = 1\n"
    "linekey.2.value = adel@orange.be\n"
    "linekey.2.label = Adel Al Koubaisy\n"
    "linekey.3.type = 16\n"
    "linekey.3.line = 1\n"
    "linekey.3.value = nobody@orange.be\n"
    "linekey.3.label = nobody\n"
    "linekey.4.type = 0\n"
    "linekey.4.line = %NULL%\n"
    "linekey.4.value = %NULL%\n"
    "linekey.4.label = %NULL%\n"
    "linekey.5.type = 13\n"
    "linekey.5.line = 1\n"
    "linekey.5.value = +3212341234\n"
    'linekey.5.label = Klant "A" # 1 BV\n'
    "linekey.6.type = 0\n"
    "linekey.6.line = %NULL%\n"
    "linekey.6.value = %NULL%\n"
    "linekey.6.label = %NULL%\n"
    "linekey.7.type = 0\n"
    "linekey.7.line = %NULL%\n"
    "linekey.7.value = %NULL%\n"
    "linekey.7.label = %NULL%\n"
    "linekey.8.type = 0\n"
    "linekey.8.line = %NULL%\n"
    "linekey.8.value = %NULL%\n"
    "linekey.8.label = %NULL%\n"
    "linekey.9.type = 0\n"
    "linekey.9.line = %NULL%\n"
    "linekey.9.value = %NULL%\n"
    "linekey.9.label = %NULL%\n"
    "linekey.10.type = 0\n"
    "linekey.10.line = %NULL%\n"
    "linekey.10.value = %NULL%\n"
    "linekey.10.label = %NULL%\n"
    "linekey.11.type = 0\n"
    "linekey.11.line = %NULL%\n"
    "linekey.11.value = %NULL%\n"
    "linekey.11.label = %NULL%\n"
    "linekey.12.type = 0\n"
    "linekey.12.line = %NULL%\n"
    "linekey.12.value = %NULL%\n"
    "linekey.12.label = %NULL%\n"
)


def corpus_digests() -> list[str]:
    """The digest of every case of the corpus, in order."""
    rng = random.Random(20260601)
    return [_digest(*_case(rng, n)) for n in range(CASES)]


CASES = 240

_DIGEST_TABLE = """
    a08efe36ddd8 be698381823e b4d882d341c1 060ccb22ffd6 732860e54617 7dd7875e0dea
    754b9cd4bc2d c5bb7ac18987 85025718456a a2b857962e5e 84fdc647e361 0d08111dddc1
    798753f89c1b a54888b34e9b d6d69f52064e dc44350d94ee c33f1124502d e6fa5ba158b5
    a419b728f56c efdc68fae6c5 bf217af2614b 9a4d32b6b450 fca27f171519 aba8de946f1c
    03d16fd10a87 4b755ba3b705 a9bcb1106d47 40c716819878 25e69749550a 4fe476d933c4
    82207186f87b 9d7a3f7e908c 4e520ffe27a0 36ce3bab5a5f 43eef4589f27 4252f3093059
    7da0358f279a 5bbd1aa4066d 6396980b6b2a 83b11a5485e8 d4375238d9aa 0b5ae025e6f1
    f9df4bfc14a6 ffb37685fd06 1aa785bb752d af68e83e5bcf 1bdfdc067f4a 7c13d2e0cb3a
    0ad2aca46062 057c9db6ed98 3ca46b2887f4 38bc946a8610 af0fc1e03f33 9d580ad49de8
    99ff199d8531 6367acee72c3 dfc13fdae1ad d75f6e924208 555ea29afc3b 6e9979e1d745
    abdfa690c0f6 27a863c51397 45ceeecb7901 56478a7752e8 0cbb17a3ac19 f19023caa623
    15d11fee3cb6 99642f75bfeb e96f0c550dc1 6a925011655e c18198eb3ee6 ec36782baea8
    37d08f7f1f60 64bcc19ed2e6 532d2bb54ae0 30709f249000 30d2300cad33 74201c37fb87
    45dd5efa6d86 70eacb710eff a07dca241e66 9d1f34046ed9 9a358e624799 af5fc3891478
    d7376f686b4a cbe78d9ad05d 65155b06c5e8 045262f1a239 8d48b30ca1a5 6c9c8dfff4e5
    16aa712b3144 7e7fc7b9b274 035f43f825ab 2de91681f2a2 ab3e9b884713 4c3132eeca68
    21319f5a8e34 068c44ab2ab9 f399ac3f7488 0ce56b5d1069 967a712be3ad 2f296df0b62e
    d015e830283c b064c5185c88 0d055c870766 62765a289a68 fcdded29b702 c0a8dac2eb7c
    38c5f11cc904 92f96f6f972f 6640a575b386 def5819e5caa 3c10d1e0ed09 55c6156e6e76
    62cf5e29f62b 2355e59f3b6f 465b9b1a23c3 ee3c5b3ebbad 589ef4978810 d3eec53b5b46
    9e273c998b95 69242c39ff10 448a2a513150 b88a6763ba99 1314bd84a0fc c0537f6d83eb
    0865efc9165b 4edd52f53674 c767739c279d 29117b0fd856 e1bef18a7f0d 42b24099c47c
    2978ade3740c b4b66f613690 746da8cb433c 41d14e72dbb2 b9845ae39e5d 7cc7c388f3a4
    8d66dcc6b12b f14ce540d116 d9babd2eeb2a 3261107c078b 469fc7c6a557 26e9ca369521
    a2bd5d126b05 ef855810cf53 b60939d1e210 e90e4418cf96 053382a667a1 baa56cff3b02
    767e2a01be68 ce048f06543f 179644ab6bde c02d25bc0473 a9d32748ad1f 9a69d1e79c61
    ef15144f114e 5d91e54e1f09 b3375e1a29a7 b828889932ac 05cc71be0fc0 229c01612426
    b7e179acfa55 8fa17bb6b670 def5bbdcbd23 775688130b88 177b0923f718 1f11951d831d
    50d8f806c25a 0a878bb7678d 1eb6c8df1c1b bfb6d14673ab d1f92953d43c 6cea4e07ae05
    1d559fa173aa 64eda3c20e06 c67a8b4e3b44 05ef48789761 cb4def662b9e e17e8f398dc2
    2f44672a6f54 f34899f434ac 3d9715b20964 22570b0236dc c03d14d5b1dd b14221d8894d
    948ed010cb3c 0d5b05e39697 e3914375538b 27f6dd791131 893ad94b1392 e25cff6fd27e
    5811280f2539 0d7162b18d39 f23c4a6053a8 3e1fac5b39ba 36529397ec06 3e4156e63671
    9fca09fd3fb4 e83c1a291ef6 a79363f89290 d0556aeb1d0d 60e2b20f120d 7d5a963c0589
    1e2c43d3ceb0 41abc90e14ec b0c16a44d0a8 1138bcde6be2 3ee5bb8b24f0 420ae929a0b6
    ba1926247111 9275cabc3dbc 57a27e8e2acc 393affd85007 5b44c4a63612 4460d589c884
    d9c0536a1add b1670a5eb42d a578d4c43fba fa0bc3d5cdb3 5ee53a6b2118 fa4b6964406d
    5da293181c26 7ccc91c65da3 e7e9f43ad333 40614b72db65 9b3e5d8f3810 fe27e7d4234b
    ffcef01a65c8 3ba02de503b9 0f6d08f60d5a 4e7ae0a4f0dc dd6b185a7ba7 c9b038b60557
    1f7f26c2b6c7 8d978f6af4e1 56a28f35efc7 0f51f7c22fa5 f35eb24adc4a bd63e91f2c97
"""
DIGESTS = _DIGEST_TABLE.split()


def test_a_phones_file_is_pinned_byte_for_byte() -> None:
    phone, model, context = _full_phone()
    files = cloudtel_yealink.cloudtel_render_phone(phone=phone, model=model, context=context)
    assert files is not None
    assert [f.path for f in files] == [FULL_PATH]
    assert files[0].content.decode() == FULL_TEXT


def test_every_file_of_the_corpus_keeps_its_bytes() -> None:
    assert len(DIGESTS) == CASES
    changed = [
        n
        for n, (got, want) in enumerate(zip(corpus_digests(), DIGESTS, strict=True))
        if got != want
    ]
    assert changed == [], f"cases whose output changed: {changed}"
