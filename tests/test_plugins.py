"""The plugin facade and the phone-driver hooks.

Tested with the dummy driver distribution (``drivers/dummy``, family ``dummy``) and,
where a driver must misbehave, with test-only drivers.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import subprocess
import sys
import types
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
import pytest

import cloudtel
import cloudtel_dummy
from cloudtel import hookspecs, plugins
from cloudtel.devices import (
    Directory,
    DirectoryEntry,
    DirectoryNumber,
    ExtensionKey,
    KeyLayout,
    LineKey,
    ParsedConfig,
    PhoneContext,
    PhoneModel,
    RenderedFile,
    SipAccount,
    SipPhone,
)
from cloudtel.driverkit import FamilyDriver
from cloudtel.errors import (
    DriverNotFoundError,
    InvalidValueError,
    KeyLayoutError,
    NotFoundError,
    PluginError,
)
from cloudtel.hookspecs import hookimpl
from cloudtel.org import Organization
from cloudtel.provisioning import render_organization

ROOT = Path(__file__).resolve().parents[1]

DUMMY_MODEL = PhoneModel(
    family="dummy",
    name="D1",
    line_keys=4,
    expansion_modules=1,
    expansion_keys=2,
    max_accounts=2,
    sources={
        "line_keys": "test",
        "programmable_keys": "test",
        "expansion_modules": "test",
        "expansion_keys": "test",
        "max_accounts": "test",
    },
)


class DummyDriver:
    """A test-only driver that also claims the family "dummy" (subclassed to misbehave)."""

    @hookimpl
    def cloudtel_phone_models(self) -> Sequence[PhoneModel]:
        return (DUMMY_MODEL,)

    @hookimpl
    def cloudtel_render_phone(
        self, phone: SipPhone, model: PhoneModel, context: PhoneContext
    ) -> Sequence[RenderedFile] | None:
        if model.family != "dummy":
            return None
        user = context.accounts[0].username if context.accounts else "-"
        lines = [f"account {user}"] + [f"{p} {k!r}" for p, k in phone.layout.items()]
        return (RenderedFile(path=f"{phone.mac.hex}.txt", content="\n".join(lines).encode()),)

    @hookimpl
    def cloudtel_render_directory(
        self, phone: SipPhone, model: PhoneModel, directory: Directory, context: PhoneContext
    ) -> Sequence[RenderedFile] | None:
        if model.family != "dummy":
            return None
        text = "\n".join(e.name for e in directory.entries)
        return (RenderedFile(path=f"{phone.mac.hex}-dir.txt", content=text.encode()),)

    @hookimpl
    def cloudtel_parse_config(self, model: PhoneModel, text: str) -> ParsedConfig | None:
        if model.family != "dummy":
            return None
        user = text.splitlines()[0].split()[1]
        account = SipAccount(username=user, password="x", registrar="example.org")
        return ParsedConfig(account=account, layout=KeyLayout())


@pytest.fixture
def no_entry_points(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A plugin manager that finds no installed plugin."""
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda **_kw: [])
    plugins.reset_plugin_manager()
    yield
    plugins.reset_plugin_manager()


@pytest.fixture
def dummy(no_entry_points: None) -> object:
    """The dummy driver, registered as the only plugin."""
    plugins.register(cloudtel_dummy.DRIVER, name="dummy")
    return cloudtel_dummy.DRIVER


def _phone(**changes: object) -> SipPhone:
    fields: dict[str, object] = {"mac": "08:00:0f:bb:ad:78", "family": "dummy", "model": "D1"}
    fields.update(changes)
    return SipPhone(**fields)  # type: ignore[arg-type]


CONTEXT = PhoneContext(
    accounts=[SipAccount(username="steven", password="pw", registrar="sip.example.org")]
)


def test_hook_cloudtel_phone_models(dummy: object) -> None:
    assert plugins.phone_models() == cloudtel_dummy.MODELS
    assert plugins.phone_families() == ("dummy",)
    assert plugins.find_model("dummy", "d1") is cloudtel_dummy.D1
    with pytest.raises(NotFoundError, match="dummy driver has no model 'X9'; it knows D1, D2"):
        plugins.find_model("dummy", "X9")


def test_hook_cloudtel_render_phone(dummy: object) -> None:
    layout = KeyLayout({"L1": LineKey(), "E1.2": ExtensionKey(username="a@b.be")})
    phone = _phone(layout=layout, expansion_modules=1)
    files = plugins.driver_for(phone).render_phone(phone, CONTEXT)
    assert [f.path for f in files] == ["08000fbbad78.txt"]
    lines = files[0].content.decode().splitlines()
    assert lines[1] == "account: steven"
    assert lines[-6:] == [
        "L1: line 1",
        "L2: empty",
        "L3: empty",
        "L4: empty",
        "E1.1: empty",
        "E1.2: extension a@b.be a",
    ]
    with pytest.raises(KeyLayoutError, match=r"E1.2 .*module the phone does not have"):
        plugins.driver_for(phone).render_phone(_phone(layout=layout), CONTEXT)


