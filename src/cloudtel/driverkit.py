"""A small toolkit for people who write phone drivers.

What every driver needs, whatever its vendor's file format: the hook implementations
that answer only for the driver's own family (:class:`FamilyDriver`), the text
cleaning every display-text rule starts with (:func:`one_line`), the refusal of a value
that cannot be written (:func:`unwritable`, :func:`check_host`), every key position of
a model with its reset lines, computed once per model (:func:`key_table`), and the
reading of ``name: value`` / ``name = value`` lines with their line numbers
(:func:`config_lines`, :func:`assignments`).

What stays in the driver is what belongs to its vendor: parameter names, the
characters its format cannot carry, the lines of one key, the error texts of its
parser. ``drivers/mitel`` and ``drivers/yealink`` use every helper here; see
``docs/writing-a-driver.md``.

This module is a driver's one import door to cloudtel: besides the helpers it
re-exports the vocabulary a driver reads and returns (from :mod:`cloudtel.devices`:
:class:`~cloudtel.devices.PhoneModel`, :class:`~cloudtel.devices.SipPhone`,
:class:`~cloudtel.devices.PhoneContext`, :class:`~cloudtel.devices.SipAccount`,
:class:`~cloudtel.devices.Directory` and its entries,
:class:`~cloudtel.devices.DirectoryLink`, :class:`~cloudtel.devices.KeyLayout`,
the key positions and key kinds, :class:`~cloudtel.devices.RenderedFile`,
:class:`~cloudtel.devices.ParsedConfig`, and the time rule of
:mod:`cloudtel.phone_clock`), the errors a driver raises
(:class:`~cloudtel.errors.ConfigParseError`, :class:`~cloudtel.errors.InvalidValueError`),
:class:`~cloudtel.numbers.PhoneNumber` and the :data:`~cloudtel.hookspecs.hookimpl`
marker. Import them from here, so a driver depends on this module's ``__all__`` only.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from cloudtel.devices import (
    Directory,
    DirectoryEntry,
    DirectoryLink,
    DirectoryNumber,
    EmptyKey,
    ExtensionKey,
    Key,
    KeyLayout,
    KeyPosition,
    KeySet,
    LineKey,
    MacAddress,
    ParsedConfig,
    PhoneContext,
    PhoneModel,
    PhoneNumberKey,
    RenderedFile,
    SipAccount,
    SipPhone,
    Transport,
)
from cloudtel.errors import ConfigParseError, InvalidValueError, PluginError
from cloudtel.hookspecs import hookimpl
from cloudtel.numbers import PhoneNumber
from cloudtel.phone_clock import DstChange, TimeRule

__all__ = [
    "BAD_CATEGORIES",
    "ConfigParseError",
    "Directory",
    "DirectoryEntry",
    "DirectoryLink",
    "DirectoryNumber",
    "DstChange",
    "EmptyKey",
    "ExtensionKey",
    "FamilyDriver",
    "InvalidValueError",
    "Key",
    "KeyLayout",
    "KeyPosition",
    "KeySet",
    "KeyTable",
    "LineKey",
    "MacAddress",
    "ParsedConfig",
    "PhoneContext",
    "PhoneModel",
    "PhoneNumber",
    "PhoneNumberKey",
    "RenderConfigs",
    "RenderedFile",
    "SipAccount",
    "SipPhone",
    "TimeRule",
    "Transport",
    "assignments",
    "check_host",
    "config_lines",
    "hookimpl",
    "key_table",
    "model_has_key",
    "one_line",
    "unwritable",
]

BAD_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
"""Unicode categories :func:`one_line` turns into a space: controls, format characters,
surrogates, private use, unassigned, line and paragraph separators."""

_HOST = re.compile(r"[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\]")

_NO_REPLACEMENTS: Mapping[str, str] = {}


# ---------------------------------------------------------------------------
# Hook implementations for one family
# ---------------------------------------------------------------------------


CommonFiles = Callable[[Sequence[PhoneModel], PhoneContext], Sequence[RenderedFile]]
"""``(models, context) -> files``: a family's files shared by the phones of a folder."""


def _no_common_files(models: Sequence[PhoneModel], context: PhoneContext) -> Sequence[RenderedFile]:
    del models, context
    return ()


RenderConfigs = Callable[
    [Sequence[SipPhone], PhoneModel, Sequence[PhoneContext]], Sequence[str | InvalidValueError]
]
"""``(phones, model, contexts) -> texts``: many phones' main files at once; per phone its
text, or the :class:`~cloudtel.errors.InvalidValueError` saying why it cannot be written."""


