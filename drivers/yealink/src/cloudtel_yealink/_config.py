"""The Yealink ``<mac>.cfg`` file: ``#!version:1.0.0.1`` then ``key = value`` lines.

Escaping rules (Yealink documents no escape syntax; a line that starts with ``#`` is
a comment, ``%NULL%`` means "no value"):

Display text (key labels, names, the directory title)
    1. Unicode NFC; every control, format, line/paragraph separator or surrogate
       character becomes a space (so a value can never span lines).
    2. Runs of white space become one space; leading and trailing spaces go.
    3. ``%`` signs at the start and the end are removed, so a label can never read
       as a token such as ``%NULL%``.
    4. Cut to :data:`MAX_LABEL` characters. Empty text is written as ``%NULL%``.
    ``#``, ``=``, ``:``, quotes, ``<`` and ``&`` are kept: only the first ``=`` of a
    line separates key and value, and a ``#`` is a comment only at the start of a line.
    Non-ASCII letters are kept: the file is UTF-8.

Machine values (SIP user name, password, authentication name, registrar, BLF value,
directory URL)
    Must be printable ASCII without spaces and not start and end with ``%``;
    anything else is refused with an :class:`InvalidValueError` naming the phone and
    the field (a refused password is never shown, only its length).

Check-sync
    ``sip.notify_reboot_enable = 0``: a check-sync NOTIFY makes the phone fetch its
    files and reboot only when the event says ``reboot=true`` (the default, 1, reboots
    on every NOTIFY: Yealink T5 Series Administrator Guide, "notify_reboot_enable",
    values 0, 1, 2, default 1; wazo-provd-plugins writes 0).

Extension (BLF) keys
    The value is the SIP user the colleague registers as (:meth:`PhoneContext.sip_user`),
    on line 1, so the phone watches exactly the identity the colleague's phone
    registers at the same server; with a pickup code, ``pickup_value`` and
    ``extension`` carry it (FusionPBX and wazo write one each; which one a T5x reads is
    not confirmed, so both are written).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence

from cloudtel.driverkit import (
    ConfigParseError,
    DirectoryLink,
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
    "COMMON_FILE_CODES",
    "HEADER",
    "MAX_LABEL",
    "TYPE_BLF",
    "TYPE_LINE",
    "TYPE_NONE",
    "TYPE_SPEED_DIAL",
    "common_filename",
    "common_files",
    "config_filename",
    "directory_filename",
    "display_text",
    "parse_config",
    "render_config",
    "render_configs",
    "shared_directory_filename",
]

HEADER = "#!version:1.0.0.1"
"""The first line every Yealink configuration file must have."""

MAX_LABEL = 40
"""Longest label or name cloudtel writes (no vendor limit found; the phone shows what fits)."""

TYPE_NONE = 0
TYPE_SPEED_DIAL = 13
TYPE_LINE = 15
TYPE_BLF = 16

COMMON_FILE_CODES = {
    "T33G": "124",
    "T42U": "116",
    "T43U": "107",
    "T46U": "108",
    "T48U": "109",
    "T53W": "095",
    "T54W": "096",
    "T57W": "097",
}
"""The code in each model's common file name, ``y000000000<code>.cfg``, which the phone
fetches before ``<mac>.cfg`` (fusionpbx/fusionpbx resources/templates/provision/yealink/
<model>/; T33G from a T33G user agent, ``Yealink SIP-T33G 124.…``)."""

# Language → lang.gui / lang.wui value (wazo-provd-plugins wazo_yealink _LOCALE; "Dutch"
# follows the same pattern and is not confirmed by a Yealink document).
_LANGUAGES = {
    "en": "English",
    "fr": "French",
    "de": "German",
    "it": "Italian",
    "es": "Spanish",
    "nl": "Dutch",
}
# Date format → local_time.date_format (0 = WWW MMM DD, 1 = DD-MMM-YY: the comments of
# several published Yealink templates agree; no Yealink value table was found).
_DATE_FORMATS = {"WWW MMM DD": "0", "DD-MMM-YY": "1"}

_NULL = "%NULL%"
_SAFE_TEXT = re.compile(r"[ -$&-~]*")  # printable ASCII without '%'
_MACHINE = re.compile(r"[!-~]+")
_TRANSPORT_CODES = {Transport.UDP: "0", Transport.TCP: "1", Transport.TLS: "2"}
_TRANSPORTS = {code: transport for transport, code in _TRANSPORT_CODES.items()}


@functools.lru_cache(maxsize=4096)
def display_text(text: str) -> str:
    """Make ``text`` safe as a Yealink label or name (see the module docs).

    A pure function; results are cached, since the same names and labels recur on
    many phones.

    Args:
        text: Any text.

    Returns:
        One line, not starting or ending with ``%``, at most :data:`MAX_LABEL` characters
        (may be empty).
    """
    if len(text) <= MAX_LABEL and _SAFE_TEXT.fullmatch(text) and "  " not in text:
        return text.strip()
    result = one_line(text)
    while True:
        cut = result[:MAX_LABEL].strip().strip("%").strip()
        if cut == result:
            return result
        result = cut


def _value(text: str) -> str:
    return text or _NULL


def _machine(value: str, field: str, phone: str, *, secret: bool = False) -> str:
    if _MACHINE.fullmatch(value) is None or (value.startswith("%") and value.endswith("%")):
        raise unwritable(
            phone,
            field,
            value,
            "Yealink",
            "use printable ASCII without spaces, not enclosed in '%'",
            secret=secret,
        )
    return value


def common_filename(model: PhoneModel) -> str:
    """``y000000000096.cfg`` for a T54W: the model's common file (see :data:`COMMON_FILE_CODES`)."""
    return f"y000000000{COMMON_FILE_CODES[model.name]}.cfg"


