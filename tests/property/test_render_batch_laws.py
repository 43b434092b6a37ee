"""Rendering phones in batches gives exactly what rendering them one by one gives.

Provisioning renders an organisation's phones through ``cloudtel_render_phones``, one
hook call per model and batch, and the bundled drivers remember within a batch what
phones share (a colleague's escaped label and checked SIP user, the checked
registrar, directory URL, phonebook lines and pickup code). The plain path is one
``cloudtel_render_phone`` call per phone, which the core takes whenever a plugin wraps
that hook. These laws compare the two, byte for byte and error for error, over
generated organisations, phones, keys, passwords and settings: bad values included,
so that a value that fails its check is never remembered as good for the next phone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.strategies import line_texts, organizations, phone_numbers

import cloudtel_mitel
import cloudtel_yealink
from cloudtel import Organization, hookimpl
from cloudtel.devices import (
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
)
from cloudtel.errors import CloudtelError
from cloudtel.plugins import find_model, get_plugin_manager
from cloudtel.provisioning import (
    PhoneFiles,
    ProvisioningSettings,
    render_organization,
    render_phone,
)

MODELS = (
    ("mitel", "6920"),
    ("mitel", "6940"),
    ("mitel", "6970"),
    ("yealink", "T54W"),
    ("yealink", "T42U"),
    ("yealink", "T33G"),
    ("dummy", "D2"),
)

# Passwords each driver takes, and ones a driver refuses (a space, a '#', 21 characters).
PASSWORDS = st.sampled_from(
    ("pw-1-x", "S3cret!", "a" * 20, "a" * 21, "with space", "hash#tag", "%NULL%", "")
)
LABELS = line_texts(12) | st.sampled_from(("Speed & Co", '#1 "boss"', "%NULL%", "  ", "Lâst"))


class _OneByOne:
    """Wraps ``cloudtel_render_phone``: the core then renders phone after phone."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    @hookimpl(wrapper=True)
    def cloudtel_render_phone(
        self, phone: SipPhone, model: PhoneModel, context: PhoneContext
    ) -> object:
        self.seen.append(phone.name)
        return (yield)


@contextmanager
def one_by_one() -> Iterator[_OneByOne]:
    wrapper = _OneByOne()
    pm = get_plugin_manager()
    pm.register(wrapper, name="one-by-one")
    try:
        yield wrapper
    finally:
        pm.unregister(name="one-by-one")


@st.composite
def _keys(draw: st.DrawFn, users: list[str]) -> KeyLayout:
    keys: list[tuple[KeyPosition, Key]] = []
    for index in draw(st.lists(st.integers(1, 9) | st.just(11), unique=True, max_size=6)):
        kind = draw(st.sampled_from(("line", "extension", "number")))
        key: Key
        if kind == "line":
            key = LineKey(account=draw(st.sampled_from((1, 1, 2, 5))))
        elif kind == "extension":
            # A colleague, someone unknown, or a SIP user no phone can watch.
            key = ExtensionKey(
                username=draw(st.sampled_from([*users, "ghost@nowhere.example", "per%cent%@x.be"]))
            )
        else:
            key = PhoneNumberKey(label=draw(LABELS), number=draw(phone_numbers()))
        keys.append((KeyPosition(set=KeySet.LINE, index=index), key))
    if draw(st.integers(0, 5)) == 0:  # a key of an expansion module (attached or not)
        keys.append(
            (
                KeyPosition(set=KeySet.EXPANSION, module=draw(st.integers(1, 2)), index=3),
                LineKey(account=1),
            )
        )
    return KeyLayout(keys)


