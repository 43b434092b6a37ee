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
from collections.abc import Callable, Collection, Sequence
from functools import cache
from typing import cast

import phonenumbers
from hypothesis import strategies as st

from cloudtel import (
    GroupRole,
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


@cache
def numbers_in(number_range: NumberRange) -> st.SearchStrategy[PhoneNumber]:
    """Any number of ``number_range``."""
    first = int(number_range.first.e164[1:])
    last = int(number_range.last.e164[1:])
    width = len(number_range.first.e164) - 1
    return st.integers(first, last).map(lambda n: PhoneNumber(f"+{n:0{width}d}"))


def _mobile(region: str, tail: int) -> PhoneNumber | None:
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if example is None:
        return None
    digits = str(example.national_number)
    varied = digits[:-4] + f"{tail:04d}"
    candidate = phonenumbers.parse(f"+{example.country_code}{varied}")
    if not phonenumbers.is_valid_number(candidate):
        return None
    return PhoneNumber(phonenumbers.format_number(candidate, phonenumbers.PhoneNumberFormat.E164))


@cache
def mobile_numbers(regions: Sequence[str] = MOBILE_REGIONS) -> st.SearchStrategy[PhoneNumber]:
    """Valid mobile numbers of the given countries (the numbering plan's example, varied)."""
    drawn = st.tuples(st.sampled_from(regions), st.integers(0, 9999)).map(
        lambda args: _mobile(*args)
    )
    return cast(st.SearchStrategy[PhoneNumber], drawn.filter(lambda n: n is not None))


@cache
def phone_numbers() -> st.SearchStrategy[PhoneNumber]:
    """Any valid number: Belgian geographic numbers of the ranges or mobiles anywhere."""
    return st.one_of(*(numbers_in(r) for r in BELGIAN_RANGES), mobile_numbers())


@cache
def number_ranges() -> st.SearchStrategy[NumberRange]:
    """Ranges inside the Belgian ranges above (all their numbers are valid)."""

    def inside(outer: NumberRange) -> st.SearchStrategy[NumberRange]:
        return st.tuples(numbers_in(outer), numbers_in(outer)).map(
            lambda ends: NumberRange(min(ends), max(ends))
        )

    return st.sampled_from(BELGIAN_RANGES).flatmap(inside)


# --- text, users and groups ----------------------------------------------------


@cache
def line_texts(max_size: int = 16) -> st.SearchStrategy[str]:
    """One line of text: any character but control characters, line and paragraph
    separators and lone surrogates (the one text rule of single-line fields)."""
    return st.text(
        st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")),
        max_size=max_size,
    )


_LOCAL_FIRST = string.ascii_lowercase + string.digits
_LOCAL_REST = _LOCAL_FIRST + "._-+'"


@cache
def usernames(domain: str = "orange.be") -> st.SearchStrategy[str]:
    """E-mail-like usernames in ``domain``, as stored (lower case)."""
    return st.builds(
        lambda first, rest: f"{first}{rest}@{domain}",
        st.sampled_from(_LOCAL_FIRST),
        st.text(_LOCAL_REST, max_size=10),
    )


@cache
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
        mobile_client_licence=st.none() | st.booleans(),
        full_caller_id=st.none() | st.booleans(),
        pbx_integration=st.none() | st.booleans(),
    )


@cache
def group_names() -> st.SearchStrategy[str]:
    """Group names as stored: non-empty, one line, no surrounding blanks."""
    return line_texts(12).map(str.strip).filter(bool)


