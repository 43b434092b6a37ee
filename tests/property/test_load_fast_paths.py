"""Every fast path of loading an organisation gives what the plain path gives.

Each fast path (mobile classification from compiled patterns, printable text, mobiles
completed and users rebuilt without checking again what was checked, settings resolved
once per combination) is compared here with the plain way it replaces: same object, or
the same error naming the same field.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

import attrs
import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.strategies import BELGIAN_RANGES, mobile_numbers, mobile_phones, numbers_in
from tests.strategies import settings as settings_values

from cloudtel import (
    CloudtelError,
    EmptyKey,
    ExtensionKey,
    InvalidValueError,
    KeyLayout,
    KeyLayoutError,
    KeyPosition,
    LineKey,
    MobilePhone,
    NumberRange,
    Organization,
    PhoneNumber,
    PhoneNumberKey,
    Settings,
    User,
    UserGroup,
)
from cloudtel._items import as_items
from cloudtel._text import check_line, check_lines, line, unsafe_in_line, unsafe_in_lines
from cloudtel.devices import _phone_number, key_from_primitive
from cloudtel.errors import InvalidPhoneNumberError
from cloudtel.numbers import _is_mobile, _is_mobile_plain
from cloudtel.serialization import from_data
from cloudtel.users import ResolvedSetting, resolve_settings

# --- mobile or not -------------------------------------------------------------

_REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)
_TYPES = list(range(12))  # every PhoneNumberType of the numbering plans


def _varied(region: str, kind: int, tail: int, cut: int) -> str | None:
    """The plan's example number of ``kind`` in ``region`` with its last digits changed
    (and ``cut`` digits dropped or added): valid, invalid and other kinds alike."""
    example = phonenumbers.example_number_for_type(region, kind)
    if example is None:
        return None
    digits = str(example.national_number)
    if example.italian_leading_zero:
        digits = "0" * (example.number_of_leading_zeros or 1) + digits
    digits = digits[: max(1, len(digits) - 4)] + f"{tail:04d}"
    digits = digits[:-cut] if cut > 0 else digits + "5" * -cut
    return f"+{example.country_code}{digits}"


_E164_TEXTS = st.builds(
    _varied,
    st.sampled_from(_REGIONS),
    st.sampled_from(_TYPES),
    st.integers(0, 9999),
    st.sampled_from((0, 0, 0, 1, -1)),
).filter(lambda text: text is not None) | st.builds(
    "+{}{}".format,
    st.sampled_from(sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)),
    st.text("0123456789", min_size=4, max_size=12),
)


@settings(max_examples=1500)
@given(_E164_TEXTS)
def test_is_mobile_says_what_phonenumbers_number_type_says(text: str) -> None:
    try:
        number = PhoneNumber(text)
    except InvalidPhoneNumberError:
        # not a valid number: only a range's iteration makes such a PhoneNumber
        # unchecked; both ways must still agree (or fail alike)
        try:
            expected = _is_mobile_plain(text)
        except phonenumbers.NumberParseException:
            with pytest.raises(phonenumbers.NumberParseException):
                _is_mobile(text)
            return
        assert _is_mobile(text) is expected
        return
    assert number.is_mobile is _is_mobile_plain(number.e164)


def test_every_example_number_of_every_region_is_classified_as_phonenumbers_does() -> None:
    checked = 0
    for region in _REGIONS:
        for kind in _TYPES:
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
            assert _is_mobile(e164) is _is_mobile_plain(e164), (region, kind, e164)
            checked += 1
    assert checked > 1000


# --- the one text rule ------------------------------------------------------------


@settings(max_examples=500)
@given(st.text(max_size=12) | st.text(st.characters(max_codepoint=0x3000), max_size=6))
def test_printable_text_shortcut_keeps_the_text_rule(text: str) -> None:
    for check, unsafe in ((check_line, unsafe_in_line), (check_lines, unsafe_in_lines)):
        found = unsafe(text)
        if found is None:
            assert check(text, "name") is text
        else:
            with pytest.raises(InvalidValueError, match=f"at position {found[0] + 1};") as exc:
                check(text, "name")
            assert exc.value.context["field"] == "name"


def test_a_text_subclass_takes_the_plain_check() -> None:
    class Sneaky(str):
        def isprintable(self) -> bool:
            return True

    with pytest.raises(InvalidValueError, match="line break"):
        check_line(Sneaky("a\nb"), "name")


# --- completing mobiles -------------------------------------------------------------


def _resolved(own: Settings) -> dict[str, ResolvedSetting]:
    return resolve_settings(User(username="someone@orange.be", settings=own), [], Settings())


@settings(max_examples=300)
@given(mobile_phones(), settings_values())
def test_completed_mobile_is_what_attrs_evolve_gives(mobile: MobilePhone, own: Settings) -> None:
    resolved = _resolved(own)
    plain = attrs.evolve(
        mobile,
        profile=mobile.profile or resolved["mobile_profile"].value,
        client_licence=(
            resolved["mobile_client_licence"].value
            if mobile.client_licence is None
            else mobile.client_licence
        ),
        full_caller_id=(
            resolved["full_caller_id"].value
            if mobile.full_caller_id is None
            else mobile.full_caller_id
        ),
        pbx_integration=(
            resolved["pbx_integration"].value
            if mobile.pbx_integration is None
            else mobile.pbx_integration
        ),
    )
    fast = mobile.completed(resolved)
    assert fast == plain
    assert type(fast) is MobilePhone
    assert attrs.asdict(fast, recurse=False) == attrs.asdict(plain, recurse=False)


def test_a_profile_taken_over_is_still_checked_as_a_line() -> None:
    mobile = MobilePhone(number="+32470123456")
    resolved = _resolved(Settings())
    resolved["mobile_profile"] = ResolvedSetting("Two\nlines", "user")
    with pytest.raises(InvalidValueError, match="line break") as exc:
        mobile.completed(resolved)
    assert exc.value.context["field"] == "profile"


_GROUP_NAMES = ("Sales", "Support", "Night")


def _number(mobile: MobilePhone) -> str:
    return mobile.number.e164


@st.composite
def _orgs_and_users(draw: st.DrawFn) -> tuple[Organization, list[User]]:
    org = Organization(
        name="Labo",
        domain="orange.be",
        number_ranges=list(BELGIAN_RANGES),
        settings=draw(settings_values()),
    )
    for name in _GROUP_NAMES:
        org.add_group(UserGroup(name=name, settings=draw(settings_values())))
    numbers = draw(st.lists(numbers_in(BELGIAN_RANGES[0]), max_size=4, unique=True))
    mobiles = draw(
        st.lists(mobile_phones(), min_size=len(numbers), max_size=len(numbers), unique_by=_number)
    )
    people = []
    for index, (number, mobile) in enumerate(zip(numbers, mobiles, strict=True)):
        groups = draw(st.lists(st.sampled_from(_GROUP_NAMES), unique=True, max_size=3))
        people.append(
            User(
                username=f"user.{index}@orange.be",
                groups=tuple(groups),
                primary_line=number,
                mobile_phones=(mobile,),
                settings=draw(settings_values()),
            )
        )
    return org, people


def _plain_completion(org: Organization, user: User) -> User:
    """What adding ``user`` stores, the plain way: resolve, then attrs.evolve."""
    groups = [group for group in org.groups if group.name in user.groups]
    level = attrs.evolve(
        org.settings,
        language=org.settings.language or org.language,
        time_zone=org.settings.time_zone or org.time_zone,
    )
    resolved = resolve_settings(user, groups, level)
    mobiles = tuple(
        attrs.evolve(
            m,
            profile=m.profile if m.profile is not None else resolved["mobile_profile"].value,
            client_licence=m.client_licence
            if m.client_licence is not None
            else resolved["mobile_client_licence"].value,
            full_caller_id=m.full_caller_id
            if m.full_caller_id is not None
            else resolved["full_caller_id"].value,
            pbx_integration=m.pbx_integration
            if m.pbx_integration is not None
            else resolved["pbx_integration"].value,
        )
        for m in user.mobile_phones
    )
    return attrs.evolve(user, mobile_phones=mobiles)


@settings(max_examples=150, deadline=None)
@given(_orgs_and_users())
def test_users_added_hold_what_the_plain_completion_gives(
    case: tuple[Organization, list[User]],
) -> None:
    org, people = case
    for user in people:
        expected = _plain_completion(org, user)
        stored = org.add_user(user)
        assert stored == expected
        assert type(stored) is User
        assert attrs.asdict(stored, recurse=False) == attrs.asdict(expected, recurse=False)
        assert org.user(user.username) == expected


def test_a_changed_group_setting_reaches_the_next_users_mobiles() -> None:
    org = Organization(name="Labo", domain="orange.be", number_ranges=list(BELGIAN_RANGES))
    org.add_group(UserGroup(name="Sales", settings={"mobile_profile": "Advanced"}))

    def add(index: int) -> User:
        return org.add_user(
            User(
                username=f"u{index}@orange.be",
                groups=("Sales",),
                mobile_phones=(f"+3247012345{index}",),
            )
        )

    assert add(1).mobile_phones[0].profile == "Advanced"
    org.update_group("Sales", settings={"mobile_profile": "Twinning"})
    assert add(2).mobile_phones[0].profile == "Twinning"
    org.settings = Settings(mobile_profile="Org-wide")
    org.update_group("Sales", settings={})
    assert add(3).mobile_phones[0].profile == "Org-wide"


# --- phone keys ----------------------------------------------------------------------

_POSITION_TEXTS = st.one_of(
    st.builds(
        "{}{}{}".format,
        st.sampled_from(("L", "l", "T", "P", "p", " line ", "prog key", "soft", "X")),
        st.integers(-2, 40),
        st.sampled_from(("", " ", "\n")),
    ),
    st.builds(
        "{}{}{}{}".format,
        st.sampled_from(("E", "e ", "expansion ", "exp")),
        st.integers(-1, 4),
        st.sampled_from((".", "/", ":", " key ", "")),
        st.integers(-1, 40),
    ),
    st.text(max_size=6),
)


def _outcome(work: Callable[[], object]) -> object:
    try:
        return ("value", work())
    except CloudtelError as exc:
        return ("error", type(exc), str(exc), exc.context)


@settings(max_examples=400)
@given(_POSITION_TEXTS)
def test_a_shared_key_position_is_the_one_parsing_gives(text: str) -> None:
    plain = _outcome(lambda: KeyPosition._parse_text(text))
    assert _outcome(lambda: KeyPosition.parse(text)) == plain
    assert _outcome(lambda: KeyPosition.parse(text)) == plain  # from the cache too
    if plain[0] == "value":
        again = KeyPosition.parse(text)
        assert type(again) is KeyPosition
        assert hash(again) == hash(KeyPosition._parse_text(text))


@given(st.one_of(st.integers(-3, 300), st.booleans(), st.none(), st.text(max_size=2)))
def test_a_shared_line_key_is_the_one_the_constructor_gives(account: object) -> None:
    data = {"kind": "line", "account": account}
    plain = _outcome(lambda: LineKey(account=account))  # type: ignore[arg-type]
    assert _outcome(lambda: key_from_primitive(data)) == plain
    assert _outcome(lambda: key_from_primitive(data)) == plain


@attrs.frozen
class _Labelled:
    label: str = attrs.field(validator=line)


@settings(max_examples=300)
@given(st.text(max_size=12))
def test_the_line_validator_keeps_the_text_rule(text: str) -> None:
    found = unsafe_in_line(text)
    if found is None:
        assert _Labelled(text).label is text
    else:
        with pytest.raises(InvalidValueError, match=f"at position {found[0] + 1};"):
            _Labelled(text)


# --- many values in one field ---------------------------------------------------------


def _as_items_plain(value: object, field: str, single: tuple[type[Any], ...] = ()) -> object:
    """``as_items`` as it was before its shortcut for lists and tuples."""
    if isinstance(value, str | bytes) or (single and isinstance(value, single)):
        return (value,)
    if isinstance(value, dict):
        raise InvalidValueError("mapping", field=field, value=value)
    if not isinstance(value, Iterable):
        return (value,)
    return tuple(value)


class _Row(tuple):  # type: ignore[type-arg]
    """A tuple subclass: not the shortcut's exact tuple."""


