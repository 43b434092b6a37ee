"""Organisation files: TOML for humans, JSON for machines.

One converter factory per wire format (:func:`make_converter`), built on cattrs:

- a :class:`~cloudtel.PhoneNumber` is its E.164 text; on load any notation is
  accepted and read with the organisation's country;
- a :class:`~cloudtel.NumberRange` is ``"+3227811600-+3227811699"``;
- enums are their values; dates, times and date-times are native TOML values
  in TOML and ISO 8601 text in JSON (either is accepted on load);
- tuples and sets are arrays; fields left at their default are not written;
- keys the schema does not know are an error that names them.

An org file has a ``schema_version``, an ``[organization]`` table, arrays of
``groups`` and ``users``, and one table per part (``contacts``, ``prompts``, …).
An organisation with parts of its own (a subclass of
:class:`~cloudtel.Organization` declaring more :func:`~cloudtel.part` fields) is
saved the same way and read back with ``load(path, organization=TheSubclass)``.
Loading reports *all* problems at once (:class:`~cloudtel.FileProblemsError`),
each with its path in the file, e.g. ``users[12].mobile_phones[0].number``.

An organisation lives in a folder: the org file plus the files it refers to by
relative path (prompt audio, photos). :func:`save` holds the file's lock
(:mod:`cloudtel._locking`), re-reads the file, merges another edit saved since
this organisation was loaded (:func:`merge`; overlapping edits raise
:class:`~cloudtel.ConflictError`), writes atomically and appends an entry to
the file's journal (:mod:`cloudtel._journal`). See :doc:`/concurrent-editing`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import functools
import gc
import hashlib
import json
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any, Literal, NoReturn, TypeVar, overload

import attrs
import cattrs
import tomli_w
from cattrs.cols import is_any_set, is_sequence

from cloudtel import _journal
from cloudtel._fastread import register_fast_readers
from cloudtel._files import atomic_write, atomic_write_chunks, read_bounded
from cloudtel._locking import clean_temporaries, file_lock
from cloudtel._merging import describe, merge_data
from cloudtel.changes import ChangeSet, ObjectKey, ObjectRef, diff_objects, objects_of
from cloudtel.contacts.model import Contact, PhoneEntry
from cloudtel.devices import (
    KeyLayout,
    MacAddress,
    SipPhone,
    layout_from_primitive,
    layout_to_primitive,
)
from cloudtel.errors import CloudtelError, ConflictError, FileProblemsError, Problem
from cloudtel.numbers import DEFAULT_COUNTRY, NumberRange, PhoneNumber
from cloudtel.org import Organization, snapshot
from cloudtel.schedules._serialize import configure_schedule_converter
from cloudtel.services import PluginServices
from cloudtel.users import MobilePhone, User, UserGroup

__all__ = [
    "SCHEMA_VERSION",
    "Format",
    "dumps",
    "from_data",
    "load",
    "loads",
    "make_converter",
    "merge",
    "save",
    "to_data",
]

SCHEMA_VERSION = 1
"""The version of the org file layout this cloudtel writes and reads."""

Format = Literal["toml", "json"]
"""A wire format of org files."""

_MAX_ORG_FILE_BYTES = 1024 * 1024 * 1024
"""The largest org file :func:`load` reads: 1 GiB; a bigger one (or a device) is refused."""

_T = TypeVar("_T")
_O = TypeVar("_O", bound=Organization)
_TOP_KEYS = ("schema_version", "organization", "groups", "users")


def _text_to(kind: type[Any]) -> Callable[[Any, type[Any]], Any]:
    parse = kind.fromisoformat

    def structure(value: Any, _type: type[Any]) -> Any:
        if isinstance(value, kind) and (kind is not dt.date or not isinstance(value, dt.datetime)):
            return value
        if isinstance(value, str):
            return parse(value)
        raise ValueError(f"expected a {kind.__name__} in ISO 8601 form, not {value!r}")

    return structure


def _strict_primitives(converter: cattrs.Converter) -> None:
    """Refuse values of the wrong kind instead of converting them.

    cattrs would turn ``"no"`` into ``True``, ``5`` into ``"5"`` and ``"Sales"`` into
    the groups ``S, a, l, e, s``; in a file a user wrote, each is a mistake to report.
    """

    def structure_str(value: Any, kind: type[Any]) -> Any:
        if not isinstance(value, str):
            raise ValueError(f"expected text, not {value!r}")
        return value if kind is str else kind(value)

    def structure_bool(value: Any, _kind: type[Any]) -> bool:
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, not {value!r}")
        return value

    busy: set[Any] = set()

    def is_collection(kind: Any) -> bool:
        try:
            return (is_sequence(kind) or is_any_set(kind)) and kind not in busy
        except TypeError:  # an unhashable type argument
            return False

    def collection_factory(kind: Any) -> Callable[[Any, Any], Any]:
        busy.add(kind)  # ask for cattrs' own hook of this type, not this one again
        try:
            inner = converter.get_structure_hook(kind, cache_result=False)
        finally:
            busy.discard(kind)

        def structure(value: Any, kind: Any) -> Any:
            if not isinstance(value, list | tuple | set | frozenset):
                raise ValueError(f"expected an array, not {type(value).__name__} {value!r}")
            return inner(value, kind)

        return structure

    converter.register_structure_hook(str, structure_str)
    converter.register_structure_hook(bool, structure_bool)
    converter.register_structure_hook_factory(is_collection, collection_factory)


def _no_services(value: Any, _type: type[Any]) -> NoReturn:
    raise ValueError(f"an organisation's plugin services are not read from a file: {value!r}")


def configure_converter(converter: cattrs.Converter, *, fmt: Format, region: str) -> None:
    """Teach a converter cloudtel's value types for the wire format ``fmt``.

    Args:
        converter (cattrs.Converter): The converter to configure.
        fmt (Format): ``"toml"`` or ``"json"``.
        region (str): Country for numbers written without a country code.
    """
    _configure_plain(converter, fmt=fmt, region=region)
    # users, phones and contacts come by the hundred thousand: read the plain tables of
    # a file cloudtel wrote without cattrs' per-field machinery (same objects, same errors)
    register_fast_readers(converter, [MobilePhone, User, PhoneEntry, Contact, SipPhone])


def _configure_plain(converter: cattrs.Converter, *, fmt: Format, region: str) -> None:
    """:func:`configure_converter` without the fast readers (what they are tested against)."""

    def structure_number(value: Any, _type: type[Any]) -> PhoneNumber:
        if isinstance(value, PhoneNumber):
            return value
        if not isinstance(value, str):
            raise ValueError(f"expected a phone number as text like '+3292470680', not {value!r}")
        return PhoneNumber.parse(value, region)

    def structure_range(value: Any, _type: type[Any]) -> NumberRange:
        if not isinstance(value, str):
            raise ValueError(f"expected a number range like '+3227811600-+3227811699': {value!r}")
        return NumberRange.parse(value, region)

    _strict_primitives(converter)
    converter.register_structure_hook(PhoneNumber, structure_number)
    converter.register_unstructure_hook(PhoneNumber, lambda number: number.e164)
    converter.register_structure_hook(NumberRange, structure_range)
    converter.register_unstructure_hook(NumberRange, str)
    for kind in (dt.datetime, dt.date, dt.time):
        converter.register_structure_hook(kind, _text_to(kind))
        if fmt == "json":
            converter.register_unstructure_hook(kind, lambda value: value.isoformat())
        else:
            converter.register_unstructure_hook(kind, lambda value: value)
    converter.register_unstructure_hook(
        frozenset, lambda values: sorted(converter.unstructure(v) for v in values)
    )
    converter.register_structure_hook(MacAddress, lambda value, _type: MacAddress(value))
    converter.register_unstructure_hook(MacAddress, lambda mac: mac.upper)
    converter.register_structure_hook(KeyLayout, lambda value, _type: layout_from_primitive(value))
    converter.register_structure_hook(PluginServices, _no_services)
    converter.register_unstructure_hook(KeyLayout, layout_to_primitive)
    configure_schedule_converter(converter)


def make_converter(
    fmt: Format = "json", *, region: str = DEFAULT_COUNTRY, forbid_extra_keys: bool = True
) -> cattrs.Converter:
    """A cattrs converter for org files in the wire format ``fmt``.

    Args:
        fmt (Format): ``"toml"`` or ``"json"``.
        region (str): Country for numbers written without a country code.
        forbid_extra_keys (bool): Unknown keys are an error (the default).
    """
    converter = cattrs.Converter(forbid_extra_keys=forbid_extra_keys, omit_if_default=True)
    configure_converter(converter, fmt=fmt, region=region)
    return converter


@functools.lru_cache(maxsize=32)
def _shared_converter(fmt: Format, region: str) -> cattrs.Converter:
    """The converter :func:`to_data` and :func:`from_data` use, built once per format
    and region: cattrs generates code for every class on first use, which is slow."""
    return make_converter(fmt, region=region)


@functools.lru_cache(maxsize=32)
def _lenient_converter(fmt: Format, region: str) -> cattrs.Converter:
    """Like :func:`_shared_converter` but passing over unknown keys: used only to find
    the other problems of an item whose unknown keys were already reported."""
    return make_converter(fmt, region=region, forbid_extra_keys=False)


# --- to data -------------------------------------------------------------------


def _header_fields(cls: type[Organization]) -> list[attrs.Attribute[Any]]:
    return [f for f in attrs.fields(cls) if f.init and f.eq and not f.metadata.get("part")]


def _part_type(cls: type[Organization], name: str) -> type[Any]:
    """The class of the part ``name`` of ``cls``: its factory, or what the factory makes."""
    factory = attrs.fields_dict(cls)[name].default.factory  # type: ignore[union-attr]
    return factory if isinstance(factory, type) else type(factory())


def to_data_header(org: Organization, converter: cattrs.Converter) -> dict[str, Any]:
    """The ``[organization]`` table of the organisation: its fields not at their default."""
    header: dict[str, Any] = {}
    for field in _header_fields(type(org)):
        value = getattr(org, field.name)
        default: Any = field.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            default = default.factory()
        if value != default or default is attrs.NOTHING:
            header[field.name] = converter.unstructure(value)
    cleaned: dict[str, Any] = _drop_none(header)
    return cleaned


def to_data(org: Organization, fmt: Format = "json") -> dict[str, Any]:
    """The organisation as plain data (dicts, lists, text) for ``fmt``."""
    converter = _shared_converter(fmt, org.country)
    header = to_data_header(org, converter)
    data: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "organization": header}
    data["groups"] = [converter.unstructure(g, UserGroup) for g in org.groups]
    data["users"] = [converter.unstructure(u, User) for u in org.users]
    for name, item in zip(org.part_names(), org.parts(), strict=True):
        unstructured = converter.unstructure(item, type(item))
        if unstructured:
            data[name] = unstructured
    cleaned: dict[str, Any] = _drop_none(data)
    return cleaned


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def dumps(org: Organization, fmt: Format = "toml") -> str:
    """The organisation as the text of an org file in ``fmt``."""
    data = to_data(org, fmt)
    if fmt == "toml":
        return tomli_w.dumps(data)
    return _json_text(data)


def _json_text(data: Any) -> str:
    """``json.dumps(data, ensure_ascii=False, indent=2)`` and a newline, byte for byte.

    With ``indent``, :mod:`json` falls back to its pure-Python encoder, which made saving
    slower than loading; this writer walks the plain data (tables, arrays, text,
    numbers, booleans) directly and escapes text with json's C function.
    """
    parts: list[str] = []
    try:
        _write_json(data, "\n", parts)
    except _NotPlainError:
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    parts.append("\n")
    return "".join(parts)


class _NotPlainError(Exception):
    """A value :func:`_write_json` leaves to :func:`json.dumps`."""


_TEXT = json.encoder.encode_basestring  # the C function when available
_FLOAT = json.JSONEncoder(ensure_ascii=False).encode


def _write_json(value: Any, newline: str, parts: list[str], drop_none: bool = False) -> None:
    """Append the JSON text of ``value`` to ``parts``, indented as after ``newline``.

    With ``drop_none``, a table's keys whose value is ``None`` are left out, at
    every depth, as :func:`_drop_none` would have removed them first.
    """
    kind = type(value)
    if kind is str:
        parts.append(_TEXT(value))
    elif kind is dict:
        inner = newline + "  "
        comma = "," + inner
        separator = "{" + inner
        written = False
        for key, item in value.items():
            if item is None and drop_none:
                continue
            if type(key) is not str:
                raise _NotPlainError
            if type(item) is str:  # most values: written here, without a call
                parts.append(separator + _TEXT(key) + ": " + _TEXT(item))
            else:
                parts.append(separator + _TEXT(key) + ": ")
                _write_json(item, inner, parts, drop_none)
            separator = comma
            written = True
        parts.append(newline + "}" if written else "{}")
    elif kind is list:
        if not value:
            parts.append("[]")
            return
        inner = newline + "  "
        comma = "," + inner
        separator = "[" + inner
        for item in value:
            if type(item) is str:
                parts.append(separator + _TEXT(item))
            else:
                parts.append(separator)
                _write_json(item, inner, parts, drop_none)
            separator = comma
        parts.append(newline + "]")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif value is None:
        parts.append("null")
    elif kind is int:
        parts.append(int.__repr__(value))
    elif kind is float:
        parts.append(_FLOAT(value))
    else:
        raise _NotPlainError


_CHUNK_PARTS = 65_536
"""How many pieces of text :func:`_json_chunks` gathers before handing them on."""


def _stream_json(value: Any, newline: str, out: list[str], depth: int) -> Iterator[str]:
    """:func:`_write_json` with ``drop_none``, handing on the text gathered in ``out``
    between the elements of the tables and arrays of the first ``depth`` levels."""
    kind = type(value)
    if depth == 0 or (kind is not dict and kind is not list):
        _write_json(value, newline, out, True)
        if len(out) >= _CHUNK_PARTS:
            yield "".join(out)
            out.clear()
        return
    inner = newline + "  "
    if kind is dict:
        opening = "{" + inner
        separator = opening
        for key, item in value.items():
            if item is None:
                continue
            if type(key) is not str:
                raise _NotPlainError
            out.append(separator + _TEXT(key) + ": ")
            yield from _stream_json(item, inner, out, depth - 1)
            separator = "," + inner
        out.append("{}" if separator is opening else newline + "}")
        return
    if not value:
        out.append("[]")
        return
    separator = "[" + inner
    for item in value:
        out.append(separator)
        yield from _stream_json(item, inner, out, depth - 1)
        separator = "," + inner
    out.append(newline + "]")


def _json_chunks(org: Organization) -> Iterator[str]:
    """The text :func:`dumps` writes for ``org`` in JSON, in pieces, built as it goes.

    Each group and user is turned into plain data, written and dropped before
    the next, instead of first building the data of the whole organisation
    (as :func:`to_data` does) and then its text: the same text with a fraction
    of the memory. Raises :class:`_NotPlainError` where :func:`dumps` would use
    :func:`json.dumps` (a part's data holding a value other than tables,
    arrays, text, numbers and booleans).
    """
    converter = _shared_converter("json", org.country)
    out: list[str] = ["{\n  " + _TEXT("schema_version") + ": " + int.__repr__(SCHEMA_VERSION)]
    out.append(",\n  " + _TEXT("organization") + ": ")
    _write_json(to_data_header(org, converter), "\n  ", out, True)
    for key, items, kind in (("groups", org.groups, UserGroup), ("users", org.users, User)):
        out.append(",\n  " + _TEXT(key) + ": ")
        if not items:
            out.append("[]")
            continue
        separator = "[\n    "
        for item in items:  # one object's data at a time: built, written, dropped
            out.append(separator)
            yield from _stream_json(converter.unstructure(item, kind), "\n    ", out, 0)
            separator = ",\n    "
        out.append("\n  ]")
    for name, part in zip(org.part_names(), org.parts(), strict=True):
        value = converter.unstructure(part, type(part))
        if not value:
            continue
        out.append(",\n  " + _TEXT(name) + ": ")
        yield from _stream_json(value, "\n  ", out, 3)  # part → its arrays → their elements
        del value
    out.append("\n}\n")
    yield "".join(out)


# --- from data -----------------------------------------------------------------


def _enum_values(kind: Any) -> str:
    for member in (kind, *getattr(kind, "__args__", ())):
        if isinstance(member, type) and issubclass(member, enum.Enum):
            return ", ".join(repr(item.value) for item in member)
    return ""


def _problems(exc: BaseException, path: str) -> list[Problem]:
    fields: list[str] = []

    def describe(error: BaseException, _type: Any) -> str:
        if isinstance(error, CloudtelError):
            fields.append(str(error.context.get("field", "")))
            return str(error)
        fields.append("")
        if isinstance(error, KeyError):
            return "required field missing"
        if isinstance(error, AttributeError | TypeError) and (
            "keys" in str(error) or "not iterable" in str(error)
        ):
            return "expected a table of keys and values"
        if isinstance(error, ValueError) and str(error):
            allowed = _enum_values(_type)
            return f"{error}; allowed: {allowed}" if allowed else str(error)
        return cattrs.v.format_exception(error, _type)

    found = []
    lines = cattrs.transform_error(exc, path=path, format_exception=describe)
    for line, field in zip(lines, fields, strict=False):
        message, _, where = line.rpartition(" @ ")
        where = where.removeprefix("$.")
        if field and not where.endswith(f".{field}"):
            where = f"{where}.{field}"
        found.append(Problem(where, message))
    return found


def _structure(
    converter: cattrs.Converter,
    data: Any,
    kind: type[_T],
    path: str,
    problems: list[Problem],
    *,
    lenient: cattrs.Converter | None = None,
) -> _T | None:
    try:
        return converter.structure(data, kind)
    except CloudtelError as exc:
        field = exc.context.get("field")
        problems.append(Problem(f"{path}.{field}" if field else path, str(exc)))
    except (cattrs.BaseValidationError, ValueError, TypeError, KeyError, AttributeError) as exc:
        found = _problems(exc, path)
        problems.extend(found)
        if lenient is not None and any(p.message.startswith("extra fields") for p in found):
            # cattrs stops at unknown keys; look again past them for the other problems
            more: list[Problem] = []
            _structure(lenient, data, kind, path, more)
            problems.extend(p for p in more if p not in found)
    return None


def _is_table(value: Any, path: str, problems: list[Problem]) -> bool:
    """Whether ``value`` is a table (a dict); if not, say so at ``path``."""
    if isinstance(value, dict):
        return True
    problems.append(
        Problem(path, f"expected a table of keys and values, not {type(value).__name__} {value!r}")
    )
    return False


def _array(data: dict[str, Any], key: str, problems: list[Problem]) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        problems.append(Problem(key, f"expected an array of tables, not {type(value).__name__}"))
        return []
    return value


@overload
def from_data(data: Any, *, source: str = "<data>") -> Organization: ...
@overload
def from_data(data: Any, *, source: str = "<data>", organization: type[_O]) -> _O: ...
def from_data(
    data: Any, *, source: str = "<data>", organization: type[Organization] = Organization
) -> Organization:
    """Build an organisation from plain data, checking everything.

    Args:
        data (Any): The content of an org file, as plain data.
        source (str): Where the data came from, for the error message.
        organization (type[Organization]): The class to build: a subclass of
            :class:`~cloudtel.Organization` reads the parts it declares too.

    Raises:
        FileProblemsError: Listing every problem found, each with its path.
    """
    _refuse_surrogates(data, source)
    return _from_data(data, source, organization)


_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _surrogate_paths(value: Any, path: str) -> Iterator[str]:
    """The paths of the texts (keys and values) in ``value`` holding a lone surrogate."""
    if isinstance(value, str):
        if _SURROGATE.search(value):
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and _SURROGATE.search(key):
                yield f"{path}.{key!r}" if path else repr(key)
            yield from _surrogate_paths(item, where)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _surrogate_paths(item, f"{path}[{index}]")


def _refuse_surrogates(data: Any, source: str) -> None:
    """Refuse data holding a lone surrogate: it is not text, and no file can hold it."""
    problems = [
        Problem(where, "contains a lone surrogate (like \\ud800), which is not text")
        for where in _surrogate_paths(data, "")
    ]
    if problems:
        raise FileProblemsError(source, problems)


def _from_data(
    data: Any, source: str, organization: type[Organization], *, consume: bool = False
) -> Organization:
    """The organisation of ``data``; ``consume``: ``data`` is this call's alone (parsed
    from a file here), and each piece is let go once it is structured, so that a big
    file's plain data and its organisation are not both held in full."""
    cls = organization
    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise FileProblemsError(source, [Problem("", "an org file must be a table of keys")])
    parts = cls.part_names()
    for key in data:
        if key not in _TOP_KEYS and key not in parts:
            allowed = ", ".join((*_TOP_KEYS, *parts))
            problems.append(Problem(key, f"unknown key {key!r}; the keys are: {allowed}"))
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        problems.append(
            Problem(
                "schema_version",
                f"schema_version must be {SCHEMA_VERSION} (this cloudtel's file layout), "
                f"found {version!r}",
            )
        )
    header = data.get("organization")
    if not isinstance(header, dict):
        problems.append(Problem("organization", "the [organization] table is missing"))
        header = {}
    for key in header:
        if key in parts:
            problems.append(
                Problem(f"organization.{key}", f"{key!r} belongs at the top level, not here")
            )
    header = {k: v for k, v in header.items() if k not in parts}
    region = header.get("country", DEFAULT_COUNTRY)
    region = region if isinstance(region, str) else DEFAULT_COUNTRY
    converter = _shared_converter("json", region)
    lenient = _lenient_converter("json", region)

    structured_parts = {}
    for name in parts:
        if name in data and _is_table(data[name], name, problems):
            kind = _part_type(cls, name)
            value = _structure(converter, data[name], kind, name, problems, lenient=lenient)
            if value is not None:
                structured_parts[name] = value
            if consume:
                data[name] = None
    org = _structure(converter, header, cls, "organization", problems)
    if org is None:  # reported; still cross-check the groups and users
        org = _stand_in(cls, converter, header, problems)
    if org is not None:
        for name, value in structured_parts.items():
            object.__setattr__(org, name, value)
            value.attach(org)
    groups = _structure_all(
        converter, data, "groups", UserGroup, problems=problems, lenient=lenient, consume=consume
    )
    users = _structure_all(
        converter, data, "users", User, problems=problems, lenient=lenient, consume=consume
    )
    if org is None:
        raise FileProblemsError(source, problems)
    _fill(org, groups, org.add_group, problems)
    with org._while_parts_are_still():  # adding users changes no part
        _fill(org, users, org.add_user, problems)
    with org._while_parts_are_still():  # checking changes nothing
        for item in org.parts():
            problems.extend(item.problems())
    if problems:
        raise FileProblemsError(source, problems)
    return org


