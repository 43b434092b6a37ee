"""Write every phone's configuration into a provisioning folder, and tell the phones.

A *provisioning folder* is what a provisioning server (any HTTP, HTTPS or TFTP server)
serves to the phones: each phone asks for its own file by MAC address
(``08000FBBAD78.cfg`` for a Mitel, ``08000fbbad78.cfg`` for a Yealink) and, when the
configuration points it there, for its directory (``…-directory.xml``).

Three steps, each usable alone:

1. :func:`render_organization` asks each phone's driver (a plugin, see
   :mod:`cloudtel.hookspecs`) for the phone's files, and :func:`render_common_files`
   each family's driver for the files its phones share (a Mitel's ``startup.cfg``, a
   Yealink model's ``y0000000000XX.cfg``). It does no I/O; a phone that cannot be
   rendered is reported with why and does not stop the others. A phone's
   directory is built by :func:`cloudtel.directory.phone_directory` from the user's
   effective contact list and their colleagues.
2. :func:`provision` writes those files into a folder: each one atomically
   (temporary file in the same folder, flushed to disk, renamed over the old one; the
   flush is one ``os.sync`` for the whole batch rather than one ``fsync`` per file,
   which is what makes thousands of files take seconds), and only when its bytes
   differ from what is there, so an unchanged file keeps its time stamp. A manifest
   (:data:`MANIFEST`) remembers which files cloudtel wrote, so the files of a phone
   that was removed from the organisation are reported as *stale*, and deleted only
   when asked. Files in the folder that cloudtel did not write are never touched.
   The :class:`ProvisioningReport` says, per phone, which files were added, changed
   or left unchanged.
3. :func:`sync_phones` sends the SIP ``NOTIFY`` (``check-sync``, or the reboot
   variant) through :mod:`cloudtel.sip` to the phones whose files changed, or to the
   phones asked for, so they fetch their new configuration.

The SIP account written into a phone's file is built from its assigned user by
:attr:`ProvisioningSettings.account_for` (default: :func:`default_account`).
"""

from __future__ import annotations

import contextlib
import datetime
import difflib
import errno
import hashlib
import html
import json
import marshal
import os
import re
import stat
import tempfile
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from cloudtel import _html, sip
from cloudtel._files import atomic_write, read_bounded
from cloudtel._progress import Progress
from cloudtel.devices import (
    Directory,
    DirectoryLink,
    ExtensionKey,
    KeySet,
    LineKey,
    MacAddress,
    PhoneContext,
    PhoneModel,
    PhoneNumberKey,
    RenderedFile,
    SipAccount,
    SipPhone,
    Transport,
)
from cloudtel.directory import SharedDirectories
from cloudtel.errors import (
    AccountDisableError,
    CloudtelError,
    FileProblemsError,
    InvalidValueError,
)
from cloudtel.phone_clock import check_date_format, check_ntp_server, phone_language, time_rule
from cloudtel.plugins import PhoneDriver, get_driver, render_fingerprint
from cloudtel.provisioning_defaults import check_pickup_code, check_server_url
from cloudtel.users import User

if TYPE_CHECKING:
    from cloudtel.org import Organization

__all__ = [
    "MANIFEST",
    "SHARED",
    "FileChange",
    "FileReport",
    "PhoneFiles",
    "PhoneReport",
    "ProvisioningReport",
    "ProvisioningSettings",
    "SyncReport",
    "common_context",
    "default_account",
    "phone_context",
    "provision",
    "read_passwords",
    "render_common_files",
    "render_organization",
    "render_phone",
    "settings_for",
    "sip_user_name",
    "sync_phones",
]

MANIFEST = ".cloudtel-provisioning.json"
"""The file in the provisioning folder that lists the files cloudtel wrote there."""

_MANIFEST_VERSION = 3
_MANIFEST_VERSIONS = (1, 2, 3)

SHARED = "shared"
"""What :attr:`FileReport.phone` says for a file many phones share (a directory)."""


# ---------------------------------------------------------------------------
# Settings and the SIP account
# ---------------------------------------------------------------------------


AccountFactory = Callable[
    ["Organization", SipPhone, User, "ProvisioningSettings"], SipAccount | None
]
"""Builds the SIP account of a phone's assigned user (see :func:`default_account`)."""


@attrs.frozen(kw_only=True)
class ProvisioningSettings:
    """How to write the phones' files.

    Args:
        registrar (str): The SIP registrar / proxy the phones register with;
            "" means ``sip.<organisation domain>``.
        registrar_port (int): Its port.
        transport (Transport): SIP transport of the accounts.
        server_url (str): The URL the provisioning folder is served at (a ``/`` is
            added when missing); the drivers point each phone's directory setting there.
            "" writes no directory setting.
        sip_passwords (Mapping[str, str]): SIP password per username. The phone of a
            user without one is written without an account (it cannot register), and
            the report warns about it.
        directories (bool): Also write each phone's directory file(s).
        account_for (AccountFactory | None): Builds a user's SIP account (or ``None``:
            no account) instead of :func:`default_account`, for platforms with their
            own naming or their own store of SIP passwords.
        passwords_file (str): The file :attr:`sip_passwords` were read from, if any
            (remembered in the folder's manifest so the next run reads it again).
        pickup_code (str): The PBX's directed call pickup code (dialled before the
            extension, e.g. ``"*8"``); extension (BLF) keys pick up with it. "" writes none.
        ntp_server (str): The phones' time server, e.g. ``"be.pool.ntp.org"``; "" writes none.
        date_format (str): One of :data:`cloudtel.phone_clock.DATE_FORMATS`; "" leaves
            the phone's default.

    Raises:
        InvalidValueError: When the server URL is not a plain http(s)/tftp URL, the
            pickup code is not digits, ``*`` and ``#``, the time server is not a host,
            or the date format is not one of those phones are given.
    """

    registrar: str = ""
    registrar_port: int = 5060
    transport: Transport = attrs.field(default=Transport.UDP, converter=Transport)
    server_url: str = attrs.field(default="", converter=check_server_url)
    sip_passwords: Mapping[str, str] = attrs.field(factory=dict, hash=False, repr=False)
    directories: bool = True
    account_for: AccountFactory | None = attrs.field(default=None, eq=False, hash=False)
    passwords_file: str = ""
    pickup_code: str = attrs.field(default="", converter=check_pickup_code)
    ntp_server: str = attrs.field(default="", converter=check_ntp_server)
    date_format: str = attrs.field(default="", converter=check_date_format)

    def registrar_for(self, org: Organization) -> str:
        """The registrar host: :attr:`registrar`, else ``sip.<organisation domain>``.

        Args:
            org: The organisation.

        Returns:
            The host name or address.
        """
        return self.registrar or f"sip.{org.domain}"


def read_passwords(path: str | os.PathLike[str]) -> dict[str, str]:
    """Read a SIP password file: TOML ``"user@domain" = "password"`` lines or a JSON object.

    Args:
        path: The file (``.json`` is read as JSON, anything else as TOML).

    Returns:
        Password per username (usernames trimmed and in lower case).

    Raises:
        InvalidValueError: When the file cannot be read or is not such a mapping
            (the message never shows a password).
    """
    source = Path(path)
    try:
        raw = read_bounded(source, what="password file")  # not a device, pipe or huge file
        data = json.loads(raw) if source.suffix == ".json" else tomllib.loads(raw.decode())
    except (OSError, ValueError) as exc:
        reason = "not valid TOML or JSON"
        if isinstance(exc, FileProblemsError):
            reason = exc.problems[0].message.removeprefix("cannot read: ")
        elif isinstance(exc, OSError):
            reason = str(exc.strerror)
        raise InvalidValueError(
            f"{source}: cannot read the SIP passwords ({reason}); write one line per user: "
            '"user@domain" = "password" (TOML) or a JSON object',
            path=str(source),
        ) from exc
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise InvalidValueError(
            f"{source}: SIP passwords must map each username to a text password",
            path=str(source),
        )
    return {key.strip().lower(): value for key, value in data.items()}


