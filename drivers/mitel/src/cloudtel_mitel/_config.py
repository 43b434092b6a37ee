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
    The SIP user name, authentication name and password take at most
    :data:`MAX_CREDENTIAL` characters (the Aastra administrator guides: "up to 20
    alphanumeric characters"); a refused password is never shown, only its length.

Keys
    Every top softkey is written with ``topsoftkeyN locked: 1``: the phone then uses
    the server's key and ignores a key the user changed on the phone (Aastra
    Administrator Guide 41-001160-03 p. A-226). ``collapsed softkey screen: 0`` keeps
    each key at its own position instead of moving programmed keys over unused ones
    (Mitel 6800i Administrator Guide 41-001561-00 p. 5-112: collapsing is on by default).
    An extension (BLF) key's value is the SIP user the colleague registers as
    (:meth:`PhoneContext.sip_user`), watched at the registrar of line 1, the same
    identity the colleague's own phone registers.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence

from cloudtel.driverkit import (
    ConfigParseError,
    EmptyKey,
    ExtensionKey,
    InvalidValueError,
    Key,
    KeyLayout,
    KeyPosition,
    KeySet,
    KeyTable,
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
    "COMMON_FILES",
    "MAX_CREDENTIAL",
    "MAX_LABEL",
    "common_files",
    "config_filename",
    "directory_filename",
    "display_text",
    "parse_config",
    "render_config",
    "render_configs",
    "shared_directory_filename",
]

MAX_LABEL = 40
"""Longest label or name cloudtel writes (no vendor limit found; the phone shows what fits)."""

MAX_CREDENTIAL = 20
"""Longest SIP user name, authentication name or password a Mitel takes ("up to 20
alphanumeric characters": Aastra SIP IP Phone Administrator Guide 41-001343-01 Rev 03,
p. A-75, and 41-001343-02 REV04 p. 3-36)."""

COMMON_FILES = ("startup.cfg", "aastra.cfg")
"""The common files a Mitel fetches before ``<MAC>.cfg`` (``startup.cfg`` since firmware
4.0.0 SP1, ``aastra.cfg`` before: Mitel 6800 R4.2.0 SP2 Administrator Guide p. 1-25);
cloudtel writes both, with the same content."""

# ISO weekday (1 = Monday … 7 = Sunday) → Aastra "dst start day" (1 = Sunday … 7 = Saturday)
_WEEKDAYS = {7: 1, 1: 2, 2: 3, 3: 4, 4: 5, 5: 6, 6: 7}
# Language → (language file, input language), as wazo-provd-plugins' _LOCALE writes them.
_LANGUAGES = {
    "nl": ("lang_nl_nl.txt", "Dutch"),
    "fr": ("lang_fr.txt", "French"),
    "de": ("lang_de.txt", "German"),
    "it": ("lang_it.txt", "Italian"),
    "es": ("lang_es.txt", "Spanish"),
}
# Date format → "date format" code (FusionPBX aastra/686x template: 0 = WWW MMM DD,
# 1 = DD-MMM-YY).
_DATE_FORMATS = {"WWW MMM DD": "0", "DD-MMM-YY": "1"}

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


def _credential(value: str, field: str, phone: str, *, secret: bool = False) -> str:
    if _MACHINE.fullmatch(value) is None:
        rule = "use printable ASCII without spaces, '#' or '\"'"
        raise unwritable(phone, field, value, "Mitel", rule, secret=secret)
    if len(value) > MAX_CREDENTIAL:
        rule = f"a Mitel takes at most {MAX_CREDENTIAL} characters"
        raise unwritable(phone, field, value, "Mitel", rule, secret=secret)
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
    """The lines of one key (no line break after the last); a top softkey is locked."""
    label_line = f"{name} label: {label}" if label else f"{name} label:"
    value_line = f"{name} value: {value}" if value else f"{name} value:"
    lines = f"{name} type: {kind}\n{label_line}\n{value_line}\n{name} line: {line}"
    return lines + f"\n{name} locked: 1" if name.startswith("topsoftkey") else lines


def _reset(name: str) -> str:
    return _key_lines(name, "none", "", "", 1)


def _language_lines(language: str) -> list[str]:
    if language == "en":
        return ["language: 0"]
    if language not in _LANGUAGES:
        return []
    path, keyboard = _LANGUAGES[language]
    return [f"language 1: {path}", "language: 1", f"input language: {keyboard}"]