_MANY = st.one_of(
    st.lists(st.integers(), max_size=3),
    st.lists(st.text(max_size=2), max_size=3).map(tuple),
    st.lists(st.integers(), max_size=3).map(_Row),
    st.text(max_size=3),
    st.integers(),
    st.none(),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.frozensets(st.integers(), max_size=3),
)


@given(_MANY, st.sampled_from([(), (PhoneNumber,), (tuple,), (list,), (_Row,), (object,)]))
def test_as_items_gives_what_it_gave_before_its_shortcut(
    value: object, single: tuple[type[Any], ...]
) -> None:
    try:
        expected = _as_items_plain(value, "field", single)
    except InvalidValueError:
        with pytest.raises(InvalidValueError):
            as_items(value, "field", single)
        return
    assert as_items(value, "field", single) == expected


_KEY_TEXTS = st.sampled_from(
    ("ann@orange.be", " Ann@Orange.BE ", "", "two\nlines", "Reception", " Desk ", "+3292470680")
) | st.text(max_size=4)


@given(
    st.sampled_from(("extension", "number")),
    _KEY_TEXTS | st.integers() | st.none(),
    _KEY_TEXTS | st.sampled_from(("+3292470680", "09 247 06 80", "garbage")) | st.integers(),
)
def test_shared_colleague_and_speed_dial_keys_are_the_ones_the_constructors_give(
    kind: str, first: object, second: object
) -> None:
    if kind == "extension":
        data: dict[str, object] = {"kind": kind, "user": first}
        plain = _outcome(lambda: ExtensionKey(username=first))  # type: ignore[arg-type]
    else:
        data = {"kind": kind, "label": first, "number": second}
        plain = _outcome(lambda: PhoneNumberKey(label=first, number=second))  # type: ignore[arg-type]
    assert _outcome(lambda: key_from_primitive(data)) == plain
    assert _outcome(lambda: key_from_primitive(data)) == plain  # from the cache too


