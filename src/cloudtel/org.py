"""The organisation: the aggregate root that owns everything of one customer.

:class:`Organization` keeps the user groups (in priority order) and the users,
and checks its invariants on every change, not only when a file is loaded:

- usernames and group names are unique;
- a user's groups exist;
- a number is held once: a primary line, an alias or a function number; lines come
  from the organisation's number ranges;
- a mobile number is a mobile of one user only (users log in with it) and never one of
  the organisation's own numbers (an office line is not a mobile); a mobile added
  without a profile or options gets those its user's settings resolve to (the group's
  mobile profile, …);
- deleting a group removes its memberships; deleting a user frees their numbers.

Every other capability (contacts, voice prompts, function numbers and their
schedules, phones, accounts) keeps its state in a :class:`Part`: one field of
the organisation, told when a user or group goes away, asked which numbers it
holds, what it refers to, and which files it keeps beside the org file.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import itertools
import math
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs

from cloudtel import _html, plugins
from cloudtel._items import as_items
from cloudtel._keyed import Keyed
from cloudtel._part import Blob, Part, Reference, part
from cloudtel._text import check_line
from cloudtel.accounts import Accounts
from cloudtel.changes import ChangeSet, diff
from cloudtel.contacts import Contacts
from cloudtel.errors import (
    DuplicateError,
    InvalidValueError,
    NotFoundError,
    NumberNotAvailableError,
    ReferencedError,
)
from cloudtel.functions import FunctionNumbers
from cloudtel.numbers import DEFAULT_COUNTRY, NumberRange, PhoneNumber, valid_region
from cloudtel.onboarding import UserImportReport, import_users
from cloudtel.phones import Phones
from cloudtel.prompts import PromptLibrary
from cloudtel.provisioning_defaults import ProvisioningDefaults
from cloudtel.services import PluginServices
from cloudtel.users import (
    USER_COLUMNS,
    GroupList,
    GroupRole,
    ResolvedSetting,
    Settings,
    User,
    UserGroup,
    UserList,
    _replaced,
    _resolve_levels,
    check_language,
    check_time_zone,
    resolve_settings,
    roles_of,
)

__all__ = ["Blob", "Organization", "Part", "Reference", "UserPage", "part"]

SORT_COLUMNS = ("username", "first_name", "last_name", "primary_line", "department", "email")
"""Columns the user list can be sorted by."""


@attrs.frozen(repr=False)
class UserPage(Keyed[User]):
    """One page of the user list: keyed by username like :class:`UserList`.

    In Jupyter it shows as a table of its users; ``page.to_pandas()`` gives a frame.

    Args:
        users (tuple[User, ...]): The users on this page.
        page (int): The page number, from 1.
        page_size (int): Users per page.
        total (int): How many users match the filter, on all pages.
    """

    users: tuple[User, ...]
    page: int
    page_size: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages there are (at least 1)."""
        return max(1, math.ceil(self.total / self.page_size))

    def __iter__(self) -> Iterator[User]:
        return iter(self.users)

    def __len__(self) -> int:
        return len(self.users)

    _columns = USER_COLUMNS
    _noun = "user"

    def _items(self) -> tuple[User, ...]:
        return self.users

    def _lookup(self, key: Any) -> User | None:
        return UserList(self.users)._lookup(key)

    def _key(self, item: User) -> str:
        return item.username

    def _row(self, item: User) -> dict[str, object]:
        return item.to_record()

    def _caption(self) -> str:
        first = (self.page - 1) * self.page_size + 1
        shown = f"users {first}–{first + len(self.users) - 1}" if self.users else "no users"
        return f"page {self.page} of {self.pages}: {shown} of {self.total}"

    def __repr__(self) -> str:
        return f"<UserPage {self.page}/{self.pages}: {', '.join(self.keys()) or 'no users'}>"


_PART_NAMES: dict[type[Any], tuple[str, ...]] = {}


def _part_names(cls: type[Any]) -> tuple[str, ...]:
    names = _PART_NAMES.get(cls)
    if names is None:
        names = tuple(f.name for f in attrs.fields(cls) if f.metadata.get("part"))
        _PART_NAMES[cls] = names
    return names


