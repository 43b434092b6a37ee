"""Hypothesis strategies for cloudtel's domain: numbers, users, groups, whole organisations.

Import them in tests as ``from tests.strategies import organizations`` (``tests/conftest.py``
puts the checkout on ``sys.path``).

Extension point for parts
-------------------------
:func:`organizations` builds the header, the user groups and the users, and then
calls every *part builder* registered with :func:`part_builder`, in registration
order, on the organisation it has built so far. A builder fills its part through
the part's own editing methods, so the part's invariants are checked as they would
be in use, and it may draw from the organisation's free numbers, users and groups::

    @part_builder("contacts")
    def _contacts(draw: st.DrawFn, org: Organization) -> None:
        for _ in range(draw(st.integers(0, 3))):
            org.contacts.add(draw(contacts()))

    @part_builder("functions")  # registered after "prompts": may refer to prompts
    def _functions(draw: st.DrawFn, org: Organization) -> None:
        number = draw(free_numbers(org))  # a number of the ranges nobody holds
        ...

Add your builder (and the strategies for your part's values) in the section
"parts" at the end of this file. Keep drawn sizes small: the round-trip
properties generate a hundred organisations per test.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Sequence
from typing import cast

import phonenumbers
from hypothesis import strategies as st

from cloudtel import (
    MobilePhone,
    NumberRange,
    Organization,
    PhoneNumber,
    Settings,
    User,
    UserGroup,
    Visibility,
)

__all__ = [
    "BELGIAN_RANGES",
    "LANGUAGES",
    "MOBILE_REGIONS",
    "PART_BUILDERS",
    "TIME_ZONES",
    "free_numbers",
    "group_names",
    "line_texts",
    "mobile_numbers",
    "mobile_phones",
    "number_ranges",
    "numbers_in",
    "organizations",
    "part_builder",
    "phone_numbers",
    "settings",
    "user_groups",
    "usernames",
    "users",
]

BELGIAN_RANGES: tuple[NumberRange, ...] = (
    NumberRange.parse("+3227811600-+3227811699"),
    NumberRange.parse("+3292470680-+3292470689"),
    NumberRange.parse("+3233001000-+3233001049"),
    NumberRange.parse("+3216200000-+3216200019"),
)
"""Non-overlapping ranges of valid Belgian geographic numbers (02, 09, 03, 016)."""

MOBILE_REGIONS: tuple[str, ...] = (
    "BE", "NL", "FR", "DE", "GB", "LU", "CH", "ES", "IT", "PL", "TR", "MA",
    "US", "CA", "BR", "ZA", "IN", "CN", "JP", "AU",
)  # fmt: skip
"""Countries whose mobile numbers :func:`mobile_numbers` draws."""

LANGUAGES: tuple[str, ...] = ("nl", "fr", "en", "de", "nl-BE", "fr-BE")
TIME_ZONES: tuple[str, ...] = (
    "Europe/Brussels",
    "Europe/Amsterdam",
    "Europe/London",
    "America/New_York",
    "Asia/Tokyo",
    "UTC",
)


# --- numbers -----------------------------------------------------------------


def numbers_in(number_range: NumberRange) -> st.SearchStrategy[PhoneNumber]:
    """Any number of ``number_range``."""
    first = int(number_range.first.e164[1:])
    last = int(number_range.last.e164[1:])
    width = len(number_range.first.e164) - 1
    return st.integers(first, last).map(lambda n: PhoneNumber(f"+{n:0{width}d}"))


def _mobile(region: str, tail: int) -> PhoneNumber | None:
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    digits = str(example.national_number)
    varied = digits[:-4] + f"{tail:04d}"
    candidate = phonenumbers.parse(f"+{example.country_code}{varied}")
    if not phonenumbers.is_valid_number(candidate):
        return None
    return PhoneNumber(phonenumbers.format_number(candidate, phonenumbers.PhoneNumberFormat.E164))


def mobile_numbers(regions: Sequence[str] = MOBILE_REGIONS) -> st.SearchStrategy[PhoneNumber]:
    """Valid mobile numbers of the given countries (the numbering plan's example, varied)."""
    drawn = st.tuples(st.sampled_from(regions), st.integers(0, 9999)).map(
        lambda args: _mobile(*args)
    )
    return cast(st.SearchStrategy[PhoneNumber], drawn.filter(lambda n: n is not None))


def phone_numbers() -> st.SearchStrategy[PhoneNumber]:
    """Any valid number: Belgian geographic numbers of the ranges or mobiles anywhere."""
    return st.one_of(*(numbers_in(r) for r in BELGIAN_RANGES), mobile_numbers())


def number_ranges() -> st.SearchStrategy[NumberRange]:
    """Ranges inside the Belgian ranges above (all their numbers are valid)."""

    def inside(outer: NumberRange) -> st.SearchStrategy[NumberRange]:
        return st.tuples(numbers_in(outer), numbers_in(outer)).map(
            lambda ends: NumberRange(min(ends), max(ends))
        )

    return st.sampled_from(BELGIAN_RANGES).flatmap(inside)


# --- text, users and groups ----------------------------------------------------


def line_texts(max_size: int = 16) -> st.SearchStrategy[str]:
    """One line of text: any character but line breaks, NUL and lone surrogates."""
    return st.text(
        st.characters(exclude_categories=("Cs",), exclude_characters="\r\n\x00"),
        max_size=max_size,
    )


_LOCAL_FIRST = string.ascii_lowercase + string.digits
_LOCAL_REST = _LOCAL_FIRST + "._-+'"


def usernames(domain: str = "orange.be") -> st.SearchStrategy[str]:
    """E-mail-like usernames in ``domain``, as stored (lower case)."""
    return st.builds(
        lambda first, rest: f"{first}{rest}@{domain}",
        st.sampled_from(_LOCAL_FIRST),
        st.text(_LOCAL_REST, max_size=10),
    )


def settings() -> st.SearchStrategy[Settings]:
    """Settings with any subset of the fields set."""
    return st.builds(
        Settings,
        language=st.none() | st.sampled_from(LANGUAGES),
        time_zone=st.none() | st.sampled_from(TIME_ZONES),
        cost_centre=st.none() | line_texts(8),
        directory_visibility=st.none() | st.sampled_from(Visibility),
        softphone=st.none() | st.booleans(),
        mobile_profile=st.none() | st.sampled_from(("Standard", "Advanced", "Twinning")),
    )


def group_names() -> st.SearchStrategy[str]:
    """Group names as stored: non-empty, one line, no surrounding blanks."""
    return line_texts(12).map(str.strip).filter(bool)


def user_groups(names: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[UserGroup]:
    """User groups with a description and settings."""
    return st.builds(
        UserGroup,
        name=group_names() if names is None else names,
        description=line_texts(),
        settings=settings(),
    )


def mobile_phones() -> st.SearchStrategy[MobilePhone]:
    """Mobile phones of any country with a profile."""
    return st.builds(
        MobilePhone,
        number=mobile_numbers(),
        profile=st.sampled_from(("Standard", "Advanced", "Twinning")),
    )


def _emails() -> st.SearchStrategy[str]:
    return st.just("") | usernames("example.com")


@st.composite
def users(
    draw: st.DrawFn,
    *,
    username: st.SearchStrategy[str] | None = None,
    groups: Sequence[str] = (),
    lines: Sequence[PhoneNumber] = (),
) -> User:
    """A user with every field of the user page.

    Args:
        username: Usernames to draw from (default :func:`usernames`).
        groups: Group names the user may be a member of (in a drawn order).
        lines: The user's personal lines: the first is the primary line, the rest aliases.
    """
    return User(
        username=draw(usernames() if username is None else username),
        first_name=draw(line_texts()),
        last_name=draw(line_texts()),
        department=draw(line_texts()),
        email=draw(_emails()),
        field_1=draw(line_texts(8)),
        field_2=draw(line_texts(8)),
        field_3=draw(line_texts(8)),
        groups=tuple(draw(st.lists(st.sampled_from(groups), unique=True))) if groups else (),
        primary_line=lines[0] if lines else None,
        aliases=tuple(lines[1:]),
        mobile_phones=tuple(draw(st.lists(mobile_phones(), max_size=2))),
        settings=draw(settings()),
    )


def free_numbers(org: Organization) -> st.SearchStrategy[PhoneNumber]:
    """One of the organisation's available numbers (draw again after giving it away).

    Draws nothing (the example is dropped) when no number is free.
    """
    free = list(org.available_numbers())
    if not free:
        return st.nothing()
    return st.sampled_from(free)


# --- organisations ---------------------------------------------------------------

PartBuilder = Callable[[st.DrawFn, Organization], None]
"""Fills one part of a generated organisation: ``builder(draw, org)``."""

PART_BUILDERS: dict[str, PartBuilder] = {}
"""Part field name → its builder, in registration order (see the module docs)."""


def part_builder(name: str) -> Callable[[PartBuilder], PartBuilder]:
    """Register ``builder(draw, org)`` as the builder of the part field ``name``."""

    def register(builder: PartBuilder) -> PartBuilder:
        PART_BUILDERS[name] = builder
        return builder

    return register


@st.composite
def organizations(
    draw: st.DrawFn,
    *,
    max_groups: int = 5,
    max_users: int = 8,
    parts: bool = True,
) -> Organization:
    """A whole organisation: header, groups, users with memberships, lines, aliases, mobiles.

    Every invariant holds (it is built through the organisation's own methods). With
    ``parts`` the registered part builders fill the parts (see the module docs).
    """
    ranges = draw(st.lists(st.sampled_from(BELGIAN_RANGES), min_size=1, max_size=3, unique=True))
    org = Organization(
        name=draw(line_texts(20).map(str.strip).filter(bool)),
        domain=draw(st.sampled_from(("orange.be", "example.com", "labo.orange.be"))),
        country=draw(st.sampled_from(("BE", "NL", "FR"))),
        language=draw(st.sampled_from(LANGUAGES)),
        time_zone=draw(st.sampled_from(TIME_ZONES)),
        number_ranges=tuple(ranges),
        main_number=draw(st.none() | numbers_in(ranges[0])),
        settings=draw(settings()),
    )
    for group in draw(st.lists(user_groups(), max_size=max_groups, unique_by=lambda g: g.name)):
        org.add_group(group)
    names = [g.name for g in org.groups]
    for username in draw(st.lists(usernames(org.domain), max_size=max_users, unique=True)):
        free = list(org.available_numbers())
        lines = draw(st.lists(st.sampled_from(free), max_size=3, unique=True)) if free else []
        org.add_user(draw(users(username=st.just(username), groups=names, lines=lines)))
    if parts:
        for name, builder in PART_BUILDERS.items():
            if name in org.part_names():
                builder(draw, org)
    return org


# --- parts -------------------------------------------------------------------------
# Register the builders of the parts here (see the module docs), one section per part.