def test_hook_cloudtel_render_phones(dummy: object) -> None:
    phones = [_phone(mac=f"08000fbbad7{n}", layout=KeyLayout({"L1": LineKey()})) for n in range(3)]
    phones[1] = _phone(mac="08000fbbad71", layout=KeyLayout({"L5": LineKey()}))  # 4 line keys
    bad = SipAccount(username="steven", password="two\tparts", registrar="sip.orange.be")
    contexts = [CONTEXT, CONTEXT, attrs.evolve(CONTEXT, accounts=(bad,))]
    driver = plugins.get_driver("dummy")
    pm = plugins.get_plugin_manager()
    calls: list[tuple[str, object]] = []
    undo = pm.add_hookcall_monitoring(
        lambda name, _impls, kwargs: calls.append((name, kwargs.get("phones"))),
        lambda *_args: None,
    )
    try:
        results = driver.render_phones(phones, contexts)
    finally:
        undo()
    # One hook call for the batch; the phone whose layout does not fit is left out of it.
    assert calls == [("cloudtel_render_phones", [phones[0], phones[2]])]
    first, second, third = results
    assert first == driver.render_phone(phones[0], CONTEXT)
    assert isinstance(second, KeyLayoutError)
    assert "key L5" in second.message
    with pytest.raises(InvalidValueError) as single:
        driver.render_phone(phones[2], contexts[2])
    assert isinstance(third, InvalidValueError)
    assert third.message == single.value.message


def test_render_phones_goes_phone_by_phone_for_a_driver_without_the_batch_hook(
    dummy: object,
) -> None:
    class Single:
        @hookimpl(tryfirst=True)
        def cloudtel_render_phone(
            self, phone: SipPhone, model: PhoneModel, context: PhoneContext
        ) -> Sequence[RenderedFile] | None:
            return (RenderedFile(path=f"{phone.mac.hex}.single", content=b"single"),)

    pm = plugins.get_plugin_manager()
    pm.register(Single(), name="single")
    try:
        results = plugins.get_driver("dummy").render_phones([_phone()], [CONTEXT])
    finally:
        pm.unregister(name="single")
    assert results == [(RenderedFile(path="08000fbbad78.single", content=b"single"),)]


def test_render_phones_refuses_an_answer_that_is_not_one_result_per_phone(
    dummy: object,
) -> None:
    class Short:
        @hookimpl(tryfirst=True)
        def cloudtel_render_phones(
            self, phones: Sequence[SipPhone], model: PhoneModel, contexts: Sequence[PhoneContext]
        ) -> Sequence[object]:
            return []

        @hookimpl
        def cloudtel_render_phone(
            self, phone: SipPhone, model: PhoneModel, context: PhoneContext
        ) -> None:
            return None

    pm = plugins.get_plugin_manager()
    pm.register(Short(), name="short")
    try:
        with pytest.raises(PluginError, match="expected one result per phone"):
            plugins.get_driver("dummy").render_phones([_phone()], [CONTEXT])
    finally:
        pm.unregister(name="short")


def test_render_phone_checks_the_layout_first(dummy: object) -> None:
    phone = _phone(layout=KeyLayout({"L5": LineKey()}))
    with pytest.raises(KeyLayoutError, match=r"08000FBBAD78 \(Dummy D1\): key L5.*4 line"):
        plugins.get_driver("dummy").render_phone(phone, CONTEXT)


def test_hook_cloudtel_render_directory(dummy: object) -> None:
    directory = Directory(
        entries=[DirectoryEntry(name="Adel", numbers=[DirectoryNumber(number="+3227811601")])]
    )
    files = plugins.get_driver("dummy").render_directory(_phone(), directory, CONTEXT)
    assert files[0].content == b"# Directory\nAdel: +3227811601\n"
    # a directory many phones share: no phone, its name names the file
    shared = attrs.evolve(directory, name="directory/dummy-org")
    driver = plugins.get_driver("dummy")
    files = driver.render_shared_directory(cloudtel_dummy.D1, shared, CONTEXT)
    assert [f.path for f in files] == ["directory/dummy-org.txt"]
    assert files[0].content == b"# Directory\nAdel: +3227811601\n"