def settings_for(
    org: Organization,
    folder: str | os.PathLike[str] | None = None,
    *,
    server_url: str | None = None,
    registrar: str | None = None,
    passwords: str | os.PathLike[str] | None = None,
    directories: bool = True,
) -> ProvisioningSettings:
    """The settings of a run: what is given, else what the organisation or folder remembers.

    Each of server URL, registrar (with its port and transport) and password file is
    taken from the argument when given, else from the organisation's ``provisioning``
    table (:class:`~cloudtel.ProvisioningDefaults`; a relative password file is
    relative to the org file's folder), else from what the folder's manifest
    remembers of the last run that wrote it. The time server, date format and pickup
    code are the organisation's. So a ``sync`` that repeats none of the
    options writes what the ``provision`` before it wrote.

    Args:
        org: The organisation.
        folder: The provisioning folder (its manifest is read when it has one).
        server_url: Where the folder is served.
        registrar: The SIP registrar host.
        passwords: The SIP password file (see :func:`read_passwords`).
        directories: Also write the phones' directories.

    Returns:
        The settings, with the passwords read.

    Raises:
        InvalidValueError: A bad URL or host, an unreadable password file or manifest.
    """
    defaults = org.provisioning
    remembered: Mapping[str, object] = {}
    if folder is not None and (Path(folder) / MANIFEST).exists():
        remembered = _read_manifest(Path(folder)).settings

    def pick(given: object, own: object, key: str) -> object:
        if given not in (None, ""):
            return given
        if own not in (None, ""):
            return own
        return remembered.get(key) or None

    password_file: str | None
    if passwords not in (None, ""):
        password_file = str(Path(os.fspath(passwords)).resolve())
    elif defaults.passwords:
        base = org.source_folder() or Path()
        password_file = str((base / defaults.passwords).resolve())
    else:
        value = remembered.get("passwords_file")
        password_file = value if isinstance(value, str) and value else None
    own_registrar = bool(defaults.registrar)
    port = remembered.get("registrar_port") if not own_registrar and not registrar else None
    transport = remembered.get("transport") if not own_registrar and not registrar else None
    return ProvisioningSettings(
        registrar=str(pick(registrar, defaults.registrar, "registrar") or ""),
        registrar_port=port if isinstance(port, int) else defaults.registrar_port,
        transport=Transport(transport) if isinstance(transport, str) else defaults.transport,
        server_url=str(pick(server_url, defaults.server_url, "server_url") or ""),
        sip_passwords=read_passwords(password_file) if password_file else {},
        passwords_file=password_file or "",
        directories=directories,
        ntp_server=defaults.ntp_server,
        date_format=defaults.date_format,
        pickup_code=defaults.pickup_code,
    )


def sip_user_name(username: str) -> str:
    """The SIP user a username registers as, by cloudtel's one rule: the part before ``@``.

    The same rule names a user's account (:func:`default_account`) and what an extension
    (BLF) key on that user watches (:attr:`PhoneContext.sip_users`), at the same
    registrar: ``adel.alkoubaisy@orange.be`` registers, and is watched, as
    ``adel.alkoubaisy`` at ``sip.orange.be``.

    Args:
        username: The user's username.

    Returns:
        The SIP user name.
    """
    return username.split("@", 1)[0]


def default_account(
    org: Organization, phone: SipPhone, user: User, settings: ProvisioningSettings
) -> SipAccount | None:
    """The SIP account of a phone's user, as cloudtel names it by default.

    The SIP user name (and authentication name) is :func:`sip_user_name`, the part
    of the username before the ``@`` (``steven.lathouwers@orange.be`` →
    ``steven.lathouwers``), the display name is the user's first and last name, the
    password comes from :attr:`ProvisioningSettings.sip_passwords`.

    Args:
        org: The organisation (for the default registrar).
        phone: The phone (unused; a custom factory may use it).
        user: The phone's assigned user.
        settings: Registrar, port, transport and passwords.

    Returns:
        The account, or ``None`` when there is no SIP password for the user.
    """
    del phone
    password = settings.sip_passwords.get(user.username, "")
    if not password:
        return None
    return SipAccount(
        username=sip_user_name(user.username),
        password=password,
        display_name=user.display_name,
        registrar=settings.registrar_for(org),
        port=settings.registrar_port,
        transport=settings.transport,
    )


# ---------------------------------------------------------------------------
# Rendering (no I/O)
# ---------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class PhoneFiles:
    """A phone and the files its driver rendered for it, or why it could not be rendered.

    Args:
        phone (SipPhone): The phone.
        files (tuple[RenderedFile, ...]): Its configuration file first, then its
            directory file(s).
        warnings (tuple[str, ...]): Things the user should know (e.g. no SIP password).
        accounts (int): How many SIP accounts the phone's file has (0: it cannot
            register).
        shared (frozenset[str]): The paths among ``files`` that many phones share
            (the shared directories). :func:`render_organization` lists each shared
            file once, with the first phone that uses it; :func:`render_phone` lists
            all the phone uses.
        error (str): Why the phone could not be rendered (no driver, a key that does
            not fit, a value its driver refuses; never a secret's value); "" when it
            was. Such a phone has no files.
    """

    phone: SipPhone
    files: tuple[RenderedFile, ...]
    warnings: tuple[str, ...] = ()
    accounts: int = 0
    shared: frozenset[str] = frozenset()
    error: str = ""


def _language_of(org: Organization, user: User) -> str:
    """The user's language: their own, else their first group's that sets one, else the org's."""
    if user.settings.language:
        return user.settings.language
    if user.groups:
        mine = set(user.groups)
        for group in org.groups:
            if group.name in mine and group.settings.language:
                return group.settings.language
    return org.settings.language or org.language


def common_context(
    org: Organization, settings: ProvisioningSettings | None = None, *, year: int | None = None
) -> PhoneContext:
    """The organisation's settings as every phone gets them (no account, no user).

    What the drivers write into the common files of a folder
    (:func:`render_common_files`) and, with the phone's own account and language,
    into each phone's file.

    Args:
        org: The organisation (its time zone and language).
        settings: Pickup code, time server, date format, server URL; defaults when ``None``.
        year: Whose daylight-saving dates to write; the current year when ``None``.

    Returns:
        The context: ``time_rule`` of the organisation's time zone, its language, the
        time server, date format, pickup code and server URL.
    """
    settings = settings or ProvisioningSettings()
    year = year if year is not None else datetime.datetime.now(tz=datetime.UTC).year
    return PhoneContext(
        server_url=settings.server_url,
        pickup_code=settings.pickup_code,
        time_rule=time_rule(org.time_zone, year),
        language=phone_language(org.settings.language or org.language),
        ntp_server=settings.ntp_server,
        date_format=settings.date_format,
    )


def _inherited(org: Organization, phone: SipPhone) -> dict[str, object]:
    return {name: found.value for name, found in org.provisioning.resolve(phone).items()}


def phone_context(
    org: Organization,
    phone: SipPhone,
    settings: ProvisioningSettings | None = None,
    *,
    names: Mapping[str, str] | None = None,
    directories: Iterable[DirectoryLink] = (),
) -> PhoneContext:
    """What the driver needs besides the phone: account, names, URLs, inherited settings.

    The firmware URL, NAT keep-alive and backup registrar are resolved organisation →
    group → phone (:meth:`cloudtel.ProvisioningDefaults.resolve`). The organisation's
    time zone, time server, date format and pickup code come from
    :func:`common_context`; the language is the phone's user's (their own, else their
    groups', else the organisation's); every user's SIP user name is given by the
    same rule as the accounts (:func:`sip_user_name`), for extension keys.

    Args:
        org: The organisation.
        phone: The phone.
        settings: Registrar, passwords, server URL; defaults when ``None``.
        names: Display name per username, computed once for many phones (internal).
        directories: The shared directories the phone shows.

    Returns:
        The context; no account for a phone without a user or without a SIP password.

    Raises:
        NotFoundError: When the phone's user does not exist.
    """
    settings = settings or ProvisioningSettings()
    return _context(
        org, phone, settings, names, directories=directories, common=common_context(org, settings)
    )


def _context(
    org: Organization,
    phone: SipPhone,
    settings: ProvisioningSettings,
    names: Mapping[str, str] | None,
    *,
    directories: Iterable[DirectoryLink],
    inherited: Mapping[str, object] | None = None,
    common: PhoneContext,
    sip_users: Mapping[str, str] | None = None,
) -> PhoneContext:
    accounts: tuple[SipAccount, ...] = ()
    language = common.language
    if phone.user is not None:
        user = org.user(phone.user)
        factory = settings.account_for or default_account
        account = factory(org, phone, user, settings)
        accounts = () if account is None else (account,)
        language = phone_language(_language_of(org, user))
    if names is None:
        names = {user.username: user.display_name for user in org.users}
    if sip_users is None:
        sip_users = {username: sip_user_name(username) for username in names}
    values = _inherited(org, phone) if inherited is None else inherited
    return PhoneContext(
        accounts=accounts,
        names=names,
        sip_users=sip_users,
        language=language,
        pickup_code=common.pickup_code,
        time_rule=common.time_rule,
        ntp_server=common.ntp_server,
        date_format=common.date_format,
        server_url=settings.server_url,
        directories=directories,
        firmware_url=str(values["firmware_url"]),
        nat_keepalive=int(values["nat_keepalive"]),  # type: ignore[call-overload]
        backup_registrar=str(values["backup_registrar"]),
        backup_registrar_port=int(values["backup_registrar_port"]),  # type: ignore[call-overload]
    )