def _structure_all(
    converter: cattrs.Converter,
    data: dict[str, Any],
    key: str,
    kind: type[_T],
    *,
    problems: list[Problem],
    lenient: cattrs.Converter,
    consume: bool,
) -> list[tuple[str, _T | None]]:
    """Each table of the array ``data[key]`` structured as ``kind``, with its path;
    ``consume``: each table is let go from the array once structured."""
    items = _array(data, key, problems)
    found: list[tuple[str, _T | None]] = []
    for index, item in enumerate(items):
        path = f"{key}[{index}]"
        if _is_table(item, path, problems):
            found.append((path, _structure(converter, item, kind, path, problems, lenient=lenient)))
        if consume:
            items[index] = None
    return found


def _stand_in(
    cls: type[Organization],
    converter: cattrs.Converter,
    header: dict[str, Any],
    problems: list[Problem],
) -> Organization | None:
    """An organisation of the header's fields that are valid on their own.

    When the ``[organization]`` table has problems, the groups and users are still
    checked against this stand-in, so that one mistake in the header does not
    hide theirs; each header field is checked alone too (cattrs stops before the
    validators when a table has an unknown key), adding what was not reported.
    ``None`` when the number ranges cannot be read: every line would look out of
    range.
    """
    known = {field.name for field in _header_fields(cls)}
    good: dict[str, Any] = {"name": "-", "domain": "-"}
    reported = {problem.path for problem in problems}
    for key, value in header.items():
        if key not in known:
            continue
        found: list[Problem] = []
        _structure(converter, {**good, key: value}, cls, "organization", found)
        if found:
            problems.extend(p for p in found if p.path not in reported)
        else:
            good[key] = value
    if "number_ranges" not in good:
        return None
    try:
        return converter.structure(good, cls)
    except (CloudtelError, cattrs.BaseValidationError, ValueError, TypeError, KeyError):
        return None