def test_a_shared_directory_file_outside_its_name_is_refused(dummy: object) -> None:
    class Stray:
        @hookimpl(tryfirst=True)
        def cloudtel_render_directory(self, phone: object, model: PhoneModel) -> object:
            del phone, model
            return (RenderedFile(path="08000fbbad78.txt", content=b""),)

    plugins.register(Stray(), name="stray")
    shared = Directory(name="directory/dummy-org")
    with pytest.raises(PluginError, match="must start with that name"):
        plugins.get_driver("dummy").render_shared_directory(cloudtel_dummy.D1, shared, CONTEXT)


def test_hook_cloudtel_common_files(dummy: object) -> None:
    context = PhoneContext(language="nl", ntp_server="be.pool.ntp.org")
    other = PhoneModel(family="acme", name="A1", line_keys=1, sources=cloudtel_dummy.D1.sources)
    driver = plugins.get_driver("dummy")
    files = driver.common_files([cloudtel_dummy.D2, other, cloudtel_dummy.D1], context)
    assert [f.path for f in files] == ["dummy-common.txt"]
    assert files[0].content == (
        b"# cloudtel dummy: common\nmodels: D2, D1\nlanguage: nl\ntime server: be.pool.ntp.org\n"
    )
    assert driver.common_files([other], context) == ()  # no phone of the family: no file
    assert cloudtel_dummy.DRIVER.cloudtel_common_files(models=[other], context=context) is None


def test_a_driver_without_common_files_writes_none(no_entry_points: None) -> None:
    bare = FamilyDriver(
        "dummy",
        cloudtel_dummy.MODELS,
        render_config=cloudtel_dummy.render_config,
        config_filename=cloudtel_dummy.config_filename,
        render_directory=cloudtel_dummy.render_directory,
        parse_config=cloudtel_dummy.parse_config,
    )
    plugins.register(bare, name="bare")
    assert plugins.get_driver("dummy").common_files(cloudtel_dummy.MODELS, CONTEXT) == ()


def test_hook_cloudtel_parse_config(dummy: object) -> None:
    parsed = plugins.get_driver("dummy").parse_config(cloudtel_dummy.D1, "account: steven\n")
    assert parsed.account is not None
    assert parsed.account.username == "steven"


def test_unknown_family_lists_the_installed_drivers(dummy: object) -> None:
    with pytest.raises(DriverNotFoundError, match=r"'snom' is installed; installed: dummy"):
        plugins.get_driver("snom")
    with pytest.raises(LookupError):  # DriverNotFoundError is a LookupError too
        plugins.driver_for(_phone(family="snom"))


def test_no_driver_installed_says_none(no_entry_points: None) -> None:
    with pytest.raises(DriverNotFoundError, match="installed: none"):
        plugins.get_driver("mitel")


def test_two_plugins_claiming_one_family_is_an_error(dummy: object) -> None:
    plugins.register(DummyDriver(), name="dummy-again")
    with pytest.raises(PluginError, match="claimed by two plugins"):
        plugins.phone_models()


def test_a_driver_that_does_not_answer_is_a_plugin_error(no_entry_points: None) -> None:
    class Mute(DummyDriver):
        @hookimpl
        def cloudtel_render_phone(  # type: ignore[override]
            self, phone: SipPhone, model: PhoneModel, context: PhoneContext
        ) -> None:
            return None

    plugins.register(Mute(), name="mute")
    with pytest.raises(PluginError, match="did not answer cloudtel_render_phone"):
        plugins.get_driver("dummy").render_phone(_phone(), CONTEXT)


def test_drivers_are_discovered_through_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def entry_points(*, group: str) -> list[importlib.metadata.EntryPoint]:
        calls.append(group)
        if group != "cloudtel.drivers":
            return []
        return [importlib.metadata.EntryPoint("dummy", "cloudtel_dummy:DRIVER", group)]

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    plugins.reset_plugin_manager()
    try:
        assert calls == []  # nothing is loaded before first use
        assert plugins.phone_families() == ("dummy",)
        assert calls == ["cloudtel.drivers", "cloudtel.plugins"]
        plugins.phone_families()
        assert len(calls) == 2  # loaded once
    finally:
        plugins.reset_plugin_manager()


def test_a_broken_plugin_is_reported_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    def entry_points(*, group: str) -> list[importlib.metadata.EntryPoint]:
        return [importlib.metadata.EntryPoint("broken", "cloudtel_no_such_module", group)]

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    plugins.reset_plugin_manager()
    try:
        with pytest.raises(PluginError, match=r"plugin 'broken'.*failed to load"):
            plugins.get_plugin_manager()
    finally:
        plugins.reset_plugin_manager()


