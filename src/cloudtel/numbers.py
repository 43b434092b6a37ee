"""Phone numbers and number ranges.

This is the only module that talks to the ``phonenumbers`` library. Everywhere
else a number is a :class:`PhoneNumber`: valid, stored and compared in E.164.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache, lru_cache
from typing import Self

import attrs
import phonenumbers
from phonenumbers import PhoneNumberFormat

from cloudtel.errors import InvalidPhoneNumberError, InvalidValueError

__all__ = ["DEFAULT_COUNTRY", "NumberRange", "PhoneNumber", "valid_region"]

DEFAULT_COUNTRY = "BE"
"""The default region for numbers written without a country code."""

_E164 = re.compile(r"\+[1-9][0-9]{1,14}")
_SEPARATORS = re.compile(r"[\s().\-/]+")


def valid_region(code: object) -> bool:
    """Whether ``code`` is a country (region) code the numbering plans know, e.g. ``"BE"``."""
    return isinstance(code, str) and code.upper() in phonenumbers.SUPPORTED_REGIONS


def _country_code(e164: str) -> int | None:
    """The country calling code an E.164 number starts with (codes are prefix-free)."""
    for size in (1, 2, 3):
        code = int(e164[1 : 1 + size])
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return code
    return None


def _parse_e164(text: str) -> tuple[str, str] | None:
    """(E.164, region code) of a valid number written in canonical E.164, else ``None``.

    The fast path for org files, which store numbers in E.164: the country code
    and the national number are split off directly instead of by
    ``phonenumbers.parse``, and the number is still checked against the
    numbering plan. Anything else (not valid, not canonical) returns ``None`` and
    takes the full parse.
    """
    code = _country_code(text)
    if code is None:
        return None
    national = text[1 + len(str(code)) :]
    if not national:
        return None
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[code]
    if len(regions) == 1 and national[0] != "0":
        # one region for the code, so it is the number's region; no leading zero, so
        # the text is the canonical E.164 form: only the numbering plan check is left
        only: str = regions[0]
        return (text, only) if _valid_for_region(code, national, only) else None
    number = phonenumbers.PhoneNumber(country_code=code, national_number=int(national))
    zeros = len(national) - len(national.lstrip("0"))
    if zeros:
        number.italian_leading_zero = True
        number.number_of_leading_zeros = zeros
    region = phonenumbers.region_code_for_number(number)
    if region is None or not phonenumbers.is_valid_number_for_region(number, region):
        return None
    if phonenumbers.format_number(number, PhoneNumberFormat.E164) != text:
        return None
    return text, region


_NATIONAL = re.compile(r"0[0-9]{2,17}")


@cache
def _national_code(region: str) -> int | None:
    """The country code of ``region`` when its national notation reads simply: the
    code is the region's alone, the trunk prefix is ``0`` and the international
    prefix ``00``, with no carrier codes or transformations (Belgium, the
    Netherlands, France, Germany …); else ``None``."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.country_code is None:
        return None
    code: int = metadata.country_code
    simple = (
        phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code) == (region,)
        and metadata.national_prefix == "0"
        and metadata.national_prefix_for_parsing == "0"
        and not metadata.national_prefix_transform_rule
        and metadata.international_prefix == "00"
    )
    return code if simple else None


def _parse_national(text: str, region: str) -> tuple[str, str] | None:
    """(E.164, region code) of a valid number in the plain national notation of a
    region read simply (``0470123456`` in Belgium) or with its ``00`` international
    prefix (``0032470123456``), else ``None``.

    The fast path for the national numbers of an import: ``phonenumbers.parse``
    strips the trunk ``0`` (or the ``00``) and checks the rest against the
    numbering plan; here the same rest is checked against the same plan. Anything
    else (not valid, other characters, a region with other rules) returns ``None``
    and takes the full parse, which says what is wrong.
    """
    code = _national_code(region)
    if code is None or _NATIONAL.fullmatch(text) is None:
        return None
    if text[1] == "0":  # 00: the international prefix
        international = "+" + text[2:]
        return _parse_e164(international) if _E164.fullmatch(international) else None
    national = text[1:]
    return (f"+{code}{national}", region) if _valid_for_region(code, national, region) else None


