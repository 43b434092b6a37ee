"""Test helpers for people who write phone drivers (and test them like the bundled ones).

Two kinds of test every driver wants, with the family-specific parts passed in:

Pinned output
    :func:`corpus_digests` renders a seeded corpus of random phones
    (:func:`random_phone`: every model, expansion modules, every key kind, hostile
    labels and names, missing accounts and server URLs, values that must be refused)
    and returns a short SHA-256 of each result (:func:`render_digest`). Record the
    digests once; :func:`assert_corpus_unchanged` then fails on any change to the bytes a
    phone receives or to a refusal, and :func:`assert_renders` pins one complete file.

Properties (hypothesis)
    :func:`hostile_text`, :func:`one_line_text` and :func:`layouts` are strategies;
    :func:`assert_round_trip` checks that ``parse(render(phone))`` gives the layout and
    the account back, :func:`parameter_names` lists what a rendered file sets (so a test
    can prove no label added a line or a parameter) and :func:`xml_roots` parses every
    directory file (it fails on XML that is not well-formed).

hypothesis is imported only by the strategies, so this module imports without it.
See ``drivers/mitel/tests`` and ``drivers/yealink/tests`` for complete uses, and
``docs/writing-a-driver.md``.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING
from xml.etree import ElementTree

import attrs

from cloudtel._text import scrub_line
from cloudtel.devices import (
    EmptyKey,
    ExtensionKey,
    Key,
    KeyLayout,
    KeyPosition,
    KeySet,
    LineKey,
    ParsedConfig,
    PhoneContext,
    PhoneModel,
    PhoneNumberKey,
    RenderedFile,
    SipAccount,
    SipPhone,
    Transport,
)
from cloudtel.errors import CloudtelError

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

__all__ = [
    "CORPUS_SEED",
    "HOSTILE_LABELS",
    "RenderPhone",
    "assert_corpus_unchanged",
    "assert_renders",
    "assert_round_trip",
    "corpus_digests",
    "full_phone",
    "hostile_text",
    "layouts",
    "normalised",
    "one_line_text",
    "parameter_names",
    "random_phone",
    "render_digest",
    "with_programmable_keys",
    "xml_roots",
]

RenderPhone = Callable[..., Sequence[RenderedFile] | None]
"""A driver's ``cloudtel_render_phone`` hook, called with ``phone=``, ``model=``, ``context=``."""

CORPUS_SEED = 20260601
"""The seed of the bundled drivers' pinned corpora."""

HOSTILE_LABELS: tuple[str, ...] = (
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
    "line\tsep",
    "x" * 60,
    "long label with many words that go past the forty character limit",
    "ß→∞ 日本語",
    "\u00a0nbsp\u00a0",
)
"""Labels that break naive renderers: comment and separator characters, quotes, ``%``
tokens, markup, tabs and repeated spaces, combining and invisible characters, long
and non-Latin text (what cloudtel's one-line fields accept; :func:`hostile_text` has
the rest)."""

_NAMES = ("Adel Al Koubaisy", "", "  Spaced  Name ", 'Q"uote #1', "Zoë %x%", "y" * 45)
_USERS = (
    "adel@orange.be",
    "bert.de.smet@orange.be",
    "zoe@orange.be",
    "x%y%@orange.be",
    "nobody@orange.be",
)
_DESCRIPTIONS = ("", "desk 1", "reception # 2", 'the "big" one', "   ", "Lâst \t room")
_NUMBERS = ("+3212341234", "+3292470680", "+32475123456", "+31201234567", "+14155550100")
_PASSWORDS = ("pw-1-x", "s3cr=t:x", "P4ss-word_9")
_BAD_PASSWORDS = ("p#ss", "%pw%", "with space", "Ünï", 'q"t')
_REGISTRARS = ("sip.orange.be", "10.0.0.1", "[2001:db8::1]", "bad host")
_URLS = ("", "http://prov.example/orange/", "tftp://10.0.0.9/")
_BAD_URLS = ("http://h/a b/", "http://h/#x/", "%http://h/")
_BAD_USERS = ("a#b@orange.be", "%a@orange.be%", 'q"x@orange.be')
_PROPERTY_NUMBERS = ("+3212341234", "+3292470680", "+32475123456", "+31201234567")


# ---------------------------------------------------------------------------
# Pinned output
# ---------------------------------------------------------------------------


