"""Users, user groups and the settings a member inherits from its groups.

A :class:`User` and a :class:`UserGroup` are immutable values; the
:class:`~cloudtel.Organization` keeps them and checks every change against its
invariants (unique usernames, numbers held once, …). Change a user with
:meth:`Organization.update_user`.

Settings (language, time zone, cost centre, directory visibility, softphone,
mobile profile, mobile client licence, full caller ID, PBX integration) can be set
on the user, on any of their groups, or on the organisation. :func:`resolve_settings`
says which value wins and where it came from: the user's own value, else the first of
their groups in the organisation's priority order that sets it, else the
organisation's, else the built-in default. A mobile phone added without a profile or
options gets the values its user resolves to (:meth:`MobilePhone.completed`), so "adding a
user to a group gives them the group's configuration" holds for new mobiles too.

A user group also carries roles (:class:`GroupRole`: Schedules admin, ACD Supervisor,
Federated), the check boxes of the portal's user group list; a user has the roles of all
their groups (:func:`roles_of`).
"""

from __future__ import annotations

import enum
import functools
import re
import zoneinfo
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeVar

import attrs

from cloudtel import _html
from cloudtel._enums import to_member
from cloudtel._items import as_items
from cloudtel._keyed import KeyedTuple
from cloudtel._text import check_line, interned
from cloudtel.errors import InvalidPhoneNumberError, InvalidValueError
from cloudtel.numbers import PhoneNumber, to_number

__all__ = [
    "USER_COLUMNS",
    "GroupList",
    "GroupRole",
    "MobilePhone",
    "ResolvedSetting",
    "Settings",
    "User",
    "UserGroup",
    "UserList",
    "Visibility",
    "resolve_settings",
    "roles_of",
]

_USERNAME = re.compile(r"[a-z0-9][a-z0-9._%+\-']*@[a-z0-9][a-z0-9\-]*(\.[a-z0-9][a-z0-9\-]*)+")
_EMAIL = _USERNAME
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Z]{2})?")
_T = TypeVar("_T")
_A = TypeVar("_A", bound=attrs.AttrsInstance)


class Visibility(enum.Enum):
    """Whether a user shows in the searchable directory."""

    ALWAYS = "always"
    """Always show (the portal's default)."""
    HIDDEN = "hidden"
    """Never show in the directory."""