def config_filename(phone: SipPhone) -> str:
    """``08000fbbad78.cfg``: the MAC in lowercase, as the phone requests it."""
    return f"{phone.mac.hex}.cfg"


def directory_filename(phone: SipPhone) -> str:
    """``08000fbbad78-directory.xml``."""
    return f"{phone.mac.hex}-directory.xml"


def shared_directory_filename(name: str, page: int = 0) -> str:
    """``directory/yealink-org.xml``; page ``N`` of a paged directory is ``…-N.xml``."""
    return f"{name}.xml" if page == 0 else f"{name}-{page}.xml"


def _inherited_lines(context: PhoneContext, phone: str) -> list[str]:
    """Firmware URL, NAT keep-alive and backup registrar of account 1, when set."""
    lines = []
    if context.firmware_url:
        lines.append(
            f"static.firmware.url = {_machine(context.firmware_url, 'firmware URL', phone)}"
        )
    if context.accounts and context.nat_keepalive:
        lines.append("account.1.nat.udp_update_enable = 1")
        lines.append(f"account.1.nat.udp_update_time = {context.nat_keepalive}")
    if context.accounts and context.backup_registrar:
        host = check_host(context.backup_registrar, phone)
        lines.append(f"account.1.sip_server.2.address = {host}")
        lines.append(f"account.1.sip_server.2.port = {context.backup_registrar_port}")
    return lines


def _key_prefix(position: KeyPosition) -> str:
    if position.set is KeySet.LINE:
        return f"linekey.{position.index}"
    if position.set is KeySet.PROG:
        return f"programablekey.{position.index}"
    return f"expansion_module.{position.module}.key.{position.index}"


def _key_lines(prefix: str, code: int, line: str, value: str, label: str) -> str:
    """The four lines of one key (no line break after the last)."""
    return (
        f"{prefix}.type = {code}\n{prefix}.line = {line}\n"
        f"{prefix}.value = {value}\n{prefix}.label = {label}"
    )


def _reset(prefix: str) -> str:
    return _key_lines(prefix, TYPE_NONE, _NULL, _NULL, _NULL)


@functools.lru_cache(maxsize=16)
def _disabled(max_accounts: int) -> tuple[str, ...]:
    """The lines that switch off accounts 2 and up."""
    return tuple(f"account.{n}.enable = 0" for n in range(2, max_accounts + 1))


