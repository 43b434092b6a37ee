"""The base of every part of an :class:`~cloudtel.Organization`.

A part is also the extension point for state of your own: subclass :class:`Part`
(an attrs class), declare it with :func:`part` on a subclass of
:class:`~cloudtel.Organization`, and load its files with
``cloudtel.load(path, organization=YourOrganization)`` (see :doc:`/extending`).

It lives apart from :mod:`cloudtel.org` so that the modules defining parts
(contacts, prompts, accounts, …) can subclass :class:`Part` while ``org.py``
imports them to declare its fields, without an import cycle.
:mod:`cloudtel.org` re-exports every name defined here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from cloudtel.errors import InvalidValueError, Problem
from cloudtel.numbers import PhoneNumber

if TYPE_CHECKING:
    from cloudtel.org import Organization

__all__ = ["Blob", "Part", "Reference", "part"]

_P = TypeVar("_P", bound="Part")


@attrs.frozen
class Reference:
    """One object referring to another, e.g. a schedule event to a voice prompt.

    Args:
        kind (str): The kind of the object referred to: ``"prompt"``, ``"user"``,
            ``"group"``, ``"function"`` …
        name (str): Its name (a username for users).
        referrer (str): Who refers to it, in words a user understands.
        blocks_deletion (bool): Whether the object may not be deleted while this
            reference exists (a schedule forwarding to a user). ``False`` for a
            reference the part cleans up itself in ``forget_user`` / ``forget_group``
            (an extension key watching a colleague is cleared).
    """

    kind: str
    name: str
    referrer: str
    blocks_deletion: bool = True


@attrs.frozen
class Blob:
    """A file kept in the organisation's folder beside the org file.

    Args:
        sha256 (str): Hex SHA-256 of the content; checked on load.
        data (bytes | None): The content when it is new or changed and must be
            written on save; ``None`` when it is on disk already.
    """

    sha256: str
    data: bytes | None = attrs.field(default=None, eq=False, repr=False)

    @classmethod
    def of(cls, data: bytes) -> Blob:
        """A blob holding ``data``, with its checksum."""
        return cls(hashlib.sha256(data).hexdigest(), data)


@attrs.define(eq=False)
class Part:
    """The state of one capability inside an :class:`Organization`.

    Subclasses are attrs classes; their init fields are saved in the org file
    under the part's field name (:attr:`key`) by the converters of
    :mod:`cloudtel.serialization`, so their field types must be ones those
    converters know (text, numbers, dates, enums, :class:`~cloudtel.PhoneNumber`,
    tuples and attrs classes of those). The organisation sets :attr:`org`.
    Override the hooks that apply; the defaults do nothing.
    """

    # Typed Any: cattrs resolves every annotation of a part subclass at run time,
    # where Organization (imported for type checking only) is not defined.
    _org: Any = attrs.field(default=None, init=False, repr=False, eq=False)

    @property
    def org(self) -> Organization:
        """The organisation this part belongs to."""
        org: Organization | None = self._org
        if org is None:
            raise InvalidValueError(f"{type(self).__name__} is not part of an organisation")
        return org

    @property
    def key(self) -> str:
        """The part's key in the org file: its field name in the organisation.

        Paths of :meth:`problems` start with it, e.g. ``f"{self.key}.rates[0]"``.
        """
        org = self.org
        for name in org.part_names():
            if getattr(org, name) is self:
                return name
        raise InvalidValueError(f"{type(self).__name__} is not a part of {org!r}")

    def attach(self, org: Organization) -> None:
        """Called by the organisation when the part joins it."""
        self._org = org

    def held_numbers(self) -> Iterable[tuple[PhoneNumber, str]]:
        """Numbers of the organisation's ranges this part holds, with their holder."""
        return ()

    def references(self) -> Iterable[Reference]:
        """Everything this part refers to, so referred objects are not deleted."""
        return ()

    def forget_user(self, username: str) -> None:
        """Called after the user was removed from the organisation."""

    def forget_group(self, name: str) -> None:
        """Called after the group was removed from the organisation."""

    def rename_user(self, old: str, new: str) -> None:
        """Called after a user's username changed from ``old`` to ``new``."""

    def user_changed(self, username: str) -> None:
        """Called after a user's fields changed (after :meth:`rename_user` on a rename)."""

    def rename_group(self, old: str, new: str) -> None:
        """Called after a group was renamed from ``old`` to ``new``."""

    def problems(self) -> Iterable[Problem]:
        """Cross-checks after load and by ``validate``; paths start at :attr:`key`."""
        return ()

    def blobs(self) -> Mapping[str, Blob]:
        """Files kept beside the org file: relative POSIX path → :class:`Blob`."""
        return {}


def part(factory: Callable[[], _P]) -> _P:
    """Declare a part field of :class:`Organization` (created empty by ``factory``).

    In a subclass of :class:`~cloudtel.Organization` this adds a part of your own::

        @attrs.define(eq=False, repr=False)
        class BillingOrganization(cloudtel.Organization):
            billing: Billing = cloudtel.part(Billing)

    The field's name is the part's key in the org file. The field cannot be
    reassigned; change the part through its own methods.
    """
    return attrs.field(
        factory=factory, metadata={"part": True}, on_setattr=attrs.setters.frozen, kw_only=True
    )
