"""What the organisation remembers about provisioning its phones: the ``provisioning`` table.

The :class:`ProvisioningDefaults` part keeps, in the org file, everything a
provisioning run needs besides the phones themselves, so that ``cloudtel sync FILE
--out DIR`` without options writes the same files as the run that gave them:

- where the provisioning folder is served (``server_url``), the registrar, its port
  and transport;
- *where* the SIP passwords come from (``passwords``: a file beside the org file,
  read at provisioning time). The passwords themselves are never kept in the org file;
- what every phone of the organisation gets in the common files of the folder: the
  time server, the date format and the directed call pickup code (the time zone is
  the organisation's own, :attr:`cloudtel.Organization.time_zone`);
- the settings a phone inherits, organisation → user group → phone: the firmware URL
  per phone model, the NAT keep-alive interval, the backup registrar. A phone's own
  value wins, then its user's groups in priority order, then the organisation's, then
  the built-in default; :meth:`ProvisioningDefaults.resolve` says which level each
  value came from, like :meth:`cloudtel.Organization.resolve_settings` does for users.

In TOML::

    [provisioning]
    server_url = "http://prov.example.be/phones/"
    registrar = "sip.orange.be"
    passwords = "sip-passwords.toml"
    nat_keepalive = 30
    backup_registrar = "sip2.orange.be"
    ntp_server = "be.pool.ntp.org"
    date_format = "DD-MMM-YY"
    pickup_code = "*8"

    [provisioning.firmware_urls]
    "mitel/6940" = "http://fw.example.be/mitel/"

    [[provisioning.groups]]
    group = "Sales"
    nat_keepalive = 15

    [[provisioning.phones]]
    mac = "08000FBBAD78"
    backup_registrar = ""

No I/O here: :mod:`cloudtel.provisioning` reads the password file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from cloudtel._part import Part
from cloudtel.devices import MacAddress, SipPhone, Transport
from cloudtel.errors import InvalidValueError, Problem
from cloudtel.phone_clock import check_date_format, check_ntp_server
from cloudtel.users import ResolvedSetting

__all__ = [
    "INHERITED_SETTINGS",
    "GroupProvisioning",
    "PhoneProvisioning",
    "ProvisioningDefaults",
    "check_pickup_code",
    "check_server_url",
]

INHERITED_SETTINGS: Mapping[str, object] = {
    "firmware_url": "",
    "nat_keepalive": 0,
    "backup_registrar": "",
    "backup_registrar_port": 5060,
}
"""The settings a phone inherits (organisation → group → phone), with their defaults.