def render_config(phone: SipPhone, model: PhoneModel, context: PhoneContext) -> str:
    """Render the phone's ``<mac>.cfg``.

    The reset lines of every key position are computed once per model (and number of
    modules); a phone's file is those, with its programmed keys put in their place.
    The same text as :func:`render_configs` gives for the phone in a batch.

    Args:
        phone: The phone (layout already checked against ``model``).
        model: Its model.
        context: Accounts, colleague names, server URL.

    Returns:
        The file's text: the version header, account 1 (accounts 2… disabled),
        ``sip.notify_reboot_enable = 0``, the user's language, the remote phonebook when
        the server URL is known, and every line key and expansion-module key (unused
        ones reset to type 0).

    Raises:
        InvalidValueError: For a credential or host that cannot be written safely.
    """
    return _ConfigWriter(model).render(phone, context)


def render_configs(
    phones: Sequence[SipPhone], model: PhoneModel, contexts: Sequence[PhoneContext]
) -> list[str | InvalidValueError]:
    """Render the ``<mac>.cfg`` of many phones of one model (one batch of provisioning).

    Each text is exactly what :func:`render_config` gives for that phone; what phones
    share (the key table, a colleague's escaped label and checked SIP user, the
    checked registrar, pickup code and phonebook lines) is worked out once for the batch.

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
def _key_parts(prefix: str) -> tuple[str, str, str, str]:
    """The fixed parts of a key's four lines around its type, line, value and label."""
    return (
        f"{prefix}.type = ",
        f"\n{prefix}.line = ",
        f"\n{prefix}.value = ",
        f"\n{prefix}.label = ",
    )


