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
import html
import json
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from cloudtel import _html, sip
from cloudtel._files import atomic_write
from cloudtel.devices import (
    MacAddress,
    PhoneContext,
    PhoneModel,
    RenderedFile,
    SipAccount,
    SipPhone,
    Transport,
)
from cloudtel.directory import colleague_entries, phone_directory
from cloudtel.errors import (
    CloudtelError,
    InvalidValueError,
)
from cloudtel.phone_clock import check_date_format, check_ntp_server, phone_language, time_rule
from cloudtel.plugins import PhoneDriver, get_driver
from cloudtel.users import User

if TYPE_CHECKING:
    from cloudtel.org import Organization

__all__ = [
    "MANIFEST",
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
    "render_common_files",
    "render_organization",
    "render_phone",
    "sip_user_name",
    "sync_phones",
]

MANIFEST = ".cloudtel-provisioning.json"
"""The file in the provisioning folder that lists the files cloudtel wrote there."""

_MANIFEST_VERSION = 1


# ---------------------------------------------------------------------------
# Settings and the SIP account
# ---------------------------------------------------------------------------


def _server_url(value: object) -> str:
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or any(ch.isspace() or ch in "\"'<>#" for ch in value):
        raise InvalidValueError(
            f"server_url {value!r} must be a URL without spaces, quotes, '<', '>' or '#', "
            "e.g. http://prov.example.be/phones/",
            field="server_url",
            value=value,
        )
    if not value.lower().startswith(("http://", "https://", "tftp://")):
        raise InvalidValueError(
            f"server_url {value!r} must start with http://, https:// or tftp://",
            field="server_url",
            value=value,
        )
    return value if value.endswith("/") else value + "/"


