"""The plugin room: the plugin manager behind a small typed facade; plugins load on first use.

Nothing loads at import: the first call that needs a plugin builds the manager. Building
it registers cloudtel's own default plugins first (:data:`DEFAULT_PLUGINS`: the built-in
message transports, and a prompt-recorder stub that says no telephony backend is
installed), then the plugins found through the entry-point groups
:data:`ENTRY_POINT_GROUPS` (``cloudtel.drivers`` for phone drivers, ``cloudtel.plugins``
for the rest). A hook implementation whose name is not a hook of
:mod:`cloudtel.hookspecs` (a misspelt ``cloudtel_render_phnoe``) is a
:class:`~cloudtel.errors.PluginError` naming the plugin and the closest hook, both
then and in :func:`register`.

The domain never imports this module: an organisation asks its
:class:`~cloudtel.services.PluginServices` (``org.services``), by default
:data:`INSTALLED`, which answers from the installed plugins.

Phone drivers::

    from cloudtel.plugins import driver_for, find_model
    model = find_model("mitel", "6940")
    files = driver_for(model).render_phone(phone, context)

The models and drivers are looked up once and kept until the registered plugins change
(:func:`register`, :func:`reset_plugin_manager`, or registering/unregistering on the
manager directly); rendering thousands of phones asks the hooks nothing but to render.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import importlib
import importlib.metadata
import sys
import threading
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import attrs
import pluggy

from cloudtel import hookspecs
from cloudtel.devices import (
    Directory,
    ParsedConfig,
    PhoneContext,
    PhoneModel,
    RenderedFile,
    SipPhone,
    check_layout,
)
from cloudtel.errors import CloudtelError, DriverNotFoundError, NotFoundError, PluginError
from cloudtel.hookspecs import hookimpl
from cloudtel.services import RecordingRequest

__all__ = [
    "DEFAULT_PLUGINS",
    "ENTRY_POINT_GROUPS",
    "INSTALLED",
    "InstalledPlugins",
    "PhoneDriver",
    "driver_for",
    "find_model",
    "get_driver",
    "get_plugin_manager",
    "phone_families",
    "phone_models",
    "record_prompt",
    "register",
    "render_fingerprint",
    "reset_plugin_manager",
]

ENTRY_POINT_GROUPS = ("cloudtel.drivers", "cloudtel.plugins")
"""Entry-point groups searched for plugins, in this order."""

DEFAULT_PLUGINS: Final = (
    "cloudtel.messaging.outbox",
    "cloudtel.messaging.smtp",
    "cloudtel.messaging.sms",
)
"""cloudtel's own plugin modules, registered (under their module name) when the manager
is built, before the installed plugins; the prompt-recorder stub is registered with them
as ``cloudtel.plugins:prompt-recorder-stub``."""

RECORDER_STUB_NAME: Final = "cloudtel.plugins:prompt-recorder-stub"
"""The name the prompt-recorder stub is registered under."""

_lock = threading.Lock()
_manager: pluggy.PluginManager | None = None


class _Cache:
    """Phone models, drivers and hook implementations for one set of registered plugins."""

    def __init__(self, pm: pluggy.PluginManager, state: list[tuple[str, object]]) -> None:
        self.pm = pm
        self.state = state
        self.models: tuple[PhoneModel, ...] | None = None
        self.drivers: dict[str, PhoneDriver] = {}

    def valid_for(self, pm: pluggy.PluginManager, state: list[tuple[str, object]]) -> bool:
        return pm is self.pm and state == self.state


_cache: _Cache | None = None


def _current_cache() -> _Cache:
    """The cache for the plugins registered now (a new one when they changed)."""
    global _cache  # noqa: PLW0603 - one cache per process, rebuilt when plugins change
    pm = get_plugin_manager()
    state = pm.list_name_plugin()
    cache = _cache
    if cache is None or not cache.valid_for(pm, state):
        cache = _cache = _Cache(pm, state)
    return cache


def _forget_cache() -> None:
    global _cache  # noqa: PLW0603
    _cache = None


def _register_defaults(pm: pluggy.PluginManager) -> None:
    for module_name in DEFAULT_PLUGINS:
        # Imported by name when the manager is built, not at the top of this module: the
        # transport modules import the messaging package, which imports the organisation,
        # which imports this module.
        pm.register(importlib.import_module(module_name), name=module_name)
    pm.register(_PromptRecorderStub(pm), name=RECORDER_STUB_NAME)


def _check_pending(pm: pluggy.PluginManager) -> None:
    """Refuse a hook implementation whose name is no hook (it would never be called).

    Raises:
        PluginError: Naming the plugin, the unknown hook and the closest real hook.
    """
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        plugin = pm.get_name(exc.plugin) or repr(exc.plugin)
        callers = {name: caller for name, caller in vars(pm.hook).items() if name[0] != "_"}
        known = sorted(name for name, caller in callers.items() if caller.has_spec())
        unknown = next(
            (
                name
                for name, caller in callers.items()
                if not caller.has_spec()
                and any(impl.plugin is exc.plugin for impl in caller.get_hookimpls())
            ),
            "?",
        )
        close = difflib.get_close_matches(unknown, known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise PluginError(
            f"plugin {plugin!r} implements {unknown!r}, which is not a cloudtel hook; "
            f"{hint}hooks are: {', '.join(known)}",
            plugin=plugin,
            hook=unknown,
        ) from exc


def _load_entry_points(pm: pluggy.PluginManager) -> None:
    for group in ENTRY_POINT_GROUPS:
        for entry_point in importlib.metadata.entry_points(group=group):
            name = f"{group}:{entry_point.name}"
            if pm.has_plugin(name):
                continue
            try:
                plugin = entry_point.load()
            except Exception as exc:
                raise PluginError(
                    f"plugin {entry_point.name!r} (entry point {entry_point.value!r} in group "
                    f"{group}) failed to load: {exc}",
                    plugin=entry_point.name,
                    group=group,
                ) from exc
            pm.register(plugin, name=name)


def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager, built (and entry points loaded) on first use.

    Returns:
        The manager, with every hookspec of :mod:`cloudtel.hookspecs` added, the default
        plugins and the installed ones registered.

    Raises:
        PluginError: When an installed plugin fails to import, or implements a hook that
            does not exist.
    """
    global _manager  # noqa: PLW0603 - one lazily built manager per process
    manager = _manager
    if manager is not None:
        return manager
    with _lock:
        if _manager is None:
            pm = pluggy.PluginManager(hookspecs.PROJECT)
            pm.add_hookspecs(hookspecs)
            _register_defaults(pm)
            _load_entry_points(pm)
            _check_pending(pm)
            _manager = pm
        return _manager