class _ConfigWriter:
    """Renders the files of one model's phones, remembering what phones share.

    What it remembers is only ever a value computed (and checked) by the same rules
    for the same input: the key table per number of modules, each colleague's escaped
    label and checked SIP user for the context's names and SIP users, checked hosts,
    pickup codes and phonebook lines. A value that fails its check is never
    remembered, so each phone that has it gets its own error.
    """

    def __init__(self, model: PhoneModel) -> None:
        self.model = model
        self.tables: dict[int, tuple[KeyTable, tuple[tuple[str, str, str, str], ...]]] = {}
        self.names: object = None
        self.sip_users: object = None
        self.blf: dict[str, tuple[str, str]] = {}
        self.hosts: set[str] = set()
        self.pickups: set[str] = set()
        # The phonebook lines of the last phone's directories (phones of a kind share
        # the same tuple of links).
        self.last_links: tuple[DirectoryLink, ...] | None = None
        self.last_url = ""
        self.last_book: list[str] = []

    def _extension(self, context: PhoneContext, username: str, phone: str) -> tuple[str, str]:
        """The label and the watched SIP user of an extension key on ``username``."""
        watched = context.sip_user(username)
        _machine(watched, "extension key user", phone)
        label = display_text(context.label_for(username)) or _NULL
        found = self.blf[username] = (label, watched)
        return found

    def _table(self, modules: int) -> tuple[KeyTable, tuple[tuple[str, str, str, str], ...]]:
        found = self.tables.get(modules)
        if found is None:
            table = key_table(self.model, modules, _key_prefix, _reset)
            found = self.tables[modules] = (table, tuple(_key_parts(n) for n in table.names))
        return found

    def _host(self, host: str, phone: str) -> str:
        if host not in self.hosts:
            check_host(host, phone)
            self.hosts.add(host)
        return host

    def _account_lines(self, account: SipAccount, phone: str) -> str:
        host = self._host(account.registrar, phone)
        name = _value(display_text(account.display_name))
        auth = _machine(account.effective_auth_name, "SIP auth name", phone)
        user = _machine(account.username, "SIP user name", phone)
        password = _machine(account.password, "SIP password", phone, secret=True)
        return (
            "account.1.enable = 1\n"
            f"account.1.label = {name}\n"
            f"account.1.display_name = {name}\n"
            f"account.1.auth_name = {auth}\n"
            f"account.1.user_name = {user}\n"
            f"account.1.password = {password}\n"
            f"account.1.sip_server.1.address = {host}\n"
            f"account.1.sip_server.1.port = {account.port}\n"
            f"account.1.sip_server.1.transport_type = {_TRANSPORT_CODES[account.transport]}"
        )

    def _phonebook(self, context: PhoneContext, phone: SipPhone, name: str) -> list[str]:
        """The remote phonebook lines (the same for every phone showing the same books)."""
        if context.directories is self.last_links and context.server_url == self.last_url:
            return self.last_book
        links = context.directories[:5]  # the phone takes up to 5
        books = [
            (shared_directory_filename(link.name), display_text(link.title) or "Directory")
            for link in links
        ] or [(directory_filename(phone), "Directory")]
        lines = ["features.remote_phonebook.enable = 1"]
        for number, (file, title) in enumerate(books, start=1):
            url = _machine(context.server_url + file, "directory URL", name)
            lines.append(f"remote_phonebook.data.{number}.url = {url}")
            lines.append(f"remote_phonebook.data.{number}.name = {title}")
        if links:  # without links the file is named after the phone
            self.last_links, self.last_url, self.last_book = (
                context.directories,
                context.server_url,
                lines,
            )
        return lines

    def _pickup(self, code: str, phone: str) -> str:
        if code not in self.pickups:
            _machine(code, "pickup code", phone)
            self.pickups.add(code)
        return code

    def render(self, phone: SipPhone, context: PhoneContext) -> str:
        name = phone.mac.upper
        mac = phone.mac.hex
        table, key_parts = self._table(phone.expansion_modules)
        parts = [
            HEADER,
            f"## cloudtel: {table.title} {mac} {display_text(phone.description)}".rstrip(),
            "## Generated by cloudtel; edits here are overwritten.",
        ]
        if context.accounts:
            parts.append(self._account_lines(context.accounts[0], name))
        else:
            parts.append("account.1.enable = 0")
        parts.extend(_disabled(self.model.max_accounts))
        if context.firmware_url or context.accounts:
            parts.extend(_inherited_lines(context, name))
        parts.append("sip.notify_reboot_enable = 0")
        if context.language in _LANGUAGES:
            language = _LANGUAGES[context.language]
            parts.append(f"lang.gui = {language}\nlang.wui = {language}")
        if context.server_url:
            parts.extend(self._phonebook(context, phone, name))
        if context.names is not self.names or context.sip_users is not self.sip_users:
            self.names, self.sip_users = context.names, context.sip_users
            self.blf = {}
        blf = self.blf
        keys = list(table.resets)
        pickup = self._pickup(context.pickup_code, name) if context.pickup_code else ""
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
            kind, line_part, value_part, label_part = key_parts[slot]
            if isinstance(key, ExtensionKey):
                username = key.username
                label, watched = blf.get(username) or self._extension(context, username, name)
                text = f"{kind}{TYPE_BLF}{line_part}1{value_part}{watched}{label_part}{label}"
                if pickup:
                    prefix = table.names[slot]
                    text += f"\n{prefix}.pickup_value = {pickup}\n{prefix}.extension = {pickup}"
                keys[slot] = text
            elif isinstance(key, PhoneNumberKey):
                label = display_text(key.label) or _NULL
                value = key.number.e164
                keys[slot] = (
                    f"{kind}{TYPE_SPEED_DIAL}{line_part}1{value_part}{value}{label_part}{label}"
                )
            elif isinstance(key, LineKey):
                keys[slot] = (
                    f"{kind}{TYPE_LINE}{line_part}{key.account}{value_part}{_NULL}{label_part}{_NULL}"
                )
        parts.extend(keys)
        parts.append("")
        return "\n".join(parts)


def _time_zone(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours}" + (f":{rest:02d}" if rest else "")


def _time_lines(context: PhoneContext, where: str) -> list[str]:
    rule = context.time_rule
    lines: list[str] = []
    if rule is not None:
        lines.append(f"local_time.time_zone = {_time_zone(rule.utc_offset)}")
        if rule.dst_start is None or rule.dst_end is None:
            lines.append("local_time.summer_time = 0")
        else:
            # By week: month/week of month (5 = the last)/day of week (1 = Monday)/hour.
            start, end = (
                f"{c.month}/{5 if c.week < 0 else c.week}/{c.weekday}/{c.hour}"
                for c in (rule.dst_start, rule.dst_end)
            )
            lines += [
                "local_time.summer_time = 1",
                "local_time.dst_time_type = 1",
                f"local_time.start_time = {start}",
                f"local_time.end_time = {end}",
                f"local_time.offset_time = {rule.dst_offset}",
            ]
    if context.ntp_server:
        server = _machine(context.ntp_server, "time server", where)
        lines.append(f"local_time.ntp_server1 = {server}")
    if context.date_format in _DATE_FORMATS:
        lines.append(f"local_time.date_format = {_DATE_FORMATS[context.date_format]}")
    if context.pickup_code:
        # Yealink's own directed call pickup code, which a BLF key's pickup dials (the
        # phone-wide one; Yealink Administrator Guide, "Directed Call Pickup")
        code = _machine(context.pickup_code, "pickup code", where)
        lines.append(f"features.pickup.direct_pickup_code = {code}")
    return lines


