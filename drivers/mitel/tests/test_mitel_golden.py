"""Pinned output of the Mitel driver: the exact bytes of every file it renders.

A corpus of phones (every model, expansion modules, every key kind, hostile labels and
names, missing accounts and server URLs, values that must be refused) is rendered and
each result's SHA-256 is compared with the digest recorded when the corpus was written.
Any change to the bytes a phone receives, or to a refusal, fails here: an optimisation
of the renderer must keep every file identical.
"""

from __future__ import annotations

import hashlib
import random

import cloudtel_mitel
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
    model = rng.choice(cloudtel_mitel.MODELS)
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
        files = cloudtel_mitel.cloudtel_render_phone(phone=phone, model=model, context=context)
    except CloudtelError as exc:
        blob = f"error {type(exc).__name__}: {exc.message}".encode()
    else:
        assert files is not None
        blob = b"".join(f.path.encode() + b"\0" + f.content + b"\0" for f in files)
    return hashlib.sha256(blob).hexdigest()[:12]


def _full_phone() -> tuple[SipPhone, PhoneModel, PhoneContext]:
    model = next(m for m in cloudtel_mitel.MODELS if m.name == "6920")
    keys: dict[KeyPosition | str, Key] = {
        "L1": LineKey(),
        "L2": ExtensionKey(username="adel@orange.be"),
        "L3": ExtensionKey(username="nobody@orange.be"),
        "L5": PhoneNumberKey(label='Klant "A" # 1\tBV', number="+3212341234"),
    }
    phone = SipPhone(
        mac="08000FBBAD78",
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


FULL_PATH = "08000FBBAD78.cfg"
FULL_TEXT = (
    "# cloudtel: Mitel 6920 08000FBBAD78 reception 1\n"
    "# Generated by cloudtel; edits here are overwritten.\n"
    "sip line1 auth name: steven\n"
    "sip line1 user name: steven\n"
    "sip line1 password: s3cr=t:x\n"
    "sip line1 display name: Stéven Lathouwers\n"
    "sip line1 screen name: Stéven Lathouwers\n"
    "sip line1 proxy ip: sip.orange.be\n"
    "sip line1 proxy port: 5060\n"
    "sip line1 registrar ip: sip.orange.be\n"
    "sip line1 registrar port: 5060\n"
    "sip transport protocol: 1\n"
    "directory script: http://prov.example/orange/08000FBBAD78-directory.xml\n"
    "topsoftkey1 type: line\n"
    "topsoftkey1 label:\n"
    "topsoftkey1 value:\n"
    "topsoftkey1 line: 1\n"
    "topsoftkey2 type: blf\n"
    "topsoftkey2 label: Adel Al Koubaisy\n"
    "topsoftkey2 value: adel@orange.be\n"
    "topsoftkey2 line: 1\n"
    "topsoftkey3 type: blf\n"
    "topsoftkey3 label: nobody\n"
    "topsoftkey3 value: nobody@orange.be\n"
    "topsoftkey3 line: 1\n"
    "topsoftkey4 type: none\n"
    "topsoftkey4 label:\n"
    "topsoftkey4 value:\n"
    "topsoftkey4 line: 1\n"
    "topsoftkey5 type: speeddial\n"
    "topsoftkey5 label: Klant 'A' 1 BV\n"
    "topsoftkey5 value: +3212341234\n"
    "topsoftkey5 line: 1\n"
    "topsoftkey6 type: none\n"
    "topsoftkey6 label:\n"
    "topsoftkey6 value:\n"
    "topsoftkey6 line: 1\n"
    "topsoftkey7 type: none\n"
    "topsoftkey7 label:\n"
    "topsoftkey7 value:\n"
    "topsoftkey7 line: 1\n"
    "topsoftkey8 type: none\n"
    "topsoftkey8 label:\n"
    "topsoftkey8 value:\n"
    "topsoftkey8 line: 1\n"
    "topsoftkey9 type: none\n"
    "topsoftkey9 label:\n"
    "topsoftkey9 value:\n"
    "topsoftkey9 line: 1\n"
    "topsoftkey10 type: none\n"
    "topsoftkey10 label:\n"
    "topsoftkey10 value:\n"
    "topsoftkey10 line: 1\n"
)


def corpus_digests() -> list[str]:
    """The digest of every case of the corpus, in order."""
    rng = random.Random(20260601)
    return [_digest(*_case(rng, n)) for n in range(CASES)]


CASES = 240

_DIGEST_TABLE = """
    1245421b110c 0407783720a0 2fd3c84c9292 9d2870aea09e c070e870e80b 201a3209160d
    79c9baeb8966 529c91f58a15 9a66cd492feb b1e8e1bed02a 41a07c533ff6 23810f21e7da
    a14eb32c9e62 15274ca4f62a 023f66194009 b5c17ea039c9 adcfc0e79c19 3f38c6b3c0c3
    38e5d4057d47 51253f30b33c 14a7c29a9644 6457bc61869c d42cd25002f9 f6ca2282ce6e
    2061528f6748 fd98a35e4529 096fbe272bdb f9407391e9b6 c93c700ca81d 81de8503b840
    fc592ab1db63 7ac5dc248020 5a32ada9be0d 9db1577af3a3 a33cf93af423 05fe5caf85f0
    60e7cbd4b667 53b51c9210c2 fc4b5d4ed3c3 948ed4a46afd 2e8b89312d97 cbc174901571
    ba5f7de59a8b 70f361994e6f e4fba89dfe4b 8b3085c55348 b8677c9d4fda 521a462a5023
    ae0202475d8e 2d27f76dc3b8 4da99ae7f73f ac4d7bb396fe b84e6f7f7bf8 ec8a04cb92e3
    8058306e7b09 ef0bc0faf4ed 69c1f9b5e870 13f5c973b177 16e43eb6458b 127edaa7b302
    53bb28cf3c0b 9ce7e2e19487 31fe1fa6aa2b 7795688e5784 9f5cd150c619 a5b229f69ae9
    725b6c0b499b b637d8b05f67 32ed4346d574 b880a7e9f822 5ffd5ed0dcfb 0d08e343a80c
    b2a253d18004 9113f867b0b3 b04ba2a84c4e f88aad2bbf42 d97f96864b2e 75acb166711c
    ad9eae453fac 56615b04b89e 5c822bf07252 3c1a3993b8ac de9cbcbc6d09 3483e34512a0
    0e82b21483e0 53ce1e59bb5b 4f71c90bfeb2 9c412f11ccb9 aba7123f6d69 d71c987bb130
    78788da17d4b 787aa2dc41fb 7d33543c17b8 4b48c4320d91 f7aa9b1fed1a 541cc20641e8
    8a0c5cf6f6cc 602b796a8c46 73d0e1eac2c8 54891fcf8e7d fadc9ba3b646 517c20f23bbf
    65281a20399f f6fa12096c8e fa20f8b65ab8 d84d9686315f 718993352455 1ffe893903ff
    e59981a624d3 d15a293c684f bcfc75cfb921 6643fb7a3c29 ea85654966c4 ee845ca53ebf
    1ddb5767f88d e1b0db8b46b6 4a62182bbe3e 90246759cd60 c87a27b33983 2dabf6efec30
    1f310414d4f9 0d920fd87585 78f7119f5f00 3611182729fa 5c76f388f174 6d7b6e2857dc
    21df3a96a2cb a1410520c5af 3764fd869bb0 e89212f511d6 c161c299ceab 7405264cd7c3
    c3cb7038e160 5500f0b10fff eb05c40bdf0d 1895dac0be21 1c05d4bb13db f9eaa294e095
    28bf49e9f46d cd809feeea82 b9f1f473fdff c4cbdde3affa 774dbf675ece 70dfdeaa6c67
    7a8422af7a3c c69765d36f1b 81139bdef8e5 fc2c477d5f15 e3c421f5fc75 81505c8a9102
    b281f3e6a8c3 881e0c68a019 8fd11140037c d28023545bf0 2fbfe3deac6d 98fe80e07a9c
    84e616d1ae37 cd7942424a58 018e5ccf54db 03b5c927c3a3 e001d054a633 f098b0c254c1
    caa4481cda21 d2b7f5fa5973 0fa36db3b067 95783e3fe86d efbc25815a92 9c685654c46c
    accac25df5b5 eccfbec25f3d b334254a981f 93d354f9e7bf 88fc275e43c0 ff40676d49c7
    cf8675c6d712 7ca106925e3a dc40e6f84ffb 4cc4fb006e59 0f5774c8f1f3 3505f981a150
    b25b5e1497ce b4e45c49533a bead07ffedd0 3c95c2ba23c1 01f27dc919b2 4a2218258365
    ec5059b5d585 9af2c534f25a 0cbe3e3f7511 a41abdbdbe48 9dd51622e507 36e3ffdcae97
    b12262d44049 9748c3d0c6a5 1d753716f6d9 4c49e311dcda f90f1913cae1 139e9bfa0763
    fc5144e767f6 6edf7f97a769 7933c89a6eb9 2674c02889d6 20ea05fd27be bb2addcf8abf
    852650507f77 383dcfe8b21f 1f0dffa3375b c9c038fb7414 e4a292485b35 0bda65805340
    dd2a6d3a76ba 589d8ca0cae9 9f5a0ae93fe7 4656f55c190c 7c3d90d04028 254270106fe7
    2b66dbcf828c 9fb9e85b039f 8d285c9d7fd8 8a29429095f4 2af76010870d 9d19a5ce9592
    60f701d726b8 7ee37c85935c fb3fde68091a bdeabaec7fed f0c5ad97f604 324ab3d49eb7
    7ed0619db311 dfb0b24e8e18 bb13fb1ecf8a 4df5c233bc56 c588f93d5c96 678ab23eba2d
    1aef6c96ba84 59d6545ac38b f31997d8d004 7288584eb618 63f6aab50529 5605ae3ec60e
"""
DIGESTS = _DIGEST_TABLE.split()


def test_a_phones_file_is_pinned_byte_for_byte() -> None:
    phone, model, context = _full_phone()
    files = cloudtel_mitel.cloudtel_render_phone(phone=phone, model=model, context=context)
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