def reset_plugin_manager() -> None:
    """Forget the manager; the next use discovers the plugins again (for tests)."""
    global _manager  # noqa: PLW0603
    with _lock:
        _manager = None
    _forget_cache()


def register(plugin: object, name: str | None = None) -> None:
    """Register a plugin object or module by hand (e.g. a test driver).

    Args:
        plugin: A module or object with ``@hookimpl`` functions.
        name: Its name; defaults to pluggy's choice.

    Raises:
        PluginError: When it implements a hook that does not exist (e.g. a misspelt
            ``cloudtel_render_phnoe``); it is then not registered.
    """
    pm = get_plugin_manager()
    registered = pm.register(plugin, name=name)
    _forget_cache()
    try:
        _check_pending(pm)
    except PluginError:
        pm.unregister(name=registered)
        raise


def _first_answer(hook_name: str, **kwargs: object) -> object:
    """Call a ``firstresult`` hook through pluggy: the first answer that is not ``None``."""
    hook: Any = get_plugin_manager().hook
    return getattr(hook, hook_name)(**kwargs)


def _batches_allowed() -> bool:
    """Whether every plugin implementing or wrapping ``cloudtel_render_phone`` renders batches.

    Otherwise a plugin that changes or watches single renders (an override, a wrapper)
    would not see the phones of a batch, so they go one by one.
    """
    hook: Any = get_plugin_manager().hook
    single = {id(impl.plugin) for impl in hook.cloudtel_render_phone.get_hookimpls()}
    batch = {id(impl.plugin) for impl in hook.cloudtel_render_phones.get_hookimpls()}
    return single <= batch


# ---------------------------------------------------------------------------
# Phone drivers
# ---------------------------------------------------------------------------


def phone_models() -> tuple[PhoneModel, ...]:
    """Every model of every installed driver, by family and name.

    Returns:
        The models.

    Raises:
        PluginError: When two drivers claim the same family, or a model is listed twice.
    """
    cache = _current_cache()
    if cache.models is None:
        cache.models = _collect_models(cache.pm)
    return cache.models