def common_files(models: Sequence[PhoneModel], context: PhoneContext) -> tuple[RenderedFile, ...]:
    """Each model's common file, ``y000000000<code>.cfg`` (see :data:`COMMON_FILE_CODES`).

    The phone fetches it before ``<mac>.cfg`` (Yealink T2/T4/T5 Administrator Guide,
    auto provisioning: "the common CFG file and MAC-Oriented CFG file in sequence").
    It holds the organisation's time zone as an offset with a daylight-saving rule
    by week (``local_time.*``), the time server, the date format and the directed call
    pickup code (``features.pickup.direct_pickup_code``).

    Args:
        models: The Yealink models of the folder's phones.
        context: The organisation's settings.

    Returns:
        One file per model.

    Raises:
        InvalidValueError: For a time server or pickup code that cannot be written.
    """
    lines = _time_lines(context, "(common file)")
    files = []
    for model in models:
        text = "\n".join(
            [
                HEADER,
                f"## cloudtel: common file of the {model.title}",
                "## Generated by cloudtel; edits here are overwritten.",
                *lines,
                "",
            ]
        )
        files.append(RenderedFile(path=common_filename(model), content=text.encode()))
    return tuple(files)


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------

_KEY_PARAM = re.compile(
    r"(?:(linekey|programablekey)\.(\d+)|expansion_module\.(\d+)\.key\.(\d+))\.(\w+)"
)
_ACCOUNT_PARAM = re.compile(r"account\.1\.(.+)")
_ACCOUNT_FIELDS = {
    "user_name": "username",
    "auth_name": "auth_name",
    "password": "password",
    "display_name": "display_name",
    "label": "label",
    "sip_server.1.address": "registrar",
    "sip_server_host": "registrar_old",
    "sip_server.1.port": "port",
    "sip_server.1.transport_type": "transport",
    "enable": "enable",
}


def _entries(text: str) -> Iterator[tuple[int, str, str]]:
    lines = config_lines(text)
    first = next(lines, None)
    if first is None:
        raise ConfigParseError(
            f"the file is empty: a Yealink configuration begins with {HEADER}", line=1
        )
    number, line, _raw = first
    if line.replace(" ", "") != HEADER:
        raise ConfigParseError(
            f"line {number}: a Yealink configuration must begin with {HEADER}, not {line[:60]!r}",
            line=number,
        )
    for number, key, raw in assignments(lines, "=", "key = value"):
        value = raw.strip()
        if value.upper() in {_NULL, "%EMPTY%"}:
            value = ""
        yield number, key.strip().lower(), value


def _position(match: re.Match[str]) -> KeyPosition:
    if match.group(1) == "linekey":
        return KeyPosition(set=KeySet.LINE, index=int(match.group(2)))
    if match.group(1) == "programablekey":
        return KeyPosition(set=KeySet.PROG, index=int(match.group(2)))
    return KeyPosition(set=KeySet.EXPANSION, module=int(match.group(3)), index=int(match.group(4)))


