"""SIP desk phones: MAC addresses, phone models, key layouts and what a driver renders.

The vocabulary is vendor-neutral; a driver (a plugin, see :mod:`cloudtel.hookspecs`)
maps it onto one phone family's configuration files. The phones of an organisation
(the :class:`~cloudtel.phones.Phones` part) are in :mod:`cloudtel.phones`.

Key positions
    A phone has up to three *key sets*, each numbered from 1:

    ==============  =========================================  ===========================
    set             Mitel 6900                                 Yealink
    ==============  =========================================  ===========================
    ``line`` (L)    top softkeys ``topsoftkeyN`` (the          line keys ``linekey.N``
                    portal's ``T1``, ``T2`` …)
    ``prog`` (P)    softkeys ``softkeyN`` (below the screen)   programmable keys
                                                               ``programablekey.N``
    ``expansion``   ``expmodX keyN``                           ``expansion_module.X.key.N``
    (E)
    ==============  =========================================  ===========================

    A :class:`KeyPosition` is written ``L20``, ``P3`` or ``E1.5`` (module 1, key 5);
    :meth:`KeyPosition.parse` also reads the portal's ``T20`` and the long forms
    ``line 20``, ``prog 3`` and ``expansion 1 key 5``.

Key kinds
    :class:`LineKey` (an account of the phone), :class:`ExtensionKey` (a colleague:
    busy-lamp field with presence), :class:`PhoneNumberKey` (a label and a number:
    speed dial) and :class:`EmptyKey`. A :class:`KeyLayout` never stores an
    :class:`EmptyKey`: setting one removes the position, and every position the
    layout does not name is empty (drivers reset it explicitly).
"""

from __future__ import annotations

import enum
import functools
import ipaddress
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Set
from typing import Any, ClassVar, TypeAlias, cast

import attrs

from cloudtel import _html
from cloudtel._text import check_line, unsafe_in_line
from cloudtel._text import interned as _interned
from cloudtel.errors import InvalidValueError, KeyLayoutError
from cloudtel.numbers import PhoneNumber
from cloudtel.phone_clock import TimeRule

__all__ = [
    "Directory",
    "DirectoryEntry",
    "DirectoryLink",
    "DirectoryNumber",
    "EmptyKey",
    "ExtensionKey",
    "Key",
    "KeyLayout",
    "KeyPosition",
    "KeySet",
    "LineKey",
    "MacAddress",
    "ParsedConfig",
    "PhoneContext",
    "PhoneModel",
    "PhoneNumberKey",
    "RenderedFile",
    "SipAccount",
    "SipPhone",
    "Transport",
    "check_layout",
    "key_from_primitive",
    "key_to_primitive",
    "layout_from_primitive",
    "layout_to_primitive",
    "normalize_search",
]


def _text(value: object, field: str) -> str:
    if type(value) is str and value.isprintable():
        return value  # printable text passes the text rule (see cloudtel._text)
    return check_line(value, field)


# ---------------------------------------------------------------------------
# MAC addresses
# ---------------------------------------------------------------------------

_MAC_SEPARATED = re.compile(
    r"[0-9a-fA-F]{2}([:\-. ])[0-9a-fA-F]{2}(?:\1[0-9a-fA-F]{2}){4}"  # 08:00:0f:bb:ad:78
)
_MAC_DOTTED = re.compile(r"[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}")  # 0800.0fbb.ad78
_MAC_PLAIN = re.compile(r"[0-9a-f]{12}")


def _mac(value: object) -> str:
    if isinstance(value, MacAddress):
        return value.hex
    if not isinstance(value, str):
        raise InvalidValueError(
            f"a MAC address must be text like 08:00:0F:BB:AD:78, not {value!r}",
            field="mac",
            value=value,
        )
    text = value.strip()
    if _MAC_SEPARATED.fullmatch(text) or _MAC_DOTTED.fullmatch(text):
        text = re.sub(r"[:\-. ]", "", text)
    text = text.lower()
    if _MAC_PLAIN.fullmatch(text) is None:
        raise InvalidValueError(
            f"{value!r} is not a MAC address: write 12 hexadecimal digits, e.g. 08000FBBAD78, "
            "08:00:0F:BB:AD:78, 08-00-0F-BB-AD-78 or 0800.0fbb.ad78",
            field="mac",
            value=value,
        )
    return text


@attrs.frozen(order=True)
class MacAddress:
    """A phone's MAC address, stored as 12 lowercase hexadecimal digits.

    Any common notation is accepted: ``08000FBBAD78``, ``08:00:0f:bb:ad:78``,
    ``08-00-0F-BB-AD-78``, ``0800.0fbb.ad78``.

    Args:
        hex (str): The address in any common notation; normalised.

    Raises:
        InvalidValueError: When the text is not a MAC address.

    Example::

        >>> MacAddress("08:00:0F:BB:AD:78").hex
        '08000fbbad78'
        >>> MacAddress("08000fbbad78").upper
        '08000FBBAD78'
    """

    hex: str = attrs.field(converter=_mac)

    @classmethod
    def parse(cls, text: str | MacAddress) -> MacAddress:
        """Read a MAC address in any common notation.

        Args:
            text: ``08000FBBAD78``, ``08:00:0f:bb:ad:78``, ``0800.0fbb.ad78`` …

        Returns:
            The normalised address.

        Raises:
            InvalidValueError: When the text is not a MAC address.
        """
        return text if isinstance(text, MacAddress) else cls(text)

    @property
    def upper(self) -> str:
        """12 uppercase hexadecimal digits, as Mitel names its files (``08000FBBAD78``)."""
        return self.hex.upper()

    @property
    def colons(self) -> str:
        """The colon notation, ``08:00:0f:bb:ad:78``."""
        return ":".join(self.hex[i : i + 2] for i in range(0, 12, 2))

    def __str__(self) -> str:
        return self.upper

    def __repr__(self) -> str:
        return f"MacAddress({self.upper!r})"