@st.composite
def provisioned(draw: st.DrawFn) -> tuple[Organization, ProvisioningSettings]:
    org = draw(organizations(max_users=6))
    users = [user.username for user in org.users]
    phones = []
    for n in range(draw(st.integers(0, 9))):
        family, model = draw(st.sampled_from(MODELS))
        phones.append(
            SipPhone(
                mac=f"{0x080000000000 + n:012x}",
                family=family,
                model=model,
                description=draw(line_texts(10)),
                user=draw(st.sampled_from([None, "nobody@nowhere.example", *users])),
                expansion_modules=draw(st.sampled_from((0, 0, 0, 1))),
                layout=draw(_keys(users)),
            )
        )
    org.phones.phones = tuple(phones)
    passwords = {user: draw(PASSWORDS) for user in users if draw(st.booleans())}
    return org, ProvisioningSettings(
        sip_passwords={user: pw for user, pw in passwords.items() if pw},
        server_url=draw(st.sampled_from(("", "http://prov.example/"))),
        pickup_code=draw(st.sampled_from(("", "*8"))),
        registrar=draw(st.sampled_from(("", "sip.example.net"))),
        directories=draw(st.booleans()),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(provisioned())
def test_a_batch_renders_what_phone_after_phone_renders(
    case: tuple[Organization, ProvisioningSettings],
) -> None:
    org, prov = case
    batched = render_organization(org, prov)
    with one_by_one() as wrapper:
        plain = render_organization(org, prov)
    assert batched == plain  # files (paths and bytes), warnings, accounts, shared, errors
    # The wrapper saw every phone that got as far as its driver.
    assert set(wrapper.seen) <= {phone.name for phone in org.phones}
    for result in batched:
        if result.error:
            continue
        try:
            alone = render_phone(org, result.phone, prov)
        except CloudtelError as exc:  # a file shared with another phone: not a per-phone error
            raise AssertionError(f"{result.phone.name} rendered in a batch only: {exc}") from exc
        assert alone.files[0] == result.files[0]


def _context(
    account: SipAccount | None, names: dict[str, str], sip_users: dict[str, str]
) -> PhoneContext:
    return PhoneContext(
        accounts=() if account is None else (account,),
        names=names,
        sip_users=sip_users,
        server_url="http://prov.example/",
        pickup_code="*8",
    )


@settings(max_examples=80, deadline=None)
@given(
    st.data(),
    st.sampled_from(
        [
            (cloudtel_mitel, ("6920", "6940", "6970")),
            (cloudtel_yealink, ("T54W", "T42U", "T33G")),
        ]
    ),
)
def test_a_drivers_batch_texts_and_errors_are_its_single_renders(
    data: st.DataObject, driver: tuple[object, tuple[str, ...]]
) -> None:
    module, names_of_models = driver
    model = find_model(module.FAMILY, data.draw(st.sampled_from(names_of_models)))  # type: ignore[attr-defined]
    users = ["ann@x.be", "bob@x.be", "eve@x.be"]
    # Display names and SIP users, some of which no phone can carry; the contexts of a
    # batch share them (as provisioning's do) or not.
    shared_names = {u: data.draw(LABELS) for u in users}
    shared_sip = {u: data.draw(st.sampled_from(("ann", "b ob", "%x%", "eve"))) for u in users}
    phones, contexts = [], []
    for n in range(data.draw(st.integers(1, 6))):
        own = data.draw(st.booleans())
        names = dict(shared_names) if own else shared_names
        sip_users = dict(shared_sip) if own else shared_sip
        password = data.draw(PASSWORDS)
        account = (
            SipAccount(username="ann", password=password, registrar="sip.example.net")
            if password
            else None
        )
        phones.append(
            SipPhone(
                mac=f"{0x080000000100 + n:012x}",
                family=model.family,
                model=model.name,
                layout=KeyLayout(
                    [
                        (KeyPosition(set=KeySet.LINE, index=i + 1), ExtensionKey(username=u))
                        for i, u in enumerate(
                            data.draw(st.lists(st.sampled_from(users), max_size=3))
                        )
                    ]
                ),
            )
        )
        contexts.append(_context(account, names, sip_users))
    batch = module.render_configs(phones, model, contexts)  # type: ignore[attr-defined]
    assert len(batch) == len(phones)
    single = [
        _single(module, phone, model, context)
        for phone, context in zip(phones, contexts, strict=True)
    ]
    assert [_outcome(got) for got in batch] == single


def _outcome(result: object) -> tuple[str, str]:
    if isinstance(result, CloudtelError):
        return "error", result.message
    assert isinstance(result, str)
    return "text", result


def _single(
    module: object, phone: SipPhone, model: PhoneModel, context: PhoneContext
) -> tuple[str, str]:
    try:
        return "text", module.render_config(phone, model, context)  # type: ignore[attr-defined]
    except CloudtelError as exc:
        return "error", exc.message


def test_batches_of_the_dummy_driver_render_what_phone_after_phone_renders() -> None:
    phones = [
        SipPhone(mac=f"{0x080000000200 + n:012x}", family="dummy", model="D1") for n in range(3)
    ]
    org = Organization(name="Batch", domain="batch.example")
    org.phones.phones = tuple(phones)
    results: list[PhoneFiles] = list(
        render_organization(org, ProvisioningSettings(directories=False))
    )
    with one_by_one():
        plain = list(render_organization(org, ProvisioningSettings(directories=False)))
    assert results == plain
    assert [r.files[0].path for r in results] == [f"{p.mac.hex}.txt" for p in phones]