def _collect_models(pm: pluggy.PluginManager) -> tuple[PhoneModel, ...]:
    hook: Any = pm.hook
    seen: dict[tuple[str, str], PhoneModel] = {}
    owners: dict[str, str] = {}
    for impl in hook.cloudtel_phone_models.get_hookimpls():
        for model in impl.function():
            if not isinstance(model, PhoneModel):
                raise PluginError(
                    f"plugin {impl.plugin_name!r} listed {model!r} as a phone model; "
                    "expected a PhoneModel",
                    plugin=impl.plugin_name,
                    value=model,
                )
            owner = owners.setdefault(model.family, impl.plugin_name)
            if owner != impl.plugin_name:
                raise PluginError(
                    f"phone family {model.family!r} is claimed by two plugins: {owner!r} and "
                    f"{impl.plugin_name!r}; uninstall one",
                    family=model.family,
                    plugins=(owner, impl.plugin_name),
                )
            if (model.family, model.name) in seen:
                raise PluginError(
                    f"plugin {impl.plugin_name!r} lists phone model {model.title} twice",
                    family=model.family,
                    model=model.name,
                )
            seen[(model.family, model.name)] = model
    return tuple(sorted(seen.values(), key=lambda m: (m.family, m.name)))


def phone_families() -> tuple[str, ...]:
    """The families of the installed drivers, sorted.

    Returns:
        E.g. ``("mitel", "yealink")``.
    """
    return tuple(sorted({model.family for model in phone_models()}))


def _installed_families() -> str:
    families = phone_families()
    return ", ".join(families) if families else "none"


def find_model(family: str, name: str) -> PhoneModel:
    """The model ``name`` of ``family``.

    Args:
        family: E.g. ``"mitel"``.
        name: E.g. ``"6940"`` (case-insensitive).

    Returns:
        The model.

    Raises:
        DriverNotFoundError: When no installed driver handles ``family``.
        NotFoundError: When the driver has no such model (the message lists its models).
    """
    return get_driver(family).model(name)