def with_programmable_keys(model: PhoneModel, count: int = 6) -> PhoneModel:
    """The model with ``count`` programmable keys (named ``<name>-P``), so that set is rendered.

    Args:
        model: A model of the driver.
        count: Programmable keys.

    Returns:
        A copy with ``programmable_keys=count``.
    """
    return PhoneModel(
        family=model.family,
        name=model.name + "-P",
        line_keys=model.line_keys,
        programmable_keys=count,
        expansion_modules=model.expansion_modules,
        expansion_keys=model.expansion_keys,
        expansion_module=model.expansion_module,
        max_accounts=model.max_accounts,
        sources=model.sources,
    )


def _random_key(rng: random.Random) -> Key:
    kind = rng.randrange(4)
    if kind == 0:
        return LineKey(account=rng.randint(1, 2))
    if kind == 1:
        return ExtensionKey(username=rng.choice(_USERS if rng.random() < 0.99 else _BAD_USERS))
    if kind == 2:
        return PhoneNumberKey(label=rng.choice(HOSTILE_LABELS), number=rng.choice(_NUMBERS))
    return EmptyKey()


def random_phone(
    rng: random.Random, models: Sequence[PhoneModel], n: int
) -> tuple[SipPhone, PhoneModel, PhoneContext]:
    """One random case of a corpus: a phone, its model and its context.

    A fifth of the models get programmable keys; the phone has 0, 1, 3, 20 or all of
    its keys (module keys less often), of every kind, with :data:`HOSTILE_LABELS`;
    most phones have an account (a few with a password or registrar that must be
    refused), colleague names and a server URL (a few that must be refused).

    Args:
        rng: The generator (seed it: the corpus must be the same on every run).
        models: The driver's models.
        n: The case number; it makes the MAC.

    Returns:
        ``(phone, model, context)``.
    """
    model = rng.choice(models)
    if rng.random() < 0.2:
        model = with_programmable_keys(model)
    modules = rng.randint(0, model.expansion_modules)
    positions = [
        p for p in model.positions(modules) if p.set is not KeySet.EXPANSION or rng.random() < 0.3
    ]
    count = rng.choice([0, 1, 3, 20, len(positions)])
    keys: list[tuple[KeyPosition, Key]] = [
        (p, _random_key(rng)) for p in rng.sample(positions, min(count, len(positions)))
    ]
    phone = SipPhone(
        mac=f"{0x0800_0FBB_0000 + n:012x}",
        family=model.family,
        model=model.name,
        description=rng.choice(_DESCRIPTIONS),
        expansion_modules=modules,
        layout=KeyLayout(keys),
    )
    accounts = []
    if rng.random() < 0.85:
        ok = rng.random() < 0.95
        accounts.append(
            SipAccount(
                username=rng.choice(["steven", "u.1001", "a%b"]),
                password=rng.choice(_PASSWORDS if ok else _BAD_PASSWORDS),
                display_name=rng.choice(_NAMES + HOSTILE_LABELS),
                registrar=rng.choice(_REGISTRARS[:3]) if ok else rng.choice(_REGISTRARS),
                auth_name=rng.choice(["", "", "auth.1001"]),
                port=rng.choice([5060, 5061]),
                transport=rng.choice(list(Transport)),
            )
        )
    names = {u: rng.choice(_NAMES) for u in _USERS[:3] if rng.random() < 0.8}
    url = rng.choice(_URLS if rng.random() < 0.97 else _BAD_URLS)
    return phone, model, PhoneContext(accounts=accounts, names=names, server_url=url)


def render_digest(
    render: RenderPhone, phone: SipPhone, model: PhoneModel, context: PhoneContext
) -> str:
    """A short SHA-256 of what a driver renders for a phone, or of the error it raises.

    Args:
        render: The driver's ``cloudtel_render_phone``.
        phone: The phone.
        model: Its model.
        context: Its context.

    Returns:
        12 hex digits over every file's path and content, or over the error's class
        and message.
    """
    try:
        files = render(phone=phone, model=model, context=context)
    except CloudtelError as exc:
        blob = f"error {type(exc).__name__}: {exc.message}".encode()
    else:
        assert files is not None, f"no answer for the {model.title}"  # noqa: S101
        blob = b"".join(f.path.encode() + b"\0" + f.content + b"\0" for f in files)
    return hashlib.sha256(blob).hexdigest()[:12]


def corpus_digests(
    render: RenderPhone, models: Sequence[PhoneModel], cases: int, seed: int = CORPUS_SEED
) -> list[str]:
    """The digest of every case of a seeded corpus, in order.

    Print them once to record them in the driver's golden test.

    Args:
        render: The driver's ``cloudtel_render_phone``.
        models: The driver's models.
        cases: How many phones.
        seed: The corpus's seed.

    Returns:
        One :func:`render_digest` per case.
    """
    rng = random.Random(seed)  # noqa: S311 - a reproducible corpus, not a secret
    return [render_digest(render, *random_phone(rng, models, n)) for n in range(cases)]