class FamilyDriver:
    """The driver hooks of one phone family; for any other family they answer ``None``.

    An instance is the plugin: its six methods carry the :data:`hookimpl` marker, so
    pluggy registers the object itself. The bundled drivers' entry points name it,
    e.g. ``mitel = "cloudtel_mitel:DRIVER"`` in group ``cloudtel.drivers``.

    Args:
        family: The family this driver handles, e.g. ``"acme"``.
        models: Its models (each with ``family=family``).
        render_config: ``(phone, model, context) -> text`` of the phone's main file.
        config_filename: ``phone -> path`` of that file in the provisioning folder.
        render_directory: ``(phone, directory, context) -> files`` of a directory
            (first file first); ``phone`` is ``None`` for a directory many phones
            share, whose files are named from ``directory.name``.
        parse_config: ``(model, text) -> ParsedConfig``: the main file read back.
        common_files: ``(models, context) -> files`` written once per folder for the
            family's models in it (e.g. Mitel ``startup.cfg``, Yealink
            ``y000000000096.cfg``); by default none.
        render_configs: ``(phones, model, contexts) -> texts`` of many phones of one
            model (:data:`RenderConfigs`), each text exactly what ``render_config``
            gives; by default ``render_config`` phone after phone. A driver gives its
            own to work out once what the phones of a batch share.
    """

    def __init__(
        self,
        family: str,
        models: Sequence[PhoneModel],
        *,
        render_config: Callable[[SipPhone, PhoneModel, PhoneContext], str],
        config_filename: Callable[[SipPhone], str],
        render_directory: Callable[
            [SipPhone | None, Directory, PhoneContext], Sequence[RenderedFile]
        ],
        parse_config: Callable[[PhoneModel, str], ParsedConfig],
        common_files: CommonFiles = _no_common_files,
        render_configs: RenderConfigs | None = None,
    ) -> None:
        self.family = family
        self.models = tuple(models)
        self._render_config = render_config
        self._config_filename = config_filename
        self._render_directory = render_directory
        self._parse_config = parse_config
        self._common_files = common_files
        self._render_configs = render_configs or self._one_by_one

    def _one_by_one(
        self, phones: Sequence[SipPhone], model: PhoneModel, contexts: Sequence[PhoneContext]
    ) -> list[str | InvalidValueError]:
        out: list[str | InvalidValueError] = []
        for phone, context in zip(phones, contexts, strict=True):
            try:
                out.append(self._render_config(phone, model, context))
            except InvalidValueError as exc:
                out.append(exc)
        return out

    def __repr__(self) -> str:
        return f"FamilyDriver({self.family!r})"

    @hookimpl
    def cloudtel_phone_models(self) -> Sequence[PhoneModel]:
        """The family's models.

        Returns:
            The models given to the constructor.
        """
        return self.models

    @hookimpl
    def cloudtel_render_phone(
        self, phone: SipPhone, model: PhoneModel, context: PhoneContext
    ) -> Sequence[RenderedFile] | None:
        """Render the phone's main file, for a model of this family.

        Args:
            phone: The phone.
            model: Its model.
            context: Accounts, colleague names, server URL.

        Returns:
            One file (the rendered text, UTF-8), or ``None`` for another family.

        Raises:
            InvalidValueError: From ``render_config``, for a value it cannot write.
        """
        if model.family != self.family:
            return None
        text = self._render_config(phone, model, context)
        return (RenderedFile(path=self._config_filename(phone), content=text.encode()),)

    @hookimpl
    def cloudtel_render_phones(
        self, phones: Sequence[SipPhone], model: PhoneModel, contexts: Sequence[PhoneContext]
    ) -> Sequence[Sequence[RenderedFile] | InvalidValueError] | None:
        """Render many phones' main files, for a model of this family.

        Args:
            phones: The phones, all of ``model``.
            model: Their model.
            contexts: Each phone's context, in order.

        Returns:
            Per phone one file (as :meth:`cloudtel_render_phone` gives it) or the
            :class:`~cloudtel.errors.InvalidValueError` for a value it cannot write;
            ``None`` for another family.
        """
        if model.family != self.family:
            return None
        texts = self._render_configs(phones, model, contexts)
        if len(texts) != len(phones):
            raise PluginError(
                f"the {self.family} driver's render_configs gave {len(texts)} texts for "
                f"{len(phones)} phones",
                family=self.family,
            )
        filename = self._config_filename
        return [
            (RenderedFile(path=filename(phone), content=text.encode()),)
            if isinstance(text, str)
            else text
            for phone, text in zip(phones, texts, strict=True)
        ]

    @hookimpl
    def cloudtel_render_directory(
        self,
        phone: SipPhone | None,
        model: PhoneModel,
        directory: Directory,
        context: PhoneContext,
    ) -> Sequence[RenderedFile] | None:
        """Render a directory, for a model of this family.

        Args:
            phone: The phone whose own directory it is; ``None`` for a shared one.
            model: Its model.
            directory: The entries.
            context: Server URL and the like.

        Returns:
            The directory files, or ``None`` for another family.
        """
        if model.family != self.family:
            return None
        return self._render_directory(phone, directory, context)

    @hookimpl
    def cloudtel_common_files(
        self, models: Sequence[PhoneModel], context: PhoneContext
    ) -> Sequence[RenderedFile] | None:
        """The family's files shared by every phone of a folder, for its models among ``models``.

        Args:
            models: The models of the phones in the folder (any family).
            context: The organisation's settings (no accounts).

        Returns:
            The shared files (maybe none), or ``None`` when no model is of this family.

        Raises:
            InvalidValueError: From ``common_files``, for a value it cannot write.
        """
        mine = [model for model in models if model.family == self.family]
        if not mine:
            return None
        return tuple(self._common_files(mine, context))

    @hookimpl
    def cloudtel_parse_config(self, model: PhoneModel, text: str) -> ParsedConfig | None:
        """Read a main file of a model of this family back.

        Args:
            model: The phone's model.
            text: The file's text.

        Returns:
            The account and key layout, or ``None`` for another family.

        Raises:
            ConfigParseError: From ``parse_config``, naming the line.
        """
        if model.family != self.family:
            return None
        return self._parse_config(model, text)


