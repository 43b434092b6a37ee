"""A dummy cloudtel phone driver: the imaginary family ``dummy``, for tests.

Like toga's dummy backend, it exists so that the core can be tested through a real,
installed driver without a vendor's format in the way: its files are plain
``name: value`` lines that a test reads at a glance. It is built on
:class:`cloudtel.driverkit.FamilyDriver` and imports cloudtel only through
:mod:`cloudtel.driverkit`, like the bundled drivers.

Installed as the ``dummy`` entry point of group ``cloudtel.drivers``, which names
:data:`DRIVER` (``dummy = "cloudtel_dummy:DRIVER"``). Models: :data:`D1` (4 line keys,
one expansion module of 2 keys, 2 accounts) and :data:`D2` (8 line keys, 2
programmable keys, 1 account).

Files it writes:

- ``<mac>.txt`` (MAC in lowercase): a ``#`` header line, account 1 (``account``,
  ``auth`` when it differs, ``password``, ``registrar``, ``port``, ``transport``,
  ``name``), ``directory`` (each directory's URL, when the server URL is known),
  ``firmware``, ``keepalive`` and ``backup registrar`` (when set), then
  one line per key position of the model, ``L1: line 1``, ``L2: extension
  adel@orange.be Adel Al Koubaisy``, ``L3: number +3212341234 Pizza`` or ``L4:
  empty``;
- ``<name>.txt`` for each shared directory (``directory/dummy-org.txt`` …), or
  ``<mac>-directory.txt`` for one phone's own: a ``#`` title line, then
  ``name: label number, …`` per entry.
- ``dummy-common.txt``, once per folder: the models present and the organisation's
  time zone, language and time server.

Display text (labels, names) goes through :func:`cloudtel.driverkit.one_line`; in the
directory a ``:`` or ``,`` in a name or label becomes a space. Credentials, user names,
the registrar and the directory URL must be printable ASCII without spaces, else the
value is refused (:class:`~cloudtel.errors.InvalidValueError`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from cloudtel.driverkit import (
    ConfigParseError,
    Directory,
    ExtensionKey,
    FamilyDriver,
    InvalidValueError,
    Key,
    KeyLayout,
    KeyPosition,
    LineKey,
    ParsedConfig,
    PhoneContext,
    PhoneModel,
    PhoneNumber,
    PhoneNumberKey,
    RenderedFile,
    SipAccount,
    SipPhone,
    Transport,
    assignments,
    check_host,
    config_lines,
    key_table,
    model_has_key,
    one_line,
    unwritable,
)

__all__ = [
    "COMMON_FILE",
    "D1",
    "D2",
    "DRIVER",
    "FAMILY",
    "MODELS",
    "common_files",
    "config_filename",
    "directory_filename",
    "display_text",
    "parse_config",
    "render_config",
    "render_directory",
]

FAMILY = "dummy"
"""The family this driver handles."""

_SOURCE = "cloudtel-dummy: an imaginary phone for tests; the number is the test's choice"
_SOURCES = dict.fromkeys(
    ("line_keys", "programmable_keys", "expansion_modules", "expansion_keys", "max_accounts"),
    _SOURCE,
)

D1 = PhoneModel(
    family=FAMILY,
    name="D1",
    line_keys=4,
    expansion_modules=1,
    expansion_keys=2,
    expansion_module="DX2",
    max_accounts=2,
    sources=_SOURCES,
)
"""A small phone: 4 line keys, one expansion module of 2 keys, 2 accounts."""

D2 = PhoneModel(
    family=FAMILY,
    name="D2",
    line_keys=8,
    programmable_keys=2,
    max_accounts=1,
    sources=_SOURCES,
)
"""A phone with 8 line keys and 2 programmable keys, no module, 1 account."""

MODELS: tuple[PhoneModel, ...] = (D1, D2)
"""Every model of the family."""

_MACHINE = re.compile(r"[!-~]+")  # printable ASCII, no spaces
_DIRECTORY_REPLACEMENTS = {":": " ", ",": " "}
_KINDS = "line N, extension USER [label], number NUMBER [label] or empty"


@functools.lru_cache(maxsize=4096)
def display_text(text: str) -> str:
    """A label or name as the dummy phone shows it: one line, clean white space.

    Args:
        text: Any text.

    Returns:
        :func:`cloudtel.driverkit.one_line` of the text.
    """
    return one_line(text)


def _machine(value: str, field: str, phone: str) -> str:
    if _MACHINE.fullmatch(value) is None:
        raise unwritable(phone, field, value, "dummy", "use printable ASCII without spaces")
    return value


def config_filename(phone: SipPhone) -> str:
    """The phone's main file: ``<mac>.txt``, the MAC in lowercase.

    Args:
        phone: The phone.

    Returns:
        The file name.
    """
    return f"{phone.mac.hex}.txt"


def directory_filename(phone: SipPhone) -> str:
    """The phone's directory file: ``<mac>-directory.txt``.

    Args:
        phone: The phone.

    Returns:
        The file name.
    """
    return f"{phone.mac.hex}-directory.txt"


def _key_name(position: KeyPosition) -> str:
    return str(position)


def _reset(name: str) -> str:
    return f"{name}: empty"


def _account_lines(account: SipAccount, phone: str) -> list[str]:
    lines = [f"account: {_machine(account.username, 'SIP user name', phone)}"]
    if account.auth_name and account.auth_name != account.username:
        lines.append(f"auth: {_machine(account.auth_name, 'SIP authentication name', phone)}")
    lines += [
        f"password: {_machine(account.password, 'SIP password', phone)}",
        f"registrar: {check_host(account.registrar, phone)}",
        f"port: {account.port}",
        f"transport: {account.transport.value}",
        f"name: {display_text(account.display_name)}".rstrip(),
    ]
    return lines


def render_config(phone: SipPhone, model: PhoneModel, context: PhoneContext) -> str:
    """Render the phone's ``<mac>.txt``.

    Args:
        phone: The phone (layout already checked against ``model``).
        model: Its model.
        context: Accounts, colleague names, server URL.

    Returns:
        The file's text: account 1, the directory URL, every key of the model (``empty``
        when unused).

    Raises:
        InvalidValueError: For a credential, user name, host or URL that cannot be
            written.
    """
    name = phone.mac.upper
    header = f"# cloudtel dummy: {model.title} {name} {display_text(phone.description)}"
    lines = [header.rstrip()]
    if context.accounts:
        lines += _account_lines(context.accounts[0], name)
    if context.server_url:
        files = [f"{link.name}.txt" for link in context.directories] or [directory_filename(phone)]
        for file in files:
            url = context.server_url + file
            lines.append(f"directory: {_machine(url, 'directory URL', name)}")
    if context.firmware_url:
        lines.append(f"firmware: {_machine(context.firmware_url, 'firmware URL', name)}")
    if context.nat_keepalive:
        lines.append(f"keepalive: {context.nat_keepalive}")
    if context.backup_registrar:
        backup = check_host(context.backup_registrar, name)
        lines.append(f"backup registrar: {backup} {context.backup_registrar_port}")
    table = key_table(model, phone.expansion_modules, _key_name, _reset)
    keys = list(table.resets)
    for slot, key_name, key in table.placed(phone.layout):
        if isinstance(key, LineKey):
            keys[slot] = f"{key_name}: line {key.account}"
        elif isinstance(key, ExtensionKey):
            user = _machine(key.username, "extension key user", name)
            label = display_text(context.label_for(key.username))
            keys[slot] = f"{key_name}: extension {user} {label}".rstrip()
        elif isinstance(key, PhoneNumberKey):
            label = display_text(key.label)
            keys[slot] = f"{key_name}: number {key.number.e164} {label}".rstrip()
    lines += keys
    lines.append("")
    return "\n".join(lines)


def render_directory(
    phone: SipPhone | None, directory: Directory, context: PhoneContext
) -> tuple[RenderedFile, ...]:
    """Render a directory: one line per entry.

    Args:
        phone: The phone whose own directory it is (``<mac>-directory.txt``), or
            ``None`` for a shared directory (``<directory.name>.txt``).
        directory: The entries, in order.
        context: Unused (the dummy phone does not page).

    Returns:
        One file.
    """
    del context
    lines = [f"# {display_text(directory.title)}".rstrip()]
    for entry in directory.entries:
        name = one_line(entry.name, _DIRECTORY_REPLACEMENTS)
        numbers = ", ".join(
            f"{one_line(n.label, _DIRECTORY_REPLACEMENTS)} {n.number.e164}".lstrip()
            for n in entry.numbers
        )
        lines.append(f"{name}: {numbers}")
    lines.append("")
    content = "\n".join(lines).encode()
    path = f"{directory.name}.txt" if phone is None else directory_filename(phone)
    return (RenderedFile(path=path, content=content),)


def _key(value: str, number: int, raw: str) -> Key | None:
    kind, _, rest = value.partition(" ")
    rest = rest.strip()
    try:
        if kind == "empty" and not rest:
            return None
        if kind == "line" and rest.isdigit():
            return LineKey(account=int(rest))
        if kind == "extension" and rest:
            return ExtensionKey(username=rest.split()[0])
        if kind == "number" and rest:
            found, _, label = rest.partition(" ")
            return PhoneNumberKey(label=label, number=PhoneNumber.parse(found))
    except InvalidValueError as exc:
        raise ConfigParseError(f"line {number}: {exc.message}", line=number, text=raw) from exc
    raise ConfigParseError(
        f"line {number}: {value[:60]!r} is not a key: write {_KINDS}", line=number, text=raw
    )


_ACCOUNT_FIELDS = frozenset(
    {"account", "auth", "password", "registrar", "port", "transport", "name"}
)


def _account(fields: dict[str, tuple[int, str]]) -> SipAccount | None:
    if "account" not in fields:
        return None
    number, port = fields.get("port", (0, "5060"))
    if not port.isdigit():
        raise ConfigParseError(f"line {number}: port {port!r} is not a number", line=number)
    number, transport = fields.get("transport", (0, "udp"))
    if transport not in {t.value for t in Transport}:
        raise ConfigParseError(
            f"line {number}: transport {transport!r} is not udp, tcp or tls", line=number
        )
    return SipAccount(
        username=fields["account"][1],
        auth_name=fields.get("auth", (0, ""))[1],
        password=fields.get("password", (0, ""))[1],
        registrar=fields.get("registrar", (0, ""))[1],
        port=int(port),
        transport=Transport(transport),
        display_name=fields.get("name", (0, ""))[1],
    )


def parse_config(model: PhoneModel, text: str) -> ParsedConfig:
    """Read a ``<mac>.txt`` back: account 1 and the programmed keys.

    Comments (``#``), blank lines, spacing and unknown parameters are accepted.

    Args:
        model: The phone's model.
        text: The file's text.

    Returns:
        The account (``None`` without an ``account`` line) and the key layout.

    Raises:
        ConfigParseError: Naming the line that cannot be read: no ``:``, a key kind
            or number that cannot be read, a key the model does not have.
    """
    fields: dict[str, tuple[int, str]] = {}
    keys: list[tuple[KeyPosition, Key]] = []
    lines = config_lines(text)
    for number, raw_name, raw_value in assignments(lines, ":", "name: value"):
        name, value = raw_name.strip(), raw_value.strip()
        if name in _ACCOUNT_FIELDS:
            fields[name] = (number, value)
            continue
        try:
            position = KeyPosition.parse(name)
        except InvalidValueError:
            continue  # an unknown parameter (``directory`` among them)
        if not model_has_key(model, position):
            raise ConfigParseError(
                f"line {number}: the {model.title} has no key {position}", line=number, text=name
            )
        key = _key(value, number, f"{name}: {value}")
        if key is not None:
            keys.append((position, key))
    return ParsedConfig(account=_account(fields), layout=KeyLayout(keys))


COMMON_FILE = "dummy-common.txt"
"""The file every dummy phone shares (see :func:`common_files`)."""


def common_files(models: Sequence[PhoneModel], context: PhoneContext) -> tuple[RenderedFile, ...]:
    """The dummy phones' shared file, :data:`COMMON_FILE`.

    Args:
        models: The dummy models of the folder's phones.
        context: The organisation's settings.

    Returns:
        One file: ``models: D1, D2`` and the time zone, language and time server
        when set.
    """
    lines = ["# cloudtel dummy: common", "models: " + ", ".join(m.name for m in models)]
    if context.time_rule is not None:
        lines.append(f"time zone: {context.time_rule.zone}")
    if context.language:
        lines.append(f"language: {context.language}")
    if context.ntp_server:
        lines.append(f"time server: {context.ntp_server}")
    return (RenderedFile(path=COMMON_FILE, content=("\n".join(lines) + "\n").encode()),)


DRIVER = FamilyDriver(
    FAMILY,
    MODELS,
    render_config=render_config,
    config_filename=config_filename,
    render_directory=render_directory,
    parse_config=parse_config,
    common_files=common_files,
)
"""The plugin: its hook implementations each answer ``None`` for a model of another family."""