def assert_corpus_unchanged(
    render: RenderPhone, models: Sequence[PhoneModel], digests: Sequence[str]
) -> None:
    """Assert that every case of the corpus still renders to its recorded digest.

    Args:
        render: The driver's ``cloudtel_render_phone``.
        models: The driver's models.
        digests: The recorded digests (their number is the number of cases).

    Raises:
        AssertionError: Listing the cases whose output changed.
    """
    changed = [
        n
        for n, (got, want) in enumerate(
            zip(corpus_digests(render, models, len(digests)), digests, strict=True)
        )
        if got != want
    ]
    assert changed == [], f"cases whose output changed: {changed}"  # noqa: S101


def full_phone(model: PhoneModel, mac: str) -> tuple[SipPhone, PhoneModel, PhoneContext]:
    """A phone with every key kind, a hostile label and description, and a full context.

    ``L1`` a line key, ``L2`` a BLF key on a colleague with a name, ``L3`` one without,
    ``L5`` a speed dial labelled ``Klant "A" # 1<TAB>BV``; account ``steven`` on
    ``sip.orange.be``; server URL ``http://prov.example/orange/``; pickup code ``*8``;
    language ``nl``.

    Args:
        model: A model with at least 5 line keys.
        mac: The phone's MAC.

    Returns:
        ``(phone, model, context)``, to pin with :func:`assert_renders`.
    """
    keys: dict[KeyPosition | str, Key] = {
        "L1": LineKey(),
        "L2": ExtensionKey(username="adel@orange.be"),
        "L3": ExtensionKey(username="nobody@orange.be"),
        "L5": PhoneNumberKey(label='Klant "A" # 1\tBV', number="+3212341234"),
    }
    phone = SipPhone(
        mac=mac,
        family=model.family,
        model=model.name,
        description="reception # 1",
        layout=KeyLayout(keys),
    )
    account = SipAccount(
        username="steven",
        password="s3cr=t:x",  # noqa: S106 - a test phone's password
        display_name="Stéven Lathouwers",
        registrar="sip.orange.be",
    )
    context = PhoneContext(
        accounts=[account],
        names={"adel@orange.be": "Adel Al Koubaisy"},
        server_url="http://prov.example/orange/",
        pickup_code="*8",
        language="nl",
    )
    return phone, model, context


def assert_renders(
    render: RenderPhone,
    case: tuple[SipPhone, PhoneModel, PhoneContext],
    path: str,
    text: str,
) -> None:
    """Assert that a phone renders to exactly one file with this path and text.

    Args:
        render: The driver's ``cloudtel_render_phone``.
        case: ``(phone, model, context)``, e.g. from :func:`full_phone`.
        path: The expected path.
        text: The expected content, decoded.

    Raises:
        AssertionError: When anything differs.
    """
    phone, model, context = case
    files = render(phone=phone, model=model, context=context)
    assert files is not None, f"the driver did not answer for the {model.title}"  # noqa: S101
    assert [f.path for f in files] == [path], [f.path for f in files]  # noqa: S101
    got = files[0].content.decode()
    assert got == text, f"{path} differs:\n{got}"  # noqa: S101


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------


def hostile_text(max_size: int = 80) -> SearchStrategy[str]:
    """Any text, rich in characters that start comments, separate values or end lines.

    Args:
        max_size: Longest text.

    Returns:
        A hypothesis strategy.
    """
    from hypothesis import strategies as st  # noqa: PLC0415 - hypothesis only when used

    return st.text(
        st.characters(codec="utf-8") | st.sampled_from(list('\n\r#:="<&\u2028\x85%')),
        max_size=max_size,
    )


def one_line_text(max_size: int = 80) -> SearchStrategy[str]:
    """:func:`hostile_text` as cloudtel's own single-line values hold it.

    Each character those refuse (control characters but the tab, line and paragraph
    separators, lone surrogates) becomes a space; tabs and the characters that start
    comments or separate values stay: the driver must cope with them.

    Args:
        max_size: Longest text.

    Returns:
        A hypothesis strategy.
    """
    return hostile_text(max_size).map(scrub_line)