class _Kind:
    """What the contexts of phones of one kind share: a context without account, its
    fields (to copy), and the digest of those fields for the inputs of a phone."""

    __slots__ = ("_digest", "fields", "shared")

    def __init__(self, shared: PhoneContext, fields: tuple[tuple[str, Any], ...]) -> None:
        self.shared = shared
        self.fields = fields
        self._digest: bytes | None = None

    @property
    def digest(self) -> bytes:
        if self._digest is None:
            # Everything but the account (per phone) and the name maps (per run).
            kept = tuple(
                (name, value) for name, value in self.fields if name not in _PER_RUN_OR_PHONE
            )
            self._digest = hashlib.blake2b(repr(kept).encode(), digest_size=16).digest()
        return self._digest


_PER_RUN_OR_PHONE = frozenset({"accounts", "names", "sip_users"})


def _phone_inputs(phone: SipPhone) -> tuple[Any, ...]:
    """Every field of the phone as plain values (for the digest of its inputs)."""
    keys = []
    for position, key in phone.layout.keys:
        value: Any
        if type(key) is LineKey:
            value = key.account
        elif type(key) is ExtensionKey:
            value = key.username
        elif type(key) is PhoneNumberKey:
            value = (key.label, key.number.e164)
        else:  # another kind of key: its full description
            value = repr(key)
        where = position.set
        code = 0 if where is KeySet.LINE else 1 if where is KeySet.PROG else 2
        keys.append((code, position.module, position.index, type(key).__name__, value))
    return (
        phone.mac.hex,
        phone.family,
        phone.model,
        phone.description,
        phone.user,
        phone.firmware,
        phone.ip_address,
        phone.free_seating,
        phone.expansion_modules,
        tuple(keys),
    )


def _account_inputs(accounts: tuple[SipAccount, ...]) -> tuple[Any, ...]:
    return tuple(
        (
            a.username,
            a.password,
            a.display_name,
            a.registrar,
            a.auth_name,
            a.port,
            a.transport.value,
        )
        for a in accounts
    )


_Prepared = tuple[PhoneDriver, tuple[Directory, ...], tuple[DirectoryLink, ...], PhoneContext]
"""A phone ready to render: its driver, the directories it shows, their links, its context."""


class _Renderer:
    """Renders many phones of one organisation, computing shared parts once."""

    def __init__(self, org: Organization, settings: ProvisioningSettings) -> None:
        self.org = org
        self.settings = settings
        self.names = {user.username: user.display_name for user in org.users}
        self.sip_users = {username: sip_user_name(username) for username in self.names}
        self.common = common_context(org, settings)
        # Built when the first phone needs it (the common files do not).
        self._shared: SharedDirectories | None = None
        self.drivers: dict[str, PhoneDriver] = {}
        self.rendered: dict[str, tuple[RenderedFile, ...]] = {}
        defaults = org.provisioning
        # Without group or phone entries every phone of a model inherits the same values.
        self.simple = not defaults.groups and not defaults.phones
        self.inherited: dict[tuple[str, str], Mapping[str, object]] = {}
        self.links: dict[tuple[str, str], tuple[DirectoryLink, ...]] = {}
        self.named: dict[tuple[str, str], Directory] = {}
        self.shown: dict[tuple[str, str], tuple[Directory, ...]] = {}
        # Per kind: the shared context, its fields (to copy) and the digest of what it holds.
        self.contexts: dict[tuple[object, ...], _Kind] = {}
        self.last_kind: _Kind | None = None  # the kind of the last context handed out
        # Set by provision: the digest of every phone's inputs, and which phones to skip.
        self.inputs: dict[str, str] | None = None
        self.unchanged: Callable[[str, str], bool] | None = None
        self.skipped: set[str] = set()
        self.owned: Mapping[str, list[str]] = {}  # each phone's files in the manifest
        self._global_inputs: bytes | None = None

    def driver(self, family: str) -> PhoneDriver:
        if family not in self.drivers:
            self.drivers[family] = get_driver(family)
        return self.drivers[family]

    def _inherited(self, phone: SipPhone) -> Mapping[str, object]:
        if not self.simple:
            return _inherited(self.org, phone)
        key = (phone.family, phone.model)
        if key not in self.inherited:
            self.inherited[key] = _inherited(self.org, phone)
        return self.inherited[key]

    def _directories(self, phone: SipPhone) -> tuple[Directory, ...]:
        if not self.settings.directories:
            return ()
        shared = self._shared
        if shared is None:
            shared = self._shared = SharedDirectories(self.org)
        family = phone.family
        own = shared.contacts_of(phone.user)
        key = (family, "" if own is None else own.name)
        found = self.shown.get(key)
        if found is None:
            kinds = (shared.shared,) if own is None else (shared.shared, own)
            found = self.shown[key] = tuple(self._named(family, d) for d in kinds)
        return found

    def _named(self, family: str, directory: Directory) -> Directory:
        """The directory named for the family's files (computed once per family)."""
        key = (family, directory.name)
        named = self.named.get(key)
        if named is None:
            name = f"directory/{family}-{directory.name.removeprefix('directory/')}"
            named = self.named[key] = attrs.evolve(directory, name=name)
        return named

    def _links(self, family: str, directories: tuple[Directory, ...]) -> tuple[DirectoryLink, ...]:
        key = (family, directories[-1].name)
        links = self.links.get(key)
        if links is None:
            links = tuple(DirectoryLink(title=d.title, name=d.name) for d in directories)
            self.links[key] = links
        return links

    def _shown(self, phone: SipPhone) -> tuple[tuple[Directory, ...], tuple[DirectoryLink, ...]]:
        """The directories the phone shows, and their links (computed once per kind)."""
        directories = self._directories(phone)
        if not directories:
            return (), ()
        return directories, self._links(phone.family, directories)

    def _context(self, phone: SipPhone, links: tuple[DirectoryLink, ...]) -> PhoneContext:
        """The phone's context: what phones of its kind share, with its own account.

        The same as :func:`_context` gives. Everything but the account is the same for
        every phone with the same language, directories and inherited settings, so that
        part is built (and checked) once per kind and each phone's context is a copy
        with its account (a :class:`~cloudtel.devices.SipAccount`, checked when made).
        """
        org, settings = self.org, self.settings
        accounts: tuple[SipAccount, ...] = ()
        language = self.common.language
        if phone.user is not None:
            user = org.user(phone.user)
            account = (settings.account_for or default_account)(org, phone, user, settings)
            accounts = () if account is None else (account,)
            language = phone_language(_language_of(org, user))
        inherited = self._inherited(phone)
        # The links tuples (and, without group or phone entries, the inherited values)
        # are built once per kind and kept by this renderer: their identity names them.
        values: object = id(inherited) if self.simple else tuple(inherited.values())
        key = (language, id(links), values)
        found = self.contexts.get(key)
        if found is None:
            shared = attrs.evolve(
                _context(
                    org,
                    phone,
                    settings,
                    self.names,
                    directories=links,
                    inherited=inherited,
                    common=self.common,
                    sip_users=self.sip_users,
                ),
                accounts=(),
                language=language,
            )
            fields = tuple((name, getattr(shared, name)) for name in _CONTEXT_FIELDS)
            found = self.contexts[key] = _Kind(shared, fields)
        self.last_kind = found
        if not accounts:
            return found.shared
        context: PhoneContext = object.__new__(PhoneContext)
        for name, value in found.fields:
            object.__setattr__(context, name, value)
        object.__setattr__(context, "accounts", accounts)
        return context

    def render(self, phone: SipPhone, *, every_shared: bool = False) -> PhoneFiles:
        """One phone, through its driver's ``cloudtel_render_phone`` (the plain path)."""
        driver = self.driver(phone.family)
        directories, links = self._shown(phone)
        context = self._context(phone, links)
        files = driver.render_phone(phone, context)
        prepared = (driver, directories, links, context)
        return self._finish(phone, files, prepared, every_shared=every_shared)

    def render_batch(self, phones: Sequence[SipPhone]) -> list[PhoneFiles]:
        """Many phones, family by family through one driver call per model (the fast path).

        Per phone the same :class:`PhoneFiles` as :meth:`render` gives, in order, or one
        with the error :meth:`render` would raise; the shared directories are listed
        with the first phone (in order) that shows them, as phone after phone.
        """
        ready: dict[int, _Prepared] = {}
        failed: dict[int, CloudtelError] = {}
        families: dict[str, list[int]] = {}
        skipped: set[int] = set()
        inputs, unchanged = self.inputs, self.unchanged
        for index, phone in enumerate(phones):
            try:
                driver = self.driver(phone.family)
                directories, links = self._shown(phone)
                context = self._context(phone, links)
            except CloudtelError as exc:
                failed[index] = exc
                continue
            ready[index] = (driver, directories, links, context)
            if inputs is not None:
                name = phone.name
                digest = inputs[name] = self._digest(phone, context)
                if unchanged is not None and unchanged(name, digest):
                    skipped.add(index)  # same inputs, same code, its files as written
                    self.skipped.add(name)
                    continue
            families.setdefault(phone.family, []).append(index)
        files: dict[int, tuple[RenderedFile, ...]] = {}
        for indices in families.values():
            answers = ready[indices[0]][0].render_phones(
                [phones[i] for i in indices], [ready[i][3] for i in indices]
            )
            for index, answer in zip(indices, answers, strict=True):
                if isinstance(answer, CloudtelError):
                    failed[index] = answer
                else:
                    files[index] = answer
        out: list[PhoneFiles] = []
        for index, phone in enumerate(phones):
            error = failed.get(index)
            if error is None:
                own = () if index in skipped else files[index]
                try:
                    out.append(self._finish(phone, own, ready[index], every_shared=False))
                    continue
                except CloudtelError as exc:
                    error = exc
            out.append(PhoneFiles(phone=phone, files=(), error=error.message))
        return out

    def _digest(self, phone: SipPhone, context: PhoneContext) -> str:
        """The digest of everything the phone's own files are rendered from.

        The rendering code (:func:`cloudtel.plugins.render_fingerprint`), the display
        name and SIP user of every user (extension keys show them), what the phone's kind
        shares (language, directories, inherited settings, server URL, time …), its
        account(s) and every field of the phone. Same digest: same files.
        """
        prefix = self._global_inputs
        if prefix is None:
            names = marshal.dumps(tuple(sorted(self.names.items())))
            sip_users = marshal.dumps(tuple(sorted(self.sip_users.items())))
            prefix = self._global_inputs = hashlib.blake2b(
                render_fingerprint().encode() + names + sip_users, digest_size=16
            ).digest()
        kind = self.last_kind  # of the context _context() just gave
        digest = hashlib.blake2b(prefix + (kind.digest if kind else b""), digest_size=16)
        digest.update(marshal.dumps((_account_inputs(context.accounts), _phone_inputs(phone))))
        return digest.hexdigest()

    def _finish(
        self,
        phone: SipPhone,
        files: tuple[RenderedFile, ...],
        prepared: _Prepared,
        *,
        every_shared: bool,
    ) -> PhoneFiles:
        """The phone's files with the shared directories it shows, and its warnings."""
        driver, directories, links, context = prepared
        shared: frozenset[str] = _NO_PATHS
        for directory in directories:
            done = self.rendered.get(directory.name)
            if done is None:
                model = driver.model(phone.model)
                # Links between directories are the same for every phone sharing them.
                done = driver.render_shared_directory(
                    model, directory, PhoneContext(server_url=context.server_url, directories=links)
                )
                self.rendered[directory.name] = done
            elif not every_shared:
                continue
            files += done
            shared = shared.union(file.path for file in done)
        accounts = len(context.accounts)
        warnings: tuple[str, ...] = ()
        if phone.user is None:
            warnings = (f"phone {phone.name} has no user: written without an account",)
        elif not accounts:
            warnings = (
                f"phone {phone.name}: no SIP password for {phone.user}: written without an account",
            )
        return PhoneFiles(
            phone=phone, files=files, warnings=warnings, accounts=accounts, shared=shared
        )

    def common_files(self, phones: Iterable[SipPhone]) -> tuple[RenderedFile, ...]:
        """The common files of every family among ``phones``, each family once.

        A phone of a family without a driver, or of a model its driver lacks, counts
        for none (it is reported when rendered).
        """
        models: dict[str, dict[str, PhoneModel]] = {}
        for phone in phones:
            found = models.setdefault(phone.family, {})
            if phone.model.lower() not in found:
                try:
                    found[phone.model.lower()] = self.driver(phone.family).model(phone.model)
                except CloudtelError:
                    continue
        files: list[RenderedFile] = []
        for family, of_family in models.items():
            if of_family:
                files += self.driver(family).common_files(tuple(of_family.values()), self.common)
        return tuple(files)