# ---------------------------------------------------------------------------
# Text and values
# ---------------------------------------------------------------------------


def one_line(text: str, replacements: Mapping[str, str] = _NO_REPLACEMENTS) -> str:
    """The first steps of every display-text rule: one line, clean white space.

    Unicode NFC; each character in ``replacements`` becomes its replacement; every
    other white-space character or character of :data:`BAD_CATEGORIES` becomes a
    space (so the text can never span lines); runs of white space become one space and
    the ends are trimmed. The driver then applies its own rules (cutting to a length,
    tokens its format reserves). Cache the driver's function: names recur on many phones.

    Args:
        text: Any text.
        replacements: Characters the vendor's format cannot carry, with what to write
            instead (e.g. ``{"#": " ", '"': "'"}``).

    Returns:
        One line without leading, trailing or repeated white space.
    """
    text = unicodedata.normalize("NFC", text)
    category = unicodedata.category
    if replacements:
        chars = [
            replacements[ch]
            if ch in replacements
            else " "
            if ch.isspace() or category(ch) in BAD_CATEGORIES
            else ch
            for ch in text
        ]
    else:
        chars = [" " if ch.isspace() or category(ch) in BAD_CATEGORIES else ch for ch in text]
    return " ".join("".join(chars).split())


def unwritable(
    phone: str, field: str, value: str, vendor: str, rule: str, *, secret: bool = False
) -> InvalidValueError:
    """The error for a value a driver refuses to write (never change a credential silently).

    Args:
        phone: The phone, as shown to the user (its MAC).
        field: What the value is, e.g. ``"SIP password"``.
        value: The value.
        vendor: The vendor, e.g. ``"Mitel"``.
        rule: What is allowed, e.g. ``"use printable ASCII without spaces"``.
        secret: The value is a secret (a password): the message and the error's
            context give its length only, never the value.

    Returns:
        An :class:`~cloudtel.errors.InvalidValueError` to raise, naming phone and field.
    """
    if secret:
        return InvalidValueError(
            f"phone {phone}: the {field} ({len(value)} characters, not shown) cannot be "
            f"written to a {vendor} configuration: {rule}",
            phone=phone,
            field=field,
        )
    return InvalidValueError(
        f"phone {phone}: {field} {value!r} cannot be written to a {vendor} configuration: {rule}",
        phone=phone,
        field=field,
        value=value,
    )


def check_host(value: str, phone: str) -> str:
    """Check that a registrar is a host name, an IPv4 address or a bracketed IPv6 address.

    Args:
        value: The registrar.
        phone: The phone, as shown to the user.

    Returns:
        ``value``, unchanged.

    Raises:
        InvalidValueError: Naming the phone, when it is anything else.
    """
    if _HOST.fullmatch(value) is None:
        raise InvalidValueError(
            f"phone {phone}: registrar {value!r} is not a host name or IP address",
            phone=phone,
            field="registrar",
            value=value,
        )
    return value


# ---------------------------------------------------------------------------
# The key positions of a model, with their reset lines
# ---------------------------------------------------------------------------