# ---------------------------------------------------------------------------
# Phone models
# ---------------------------------------------------------------------------


class KeySet(enum.Enum):
    """The set of keys a position is in (see the module docs for the vendor names)."""

    LINE = "line"
    """The keys beside the screen: Mitel top softkeys, Yealink line keys."""
    PROG = "prog"
    """The keys below the screen: Mitel softkeys, Yealink programmable keys."""
    EXPANSION = "expansion"
    """Keys on an expansion module."""


_COUNT_FIELDS = (
    "line_keys",
    "programmable_keys",
    "expansion_modules",
    "expansion_keys",
    "max_accounts",
)


def _flag(_instance: object, attribute: attrs.Attribute[bool], value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidValueError(
            f"{attribute.name} must be True or False, not {value!r}",
            field=attribute.name,
            value=value,
        )


def _count(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidValueError(
            f"{attribute.name} must be a whole number ≥ 0, not {value!r}",
            field=attribute.name,
            value=value,
        )


def _sources(value: Iterable[tuple[str, str]] | Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    items = value.items() if isinstance(value, Mapping) else value
    return tuple(sorted((str(k), str(v)) for k, v in items))


@attrs.frozen(kw_only=True, cache_hash=True)
class PhoneModel:
    """One phone model of a family, with its key capacities and where each number comes from.

    Args:
        family (str): The driver's family name, e.g. ``"mitel"`` or ``"yealink"``.
        name (str): The model as the vendor names it, e.g. ``"6940"`` or ``"T46U"``.
        line_keys (int): Keys in the ``line`` set (Mitel top softkeys, Yealink line keys).
        programmable_keys (int): Keys in the ``prog`` set (Mitel softkeys, Yealink
            programmable keys); 0 when cloudtel does not program them.
        expansion_modules (int): How many expansion modules the model takes (0: none).
        expansion_keys (int): Keys on one expansion module (counting all its pages).
        expansion_module (str): The module's name, e.g. ``"M695"`` or ``"EXP50"``.
        max_accounts (int): SIP accounts the phone can register.
        sources (Mapping[str, str]): For each count field (``line_keys``,
            ``programmable_keys``, ``expansion_modules``, ``expansion_keys``,
            ``max_accounts``), where the number comes from. All five are required.

    Raises:
        InvalidValueError: When a count is negative or a source is missing.
    """

    family: str = attrs.field(validator=attrs.validators.matches_re(r"[a-z][a-z0-9_]*"))
    name: str = attrs.field(validator=attrs.validators.matches_re(r"[A-Za-z0-9][A-Za-z0-9_.\-]*"))
    line_keys: int = attrs.field(validator=_count)
    programmable_keys: int = attrs.field(default=0, validator=_count)
    expansion_modules: int = attrs.field(default=0, validator=_count)
    expansion_keys: int = attrs.field(default=0, validator=_count)
    expansion_module: str = ""
    max_accounts: int = attrs.field(default=1, validator=_count)
    sources: tuple[tuple[str, str], ...] = attrs.field(converter=_sources)

    def __attrs_post_init__(self) -> None:
        missing = [name for name in _COUNT_FIELDS if name not in dict(self.sources)]
        if missing:
            raise InvalidValueError(
                f"phone model {self.title}: give a source for {', '.join(missing)}",
                field="sources",
                value=missing,
            )
        if self.max_accounts < 1:
            raise InvalidValueError(
                f"phone model {self.title}: max_accounts must be at least 1",
                field="max_accounts",
                value=self.max_accounts,
            )

    @property
    def title(self) -> str:
        """``"Mitel 6940"``: the family capitalised and the model name."""
        return f"{self.family.capitalize()} {self.name}"

    def source(self, field: str) -> str:
        """Where the number in ``field`` comes from.

        Args:
            field: One of ``line_keys``, ``programmable_keys``, ``expansion_modules``,
                ``expansion_keys``, ``max_accounts``.

        Returns:
            The reference (document, page or URL).

        Raises:
            KeyError: For a field without a source.
        """
        return dict(self.sources)[field]

    def keys_in(self, key_set: KeySet, modules: int | None = None) -> int:
        """How many keys the set has (for ``EXPANSION``: per module).

        Args:
            key_set: The key set.
            modules: Unused; accepted for symmetry with :meth:`positions`.

        Returns:
            The number of keys.
        """
        del modules
        if key_set is KeySet.LINE:
            return self.line_keys
        if key_set is KeySet.PROG:
            return self.programmable_keys
        return self.expansion_keys

    def positions(self, modules: int = 0) -> Iterator[KeyPosition]:
        """Every key position of the model, with ``modules`` expansion modules attached.

        Args:
            modules: Attached expansion modules (at most :attr:`expansion_modules`).

        Yields:
            Line keys, then programmable keys, then each module's keys, in order.
        """
        for index in range(1, self.line_keys + 1):
            yield KeyPosition(set=KeySet.LINE, index=index)
        for index in range(1, self.programmable_keys + 1):
            yield KeyPosition(set=KeySet.PROG, index=index)
        for module in range(1, min(modules, self.expansion_modules) + 1):
            for index in range(1, self.expansion_keys + 1):
                yield KeyPosition(set=KeySet.EXPANSION, module=module, index=index)


# ---------------------------------------------------------------------------
# Key positions and keys
# ---------------------------------------------------------------------------

_POSITION_SHORT = re.compile(r"(?i)\s*([LTP])\s*(\d+)\s*")
_POSITION_EXP_SHORT = re.compile(r"(?i)\s*E\s*(\d+)\s*[./:\-]\s*(\d+)\s*")
_POSITION_LONG = re.compile(r"(?i)\s*(line|top|prog|programmable|soft)(?:\s*key)?\s*(\d+)\s*")
_POSITION_EXP_LONG = re.compile(r"(?i)\s*(?:expansion|expmod|exp)\s*(\d+)\s*key\s*(\d+)\s*")


def _positive(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None and attribute.name == "module":
        return
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise KeyLayoutError(
            f"key {attribute.name} must be a whole number from 1, not {value!r}",
            field=attribute.name,
            value=value,
        )


_SET_ORDER = {KeySet.LINE: 0, KeySet.PROG: 1, KeySet.EXPANSION: 2}


@attrs.frozen(kw_only=True, cache_hash=True)
class KeyPosition:
    """Where a key is: its key set, the expansion module (for that set only) and its number.

    Args:
        set (KeySet): ``KeySet.LINE``, ``KeySet.PROG`` or ``KeySet.EXPANSION`` (text accepted).
        index (int): The key's number in its set (on its module), from 1.
        module (int | None): The expansion module, from 1; ``None`` for the other sets.

    Raises:
        KeyLayoutError: When a number is below 1 or the module is given for the wrong set.
    """

    set: KeySet = attrs.field(converter=KeySet)
    module: int | None = attrs.field(default=None, validator=_positive)
    index: int = attrs.field(validator=_positive)

    def __attrs_post_init__(self) -> None:
        if (self.set is KeySet.EXPANSION) != (self.module is not None):
            raise KeyLayoutError(
                "an expansion key needs its module number and other keys must not have one, "
                f"got set={self.set.value} module={self.module}",
                field="module",
                value=self.module,
            )

    @classmethod
    def parse(cls, text: str | KeyPosition) -> KeyPosition:
        """Read a position: ``L20``, ``T20``, ``P3``, ``E1.5``, ``line 20``, ``expansion 1 key 5``.

        ``T`` (the portal's "top softkey") is the ``line`` set.

        Args:
            text: The position as text.

        Returns:
            The position.

        Raises:
            KeyLayoutError: When the text is not a position.
        """
        if isinstance(text, KeyPosition):
            return text
        if not isinstance(text, str):
            raise KeyLayoutError(f"key position must be text like L20, not {text!r}", value=text)
        if cls is KeyPosition and type(text) is str:
            return _position(text)
        return cls._parse_text(text)

    @classmethod
    def _parse_text(cls, text: str) -> KeyPosition:
        if match := _POSITION_SHORT.fullmatch(text):
            letter, number = match.group(1).upper(), int(match.group(2))
            key_set = KeySet.PROG if letter == "P" else KeySet.LINE
            return cls(set=key_set, index=number)
        if match := _POSITION_LONG.fullmatch(text):
            word, number = match.group(1).lower(), int(match.group(2))
            key_set = KeySet.LINE if word in {"line", "top"} else KeySet.PROG
            return cls(set=key_set, index=number)
        if match := _POSITION_EXP_SHORT.fullmatch(text) or _POSITION_EXP_LONG.fullmatch(text):
            return cls(set=KeySet.EXPANSION, module=int(match.group(1)), index=int(match.group(2)))
        raise KeyLayoutError(
            f"{text!r} is not a key position: write L20 (line key 20, the portal's T20), "
            "P3 (programmable key 3) or E1.5 (expansion module 1, key 5)",
            value=text,
        )

    def __str__(self) -> str:
        if self.set is KeySet.EXPANSION:
            return f"E{self.module}.{self.index}"
        return f"{'L' if self.set is KeySet.LINE else 'P'}{self.index}"

    @property
    def sort_key(self) -> tuple[int, int, int]:
        """Orders positions: line keys, programmable keys, then module by module."""
        return (_SET_ORDER[self.set], self.module or 0, self.index)

    def describe(self) -> str:
        """``"line key 20"``, ``"programmable key 3"``, ``"expansion module 1 key 5"``."""
        if self.set is KeySet.EXPANSION:
            return f"expansion module {self.module} key {self.index}"
        return f"{'line' if self.set is KeySet.LINE else 'programmable'} key {self.index}"


@functools.lru_cache(maxsize=4096)
def _position(text: str) -> KeyPosition:
    """``KeyPosition.parse(text)``, one shared value per text: a fleet's phones name the
    same few dozen positions (a refused text raises each time, it is not cached)."""
    return KeyPosition._parse_text(text)


def _phone_number(value: PhoneNumber | str) -> PhoneNumber:
    if type(value) is str:
        return _shared_number(value)
    return PhoneNumber.parse(value)


@functools.lru_cache(maxsize=4096)
def _shared_number(text: str) -> PhoneNumber:
    """``PhoneNumber.parse(text)``, one shared value per text: a fleet's speed dials call
    the same numbers (numbers are immutable; a refused text raises each time)."""
    return PhoneNumber.parse(text)


def _key_label(value: object) -> str:
    return _interned(_text(value, "label").strip())


@attrs.frozen(kw_only=True)
class LineKey:
    """A key for one of the phone's own SIP accounts (1 = the assigned user's line).

    Args:
        account (int): The account number on the phone, from 1.
    """

    kind: ClassVar[str] = "line"
    account: int = attrs.field(default=1, validator=_positive)


def _username(value: object) -> str:
    text = _interned(_text(value, "username").strip().lower())
    if not text:
        raise InvalidValueError("an extension key needs a colleague's username", field="username")
    return text


@attrs.frozen(kw_only=True)
class ExtensionKey:
    """A colleague's extension: busy-lamp field with presence; pressing it calls them.

    The phone watches the colleague's SIP address, which is their username
    (usernames are e-mail-like, e.g. ``adel.alkoubaisy@orange-labo.be``). The label
    on the phone is the colleague's name, filled in when rendering.

    Args:
        username (str): The colleague's username (stored lower-case).
    """

    kind: ClassVar[str] = "extension"
    username: str = attrs.field(converter=_username)


@attrs.frozen(kw_only=True)
class PhoneNumberKey:
    """A speed dial: a label shown on the phone and a number in international form.

    Args:
        label (str): The text on the phone, one line (leading/trailing spaces removed).
        number (PhoneNumber): The number (text is parsed, e.g. ``"+32 12 34 12 34"``).
    """

    kind: ClassVar[str] = "number"
    label: str = attrs.field(converter=_key_label)
    number: PhoneNumber = attrs.field(converter=_phone_number)


@attrs.frozen
class EmptyKey:
    """No function: the key is reset on the phone."""

    kind: ClassVar[str] = "empty"


Key: TypeAlias = LineKey | ExtensionKey | PhoneNumberKey | EmptyKey
"""Any key kind."""

_KEY_TYPES = (LineKey, ExtensionKey, PhoneNumberKey, EmptyKey)


def _layout_keys(
    value: Mapping[KeyPosition | str, Key] | Iterable[tuple[KeyPosition | str, Key]],
) -> tuple[tuple[KeyPosition, Key], ...]:
    items: Iterable[Any]
    if type(value) is list or type(value) is tuple:
        items = value  # what the checks below let through as it is, without them
    else:
        items = value.items() if isinstance(value, Mapping) else value
    if isinstance(items, str | bytes) or not isinstance(items, Iterable):
        raise KeyLayoutError(
            f"a key layout is a mapping of positions to keys, e.g. "
            f"{{'L20': LineKey(account=1)}}, not {value!r}",
            value=value,
        )
    pairs: dict[KeyPosition, tuple[KeyPosition, Key]] = {}
    for item in items:
        if not isinstance(item, tuple) or len(item) != 2:
            raise KeyLayoutError(
                f"a key layout is a mapping of positions to keys, e.g. "
                f"{{'L20': LineKey(account=1)}}; {item!r} is not a (position, key) pair",
                value=item,
            )
        raw_position, key = item
        position = KeyPosition.parse(raw_position)
        if not isinstance(key, _KEY_TYPES):
            raise KeyLayoutError(
                f"key {position} must be a LineKey, ExtensionKey, PhoneNumberKey or EmptyKey, "
                f"not {key!r}",
                position=str(position),
                value=key,
            )
        if position in pairs:
            raise KeyLayoutError(
                f"key {position} is given twice in the layout", position=str(position)
            )
        # a pair of a position and a key is kept as given, not copied
        same = type(item) is tuple and item[0] is position
        pairs[position] = cast(tuple[KeyPosition, Key], item) if same else (position, key)
    kept = [pair for pair in pairs.values() if not isinstance(pair[1], EmptyKey)]
    return tuple(sorted(kept, key=_pair_order))


def _pair_order(pair: tuple[KeyPosition, Key]) -> tuple[int, int, int]:
    return _position_order(pair[0])


@functools.lru_cache(maxsize=4096)
def _position_order(position: KeyPosition) -> tuple[int, int, int]:
    """``position.sort_key``, worked out once per position (positions are immutable)."""
    return position.sort_key


@attrs.frozen
class KeyLayout:
    """A phone's keys: position → key. Positions not named are empty.

    Build one from a mapping (text positions are parsed)::

        KeyLayout({"L20": ExtensionKey(username="adel.alkoubaisy@orange-labo.be"),
                   "L21": LineKey(account=1)})

    Args:
        keys (Mapping[KeyPosition | str, Key]): The keys; :class:`EmptyKey` entries are
            dropped, so two layouts that program the same keys are equal.

    Raises:
        KeyLayoutError: For a position given twice or a value that is not a key.
    """

    keys: tuple[tuple[KeyPosition, Key], ...] = attrs.field(default=(), converter=_layout_keys)

    def __getitem__(self, position: KeyPosition | str) -> Key:
        """The key at ``position``; :class:`EmptyKey` when none is set."""
        wanted = KeyPosition.parse(position)
        for found, key in self.keys:
            if found == wanted:
                return key
        return EmptyKey()

    def __iter__(self) -> Iterator[KeyPosition]:
        return (position for position, _key in self.keys)

    def __len__(self) -> int:
        return len(self.keys)

    def __contains__(self, position: object) -> bool:
        if not isinstance(position, KeyPosition | str):
            return False
        wanted = KeyPosition.parse(position)
        return any(found == wanted for found, _key in self.keys)

    def items(self) -> tuple[tuple[KeyPosition, Key], ...]:
        """``(position, key)`` pairs in position order (line, prog, expansion)."""
        return self.keys

    def with_key(self, position: KeyPosition | str, key: Key) -> KeyLayout:
        """A copy with ``key`` at ``position`` (an :class:`EmptyKey` clears it).

        Args:
            position: Where.
            key: The new key.

        Returns:
            The new layout.
        """
        wanted = KeyPosition.parse(position)
        rest = [(p, k) for p, k in self.keys if p != wanted]
        return KeyLayout([*rest, (wanted, key)])

    def usernames(self) -> frozenset[str]:
        """The usernames of every extension key."""
        return frozenset(k.username for _p, k in self.keys if isinstance(k, ExtensionKey))

    def to_records(self) -> list[dict[str, object]]:
        """One plain ``dict`` per programmed key: position, kind, what it does."""
        return [
            {"position": str(position), "kind": key.kind, "target": _key_target(key)}
            for position, key in self.keys
        ]

    def to_pandas(self) -> Any:
        """The keys as a :class:`pandas.DataFrame` (needs the ``pandas`` extra)."""
        return _html.records_to_pandas(self.to_records(), ("position", "kind", "target"))

    def __str__(self) -> str:
        if not self.keys:
            return "no keys programmed"
        return ", ".join(f"{p}: {_key_text(k)}" for p, k in self.keys)

    def _repr_html_(self) -> str:
        count = len(self.keys)
        caption = f"Key layout: {count} key{'' if count == 1 else 's'} programmed"
        return _html.table(self.to_records(), caption=caption, empty="no keys programmed")


def _to_layout(value: object) -> KeyLayout:
    """``layout=``: a :class:`KeyLayout`, or a mapping of positions to keys."""
    if isinstance(value, KeyLayout):
        return value
    if isinstance(value, Mapping):
        return KeyLayout(value)
    raise KeyLayoutError(
        f"layout must be a KeyLayout or a mapping of positions to keys, not {value!r}",
        field="layout",
        value=value,
    )


def _key_target(key: Key) -> str:
    """What a key points at: ``account 1``, ``a@b.be``, ``Helpdesk +32 …``."""
    if isinstance(key, LineKey):
        return f"account {key.account}"
    if isinstance(key, ExtensionKey):
        return key.username
    if isinstance(key, PhoneNumberKey):
        return f"{key.label} {key.number.international}"
    return ""


def _key_text(key: Key) -> str:
    """What a key does, in words: ``line 1``, ``extension a@b.be``, ``Helpdesk +32 …``."""
    if isinstance(key, LineKey):
        return f"line {key.account}"
    if isinstance(key, ExtensionKey):
        return f"extension {key.username}"
    if isinstance(key, PhoneNumberKey):
        return f"{key.label} {key.number.international}"
    return "empty"


def check_layout(
    layout: KeyLayout,
    model: PhoneModel,
    *,
    phone: str,
    modules: int = 0,
) -> None:
    """Check that every key of ``layout`` exists on ``model`` (with ``modules`` attached).

    Args:
        layout: The layout.
        model: The phone's model.
        phone: How to name the phone in the error, e.g. ``"08000FBBAD78"``.
        modules: Expansion modules attached to this phone.

    Raises:
        KeyLayoutError: Naming the phone, the position and the model's limit, for the first
            key that does not fit (a position outside the model, a module not attached, or a
            line key for an account the model does not have).
    """
    if modules > model.expansion_modules:
        raise KeyLayoutError(
            f"phone {phone}: {model.title} takes at most {model.expansion_modules} "
            f"expansion module(s), not {modules}",
            phone=phone,
            field="expansion_modules",
            value=modules,
            limit=model.expansion_modules,
        )
    # The common case, every key fits, costs a few comparisons per key; the message
    # is only built for the first key that does not fit.
    line, prog, per_module = model.line_keys, model.programmable_keys, model.expansion_keys
    accounts = model.max_accounts
    line_set, prog_set = KeySet.LINE, KeySet.PROG
    for position, key in layout.keys:
        key_set, index = position.set, position.index
        if key_set is line_set:
            fits = index <= line
        elif key_set is prog_set:
            fits = index <= prog
        else:
            fits = (position.module or 0) <= modules and index <= per_module
        if fits and (not isinstance(key, LineKey) or key.account <= accounts):
            continue
        _layout_error(position, key, model, phone=phone, modules=modules)


def _layout_error(
    position: KeyPosition, key: Key, model: PhoneModel, *, phone: str, modules: int
) -> None:
    """Raise the :class:`KeyLayoutError` for a key that :func:`check_layout` refuses."""
    where = f"phone {phone} ({model.title}): key {position} ({position.describe()})"
    if position.set is KeySet.EXPANSION and (position.module or 0) > modules:
        allowed = (
            f"{model.title} takes no expansion module"
            if model.expansion_modules == 0
            else f"this phone has {modules} expansion module(s) attached "
            f"(the model takes up to {model.expansion_modules})"
        )
        raise KeyLayoutError(
            f"{where} is on a module the phone does not have: {allowed}",
            phone=phone,
            position=str(position),
            limit=modules,
        )
    limit = model.keys_in(position.set)
    if position.index > limit:
        what = {
            KeySet.LINE: "line keys",
            KeySet.PROG: "programmable keys",
            KeySet.EXPANSION: f"keys per {model.expansion_module or 'expansion'} module",
        }[position.set]
        raise KeyLayoutError(
            f"{where} does not exist: the model has {limit} {what}",
            phone=phone,
            position=str(position),
            limit=limit,
        )
    if isinstance(key, LineKey) and key.account > model.max_accounts:
        raise KeyLayoutError(
            f"{where} is a line key for account {key.account}, but the model has "
            f"{model.max_accounts} account(s)",
            phone=phone,
            position=str(position),
            limit=model.max_accounts,
        )


def key_to_primitive(key: Key) -> dict[str, Any]:
    """A key as a plain dict for TOML/JSON: ``{"kind": "line", "account": 1}`` etc.

    Args:
        key: The key.

    Returns:
        ``kind`` and the key's fields (the number as E.164).
    """
    if isinstance(key, LineKey):
        return {"kind": "line", "account": key.account}
    if isinstance(key, ExtensionKey):
        return {"kind": "extension", "user": key.username}
    if isinstance(key, PhoneNumberKey):
        return {"kind": "number", "label": key.label, "number": key.number.e164}
    return {"kind": "empty"}


_KEY_FIELDS: dict[str, frozenset[str]] = {
    "line": frozenset({"account"}),
    "extension": frozenset({"user"}),
    "number": frozenset({"label", "number"}),
    "empty": frozenset(),
}


_KEYS_WITH_POSITION = {kind: names | {"kind", "position"} for kind, names in _KEY_FIELDS.items()}
_KEYS_WITHOUT_POSITION = {kind: names | {"kind"} for kind, names in _KEY_FIELDS.items()}


@functools.lru_cache(maxsize=256)
def _line_key(account: int) -> LineKey:
    """``LineKey(account=account)``, one shared value per account (keys are immutable)."""
    return LineKey(account=account)


def key_from_primitive(data: Mapping[str, Any]) -> Key:
    """Read a key written by :func:`key_to_primitive`.

    Args:
        data: ``{"kind": "extension", "user": "…"}``, ``{"kind": "line", "account": 1}``,
            ``{"kind": "number", "label": "…", "number": "+32…"}`` or ``{"kind": "empty"}``.

    Returns:
        The key.

    Raises:
        KeyLayoutError: For an unknown kind, a missing field or an unknown field.
    """
    fields = _KEY_FIELDS
    kind = data.get("kind")
    if kind not in fields:
        raise KeyLayoutError(
            f"key kind {kind!r} is unknown: use line, extension, number or empty",
            field="kind",
            value=kind,
        )
    required = fields[kind]
    given: Set[str] = required  # the fields a key of its kind has, no more and no fewer
    if data.keys() != _KEYS_WITH_POSITION[kind] and data.keys() != _KEYS_WITHOUT_POSITION[kind]:
        given = set(data) - {"kind", "position"}
    if missing := required - given:
        raise KeyLayoutError(
            f"a {kind} key needs {', '.join(sorted(missing))}", field="kind", value=kind
        )
    if unknown := given - required:
        raise KeyLayoutError(
            f"a {kind} key has no field {', '.join(sorted(unknown))}", field="kind", value=kind
        )
    if kind == "line":
        account = data["account"]
        return _line_key(account) if type(account) is int else LineKey(account=account)
    if kind == "extension":
        user = data["user"]
        return _extension_key(user) if type(user) is str else ExtensionKey(username=user)
    if kind == "number":
        label, number = data["label"], data["number"]
        if type(label) is str and type(number) is str:
            return _number_key(label, number)
        return PhoneNumberKey(label=label, number=number)
    return EmptyKey()


# Keys are immutable: the keys of a fleet's phones that name the same colleague or
# speed dial are one value each (a refused text raises each time, it is not cached).


@functools.lru_cache(maxsize=4096)
def _extension_key(user: str) -> ExtensionKey:
    return ExtensionKey(username=user)


@functools.lru_cache(maxsize=4096)
def _number_key(label: str, number: str) -> PhoneNumberKey:
    return PhoneNumberKey(label=label, number=number)


def layout_to_primitive(layout: KeyLayout) -> list[dict[str, Any]]:
    """A layout as a list of plain dicts, each with ``position`` first.

    Args:
        layout: The layout.

    Returns:
        ``[{"position": "L20", "kind": "extension", "user": "…"}, …]``.
    """
    return [{"position": str(p), **key_to_primitive(k)} for p, k in layout.items()]


def layout_from_primitive(data: Iterable[Mapping[str, Any]]) -> KeyLayout:
    """Read a layout written by :func:`layout_to_primitive`.

    Args:
        data: A list of dicts with ``position`` and the key's fields.

    Returns:
        The layout.

    Raises:
        KeyLayoutError: For a bad position or key (the message names the position).
    """
    if type(data) is not list and (
        isinstance(data, str | bytes | Mapping) or not isinstance(data, Iterable)
    ):
        raise KeyLayoutError(
            f"a key layout must be a list of keys, not {data!r}", field="layout", value=data
        )
    pairs: list[tuple[KeyPosition, Key]] = []
    for item in data:
        if type(item) is not dict and not isinstance(item, Mapping):
            raise KeyLayoutError(
                f"a key must be a table with position and kind, not {item!r}", value=item
            )
        if "position" not in item:
            raise KeyLayoutError(f"key {dict(item)!r} has no position", value=dict(item))
        position = KeyPosition.parse(item["position"])
        try:
            key = key_from_primitive(item)
        except InvalidValueError as exc:
            raise KeyLayoutError(
                f"key {position}: {exc.message}", position=str(position), **exc.context
            ) from exc
        pairs.append((position, key))
    return KeyLayout(pairs)


# ---------------------------------------------------------------------------
# Phones
# ---------------------------------------------------------------------------


def _to_mac(value: str | MacAddress) -> MacAddress:
    return MacAddress.parse(value)


def _ip(value: object) -> str:
    if value is None or value == "":
        return ""
    text = _text(value, "ip_address").strip()
    try:
        return str(ipaddress.ip_address(text))
    except ValueError as exc:
        raise InvalidValueError(
            f"ip_address {value!r} is not an IPv4 or IPv6 address like 81.164.240.106",
            field="ip_address",
            value=value,
        ) from exc


def _optional_username(value: object) -> str | None:
    if value is None or value == "":
        return None
    return _interned(_text(value, "user").strip().lower())


def _single_line(_instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if type(value) is str and unsafe_in_line(value) is None:
        return  # the common case, one line of text: what check_line accepts, sooner
    _text(value, attribute.name)


@attrs.frozen(kw_only=True)
class SipPhone:
    """A SIP desk phone of the organisation.

    Args:
        mac (MacAddress): The MAC address (any common notation; normalised). Unique.
        family (str): The driver family, e.g. ``"mitel"``.
        model (str): The model within the family, e.g. ``"6940"``.
        description (str): Free text, e.g. ``"reception desk"``.
        user (str | None): Username of the assigned user; ``None`` when unassigned.
        firmware (str): Firmware version last seen, e.g. ``"5.1.0.5048"``.
        ip_address (str): IP address last seen ("" when unknown); normalised.
        free_seating (bool): ``True`` for a free-seating phone (users log in with
            their PIN); ``False`` for a seated phone, the portal's default.
        expansion_modules (int): Expansion modules attached (0 when none).
        layout (KeyLayout): The programmed keys (a mapping such as
            ``{"L20": LineKey(account=1)}`` is taken too).
    """

    mac: MacAddress = attrs.field(converter=_to_mac)
    family: str = attrs.field(validator=attrs.validators.matches_re(r"[a-z][a-z0-9_]*"))
    model: str = attrs.field(validator=_single_line)
    description: str = attrs.field(default="", validator=_single_line)
    user: str | None = attrs.field(default=None, converter=_optional_username)
    firmware: str = attrs.field(default="", validator=_single_line)
    ip_address: str = attrs.field(default="", converter=_ip)
    free_seating: bool = attrs.field(default=False, validator=_flag)
    expansion_modules: int = attrs.field(default=0, validator=_count)
    layout: KeyLayout = attrs.field(factory=KeyLayout, converter=_to_layout)

    @property
    def name(self) -> str:
        """How messages name the phone: its MAC in uppercase."""
        return self.mac.upper

    def to_record(self) -> dict[str, object]:
        """The phone as one plain ``dict`` (a row of the phone table)."""
        return {
            "mac": self.mac.upper,
            "family": self.family,
            "model": self.model,
            "user": self.user,
            "description": self.description,
            "free_seating": self.free_seating,
            "expansion_modules": self.expansion_modules,
            "keys": len(self.layout),
            "ip_address": self.ip_address,
            "firmware": self.firmware,
        }

    def __str__(self) -> str:
        who = self.user or ("free seating" if self.free_seating else "unassigned")
        return f"{self.family} {self.model} {self.mac} ({who})"

    def _repr_html_(self) -> str:
        return _html.fields(f"Phone {self.mac}", self.to_record(), extra=self.layout._repr_html_())


# ---------------------------------------------------------------------------
# What drivers receive and return
# ---------------------------------------------------------------------------


class Transport(enum.Enum):
    """SIP transport of an account."""

    UDP = "udp"
    TCP = "tcp"
    TLS = "tls"


def _transport(value: Transport | str) -> Transport:
    return value if type(value) is Transport else Transport(value)


@attrs.frozen(kw_only=True)
class SipAccount:
    """A SIP account a phone registers, as written into its configuration.

    Args:
        username (str): SIP user name (the user part of the address of record).
        password (str): SIP password.
        display_name (str): Caller name shown to others and on the phone.
        registrar (str): Registrar / proxy host name or address, e.g. ``"sip.cloudtel.example"``.
        auth_name (str): Authentication name; "" means the same as ``username``.
        port (int): Registrar port.
        transport (Transport): UDP, TCP or TLS.
    """

    username: str = attrs.field(validator=_single_line)
    password: str = attrs.field(validator=_single_line)
    display_name: str = attrs.field(default="", validator=_single_line)
    registrar: str = attrs.field(validator=_single_line)
    auth_name: str = attrs.field(default="", validator=_single_line)
    port: int = attrs.field(default=5060, validator=_count)
    transport: Transport = attrs.field(default=Transport.UDP, converter=_transport)

    @property
    def effective_auth_name(self) -> str:
        """The authentication name, falling back to the user name."""
        return self.auth_name or self.username


def _accounts(values: Iterable[SipAccount]) -> tuple[SipAccount, ...]:
    return tuple(values)


def _sip_user(username: str) -> str:
    return username.split("@", 1)[0]


@attrs.frozen(kw_only=True)
class DirectoryLink:
    """A directory a phone shows, by the name its files are rendered under.

    The driver that rendered the directory named ``name`` knows its first file's
    path (``name`` plus its own suffix and page number); the phone's configuration
    points at ``server_url`` + that path.

    Args:
        title (str): What the phone calls the directory, e.g. the organisation's name.
        name (str): The name the directory was rendered under
            (:attr:`Directory.name`), e.g. ``"directory/mitel-org"``.
    """

    title: str = attrs.field(validator=_single_line)
    name: str = attrs.field(validator=_single_line)


def _links(values: Iterable[DirectoryLink]) -> tuple[DirectoryLink, ...]:
    return tuple(values)


@attrs.frozen(kw_only=True)
class PhoneContext:
    """Everything a driver needs besides the phone and its model.

    The core computes it from the organisation and its provisioning settings
    (:func:`cloudtel.provisioning.phone_context`); a driver only reads it. For the
    common files of a folder (:func:`~cloudtel.hookspecs.cloudtel_common_files`) the
    context has no accounts and the organisation's language.

    Args:
        directories (tuple[DirectoryLink, ...]): The shared directories the phone
            shows, the organisation's (or its scope's) first, then the user's own
            contacts when they differ from it. Empty: the phone's own directory file
            (named after its MAC), as before shared directories.
        firmware_url (str): Where this phone finds its firmware ("" = not written);
            resolved organisation → group → phone.
        nat_keepalive (int): NAT keep-alive interval in seconds (0 = not written).
        backup_registrar (str): Backup registrar host ("" = none).
        backup_registrar_port (int): Its port.
        accounts (tuple[SipAccount, ...]): The phone's accounts; ``accounts[0]`` is
            account 1 (the assigned user's line). Empty for an unassigned phone.
        names (Mapping[str, str]): Display name per username, for extension-key labels.
        server_url (str): Base URL the provisioning server serves the folder at,
            ending in ``/`` (drivers point the phone's directory setting there); "" when
            unknown, in which case no directory setting is written.
        sip_users (Mapping[str, str]): The SIP user name each username's account
            registers with (``adel.alkoubaisy@orange.be`` → ``adel.alkoubaisy``). An
            extension (BLF) key watches that user at the registrar of the line it is
            on, so it watches exactly the identity the colleague's phone registers;
            a username not listed follows the default rule, the part before the ``@``.
        pickup_code (str): The directed call pickup code the PBX takes before an
            extension (e.g. ``"*8"``); "" writes none. BLF keys pick up with it.
        time_rule (TimeRule | None): The organisation's time zone as phones take it;
            ``None`` writes none (the phone keeps its own).
        language (str): Two-letter language of the phone's menus (``"nl"``, ``"fr"``,
            ``"en"``), the user's where set; "" writes none.
        ntp_server (str): The time server; "" writes none.
        date_format (str): One of :data:`cloudtel.phone_clock.DATE_FORMATS`; "" writes none.
    """

    directories: tuple[DirectoryLink, ...] = attrs.field(default=(), converter=_links)
    firmware_url: str = attrs.field(default="", validator=_single_line)
    nat_keepalive: int = attrs.field(default=0, validator=_count)
    backup_registrar: str = attrs.field(default="", validator=_single_line)
    backup_registrar_port: int = attrs.field(default=5060, validator=_count)
    accounts: tuple[SipAccount, ...] = attrs.field(default=(), converter=_accounts)
    names: Mapping[str, str] = attrs.field(factory=dict, hash=False)
    server_url: str = attrs.field(default="", validator=_single_line)
    sip_users: Mapping[str, str] = attrs.field(factory=dict, hash=False)
    pickup_code: str = attrs.field(default="", validator=_single_line)
    time_rule: TimeRule | None = None
    language: str = attrs.field(default="", validator=_single_line)
    ntp_server: str = attrs.field(default="", validator=_single_line)
    date_format: str = attrs.field(default="", validator=_single_line)

    def label_for(self, username: str) -> str:
        """The label of an extension key: the colleague's name, else the username's local part.

        Args:
            username: The colleague's username.

        Returns:
            The label text (not yet escaped for any format).
        """
        return self.names.get(username) or username.split("@", 1)[0]

    def sip_user(self, username: str) -> str:
        """The SIP user an extension key on ``username`` watches (see :attr:`sip_users`).

        Args:
            username: The colleague's username.

        Returns:
            The SIP user name their account registers with.
        """
        return self.sip_users.get(username) or _sip_user(username)

    def username_for(self, sip_user: str) -> str:
        """The username whose account registers as ``sip_user`` (the reverse of :meth:`sip_user`).

        Looks in :attr:`sip_users`, then among the usernames of :attr:`names` by the
        default rule; a SIP user of nobody known comes back unchanged.

        Args:
            sip_user: A watched SIP user, e.g. read back from a BLF key.

        Returns:
            The username, or ``sip_user`` when no user is known by it.
        """
        for username, user in self.sip_users.items():
            if user == sip_user:
                return username
        for username in self.names:
            if username not in self.sip_users and _sip_user(username) == sip_user:
                return username
        return sip_user

    def resolve_layout(self, layout: KeyLayout) -> KeyLayout:
        """A layout read back from a file, with each extension key's SIP user made a username.

        Args:
            layout: From a driver's ``parse_config`` (BLF keys carry SIP users).

        Returns:
            The same layout with :meth:`username_for` applied to each extension key.
        """
        return KeyLayout(
            [
                (p, ExtensionKey(username=self.username_for(k.username)))
                if isinstance(k, ExtensionKey)
                else (p, k)
                for p, k in layout.items()
            ]
        )


@attrs.frozen(kw_only=True)
class DirectoryNumber:
    """One number of a directory entry.

    Args:
        label (str): What kind of number, e.g. ``"work"``, ``"mobile"``.
        number (PhoneNumber): The number.
    """

    label: str = attrs.field(default="", validator=_single_line)
    number: PhoneNumber = attrs.field(converter=_phone_number)


def _directory_numbers(values: Iterable[DirectoryNumber]) -> tuple[DirectoryNumber, ...]:
    return tuple(values)


@attrs.frozen(kw_only=True)
class DirectoryEntry:
    """A person or company in a phone's directory, with one or more numbers.

    Args:
        name (str): The name shown.
        numbers (tuple[DirectoryNumber, ...]): The numbers, first one preferred.
    """

    name: str = attrs.field(validator=_single_line)
    numbers: tuple[DirectoryNumber, ...] = attrs.field(converter=_directory_numbers)


def _directory_entries(values: Iterable[DirectoryEntry]) -> tuple[DirectoryEntry, ...]:
    return tuple(values)


@attrs.frozen(kw_only=True)
class Directory:
    """A phone directory: the entries a phone shows, in order.

    Args:
        title (str): The directory's title on the phone.
        entries (tuple[DirectoryEntry, ...]): The entries, sorted as they should show.
        name (str): For a directory shared by many phones, the name its files are
            rendered under (a relative path without suffix, e.g.
            ``"directory/mitel-org"``; the driver adds page numbers and its suffix).
            "" for one phone's own directory, whose files the driver names after the
            phone's MAC.
    """

    title: str = attrs.field(default="Directory", validator=_single_line)
    entries: tuple[DirectoryEntry, ...] = attrs.field(default=(), converter=_directory_entries)
    name: str = attrs.field(default="", validator=_single_line)


@attrs.frozen(kw_only=True)
class RenderedFile:
    """One file a driver produced, relative to the provisioning folder.

    Args:
        path (str): Relative POSIX path, e.g. ``"08000FBBAD78.cfg"``; no ``..``, no leading ``/``.
        content (bytes): The exact bytes to serve.
        media_type (str): The MIME type to serve it with.
    """

    path: str = attrs.field()
    content: bytes
    media_type: str = "text/plain"

    @path.validator
    def _check_path(self, _attribute: attrs.Attribute[str], value: str) -> None:
        if type(value) is str and "/" not in value and value not in {"", ".", ".."}:
            return  # a plain file name, what drivers write
        parts = value.split("/")
        if not value or value.startswith("/") or any(p in {"", ".", ".."} for p in parts):
            raise InvalidValueError(
                f"rendered file path {value!r} must be relative, without '..' or empty parts",
                field="path",
                value=value,
            )


@attrs.frozen(kw_only=True)
class ParsedConfig:
    """What a driver reads back from a phone configuration.

    Args:
        account (SipAccount | None): Account 1, or ``None`` when the file has none.
        layout (KeyLayout): The programmed keys (reset keys are absent).
    """

    account: SipAccount | None
    layout: KeyLayout


def normalize_search(text: str) -> str:
    """Fold case and accents for name search (``"André"`` matches ``"andre"``).

    Args:
        text: Any text.

    Returns:
        Lower-case text without combining accents.
    """
    if text.isascii():  # nothing to decompose (most names): the fast path
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