def render_config(phone: SipPhone, model: PhoneModel, context: PhoneContext) -> str:
    """Render the phone's ``<MAC>.cfg``.

    The reset lines of every key position are computed once per model (and number of
    modules); a phone's file is those, with its programmed keys put in their place.
    The same text as :func:`render_configs` gives for the phone in a batch.

    Args:
        phone: The phone (layout already checked against ``model``).
        model: Its model.
        context: Accounts, colleague names, server URL.

    Returns:
        The file's text: account 1, with a server URL the ``directory script`` setting,
        the phone's language, ``collapsed softkey screen: 0``, every key of the model
        (reset when unused; top softkeys locked).

    Raises:
        InvalidValueError: For a credential or host that cannot be written safely.
    """
    return _ConfigWriter(model).render(phone, context)


def render_configs(
    phones: Sequence[SipPhone], model: PhoneModel, contexts: Sequence[PhoneContext]
) -> list[str | InvalidValueError]:
    """Render the ``<MAC>.cfg`` of many phones of one model (one batch of provisioning).

    Each text is exactly what :func:`render_config` gives for that phone; what phones
    share (the key table, a colleague's escaped label and checked SIP user, the
    checked registrar and directory URL) is worked out once for the batch.

    Args:
        phones: The phones (layouts already checked against ``model``).
        model: Their model.
        contexts: Each phone's context, in the same order.

    Returns:
        Per phone, its file's text, or the :class:`InvalidValueError` that says why it
        cannot be written (the other phones are rendered all the same).
    """
    writer = _ConfigWriter(model)
    out: list[str | InvalidValueError] = []
    for phone, context in zip(phones, contexts, strict=True):
        try:
            out.append(writer.render(phone, context))
        except InvalidValueError as exc:
            out.append(exc)
    return out


@functools.lru_cache(maxsize=1024)
def _key_parts(name: str) -> tuple[str, str, str, str, str]:
    """The fixed parts of a key's lines around its type, label, value and line."""
    locked = f"\n{name} locked: 1" if name.startswith("topsoftkey") else ""
    return f"{name} type: ", f"\n{name} label:", f"\n{name} value:", f"\n{name} line: ", locked


class _ConfigWriter:
    """Renders the files of one model's phones, remembering what phones share.

    What it remembers is only ever a value computed (and checked) by the same rules
    for the same input: the key table per number of modules, each colleague's escaped
    label and checked SIP user for the context's names and SIP users, checked hosts
    and directory URLs. A value that fails its check is never remembered, so each
    phone that has it gets its own error.
    """

    def __init__(self, model: PhoneModel) -> None:
        self.model = model
        self.tables: dict[int, tuple[KeyTable, tuple[tuple[str, str, str, str, str], ...]]] = {}
        self.names: object = None
        self.sip_users: object = None
        self.blf: dict[str, tuple[str, str]] = {}
        self.hosts: set[str] = set()
        self.urls: dict[tuple[str, str], str] = {}

    def _extension(self, context: PhoneContext, username: str, phone: str) -> tuple[str, str]:
        """`` label`` (or "") and the watched SIP user of an extension key on ``username``."""
        watched = context.sip_user(username)
        _machine(watched, "extension key user", phone)
        label = display_text(context.label_for(username))
        found = self.blf[username] = (f" {label}" if label else "", watched)
        return found

    def _table(self, modules: int) -> tuple[KeyTable, tuple[tuple[str, str, str, str, str], ...]]:
        found = self.tables.get(modules)
        if found is None:
            table = key_table(self.model, modules, _key_name, _reset)
            found = self.tables[modules] = (table, tuple(_key_parts(n) for n in table.names))
        return found

    def _host(self, host: str, phone: str) -> str:
        if host not in self.hosts:
            check_host(host, phone)
            self.hosts.add(host)
        return host

    def _account_lines(self, account: SipAccount, phone: str) -> str:
        user = _credential(account.username, "SIP user name", phone)
        auth = _credential(account.effective_auth_name, "SIP authentication name", phone)
        password = _credential(account.password, "SIP password", phone, secret=True)
        host = self._host(account.registrar, phone)
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

    def _directory_line(self, context: PhoneContext, phone: SipPhone, name: str) -> str:
        # A Mitel has one directory script: the user's contacts when they have their own
        # (its first page links to the organisation's), else the organisation's.
        target = (
            shared_directory_filename(context.directories[-1].name)
            if context.directories
            else directory_filename(phone)
        )
        key = (context.server_url, target)
        line = self.urls.get(key)
        if line is None:
            url = _machine(context.server_url + target, "directory URL", name)
            line = self.urls[key] = f"directory script: {url}"
        return line

    def render(self, phone: SipPhone, context: PhoneContext) -> str:
        name = phone.mac.upper
        table, key_parts = self._table(phone.expansion_modules)
        header = f"# cloudtel: {table.title} {name} {display_text(phone.description)}".rstrip()
        parts = [header, "# Generated by cloudtel; edits here are overwritten."]
        if context.accounts:
            parts.append(self._account_lines(context.accounts[0], name))
        if context.server_url:
            parts.append(self._directory_line(context, phone, name))
        if context.firmware_url or context.backup_registrar:
            parts.extend(_inherited_lines(context, name))
        parts.extend(_language_lines(context.language))
        parts.append("collapsed softkey screen: 0")
        if context.names is not self.names or context.sip_users is not self.sip_users:
            self.names, self.sip_users = context.names, context.sip_users
            self.blf = {}
        blf = self.blf
        keys = list(table.resets)
        line_keys = table.line
        for position, key in phone.layout.keys:
            if position.set is KeySet.LINE:  # the common case without a call (see slot())
                slot = position.index - 1
                if slot >= line_keys:
                    continue
            else:
                slot = table.slot(position)
                if slot < 0:
                    continue
            kind, label_part, value_part, line_part, locked = key_parts[slot]
            if isinstance(key, ExtensionKey):
                username = key.username
                label, watched = blf.get(username) or self._extension(context, username, name)
                keys[slot] = (
                    f"{kind}blf{label_part}{label}{value_part} {watched}{line_part}1{locked}"
                )
            elif isinstance(key, PhoneNumberKey):
                label = display_text(key.label)
                label = f" {label}" if label else ""
                value = key.number.e164
                keys[slot] = (
                    f"{kind}speeddial{label_part}{label}{value_part} {value}{line_part}1{locked}"
                )
            elif isinstance(key, LineKey):
                keys[slot] = f"{kind}line{label_part}{value_part}{line_part}{key.account}{locked}"
        parts.extend(keys)
        parts.append("")
        return "\n".join(parts)