def _check_name(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    check_line(value, attribute.name, what=f"the organisation's {attribute.name}")
    if not value.strip():
        raise InvalidValueError(
            f"the organisation's {attribute.name} must be one line of text, not {value!r}",
            field=attribute.name,
            value=value,
        )


def _check_country(_instance: object, _attribute: attrs.Attribute[str], value: str) -> None:
    if not valid_region(value):
        raise InvalidValueError(
            f"country {value!r} is not an ISO 3166 country code like 'BE'",
            field="country",
            value=value,
        )


def _check_ranges(
    instance: Organization, _attribute: attrs.Attribute[Any], value: tuple[NumberRange, ...]
) -> None:
    ordered = sorted(value, key=lambda r: (len(r.first.e164), r.first.e164))
    for left, right in itertools.pairwise(ordered):
        if len(left.first.e164) == len(right.first.e164) and right.first.e164 <= left.last.e164:
            raise InvalidValueError(
                f"number ranges {left} and {right} overlap", field="number_ranges", value=value
            )
    for e164, holder in instance._all_holders().items():
        number = PhoneNumber(e164)
        if not any(number in r for r in value):
            raise NumberNotAvailableError(
                f"cannot change the number ranges: {e164} ({holder}) would be outside them",
                field="number_ranges",
                value=e164,
            )
    for e164, username in instance._mobiles.items():
        if any(PhoneNumber(e164) in r for r in value):
            raise NumberNotAvailableError(
                f"cannot change the number ranges: {e164}, the mobile of user {username}, "
                "would be inside them",
                field="number_ranges",
                value=e164,
            )


def _ranges(values: Iterable[NumberRange | str] | NumberRange | str) -> tuple[NumberRange, ...]:
    items = as_items(values, "number_ranges", (NumberRange,))
    return tuple(v if isinstance(v, NumberRange) else NumberRange.parse(v) for v in items)


def _time_zone(_instance: object, _attribute: attrs.Attribute[str], value: str) -> None:
    check_time_zone(value)


def _rezone(instance: Organization, attribute: attrs.Attribute[str], value: str) -> str:
    """A new time zone reaches the schedules of the function numbers at once."""
    _time_zone(instance, attribute, value)
    object.__setattr__(instance, attribute.name, value)  # what the schedules will ask
    instance.functions.attach(instance)
    return value


def _language(_instance: object, _attribute: attrs.Attribute[str], value: str) -> None:
    check_language(value)


def _optional_number(value: PhoneNumber | str | None) -> PhoneNumber | None:
    return None if value is None else PhoneNumber.parse(value)


def _upper(value: str) -> str:
    return value.upper() if isinstance(value, str) else value


@attrs.define(eq=False, repr=False)
class Organization:
    """One customer: its groups, users, numbers and everything else it owns.

    Every change goes through a method that checks the invariants (see the
    module docs) and raises an error naming the object and field.

    Args:
        name (str): The organisation's name, e.g. ``"Orange labo"``.
        domain (str): Its domain, e.g. ``"orange.be"``.
        country (str): Default country of national numbers (ISO code), ``"BE"``.
        language (str): Default language of users, ``"nl"``.
        time_zone (str): IANA time zone of users and schedules, ``"Europe/Brussels"``.
        number_ranges (tuple[NumberRange, ...]): The numbers the organisation owns.
        main_number (PhoneNumber | None): The published main number.
        settings (Settings): Organisation-wide settings every user inherits.
        services (PluginServices): What the parts ask of plugins (phone models, prompt
            recording); keyword-only, by default :data:`cloudtel.plugins.INSTALLED`.
            Not part of the organisation's value: neither compared nor saved.
    """

    name: str = attrs.field(validator=_check_name)
    domain: str = attrs.field(validator=_check_name)
    country: str = attrs.field(default=DEFAULT_COUNTRY, converter=_upper, validator=_check_country)
    language: str = attrs.field(default="nl", validator=_language)
    time_zone: str = attrs.field(
        default="Europe/Brussels", validator=_time_zone, on_setattr=_rezone
    )
    number_ranges: tuple[NumberRange, ...] = attrs.field(
        default=(), converter=_ranges, validator=_check_ranges
    )
    main_number: PhoneNumber | None = attrs.field(default=None, converter=_optional_number)
    settings: Settings = attrs.field(factory=Settings)
    services: PluginServices = attrs.field(
        default=plugins.INSTALLED, kw_only=True, eq=False, repr=False
    )
    # --- private state -------------------------------------------------------
    _groups: dict[str, UserGroup] = attrs.field(init=False, factory=dict)
    _users: dict[str, User] = attrs.field(init=False, factory=dict)
    _holders: dict[str, str] = attrs.field(init=False, factory=dict)
    _mobiles: dict[str, str] = attrs.field(init=False, factory=dict)
    """E.164 of each user's mobile numbers → username."""
    _parts_still: dict[str, str] | None = attrs.field(init=False, default=None, eq=False)
    """The parts' held numbers while the parts are known not to change (see
    :meth:`_while_parts_are_still`); ``None`` otherwise."""
    _source: tuple[str, str] | None = attrs.field(init=False, default=None)
    """(path, sha256) of the file this organisation was loaded from or saved to."""
    _base: bytes | None = attrs.field(init=False, default=None)
    """The content of that file: the base of a three-way merge when saving."""
    _base_org: Organization | None = attrs.field(init=False, default=None, eq=False, repr=False)
    """A snapshot of the organisation as in that file (see :func:`snapshot`)."""
    # --- parts: one field per capability, declared with part(...) ------------
    contacts: Contacts = part(Contacts)  # noqa: RUF009 - part() declares an attrs field
    """Contact lists of the organisation, its groups and its users."""
    accounts: Accounts = part(Accounts)  # noqa: RUF009 - part() declares an attrs field
    """Passwords, PINs, admin roles, failed-login counters and photos (hashes only)."""
    prompts: PromptLibrary = part(PromptLibrary)  # noqa: RUF009
    """Voice prompts: name, description, A-law audio per language (files beside the org file)."""
    phones: Phones = part(Phones)  # noqa: RUF009 - part() declares an attrs field
    """SIP desk phones: MAC, model, assigned user, key layout."""
    functions: FunctionNumbers = part(FunctionNumbers)  # noqa: RUF009
    """Function numbers (IVR, ACD, hunt, attendant, shared line) and their schedules."""
    provisioning: ProvisioningDefaults = part(ProvisioningDefaults)  # noqa: RUF009
    """Provisioning settings: server URL, registrar, password file, inherited phone settings."""

    def __attrs_post_init__(self) -> None:
        for item in self.parts():
            item.attach(self)

    # --- parts ---------------------------------------------------------------

    def parts(self) -> list[Part]:
        """The parts of this organisation, in declaration order."""
        return [getattr(self, name) for name in self.part_names()]

    @classmethod
    def part_names(cls) -> tuple[str, ...]:
        """The field names of the parts (their keys in an org file)."""
        return _part_names(cls)

    def referrers(self, kind: str, name: str, *, blocking_only: bool = False) -> list[str]:
        """Who refers to the object ``kind``/``name``, from every part.

        Args:
            kind (str): ``"prompt"``, ``"user"``, ``"group"``, ``"function"`` …
            name (str): The object's name.
            blocking_only (bool): Only the references that forbid deleting it.
        """
        return [
            ref.referrer
            for item in self.parts()
            for ref in item.references()
            if ref.kind == kind and ref.name == name and (ref.blocks_deletion or not blocking_only)
        ]

    def check_unreferenced(self, kind: str, name: str) -> None:
        """Raise :class:`ReferencedError` listing the referrers that forbid deleting it."""
        referrers = self.referrers(kind, name, blocking_only=True)
        if referrers:
            listed = "; ".join(referrers)
            raise ReferencedError(
                f"cannot delete {kind} {name!r}: it is used by {listed}",
                kind=kind,
                name=name,
                referrers=referrers,
            )

    # --- groups --------------------------------------------------------------

    @property
    def groups(self) -> GroupList:
        """The user groups, highest priority first, keyed by name (``org.groups["Sales"]``)."""
        return GroupList(self._groups.values())

    def group(self, name: str) -> UserGroup:
        """The group called ``name``.

        Raises:
            NotFoundError: When there is no such group; lists the groups there are.
        """
        try:
            return self._groups[name]
        except (KeyError, TypeError):  # TypeError: a list where one name belongs
            raise NotFoundError(
                f"no user group {name!r}; groups are: {', '.join(self._groups) or 'none'}",
                kind="group",
                name=name,
            ) from None

    def add_group(self, group: UserGroup, *, position: int | None = None) -> UserGroup:
        """Add a group, last in priority order or at ``position`` (0 = highest).

        Raises:
            DuplicateError: When a group of that name exists.
        """
        if group.name in self._groups:
            raise DuplicateError(
                f"a user group named {group.name!r} exists already", field="name", value=group.name
            )
        items = list(self._groups.values())
        items.insert(len(items) if position is None else position, group)
        self._groups = {g.name: g for g in items}
        return group

    def update_group(self, name: str, /, **changes: Any) -> UserGroup:
        """Change a group's fields; renaming it updates its members.

        Raises:
            NotFoundError: No such group.
            DuplicateError: The new name is taken.
        """
        old = self.group(name)
        try:
            new = attrs.evolve(old, **changes)
        except TypeError as exc:
            raise InvalidValueError(f"cannot change group {name!r}: {exc}", group=name) from exc
        if new.name != name and new.name in self._groups:
            raise DuplicateError(
                f"cannot rename group {name!r}: a group named {new.name!r} exists already",
                field="name",
                value=new.name,
            )
        self._groups = {
            (new.name if k == name else k): (new if k == name else g)
            for k, g in self._groups.items()
        }
        if new.name != name:
            for user in list(self._users.values()):
                if name in user.groups:
                    groups = tuple(new.name if g == name else g for g in user.groups)
                    self._users[user.username] = attrs.evolve(user, groups=groups)
            for item in self.parts():
                item.rename_group(name, new.name)
        return new

    def move_group(self, name: str, position: int) -> None:
        """Move a group to ``position`` in the priority order (0 = highest)."""
        group = self.group(name)
        items = [g for g in self._groups.values() if g.name != name]
        items.insert(position, group)
        self._groups = {g.name: g for g in items}

    def remove_group(self, name: str) -> UserGroup:
        """Delete a group and every membership of it.

        Raises:
            NotFoundError: No such group.
        """
        group = self.group(name)
        del self._groups[name]
        for user in list(self._users.values()):
            if name in user.groups:
                groups = tuple(g for g in user.groups if g != name)
                self._users[user.username] = attrs.evolve(user, groups=groups)
        for item in self.parts():
            item.forget_group(name)
        return group

    def members(self, group: str) -> UserList:
        """The users that are members of ``group`` (the portal's "List users")."""
        self.group(group)
        return UserList(u for u in self._users.values() if group in u.groups)

    def import_users(self, data: bytes | str, **options: Any) -> UserImportReport:
        """Create or update users from a CSV file, with a row-by-row report.

        See :func:`cloudtel.onboarding.import_users` for the columns and the options
        (``keep_valid``, ``assign_numbers``, ``welcome``, ``transports``, ``source`` …).

        Returns:
            UserImportReport: What was imported, or why nothing was.
        """
        return import_users(self, data, **options)

    def roles_of(self, username: str) -> tuple[GroupRole, ...]:
        """The roles a user has through their groups (Schedules admin, ACD Supervisor, …).

        Raises:
            NotFoundError: No such user.
        """
        return roles_of(self.groups_of(username))

    def groups_of(self, username: str) -> tuple[UserGroup, ...]:
        """The groups of a user, highest priority first."""
        mine = set(self.user(username).groups)
        return tuple(g for g in self._groups.values() if g.name in mine)

    def add_member(self, username: str, group: str) -> User:
        """Make a user a member of a group (no change when they are already)."""
        self.group(group)
        user = self.user(username)
        if group in user.groups:
            return user
        return self.update_user(username, groups=(*user.groups, group))

    def remove_member(self, username: str, group: str) -> User:
        """Take a user out of a group (no change when they are not in it)."""
        self.group(group)
        user = self.user(username)
        return self.update_user(username, groups=tuple(g for g in user.groups if g != group))

    # --- users ---------------------------------------------------------------

    @property
    def users(self) -> UserList:
        """All users, in the order they were added, keyed by username (any case)."""
        return UserList(self._users.values())

    def user(self, username: str) -> User:
        """The user with this username (case-insensitive).

        Raises:
            NotFoundError: No such user.
        """
        try:
            return self._users[username.strip().lower()]
        except (KeyError, AttributeError):
            raise NotFoundError(
                f"no user {username!r} in organisation {self.name!r}",
                kind="user",
                name=username,
            ) from None

    def has_user(self, username: str) -> bool:
        """Whether a user with this username exists."""
        return isinstance(username, str) and username.strip().lower() in self._users

    def add_user(self, user: User) -> User:
        """Add a user after checking every invariant.

        Raises:
            DuplicateError: The username or one of the lines is taken.
            NotFoundError: One of the user's groups does not exist.
            NumberNotAvailableError: A line is outside the organisation's ranges.
        """
        if user.username in self._users:
            raise DuplicateError(
                f"a user with username {user.username!r} exists already",
                field="username",
                value=user.username,
            )
        self._check_user(user, previous=None)
        user = self._complete_mobiles(user)
        self._users[user.username] = user
        self._hold(user)
        return user

    def update_user(self, username: str, /, **changes: Any) -> User:
        """Change a user's fields (``attrs.evolve``), checking every invariant.

        Example: ``org.update_user("demo.user@orange.be", primary_line="+3227811605")``.

        Raises:
            NotFoundError: No such user, or a group that does not exist.
            DuplicateError: A line or new username is taken.
            NumberNotAvailableError: A line is outside the organisation's ranges.
        """
        old = self.user(username)
        try:
            new = attrs.evolve(old, **changes)
        except TypeError as exc:
            raise InvalidValueError(
                f"cannot change user {old.username!r}: {exc}", user=old.username
            ) from exc
        if new.username != old.username and new.username in self._users:
            raise DuplicateError(
                f"cannot rename {old.username!r}: username {new.username!r} is taken",
                field="username",
                value=new.username,
            )
        self._check_user(new, previous=old)
        new = self._complete_mobiles(new)
        self._release(old)
        if new.username == old.username:
            self._users[old.username] = new
        else:  # keep the user's place in the list
            self._users = {
                (new.username if k == old.username else k): (new if k == old.username else u)
                for k, u in self._users.items()
            }
        self._hold(new)
        if new.username != old.username:
            for item in self.parts():
                item.rename_user(old.username, new.username)
        for item in self.parts():
            item.user_changed(new.username)
        return new

    def remove_user(self, username: str) -> User:
        """Delete a user, freeing their numbers; parts forget them too.

        References that parts clean up themselves (an extension key watching the
        user) go with the user; one that would be left dangling (a schedule
        forwarding calls to the user) refuses the deletion.

        Raises:
            NotFoundError: No such user.
            ReferencedError: Something still routes calls to the user; lists what.
        """
        user = self.user(username)
        self.check_unreferenced("user", user.username)
        del self._users[user.username]
        self._release(user)
        for item in self.parts():
            item.forget_user(user.username)
        return user

    def resolve_settings(self, username: str) -> dict[str, ResolvedSetting]:
        """Every setting of a user with where its value came from.

        The user's own value wins, then their groups in priority order, then the
        organisation, then the built-in default.
        """
        return self._resolve(self.user(username))

    def _resolve(self, user: User) -> dict[str, ResolvedSetting]:
        return resolve_settings(user, self._groups_of(user), self._org_settings())

    def _org_settings(self) -> Settings:
        """The organisation's settings with its language and time zone filled in."""
        return _org_level(self.settings, self.language, self.time_zone)

    def _groups_of(self, user: User) -> list[UserGroup]:
        mine = set(user.groups)
        return [g for g in self._groups.values() if g.name in mine]

    def _complete_mobiles(self, user: User) -> User:
        """The user with every mobile's unset profile and options filled in."""
        incomplete = [
            m
            for m in user.mobile_phones
            if None in (m.profile, m.client_licence, m.full_caller_id, m.pbx_integration)
        ]
        if not incomplete:
            return user
        resolved = _resolved(user.settings, self._groups_of(user), self._org_settings())
        mobiles = tuple(m.completed(resolved) for m in user.mobile_phones)
        if type(user) is not User:  # a subclass may check more: the plain way
            return attrs.evolve(user, mobile_phones=mobiles)
        # attrs.evolve would convert and check every field of the user again, each
        # already converted and checked (the converters give back what they are given);
        # the new mobiles are checked, and the user's own checks do not look at them
        return _replaced(user, mobile_phones=mobiles)

    def find_users(
        self,
        search: str = "",
        *,
        group: str | None = None,
        sort: str = "username",
        descending: bool = False,
        page: int = 1,
        page_size: int = 25,
    ) -> UserPage:
        """Find users the way the portal lists them.

        Args:
            search (str): A part of the username, first or last name (case-insensitive).
            group (str | None): Only members of this group.
            sort (str): One of :data:`SORT_COLUMNS`.
            descending (bool): Reverse the order.
            page (int): Page number, from 1.
            page_size (int): Users per page.

        Raises:
            InvalidValueError: An unknown sort column or a page number below 1.
            NotFoundError: An unknown group.
        """
        if sort not in SORT_COLUMNS:
            raise InvalidValueError(
                f"cannot sort users by {sort!r}; columns are: {', '.join(SORT_COLUMNS)}",
                field="sort",
                value=sort,
            )
        if page < 1 or page_size < 1:
            raise InvalidValueError(
                f"page and page size start at 1 (got page {page}, size {page_size})",
                field="page",
                value=page,
            )
        if group is not None:
            self.group(group)
        needle = search.strip().casefold()
        found = [
            u
            for u in self._users.values()
            if (group is None or group in u.groups)
            and (
                not needle
                or needle in u.username
                or needle in u.first_name.casefold()
                or needle in u.last_name.casefold()
            )
        ]

        def key(user: User) -> tuple[str, str]:
            value = getattr(user, sort)
            text = "" if value is None else str(value)
            return (text.casefold(), user.username)

        found.sort(key=key, reverse=descending)
        start = (page - 1) * page_size
        return UserPage(tuple(found[start : start + page_size]), page, page_size, len(found))

    # --- numbers -------------------------------------------------------------

    def holder_of(self, number: PhoneNumber | str) -> str | None:
        """Who holds this number of the ranges (a user or a function number), if anyone."""
        return self._holder(PhoneNumber.parse(number, self.country).e164)

    def _holder(self, e164: str) -> str | None:
        """``_all_holders().get(e164)`` without copying the users' lines (parts win)."""
        holder = self._part_holders().get(e164)
        return self._holders.get(e164) if holder is None else holder

    def in_ranges(self, number: PhoneNumber) -> bool:
        """Whether the number is inside one of the organisation's number ranges."""
        if not isinstance(number, PhoneNumber):
            return False
        e164 = number.e164
        size = len(e164)
        # NumberRange.__contains__ of each range, its ends' texts read once per ranges
        return any(
            size == width and first <= e164 <= last
            for width, first, last in _bounds(self.number_ranges)
        )

    def available_numbers(self) -> Iterator[PhoneNumber]:
        """The numbers of the ranges that no line, alias or function number holds."""
        held = self._all_holders()
        for number_range in self.number_ranges:
            for number in number_range:
                if number.e164 not in held:
                    yield number

    def check_line_number(self, number: PhoneNumber, holder: str, *, field: str) -> None:
        """Check that ``number`` can be given to ``holder`` as a line.

        Parts that hold numbers (function numbers) call this before taking one.

        Raises:
            NumberNotAvailableError: Outside the ranges or held by someone else.
        """
        if not self.in_ranges(number):
            ranges = ", ".join(str(r) for r in self.number_ranges) or "none"
            raise NumberNotAvailableError(
                f"{field} {number.e164} of {holder} is not in the organisation's number "
                f"ranges ({ranges})",
                field=field,
                value=number.e164,
            )
        current = self._holder(number.e164)
        if current is not None and current != holder:
            raise NumberNotAvailableError(
                f"{field} {number.e164} of {holder} is held already by {current}",
                field=field,
                value=number.e164,
            )

    def _all_holders(self) -> dict[str, str]:
        holders = dict(self._holders)
        holders.update(self._part_holders())
        return holders

    @contextlib.contextmanager
    def _while_parts_are_still(self) -> Iterator[None]:
        """Read the parts' held numbers once for many user changes that leave the parts
        alone (loading a file's users): else every user check would ask every part again,
        and a load would grow with users × function numbers."""
        self._parts_still = self._part_holders()
        try:
            yield
        finally:
            self._parts_still = None

    def _part_holders(self) -> dict[str, str]:
        if self._parts_still is not None:
            return self._parts_still
        holders: dict[str, str] = {}
        for item in self.parts():
            if item._org is not self:
                continue  # still being built
            for number, holder in item.held_numbers():
                holders.setdefault(number.e164, holder)
        return holders

    def _check_user(self, user: User, previous: User | None) -> None:
        for name in user.groups:
            if name not in self._groups:
                raise NotFoundError(
                    f"user {user.username!r} is in group {name!r}, which does not exist; "
                    f"groups are: {', '.join(self._groups) or 'none'}",
                    field="groups",
                    value=name,
                )
        own = set() if previous is None else {n.e164 for n in previous.lines}
        lines = list(self._lines(user))
        part_holders = self._part_holders() if lines else {}
        seen: set[str] = set()
        for field, number in lines:
            if number.e164 in seen:
                raise DuplicateError(
                    f"{field} {number.e164} of user {user.username!r} is listed twice",
                    field=field,
                    value=number.e164,
                )
            seen.add(number.e164)
            if not self.in_ranges(number):
                ranges = ", ".join(str(r) for r in self.number_ranges) or "none"
                raise NumberNotAvailableError(
                    f"{field} {number.e164} of user {user.username!r} is not in the "
                    f"organisation's number ranges ({ranges}); mobile numbers go in mobile_phones",
                    field=field,
                    value=number.e164,
                )
            holder = self._holders.get(number.e164) or part_holders.get(number.e164)
            if holder is not None and number.e164 not in own:
                raise NumberNotAvailableError(
                    f"{field} {number.e164} of user {user.username!r} is held already by {holder}",
                    field=field,
                    value=number.e164,
                )
        self._check_mobiles(user, previous)

    def _check_mobiles(self, user: User, previous: User | None) -> None:
        mine = {user.username} | (set() if previous is None else {previous.username})
        seen: set[str] = set()
        for index, mobile in enumerate(user.mobile_phones):
            field = f"mobile_phones[{index}]"
            e164 = mobile.number.e164
            if e164 in seen:
                raise DuplicateError(
                    f"{field} {e164} of user {user.username!r} is listed twice",
                    field=field,
                    value=e164,
                )
            seen.add(e164)
            if self.in_ranges(mobile.number):
                holder = self._all_holders().get(e164)
                whose = f"held by {holder}" if holder is not None else "a free number"
                raise NumberNotAvailableError(
                    f"{field} {e164} of user {user.username!r} is an office line of the "
                    f"organisation ({whose}), not a mobile; a mobile phone is the user's own "
                    "mobile number, an office line goes in primary_line or aliases",
                    field=field,
                    value=e164,
                )
            owner = self._mobiles.get(e164)
            if owner is not None and owner not in mine:
                raise DuplicateError(
                    f"{field} {e164} of user {user.username!r} is the mobile of user "
                    f"{owner!r} already; a mobile number belongs to one user (users log in "
                    "with it and get their password reset by SMS on it)",
                    field=field,
                    value=e164,
                )

    @staticmethod
    def _lines(user: User) -> Iterator[tuple[str, PhoneNumber]]:
        if user.primary_line is not None:
            yield "primary_line", user.primary_line
        for index, alias in enumerate(user.aliases):
            yield f"aliases[{index}]", alias

    def _hold(self, user: User) -> None:
        for _field, number in self._lines(user):
            self._holders[number.e164] = f"user {user.username}"
        for mobile in user.mobile_phones:
            self._mobiles[mobile.number.e164] = user.username

    def _release(self, user: User) -> None:
        for _field, number in self._lines(user):
            self._holders.pop(number.e164, None)
        for mobile in user.mobile_phones:
            if self._mobiles.get(mobile.number.e164) == user.username:
                del self._mobiles[mobile.number.e164]

    # --- comparison ----------------------------------------------------------

    def _key(self) -> tuple[object, ...]:
        header = tuple(
            getattr(self, f.name)
            for f in attrs.fields(type(self))
            if f.init and f.eq and not f.metadata.get("part")
        )
        return (header, list(self._groups.values()), list(self._users.values()), self.parts())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Organization):
            return NotImplemented
        return self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"<Organization {self.name!r} ({self.domain}): {len(self._groups)} groups, "
            f"{len(self._users)} users>"
        )

    def diff(self, other: Organization, *, now: datetime | None = None) -> ChangeSet:
        """The changes that turn this organisation into ``other`` (see :mod:`cloudtel.changes`).

        Args:
            other (Organization): The state after.
            now (datetime | None): Start of the 7 days in which schedule outcomes are
                compared (aware); by default the current time.
        """
        return diff(self, other, now=now)

    def summary(self) -> dict[str, object]:
        """The organisation at a glance: its header fields and how many of each thing it has."""
        return {
            "name": self.name,
            "domain": self.domain,
            "country": self.country,
            "language": self.language,
            "time zone": self.time_zone,
            "number ranges": ", ".join(str(r) for r in self.number_ranges),
            "main number": None if self.main_number is None else self.main_number.international,
            "user groups": len(self._groups),
            "users": len(self._users),
            "phones": len(self.phones),
            "function numbers": len(self.functions),
            "voice prompts": len(self.prompts),
            "contacts": sum(len(self.contacts.at(scope)) for scope in self.contacts.scopes()),
        }

    def __str__(self) -> str:
        counts = self.summary()
        return (
            f"{self.name} ({self.domain}): {counts['user groups']} groups, {counts['users']} "
            f"users, {counts['phones']} phones, {counts['function numbers']} function numbers, "
            f"{counts['voice prompts']} prompts"
        )

    def _repr_html_(self) -> str:
        return _html.fields(f"Organisation {self.name}", self.summary())

    def source_folder(self) -> Path | None:
        """The folder of the file this organisation was loaded from, if any."""
        return None if self._source is None else Path(self._source[0]).parent