# --- default plugins, misspelt hooks, the public marker ------------------------------


def test_default_plugins_are_registered_when_the_manager_is_built(no_entry_points: None) -> None:
    names = [name for name, _plugin in plugins.get_plugin_manager().list_name_plugin()]
    assert names == [*plugins.DEFAULT_PLUGINS, plugins.RECORDER_STUB_NAME]
    assert names[:3] == [
        "cloudtel.messaging.outbox",
        "cloudtel.messaging.smtp",
        "cloudtel.messaging.sms",
    ]


def test_importing_cloudtel_builds_no_plugin_manager() -> None:
    code = (
        "import importlib.metadata, cloudtel\n"
        "importlib.metadata.entry_points = None  # any discovery would fail now\n"
        "from cloudtel import plugins\n"
        "assert plugins._manager is None\n"
        "cloudtel.hookimpl\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_hookimpl_is_exported_by_cloudtel() -> None:
    assert cloudtel.hookimpl is hookspecs.hookimpl
    assert "hookimpl" in cloudtel.__all__


class Misspelt(DummyDriver):
    @hookimpl
    def cloudtel_render_phnoe(
        self, phone: SipPhone, model: PhoneModel, context: PhoneContext
    ) -> Sequence[RenderedFile] | None:
        return None


def test_a_misspelt_hook_is_refused_by_register(no_entry_points: None) -> None:
    with pytest.raises(PluginError) as caught:
        plugins.register(Misspelt(), name="typo")
    message = str(caught.value)
    assert "plugin 'typo' implements 'cloudtel_render_phnoe', which is not a cloudtel hook" in (
        message
    )
    assert "did you mean 'cloudtel_render_phone'?" in message
    assert caught.value.context["hook"] == "cloudtel_render_phnoe"
    assert not plugins.get_plugin_manager().has_plugin("typo")
    with pytest.raises(DriverNotFoundError):  # nothing of it stayed registered
        plugins.get_driver("dummy")


def test_a_misspelt_hook_of_an_installed_plugin_is_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    module = types.ModuleType("cloudtel_typo_driver")
    module.driver = Misspelt()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "cloudtel_typo_driver", module)

    def entry_points(*, group: str) -> list[importlib.metadata.EntryPoint]:
        if group != "cloudtel.drivers":
            return []
        return [importlib.metadata.EntryPoint("typo", "cloudtel_typo_driver:driver", group)]

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    plugins.reset_plugin_manager()
    try:
        with pytest.raises(
            PluginError,
            match=r"plugin 'cloudtel.drivers:typo' implements 'cloudtel_render_phnoe'.*"
            r"did you mean 'cloudtel_render_phone'\?",
        ):
            plugins.get_plugin_manager()
    finally:
        plugins.reset_plugin_manager()


def test_installed_services_answer_like_the_facade(dummy: object) -> None:
    model = plugins.INSTALLED.find_model("dummy", "d1")
    assert model is plugins.find_model("dummy", "D1")
    assert model.name == "D1"
    with pytest.raises(NotFoundError, match="dummy driver has no model 'X9'"):
        plugins.INSTALLED.find_model("dummy", "X9")
    with pytest.raises(DriverNotFoundError, match="installed: dummy"):
        plugins.INSTALLED.find_model("snom", "D1")


