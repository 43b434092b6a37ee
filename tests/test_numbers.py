"""PhoneNumber and NumberRange as a user meets them: notations, errors, formats, ranges."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.strategies import BELGIAN_RANGES, MOBILE_REGIONS, mobile_numbers, phone_numbers

from cloudtel import (
    CloudtelError,
    InvalidPhoneNumberError,
    InvalidValueError,
    NumberRange,
    PhoneNumber,
)

# --- parsing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "+32 9 247 06 80",
        "+3292470680",
        "092470680",
        "09 247 06 80",
        "09/247.06.80",
        "(09) 247-06-80",
        "0032 9 247 06 80",
        "003292470680",
        "  +32 9 247 06 80  ",
    ],
)
def test_every_common_notation_of_the_main_number_is_the_same_number(text: str) -> None:
    assert PhoneNumber.parse(text) == PhoneNumber("+3292470680")
    assert PhoneNumber.parse(text).e164 == "+3292470680"


def test_a_national_number_is_read_with_the_organisations_country() -> None:
    assert PhoneNumber.parse("0612345678", "FR").e164 == "+33612345678"
    assert PhoneNumber.parse("0612345678", "nl").e164 == "+31612345678"
    # the same digits are a different number in another country
    assert PhoneNumber.parse("0612345678", "FR") != PhoneNumber.parse("0612345678", "NL")


def test_an_international_number_ignores_the_default_country() -> None:
    assert PhoneNumber.parse("+32 9 247 06 80", "FR") == PhoneNumber("+3292470680")


def test_parsing_a_phone_number_returns_it_unchanged() -> None:
    number = PhoneNumber("+3292470680")
    assert PhoneNumber.parse(number) == number


def test_the_manuals_mobile_number_is_one_digit_short_and_refused_showing_the_input() -> None:
    with pytest.raises(InvalidPhoneNumberError) as caught:
        PhoneNumber.parse("+3248008008")
    assert "'+3248008008'" in str(caught.value)
    assert "not a valid phone number" in str(caught.value)
    assert caught.value.context["value"] == "+3248008008"
    # the valid one used in the example organisation instead
    assert PhoneNumber.parse("+32480080080").is_mobile


@pytest.mark.parametrize(
    "text",
    ["", "   ", "abc", "+32", "0923", "+32 9 247 06 80 99 99", "+0092470680", "09 247 06"],
)
def test_what_is_not_a_number_is_refused_with_the_input_in_the_message(text: str) -> None:
    with pytest.raises(InvalidPhoneNumberError) as caught:
        PhoneNumber.parse(text)
    assert repr(text) in str(caught.value)


def test_invalid_number_errors_are_value_errors_of_the_cloudtel_tree() -> None:
    with pytest.raises(ValueError, match="not a valid phone number"):
        PhoneNumber.parse("+3248008008")
    with pytest.raises(CloudtelError):
        PhoneNumber.parse("nonsense")
    assert issubclass(InvalidPhoneNumberError, InvalidValueError)


def test_a_non_text_value_is_refused() -> None:
    with pytest.raises(InvalidPhoneNumberError, match="expected text"):
        PhoneNumber.parse(3292470680)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["3292470680", "+32 9 247 06 80", "092470680", "+3248008008"])
def test_the_constructor_takes_only_valid_e164(text: str) -> None:
    with pytest.raises(InvalidPhoneNumberError):
        PhoneNumber(text)


# --- storage, equality, formats --------------------------------------------------------


def test_numbers_are_stored_compared_and_hashed_in_e164() -> None:
    a = PhoneNumber.parse("092470680")
    b = PhoneNumber.parse("+32 9 247 06 80")
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b}) == 1
    assert str(a) == "+3292470680"
    assert repr(a) == "PhoneNumber('+3292470680')"
    assert PhoneNumber("+3227811601") < PhoneNumber("+3227811602")


def test_formats() -> None:
    number = PhoneNumber("+3292470680")
    assert number.e164 == "+3292470680"
    assert number.international == "+32 9 247 06 80"
    assert number.national == "09 247 06 80"
    assert number.region == "BE"
    assert not number.is_mobile


def test_numbers_are_immutable() -> None:
    number = PhoneNumber("+3292470680")
    with pytest.raises(AttributeError):
        number.e164 = "+3227811601"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "region", "e164", "home"),
    [
        ("+32 480 08 00 80", "BE", "+32480080080", "BE"),
        ("06 12 34 56 78", "NL", "+31612345678", "NL"),
        ("06 12 34 56 78", "FR", "+33612345678", "FR"),
        ("+49 151 23456789", "BE", "+4915123456789", "DE"),
        ("07400 123456", "GB", "+447400123456", "GB"),
        ("(201) 555-0123", "US", "+12015550123", "US"),
        ("090-1234-5678", "JP", "+819012345678", "JP"),
    ],
)
def test_mobile_numbers_of_any_country(text: str, region: str, e164: str, home: str) -> None:
    number = PhoneNumber.parse(text, region)
    assert number.e164 == e164
    assert number.region == home
    assert PhoneNumber.parse(number.national, home) == number


@given(mobile_numbers())
def test_generated_mobile_numbers_are_mobile(number: PhoneNumber) -> None:
    assert number.is_mobile
    assert number.region in MOBILE_REGIONS


# --- laws ------------------------------------------------------------------------------


@given(phone_numbers())
def test_parse_of_the_international_form_is_the_number(number: PhoneNumber) -> None:
    assert PhoneNumber.parse(number.international) == number
    assert PhoneNumber.parse(number.international, "JP") == number
    assert PhoneNumber.parse(number.e164) == number


@given(phone_numbers())
def test_parse_of_the_national_form_in_its_region_is_the_number(number: PhoneNumber) -> None:
    assert PhoneNumber.parse(number.national, number.region) == number


@given(phone_numbers())
def test_parse_agrees_with_phonenumbers(number: PhoneNumber) -> None:
    parsed = phonenumbers.parse(number.international)
    assert phonenumbers.is_valid_number(parsed)
    assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == number.e164


# --- ranges ----------------------------------------------------------------------------


def test_a_range_of_the_manual() -> None:
    numbers = NumberRange.parse("+3227811600-+3227811699")
    assert numbers.first == PhoneNumber("+3227811600")
    assert numbers.last == PhoneNumber("+3227811699")
    assert len(numbers) == 100
    assert str(numbers) == "+3227811600-+3227811699"
    assert repr(numbers) == "NumberRange('+3227811600-+3227811699')"


@pytest.mark.parametrize(
    "text",
    [
        "+3227811600-+3227811699",
        "+3227811600..+3227811699",
        "+3227811600 – +3227811699",
        "02 781 16 00 - 02 781 16 99",
        "027811600-027811699",
    ],
)
def test_range_notations(text: str) -> None:
    assert NumberRange.parse(text) == NumberRange.parse("+3227811600-+3227811699")


def test_a_range_is_inclusive_and_iterates_in_order() -> None:
    numbers = NumberRange.parse("+3292470680-+3292470689")
    listed = list(numbers)
    assert listed[0] == PhoneNumber("+3292470680")
    assert listed[-1] == PhoneNumber("+3292470689")
    assert len(listed) == len(numbers) == 10
    assert listed == sorted(listed)
    assert PhoneNumber("+3292470680") in numbers
    assert PhoneNumber("+3292470689") in numbers
    assert PhoneNumber("+3292470690") not in numbers
    assert PhoneNumber("+3292470679") not in numbers
    assert "+3292470681" not in numbers  # text is not a number: parse it first


def test_a_one_number_range() -> None:
    numbers = NumberRange.parse("+3292470680-+3292470680")
    assert list(numbers) == [PhoneNumber("+3292470680")]


def test_a_number_of_another_length_is_not_in_the_range() -> None:
    numbers = NumberRange.parse("+3227811600-+3227811699")
    assert PhoneNumber("+32480080080") not in numbers


@pytest.mark.parametrize(
    "text",
    [
        "+3227811699-+3227811600",
        "+3227811600-+32480080080",
        "+31201234567-+33123456789",  # same length, but from NL to FR
        "+3227811600",
        "nonsense",
    ],
)
def test_bad_ranges_are_refused(text: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        NumberRange.parse(text)
    assert isinstance(caught.value, ValueError)


def test_a_range_end_that_is_not_a_number_names_it() -> None:
    with pytest.raises(InvalidPhoneNumberError, match="'\\+3248008008'"):
        NumberRange.parse("+3227811600-+3248008008")


@given(st.sampled_from(BELGIAN_RANGES), st.integers(0, 99), st.integers(0, 99))
def test_range_membership_agrees_with_iteration(outer: NumberRange, i: int, j: int) -> None:
    numbers = list(outer)
    lo, hi = sorted((i % len(numbers), j % len(numbers)))
    inner = NumberRange(numbers[lo], numbers[hi])
    assert list(inner) == numbers[lo : hi + 1]
    assert len(inner) == hi - lo + 1
    for number in numbers:
        assert (number in inner) == (numbers[lo] <= number <= numbers[hi])
    assert NumberRange.parse(str(inner)) == inner


# --- the E.164 fast path --------------------------------------------------------------------


def _canonical_examples() -> list[str]:
    """Example numbers of every region and number type, and variants of each."""
    found: set[str] = set()
    regions = [*phonenumbers.SUPPORTED_REGIONS]
    kinds = [
        getattr(phonenumbers.PhoneNumberType, name)
        for name in dir(phonenumbers.PhoneNumberType)
        if name.isupper() and name != "UNKNOWN"
    ]
    for region in regions:
        for kind in kinds:
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None:
                found.add(phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164))
    for code in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS:
        example = phonenumbers.example_number_for_non_geo_entity(code)
        if example is not None:
            found.add(phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164))
    variants: set[str] = set()
    for e164 in found:
        variants |= {e164[:-1] + d for d in "0379"}  # other numbers of the same block
        variants |= {e164 + "1", e164[:-1]}  # one digit too many, one too few
        for size in (1, 2, 3):  # a trunk 0 after the country code
            variants.add(e164[: size + 1] + "0" + e164[size + 1 :])
    return sorted(found | variants)


def _by_phonenumbers(text: str) -> tuple[str, str] | None:
    """What the full parse says of ``text``: (E.164, region) when valid, else None."""
    try:
        parsed = phonenumbers.parse(text, "BE")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return e164, phonenumbers.region_code_for_number(parsed) or "001"


def test_the_e164_fast_path_agrees_with_the_full_parse_for_every_region() -> None:
    from cloudtel.numbers import _parse_e164

    examples = _canonical_examples()
    assert len(examples) > 5000
    used = 0
    for text in examples:
        fast = _parse_e164(text)
        full = _by_phonenumbers(text)
        if full is not None and full[0] == text:
            assert fast == full, text  # canonical and valid: the fast path takes it
            used += 1
        else:
            assert fast is None, text  # anything else takes the full parse
    assert used > 2000


def test_a_range_stays_in_one_country() -> None:
    with pytest.raises(InvalidValueError, match="same country code"):
        NumberRange.parse("+31201234567-+33123456789")


def test_the_validity_check_agrees_with_phonenumbers_for_every_region() -> None:
    from cloudtel.numbers import _valid_for_region

    checked = valid = 0
    for text in _canonical_examples():
        try:
            parsed = phonenumbers.parse(text, "BE")
        except phonenumbers.NumberParseException:
            continue
        region = phonenumbers.region_code_for_number(parsed)
        national = phonenumbers.national_significant_number(parsed)
        fast = region is not None and _valid_for_region(parsed.country_code or 0, national, region)
        assert fast == phonenumbers.is_valid_number(parsed), text
        checked += 1
        valid += fast
    assert checked > 5000
    assert 2000 < valid < checked


# --- the national fast path -----------------------------------------------------------------


def _simple_regions() -> list[str]:
    from cloudtel.numbers import _national_code

    return sorted(r for r in phonenumbers.SUPPORTED_REGIONS if _national_code(r) is not None)


def _by_phonenumbers_in(text: str, region: str) -> tuple[str, str] | None:
    """What plain phonenumbers says of ``text`` read in ``region``: (E.164, region) or None."""
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return e164, phonenumbers.region_code_for_number(parsed) or "001"


@st.composite
def _national_texts(draw: st.DrawFn) -> tuple[str, str]:
    """(text, region): a region read simply and a number in its national notation (or
    with its 00 prefix), made from an example of the numbering plan and varied."""
    region = draw(st.sampled_from(_simple_regions()))
    kind = draw(
        st.sampled_from(
            [phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]
        )
    )
    example = phonenumbers.example_number_for_type(region, kind)
    national = "" if example is None else phonenumbers.national_significant_number(example)
    cut = draw(st.integers(0, len(national)))
    tail = draw(st.text("0123456789", max_size=max(0, len(national) - cut + 2)))
    digits = national[:cut] + tail
    code = str(phonenumbers.country_code_for_region(region))
    prefix = draw(st.sampled_from(["0", "00" + code, "00", "000", "0" + code, ""]))
    return prefix + digits, region


@given(_national_texts())
def test_the_national_fast_path_agrees_with_plain_phonenumbers(case: tuple[str, str]) -> None:
    from cloudtel.numbers import _parse_national

    text, region = case
    fast = _parse_national(text, region)
    full = _by_phonenumbers_in(text, region)
    if fast is not None:
        assert fast == full  # what it takes, it reads as phonenumbers does
    try:
        number = PhoneNumber.parse(text, region)
    except InvalidPhoneNumberError:
        assert full is None  # refused exactly when phonenumbers finds no valid number
    else:
        assert full is not None
        assert number.e164 == full[0]
        assert number.region == full[1]


def test_the_national_fast_path_takes_the_national_forms_of_every_simple_region() -> None:
    from cloudtel.numbers import _parse_national

    taken = 0
    for region in _simple_regions():
        for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            national = phonenumbers.national_significant_number(example)
            code = example.country_code
            for text in ("0" + national, f"00{code}{national}"):
                full = _by_phonenumbers_in(text, region)
                fast = _parse_national(text, region)
                assert fast == full or fast is None, (text, region)
                taken += fast is not None
    assert taken > 100  # the fast path is used, not only correct when unused
    assert _parse_national("0470 12 34 56", "BE") is None  # separators: cleaned before
    assert _parse_national("0470123456", "GB") is None  # other rules: the full parse
    assert _parse_national("0470123456", "BE") == ("+32470123456", "BE")


@pytest.mark.parametrize(
    "text",
    [
        "0470 12 34 5",
        "04701234567",
        "0001234567",
        "00",
        "0",
        "0470/12.34.5x",
        "00 32 0470 12 34 56",
    ],
)
def test_the_national_fast_path_gives_the_same_errors_as_the_full_parse(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cloudtel import numbers

    def outcome() -> str:
        numbers._parse.cache_clear()
        try:
            return PhoneNumber.parse(text, "BE").e164
        except InvalidPhoneNumberError as exc:
            return f"error: {exc}"

    with_fast_path = outcome()
    monkeypatch.setattr(numbers, "_parse_national", lambda text, region: None)
    assert with_fast_path == outcome()
    assert with_fast_path.startswith("error: ") == (text != "00 32 0470 12 34 56")
