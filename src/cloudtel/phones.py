"""The SIP desk phones of an organisation: the :class:`Phones` part of the org file.

The device model (MAC addresses, phone models, key positions, key kinds, layouts and
what a driver renders) is in :mod:`cloudtel.devices`; this module holds the
collection of :class:`~cloudtel.devices.SipPhone` of one organisation and its
invariants.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import attrs

from cloudtel._keyed import Keyed, unknown_key
from cloudtel._part import Part, Reference
from cloudtel.devices import (
    ExtensionKey,
    Key,
    KeyLayout,
    KeyPosition,
    MacAddress,
    SipPhone,
    check_layout,
    normalize_search,
)
from cloudtel.errors import (
    CloudtelError,
    DriverNotFoundError,
    DuplicateError,
    NotFoundError,
    Problem,
    UnknownKeyError,
)

__all__ = ["Phones"]


def _phone_tuple(values: Iterable[SipPhone]) -> tuple[SipPhone, ...]:
    return tuple(values)


@attrs.define(repr=False)
class Phones(Keyed[SipPhone], Part):
    """The SIP desk phones of an organisation (saved under ``phones`` in the org file).

    Keyed by MAC address in any notation (see :class:`~cloudtel.Keyed`):
    ``org.phones["08:00:0f:bb:ad:78"]``, ``"08000FBBAD78" in org.phones``; ``org.phones[0]``
    is the first phone. In Jupyter the phones show as a table.

    Invariants, checked on every change: MAC addresses are unique, the assigned user
    exists, every extension key names an existing user, and the layout fits the phone's
    model (when the family's driver is installed; otherwise the phone is checked when
    it is provisioned).

    Args:
        phones (tuple[SipPhone, ...]): The phones, in the order they were added.
    """

    phones: tuple[SipPhone, ...] = attrs.field(default=(), converter=_phone_tuple)

    def __iter__(self) -> Iterator[SipPhone]:
        return iter(self.phones)

    def __len__(self) -> int:
        return len(self.phones)

    _columns = (
        "mac",
        "family",
        "model",
        "user",
        "description",
        "free_seating",
        "expansion_modules",
        "keys",
        "ip_address",
        "firmware",
    )
    _noun = "phone"

    def _items(self) -> tuple[SipPhone, ...]:
        return self.phones

    def _lookup(self, key: Any) -> SipPhone | None:
        wanted = MacAddress.parse(key)
        for phone in self.phones:
            if phone.mac == wanted:
                return phone
        return None

    def _unknown(self, key: Any, *, shown: str | None = None) -> UnknownKeyError:
        name = MacAddress.parse(key).upper
        keys = self.keys()
        return unknown_key("phone", name, keys, shown=f"with MAC address {name}", listed=keys)

    def _key(self, item: SipPhone) -> str:
        return item.name

    def _row(self, item: SipPhone) -> dict[str, object]:
        return item.to_record()

    def __repr__(self) -> str:
        return f"<Phones: {self}>"

    def find(self, mac: MacAddress | str) -> SipPhone:
        """The phone with this MAC address (any notation); ``org.phones[mac]`` too.

        :meth:`~cloudtel.Keyed.get` gives ``None`` instead of raising.

        Raises:
            UnknownKeyError: When there is no such phone (a :class:`KeyError`, and a
                :class:`~cloudtel.NotFoundError`); names the closest MAC address.
            InvalidValueError: When ``mac`` is not a MAC address.
        """
        return self._find(mac)

    def of_user(self, username: str) -> tuple[SipPhone, ...]:
        """The phones assigned to ``username``."""
        name = username.strip().lower()
        return tuple(p for p in self.phones if p.user == name)

    def add(self, phone: SipPhone) -> SipPhone:
        """Add a phone.

        Raises:
            DuplicateError: When a phone with that MAC address exists.
            NotFoundError: When the assigned user or an extension key's user does not exist,
                or the driver has no such model.
            KeyLayoutError: When a key does not fit the model.
            DriverNotFoundError: When no driver for the phone's family is installed.
        """
        if any(p.mac == phone.mac for p in self.phones):
            raise DuplicateError(
                f"a phone with MAC address {phone.name} exists already",
                field="mac",
                value=phone.name,
            )
        self._check(phone, strict=True)
        self.phones = (*self.phones, phone)
        return phone

    def update(self, mac: MacAddress | str, /, **changes: Any) -> SipPhone:
        """Change a phone's fields (``attrs.evolve``), checking every invariant.

        Example: ``org.phones.update("08000FBBAD78", user="steven.lathouwers@orange.be")``;
        ``org.phones.update("08000FBBAD78", mac="08000F000001")`` moves the phone's
        settings to a new MAC address.

        Raises:
            NotFoundError: No such phone, user or model.
            DuplicateError: The new MAC address is taken.
            KeyLayoutError: A key does not fit the model.
        """
        old = self.find(mac)
        new = attrs.evolve(old, **changes)
        if new.mac != old.mac and any(p.mac == new.mac for p in self.phones):
            raise DuplicateError(
                f"cannot change MAC address {old.name} to {new.name}: that phone exists already",
                field="mac",
                value=new.name,
            )
        self._check(new, strict=True)
        self.phones = tuple(new if p.mac == old.mac else p for p in self.phones)
        return new

    def set_key(self, mac: MacAddress | str, position: KeyPosition | str, key: Key) -> SipPhone:
        """Program one key (an :class:`EmptyKey` clears it), as the portal's key editor.

        Raises:
            NotFoundError: No such phone, or the extension key's user does not exist.
            KeyLayoutError: The position does not exist on the phone's model.
        """
        phone = self.find(mac)
        return self.update(phone.mac, layout=phone.layout.with_key(position, key))

    def remove(self, mac: MacAddress | str) -> SipPhone:
        """Delete a phone.

        Raises:
            NotFoundError: No such phone.
        """
        phone = self.find(mac)
        self.phones = tuple(p for p in self.phones if p.mac != phone.mac)
        return phone

    def search_users(self, text: str, *, limit: int = 20) -> tuple[Any, ...]:
        """Users whose name or username contains every word of ``text``.

        The portal's magnifying glass for extension keys: case and accents do not
        matter (``"andre"`` finds André De Sutter).

        Args:
            text: What was typed, e.g. ``"an"`` or ``"de sutter"``.
            limit: At most this many users.

        Returns:
            Matching users (:class:`~cloudtel.User`), sorted by display name.
        """
        words = normalize_search(text).split()
        found = []
        for user in self.org.users:
            haystack = normalize_search(f"{user.first_name} {user.last_name} {user.username}")
            if all(word in haystack for word in words):
                found.append(user)
        found.sort(key=lambda u: (normalize_search(u.display_name), u.username))
        return tuple(found[:limit])

    # --- Part hooks ----------------------------------------------------------

    def references(self) -> Iterator[Reference]:
        """Users that extension keys refer to (kind ``"user"``)."""
        for phone in self.phones:
            for position, key in phone.layout.items():
                if isinstance(key, ExtensionKey):
                    yield Reference(
                        kind="user",
                        name=key.username,
                        referrer=f"extension key {position} of phone {phone.name}",
                        blocks_deletion=False,
                    )

    def forget_user(self, username: str) -> None:
        """Unassign the user's phones and clear extension keys that watch them."""
        self.phones = tuple(self._renamed(p, username, None) for p in self.phones)

    def rename_user(self, old: str, new: str) -> None:
        """Follow a username change in assignments and extension keys."""
        self.phones = tuple(self._renamed(p, old, new) for p in self.phones)

    @staticmethod
    def _renamed(phone: SipPhone, old: str, new: str | None) -> SipPhone:
        user = new if phone.user == old else phone.user
        keys: list[tuple[KeyPosition, Key]] = []
        for position, key in phone.layout.items():
            if isinstance(key, ExtensionKey) and key.username == old:
                if new is not None:
                    keys.append((position, ExtensionKey(username=new)))
            else:
                keys.append((position, key))
        layout = KeyLayout(keys)
        if user == phone.user and layout == phone.layout:
            return phone
        return attrs.evolve(phone, user=user, layout=layout)

    def problems(self) -> Iterator[Problem]:
        """Duplicate MACs, unknown users, and keys that do not fit the model."""
        seen: set[MacAddress] = set()
        for index, phone in enumerate(self.phones):
            path = f"phones.phones[{index}]"
            if phone.mac in seen:
                yield Problem(f"{path}.mac", f"MAC address {phone.name} is used by two phones")
            seen.add(phone.mac)
            try:
                self._check(phone, strict=False)
            except CloudtelError as exc:
                field = exc.context.get("field", "")
                yield Problem(f"{path}.{field}" if field else path, exc.message)

    def _check(self, phone: SipPhone, *, strict: bool) -> None:
        org = self.org
        if phone.user is not None:
            org.user(phone.user)
        for position, key in phone.layout.items():
            if isinstance(key, ExtensionKey):
                try:
                    org.user(key.username)
                except NotFoundError:
                    raise NotFoundError(
                        f"phone {phone.name}: extension key {position} names user "
                        f"{key.username!r}, who does not exist",
                        field="layout",
                        phone=phone.name,
                        position=str(position),
                        value=key.username,
                    ) from None
        try:
            model = org.services.find_model(phone.family, phone.model)
        except DriverNotFoundError:
            if strict:
                raise
            return
        check_layout(phone.layout, model, phone=phone.name, modules=phone.expansion_modules)