``firmware_url`` is the one for the phone's model (see
:attr:`ProvisioningDefaults.firmware_urls`); ``nat_keepalive`` is in seconds, 0 = off;
``backup_registrar`` "" = none."""

_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]")


def check_server_url(value: object, field: str = "server_url") -> str:
    """Check a URL the phones fetch from; add a final ``/`` when missing.

    Args:
        value: The URL; ``None`` or "" is "not set" and gives "".
        field: Its name, for the error.

    Returns:
        The URL ending in ``/``, or "".

    Raises:
        InvalidValueError: When it is not a plain http(s)/tftp URL.
    """
    if value is None or value == "":
        return ""
    return _url(value, field) + ("" if str(value).endswith("/") else "/")


def check_pickup_code(value: object) -> str:
    """Check a directed call pickup code: digits, ``*`` and ``#``, or "" for none.

    Args:
        value: The code, e.g. ``"*8"``.

    Returns:
        The code.

    Raises:
        InvalidValueError: For anything else.
    """
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or value.strip("0123456789*#"):
        raise InvalidValueError(
            f"pickup_code {value!r} must be digits, '*' and '#', e.g. '*8'",
            field="pickup_code",
            value=value,
        )
    return value


def _url(value: object, field: str) -> str:
    if not isinstance(value, str) or any(ch.isspace() or ch in "\"'<>#" for ch in value):
        raise InvalidValueError(
            f"{field} {value!r} must be a URL without spaces, quotes, '<', '>' or '#', "
            "e.g. http://prov.example.be/phones/",
            field=field,
            value=value,
        )
    if not value.lower().startswith(("http://", "https://", "tftp://")):
        raise InvalidValueError(
            f"{field} {value!r} must start with http://, https:// or tftp://",
            field=field,
            value=value,
        )
    return value


def _optional_host(value: object, field: str) -> str | None:
    if value is None or value == "":
        return value  # "" says "none" at this level, None says "not set here"
    if not isinstance(value, str) or _HOST.fullmatch(value) is None:
        raise InvalidValueError(
            f"{field} {value!r} is not a host name or IP address (IPv6 in brackets)",
            field=field,
            value=value,
        )
    return value.lower()


def _host_field(_i: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _optional_host(value, attribute.name)


def _port_field(_i: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if type(value) is not int or not 1 <= value <= 65535:
        raise InvalidValueError(
            f"{attribute.name} {value!r} must be a port number from 1 to 65535",
            field=attribute.name,
            value=value,
        )


def _keepalive_field(_i: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if type(value) is not int or not 0 <= value <= 3600:
        raise InvalidValueError(
            f"{attribute.name} {value!r} must be seconds from 0 (off) to 3600",
            field=attribute.name,
            value=value,
        )


def _url_field(_i: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _url(value, attribute.name)


def _model_key(key: object) -> str:
    if not isinstance(key, str) or key.count("/") != 1 or not all(key.split("/")):
        raise InvalidValueError(
            f"firmware_urls key {key!r} must be 'family/model', e.g. 'mitel/6940'",
            field="firmware_urls",
            value=key,
        )
    return key.strip().lower()


def _firmware_urls(value: Mapping[str, str] | None) -> dict[str, str] | None:
    if value is None:
        return None
    return {
        _model_key(key): _url(url, f"firmware_urls[{key!r}]") for key, url in dict(value).items()
    }


def _mac(value: MacAddress | str) -> str:
    return MacAddress.parse(value).upper


def _org_firmware_urls(value: Mapping[str, str] | None) -> dict[str, str]:
    return _firmware_urls(value) or {}


@attrs.frozen(kw_only=True)
class PhoneProvisioning:
    """A phone's own provisioning settings (``[[provisioning.phones]]``); they win.

    Args:
        mac (str): The phone's MAC address (any notation; kept as 12 upper-case digits).
        firmware_url (str | None): Where this phone finds its firmware; ``None``:
            inherited.
        nat_keepalive (int | None): NAT keep-alive interval in seconds (0 = off).
        backup_registrar (str | None): Backup registrar host ("" = none).
        backup_registrar_port (int | None): Its port.
    """

    mac: str = attrs.field(converter=_mac)
    firmware_url: str | None = attrs.field(default=None, validator=_url_field)
    nat_keepalive: int | None = attrs.field(default=None, validator=_keepalive_field)
    backup_registrar: str | None = attrs.field(default=None, validator=_host_field)
    backup_registrar_port: int | None = attrs.field(default=None, validator=_port_field)


@attrs.frozen(kw_only=True)
class GroupProvisioning:
    """A user group's provisioning settings (``[[provisioning.groups]]``).

    They apply to the phones of the group's members, above the organisation's and
    below the phone's own; a user in several groups takes the first group, in priority
    order, that sets a value.

    Args:
        group (str): The group's name.
        firmware_urls (dict[str, str] | None): Firmware URL per ``family/model``.
        nat_keepalive (int | None): NAT keep-alive interval in seconds (0 = off).
        backup_registrar (str | None): Backup registrar host ("" = none).
        backup_registrar_port (int | None): Its port.
    """

    group: str
    firmware_urls: dict[str, str] | None = attrs.field(
        default=None, converter=_firmware_urls, hash=False
    )
    nat_keepalive: int | None = attrs.field(default=None, validator=_keepalive_field)
    backup_registrar: str | None = attrs.field(default=None, validator=_host_field)
    backup_registrar_port: int | None = attrs.field(default=None, validator=_port_field)


def _groups(values: Iterable[GroupProvisioning]) -> tuple[GroupProvisioning, ...]:
    return tuple(values)


def _phones(values: Iterable[PhoneProvisioning]) -> tuple[PhoneProvisioning, ...]:
    return tuple(values)


def _registrar(_i: object, _a: attrs.Attribute[str], value: str) -> None:
    _optional_host(value, "registrar")


@attrs.define
class ProvisioningDefaults(Part):
    """The organisation's provisioning settings (saved under ``provisioning``).

    Every field may be left out; a run's options (``--server-url``, ``--registrar``,
    ``--passwords``) win over these for that run.

    Args:
        server_url (str): Where the provisioning folder is served ("" = unknown: no
            directory setting is written).
        registrar (str): The SIP registrar ("" = ``sip.<organisation domain>``).
        registrar_port (int): Its port.
        transport (Transport): SIP transport of the accounts.
        passwords (str): The SIP password file (TOML ``"user@domain" = "password"``
            lines or a JSON object), relative to the org file's folder, or absolute.
            Only where the passwords are: never the passwords.
        firmware_urls (dict[str, str]): Organisation-wide firmware URL per
            ``family/model`` (``"mitel/6940"``); what it points at is the driver's
            (a Mitel takes the folder holding ``<model>.st``, a Yealink the file).
        nat_keepalive (int | None): NAT keep-alive interval in seconds (0 = off).
        backup_registrar (str | None): Backup registrar host.
        backup_registrar_port (int | None): Its port.
        ntp_server (str): The phones' time server ("" = the phone keeps its own).
        date_format (str): One of :data:`cloudtel.phone_clock.DATE_FORMATS` ("" = the
            phone's default).
        pickup_code (str): The PBX's directed call pickup code, which extension (BLF)
            keys pick up with ("" = none).
        groups (tuple[GroupProvisioning, ...]): Per user group.
        phones (tuple[PhoneProvisioning, ...]): Per phone.

    Raises:
        InvalidValueError: A URL, host, port, interval, date format or pickup code out
            of its rules.
    """

    server_url: str = attrs.field(
        default="", converter=check_server_url, on_setattr=attrs.setters.convert
    )
    registrar: str = attrs.field(
        default="", validator=_registrar, on_setattr=attrs.setters.validate
    )
    registrar_port: int = attrs.field(
        default=5060, validator=_port_field, on_setattr=attrs.setters.validate
    )
    transport: Transport = attrs.field(
        default=Transport.UDP, converter=Transport, on_setattr=attrs.setters.convert
    )
    passwords: str = ""
    firmware_urls: dict[str, str] = attrs.field(
        factory=dict,
        converter=_org_firmware_urls,
        on_setattr=attrs.setters.convert,
    )
    nat_keepalive: int | None = attrs.field(
        default=None, validator=_keepalive_field, on_setattr=attrs.setters.validate
    )
    backup_registrar: str | None = attrs.field(
        default=None, validator=_host_field, on_setattr=attrs.setters.validate
    )
    backup_registrar_port: int | None = attrs.field(
        default=None, validator=_port_field, on_setattr=attrs.setters.validate
    )
    ntp_server: str = attrs.field(
        default="", converter=check_ntp_server, on_setattr=attrs.setters.convert
    )
    date_format: str = attrs.field(
        default="", converter=check_date_format, on_setattr=attrs.setters.convert
    )
    pickup_code: str = attrs.field(
        default="", converter=check_pickup_code, on_setattr=attrs.setters.convert
    )
    groups: tuple[GroupProvisioning, ...] = attrs.field(
        default=(), converter=_groups, on_setattr=attrs.setters.convert
    )
    phones: tuple[PhoneProvisioning, ...] = attrs.field(
        default=(), converter=_phones, on_setattr=attrs.setters.convert
    )

    # --- changing --------------------------------------------------------------

    def set_group(self, group: str, **values: Any) -> GroupProvisioning:
        """Set (replace) a group's provisioning settings.

        Args:
            group: The group's name (it must exist).
            **values: ``firmware_urls``, ``nat_keepalive``, ``backup_registrar``,
                ``backup_registrar_port``; ``None`` means inherited.

        Returns:
            The group's settings.

        Raises:
            NotFoundError: No such group.
            InvalidValueError: A value out of its rules.
        """
        name = self.org.group(group).name
        entry = GroupProvisioning(group=name, **values)
        self.groups = (*(g for g in self.groups if g.group != name), entry)
        return entry

    def set_phone(self, mac: MacAddress | str, **values: Any) -> PhoneProvisioning:
        """Set (replace) a phone's own provisioning settings.

        Args:
            mac: The phone's MAC address (it must be a phone of the organisation).
            **values: ``firmware_url``, ``nat_keepalive``, ``backup_registrar``,
                ``backup_registrar_port``; ``None`` means inherited.

        Returns:
            The phone's settings.

        Raises:
            NotFoundError: No such phone.
            InvalidValueError: A value out of its rules.
        """
        name = self.org.phones.find(mac).mac.upper
        entry = PhoneProvisioning(mac=name, **values)
        self.phones = (*(p for p in self.phones if p.mac != name), entry)
        return entry

    # --- reading ---------------------------------------------------------------

    def resolve(self, phone: SipPhone) -> dict[str, ResolvedSetting]:
        """The phone's inherited settings, each with where its value came from.

        The phone's own value wins (source ``"phone"``), then its user's groups in
        priority order (``"group:<name>"``), then the organisation
        (``"organization"``), then the default of :data:`INHERITED_SETTINGS`
        (``"default"``). The firmware URL is the one for the phone's ``family/model``.

        Args:
            phone: A phone of the organisation.

        Returns:
            Setting name → :class:`~cloudtel.users.ResolvedSetting`, for every name of
            :data:`INHERITED_SETTINGS`.
        """
        model = f"{phone.family}/{phone.model}".lower()
        levels: list[tuple[str, dict[str, object]]] = []
        mac = phone.mac.upper
        for own in self.phones:
            if own.mac == mac:
                levels.append(("phone", _values(own, model, own.firmware_url)))
                break
        if phone.user is not None and self.groups and self._org is not None:
            by_name = {g.group: g for g in self.groups}
            for group in self.org.groups_of(phone.user):
                entry = by_name.get(group.name)
                if entry is not None:
                    firmware = (entry.firmware_urls or {}).get(model)
                    levels.append((f"group:{group.name}", _values(entry, model, firmware)))
        levels.append(("organization", _values(self, model, self.firmware_urls.get(model))))
        resolved = {}
        for name, default in INHERITED_SETTINGS.items():
            for source, values in levels:
                value = values[name]
                if value is not None:
                    resolved[name] = ResolvedSetting(value, source)
                    break
            else:
                resolved[name] = ResolvedSetting(default, "default")
        return resolved

    # --- Part hooks ------------------------------------------------------------

    def forget_group(self, name: str) -> None:
        """Drop the settings of a group that was removed."""
        self.groups = tuple(g for g in self.groups if g.group != name)

    def rename_group(self, old: str, new: str) -> None:
        """Follow a group's new name."""
        self.groups = tuple(
            attrs.evolve(g, group=new) if g.group == old else g for g in self.groups
        )

    def problems(self) -> Iterable[Problem]:
        """Settings of a group that does not exist; two entries for one group or phone."""
        org = self.org
        seen: set[str] = set()
        for index, entry in enumerate(self.groups):
            where = f"{self.key}.groups[{index}]"
            if entry.group not in {g.name for g in org.groups}:
                yield Problem(where, f"no user group {entry.group!r} in the organisation")
            if entry.group in seen:
                yield Problem(where, f"group {entry.group!r} has two entries")
            seen.add(entry.group)
        macs: set[str] = set()
        for index, own in enumerate(self.phones):
            if own.mac in macs:
                yield Problem(f"{self.key}.phones[{index}]", f"phone {own.mac} has two entries")
            macs.add(own.mac)


def _values(level: Any, model: str, firmware: str | None) -> dict[str, object]:
    del model
    return {
        "firmware_url": firmware,
        "nat_keepalive": level.nat_keepalive,
        "backup_registrar": level.backup_registrar,
        "backup_registrar_port": level.backup_registrar_port,
    }