def _time_lines(context: PhoneContext) -> list[str]:
    rule = context.time_rule
    lines: list[str] = []
    if rule is not None:
        # Aastra 41-001343-02 p. 5-16: "Custom" with minutes west of UTC and DST rules.
        lines += ["time zone name: Custom", f"time zone minutes: {-rule.utc_offset}"]
        if rule.dst_start is None or rule.dst_end is None:
            lines.append("dst config: 0")
        else:
            lines += [
                "dst config: 3",
                f"dst minutes: {rule.dst_offset}",
                "dst [start|end] relative date: 1",
            ]
            for edge, change in (("start", rule.dst_start), ("end", rule.dst_end)):
                lines += [
                    f"dst {edge} month: {change.month}",
                    f"dst {edge} week: {change.week}",
                    f"dst {edge} day: {_WEEKDAYS[change.weekday]}",
                    f"dst {edge} hour: {change.hour}",
                ]
    if context.ntp_server:
        server = _machine(context.ntp_server, "time server", "(common file)")
        lines += ["time server disabled: 0", f"time server1: {server}"]
    if context.date_format in _DATE_FORMATS:
        lines.append(f"date format: {_DATE_FORMATS[context.date_format]}")
    return lines


def common_files(models: Sequence[PhoneModel], context: PhoneContext) -> tuple[RenderedFile, ...]:
    """The files every Mitel of a folder fetches before its own: :data:`COMMON_FILES`.

    Both hold the same text: the organisation's time zone (``time zone name: Custom``
    with its offset and daylight-saving rule), time server, date format and the
    directed call pickup prefix that BLF keys pick up with (Aastra Administrator
    Guide 41-001160-00 p. A-129: "the phone prepends the … value to the designated
    extension"). Never empty: a Mitel needs the file to exist.

    Args:
        models: The Mitel models of the folder's phones (named in a comment).
        context: The organisation's settings.

    Returns:
        ``startup.cfg`` and ``aastra.cfg``.

    Raises:
        InvalidValueError: For a time server or pickup code that cannot be written.
    """
    names = ", ".join(model.name for model in models)
    lines = [
        f"# cloudtel: common file of the Mitel phones ({names})",
        "# Generated by cloudtel; edits here are overwritten.",
        *_time_lines(context),
    ]
    if context.pickup_code:
        code = _machine(context.pickup_code, "pickup code", "(common file)")
        lines.append(f"directed call pickup prefix: {code}")
    content = ("\n".join(lines) + "\n").encode()
    return tuple(RenderedFile(path=path, content=content) for path in COMMON_FILES)


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