_NO_PATHS: frozenset[str] = frozenset()
_CONTEXT_FIELDS = tuple(field.name for field in attrs.fields(PhoneContext))


def render_phone(
    org: Organization,
    phone: SipPhone | MacAddress | str,
    settings: ProvisioningSettings | None = None,
) -> PhoneFiles:
    """Render one phone's files through its driver, with the shared directories it shows.

    Args:
        org: The organisation.
        phone: The phone, or its MAC address.
        settings: Registrar, passwords, server URL; defaults when ``None``.

    Returns:
        The phone and its files (its configuration first, then every directory file
        it fetches, listed in :attr:`PhoneFiles.shared`).

    Raises:
        NotFoundError: No such phone, user or model.
        DriverNotFoundError: No driver for the phone's family is installed.
        KeyLayoutError: A key does not fit the model.
        InvalidValueError: A value the driver cannot write safely.
    """
    if not isinstance(phone, SipPhone):
        phone = org.phones.find(phone)
    return _Renderer(org, settings or ProvisioningSettings()).render(phone, every_shared=True)


def render_common_files(
    org: Organization,
    settings: ProvisioningSettings | None = None,
    *,
    phones: Iterable[SipPhone] | None = None,
) -> tuple[RenderedFile, ...]:
    """Render the files the phones of a folder share (each family's, once).

    A Mitel fetches ``startup.cfg`` or ``aastra.cfg`` before its own file, a Yealink
    its model's ``y0000000000XX.cfg``: the drivers write the organisation's time zone,
    time server, date format and pickup code there (see
    :func:`~cloudtel.hookspecs.cloudtel_common_files`).

    Args:
        org: The organisation.
        settings: Pickup code, time server, date format; defaults when ``None``.
        phones: The phones whose families and models count; every phone when ``None``
            (a phone without a driver or of an unknown model counts for none).

    Returns:
        The common files, family by family in the order the phones first name them.

    Raises:
        InvalidValueError: A value a driver cannot write safely.
    """
    renderer = _Renderer(org, settings or ProvisioningSettings())
    return renderer.common_files(org.phones if phones is None else phones)


def render_organization(
    org: Organization,
    settings: ProvisioningSettings | None = None,
    *,
    macs: Iterable[MacAddress | str] | None = None,
) -> tuple[PhoneFiles, ...]:
    """Render the files of every phone of the organisation (no I/O).

    With directories on (the default), the organisation's shared directory and the
    users' contacts directories (see :class:`cloudtel.directory.SharedDirectories`)
    are rendered once per phone family, and listed once, with the first phone that
    shows them (:attr:`PhoneFiles.shared`).

    One phone that cannot be rendered does not stop the others: its
    :class:`PhoneFiles` has no files and an :attr:`~PhoneFiles.error` saying why (no
    driver, a key that does not fit, a value the driver refuses, a file another phone
    already writes), which :func:`provision` reports for that phone.

    Args:
        org: The organisation.
        settings: Registrar, passwords, server URL; defaults when ``None``.
        macs: Only these phones (any MAC notation); every phone when ``None``.

    Returns:
        One :class:`PhoneFiles` per phone, in the organisation's order.

    Raises:
        NotFoundError: When a MAC in ``macs`` is not a phone of the organisation.
    """
    renderer = _Renderer(org, settings or ProvisioningSettings())
    phones = tuple(org.phones) if macs is None else tuple(org.phones.find(mac) for mac in macs)
    return _render_phones(renderer, phones)


_BATCH = 256
"""Phones rendered per batch (one driver call per model and batch)."""


def _render_phones(
    renderer: _Renderer,
    phones: Iterable[SipPhone],
    progress: Progress | None = None,
) -> tuple[PhoneFiles, ...]:
    rendered: list[PhoneFiles] = []
    owners: dict[str, str] = {}
    phones = tuple(phones)
    total = len(phones)
    for start in range(0, total, _BATCH):
        for result in renderer.render_batch(phones[start : start + _BATCH]):
            rendered.append(_check_clash(result, owners))
            name = result.phone.name
            if name in renderer.skipped:  # its own files, as the manifest lists them
                for path in renderer.owned.get(name, ()):
                    owners.setdefault(path, name)
        if progress is not None:
            progress(min(start + _BATCH, total), total)
    return tuple(rendered)