def _fill(
    _org: Organization,
    items: Iterable[tuple[str, Any]],
    add: Callable[[Any], Any],
    problems: list[Problem],
) -> None:
    for path, item in items:
        if item is None:
            continue
        try:
            add(item)
        except CloudtelError as exc:
            field = exc.context.get("field")
            problems.append(Problem(f"{path}.{field}" if field else path, str(exc)))


@overload
def loads(text: str, fmt: Format = "toml", *, source: str = "<text>") -> Organization: ...
@overload
def loads(
    text: str, fmt: Format = "toml", *, source: str = "<text>", organization: type[_O]
) -> _O: ...
def loads(
    text: str,
    fmt: Format = "toml",
    *,
    source: str = "<text>",
    organization: type[Organization] = Organization,
) -> Organization:
    """Read an organisation from the text of an org file.

    Args:
        text (str): The text of the org file.
        fmt (Format): ``"toml"`` or ``"json"``.
        source (str): Where the text came from, for the error message.
        organization (type[Organization]): The class to build: a subclass of
            :class:`~cloudtel.Organization` reads the parts it declares too.

    Raises:
        FileProblemsError: The text is not valid TOML/JSON, or has problems.
    """
    with _collector_paused():
        return _from_data(_parsed(text, fmt, source), source, organization, consume=True)


