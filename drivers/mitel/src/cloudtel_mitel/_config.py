"""The Mitel ``<MAC>.cfg`` file: ``parameter: value`` lines; render, escape and parse.

Escaping rules (no vendor rule for quotes, ``#`` or line breaks inside values is
documented, so cloudtel never relies on one):

Display text (key labels, names)
    1. Unicode NFC; every control, format, line/paragraph separator or surrogate
       character becomes a space (so a value can never span lines).
    2. ``#`` (starts a comment on Mitel, even inside a line) becomes a space;
       ``"`` becomes ``'`` (the phone may strip quotes around a value).
    3. Runs of white space become one space; leading and trailing spaces go.
    4. Cut to :data:`MAX_LABEL` characters.
    Non-ASCII letters are kept: the file is UTF-8.

Machine values (SIP user name, password, authentication name, registrar, BLF value)
    Must be printable ASCII without space, ``#`` or ``"`` (a registrar: a host name
    or IP address); anything else is refused with an :class:`InvalidValueError`
    naming the phone and the field. Nothing is silently changed in a credential.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from cloudtel.driverkit import (
    ConfigParseError,
    EmptyKey,
    ExtensionKey,
    InvalidValueError,
    Key,
    KeyLayout,
    KeyPosition,
    KeySet,
    LineKey,
    ParsedConfig,
    PhoneContext,
    PhoneModel,
    PhoneNumber,
    PhoneNumberKey,
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
    "MAX_LABEL",
    "config_filename",
    "directory_filename",
    "display_text",
    "parse_config",
    "render_config",
    "shared_directory_filename",
]

MAX_LABEL = 40
"""Longest label or name cloudtel writes (no vendor limit found; the phone shows what fits)."""

_SAFE_TEXT = re.compile(r"[ !$-~]*")  # printable ASCII without '"' and '#'
_REPLACEMENTS = {"#": " ", '"': "'"}
_MACHINE = re.compile(r"[!$-~]+")  # printable ASCII, no space, '"' or '#'

_TRANSPORT_CODES = {Transport.UDP: "1", Transport.TCP: "2", Transport.TLS: "4"}
_TRANSPORTS = {code: transport for transport, code in _TRANSPORT_CODES.items()}

_KEY_TYPES = {"line", "blf", "speeddial", "none", "empty"}


@functools.lru_cache(maxsize=4096)
def display_text(text: str) -> str:
    """Make ``text`` safe as a Mitel label or name (see the module docs).

    A pure function; results are cached, since the same names and labels recur on
    many phones.

    Args:
        text: Any text.

    Returns:
        One line without ``#`` or ``"``, at most :data:`MAX_LABEL` characters.
    """
    if len(text) <= MAX_LABEL and _SAFE_TEXT.fullmatch(text) and "  " not in text:
        return text.strip()
    return one_line(text, _REPLACEMENTS)[:MAX_LABEL].rstrip()


def _machine(value: str, field: str, phone: str) -> str:
    if _MACHINE.fullmatch(value) is None:
        raise unwritable(
            phone, field, value, "Mitel", "use printable ASCII without spaces, '#' or '\"'"
        )
    return value


def config_filename(phone: SipPhone) -> str:
    """``08000FBBAD78.cfg``: the MAC in uppercase, as the phone requests it."""
    return f"{phone.mac.upper}.cfg"


def directory_filename(phone: SipPhone, page: int = 1) -> str:
    """``08000FBBAD78-directory.xml``, then ``…-directory-2.xml`` for later pages."""
    suffix = "" if page == 1 else f"-{page}"
    return f"{phone.mac.upper}-directory{suffix}.xml"


def shared_directory_filename(name: str, page: int = 1) -> str:
    """``directory/mitel-org.xml``, then ``…-2.xml`` for later pages of a shared directory."""
    suffix = "" if page == 1 else f"-{page}"
    return f"{name}{suffix}.xml"


def _key_name(position: KeyPosition) -> str:
    if position.set is KeySet.LINE:
        return f"topsoftkey{position.index}"
    if position.set is KeySet.PROG:
        return f"softkey{position.index}"
    return f"expmod{position.module} key{position.index}"


def _account_lines(account: SipAccount, phone: str) -> str:
    user = _machine(account.username, "SIP user name", phone)
    auth = _machine(account.effective_auth_name, "SIP authentication name", phone)
    password = _machine(account.password, "SIP password", phone)
    host = check_host(account.registrar, phone)
    name = display_text(account.display_name)
    port = account.port
    return (
        f"sip line1 auth name: {auth}\n"
        f"sip line1 user name: {user}\n"
        f"sip line1 password: {password}\n"
        f"sip line1 display name: {name}\n"
        f"sip line1 screen name: {name}\n"
        f"sip line1 proxy ip: {host}\n"
        f"sip line1 proxy port: {port}\n"
        f"sip line1 registrar ip: {host}\n"
        f"sip line1 registrar port: {port}\n"
        f"sip transport protocol: {_TRANSPORT_CODES[account.transport]}"
    )


def _inherited_lines(context: PhoneContext, phone: str) -> list[str]:
    """Firmware server and backup registrar, when set (no NAT keep-alive parameter found)."""
    lines = []
    if context.firmware_url:
        lines.append(f"firmware server: {_machine(context.firmware_url, 'firmware URL', phone)}")
    if context.backup_registrar and context.accounts:
        host = check_host(context.backup_registrar, phone)
        port = context.backup_registrar_port
        lines += [
            f"sip line1 backup proxy ip: {host}",
            f"sip line1 backup proxy port: {port}",
            f"sip line1 backup registrar ip: {host}",
            f"sip line1 backup registrar port: {port}",
        ]
    return lines


def _key_lines(name: str, kind: str, label: str, value: str, line: int | str) -> str:
    """The four lines of one key (no line break after the last)."""
    label_line = f"{name} label: {label}" if label else f"{name} label:"
    value_line = f"{name} value: {value}" if value else f"{name} value:"
    return f"{name} type: {kind}\n{label_line}\n{value_line}\n{name} line: {line}"


def _reset(name: str) -> str:
    return _key_lines(name, "none", "", "", 1)


def render_config(phone: SipPhone, model: PhoneModel, context: PhoneContext) -> str:
    """Render the phone's ``<MAC>.cfg``.

    The reset lines of every key position are computed once per model (and number of
    modules); a phone's file is those, with its programmed keys put in their place.

    Args:
        phone: The phone (layout already checked against ``model``).
        model: Its model.
        context: Accounts, colleague names, server URL.

    Returns:
        The file's text: account 1, every key of the model (reset when unused) and,
        with a server URL, the ``directory script`` setting.

    Raises:
        InvalidValueError: For a credential or host that cannot be written safely.
    """
    name = phone.mac.upper
    table = key_table(model, phone.expansion_modules, _key_name, _reset)
    header = f"# cloudtel: {table.title} {name} {display_text(phone.description)}".rstrip()
    parts = [header, "# Generated by cloudtel; edits here are overwritten."]
    if context.accounts:
        parts.append(_account_lines(context.accounts[0], name))
    if context.server_url:
        # A Mitel has one directory script: the user's contacts when they have their own
        # (its first page links to the organisation's), else the organisation's.
        target = (
            shared_directory_filename(context.directories[-1].name)
            if context.directories
            else directory_filename(phone)
        )
        url = _machine(context.server_url + target, "directory URL", name)
        parts.append(f"directory script: {url}")
    parts.extend(_inherited_lines(context, name))
    keys = list(table.resets)
    label_for = context.label_for
    machine = _MACHINE.fullmatch
    for slot, key_name, key in table.placed(phone.layout):
        if isinstance(key, ExtensionKey):
            username = key.username
            if machine(username) is None:
                _machine(username, "extension key user", name)
            label = display_text(label_for(username))
            keys[slot] = (
                f"{key_name} type: blf\n{key_name} label: {label}\n"
                f"{key_name} value: {username}\n{key_name} line: 1"
                if label
                else f"{key_name} type: blf\n{key_name} label:\n"
                f"{key_name} value: {username}\n{key_name} line: 1"
            )
        elif isinstance(key, PhoneNumberKey):
            label = display_text(key.label)
            keys[slot] = _key_lines(key_name, "speeddial", label, key.number.e164, 1)
        elif isinstance(key, LineKey):
            keys[slot] = _key_lines(key_name, "line", "", "", key.account)
    parts.extend(keys)
    parts.append("")
    return "\n".join(parts)


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------

_KEY_PARAM = re.compile(
    r"(?:(topsoftkey|softkey)(\d+)|expmod(\d+) ?key(\d+)) (type|label|value|line|locked|states)"
)
_LINE_PARAM = re.compile(r"sip line(\d+) (.+)")
_ACCOUNT_FIELDS = {
    "auth name": "auth_name",
    "user name": "username",
    "password": "password",
    "display name": "display_name",
    "screen name": "screen_name",
    "proxy ip": "proxy",
    "proxy port": "proxy_port",
    "registrar ip": "registrar",
    "registrar port": "port",
}


def _value(raw: str) -> str:
    value = raw.split("#", 1)[0].strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return value


def _entries(text: str) -> Iterator[tuple[int, str, str]]:
    for number, name, raw in assignments(config_lines(text), ":", "parameter: value"):
        yield number, " ".join(name.lstrip("!^").lower().split()), _value(raw)


def _position(match: re.Match[str]) -> KeyPosition:
    if match.group(1) == "topsoftkey":
        return KeyPosition(set=KeySet.LINE, index=int(match.group(2)))
    if match.group(1) == "softkey":
        return KeyPosition(set=KeySet.PROG, index=int(match.group(2)))
    return KeyPosition(set=KeySet.EXPANSION, module=int(match.group(3)), index=int(match.group(4)))


def _build_key(position: KeyPosition, fields: dict[str, tuple[int, str]], model: PhoneModel) -> Key:
    type_line, kind = fields.get("type", (0, "none"))
    kind = kind.lower()
    where = f"line {type_line}: {_key_name(position)}"
    if kind not in _KEY_TYPES:
        raise ConfigParseError(
            f"{where} has type {kind!r}, which cloudtel has no key kind for; "
            "supported types: line, blf, speeddial, none",
            line=type_line,
            position=str(position),
        )
    if kind in {"none", "empty"}:
        return EmptyKey()
    if not model_has_key(model, position):
        raise ConfigParseError(
            f"{where} is not a key of the {model.title} ({model.line_keys} top softkeys, "
            f"{model.expansion_modules} expansion module(s) × {model.expansion_keys} keys)",
            line=type_line,
            position=str(position),
        )
    value_line, value = fields.get("value", (type_line, ""))
    label = fields.get("label", (0, ""))[1]
    if kind == "line":
        line_no, line_text = fields.get("line", (type_line, "1"))
        if not line_text.isdigit() or int(line_text) < 1:
            raise ConfigParseError(
                f"line {line_no}: {_key_name(position)} line {line_text!r} is not an account "
                "number from 1",
                line=line_no,
            )
        return LineKey(account=int(line_text))
    if not value:
        raise ConfigParseError(
            f"{where} is a {kind} key without a value", line=type_line, position=str(position)
        )
    if kind == "blf":
        return ExtensionKey(username=value)
    try:
        number = PhoneNumber.parse(value)
    except InvalidValueError as exc:
        raise ConfigParseError(
            f"line {value_line}: speed dial {_key_name(position)} value {value!r} is not a "
            "phone number in international form",
            line=value_line,
            position=str(position),
        ) from exc
    return PhoneNumberKey(label=display_text(label), number=number)


def _int(value: str, line: int, what: str) -> int:
    if not value.isdigit():
        raise ConfigParseError(f"line {line}: {what} {value!r} is not a number", line=line)
    return int(value)


def parse_config(model: PhoneModel, text: str) -> ParsedConfig:
    """Read a ``<MAC>.cfg`` back into account 1 and a key layout.

    Comments (``#`` to the end of the line), blank lines, any spacing, upper or lower
    case parameter names, the ``!``/``^`` prefixes, double-quoted values and unknown
    parameters are accepted; a later line overrides an earlier one, as on the phone.
    Global ``sip user name`` etc. fill in for line 1 where ``sip line1 …`` is missing.

    Args:
        model: The phone's model (keys outside it are an error).
        text: The file's text.

    Returns:
        Account 1 (``None`` without a user name and registrar) and the layout.

    Raises:
        ConfigParseError: Naming the line that is not ``parameter: value``, a key type
            cloudtel cannot represent, a key the model lacks, or a bad number.
    """
    keys: dict[KeyPosition, dict[str, tuple[int, str]]] = {}
    line1: dict[str, tuple[int, str]] = {}
    globals_: dict[str, tuple[int, str]] = {}
    transport: tuple[int, str] | None = None
    for number, name, value in _entries(text):
        if match := _KEY_PARAM.fullmatch(name):
            keys.setdefault(_position(match), {})[match.group(5)] = (number, value)
        elif match := _LINE_PARAM.fullmatch(name):
            field = _ACCOUNT_FIELDS.get(match.group(2))
            if match.group(1) == "1" and field:
                line1[field] = (number, value)
        elif name.startswith("sip ") and (field := _ACCOUNT_FIELDS.get(name[4:])):
            globals_[field] = (number, value)
        elif name == "sip transport protocol":
            transport = (number, value)
    layout = KeyLayout(
        [(position, _build_key(position, fields, model)) for position, fields in keys.items()]
    )
    return ParsedConfig(account=_account({**globals_, **line1}, transport), layout=layout)


def _account(
    fields: dict[str, tuple[int, str]], transport: tuple[int, str] | None
) -> SipAccount | None:
    username = fields.get("username", (0, ""))[1]
    registrar = fields.get("registrar", (0, ""))[1] or fields.get("proxy", (0, ""))[1]
    if not username or not registrar:
        return None
    port_line, port_text = fields.get("port", fields.get("proxy_port", (0, "5060")))
    kind = Transport.UDP
    if transport is not None:
        if transport[1] not in _TRANSPORTS:
            raise ConfigParseError(
                f"line {transport[0]}: sip transport protocol {transport[1]!r} is not one of "
                "1 (UDP), 2 (TCP), 4 (TLS)",
                line=transport[0],
            )
        kind = _TRANSPORTS[transport[1]]
    auth = fields.get("auth_name", (0, ""))[1]
    display = fields.get("display_name", (0, ""))[1] or fields.get("screen_name", (0, ""))[1]
    return SipAccount(
        username=username,
        password=fields.get("password", (0, ""))[1],
        display_name=display,
        registrar=registrar,
        auth_name="" if auth == username else auth,
        port=_int(port_text, port_line, "registrar port"),
        transport=kind,
    )