def _build_key(position: KeyPosition, fields: dict[str, tuple[int, str]], model: PhoneModel) -> Key:
    type_line, code = fields.get("type", (0, "0"))
    where = f"line {type_line}: {_key_prefix(position)}"
    if code in {"", "0"}:
        return EmptyKey()
    if code not in {str(TYPE_LINE), str(TYPE_BLF), str(TYPE_SPEED_DIAL)}:
        raise ConfigParseError(
            f"{where}.type is {code!r}, which cloudtel has no key kind for; supported: "
            "15 (line), 16 (BLF), 13 (speed dial), 0 (none)",
            line=type_line,
            position=str(position),
        )
    if not model_has_key(model, position):
        raise ConfigParseError(
            f"{where} is not a key of the {model.title} ({model.line_keys} line keys, "
            f"{model.expansion_modules} expansion module(s) × {model.expansion_keys} keys)",
            line=type_line,
            position=str(position),
        )
    value_line, value = fields.get("value", (type_line, ""))
    if code == str(TYPE_LINE):
        line_no, line_text = fields.get("line", (type_line, "1"))
        line_text = line_text or "1"
        if not line_text.isdigit() or int(line_text) < 1:
            raise ConfigParseError(
                f"line {line_no}: {_key_prefix(position)}.line {line_text!r} is not an account "
                "number from 1",
                line=line_no,
            )
        return LineKey(account=int(line_text))
    if not value:
        raise ConfigParseError(f"{where} has no value", line=type_line, position=str(position))
    if code == str(TYPE_BLF):
        return ExtensionKey(username=value)
    try:
        number = PhoneNumber.parse(value)
    except InvalidValueError as exc:
        raise ConfigParseError(
            f"line {value_line}: speed dial {_key_prefix(position)}.value {value!r} is not a "
            "phone number in international form",
            line=value_line,
            position=str(position),
        ) from exc
    label = fields.get("label", (0, ""))[1]
    return PhoneNumberKey(label=display_text(label), number=number)


def parse_config(model: PhoneModel, text: str) -> ParsedConfig:
    """Read a ``<mac>.cfg`` back into account 1 and a key layout.

    The file must begin with ``#!version:1.0.0.1`` (blank lines before it are allowed).
    Comment lines, blank lines, any spacing around ``=``, upper or lower case keys,
    ``%NULL%``/``%EMPTY%`` and unknown keys are accepted; a later line overrides an
    earlier one. The older ``account.1.sip_server_host`` fills in for the registrar.

    Args:
        model: The phone's model (keys outside it are an error).
        text: The file's text.

    Returns:
        Account 1 (``None`` when it is disabled or has no user name and registrar) and
        the layout.

    Raises:
        ConfigParseError: Naming the line: a missing header, a line without ``=``, a key
            type cloudtel cannot represent, a key the model lacks, or a bad number.
    """
    keys: dict[KeyPosition, dict[str, tuple[int, str]]] = {}
    account: dict[str, tuple[int, str]] = {}
    for number, key, value in _entries(text):
        if match := _KEY_PARAM.fullmatch(key):
            keys.setdefault(_position(match), {})[match.group(5)] = (number, value)
        elif (match := _ACCOUNT_PARAM.fullmatch(key)) and (
            field := _ACCOUNT_FIELDS.get(match.group(1))
        ):
            account[field] = (number, value)
    layout = KeyLayout(
        [(position, _build_key(position, fields, model)) for position, fields in keys.items()]
    )
    return ParsedConfig(account=_account(account), layout=layout)


def _account(fields: dict[str, tuple[int, str]]) -> SipAccount | None:
    if fields.get("enable", (0, "1"))[1] == "0":
        return None
    username = fields.get("username", (0, ""))[1]
    registrar = fields.get("registrar", (0, ""))[1] or fields.get("registrar_old", (0, ""))[1]
    if not username or not registrar:
        return None
    port_line, port_text = fields.get("port", (0, "5060"))
    if not port_text.isdigit():
        raise ConfigParseError(
            f"line {port_line}: account.1.sip_server.1.port {port_text!r} is not a number",
            line=port_line,
        )
    transport_line, code = fields.get("transport", (0, "0"))
    if (code or "0") not in _TRANSPORTS:
        raise ConfigParseError(
            f"line {transport_line}: transport_type {code!r} is not 0 (UDP), 1 (TCP) or 2 (TLS)",
            line=transport_line,
        )
    auth = fields.get("auth_name", (0, ""))[1]
    display = fields.get("display_name", (0, ""))[1] or fields.get("label", (0, ""))[1]
    return SipAccount(
        username=username,
        password=fields.get("password", (0, ""))[1],
        display_name=display,
        registrar=registrar,
        auth_name="" if auth == username else auth,
        port=int(port_text),
        transport=_TRANSPORTS[code or "0"],
    )