@attrs.frozen
class PhoneDriver:
    """The installed driver of one phone family (a typed view on the hooks).

    Args:
        family (str): The family, e.g. ``"mitel"``.
        models (tuple[PhoneModel, ...]): Its models.
    """

    family: str
    models: tuple[PhoneModel, ...]
    _by_name: dict[str, PhoneModel] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        by_name = {model.name.lower(): model for model in reversed(self.models)}
        object.__setattr__(self, "_by_name", by_name)

    def model(self, name: str) -> PhoneModel:
        """The model called ``name`` (case-insensitive).

        Raises:
            NotFoundError: When the driver has no such model.
        """
        model = self._by_name.get(name.lower())
        if model is not None:
            return model
        known = ", ".join(model.name for model in self.models)
        raise NotFoundError(
            f"the {self.family} driver has no model {name!r}; it knows {known}",
            family=self.family,
            model=name,
        )

    def _check(self, model: PhoneModel) -> None:
        if model.family != self.family:
            raise DriverNotFoundError(
                f"the {self.family} driver cannot handle a {model.title}",
                family=model.family,
            )

    def render_phone(self, phone: SipPhone, context: PhoneContext) -> tuple[RenderedFile, ...]:
        """Check the phone's layout against its model and render its configuration files.

        Args:
            phone: The phone (its ``family`` must be this driver's).
            context: Accounts, colleague names and the server URL.

        Returns:
            The files, the main configuration file first.

        Raises:
            KeyLayoutError: When a key does not fit the model.
            NotFoundError: When the model is unknown.
            PluginError: When the driver does not answer.
        """
        model = self.model(phone.model)
        check_layout(
            layout=phone.layout, model=model, phone=phone.name, modules=phone.expansion_modules
        )
        files = _first_answer("cloudtel_render_phone", phone=phone, model=model, context=context)
        return self._files(files, "cloudtel_render_phone")

    def render_phones(
        self, phones: Sequence[SipPhone], contexts: Sequence[PhoneContext]
    ) -> list[tuple[RenderedFile, ...] | CloudtelError]:
        """Render many phones of the family: per phone what :meth:`render_phone` gives.

        Each phone's layout is checked against its model as :meth:`render_phone` does;
        the phones whose layout fits are rendered model by model through one
        :func:`~cloudtel.hookspecs.cloudtel_render_phones` call per model, so the
        driver works out once what they share and pluggy is called once, with every
        phone in its arguments. When no driver answers that hook, or a plugin other
        than one answering it implements or wraps
        :func:`~cloudtel.hookspecs.cloudtel_render_phone`, each phone goes through
        :meth:`render_phone` instead, so that plugin sees every phone.

        Args:
            phones: The phones (each of this driver's family).
            contexts: Each phone's context, in the same order.

        Returns:
            Per phone, in order, its files, or the error :meth:`render_phone` would
            raise for it (:class:`~cloudtel.errors.KeyLayoutError`,
            :class:`~cloudtel.errors.NotFoundError`, the driver's
            :class:`~cloudtel.errors.InvalidValueError`, :class:`PluginError`).

        Raises:
            PluginError: When the driver's answer is not one result per phone.
        """
        if len(phones) != len(contexts):
            raise ValueError("render_phones needs one context per phone")
        results: list[tuple[RenderedFile, ...] | CloudtelError] = []
        batches: dict[str, tuple[PhoneModel, list[int]]] = {}
        models: dict[str, PhoneModel] = {}  # by the name as the phones spell it
        for index, phone in enumerate(phones):
            try:
                model = models.get(phone.model)
                if model is None:
                    model = models[phone.model] = self.model(phone.model)
                check_layout(
                    layout=phone.layout,
                    model=model,
                    phone=phone.name,
                    modules=phone.expansion_modules,
                )
            except CloudtelError as exc:
                results.append(exc)
                continue
            results.append(())
            batches.setdefault(model.name, (model, []))[1].append(index)
        batched = _batches_allowed()
        for model, indices in batches.values():
            answer = None
            if batched:
                answer = _first_answer(
                    "cloudtel_render_phones",
                    phones=[phones[i] for i in indices],
                    model=model,
                    contexts=[contexts[i] for i in indices],
                )
            if answer is None:
                for i in indices:
                    try:
                        files = _first_answer(
                            "cloudtel_render_phone",
                            phone=phones[i],
                            model=model,
                            context=contexts[i],
                        )
                        results[i] = self._files(files, "cloudtel_render_phone")
                    except CloudtelError as exc:
                        results[i] = exc
                continue
            if not isinstance(answer, Sequence) or len(answer) != len(indices):
                raise PluginError(
                    f"the {self.family} driver's cloudtel_render_phones answered {len(indices)} "
                    f"phones with {answer!r}; expected one result per phone",
                    family=self.family,
                )
            for i, files in zip(indices, answer, strict=True):
                if type(files) is tuple and len(files) == 1 and type(files[0]) is RenderedFile:
                    results[i] = files  # what FamilyDriver answers: nothing to convert
                elif isinstance(files, CloudtelError):
                    results[i] = files
                else:
                    try:
                        results[i] = self._files(files, "cloudtel_render_phones")
                    except PluginError as exc:
                        results[i] = exc
        return results

    def render_directory(
        self, phone: SipPhone, directory: Directory, context: PhoneContext
    ) -> tuple[RenderedFile, ...]:
        """Render the phone's directory.

        Args:
            phone: The phone.
            directory: The entries.
            context: The server URL (for paging links).

        Returns:
            The directory file(s).

        Raises:
            NotFoundError: When the model is unknown.
            PluginError: When the driver does not answer.
        """
        model = self.model(phone.model)
        files = _first_answer(
            "cloudtel_render_directory",
            phone=phone,
            model=model,
            directory=directory,
            context=context,
        )
        return self._files(files, "cloudtel_render_directory")

    def common_files(
        self, models: Sequence[PhoneModel], context: PhoneContext
    ) -> tuple[RenderedFile, ...]:
        """The family's files shared by the phones of a folder (written once, not per phone).

        Args:
            models: The models of the folder's phones (those of other families are left out).
            context: The organisation's settings (no accounts).

        Returns:
            The common files; none when the driver has none or does not implement
            :func:`~cloudtel.hookspecs.cloudtel_common_files`.

        Raises:
            PluginError: When the driver answers with something other than files.
            InvalidValueError: From the driver, for a value it cannot write.
        """
        mine = tuple(model for model in models if model.family == self.family)
        if not mine:
            return ()
        hook: Any = get_plugin_manager().hook
        files = hook.cloudtel_common_files(models=mine, context=context)
        if files is None:
            return ()
        result = tuple(files) if isinstance(files, Sequence) else None
        if result is None or not all(isinstance(f, RenderedFile) for f in result):
            raise PluginError(
                f"the {self.family} driver's cloudtel_common_files returned {files!r}; "
                "expected a sequence of RenderedFile",
                family=self.family,
            )
        return result

    def render_shared_directory(
        self, model: PhoneModel, directory: Directory, context: PhoneContext
    ) -> tuple[RenderedFile, ...]:
        """Render a directory many phones of the family share (named by ``directory.name``).

        Args:
            model: A model of the family (of the first phone that shows it).
            directory: The entries; its ``name`` names the files.
            context: The server URL and the links between the phones' directories.

        Returns:
            The directory file(s).

        Raises:
            PluginError: When the driver does not answer, or names a file outside
                ``directory.name``.
        """
        self._check(model)
        files = self._files(
            _first_answer(
                "cloudtel_render_directory",
                phone=None,
                model=model,
                directory=directory,
                context=context,
            ),
            "cloudtel_render_directory",
        )
        for file in files:
            if not file.path.startswith(directory.name):
                raise PluginError(
                    f"the {self.family} driver named a file of the shared directory "
                    f"{directory.name!r} {file.path!r}; its files must start with that name",
                    family=self.family,
                )
        return files

    def parse_config(self, model: PhoneModel, text: str) -> ParsedConfig:
        """Read a configuration back.

        Args:
            model: The phone's model.
            text: The file's text.

        Returns:
            Account 1 and the key layout.

        Raises:
            ConfigParseError: Naming the line that cannot be read.
            PluginError: When the driver does not answer.
        """
        self._check(model)
        hook: Any = get_plugin_manager().hook
        parsed = hook.cloudtel_parse_config(model=model, text=text)
        if not isinstance(parsed, ParsedConfig):
            raise PluginError(
                f"the {self.family} driver gave no ParsedConfig for a {model.title}: {parsed!r}",
                family=self.family,
            )
        return parsed

    def _files(self, files: object, hook_name: str) -> tuple[RenderedFile, ...]:
        if type(files) is tuple and files and all(type(f) is RenderedFile for f in files):
            return files  # what the drivers return: nothing to convert or check further
        if files is None or isinstance(files, str | bytes):
            raise PluginError(
                f"the {self.family} driver did not answer {hook_name}", family=self.family
            )
        result = tuple(files) if isinstance(files, Sequence) else ()
        if not result or not all(isinstance(f, RenderedFile) for f in result):
            raise PluginError(
                f"the {self.family} driver's {hook_name} returned {files!r}; "
                "expected a non-empty sequence of RenderedFile",
                family=self.family,
            )
        return result