_Desc = tuple[frozenset[int], re.Pattern[str]]
_TYPES = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
)


def _desc(desc: phonenumbers.PhoneNumberDesc | None) -> _Desc | None:
    """A number description's possible lengths and compiled pattern; ``None`` when
    it matches nothing (no description, no pattern)."""
    if desc is None or not desc.national_number_pattern:
        return None
    return frozenset(desc.possible_length or ()), re.compile(desc.national_number_pattern)


@cache
def _plan(country_code: int, region: str) -> tuple[_Desc, tuple[_Desc, ...]] | None:
    """The general description and the descriptions of every number type of a
    region, as ``phonenumbers.is_valid_number_for_region`` checks them."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(
        country_code, region.upper()
    )
    if metadata is None or (
        region != phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY
        and country_code != phonenumbers.country_code_for_valid_region(region)
    ):
        return None
    general = _desc(metadata.general_desc)
    if general is None:
        return None
    kinds = [_desc(getattr(metadata, name)) for name in _TYPES]
    if not metadata.same_mobile_and_fixed_line_pattern:
        kinds.append(_desc(metadata.mobile))  # else a mobile number is a fixed line one
    kinds.reverse()  # the common kinds first (mobile, fixed line): any() stops sooner
    return general, tuple(kind for kind in kinds if kind is not None)


def _valid_for_region(country_code: int, national: str, region: str) -> bool:
    """``phonenumbers.is_valid_number_for_region`` of a number given by its country
    code and national significant number, with the patterns compiled once: the
    number fits the region's general description and one of its number types."""
    plan = _plan(country_code, region)
    if plan is None:
        return False
    size = len(national)
    (lengths, pattern), kinds = plan
    if (lengths and size not in lengths) or pattern.fullmatch(national) is None:
        return False
    return any(
        (not lengths or size in lengths) and pattern.fullmatch(national) is not None
        for lengths, pattern in kinds
    )


_BEFORE_FIXED_LINE = _TYPES[:-1]  # the kinds number_type tries before fixed line, in its order

_Pattern = re.Pattern[str] | None


def _for_size(desc: phonenumbers.PhoneNumberDesc | None, size: int) -> _Pattern:
    """The compiled pattern of a number description for national numbers of ``size``
    digits; ``None`` when it matches none of them (as ``phonenumbers``'
    ``_is_number_matching_desc`` says: no description or pattern, another length)."""
    found = _desc(desc)
    if found is None:
        return None
    lengths, pattern = found
    return None if lengths and size not in lengths else pattern