_BOUNDS: dict[int, tuple[tuple[NumberRange, ...], tuple[tuple[int, str, str], ...]]] = {}


def _bounds(ranges: tuple[NumberRange, ...]) -> tuple[tuple[int, str, str], ...]:
    """(length, first, last) of the E.164 texts of each of ``ranges``, remembered by the
    identity of the (immutable) tuple, which its entry keeps alive."""
    found = _BOUNDS.get(id(ranges))
    if found is not None and found[0] is ranges:
        return found[1]
    if len(_BOUNDS) >= 256:
        _BOUNDS.clear()
    bounds = tuple((len(r.first.e164), r.first.e164, r.last.e164) for r in ranges)
    _BOUNDS[id(ranges)] = (ranges, bounds)
    return bounds


@functools.lru_cache(maxsize=64)
def _org_level(settings: Settings, language: str, time_zone: str) -> Settings:
    """``settings`` with ``language`` and ``time_zone`` where it sets none (immutable,
    so one value serves every user of a load)."""
    return attrs.evolve(
        settings, language=settings.language or language, time_zone=settings.time_zone or time_zone
    )


_RESOLVED: dict[tuple[int, ...], tuple[tuple[object, ...], dict[str, ResolvedSetting]]] = {}
"""Settings resolved for a user's own settings, groups and the organisation's settings,
keyed by the identities of those immutable values (each entry keeps them alive, so an
identity is not reused while its entry exists)."""