@cache
def user_groups(names: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[UserGroup]:
    """User groups with a description and settings."""
    return st.builds(
        UserGroup,
        name=group_names() if names is None else names,
        description=line_texts(),
        settings=settings(),
        roles=st.lists(st.sampled_from(GroupRole)).map(tuple),
    )


@cache
def mobile_phones() -> st.SearchStrategy[MobilePhone]:
    """Mobile phones of any country with a profile."""
    return st.builds(
        MobilePhone,
        number=mobile_numbers(),
        profile=st.none() | st.sampled_from(("Standard", "Advanced", "Twinning")),
        client_licence=st.none() | st.booleans(),
        full_caller_id=st.none() | st.booleans(),
        pbx_integration=st.none() | st.booleans(),
    )


@cache
def _emails() -> st.SearchStrategy[str]:
    return st.just("") | usernames("example.com")


_MOBILE_LISTS = st.lists(mobile_phones(), max_size=2, unique_by=lambda m: m.number)


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
    name = draw(usernames() if username is None else username)
    return _draw_user(draw, name, groups, lines)


def _draw_user(
    draw: st.DrawFn,
    username: str,
    groups: Sequence[str],
    lines: Sequence[PhoneNumber],
    taken: Collection[PhoneNumber] = (),
) -> User:
    """A user; ``taken`` are mobile numbers of other users (a mobile belongs to one user)."""
    return User(
        username=username,
        first_name=draw(line_texts()),
        last_name=draw(line_texts()),
        department=draw(line_texts()),
        email=draw(_emails()),
        field_1=draw(line_texts(8)),
        field_2=draw(line_texts(8)),
        field_3=draw(line_texts(8)),
        groups=tuple(groups[i] for i in draw(_indexes(len(groups)))) if groups else (),
        primary_line=lines[0] if lines else None,
        aliases=tuple(lines[1:]),
        mobile_phones=tuple(m for m in draw(_MOBILE_LISTS) if m.number not in taken),
        settings=draw(settings()),
    )


@cache
def _indexes(count: int, most: int | None = None) -> st.SearchStrategy[list[int]]:
    """Distinct indexes into a sequence of ``count`` items, in a drawn order."""
    return st.lists(st.integers(0, count - 1), max_size=most, unique=True)


def free_numbers(org: Organization) -> st.SearchStrategy[PhoneNumber]:
    """One of the organisation's available numbers (draw again after giving it away).

    Draws nothing (the example is dropped) when no number is free.
    """
    free = list(org.available_numbers())
    if not free:
        return st.nothing()
    return st.sampled_from(free)


# --- organisations ---------------------------------------------------------------

_ORG_NAMES = line_texts(20).map(str.strip).filter(bool)
_RANGE_LISTS = st.lists(st.sampled_from(BELGIAN_RANGES), min_size=1, max_size=3, unique=True)
_DOMAINS = st.sampled_from(("orange.be", "example.com", "labo.orange.be"))

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
    ranges = draw(_RANGE_LISTS)
    org = Organization(
        name=draw(_ORG_NAMES),
        domain=draw(_DOMAINS),
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
        lines = [free[i] for i in draw(_indexes(len(free), 3))] if free else []
        taken = {m.number for user in org.users for m in user.mobile_phones}
        org.add_user(_draw_user(draw, username, names, lines, taken))
    if parts:
        for name, builder in PART_BUILDERS.items():
            if name in org.part_names():
                builder(draw, org)
    return org


# --- parts -------------------------------------------------------------------------
# Register the builders of the parts here (see the module docs), one section per part.


# --- prompts -----------------------------------------------------------------------

PROMPT_NAMES = ("Vac greeting", "Wrong nr", "User unavailable", "User busy", "Lunch", "welcome")


@part_builder("prompts")  # before "functions": schedule events may play these prompts
def _prompts(draw: st.DrawFn, org: Organization) -> None:
    import numpy as np
    from tests.audio_files import wav_bytes

    for name in draw(st.lists(st.sampled_from(PROMPT_NAMES), max_size=3, unique=True)):
        languages = draw(
            st.lists(st.sampled_from(("nl", "fr", "en", "de")), min_size=1, max_size=2, unique=True)
        )
        for index, language in enumerate(languages):
            rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
            frames = draw(st.integers(1, 400))
            values = rng.integers(-32768, 32767, size=(frames, 1), endpoint=True)
            audio = wav_bytes(values, draw(st.sampled_from((8000, 16000, 44100))), 16)
            if index == 0:
                description = draw(
                    st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=30)
                )
                org.prompts.add(name, audio, language=language, description=description)
            else:
                org.prompts.set_audio(name, audio, language=language)


# --- accounts ----------------------------------------------------------------------

_PASSWORD_WORDS = ("kettle", "harbour", "tulip", "zebra", "orbit", "lantern", "meadow", "copper")


@part_builder("accounts")
def _accounts(draw: st.DrawFn, org: Organization) -> None:
    import contextlib
    from datetime import UTC, datetime, timedelta

    from tests.jpeg_files import jpeg

    from cloudtel.accounts import CredentialPolicy, ScryptParams
    from cloudtel.errors import AccessDeniedError, CredentialPolicyError

    accounts = org.accounts
    accounts.policy = CredentialPolicy(scrypt=ScryptParams(n=2, r=1))  # fast, still real
    start = draw(st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC)))
    now = [start]
    accounts.clock = lambda: now[0]
    for user in org.users[:4]:
        name = user.username
        if draw(st.booleans()):
            words = draw(st.lists(st.sampled_from(_PASSWORD_WORDS), min_size=3, max_size=3))
            with contextlib.suppress(CredentialPolicyError):  # a word may be in the username
                accounts.set_password(name, "-".join(words))
        if draw(st.booleans()):
            pin = draw(st.text("0123456789", min_size=4, max_size=8))
            with contextlib.suppress(CredentialPolicyError):
                accounts.set_pin(name, pin)
        if draw(st.booleans()):
            accounts.set_admin(name)
        if draw(st.booleans()):
            accounts.request_password_reset(name)
            accounts.take_outgoing()
        for _ in range(draw(st.integers(0, 2))):
            with contextlib.suppress(AccessDeniedError):
                accounts.login(name, "not the password")
        if draw(st.booleans()):
            accounts.set_photo(name, jpeg(draw(st.integers(1, 64)), draw(st.integers(1, 64))))
        now[0] += timedelta(seconds=draw(st.integers(0, 90)))