def _check_clash(result: PhoneFiles, owners: dict[str, str]) -> PhoneFiles:
    """``result``, or an error when one of its own files is another phone's (or shared)."""
    if result.error:
        return result
    name = result.phone.name
    shared = result.shared
    for file in result.files:
        path = file.path
        if path not in shared:
            owner = owners.get(path, name)
            if owner != name:
                what = f"phone {owner}" if owner else "a shared directory"
                error = f"file {path} is also written for {what}"
                return PhoneFiles(phone=result.phone, files=(), error=error)
    for file in result.files:
        owners.setdefault(file.path, "" if file.path in shared else name)
    return result


# ---------------------------------------------------------------------------
# Writing the folder
# ---------------------------------------------------------------------------


class FileChange:
    """What :func:`provision` did with a file (plain strings, for easy printing)."""

    ADDED = "added"
    """The file did not exist; it was written."""
    CHANGED = "changed"
    """The file existed with other bytes; it was replaced."""
    UNCHANGED = "unchanged"
    """The file existed with the same bytes; it was not touched."""
    STALE = "stale"
    """cloudtel wrote it for a phone that is gone; it was left in place."""
    REMOVED = "removed"
    """cloudtel wrote it for a phone that is gone; it was deleted as asked."""


@attrs.frozen(kw_only=True)
class FileReport:
    """One file of the provisioning folder and what happened to it.

    Args:
        path (str): Relative POSIX path in the folder.
        change (str): A :class:`FileChange` value.
        phone (str): The phone's MAC (upper case) the file belongs to, or
            :data:`SHARED` for a file many phones share (a directory, a common file:
            :func:`render_common_files`).
        before (bytes | None): The file's bytes before (``None`` when it did not exist
            or was not looked at); kept for :meth:`diff`, neither compared nor shown.
        after (bytes | None): The bytes written or found unchanged (``None`` for a
            stale or removed file).
    """

    path: str
    change: str
    phone: str
    before: bytes | None = attrs.field(default=None, eq=False, repr=False)
    after: bytes | None = attrs.field(default=None, eq=False, repr=False)

    def diff(self, *, context: int = 3) -> str:
        """What changed in the file, as a unified diff of its text (``""`` when nothing).

        The bytes are decoded as UTF-8 (a byte that is not shows as ``\ufffd``); an
        added file is a diff from nothing.

        Args:
            context: Unchanged lines shown around each change.

        Returns:
            The diff, ``--- a/PATH`` / ``+++ b/PATH`` headers first.
        """
        if self.change not in {FileChange.ADDED, FileChange.CHANGED} or self.after is None:
            return ""
        old = _lines(self.before)
        new = _lines(self.after)
        return "".join(
            difflib.unified_diff(
                old,
                new,
                fromfile="/dev/null" if self.before is None else f"a/{self.path}",
                tofile=f"b/{self.path}",
                n=context,
            )
        )


def _lines(content: bytes | None) -> list[str]:
    if content is None:
        return []
    lines = content.decode("utf-8", errors="replace").splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines


@attrs.frozen(kw_only=True)
class PhoneReport:
    """What :func:`provision` did for one phone.

    Args:
        phone (SipPhone): The phone.
        files (tuple[FileReport, ...]): Its files (none when it could not be rendered:
            its files in the folder were left as they were).
        warnings (tuple[str, ...]): Warnings from rendering.
        error (str): Why the phone could not be rendered; "" when it was.
    """

    phone: SipPhone
    files: tuple[FileReport, ...]
    warnings: tuple[str, ...] = ()
    error: str = ""

    @property
    def changed(self) -> bool:
        """Whether any of the phone's files was added or changed."""
        return any(f.change in {FileChange.ADDED, FileChange.CHANGED} for f in self.files)

    def diff(self) -> str:
        """The unified diffs of the phone's added and changed files (``""`` when none)."""
        return "".join(f.diff() for f in self.files)


@attrs.frozen(kw_only=True)
class ProvisioningReport:
    """What :func:`provision` did to the folder.

    Args:
        folder (Path): The provisioning folder.
        phones (tuple[PhoneReport, ...]): One report per phone, in organisation order.
        stale (tuple[FileReport, ...]): Files cloudtel wrote earlier for phones that
            are gone (``stale``, or ``removed`` when asked to delete them).
        common (tuple[FileReport, ...]): The files the phones share (a Mitel's
            ``startup.cfg``, a Yealink model's ``y0000000000XX.cfg``).
    """

    folder: Path
    phones: tuple[PhoneReport, ...]
    stale: tuple[FileReport, ...] = ()
    common: tuple[FileReport, ...] = ()

    @property
    def files(self) -> tuple[FileReport, ...]:
        """Every file reported: the common files, the phones' files, then the stale ones."""
        return self.common + tuple(f for p in self.phones for f in p.files) + self.stale

    @property
    def failed(self) -> tuple[PhoneReport, ...]:
        """The phones that could not be rendered (their :attr:`PhoneReport.error` says why)."""
        return tuple(p for p in self.phones if p.error)

    @property
    def errors(self) -> tuple[str, ...]:
        """One line per phone that could not be rendered: ``08000FBBAD78: why``."""
        return tuple(f"{p.phone.name}: {p.error}" for p in self.failed)

    @property
    def changed_phones(self) -> tuple[SipPhone, ...]:
        """The phones with an added or changed file (they need a check-sync)."""
        return tuple(p.phone for p in self.phones if p.changed)

    @property
    def written(self) -> int:
        """How many files were written (added or changed)."""
        return sum(f.change in {FileChange.ADDED, FileChange.CHANGED} for f in self.files)

    def count(self, change: str) -> int:
        """How many files had this change.

        Args:
            change: A :class:`FileChange` value.

        Returns:
            The number of files.
        """
        return sum(f.change == change for f in self.files)

    @property
    def warnings(self) -> tuple[str, ...]:
        """Every phone's warnings."""
        return tuple(w for p in self.phones for w in p.warnings)

    def summary(self) -> str:
        """One line: ``3 phones, 6 files: 2 added, 1 changed, 3 unchanged, 0 stale``.

        Returns:
            The summary.
        """
        counts = ", ".join(
            f"{self.count(change)} {change}"
            for change in (FileChange.ADDED, FileChange.CHANGED, FileChange.UNCHANGED)
        )
        stale = self.count(FileChange.STALE)
        removed = self.count(FileChange.REMOVED)
        tail = f", {stale} stale" + (f", {removed} removed" if removed else "")
        total = sum(len(p.files) for p in self.phones) + len(self.common)
        noun = "phone" if len(self.phones) == 1 else "phones"
        failed = f", {len(self.failed)} not written (errors)" if self.failed else ""
        return f"{len(self.phones)} {noun}, {total} files: {counts}{tail}{failed}"

    def rows(self) -> list[tuple[str, str, str]]:
        """One row per file: phone, path, change (for a table).

        Returns:
            The rows, phones in order, then the stale files.
        """
        return [(f.phone, f.path, f.change) for f in self.files]

    def diff(self) -> str:
        """What changed on the phones: the unified diff of every added and changed file.

        Example: ``print(provision(org, folder).diff())`` after changing a key shows
        the one line of the phone's configuration that changed.

        Returns:
            The diffs, file after file, the common files first, then the phones in
            order; ``""`` when nothing changed.
        """
        return "".join(f.diff() for f in self.common) + "".join(p.diff() for p in self.phones)

    def to_records(self) -> list[dict[str, object]]:
        """One plain ``dict`` per file: phone, path, change, lines added and removed."""
        records: list[dict[str, object]] = []
        for report in self.files:
            lines = report.diff().splitlines()[2:]
            records.append(
                {
                    "phone": report.phone,
                    "path": report.path,
                    "change": report.change,
                    "added": sum(line.startswith("+") for line in lines),
                    "removed": sum(line.startswith("-") for line in lines),
                }
            )
        return records

    def to_pandas(self) -> Any:
        """The files as a :class:`pandas.DataFrame` (needs the ``pandas`` extra)."""
        columns = ("phone", "path", "change", "added", "removed")
        return _html.records_to_pandas(self.to_records(), columns)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        table = _html.table(self.to_records(), caption=self.summary(), empty="no files")
        diffs = "".join(
            f"<details><summary>{html.escape(f.path)} ({html.escape(f.change)})</summary>"
            f"<pre>{html.escape(f.diff())}</pre></details>"
            for f in self.files
            if f.change == FileChange.CHANGED
        )
        return table + diffs