def _resolved(
    own: Settings, groups: list[UserGroup], organization: Settings
) -> dict[str, ResolvedSetting]:
    """:func:`resolve_settings` of a user with these settings and groups, remembered:
    the users of a file share a few combinations. Read it, do not change it."""
    anchors = (own, organization, *groups)
    key = tuple(map(id, anchors))
    found = _RESOLVED.get(key)
    if found is not None:
        return found[1]
    if len(_RESOLVED) >= 1024:
        _RESOLVED.clear()
    resolved = _resolve_levels(own, groups, organization)
    _RESOLVED[key] = (anchors, resolved)
    return resolved


def snapshot(org: Organization) -> Organization:
    """A copy of ``org`` that its later changes do not reach, made in O(users).

    Users, groups and the parts' values are immutable; the containers holding them
    (the organisation's dicts, the parts' dicts and lists) are copied, the parts'
    caches and pending state start empty. :func:`cloudtel.save` keeps one of the
    organisation as loaded, the base of its change set and of a merge.
    """
    clone: Organization = _shallow(org, reset_private=False)
    object.__setattr__(clone, "_base_org", None)
    for name in org.part_names():
        copied = _shallow(getattr(org, name), reset_private=True)
        object.__setattr__(copied, "_org", clone)
        object.__setattr__(clone, name, copied)
    return clone


def _shallow(obj: Any, *, reset_private: bool) -> Any:
    new = object.__new__(type(obj))
    for field in attrs.fields(type(obj)):
        value = getattr(obj, field.name)
        default: Any = field.default
        if (
            reset_private
            and not field.init
            and isinstance(default, attrs.Factory)  # type: ignore[arg-type]
            and not default.takes_self
        ):
            value = default.factory()
        elif isinstance(value, dict | list | set):
            value = copy.copy(value)
        object.__setattr__(new, field.name, value)
    return new