def _cloudtel_imports(path: Path) -> set[str]:
    """Every cloudtel module a file imports, anywhere in it (TYPE_CHECKING blocks too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            if node.module == "cloudtel":
                names |= {f"cloudtel.{alias.name}" for alias in node.names}
    return {name for name in names if name.startswith("cloudtel.")}


@pytest.mark.parametrize(
    "module",
    ["hookspecs.py", "services.py", "messaging/transport.py", "messaging/message.py", "prompts.py"],
)
def test_the_hookspecs_and_the_domain_do_not_reach_up(module: str) -> None:
    """No import of the organisation, the plugin manager, or messaging above the low modules."""
    low = {"cloudtel.messaging.message", "cloudtel.messaging.transport"}
    above = ("cloudtel.org", "cloudtel.plugins", "cloudtel.messaging", "cloudtel.prompts")
    imported = _cloudtel_imports(ROOT / "src" / "cloudtel" / module) - low
    reaching = sorted(name for name in imported if name.startswith(above))
    assert not reaching, f"{module} imports {reaching}"


class Override:
    """Renders dummy phones differently; registered after the dummy driver, it answers first."""

    @hookimpl
    def cloudtel_render_phone(
        self, phone: SipPhone, model: PhoneModel, context: PhoneContext
    ) -> Sequence[RenderedFile] | None:
        if model.family != "dummy":
            return None
        return (RenderedFile(path=f"{phone.mac.hex}.override", content=b"override"),)


def test_lookups_follow_plugins_registered_on_the_manager_directly(dummy: object) -> None:
    driver = plugins.get_driver("dummy")
    assert plugins.get_driver("dummy") is driver  # looked up once
    pm = plugins.get_plugin_manager()
    pm.register(Override(), name="override")
    try:
        assert plugins.get_driver("dummy").render_phone(_phone(), CONTEXT)[0].content == (
            b"override"
        )
        assert driver.render_phone(_phone(), CONTEXT)[0].content == b"override"
    finally:
        pm.unregister(name="override")
    assert plugins.get_driver("dummy").render_phone(_phone(), CONTEXT)[0].path.endswith(".txt")
    pm.unregister(name="dummy")
    with pytest.raises(DriverNotFoundError, match="installed: none"):
        plugins.get_driver("dummy")
    plugins.register(cloudtel_dummy.DRIVER, name="dummy")
    assert plugins.find_model("dummy", "D1") is cloudtel_dummy.D1


def test_hook_wrappers_and_tracing_still_see_every_render(dummy: object) -> None:
    seen: list[str] = []

    class Wrapper:
        @hookimpl(wrapper=True)
        def cloudtel_render_phone(
            self, phone: SipPhone, model: PhoneModel, context: PhoneContext
        ) -> object:
            seen.append(phone.name)
            return (yield)

    pm = plugins.get_plugin_manager()
    pm.register(Wrapper(), name="wrapper")
    try:
        files = plugins.get_driver("dummy").render_phone(_phone(), CONTEXT)
    finally:
        pm.unregister(name="wrapper")
    assert files[0].path == "08000fbbad78.txt"
    assert seen == ["08000FBBAD78"]
    traced: list[str] = []
    undo = pm.add_hookcall_monitoring(
        lambda name, _impls, _kwargs: traced.append(name), lambda *_args: None
    )
    try:
        plugins.get_driver("dummy").render_phone(_phone(), CONTEXT)
    finally:
        undo()
    assert traced == ["cloudtel_render_phone"]


def test_tracing_sees_every_phone_an_organisation_renders(dummy: object) -> None:
    """Provisioning renders in batches: every phone is in one traced call's arguments."""
    org = Organization(name="Trace", domain="trace.example")
    org.phones.phones = tuple(_phone(mac=f"0800{n:08x}") for n in range(600))
    pm = plugins.get_plugin_manager()
    traced: list[str] = []

    def monitor(name: str, _impls: object, kwargs: dict[str, Any]) -> None:
        if name == "cloudtel_render_phones":
            traced.extend(phone.name for phone in kwargs["phones"])
        elif name == "cloudtel_render_phone":
            traced.append(kwargs["phone"].name)

    undo = pm.add_hookcall_monitoring(monitor, lambda *_args: None)
    try:
        batched = render_organization(org)
    finally:
        undo()
    assert sorted(traced) == sorted(phone.name for phone in org.phones)

    seen: list[str] = []

    class Wrapper:  # wraps the single hook only: the core then renders phone by phone
        @hookimpl(wrapper=True)
        def cloudtel_render_phone(
            self, phone: SipPhone, model: PhoneModel, context: PhoneContext
        ) -> object:
            seen.append(phone.name)
            return (yield)

    pm.register(Wrapper(), name="wrapper")
    try:
        wrapped = render_organization(org)
    finally:
        pm.unregister(name="wrapper")
    assert seen == [phone.name for phone in org.phones]
    assert wrapped == batched


# --- every hook is documented and tested -------------------------------------------


def _hook_names() -> list[str]:
    return sorted(
        name
        for name in dir(hookspecs)
        if name.startswith("cloudtel_") and callable(getattr(hookspecs, name))
    )


def test_every_hook_is_documented_in_hooks_md() -> None:
    text = (ROOT / "docs" / "hooks.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#+ `?(cloudtel_\w+)", text, flags=re.MULTILINE))
    missing = [name for name in _hook_names() if name not in documented]
    assert not missing, f"hooks without a section in docs/hooks.md: {missing}"


def test_every_hook_has_a_test_named_after_it() -> None:
    sources = [*ROOT.glob("tests/**/test_*.py"), *ROOT.glob("drivers/*/tests/**/test_*.py")]
    text = "\n".join(path.read_text(encoding="utf-8") for path in sources)
    missing = [name for name in _hook_names() if f"def test_hook_{name}(" not in text]
    assert not missing, f"hooks without a test_hook_<name> test: {missing}"
    assert _hook_names(), "no hooks found"