def _parsed(text: str, fmt: Format, source: str) -> Any:
    """The plain data of an org file's text, refused when it is not valid or holds a
    lone surrogate."""
    try:
        data = tomllib.loads(text) if fmt == "toml" else json.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FileProblemsError(source, [Problem("", f"not valid TOML: {exc}")]) from exc
    except json.JSONDecodeError as exc:
        raise FileProblemsError(source, [Problem("", f"not valid JSON: {exc}")]) from exc
    # TOML cannot hold a lone surrogate; JSON can, only as an escape: look for it
    # in the data only when the text has such an escape (most files have none)
    if _SURROGATE.search(text) or (fmt == "json" and _SURROGATE_ESCAPE.search(text)):
        _refuse_surrogates(data, source)
    return data


def _decoded(raw: bytes, fmt: Format, source: str) -> Any:
    """The plain data of an org file's bytes; the text is let go before the caller
    builds the organisation (at 100 000 users it is 90 MB)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileProblemsError(source, [Problem("", f"not UTF-8 text: {exc}")]) from exc
    return _parsed(text, fmt, source)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a file's objects are built.

    Reading a big organisation allocates hundreds of thousands of objects and
    next to no cycles; the collector would scan the growing heap over and over
    (a fifth of the load time at 100 000 users). It runs again afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _format_of(path: Path) -> Format:
    suffix = path.suffix.lower()
    if suffix == ".toml":
        return "toml"
    if suffix == ".json":
        return "json"
    raise FileProblemsError(
        str(path), [Problem("", f"unknown file type {suffix!r}: org files end in .toml or .json")]
    )


def _safe_relative(name: str) -> PurePosixPath:
    rel = PurePosixPath(name)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts or "\x00" in name:
        raise FileProblemsError(
            name, [Problem("", f"file path {name!r} must stay inside the organisation's folder")]
        )
    return rel


def _inside(folder: Path, name: str) -> Path:
    """The file ``name`` of the organisation's folder; refused when it, or a folder on the
    way (``prompts`` as a symbolic link), leads outside the folder."""
    target = folder / _safe_relative(name)
    home = folder.resolve()
    if not target.resolve().is_relative_to(home):
        raise FileProblemsError(
            str(target),
            [
                Problem(
                    "",
                    f"file path {name!r} leads outside the organisation's folder {home} "
                    "(through a symbolic link); refusing to read or write it there",
                )
            ],
            path=str(target),
        )
    return target


@overload
def load(path: str | Path) -> Organization: ...
@overload
def load(path: str | Path, *, organization: type[_O]) -> _O: ...
def load(path: str | Path, *, organization: type[Organization] = Organization) -> Organization:
    """Load an organisation from an org file (``.toml`` or ``.json``).

    The files the organisation keeps beside it (prompt audio, photos) are
    checked: a missing or altered one is reported with the other problems.

    Args:
        path (str | Path): The org file.
        organization (type[Organization]): The class to build: a subclass of
            :class:`~cloudtel.Organization` that declares parts of its own reads
            them too (see :doc:`/extending`); with the default, a file holding
            such a part is refused with "unknown key".

    Raises:
        FileProblemsError: Every problem in the file, each with its path.
    """
    file = Path(path)
    fmt = _format_of(file)
    raw = read_bounded(file, limit=_MAX_ORG_FILE_BYTES, what="org file")
    with _collector_paused():
        data = _decoded(raw, fmt, str(file))
        org = _from_data(data, str(file), organization, consume=True)
        del data
    problems: list[Problem] = []
    for name, item in zip(org.part_names(), org.parts(), strict=True):
        for rel, blob in item.blobs().items():
            try:
                content = read_bounded(_inside(file.parent, rel), limit=_MAX_ORG_FILE_BYTES)
            except FileProblemsError as exc:
                found = exc.problems[0].message
                if found.startswith("cannot read"):
                    found = f"file {rel!r} is missing: looked for {file.parent.resolve() / rel}"
                problems.append(Problem(name, found))
                continue
            digest = hashlib.sha256(content).hexdigest()
            if digest != blob.sha256:
                problems.append(
                    Problem(name, f"file {rel!r} was altered since it was saved (checksum differs)")
                )
    if problems:
        raise FileProblemsError(str(file), problems)
    object.__setattr__(org, "_source", (str(file.resolve()), hashlib.sha256(raw).hexdigest()))
    object.__setattr__(org, "_base", raw)
    object.__setattr__(org, "_base_org", snapshot(org))
    return org


def _source_blob(org: Organization, rel: str, sha256: str) -> bytes | None:
    """The file ``rel`` from the folder ``org`` was loaded from, if it is still intact."""
    folder = org.source_folder()
    if folder is None:
        return None
    try:
        content = read_bounded(_inside(folder, rel), limit=_MAX_ORG_FILE_BYTES)
    except FileProblemsError:
        return None
    return content if hashlib.sha256(content).hexdigest() == sha256 else None


def merge(base: Organization, ours: _O, theirs: Organization, *, source: str = "<merge>") -> _O:
    """The organisation with the edits of both ``ours`` and ``theirs`` to ``base``.

    A three-way merge object by object (see :mod:`cloudtel._merging` and
    :doc:`/concurrent-editing`): an object changed on one side only takes that
    side's version; changed differently on both sides, it is a conflict.

    Args:
        base (Organization): The state both edits started from.
        ours (Organization): One edit; the order of arrays follows it.
        theirs (Organization): The other edit.
        source (str): The file, for the error message.

    Raises:
        ConflictError: Both changed the same object differently (each named;
            ``context["objects"]`` lists them as ``(kind, key)``), or the two
            edits break a rule together (``context["problems"]`` lists them).
    """
    result = merge_data(
        [objects_of(base), objects_of(ours), objects_of(theirs)],
        [to_data(base, "json"), to_data(ours, "json"), to_data(theirs, "json")],
        ours.part_names(),
    )
    if result.conflicts:
        raise ConflictError(
            f"{source} changed on disk since it was loaded and both edits changed "
            f"{describe(result.conflicts)}; load it again and redo the edit of "
            "those objects (or save with overwrite=True to replace the other edit)",
            path=source,
            objects=result.conflicts,
        )
    try:
        return from_data(result.data, source=source, organization=type(ours))
    except FileProblemsError as exc:
        listed = "; ".join(str(problem) for problem in exc.problems)
        raise ConflictError(
            f"{source} changed on disk since it was loaded; the two edits touch different "
            f"objects but do not fit together: {listed}",
            path=source,
            objects=[],
            problems=exc.problems,
        ) from exc


def _adopt(org: Organization, merged: Organization) -> None:
    """Make ``org`` hold the state of ``merged`` (after a merge), keeping its services
    and the accounts' unsent secrets and clock."""
    old_parts = dict(zip(org.part_names(), org.parts(), strict=True))
    for field in attrs.fields(type(org)):
        if field.name in {"services", "_source", "_base", "_base_org"}:
            continue
        object.__setattr__(org, field.name, getattr(merged, field.name))
    for name, item in zip(org.part_names(), org.parts(), strict=True):
        old = old_parts[name]
        for kept in ("_outgoing", "clock", "_data", "_photo_data"):
            if hasattr(old, kept) and hasattr(item, kept) and type(old) is type(item):
                object.__setattr__(item, kept, getattr(old, kept))
        item.attach(org)