@given(
    st.lists(
        st.tuples(
            st.sampled_from(("L1", "L2", "P1", "E1.1", "l1")),
            st.sampled_from(
                (LineKey(account=1), ExtensionKey(username="ann@orange.be"), EmptyKey())
            ),
        ),
        max_size=4,
    ),
    st.booleans(),
)
def test_a_layout_holds_the_pairs_it_was_given_as_before(
    items: list[tuple[str, Any]], parsed: bool
) -> None:
    pairs = [(KeyPosition.parse(p), k) if parsed else (p, k) for p, k in items]
    expected = _outcome(lambda: _layout_keys_plain(pairs))
    assert _outcome(lambda: KeyLayout(pairs).keys) == expected


def _layout_keys_plain(items: list[tuple[Any, Any]]) -> tuple[tuple[KeyPosition, Any], ...]:
    """The layout's keys as they were built before pairs were kept as given."""
    keys: dict[KeyPosition, Any] = {}
    for raw, key in items:
        position = KeyPosition.parse(raw)
        if position in keys:
            raise KeyLayoutError(
                f"key {position} is given twice in the layout", position=str(position)
            )
        keys[position] = key
    kept = [(p, k) for p, k in keys.items() if not isinstance(k, EmptyKey)]
    return tuple(sorted(kept, key=lambda pair: pair[0].sort_key))