# --- contacts ------------------------------------------------------------------------


@part_builder("contacts")
def _contacts(draw: st.DrawFn, org: Organization) -> None:
    """Contacts at the organisation, group and user scopes, and a few hidden ones."""
    from cloudtel.contacts import Contact, ContactKind, PhoneEntry, PhoneType, Scope

    pool = [f"+329247{n:04d}" for n in range(30)] + [f"+32470{n:06d}" for n in range(20)]
    scopes = [Scope.organization(), *(Scope.group(g.name) for g in org.groups)]
    scopes += [Scope.user(u.username) for u in org.users]
    for scope in draw(st.lists(st.sampled_from(scopes), max_size=4, unique=True)):
        found: list[Contact] = []
        for _ in range(draw(st.integers(0, 3))):
            numbers = draw(st.lists(st.sampled_from(pool), max_size=2, unique=True))
            contact = Contact(
                first_name=draw(line_texts(8)).strip(),
                last_name=draw(line_texts(8).map(str.strip).filter(bool)),
                company=draw(line_texts(8)).strip(),
                kind=draw(st.sampled_from(ContactKind)),
                phones=tuple(
                    PhoneEntry(type=draw(st.sampled_from(PhoneType)), number=n, preferred=i == 0)
                    for i, n in enumerate(numbers)
                ),
            )
            if all(not contact.same_as(other) for other in found):
                found.append(contact)
        org.contacts.set_contacts(scope, found)
    for user in org.users[:3]:
        for entry in list(org.contacts.effective(user.username)):
            if entry.inherited and not entry.mandatory and draw(st.booleans()):
                org.contacts.hide(user.username, entry.contact)


# --- function numbers and their schedules ------------------------------------------


@part_builder("functions")  # after "prompts": events play the organisation's prompts
def _functions(draw: st.DrawFn, org: Organization) -> None:
    """Up to three function numbers with schedules that play prompts and forward calls."""
    import itertools
    from datetime import date, datetime, time, timedelta

    from cloudtel.functions import FunctionKind
    from cloudtel.schedules import (
        Action,
        ForwardTarget,
        Once,
        Recurrence,
        ScheduleEvent,
        Weekday,
        Weekly,
        Yearly,
    )

    times = st.builds(time, st.integers(0, 23), st.sampled_from((0, 15, 30, 45)))
    days = st.dates(date(2020, 1, 1), date(2030, 12, 31))
    recurrences = st.one_of(
        st.just(Recurrence()),
        st.builds(lambda first: Recurrence(first=first), days),
        st.builds(lambda until: Recurrence(until=until), days),
        st.builds(lambda first, n: Recurrence(first=first, count=n), days, st.integers(1, 50)),
    )
    month_days = days.filter(lambda d: (d.month, d.day) != (2, 29)).map(lambda d: (d.month, d.day))
    whens = st.one_of(
        st.builds(
            Weekly,
            days=st.frozensets(st.sampled_from(tuple(Weekday)), min_size=1).map(tuple),
            start=times,
            end=times,
            recurrence=recurrences,
        ),
        st.builds(
            lambda s, e, t1, t2, r: Yearly(start=(*s, t1), end=(*e, t2), recurrence=r),
            month_days,
            month_days,
            times,
            times,
            recurrences,
        ),
        st.builds(
            lambda day, at, minutes: Once(
                start=datetime.combine(day, at),
                end=datetime.combine(day, at) + timedelta(minutes=minutes),
            ),
            days,
            times,
            st.integers(1, 60 * 24 * 10),
        ),
    )
    prompts = org.prompts.names()
    for _ in range(draw(st.integers(0, 3))):
        free = list(itertools.islice(org.available_numbers(), 20))
        if not free:
            return
        name = draw(_ORG_NAMES)
        if org.functions.get(name) is not None or name.isdigit():
            continue
        shorts = {f.short_number for f in org.functions}
        short = draw(st.none() | st.text("0123456789", min_size=2, max_size=6))
        function = org.functions.create(
            name,
            draw(st.sampled_from(tuple(FunctionKind))),
            draw(st.sampled_from(free)),
            short_number=None if short in shorts else short,
            time_zone=draw(st.none() | st.sampled_from(TIME_ZONES)),
        )
        targets = [ForwardTarget(number="+3292470680")]
        targets += [ForwardTarget(user=u.username) for u in org.users[:2]]
        targets += [ForwardTarget(function_number=f.number) for f in org.functions if f != function]
        schedule = function.schedule
        for index in range(draw(st.integers(0, 3))):
            action = draw(st.sampled_from(tuple(Action)))
            event = ScheduleEvent(
                name=f"event {index}",
                when=draw(whens),
                action=action,
                forward_to=draw(st.sampled_from(targets)) if action is Action.FORWARD else None,
                instruction=draw(st.none() | st.sampled_from(prompts)) if prompts else None,
            )
            schedule = schedule.insert(event, draw(st.integers(0, index)))
        org.functions.set_schedule(function.name, schedule)