def _write_blobs(org: Organization, folder: Path, wanted: dict[str, str]) -> None:
    """Write the files ``org`` keeps beside the org file that ``wanted`` (path → sha256)
    refers to and that are not on disk yet."""
    for item in org.parts():
        for rel, blob in item.blobs().items():
            if wanted.get(rel) != blob.sha256:
                continue
            target = _inside(folder, rel)
            content = blob.data
            if content is None:  # on disk already: copy it when saving to another folder
                if target.exists():
                    continue
                content = _source_blob(org, rel, blob.sha256)
                if content is None:
                    continue
            if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == blob.sha256:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(target, content)


def _blob_map(org: Organization) -> dict[str, str]:
    return {rel: blob.sha256 for item in org.parts() for rel, blob in item.blobs().items()}


def _previous(file: Path, raw: bytes, org: Organization) -> Organization | None:
    """The organisation in ``raw`` (the file before this save), if it can be read."""
    try:
        return loads(
            raw.decode("utf-8"), _format_of(file), source=str(file), organization=type(org)
        )
    except (CloudtelError, UnicodeDecodeError):
        return None


def _record(
    file: Path,
    before: Organization | None,
    after: Organization,
    *,
    who: str | None,
    sha256: str,
    merged: bool,
) -> _journal.JournalEntry:
    who = who or _journal.current_user()
    if before is None:
        return _journal.append_entry(
            file,
            who=who,
            sha256=sha256,
            changes=ChangeSet(),
            before={},
            after={},
            refs={},
            created=True,
        )
    changes, old_objects, new_objects = diff_objects(before, after)
    if not changes:  # nothing to undo or to show: no entry
        return _journal.unjournaled_entry(who=who, sha256=sha256, merged=merged)
    objects = changes.objects()
    old_values: dict[ObjectKey, Any] = {}
    new_values: dict[ObjectKey, Any] = {}
    refs: dict[ObjectKey, tuple[ObjectRef | None, ObjectRef | None]] = {}
    for obj in objects:
        old_found, new_found = old_objects.get(obj), new_objects.get(obj)
        old_values[obj] = _object_data(before, old_found)
        new_values[obj] = _object_data(after, new_found)
        refs[obj] = (
            None if old_found is None else old_found[0],
            None if new_found is None else new_found[0],
        )
    return _journal.append_entry(
        file,
        who=who,
        sha256=sha256,
        changes=changes,
        before=old_values,
        after=new_values,
        refs=refs,
        merged=merged,
    )