@attrs.frozen
class _Manifest:
    """What the folder's manifest says: files, accounts per phone, last run's settings,
    and (version 3) each phone's inputs digest and each file's size and time stamp."""

    files: dict[str, str] = attrs.field(factory=dict)  # path → phone ("" for shared files)
    accounts: dict[str, int] | None = None  # phone → accounts written; None: not recorded
    settings: dict[str, object] = attrs.field(factory=dict)
    inputs: dict[str, str] = attrs.field(factory=dict)  # phone → digest of its inputs
    stats: dict[str, tuple[int, int]] = attrs.field(factory=dict)  # path → size, mtime_ns

    def owned(self) -> dict[str, list[str]]:
        """The paths of each phone's own files."""
        found: dict[str, list[str]] = {}
        for path, phone in self.files.items():
            if phone:
                found.setdefault(phone, []).append(path)
        return found


_REMEMBERED = ("server_url", "registrar", "registrar_port", "transport", "passwords_file")


def _plain_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _read_manifest(folder: Path) -> _Manifest:
    """The folder's manifest; empty when there is none."""
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return _Manifest()
    except (OSError, ValueError) as exc:
        raise InvalidValueError(
            f"{path}: the provisioning manifest cannot be read ({exc}); "
            "delete it to start afresh (stale files are then no longer recognised)",
            path=str(path),
        ) from exc
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict) or data.get("version") not in _MANIFEST_VERSIONS:
        raise InvalidValueError(
            f"{path}: not a version 1, 2 or {_MANIFEST_VERSION} provisioning manifest",
            path=str(path),
        )
    phones = data.get("phones")
    accounts = None
    inputs: dict[str, str] = {}
    if isinstance(phones, dict):
        accounts = {
            str(name): int(entry.get("accounts", 0))
            for name, entry in phones.items()
            if isinstance(entry, dict) and isinstance(entry.get("accounts", 0), int)
        }
        inputs = {
            str(name): entry["inputs"]
            for name, entry in phones.items()
            if isinstance(entry, dict) and isinstance(entry.get("inputs"), str)
        }
    settings = data.get("settings")
    remembered: dict[str, object] = {
        str(key): value
        for key, value in (settings.items() if isinstance(settings, dict) else ())
        if key in _REMEMBERED and isinstance(value, str | int) and not isinstance(value, bool)
    }
    entries = {str(name): entry for name, entry in files.items() if isinstance(entry, dict)}
    return _Manifest(
        files={name: str(entry.get("phone", "")) for name, entry in entries.items()},
        accounts=accounts,
        settings=remembered,
        inputs=inputs,
        stats={
            name: (entry["size"], entry["mtime_ns"])
            for name, entry in entries.items()
            if _plain_int(entry.get("size")) and _plain_int(entry.get("mtime_ns"))
        },
    )


def _manifest_bytes(
    files: Mapping[str, str],
    accounts: Mapping[str, int],
    settings: ProvisioningSettings,
    *,
    inputs: Mapping[str, str],
    stats: Mapping[str, tuple[int, int]],
) -> bytes:
    def file_entry(path: str, phone: str) -> dict[str, object]:
        found = stats.get(path)
        if found is None:
            return {"phone": phone}
        return {"phone": phone, "size": found[0], "mtime_ns": found[1]}

    def phone_entry(phone: str, count: int) -> dict[str, object]:
        digest = inputs.get(phone)
        return {"accounts": count} if digest is None else {"accounts": count, "inputs": digest}

    data = {
        "version": _MANIFEST_VERSION,
        "generator": "cloudtel",
        "files": {path: file_entry(path, phone) for path, phone in files.items()},
        "phones": {phone: phone_entry(phone, count) for phone, count in accounts.items()},
        "settings": {
            "server_url": settings.server_url,
            "registrar": settings.registrar,
            "registrar_port": settings.registrar_port,
            "transport": settings.transport.value,
            "passwords_file": settings.passwords_file,
        },
    }
    # Compact (one line): a manifest of 100 000 phones is written and compared quickly.
    return (json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n").encode()


def _inside(folder: Path, relative: str) -> Path:
    target = folder / relative
    if os.path.commonpath([folder, target.resolve()]) != str(folder):
        raise InvalidValueError(
            f"{relative} would be written outside the provisioning folder {folder} "
            "(through a symbolic link); refusing",
            path=relative,
        )
    return target


def _stale_file(folder: Path, relative: str) -> Path | None:
    """The file a manifest entry names, when it is one cloudtel may remove; else ``None``.

    The entry must be a plain relative path (no ``..``, no absolute path, no NUL) whose
    folders are real folders inside ``folder`` (no symbolic link on the way) and which
    names a file or a symbolic link (not a folder). Anything else, a manifest edited by
    hand or damaged, is passed over: removing never leaves the folder.
    """
    parts = relative.split("/")
    if not relative or "\x00" in relative or "\\" in relative or relative.startswith("/"):
        return None
    if any(part in {"", ".", ".."} for part in parts):
        return None
    here = folder
    for part in parts[:-1]:
        here = here / part
        try:
            if not stat.S_ISDIR(os.lstat(here).st_mode):
                return None
        except (OSError, ValueError):
            return None
    target = here / parts[-1]
    try:
        mode = os.lstat(target).st_mode
    except (OSError, ValueError):
        return None
    return target if stat.S_ISREG(mode) or stat.S_ISLNK(mode) else None


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0) | _NOFOLLOW
_SYMLINK_ERRORS = frozenset({errno.ELOOP, errno.EMLINK})


def _same_bytes(descriptor: int, target: str, content: bytes) -> bool:
    """Whether the open file holds exactly ``content`` (its size is compared first)."""
    info = os.fstat(descriptor)
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), target)
    size = info.st_size
    if size != len(content):
        return False
    chunks = []
    total = 0
    while total <= size:  # read one byte more than expected, to see a file that grew
        chunk = os.read(descriptor, size + 1 - total)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks) == content