class KeyTable:
    """Every key position of a model with some modules attached, computed once.

    ``names[i]`` and ``resets[i]`` are the parameter name and the reset lines of the
    ``i``-th position of :meth:`PhoneModel.positions`; :meth:`slot` finds ``i`` for a
    position by arithmetic (no hashing), or ``-1`` for a position the phone lacks. Get
    one from :func:`key_table`, which caches it per model and number of modules.

    A driver renders a phone as a copy of ``resets`` with the lines of each of its keys
    (from :meth:`placed`) put in their slot, so every key of the model is written and
    the unused ones are reset.

    Args:
        model: The model.
        modules: Expansion modules attached (more than the model takes are ignored).
        name: The parameter name (or prefix) of a position in the vendor's file.
        reset: The lines that reset the key of that name (no final line break).
    """

    __slots__ = ("exp", "line", "modules", "names", "prog", "resets", "title")

    def __init__(
        self,
        model: PhoneModel,
        modules: int,
        name: Callable[[KeyPosition], str],
        reset: Callable[[str], str],
    ) -> None:
        self.title = model.title
        self.line = model.line_keys
        self.prog = model.programmable_keys
        self.exp = model.expansion_keys
        self.modules = min(modules, model.expansion_modules)
        self.names = tuple(name(position) for position in model.positions(modules))
        self.resets = tuple(reset(key_name) for key_name in self.names)

    def slot(self, position: KeyPosition) -> int:
        """The index of ``position`` in :attr:`names`, or ``-1`` when the phone lacks it.

        Args:
            position: A key position.

        Returns:
            The index, or ``-1``.
        """
        index = position.index
        key_set = position.set
        if key_set is KeySet.LINE:
            return index - 1 if index <= self.line else -1
        if key_set is KeySet.PROG:
            return self.line + index - 1 if index <= self.prog else -1
        module = position.module or 0
        if module > self.modules or index > self.exp:
            return -1
        return self.line + self.prog + (module - 1) * self.exp + index - 1

    def placed(self, layout: KeyLayout) -> Iterator[tuple[int, str, Key]]:
        """The keys of a layout with their slot and parameter name, skipping absent positions.

        Args:
            layout: The phone's key layout.

        Yields:
            ``(slot, name, key)`` for every key at a position the phone has.
        """
        names = self.names
        line_keys = self.line
        line = KeySet.LINE
        for position, key in layout.keys:
            # The common case, line keys, without a call (see slot()).
            if position.set is line:
                index = position.index
                if index > line_keys:
                    continue
                yield index - 1, names[index - 1], key
            else:
                slot = self.slot(position)
                if slot >= 0:
                    yield slot, names[slot], key


def model_has_key(model: PhoneModel, position: KeyPosition) -> bool:
    """Whether the model has a key at ``position`` (with all its modules attached).

    Args:
        model: The model.
        position: A key position, e.g. read from a file.

    Returns:
        ``True`` when the position is within the model's key sets and modules.
    """
    if position.set is KeySet.EXPANSION and (position.module or 0) > model.expansion_modules:
        return False
    return position.index <= model.keys_in(position.set)


@functools.lru_cache(maxsize=128)
def key_table(
    model: PhoneModel,
    modules: int,
    name: Callable[[KeyPosition], str],
    reset: Callable[[str], str],
) -> KeyTable:
    """The :class:`KeyTable` of a model, computed once per model, modules and functions.

    Pass module-level functions for ``name`` and ``reset`` so that the cache finds them.

    Args:
        model: The model.
        modules: Expansion modules attached.
        name: The parameter name of a position.
        reset: The reset lines of a key, from its name.

    Returns:
        The table (shared: do not change it).
    """
    return KeyTable(model, modules, name, reset)


# ---------------------------------------------------------------------------
# Reading configuration files
# ---------------------------------------------------------------------------


def config_lines(text: str) -> Iterator[tuple[int, str, str]]:
    """The non-blank lines of a file with their numbers, for error messages.

    Args:
        text: The file's text.

    Yields:
        ``(number, line, raw)``: the line number from 1, the line stripped of white
        space and a byte-order mark, and the line as it stands in the file.
    """
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().lstrip("\ufeff")
        if line:
            yield number, line, raw


def assignments(
    lines: Iterable[tuple[int, str, str]], separator: str, form: str, comment: str = "#"
) -> Iterator[tuple[int, str, str]]:
    """Split ``name: value`` or ``name = value`` lines at the first separator.

    Lines starting with ``comment`` are skipped. The name and value are returned as
    they stand: the driver normalises case, spacing, quotes and tokens its way.

    Args:
        lines: From :func:`config_lines` (or what the driver left of them, e.g. after
            checking a header).
        separator: ``":"`` or ``"="``.
        form: How a line should look, for the error, e.g. ``"parameter: value"``.
        comment: What starts a comment line.

    Yields:
        ``(number, name, value)``.

    Raises:
        ConfigParseError: Naming the line that has no separator.
    """
    for number, line, raw in lines:
        if line.startswith(comment):
            continue
        name, found, value = line.partition(separator)
        if not found:
            raise ConfigParseError(
                f"line {number}: {line[:60]!r} is not {form!r}", line=number, text=raw
            )
        yield number, name, value