# --- number ranges, speed-dial numbers, the caller's data --------------------------------


@settings(max_examples=200)
@given(
    st.lists(st.sampled_from(BELGIAN_RANGES), unique=True, max_size=3),
    st.one_of(*(numbers_in(r) for r in BELGIAN_RANGES)) | mobile_numbers(),
)
def test_in_ranges_says_what_the_ranges_say(ranges: list[NumberRange], number: PhoneNumber) -> None:
    org = Organization(name="Labo", domain="orange.be", number_ranges=ranges)
    assert org.in_ranges(number) is any(number in r for r in ranges)
    org.number_ranges = tuple(BELGIAN_RANGES)  # new ranges: read again, not remembered
    assert org.in_ranges(number) is any(number in r for r in BELGIAN_RANGES)
    assert org.in_ranges(number.e164) is False  # type: ignore[arg-type]  # not a PhoneNumber


@given(st.sampled_from(("+3292470680", "09 247 06 80", " +32 9 247 06 80", "garbage", "")))
def test_a_shared_speed_dial_number_is_the_one_parsing_gives(text: str) -> None:
    plain = _outcome(lambda: PhoneNumber.parse(text))
    assert _outcome(lambda: _phone_number(text)) == plain
    assert _outcome(lambda: _phone_number(text)) == plain


def test_from_data_leaves_the_callers_data_as_it_was() -> None:
    data = {
        "schema_version": 1,
        "organization": {
            "name": "Labo",
            "domain": "orange.be",
            "number_ranges": ["+3227811600-+3227811699"],
        },
        "groups": [{"name": "Sales"}],
        "users": [
            {"username": "ann@orange.be", "groups": ["Sales"], "primary_line": "+3227811601"}
        ],
        "phones": {"phones": [{"mac": "08000F123456", "family": "mitel", "model": "6940"}]},
    }
    before = copy.deepcopy(data)
    org = from_data(data)
    assert data == before
    assert org.users[0].username == "ann@orange.be"