class _Batch:
    """Compares and writes many files atomically, with one flush to disk for all of them.

    :meth:`compare` only reads: an unchanged file costs one ``open``, one ``fstat`` and,
    when the sizes agree, one ``read``. Each changed file goes to a temporary file in
    its own folder; :meth:`commit` flushes them all to disk at once (``os.sync``: one
    wait for the disk instead of one ``fsync`` per file), then renames each over its
    target and fsyncs each folder. A reader sees the old file or the new one, never a
    part; on failure the temporary files go.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root_text = str(root)
        self.pending: list[tuple[str, str]] = []
        self.folders: set[str] = {self.root_text}

    def target(self, relative: str) -> str:
        """Where ``relative`` goes; a symbolic link on the way must stay inside the folder.

        For a plain name the link can only be the file itself: :meth:`compare` opens it
        without following links and checks a link when it finds one.

        Raises:
            InvalidValueError: When the path leads outside the folder.
        """
        if "/" in relative or not _NOFOLLOW:
            return str(_inside(self.root, relative))
        return os.path.join(self.root_text, relative)

    def compare(self, target: str, relative: str, content: bytes) -> str:
        """``unchanged``, ``changed`` or ``added``: what writing ``content`` would do."""
        try:
            descriptor = os.open(target, _READ_FLAGS)
        except FileNotFoundError:
            return FileChange.ADDED
        except OSError as exc:
            if exc.errno not in _SYMLINK_ERRORS:
                raise
            _inside(self.root, relative)  # a symbolic link: it must stay inside the folder
            try:
                descriptor = os.open(target, _READ_FLAGS & ~_NOFOLLOW)
            except FileNotFoundError:  # a dangling link
                return FileChange.ADDED
        try:
            same = _same_bytes(descriptor, target, content)
        finally:
            os.close(descriptor)
        return FileChange.UNCHANGED if same else FileChange.CHANGED

    def write(self, target: str, content: bytes) -> None:
        """Write ``content`` to a temporary file beside ``target`` (renamed on commit)."""
        parent, name = os.path.split(target)
        if parent not in self.folders:
            os.makedirs(parent, exist_ok=True)
            self.folders.add(parent)
        handle, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=parent)
        self.pending.append((temp, target))
        try:
            view = memoryview(content)
            while view:
                view = view[os.write(handle, view) :]
            if hasattr(os, "fchmod"):
                os.fchmod(handle, 0o644)
            else:  # pragma: no cover - Windows
                os.chmod(temp, 0o644)
        finally:
            os.close(handle)

    def commit(self) -> None:
        if not self.pending:
            return
        os.sync()
        folders = set()
        done = 0
        try:
            for temp, target in self.pending:
                os.replace(temp, target)
                done += 1
                folders.add(os.path.dirname(target))
        finally:
            del self.pending[:done]
        for folder in folders:
            with contextlib.suppress(OSError):
                descriptor = os.open(folder, os.O_RDONLY)
                try:
                    os.fsync(descriptor)
                finally:
                    os.close(descriptor)

    def abort(self) -> None:
        for temp, _target in self.pending:
            with contextlib.suppress(OSError):
                os.unlink(temp)
        self.pending.clear()


def _had_account(root: Path, result: PhoneFiles) -> bool:
    """Whether the phone's main file in the folder has an account (read by its driver)."""
    if not result.files:
        return False
    try:
        text = (root / result.files[0].path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    phone = result.phone
    try:
        driver = get_driver(phone.family)
        parsed = driver.parse_config(driver.model(phone.model), text)
    except CloudtelError:
        return False  # a file its driver cannot read: no account cloudtel can see
    return parsed.account is not None


def _refuse_disabling(root: Path, previous: _Manifest, rendered: Iterable[PhoneFiles]) -> None:
    """Raise when a phone that had an account would be written without one."""
    problems: list[str] = []
    for result in rendered:
        if result.accounts or result.error:  # a phone not written keeps its file
            continue
        name = result.phone.name
        if previous.accounts is not None and name in previous.accounts:
            had = previous.accounts[name] > 0
        else:
            had = _had_account(root, result)
        if had:
            why = result.warnings[0] if result.warnings else f"phone {name}: no account"
            problems.append(why)
    if problems:
        shown = "\n  ".join(problems[:20])
        more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise AccountDisableError(
            f"refusing to write {len(problems)} phone(s) without the SIP account they have "
            f"now; they would stop registering:\n  {shown}{more}\n"
            "Give the SIP passwords (--passwords FILE, or passwords = FILE in the org's "
            "[provisioning] table), or pass --allow-disable (allow_disable=True) if that is "
            "what you want. Nothing was written.",
            phones=[p.split(":", 1)[0].removeprefix("phone ") for p in problems],
        )


_PLAIN_NAME = re.compile(r"[^/\\\x00]+")


class _Unchanged:
    """Whether a phone's files can stay as they are without rendering it.

    Yes when the manifest records the same digest of its inputs and each of its files
    (as the manifest lists them) is still a plain file inside the folder, reached
    without a symbolic link, with the size and time stamp recorded when it was
    written or last compared.
    """

    def __init__(self, root: Path, previous: _Manifest, owned: Mapping[str, list[str]]) -> None:
        self.root = root
        self.root_text = str(root)
        self.inputs = previous.inputs
        self.stats = previous.stats
        self.owned = owned

    def __call__(self, name: str, digest: str) -> bool:
        if self.inputs.get(name) != digest:
            return False
        paths = self.owned.get(name)
        if not paths:
            return False
        for path in paths:
            recorded = self.stats.get(path)
            if recorded is None:
                return False
            if _PLAIN_NAME.fullmatch(path):  # a file right in the folder: lstat sees a link
                target: str | Path | None = os.path.join(self.root_text, path)
            else:
                target = _stale_file(self.root, path)  # no link on the way, inside the folder
            if target is None:
                return False
            try:
                info = os.lstat(target)
            except OSError:
                return False
            if not stat.S_ISREG(info.st_mode) or (info.st_size, info.st_mtime_ns) != recorded:
                return False
        return True


def provision(
    org: Organization,
    folder: str | os.PathLike[str],
    settings: ProvisioningSettings | None = None,
    *,
    remove_stale: bool = False,
    allow_disable: bool = False,
    progress: Progress | None = None,
    recheck: bool = False,
) -> ProvisioningReport:
    """Render every phone of the organisation, and the files they share, into ``folder``.

    Every phone is rendered first. A phone that cannot be rendered (a password its
    driver refuses, a key that does not fit) is reported with its error and its files
    in the folder are left as they were; the other phones are written. The common
    files of each family present (:func:`render_common_files`) are written once. A
    phone whose file in the folder has a SIP account and would now be written without
    one (no password for its user, no user) stops the run, unless ``allow_disable``:
    such a phone would stop registering. Then each file is compared byte for byte with the
    file in the folder and written only when different, atomically (temporary file in
    the same folder, flushed to disk with one ``os.sync`` for the batch, renamed; then
    the folder is fsynced). The manifest (:data:`MANIFEST`) is updated the same way; it
    remembers the files, each phone's number of accounts and the run's settings (never
    a password: only the password file's path), which :func:`settings_for` falls back
    on.

    A phone is not rendered again when nothing it is rendered from changed since the
    run that wrote its files: the manifest keeps, per phone, a digest of its inputs
    (every field of the phone, its account(s), what phones of its kind share, every
    user's display name and SIP user, and the rendering code:
    :func:`cloudtel.plugins.render_fingerprint`) and, per file, its size and time
    stamp. When the digest is the same and each of its files is still a plain file of
    that size and time stamp, its files are reported ``unchanged`` without being
    rendered or read (their :attr:`FileReport.after` is ``None``). ``recheck=True``
    renders and compares every phone all the same.

    Args:
        org: The organisation.
        folder: The provisioning folder (created when missing).
        settings: Registrar, passwords, server URL; defaults when ``None``.
        remove_stale: Delete the files cloudtel wrote earlier for phones that are no
            longer in the organisation (otherwise they are only reported).
        allow_disable: Write phones without the account their file has now.
        progress: Called with (phones rendered, phones) while they are rendered, e.g.
            to draw a progress bar.
        recheck: Render and compare every phone, even one whose inputs did not change.

    Returns:
        What was added, changed, left unchanged, stale or removed, per phone; the
        phones that could not be rendered, with why (:attr:`ProvisioningReport.errors`).

    Raises:
        AccountDisableError: When phones would lose their account (listing them); the
            folder is not touched.
        InvalidValueError: When ``folder`` is a file, the manifest is unreadable, a file
            would land outside the folder through a symbolic link, or a value of the
            common files cannot be written (nothing is written then).
        OSError: When the folder cannot be written.
    """
    settings = settings or ProvisioningSettings()
    root = Path(folder)
    if root.exists() and not root.is_dir():
        raise InvalidValueError(
            f"the provisioning folder {str(root)!r} is a file, not a folder: name a folder "
            "(created when missing)",
            field="folder",
            value=str(root),
        )
    root = root.resolve()
    previous = _read_manifest(root)
    renderer = _Renderer(org, settings)
    renderer.inputs = {}
    owned = renderer.owned = previous.owned()
    if not recheck and previous.inputs:
        renderer.unchanged = _Unchanged(root, previous, owned)
    rendered = _render_phones(renderer, org.phones, progress)
    common = renderer.common_files(result.phone for result in rendered)
    root.mkdir(parents=True, exist_ok=True)
    if not allow_disable:
        _refuse_disabling(root, previous, rendered)
    failed = {result.phone.name for result in rendered if result.error}
    # The files of a phone not rendered this time stay as they are, and are not stale;
    # nor are the shared files (directories) it may show, when any phone failed.
    manifest = {
        path: phone
        for path, phone in previous.files.items()
        if phone in failed or (failed and not phone)
    }
    stats = {path: previous.stats[path] for path in manifest if path in previous.stats}
    skipped = renderer.skipped
    batch = _Batch(root)
    # First only look: every path is checked and compared before anything is written.
    shared_files = [
        (file, where, batch.compare(where, file.path, file.content))
        for file in common
        for where in (batch.target(file.path),)
    ]
    seen: set[str] = {file.path for file in common}
    planned = []
    looked: list[tuple[str, str]] = []  # (path, where) of every file compared or written
    for result in rendered:
        files = []
        for file in result.files:
            if file.path in seen:  # a shared file (a directory): once per run
                files.append((file, "", FileChange.UNCHANGED, True))
                continue
            seen.add(file.path)
            where = batch.target(file.path)
            files.append((file, where, batch.compare(where, file.path, file.content), False))
        planned.append((result, files))
    phones: list[PhoneReport] = []
    common_reports: list[FileReport] = []
    try:
        for file, where, change in shared_files:
            before = None
            if change == FileChange.CHANGED:
                before = Path(where).read_bytes()  # for the diff; replaced on commit
            if change != FileChange.UNCHANGED:
                batch.write(where, file.content)
            looked.append((file.path, where))
            common_reports.append(
                FileReport(
                    path=file.path,
                    change=change,
                    phone=SHARED,
                    before=file.content if change == FileChange.UNCHANGED else before,
                    after=file.content,
                )
            )
            manifest[file.path] = ""
        for result, files in planned:
            name = result.phone.name
            reports = []
            if name in skipped:  # same inputs, its files as written: not rendered, not read
                for path in owned.get(name, ()):
                    reports.append(FileReport(path=path, change=FileChange.UNCHANGED, phone=name))
                    manifest[path] = name
                    stats[path] = previous.stats[path]
            for file, where, change, repeated in files:
                if repeated:
                    continue
                owner = "" if file.path in result.shared else name
                before = None
                if change == FileChange.CHANGED:
                    before = Path(where).read_bytes()  # for the diff; replaced on commit
                if change != FileChange.UNCHANGED:
                    batch.write(where, file.content)
                looked.append((file.path, where))
                reports.append(
                    FileReport(
                        path=file.path,
                        change=change,
                        phone=owner or SHARED,
                        before=file.content if change == FileChange.UNCHANGED else before,
                        after=file.content,
                    )
                )
                manifest[file.path] = owner
            phones.append(
                PhoneReport(
                    phone=result.phone,
                    files=tuple(reports),
                    warnings=result.warnings,
                    error=result.error,
                )
            )
        batch.commit()
    finally:
        batch.abort()
    for path, where in looked:  # the size and time stamp each file has now
        with contextlib.suppress(OSError):
            info = os.lstat(where)
            stats[path] = (info.st_size, info.st_mtime_ns)
    stale: list[FileReport] = []
    for path, phone in sorted(previous.files.items()):
        if path in manifest:
            continue
        target = _stale_file(root, path)
        if target is None:  # gone, or not a file of this folder cloudtel could have written
            continue
        if remove_stale:
            with contextlib.suppress(FileNotFoundError):
                target.unlink()  # a symbolic link is removed itself, never what it names
            stale.append(FileReport(path=path, change=FileChange.REMOVED, phone=phone or SHARED))
        else:
            stale.append(FileReport(path=path, change=FileChange.STALE, phone=phone or SHARED))
            manifest[path] = phone
            if path in previous.stats:
                stats[path] = previous.stats[path]
    accounts = {r.phone.name: r.accounts for r in rendered if not r.error}
    if previous.accounts:  # a phone whose files are still listed keeps what it had
        owners = set(manifest.values())
        kept = {name: n for name, n in previous.accounts.items() if name in owners}
        accounts = {**kept, **accounts}
    # The inputs of the phones written (or skipped) this run; a phone that failed or
    # whose files were stale has none, so it is rendered next time.
    inputs = {name: digest for name, digest in renderer.inputs.items() if name not in failed}
    content = _manifest_bytes(manifest, accounts, settings, inputs=inputs, stats=stats)
    manifest_path = root / MANIFEST
    try:
        same = manifest_path.read_bytes() == content
    except FileNotFoundError:
        same = False
    if not same:
        atomic_write(manifest_path, content)
    return ProvisioningReport(
        folder=root, phones=tuple(phones), stale=tuple(stale), common=tuple(common_reports)
    )


# ---------------------------------------------------------------------------
# Telling the phones
# ---------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class SyncReport:
    """What :func:`sync_phones` did.

    Args:
        results (tuple[sip.NotifyResult, ...]): One result per phone notified.
        skipped (tuple[tuple[str, str], ...]): ``(phone, reason)`` for each phone not
            notified (no IP address known).
        reboot (bool): Whether the reboot variant was sent.
        mode (str): How the phones were reached: ``"direct"``, or
            ``"via sip.orange.be:5060"`` through the registrar.
    """

    results: tuple[sip.NotifyResult, ...]
    skipped: tuple[tuple[str, str], ...] = ()
    reboot: bool = False
    mode: str = "direct"

    @property
    def ok(self) -> bool:
        """Whether every phone notified accepted, and none was skipped."""
        return not self.skipped and all(result.ok for result in self.results)

    def lines(self) -> list[str]:
        """One line per phone, for people.

        Returns:
            ``08000FBBAD78: accepted (200 OK)``, ``…: skipped (no IP address known)`` …
        """
        out = [result.describe() for result in self.results]
        out += [f"{phone}: skipped ({reason})" for phone, reason in self.skipped]
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines()) or "no phone notified"

    def _repr_html_(self) -> str:
        rows = [
            {"phone": line.partition(":")[0], "result": line.partition(":")[2].strip()}
            for line in self.lines()
        ]
        verb = "reboot" if self.reboot else "check-sync"
        caption = f"{verb}: {'all accepted' if self.ok else 'not all accepted'}"
        return _html.table(rows, caption=caption, empty="no phone notified")