def get_driver(family: str) -> PhoneDriver:
    """The installed driver of ``family``.

    Args:
        family: E.g. ``"mitel"``.

    Returns:
        The driver.

    Raises:
        DriverNotFoundError: When no installed driver handles ``family``; the message
            lists the installed families.
    """
    cache = _current_cache()
    driver = cache.drivers.get(family)
    if driver is not None:
        return driver
    models = tuple(model for model in phone_models() if model.family == family)
    if not models:
        raise DriverNotFoundError(
            f"no driver for phone family {family!r} is installed; "
            f"installed: {_installed_families()} (install e.g. cloudtel-{family})",
            family=family,
            installed=phone_families(),
        )
    driver = cache.drivers[family] = PhoneDriver(family=family, models=models)
    return driver


def driver_for(model: PhoneModel | SipPhone) -> PhoneDriver:
    """The driver for a phone model (or a phone's model).

    Args:
        model: A :class:`PhoneModel` or a :class:`SipPhone`.

    Returns:
        The driver of its family.

    Raises:
        DriverNotFoundError: When no installed driver handles the family.
    """
    return get_driver(model.family)


def render_fingerprint() -> str:
    """A digest of the code that renders phone files, as installed now.

    Provisioning remembers it with the inputs of each phone it wrote
    (:func:`cloudtel.provisioning.provision`): a phone whose inputs are the same, rendered
    by the same code, gives the same bytes. It covers the Python version, cloudtel's
    version and the size and modification time of each of its ``.py`` files, and, for
    every registered plugin, its name, its distribution's version and the ``.py`` files
    of the packages its code comes from (an editable install that changed shows too).

    Returns:
        A hexadecimal digest.
    """
    pm = get_plugin_manager()
    versions = {
        id(plugin): f"{dist.project_name} {dist.version}"
        for plugin, dist in pm.list_plugin_distinfo()
    }
    packages = {"cloudtel"}
    plugins = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:
            continue
        modules = {getattr(plugin, "__name__", "") if isinstance(plugin, types.ModuleType) else ""}
        modules.add(type(plugin).__module__)
        for value in vars(plugin).values() if hasattr(plugin, "__dict__") else ():
            modules.add(getattr(value, "__module__", None) or "")
        packages.update(module.split(".", 1)[0] for module in modules if module)
        plugins.append(f"{name}={versions.get(id(plugin), '')}")
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{sys.version}\n{_cloudtel_version()}\n".encode())
    digest.update("\n".join(sorted(plugins)).encode())
    for package in sorted(packages):
        module = sys.modules.get(package)
        for folder in getattr(module, "__path__", ()):
            for path in sorted(Path(folder).rglob("*.py")):
                with contextlib.suppress(OSError):
                    info = path.stat()
                    digest.update(f"\n{path} {info.st_size} {info.st_mtime_ns}".encode())
    return digest.hexdigest()