def _object_data(org: Organization, found: tuple[ObjectRef, Any] | None) -> Any:
    """One object's data as :func:`to_data` (JSON) writes it, without writing the rest."""
    if found is None:
        return None
    ref, value = found
    if ref.kind == "group order":
        return list(value)
    converter = _shared_converter("json", org.country)
    if ref.path == ("organization",):
        return to_data_header(org, converter)
    return _drop_none(converter.unstructure(value, type(value)))


def _write_org(org: Organization, file: Path, fmt: Format) -> str:
    """Write the org file of ``org`` atomically; the SHA-256 of what was written.

    JSON is written in pieces as it is made (:func:`_json_chunks`), hashed on the
    way; the text is the same as :func:`dumps`, which writes it otherwise.
    """
    if fmt == "json":
        digest = hashlib.sha256()

        def pieces() -> Iterator[bytes]:
            for text in _json_chunks(org):
                data = text.encode("utf-8")
                digest.update(data)
                yield data

        try:
            atomic_write_chunks(file, pieces())
        except _NotPlainError:  # the temporary file is gone: write it the plain way
            pass
        else:
            return digest.hexdigest()
    data = dumps(org, fmt).encode("utf-8")
    atomic_write(file, data)
    return hashlib.sha256(data).hexdigest()


def save(
    org: Organization, path: str | Path, *, overwrite: bool = False, who: str | None = None
) -> _journal.JournalEntry:
    """Save an organisation atomically, with the files it keeps beside it.

    While holding the file's lock (``.<name>.lock`` beside it) it removes the
    temporary files a crashed save left, re-reads the file, and:

    - when the file is as this organisation loaded (or last saved) it, writes it;
    - when another edit was saved since, merges the two (:func:`merge`), writes
      the result and makes ``org`` hold it (so ``org`` then shows both edits);
    - when both edits changed the same object, raises :class:`~cloudtel.ConflictError`
      naming each such object, and writes nothing.

    Each save that changes the organisation (or creates the file) appends an
    entry to the file's journal (``<name>.journal``: who, when, the change set);
    a save that changes nothing writes the file but no entry. See
    :doc:`/concurrent-editing`.

    Args:
        org (Organization): The organisation.
        path (str | Path): The org file (``.toml`` or ``.json``).
        overwrite (bool): Replace the file whatever it holds (no merge).
        who (str | None): Who saves, for the journal; by default ``$CLOUDTEL_USER``
            or the login name.

    Returns:
        JournalEntry: The journal entry of this save (its change set; ``merged``
        tells whether another edit was merged); when nothing changed, an entry
        that is not in the journal (``journaled`` false, number 0, no changes).

    Raises:
        ConflictError: The file holds an organisation this one was not loaded
            from, or the edits overlap (see above).
    """
    file = Path(path)
    fmt = _format_of(file)
    file.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(file), _collector_paused():  # big saves make many objects, no cycles
        ours_blobs = _blob_map(org)
        clean_temporaries([file, *(_inside(file.parent, rel) for rel in ours_blobs)])
        try:
            current: bytes | None = file.read_bytes()
        except FileNotFoundError:
            current = None
        final = org
        before: Organization | None = None
        merged = False
        if current is not None:
            digest = hashlib.sha256(current).hexdigest()
            expected = org._source
            here = expected is not None and expected[0] == str(file.resolve())
            base_raw: bytes | None = org._base
            unchanged = here and expected is not None and expected[1] == digest
            if unchanged and org._base_org is not None:
                before = org._base_org  # the file as loaded: no need to read it again
            elif overwrite or unchanged:
                before = _previous(file, current, org)
            elif not here or (base_raw is None and org._base_org is None):
                raise ConflictError(
                    f"{file} holds an organisation this one was not loaded from; load it, "
                    "or save with overwrite=True to replace it",
                    path=str(file),
                )
            else:
                theirs = loads(
                    current.decode("utf-8"), fmt, source=str(file), organization=type(org)
                )
                base = org._base_org or loads(
                    (base_raw or b"").decode("utf-8"),  # one of the two is kept (see above)
                    fmt,
                    source=str(file),
                    organization=type(org),
                )
                final = merge(base, org, theirs, source=str(file))
                before = theirs
                merged = True
        current = None  # the file's bytes: not needed any more, not kept while writing
        _write_blobs(org, file.parent, _blob_map(final))
        digest = _write_org(final, file, fmt)
        entry = _record(file, before, final, who=who, sha256=digest, merged=merged)
        del before
        if final is not org:
            _adopt(org, final)
        del final
        object.__setattr__(org, "_source", (str(file.resolve()), digest))
        # the snapshot is the next merge's base: the file's bytes are not kept as well
        object.__setattr__(org, "_base", None)
        object.__setattr__(org, "_base_org", snapshot(org))
    return entry