@cache
def _kinds(
    country_code: int, region: str, size: int
) -> tuple[_Pattern, tuple[re.Pattern[str], ...], _Pattern, bool, _Pattern] | None:
    """For the national numbers of ``size`` digits of a region, the patterns in the
    order ``phonenumbers.number_type`` tries them: the general one, the kinds before
    fixed line, fixed line, whether mobile numbers share the fixed line pattern,
    mobile; ``None`` without metadata."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    if metadata is None:
        return None
    before = (_for_size(getattr(metadata, name), size) for name in _BEFORE_FIXED_LINE)
    return (
        _for_size(metadata.general_desc, size),
        tuple(pattern for pattern in before if pattern is not None),
        _for_size(metadata.fixed_line, size),
        bool(metadata.same_mobile_and_fixed_line_pattern),
        _for_size(metadata.mobile, size),
    )


def _is_mobile_plain(e164: str) -> bool:
    """Whether the numbering plan says ``e164`` is a mobile number, as phonenumbers says it."""
    kind = phonenumbers.number_type(phonenumbers.parse(e164))
    return kind in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def _is_mobile(e164: str) -> bool:
    """:func:`_is_mobile_plain` of a number in E.164 form, without parsing it again.

    The number's region comes from the parse cache and its kind from the region's
    patterns, compiled once and tried in ``phonenumbers.number_type``'s order (a
    number matching an earlier kind, such as premium rate, is not mobile). A text
    that is not a valid E.164 number takes the plain path.
    """
    try:
        canonical, region = _parse(e164, DEFAULT_COUNTRY)
    except InvalidPhoneNumberError:
        return _is_mobile_plain(e164)
    code = _country_code(e164) if canonical == e164 else None
    national = "" if code is None else e164[1 + len(str(code)) :]
    kinds = None if code is None else _kinds(code, region, len(national))
    if kinds is None:
        return _is_mobile_plain(e164)
    general, before, fixed_line, same, mobile = kinds
    if general is None or general.fullmatch(national) is None:
        return False
    for pattern in before:
        if pattern.fullmatch(national) is not None:
            return False  # premium rate, toll free, …: not mobile
    if fixed_line is not None and fixed_line.fullmatch(national) is not None:
        return same or (mobile is not None and mobile.fullmatch(national) is not None)
    return not same and mobile is not None and mobile.fullmatch(national) is not None


@lru_cache(maxsize=65536)
def _parse(text: str, region: str, shown: str | None = None) -> tuple[str, str]:
    """Return (E.164, region code) of ``text`` or raise InvalidPhoneNumberError.

    ``shown`` is the text as the user wrote it (before separators were removed),
    for the error message; default ``text``.
    """
    if _E164.fullmatch(text):
        known = _parse_e164(text)
        if known is not None:
            return known
    elif text[:1] == "0":
        known = _parse_national(text, region)
        if known is not None:
            return known
    shown = text if shown is None else shown
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumberError(
            f"{shown!r} is not a phone number ({exc._msg}); write it as +32 9 247 06 80 "
            f"or as a national number of {region}",
            value=shown,
            region=region,
        ) from exc
    # is_valid_number(parsed), with the region it looks up kept for the result
    found = phonenumbers.region_code_for_number(parsed)
    national = phonenumbers.national_significant_number(parsed)
    if found is None or not _valid_for_region(parsed.country_code or 0, national, found):
        raise InvalidPhoneNumberError(
            f"{shown!r} is not a valid phone number (checked with default region {region}): "
            "wrong length or an unassigned prefix",
            value=shown,
            region=region,
        )
    # what format_number(parsed, E164) gives for a valid number
    e164 = f"+{parsed.country_code}{national}"
    return e164, found


@attrs.frozen(order=True, repr=False)
class PhoneNumber:
    """A valid phone number, stored and compared in E.164 form.

    Build one with :meth:`parse`; the constructor takes an E.164 string that
    is checked too.

    Args:
        e164 (str): The number in E.164 form, e.g. ``"+3292470680"``.

    Example::

        >>> PhoneNumber.parse("09 247 06 80").e164
        '+3292470680'
        >>> PhoneNumber.parse("+32 9 247 06 80") == PhoneNumber("+3292470680")
        True
    """

    e164: str = attrs.field()

    @e164.validator
    def _check(self, _attribute: attrs.Attribute[str], value: str) -> None:
        if not isinstance(value, str) or _E164.fullmatch(value) is None:
            raise InvalidPhoneNumberError(
                f"{value!r} is not in E.164 form (+ and up to 15 digits); "
                "use PhoneNumber.parse for other notations",
                value=value,
            )
        if _parse(value, DEFAULT_COUNTRY)[0] != value:
            raise InvalidPhoneNumberError(f"{value!r} is not a valid phone number", value=value)

    @classmethod
    def parse(cls, text: str | PhoneNumber, region: str = DEFAULT_COUNTRY) -> Self:
        """Read a number in any common notation.

        Args:
            text (str): ``+32 9 247 06 80``, ``0032 9 247 06 80``, ``092470680`` …
            region (str): The country of numbers written without a country code
                (ISO 3166 alpha-2, e.g. ``"BE"``).

        Raises:
            InvalidPhoneNumberError: When it is not a valid number; shows the input.
        """
        if isinstance(text, PhoneNumber):
            return text if type(text) is cls else cls(text.e164)
        if not isinstance(text, str):
            raise InvalidPhoneNumberError(
                f"{text!r} is not a phone number: expected text", value=text
            )
        if _E164.fullmatch(text):  # as stored in org files: nothing to clean
            e164, _ = _parse(text, region.upper())
        else:
            cleaned = _SEPARATORS.sub("", text.strip())
            e164, _ = _parse(cleaned or text, region.upper(), None if cleaned == text else text)
        number = object.__new__(cls)
        object.__setattr__(number, "e164", e164)
        return number

    @property
    def region(self) -> str:
        """The ISO country code of the number, e.g. ``"BE"``."""
        return _parse(self.e164, DEFAULT_COUNTRY)[1]

    @property
    def international(self) -> str:
        """The number in international notation, e.g. ``"+32 9 247 06 80"``."""
        return self._format(PhoneNumberFormat.INTERNATIONAL)

    @property
    def national(self) -> str:
        """The number as dialled inside its country, e.g. ``"09 247 06 80"``."""
        return self._format(PhoneNumberFormat.NATIONAL)

    @property
    def is_mobile(self) -> bool:
        """Whether the numbering plan says this is a mobile number."""
        return _is_mobile(self.e164)

    def _format(self, style: int) -> str:
        return phonenumbers.format_number(phonenumbers.parse(self.e164), style)

    def __str__(self) -> str:
        return self.e164

    def __repr__(self) -> str:
        return f"PhoneNumber({self.e164!r})"


def to_number(value: PhoneNumber | str) -> PhoneNumber:
    """``PhoneNumber.parse`` with the default region, as a plain function (for converters)."""
    return PhoneNumber.parse(value)


def _unchecked(e164: str) -> PhoneNumber:
    number = object.__new__(PhoneNumber)
    object.__setattr__(number, "e164", e164)
    return number


@attrs.frozen(repr=False)
class NumberRange:
    """An inclusive range of consecutive numbers, like ``+3227811600-+3227811699``.

    Both ends have the same length and country code, and ``first <= last``.

    Args:
        first (PhoneNumber): The first number of the range.
        last (PhoneNumber): The last number of the range.
    """

    first: PhoneNumber = attrs.field(converter=to_number)
    last: PhoneNumber = attrs.field(converter=to_number)

    def __attrs_post_init__(self) -> None:
        first, last = self.first.e164, self.last.e164
        if _country_code(first) != _country_code(last):
            raise InvalidValueError(
                f"number range {first}-{last} is not a range: both ends need the same country code",
                value=f"{first}-{last}",
            )
        if len(first) != len(last) or int(first[1:]) > int(last[1:]):
            raise InvalidValueError(
                f"number range {first}-{last} is not a range: both ends need the same "
                "number of digits and the first must not come after the last",
                value=f"{first}-{last}",
            )

    @classmethod
    def parse(cls, text: str, region: str = DEFAULT_COUNTRY) -> Self:
        """Read ``"+3227811600-+3227811699"`` (also ``..`` or ``–`` between the ends).

        Raises:
            InvalidValueError: When it is not two numbers forming a range.
        """
        parts = re.split(r"\s*(?:\.\.|–|—|-(?=\s*\+|\s*0))\s*", text.strip(), maxsplit=1)
        if len(parts) != 2:
            raise InvalidValueError(
                f"{text!r} is not a number range: write it as +3227811600-+3227811699",
                value=text,
            )
        return cls(PhoneNumber.parse(parts[0], region), PhoneNumber.parse(parts[1], region))

    def __contains__(self, number: object) -> bool:
        if not isinstance(number, PhoneNumber):
            return False
        e164 = number.e164
        return len(e164) == len(self.first.e164) and self.first.e164 <= e164 <= self.last.e164

    def __iter__(self) -> Iterator[PhoneNumber]:
        width = len(self.first.e164) - 1
        for value in range(int(self.first.e164[1:]), int(self.last.e164[1:]) + 1):
            yield _unchecked(f"+{value:0{width}d}")

    def __len__(self) -> int:
        return int(self.last.e164[1:]) - int(self.first.e164[1:]) + 1

    def __str__(self) -> str:
        return f"{self.first.e164}-{self.last.e164}"

    def __repr__(self) -> str:
        return f"NumberRange({str(self)!r})"
