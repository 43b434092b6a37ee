"""Users, user groups and the settings a member inherits from its groups.

A :class:`User` and a :class:`UserGroup` are immutable values; the
:class:`~cloudtel.Organization` keeps them and checks every change against its
invariants (unique usernames, numbers held once, …). Change a user with
:meth:`Organization.update_user`.

Settings (language, time zone, cost centre, directory visibility, softphone,
mobile profile) can be set on the user, on any of their groups, or on the
organisation. :func:`resolve_settings` says which value wins and where it came
from: the user's own value, else the first of their groups in the
organisation's priority order that sets it, else the organisation's, else the
built-in default.
"""

from __future__ import annotations

import enum
import re
import zoneinfo
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from cloudtel import _html
from cloudtel._items import as_items
from cloudtel._keyed import KeyedTuple
from cloudtel._text import check_line
from cloudtel.errors import InvalidPhoneNumberError, InvalidValueError
from cloudtel.numbers import PhoneNumber, to_number

__all__ = [
    "USER_COLUMNS",
    "GroupList",
    "MobilePhone",
    "ResolvedSetting",
    "Settings",
    "User",
    "UserGroup",
    "UserList",
    "Visibility",
    "resolve_settings",
]

_USERNAME = re.compile(r"[a-z0-9][a-z0-9._%+\-']*@[a-z0-9][a-z0-9\-]*(\.[a-z0-9][a-z0-9\-]*)+")
_EMAIL = _USERNAME
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Z]{2})?")


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
    name = value.strip().lower()
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
    if value is not None:
        check_line(value, attribute.name)


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
    try:
        return Visibility(value)
    except ValueError:
        allowed = ", ".join(repr(v.value) for v in Visibility)
        raise InvalidValueError(
            f"directory_visibility {value!r} is not one of {allowed}",
            field="directory_visibility",
            value=value,
        ) from None


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
    """

    language: str | None = attrs.field(default=None, validator=_optional(check_language))
    time_zone: str | None = attrs.field(default=None, validator=_optional(check_time_zone))
    cost_centre: str | None = attrs.field(default=None, validator=_check_text)
    directory_visibility: Visibility | None = attrs.field(default=None, converter=_visibility)
    softphone: bool | None = None
    mobile_profile: str | None = attrs.field(default=None, validator=_check_text)

    def items(self) -> Iterator[tuple[str, object]]:
        """Yield ``(name, value)`` for the settings that are set here."""
        for field in attrs.fields(Settings):
            value = getattr(self, field.name)
            if value is not None:
                yield field.name, value


def _to_settings(value: object) -> Settings:
    """``settings=``: a :class:`Settings`, or a mapping of setting names to values."""
    if isinstance(value, Settings):
        return value
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
}
"""Built-in values of every setting, used when no level sets it."""


@attrs.frozen(kw_only=True)
class MobilePhone:
    """A mobile phone where the user can be reached.

    Args:
        number (PhoneNumber): Any valid number in any country (text is parsed).
        profile (str): The mobile profile, e.g. ``"Standard"``.
    """

    number: PhoneNumber = attrs.field(converter=to_number)
    profile: str = attrs.field(default="Standard", validator=_check_text)


def _group_name(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValueError(
            f"a group name must be non-empty text, not {value!r}", field="name", value=value
        )
    return check_line(value, "name", what="group name").strip()


@attrs.frozen(kw_only=True)
class UserGroup:
    """A user group: members inherit its settings.

    Args:
        name (str): Unique in the organisation, e.g. ``"Sales"``.
        description (str): What the group is for.
        settings (Settings): Settings its members inherit (a mapping such as
            ``{"language": "fr"}`` is taken too).
    """

    name: str = attrs.field(converter=_group_name)
    description: str = attrs.field(default="", validator=_check_text)
    settings: Settings = attrs.field(factory=Settings, converter=_to_settings)

    def __str__(self) -> str:
        return self.name + (f" ({self.description})" if self.description else "")

    def _repr_html_(self) -> str:
        values = {"description": self.description, "settings": _settings_text(self.settings)}
        return _html.fields(f"User group {self.name}", values)


def _optional_number(value: PhoneNumber | str | None) -> PhoneNumber | None:
    return None if value is None else to_number(value)


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
        primary_line (PhoneNumber | None): The primary published number, from the
            organisation's ranges.
        aliases (tuple[PhoneNumber, ...]): Other personal lines, from the ranges.
        mobile_phones (tuple[MobilePhone, ...]): Mobile phones, any valid number (a number alone
            gets the Standard profile).
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
    aliases: tuple[PhoneNumber, ...] = attrs.field(default=(), converter=_aliases)
    mobile_phones: tuple[MobilePhone, ...] = attrs.field(default=(), converter=_mobiles)
    settings: Settings = attrs.field(factory=Settings, converter=_to_settings)

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
    levels: list[tuple[str, Settings]] = [("user", user.settings)]
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