def layouts(
    model: PhoneModel,
    modules: int = 1,
    labels: SearchStrategy[str] | None = None,
    max_keys: int = 20,
) -> SearchStrategy[KeyLayout]:
    """Layouts of line keys, BLF keys and speed dials on random positions of a model.

    Args:
        model: The model.
        modules: Expansion modules attached.
        labels: Speed-dial labels (default :func:`one_line_text`).
        max_keys: Most keys.

    Returns:
        A hypothesis strategy.
    """
    from hypothesis import strategies as st  # noqa: PLC0415

    positions = list(model.positions(modules))
    label_text = labels if labels is not None else one_line_text()
    numbers = st.sampled_from(_PROPERTY_NUMBERS)
    # One domain: two users whose names differ only after the "@" would register, and be
    # watched, as the same SIP user (see PhoneContext.sip_user).
    users = st.from_regex(r"[a-z][a-z0-9.\-']{0,15}@orange\.be", fullmatch=True)

    @st.composite
    def build(draw: st.DrawFn) -> KeyLayout:
        chosen = draw(st.lists(st.sampled_from(positions), unique=True, max_size=max_keys))
        keys: list[tuple[KeyPosition, Key]] = []
        for position in chosen:
            kind = draw(st.sampled_from(["line", "blf", "number"]))
            if kind == "line":
                keys.append((position, LineKey(account=draw(st.integers(1, model.max_accounts)))))
            elif kind == "blf":
                keys.append((position, ExtensionKey(username=draw(users))))
            else:
                key = PhoneNumberKey(label=draw(label_text), number=draw(numbers))
                keys.append((position, key))
        return KeyLayout(keys)

    return build()


def normalised(layout: KeyLayout, display_text: Callable[[str], str]) -> KeyLayout:
    """The layout as it reads back: speed-dial labels passed through the display-text rule.

    Args:
        layout: A layout.
        display_text: The driver's display-text function.

    Returns:
        The layout with each :class:`~cloudtel.devices.PhoneNumberKey` label cleaned.
    """
    return KeyLayout(
        [
            (p, PhoneNumberKey(label=display_text(k.label), number=k.number))
            if isinstance(k, PhoneNumberKey)
            else (p, k)
            for p, k in layout.items()
        ]
    )


def assert_round_trip(
    render: RenderPhone,
    parse: Callable[[PhoneModel, str], ParsedConfig],
    display_text: Callable[[str], str],
    case: tuple[SipPhone, PhoneModel, PhoneContext],
) -> None:
    """Assert that ``parse(render(phone))`` gives the layout and account 1 back.

    Labels and the display name come back through ``display_text``; everything else
    exactly (an authentication name equal to the user name reads back as empty). An
    extension key reads back as the SIP user it watches, which
    :meth:`~cloudtel.devices.PhoneContext.resolve_layout` turns back into the username
    (the context is given every username of the layout, as the core gives it every
    user of the organisation).

    Args:
        render: The driver's ``cloudtel_render_phone``.
        parse: The driver's ``parse_config(model, text)``.
        display_text: The driver's display-text function.
        case: ``(phone, model, context)``; the context has one account.

    Raises:
        AssertionError: When anything differs.
    """
    phone, model, context = case
    users = {k.username: "" for _p, k in phone.layout.items() if isinstance(k, ExtensionKey)}
    context = attrs.evolve(context, names={**users, **context.names})
    files = render(phone=phone, model=model, context=context)
    assert files is not None, f"the driver did not answer for the {model.title}"  # noqa: S101
    parsed = parse(model, files[0].content.decode())
    layout = normalised(phone.layout, display_text)
    got = context.resolve_layout(parsed.layout)
    assert got == layout, f"{got!r} != {layout!r}"  # noqa: S101
    account = context.accounts[0]
    expected = attrs.evolve(account, display_name=display_text(account.display_name))
    assert parsed.account == expected, f"{parsed.account!r} != {expected!r}"  # noqa: S101


def parameter_names(text: str, separator: str, comment: str = "#") -> list[str]:
    """What a rendered file sets: the name of every line that is not blank or a comment.

    Compare the result with the exact list the phone should get to prove that no
    label or name added a line or a parameter.

    Args:
        text: The rendered file.
        separator: What separates name and value, e.g. ``": "`` or ``" = "``.
        comment: What starts a comment line.

    Returns:
        The names, in order.

    Raises:
        AssertionError: For a line without ``separator``.
    """
    names = []
    for line in text.splitlines():
        if not line or line.startswith(comment):
            continue
        assert separator in line, f"{line!r} sets nothing"  # noqa: S101
        names.append(line.split(separator, 1)[0])
    return names


def xml_roots(files: Iterable[RenderedFile]) -> list[ElementTree.Element]:
    """Parse every file as XML (a directory, say); fails on XML that is not well-formed.

    Args:
        files: Rendered files.

    Returns:
        Their root elements, in order.

    Raises:
        xml.etree.ElementTree.ParseError: For a file that is not well-formed XML.
    """
    # The driver's own output, parsed in a test: no untrusted XML.
    return [ElementTree.fromstring(f.content) for f in files]  # noqa: S314