def sync_phones(
    org: Organization,
    *,
    report: ProvisioningReport | None = None,
    macs: Iterable[MacAddress | str] = (),
    force: bool = False,
    reboot: bool = False,
    port: int = 5060,
    timeout: float | None = None,
    t1: float = sip.T1,
    t2: float = sip.T2,
    proxy: str | None = None,
    settings: ProvisioningSettings | None = None,
    addresses: Mapping[str, str] | None = None,
) -> SyncReport:
    """Send check-sync (or the reboot variant) to the phones that need it.

    Which phones: those named in ``macs`` when any are given; otherwise every phone
    with ``force``; otherwise the phones whose files changed in ``report``.

    How they are reached:

    - **directly** (the default, for phones on the same network): at the phone's
      recorded IP address, else the address it last fetched its files from
      (``addresses``, e.g. :func:`cloudtel.server.last_addresses`); phones with
      neither are skipped. A phone behind NAT or a firewall, or one that only trusts
      its registrar (Yealink ``sip.trust_ctrl``), never hears it.
    - **through the registrar** (``proxy``): the request goes to the registrar or
      outbound proxy with the Request-URI of the phone's registered user
      (``sip:steven.lathouwers@sip.orange.be``), and the proxy forwards it along the
      registration, as hosted platforms do. Phones without a user are skipped.

    Args:
        org: The organisation.
        report: What :func:`provision` just did (its changed phones are notified).
        macs: Notify exactly these phones (any MAC notation).
        force: Notify every phone of the organisation.
        reboot: Send ``check-sync;reboot=true``: the phones restart.
        port: The phones' SIP port.
        timeout: Seconds to wait per phone (at most Timer F, 64·T1).
        t1: SIP Timer T1 (seconds).
        t2: SIP Timer T2 (seconds).
        proxy: Send through this registrar/outbound proxy, ``host`` or ``host:port``;
            ``""`` means the registrar of ``settings`` (``sip.<domain>`` by default).
            ``None`` sends directly to the phones.
        settings: The provisioning settings (registrar, port) the phones were written
            with; the defaults when ``None``.
        addresses: Fallback IP address per phone (MAC as 12 lowercase hex digits).

    Returns:
        One result per phone notified, and the phones skipped.

    Raises:
        NotFoundError: When a MAC in ``macs`` is not a phone of the organisation.
        InvalidValueError: When the port or a timer is out of range.
    """
    wanted = [org.phones.find(mac) for mac in macs]
    if not wanted:
        if force:
            wanted = list(org.phones)
        elif report is not None:
            wanted = list(report.changed_phones)
    targets: list[sip.SipTarget] = []
    skipped: list[tuple[str, str]] = []
    settings = settings or ProvisioningSettings()
    via = None if proxy is None else _proxy_address(proxy, org, settings)
    for phone in wanted:
        if via is not None:
            if phone.user is None:
                skipped.append((phone.name, "no user: nothing registers for it"))
                continue
            host, proxy_port = via
            targets.append(
                sip.SipTarget(
                    host=host,
                    port=proxy_port,
                    user=sip_user_name(phone.user),
                    domain=settings.registrar_for(org),
                    label=phone.name,
                )
            )
            continue
        address = phone.ip_address or (addresses or {}).get(phone.mac.hex, "")
        if not address:
            skipped.append((phone.name, "no IP address known"))
            continue
        targets.append(sip.SipTarget(host=address, port=port, label=phone.name))
    results = sip.check_sync(targets, reboot=reboot, timeout=timeout, t1=t1, t2=t2)
    mode = "direct" if via is None else f"via {via[0]}:{via[1]}"
    return SyncReport(results=results, skipped=tuple(skipped), reboot=reboot, mode=mode)


def _proxy_address(
    proxy: str, org: Organization, settings: ProvisioningSettings
) -> tuple[str, int]:
    if not proxy:
        return settings.registrar_for(org), settings.registrar_port
    if proxy.count(":") > 1 and not proxy.startswith("["):
        return proxy, 5060  # a bare IPv6 address
    host, sep, port = proxy.rpartition(":")
    if sep and port.isdigit() and "]" not in port:
        return host.removeprefix("[").removesuffix("]"), int(port)
    return proxy, 5060