def _cloudtel_version() -> str:
    try:
        return importlib.metadata.version("cloudtel")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - not installed
        return "?"


# ---------------------------------------------------------------------------
# Voice prompt recording
# ---------------------------------------------------------------------------


def _nothing_recorded(request: RecordingRequest, pm: pluggy.PluginManager) -> PluginError:
    """Why no recording came back: no backend is installed, or none took the request."""
    hook: Any = pm.hook
    backends = [
        impl
        for impl in hook.cloudtel_record_prompt.get_hookimpls()
        if not isinstance(impl.plugin, _PromptRecorderStub)
    ]
    if not backends:
        return PluginError(
            "recording a prompt by calling a user needs a telephony backend plugin "
            "(hook cloudtel_record_prompt) and none is installed; cloudtel places no calls "
            "itself: import a .wav or .aiff file instead",
            prompt=request.prompt,
        )
    return PluginError(
        f"no installed telephony backend accepted to record prompt {request.prompt!r} "
        f"by calling {request.username}",
        prompt=request.prompt,
    )


class _PromptRecorderStub:
    """The default plugin answering ``cloudtel_record_prompt``: cloudtel places no calls.

    Asked last, it raises the error that says why nothing was recorded.
    """

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self._pm = pm

    @hookimpl(trylast=True)
    def cloudtel_record_prompt(self, request: RecordingRequest) -> bytes | None:
        raise _nothing_recorded(request, self._pm)


def record_prompt(request: RecordingRequest) -> bytes:
    """Ask the installed telephony backend to record a prompt by calling a user.

    Args:
        request: The organisation, prompt, language and user to call.

    Returns:
        The recording: the bytes of a PCM WAV or AIFF file, to be imported.

    Raises:
        PluginError: When no installed plugin records prompts (cloudtel ships none that
            places calls), when it returned something other than bytes, or when it failed.
    """
    pm = get_plugin_manager()
    hook: Any = pm.hook
    try:
        audio = hook.cloudtel_record_prompt(request=request)
    except PluginError:
        raise
    except Exception as exc:
        raise PluginError(
            f"the telephony backend failed to record prompt {request.prompt!r} "
            f"({request.language}) by calling {request.username}: {exc}",
            prompt=request.prompt,
        ) from exc
    if audio is None:  # only when the stub was unregistered from the manager
        raise _nothing_recorded(request, pm)
    if not isinstance(audio, bytes | bytearray):
        raise PluginError(
            f"the telephony backend returned {type(audio).__name__} for prompt "
            f"{request.prompt!r}; it must return the bytes of a WAV or AIFF file",
            prompt=request.prompt,
        )
    return bytes(audio)


# ---------------------------------------------------------------------------
# The services the domain asks for
# ---------------------------------------------------------------------------


class InstalledPlugins:
    """The :class:`~cloudtel.services.PluginServices` of the installed plugins.

    The default ``services`` of every :class:`~cloudtel.org.Organization`; each call
    goes to this module's facade (:func:`find_model`, :func:`record_prompt`).
    """

    __slots__ = ()

    def find_model(self, family: str, name: str) -> PhoneModel:
        """The model ``name`` of ``family`` (see :func:`cloudtel.plugins.find_model`).

        Raises:
            DriverNotFoundError: When no installed driver handles ``family``.
            NotFoundError: When the driver has no such model.
        """
        return find_model(family, name)

    def record_prompt(self, request: RecordingRequest) -> bytes:
        """Record a prompt (see :func:`cloudtel.plugins.record_prompt`).

        Raises:
            PluginError: When no installed backend records prompts, or it failed.
        """
        return record_prompt(request)

    def __repr__(self) -> str:
        return "cloudtel.plugins.INSTALLED"


INSTALLED: Final = InstalledPlugins()
"""The plugin services backed by the installed plugins (no manager is built until used)."""