def _username(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidValueError(
            f"username must be text like user.1@domaincustomer.be, not {value!r}",
            field="username",
            value=value,
        )
    name = interned(value.strip().lower())
    if _USERNAME.fullmatch(name) is None:
        raise InvalidValueError(
            f"username {value!r} is not e-mail-like: write it as user.1@domaincustomer.be",
            field="username",
            value=value,
        )
    return name


def _check_email(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if value and _EMAIL.fullmatch(value.lower()) is None:
        raise InvalidValueError(
            f"{attribute.name} {value!r} is not an e-mail address like name@example.com",
            field=attribute.name,
            value=value,
        )


def _check_text(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not (type(value) is str and value.isprintable()):
        check_line(value, attribute.name)  # printable text passes it (see cloudtel._text)


def check_language(value: str) -> str:
    """Check a language tag such as ``nl``, ``fr`` or ``nl-BE``; return it.

    Raises:
        InvalidValueError: When it is not a two- or three-letter code with an optional region.
    """
    if not isinstance(value, str) or _LANGUAGE.fullmatch(value) is None:
        raise InvalidValueError(
            f"language {value!r} is not a language code like 'nl', 'fr' or 'nl-BE'",
            field="language",
            value=value,
        )
    return value


def check_time_zone(value: str) -> str:
    """Check an IANA time zone name such as ``Europe/Brussels``; return it.

    Raises:
        InvalidValueError: When no such time zone exists.
    """
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise InvalidValueError(
            f"time zone {value!r} is not an IANA time zone like 'Europe/Brussels'",
            field="time_zone",
            value=value,
        ) from exc
    return value


def _optional(check: Any) -> Any:
    def run(_instance: object, _attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None:
            check(value)

    return run


def _visibility(value: object) -> Visibility | None:
    if value is None or isinstance(value, Visibility):
        return value
    return to_member(Visibility, value, field="directory_visibility", what="directory_visibility")


def _optional_bool(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, bool):
        raise InvalidValueError(
            f"{attribute.name} must be true, false or unset, not {value!r}",
            field=attribute.name,
            value=value,
        )


@attrs.frozen(kw_only=True)
class Settings:
    """Settings a user inherits from their groups and the organisation.

    ``None`` means "not set here": the next level decides.

    Args:
        language (str | None): Language code, e.g. ``"nl"``.
        time_zone (str | None): IANA time zone, e.g. ``"Europe/Brussels"``.
        cost_centre (str | None): Cost centre for billing.
        directory_visibility (Visibility | None): Shown in the directory or not.
        softphone (bool | None): Softphone enabled.
        mobile_profile (str | None): Mobile profile given to new mobile phones.
        mobile_client_licence (bool | None): New mobile phones get a mobile client licence
            (the portal's "Mobile client licence" column).
        full_caller_id (bool | None): New mobile phones show the full caller ID of incoming
            calls ("Full caller ID for incoming calls").
        pbx_integration (bool | None): New mobile phones are integrated with the PBX
            ("PBX integration").
    """

    language: str | None = attrs.field(default=None, validator=_optional(check_language))
    time_zone: str | None = attrs.field(default=None, validator=_optional(check_time_zone))
    cost_centre: str | None = attrs.field(default=None, validator=_check_text)
    directory_visibility: Visibility | None = attrs.field(default=None, converter=_visibility)
    softphone: bool | None = attrs.field(default=None, validator=_optional_bool)
    mobile_profile: str | None = attrs.field(default=None, validator=_check_text)
    mobile_client_licence: bool | None = attrs.field(default=None, validator=_optional_bool)
    full_caller_id: bool | None = attrs.field(default=None, validator=_optional_bool)
    pbx_integration: bool | None = attrs.field(default=None, validator=_optional_bool)

    def items(self) -> Iterator[tuple[str, object]]:
        """Yield ``(name, value)`` for the settings that are set here."""
        for field in attrs.fields(Settings):
            value = getattr(self, field.name)
            if value is not None:
                yield field.name, value


_NO_SETTINGS = Settings()
"""The settings of a user or group that sets none: one shared value (they are immutable)."""


def _to_settings(value: object) -> Settings:
    """``settings=``: a :class:`Settings`, or a mapping of setting names to values."""
    if isinstance(value, Settings):
        return value
    if isinstance(value, Mapping) and not value:
        return _NO_SETTINGS
    if isinstance(value, Mapping):
        names = [field.name for field in attrs.fields(Settings)]
        for name in value:
            if name not in names:
                raise InvalidValueError(
                    f"there is no setting {name!r}; settings are: {', '.join(names)}",
                    field="settings",
                    value=name,
                )
        return Settings(**value)
    raise InvalidValueError(
        f"settings must be a Settings or a mapping of setting names to values, not {value!r}",
        field="settings",
        value=value,
    )


SETTING_DEFAULTS: Mapping[str, object] = {
    "language": "nl",
    "time_zone": "Europe/Brussels",
    "cost_centre": "",
    "directory_visibility": Visibility.ALWAYS,
    "softphone": False,
    "mobile_profile": "Standard",
    "mobile_client_licence": False,
    "full_caller_id": False,
    "pbx_integration": False,
}
"""Built-in values of every setting, used when no level sets it."""


def _mobile_number(value: PhoneNumber | str) -> PhoneNumber:
    number = to_number(value)
    if not number.is_mobile:
        raise InvalidPhoneNumberError(
            f"{number.e164} is not a mobile number (the numbering plan of {number.region} "
            "says it is a fixed line or a service number); a mobile phone needs a mobile "
            "number such as +32 470 12 34 56, an office line goes in primary_line or aliases",
            field="number",
            value=number.e164,
        )
    return number


@attrs.frozen(kw_only=True)
class MobilePhone:
    """A mobile phone where the user can be reached: a row of the portal's "Mobile phones".

    The profile and the three options left unset (``None``) are filled in from the user's
    resolved settings when the organisation adds the mobile (see :meth:`completed`), so a
    new mobile gets its group's mobile profile.

    Args:
        number (PhoneNumber): A mobile number of any country (text is parsed in any
            notation); the numbering plan must say it is a mobile number.
        profile (str | None): The mobile profile, e.g. ``"Standard"``; ``None``: the
            user's resolved ``mobile_profile``.
        client_licence (bool | None): Has a mobile client licence ("Mobile client
            licence"); ``None``: the resolved ``mobile_client_licence``.
        full_caller_id (bool | None): Shows the full caller ID of incoming calls;
            ``None``: the resolved ``full_caller_id``.
        pbx_integration (bool | None): Integrated with the PBX ("PBX integration");
            ``None``: the resolved ``pbx_integration``.

    Raises:
        InvalidPhoneNumberError: Not a valid number, or not a mobile number.
    """

    number: PhoneNumber = attrs.field(converter=_mobile_number)
    profile: str | None = attrs.field(default=None, validator=_check_text)
    client_licence: bool | None = attrs.field(default=None, validator=_optional_bool)
    full_caller_id: bool | None = attrs.field(default=None, validator=_optional_bool)
    pbx_integration: bool | None = attrs.field(default=None, validator=_optional_bool)

    def completed(self, resolved: Mapping[str, ResolvedSetting]) -> MobilePhone:
        """The mobile with every unset field taken from its user's resolved settings.

        Args:
            resolved (Mapping[str, ResolvedSetting]): :func:`resolve_settings` of the user.

        Returns:
            MobilePhone: The same mobile with profile and options all set.
        """
        profile = _given(self.profile, resolved["mobile_profile"].value, str)
        client_licence = _given(self.client_licence, resolved["mobile_client_licence"].value, bool)
        full_caller_id = _given(self.full_caller_id, resolved["full_caller_id"].value, bool)
        pbx_integration = _given(self.pbx_integration, resolved["pbx_integration"].value, bool)
        if type(self) is not MobilePhone:  # a subclass may check more: the plain way
            return attrs.evolve(
                self,
                profile=profile,
                client_licence=client_licence,
                full_caller_id=full_caller_id,
                pbx_integration=pbx_integration,
            )
        # what attrs.evolve would check again: the number is a checked mobile already,
        # the options are booleans (_given); only a profile taken over is checked
        if self.profile is None:
            check_line(profile, "profile")
        return _replaced(
            self,
            number=self.number,
            profile=profile,
            client_licence=client_licence,
            full_caller_id=full_caller_id,
            pbx_integration=pbx_integration,
        )


def _replaced(instance: _A, **values: object) -> _A:
    """A new instance of ``instance``'s frozen attrs class holding ``values`` in the
    fields they name and ``instance``'s values in the others, without running the
    converters and validators: only for values already checked (a fast ``attrs.evolve``)."""
    cls = type(instance)
    new = object.__new__(cls)
    put = object.__setattr__
    for name in _field_names(cls):
        put(new, name, values[name] if name in values else getattr(instance, name))
    return new


@functools.cache
def _field_names(cls: type[attrs.AttrsInstance]) -> tuple[str, ...]:
    return tuple(field.name for field in attrs.fields(cls))


def _given(own: _T | None, resolved: object, kind: type[_T]) -> _T:
    if own is not None:
        return own
    assert isinstance(resolved, kind)  # noqa: S101 - resolve_settings gives every setting
    return resolved


def _group_name(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValueError(
            f"a group name must be non-empty text, not {value!r}", field="name", value=value
        )
    return interned(check_line(value, "name", what="group name").strip())


class GroupRole(enum.Enum):
    """A role a user group gives its members: a check box of the portal's user group list."""

    SCHEDULES_ADMIN = "Schedules admin"
    """May manage the schedules of the function numbers."""
    ACD_SUPERVISOR = "ACD Supervisor"
    """Supervises ACD groups (sees their queues and agents)."""
    FEDERATED = "Federated"
    """Members are federated: their presence is shared with federated partners."""


def _roles(values: Iterable[GroupRole | str]) -> tuple[GroupRole, ...]:
    if isinstance(values, str | GroupRole):
        values = (values,)
    roles: set[GroupRole] = set()
    for value in values:
        if isinstance(value, GroupRole):
            roles.add(value)
            continue
        found = [
            role
            for role in GroupRole
            if isinstance(value, str)
            and value.strip().casefold() in (role.value.casefold(), role.name.casefold())
        ]
        if not found:
            allowed = ", ".join(repr(role.value) for role in GroupRole)
            raise InvalidValueError(
                f"role {value!r} is not a user group role; roles are {allowed}",
                field="roles",
                value=value,
            )
        roles.add(found[0])
    order = list(GroupRole)
    return tuple(sorted(roles, key=order.index))


@attrs.frozen(kw_only=True)
class UserGroup:
    """A user group: members inherit its settings and have its roles.

    Args:
        name (str): Unique in the organisation, e.g. ``"Sales"``.
        description (str): What the group is for.
        settings (Settings): Settings its members inherit (a mapping such as
            ``{"language": "fr"}`` is taken too).
        roles (tuple[GroupRole, ...]): Roles of its members (given as GroupRole or their
            names, e.g. ``"ACD Supervisor"``), stored in the portal's column order.

    Raises:
        InvalidValueError: An empty name or an unknown role.
    """

    name: str = attrs.field(converter=_group_name)
    description: str = attrs.field(default="", validator=_check_text)
    settings: Settings = attrs.field(default=_NO_SETTINGS, converter=_to_settings)
    roles: tuple[GroupRole, ...] = attrs.field(default=(), converter=_roles)

    def __str__(self) -> str:
        return self.name + (f" ({self.description})" if self.description else "")

    def _repr_html_(self) -> str:
        values = {"description": self.description, "settings": _settings_text(self.settings)}
        if self.roles:
            values["roles"] = ", ".join(role.value for role in self.roles)
        return _html.fields(f"User group {self.name}", values)


def roles_of(groups: Iterable[UserGroup]) -> tuple[GroupRole, ...]:
    """The roles a user has: those of all their groups.

    Args:
        groups (Iterable[UserGroup]): The user's groups.

    Returns:
        tuple[GroupRole, ...]: In the portal's column order, each once.
    """
    return _roles(role for group in groups for role in group.roles)


def _optional_number(value: PhoneNumber | str | None) -> PhoneNumber | None:
    return None if value is None else to_number(value)


def _no_primary_line(username: str, aliases: tuple[PhoneNumber, ...]) -> str:
    """What to change in a user with aliases but no primary line (org files of an older
    cloudtel had them): make one of the numbers the primary line."""
    numbers = [alias.e164 for alias in aliases]
    if len(numbers) == 1:
        change = f'primary_line = "{numbers[0]}" and no aliases'
    else:
        others = ", ".join(f'"{number}"' for number in numbers[1:])
        change = (
            f'primary_line = "{numbers[0]}" and aliases = [{others}] (or another of '
            f"{', '.join(numbers)} as the line)"
        )
    return (
        f"user {username!r} has aliases but no primary line: an alias is attached to a line "
        '("Add an alias to this number"), so one of its numbers must be the primary line; '
        f"give the user {change} (in an org file written before this rule: change the "
        "user's table so)"
    )


def _aliases(values: Iterable[PhoneNumber | str] | PhoneNumber | str) -> tuple[PhoneNumber, ...]:
    aliases = []
    for index, value in enumerate(as_items(values, "aliases", (PhoneNumber,))):
        try:
            aliases.append(PhoneNumber.parse(value))
        except InvalidPhoneNumberError as exc:
            raise InvalidPhoneNumberError(
                f"alias {exc}", field=f"aliases[{index}]", value=value
            ) from exc
    return tuple(aliases)


def _mobile(index: int, value: object) -> MobilePhone:
    if isinstance(value, MobilePhone):
        return value
    if isinstance(value, (str, PhoneNumber)):
        return MobilePhone(number=value)
    raise InvalidValueError(
        f"mobile_phones[{index}] must be a MobilePhone or a phone number, not {value!r}",
        field=f"mobile_phones[{index}]",
        value=value,
    )


def _mobiles(
    values: Iterable[MobilePhone | PhoneNumber | str] | MobilePhone | PhoneNumber | str,
) -> tuple[MobilePhone, ...]:
    items = as_items(values, "mobile_phones", (PhoneNumber, MobilePhone))
    return tuple(_mobile(index, value) for index, value in enumerate(items))


def _groups(values: Iterable[str] | str) -> tuple[str, ...]:
    names = tuple(_group_name(value) for value in as_items(values, "groups"))
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InvalidValueError(
                f"group {name!r} is listed twice in the user's groups", field="groups", value=name
            )
        seen.add(name)
    return names


@attrs.frozen(kw_only=True)
class User:
    """A user with every field of the portal's user page.

    Args:
        username (str): Unique, e-mail-like (``user.1@domaincustomer.be``); stored lower-case.
        first_name (str): First name.
        last_name (str): Last name.
        department (str): Department.
        email (str): E-mail address (for welcome messages and password resets).
        field_1 (str): Free field 1.
        field_2 (str): Free field 2.
        field_3 (str): Free field 3.
        groups (tuple[str, ...]): Names of the groups the user is a member of.
        primary_line (PhoneNumber | None): The primary published number ("single number
            reach"), from the organisation's ranges.
        line_type (str | None): The primary line's line type as the operator set it, e.g.
            ``"Mobile VPN"``; ``None`` when not known. Needs a primary line.
        aliases (tuple[PhoneNumber, ...]): Aliases of the primary line, from the ranges:
            calling an alias triggers the call routing rules of the primary line (see
            :meth:`routing_line`). Needs a primary line.
        mobile_phones (tuple[MobilePhone, ...]): Mobile phones, mobile numbers of any
            country (a number alone gets its profile and options from the user's settings
            when the organisation adds it).
        settings (Settings): The user's own settings; unset ones are inherited (a mapping
            such as ``{"language": "fr"}`` is taken too).
    """

    username: str = attrs.field(converter=_username)
    first_name: str = attrs.field(default="", validator=_check_text)
    last_name: str = attrs.field(default="", validator=_check_text)
    department: str = attrs.field(default="", validator=_check_text)
    email: str = attrs.field(default="", validator=[_check_text, _check_email])
    field_1: str = attrs.field(default="", validator=_check_text)
    field_2: str = attrs.field(default="", validator=_check_text)
    field_3: str = attrs.field(default="", validator=_check_text)
    groups: tuple[str, ...] = attrs.field(default=(), converter=_groups)
    primary_line: PhoneNumber | None = attrs.field(default=None, converter=_optional_number)
    line_type: str | None = attrs.field(default=None, validator=_check_text)
    aliases: tuple[PhoneNumber, ...] = attrs.field(default=(), converter=_aliases)
    mobile_phones: tuple[MobilePhone, ...] = attrs.field(default=(), converter=_mobiles)
    settings: Settings = attrs.field(default=_NO_SETTINGS, converter=_to_settings)

    def __attrs_post_init__(self) -> None:
        if self.primary_line is None and self.aliases:
            raise InvalidValueError(
                _no_primary_line(self.username, self.aliases),
                field="aliases",
                value=tuple(alias.e164 for alias in self.aliases),
            )
        if self.primary_line is None and self.line_type is not None:
            raise InvalidValueError(
                f"user {self.username!r} has a line type but no primary line; the line type "
                "belongs to the primary line",
                field="line_type",
                value=self.line_type,
            )

    def routing_line(self, number: PhoneNumber | str) -> PhoneNumber | None:
        """The personal line whose call routing rules a call to ``number`` triggers.

        The primary line for itself and for each of its aliases.

        Args:
            number (PhoneNumber | str): The number called (any notation).

        Returns:
            PhoneNumber | None: The primary line, or ``None`` when the number is not one of
            the user's lines.
        """
        called = PhoneNumber.parse(number)
        return self.primary_line if called in self.lines else None

    @property
    def display_name(self) -> str:
        """First and last name, or the username when both are empty."""
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.username

    @property
    def lines(self) -> tuple[PhoneNumber, ...]:
        """The personal lines: the primary line first, then the aliases."""
        primary = () if self.primary_line is None else (self.primary_line,)
        return primary + self.aliases

    def __str__(self) -> str:
        line = "" if self.primary_line is None else f" {self.primary_line.international}"
        return f"{self.display_name} <{self.username}>{line}"

    def to_record(self) -> dict[str, object]:
        """The user as one plain ``dict`` (the columns of :data:`USER_COLUMNS`)."""
        return _user_row(self)

    def _repr_html_(self) -> str:
        values: dict[str, object] = {
            "name": self.display_name,
            **_user_row(self),
            "mobile_phones": ", ".join(
                f"{m.number.international} ({m.profile})" for m in self.mobile_phones
            ),
            "field_1": self.field_1,
            "field_2": self.field_2,
            "field_3": self.field_3,
            "settings": _settings_text(self.settings),
        }
        return _html.fields(f"User {self.username}", values)


@attrs.frozen
class ResolvedSetting:
    """A setting's effective value and where it came from.

    Args:
        value (object): The effective value.
        source (str): ``"user"``, ``"group:<name>"``, ``"organization"`` or ``"default"``.
    """

    value: object
    source: str


def resolve_settings(
    user: User,
    groups: Iterable[UserGroup],
    organization: Settings = Settings(),
) -> dict[str, ResolvedSetting]:
    """Resolve every setting of a user, saying where each value came from.

    Args:
        user (User): The user.
        groups (Iterable[UserGroup]): The user's groups, highest priority first.
        organization (Settings): The organisation-wide values.

    Returns:
        A dict from setting name to :class:`ResolvedSetting`, for every setting.
    """
    return _resolve_levels(user.settings, groups, organization)


def _resolve_levels(
    own: Settings, groups: Iterable[UserGroup], organization: Settings
) -> dict[str, ResolvedSetting]:
    """:func:`resolve_settings` of a user whose own settings are ``own``."""
    levels: list[tuple[str, Settings]] = [("user", own)]
    levels += [(f"group:{group.name}", group.settings) for group in groups]
    levels.append(("organization", organization))
    resolved: dict[str, ResolvedSetting] = {}
    for name, default in SETTING_DEFAULTS.items():
        for source, settings in levels:
            value = getattr(settings, name)
            if value is not None:
                resolved[name] = ResolvedSetting(value, source)
                break
        else:
            resolved[name] = ResolvedSetting(default, "default")
    return resolved


# --- how users and groups look: text, Jupyter, records ------------------------


def _user_row(user: User) -> dict[str, object]:
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "department": user.department,
        "email": user.email,
        "primary_line": None if user.primary_line is None else user.primary_line.e164,
        "aliases": ", ".join(a.e164 for a in user.aliases),
        "mobile_phones": ", ".join(m.number.e164 for m in user.mobile_phones),
        "groups": ", ".join(user.groups),
    }


USER_COLUMNS: tuple[str, ...] = (
    "username",
    "first_name",
    "last_name",
    "department",
    "email",
    "primary_line",
    "aliases",
    "mobile_phones",
    "groups",
)
"""The columns of a user table (:meth:`UserList.to_records`, ``to_pandas``)."""


def _settings_text(settings: Settings) -> str:
    return ", ".join(f"{name}={_html.text(value)}" for name, value in settings.items())


class UserList(KeyedTuple[User]):
    """The users of an organisation (``org.users``): a tuple keyed by username.

    ``org.users["Demo.User@orange.be"]`` finds a user (any case),
    ``"demo.user@orange.be" in org.users`` asks whether there is one,
    ``org.users[0]`` is the first; :meth:`~cloudtel.Keyed.to_pandas` gives a data frame.
    It compares equal to the plain tuple of its users.
    """

    _columns = USER_COLUMNS
    _noun = "user"

    def _key(self, item: User) -> str:
        return item.username

    def _normal(self, key: Any) -> str:
        return str(key.strip().lower())

    def _row(self, item: User) -> dict[str, object]:
        return _user_row(item)


class GroupList(KeyedTuple[UserGroup]):
    """The user groups of an organisation (``org.groups``), highest priority first,
    keyed by name: ``org.groups["Sales"]``, ``"Sales" in org.groups``, ``org.groups[0]``.
    """

    _columns = ("priority", "name", "description", "settings")
    _noun = "group"

    def _key(self, item: UserGroup) -> str:
        return item.name

    def _normal(self, key: Any) -> str:
        return str(key.strip())

    def _row(self, item: UserGroup) -> dict[str, object]:
        return {
            "priority": self.index(item) + 1,
            "name": item.name,
            "description": item.description,
            "settings": _settings_text(item.settings),
        }