def _pickup_code(value: str) -> str:
    if value and (not isinstance(value, str) or value.strip("0123456789*#")):
        raise InvalidValueError(
            f"pickup_code {value!r} must be digits, '*' and '#', e.g. '*8'",
            field="pickup_code",
            value=value,
        )
    return value


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
    server_url: str = attrs.field(default="", converter=_server_url)
    sip_passwords: Mapping[str, str] = attrs.field(factory=dict, hash=False, repr=False)
    directories: bool = True
    account_for: AccountFactory | None = attrs.field(default=None, eq=False, hash=False)
    pickup_code: str = attrs.field(default="", converter=_pickup_code)
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
            directory file(s); none when :attr:`error` is set.
        warnings (tuple[str, ...]): Things the user should know (e.g. no SIP password).
        error (str): Why the phone could not be rendered (no driver, a key that does
            not fit, a value its driver refuses; never a secret's value); "" when it was.
    """

    phone: SipPhone
    files: tuple[RenderedFile, ...]
    warnings: tuple[str, ...] = ()
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


def phone_context(
    org: Organization,
    phone: SipPhone,
    settings: ProvisioningSettings | None = None,
    *,
    names: Mapping[str, str] | None = None,
    sip_users: Mapping[str, str] | None = None,
    common: PhoneContext | None = None,
) -> PhoneContext:
    """What the driver needs besides the phone: its account, colleagues, the org's settings.

    Args:
        org: The organisation.
        phone: The phone.
        settings: Registrar, passwords, server URL; defaults when ``None``.
        names: Display name per username, computed once for many phones (internal).
        sip_users: SIP user per username, computed once for many phones (internal).
        common: :func:`common_context`, computed once for many phones (internal).

    Returns:
        The context: no account for a phone without a user or without a SIP password;
        the language of the phone's user (else the organisation's); the SIP user of
        every colleague, by the same rule as the accounts (:func:`sip_user_name`).

    Raises:
        NotFoundError: When the phone's user does not exist.
    """
    settings = settings or ProvisioningSettings()
    common = common or common_context(org, settings)
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
    return attrs.evolve(
        common, accounts=accounts, names=names, sip_users=sip_users, language=language
    )


class _Renderer:
    """Renders many phones of one organisation, computing shared parts once."""

    def __init__(self, org: Organization, settings: ProvisioningSettings) -> None:
        self.org = org
        self.settings = settings
        self.names = {user.username: user.display_name for user in org.users}
        self.sip_users = {username: sip_user_name(username) for username in self.names}
        self.common = common_context(org, settings)
        self.colleagues = colleague_entries(org) if settings.directories else ()
        self.drivers: dict[str, PhoneDriver] = {}

    def driver(self, family: str) -> PhoneDriver:
        if family not in self.drivers:
            self.drivers[family] = get_driver(family)
        return self.drivers[family]

    def render(self, phone: SipPhone) -> PhoneFiles:
        driver = self.driver(phone.family)
        context = phone_context(
            self.org,
            phone,
            self.settings,
            names=self.names,
            sip_users=self.sip_users,
            common=self.common,
        )
        files = driver.render_phone(phone, context)
        if self.settings.directories:
            directory = phone_directory(self.org, phone, colleagues=self.colleagues)
            files += driver.render_directory(phone, directory, context)
        warnings = []
        if phone.user is None:
            warnings.append(f"phone {phone.name} has no user: written without an account")
        elif not context.accounts:
            warnings.append(
                f"phone {phone.name}: no SIP password for {phone.user}: written without an account"
            )
        return PhoneFiles(phone=phone, files=files, warnings=tuple(warnings))

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


def render_phone(
    org: Organization,
    phone: SipPhone | MacAddress | str,
    settings: ProvisioningSettings | None = None,
) -> PhoneFiles:
    """Render one phone's files through its driver.

    Args:
        org: The organisation.
        phone: The phone, or its MAC address.
        settings: Registrar, passwords, server URL; defaults when ``None``.

    Returns:
        The phone and its files.

    Raises:
        NotFoundError: No such phone, user or model.
        DriverNotFoundError: No driver for the phone's family is installed.
        KeyLayoutError: A key does not fit the model.
        InvalidValueError: A value the driver cannot write safely.
    """
    if not isinstance(phone, SipPhone):
        phone = org.phones.get(phone)
    return _Renderer(org, settings or ProvisioningSettings()).render(phone)


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
    phones = tuple(org.phones) if macs is None else tuple(org.phones.get(mac) for mac in macs)
    return _render_phones(renderer, phones)


def _render_phones(renderer: _Renderer, phones: Iterable[SipPhone]) -> tuple[PhoneFiles, ...]:
    rendered: list[PhoneFiles] = []
    owners: dict[str, str] = {}
    for phone in phones:
        name = phone.name
        try:
            result = renderer.render(phone)
        except CloudtelError as exc:
            rendered.append(PhoneFiles(phone=phone, files=(), error=exc.message))
            continue
        clash = next(
            (
                (file.path, owners[file.path])
                for file in result.files
                if owners.get(file.path, name) != name
            ),
            None,
        )
        if clash is not None:
            error = f"file {clash[0]} is also written for {clash[1]}"
            rendered.append(PhoneFiles(phone=phone, files=(), error=error))
            continue
        for file in result.files:
            owners[file.path] = name
        rendered.append(result)
    return tuple(rendered)


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
        phone (str): The phone's MAC (upper case) the file belongs to; "" for a file
            the phones share (:func:`render_common_files`).
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


def _read_manifest(folder: Path) -> dict[str, str]:
    """``path → phone`` of the files cloudtel wrote; empty when there is no manifest."""
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise InvalidValueError(
            f"{path}: the provisioning manifest cannot be read ({exc}); "
            "delete it to start afresh (stale files are then no longer recognised)",
            path=str(path),
        ) from exc
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict) or data.get("version") != _MANIFEST_VERSION:
        raise InvalidValueError(
            f"{path}: not a version {_MANIFEST_VERSION} provisioning manifest",
            path=str(path),
        )
    return {
        str(name): str(entry.get("phone", ""))
        for name, entry in files.items()
        if isinstance(entry, dict)
    }


def _manifest_bytes(files: Mapping[str, str]) -> bytes:
    data = {
        "version": _MANIFEST_VERSION,
        "generator": "cloudtel",
        "files": {path: {"phone": phone} for path, phone in sorted(files.items())},
    }
    return (json.dumps(data, indent=1, sort_keys=True) + "\n").encode()


def _inside(folder: Path, relative: str) -> Path:
    target = folder / relative
    if os.path.commonpath([folder, target.resolve()]) != str(folder):
        raise InvalidValueError(
            f"{relative} would be written outside the provisioning folder {folder} "
            "(through a symbolic link); refusing",
            path=relative,
        )
    return target


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


def provision(
    org: Organization,
    folder: str | os.PathLike[str],
    settings: ProvisioningSettings | None = None,
    *,
    remove_stale: bool = False,
) -> ProvisioningReport:
    """Render every phone of the organisation, and the files they share, into ``folder``.

    Every phone is rendered first. A phone that cannot be rendered (a password its
    driver refuses, a key that does not fit) is reported with its error and its files
    in the folder are left as they were; the other phones are written. The common
    files of each family present (:func:`render_common_files`) are written once. Each
    file is compared byte for byte with the file in the folder and written only when
    different, atomically (temporary file in the same folder, flushed to disk with one
    ``os.sync`` for the batch, renamed; then the folder is fsynced). The manifest
    (:data:`MANIFEST`) is updated the same way.

    Args:
        org: The organisation.
        folder: The provisioning folder (created when missing).
        settings: Registrar, passwords, server URL; defaults when ``None``.
        remove_stale: Delete the files cloudtel wrote earlier for phones that are no
            longer in the organisation (otherwise they are only reported).

    Returns:
        What was added, changed, left unchanged, stale or removed, per phone; the
        phones that could not be rendered, with why (:attr:`ProvisioningReport.errors`).

    Raises:
        InvalidValueError: When the manifest is unreadable, a file would land
            outside the folder through a symbolic link, or a value of the common files
            cannot be written (nothing is written then).
        OSError: When the folder cannot be written.
    """
    renderer = _Renderer(org, settings or ProvisioningSettings())
    rendered = _render_phones(renderer, org.phones)
    failed = {result.phone.name for result in rendered if result.error}
    common = renderer.common_files(result.phone for result in rendered)
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    root = root.resolve()
    previous = _read_manifest(root)
    manifest: dict[str, str] = {path: phone for path, phone in previous.items() if phone in failed}
    batch = _Batch(root)
    # First only look: every path is checked and compared before anything is written.
    shared = [
        (file, where, batch.compare(where, file.path, file.content))
        for file in common
        for where in (batch.target(file.path),)
    ]
    planned = [
        (
            result,
            [
                (file, where, batch.compare(where, file.path, file.content))
                for file in result.files
                for where in (batch.target(file.path),)
            ],
        )
        for result in rendered
    ]
    phones: list[PhoneReport] = []
    common_reports: list[FileReport] = []
    try:
        for file, where, change in shared:
            before = None
            if change == FileChange.CHANGED:
                before = Path(where).read_bytes()  # for the diff; replaced on commit
            if change != FileChange.UNCHANGED:
                batch.write(where, file.content)
            common_reports.append(
                FileReport(
                    path=file.path,
                    change=change,
                    phone="",
                    before=file.content if change == FileChange.UNCHANGED else before,
                    after=file.content,
                )
            )
            manifest[file.path] = ""
        for result, files in planned:
            name = result.phone.name
            reports = []
            for file, where, change in files:
                before = None
                if change == FileChange.CHANGED:
                    before = Path(where).read_bytes()  # for the diff; replaced on commit
                if change != FileChange.UNCHANGED:
                    batch.write(where, file.content)
                reports.append(
                    FileReport(
                        path=file.path,
                        change=change,
                        phone=name,
                        before=file.content if change == FileChange.UNCHANGED else before,
                        after=file.content,
                    )
                )
                manifest[file.path] = name
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
    stale: list[FileReport] = []
    for path, phone in sorted(previous.items()):
        if path in manifest:
            continue
        target = _inside(root, path)
        if not target.exists():
            continue
        if remove_stale:
            target.unlink()
            stale.append(FileReport(path=path, change=FileChange.REMOVED, phone=phone))
        else:
            stale.append(FileReport(path=path, change=FileChange.STALE, phone=phone))
            manifest[path] = phone
    manifest_path = root / MANIFEST
    if manifest != previous or not manifest_path.exists():  # else it says this already
        content = _manifest_bytes(manifest)
        if not manifest_path.exists() or manifest_path.read_bytes() != content:
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
    """

    results: tuple[sip.NotifyResult, ...]
    skipped: tuple[tuple[str, str], ...] = ()
    reboot: bool = False

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
) -> SyncReport:
    """Send check-sync (or the reboot variant) to the phones that need it.

    Which phones: those named in ``macs`` when any are given; otherwise every phone
    with ``force``; otherwise the phones whose files changed in ``report``. A phone is
    reached at its recorded IP address; phones without one are skipped.

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

    Returns:
        One result per phone notified, and the phones skipped.

    Raises:
        NotFoundError: When a MAC in ``macs`` is not a phone of the organisation.
        InvalidValueError: When the port or a timer is out of range.
    """
    wanted = [org.phones.get(mac) for mac in macs]
    if not wanted:
        if force:
            wanted = list(org.phones)
        elif report is not None:
            wanted = list(report.changed_phones)
    targets: list[sip.SipTarget] = []
    skipped: list[tuple[str, str]] = []
    for phone in wanted:
        if not phone.ip_address:
            skipped.append((phone.name, "no IP address known"))
            continue
        targets.append(sip.SipTarget(host=phone.ip_address, port=port, label=phone.name))
    results = sip.check_sync(targets, reboot=reboot, timeout=timeout, t1=t1, t2=t2)
    return SyncReport(results=results, skipped=tuple(skipped), reboot=reboot)
