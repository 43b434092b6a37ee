"""Users, user groups, mobile phones and the settings a member inherits."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.strategies import settings, user_groups, users

from cloudtel import (
    CloudtelError,
    FileProblemsError,
    InvalidPhoneNumberError,
    InvalidValueError,
    MobilePhone,
    PhoneNumber,
    ResolvedSetting,
    Settings,
    User,
    UserGroup,
    Visibility,
    load,
)
from cloudtel.users import SETTING_DEFAULTS, resolve_settings

# --- users -----------------------------------------------------------------------------


def test_a_user_with_every_field_of_the_user_page() -> None:
    user = User(
        username="Demo.User@Orange.be",
        first_name="demo",
        last_name="user",
        department="Sales",
        email="demo.user@orange.be",
        field_1="one",
        field_2="two",
        field_3="three",
        groups=("Everybody", "CC"),
        primary_line="+32 2 781 16 03",
        aliases=["027811653"],
        mobile_phones=(MobilePhone(number="+32 480 08 00 80"),),
        settings=Settings(language="nl", softphone=True, cost_centre="CC-1"),
    )
    assert user.username == "demo.user@orange.be"  # stored lower case
    assert user.primary_line == PhoneNumber("+3227811603")
    assert user.aliases == (PhoneNumber("+3227811653"),)
    assert user.lines == (PhoneNumber("+3227811603"), PhoneNumber("+3227811653"))
    assert user.mobile_phones[0].number == PhoneNumber("+32480080080")
    # unset until the organisation fills it in from the user's settings (group, default)
    assert user.mobile_phones[0].profile is None
    assert user.display_name == "demo user"
    assert user.groups == ("Everybody", "CC")


def test_a_user_is_an_immutable_value() -> None:
    user = User(username="a@orange.be")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        user.first_name = "x"  # type: ignore[misc]
    assert user == User(username="A@orange.be")


def test_display_name_falls_back_to_the_username() -> None:
    assert User(username="a@orange.be").display_name == "a@orange.be"
    assert User(username="a@orange.be", last_name="Bloes").display_name == "Bloes"


@pytest.mark.parametrize("username", ["demo", "demo@", "@orange.be", "demo user@orange.be", ""])
def test_a_username_must_be_e_mail_like(username: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        User(username=username)
    assert caught.value.context["field"] == "username"
    assert "e-mail-like" in str(caught.value) or "username" in str(caught.value)


def test_a_username_must_be_text() -> None:
    with pytest.raises(InvalidValueError, match="username"):
        User(username=42)


def test_an_email_must_be_an_address() -> None:
    with pytest.raises(InvalidValueError, match="email 'nope'") as caught:
        User(username="a@orange.be", email="nope")
    assert caught.value.context["field"] == "email"


@pytest.mark.parametrize("field", ["first_name", "last_name", "department", "field_1", "field_3"])
def test_text_fields_are_one_line(field: str) -> None:
    for text in ("two\nlines", "two\r\nlines", "nul\x00", "lone \ud800 surrogate", "esc\x1b[2J"):
        with pytest.raises(InvalidValueError, match="must be one line of text") as caught:
            User(username="a@orange.be", **{field: text})  # type: ignore[arg-type]
        assert caught.value.context["field"] == field
    assert User(username="a@orange.be", **{field: "Zoë 🙂 \t tab"}).display_name  # type: ignore[arg-type]


def test_a_group_listed_twice_in_a_users_groups_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="'Sales' is listed twice") as caught:
        User(username="a@orange.be", groups=("Sales", "Sales"))
    assert caught.value.context["field"] == "groups"


def test_an_invalid_line_is_refused_with_the_input() -> None:
    with pytest.raises(InvalidPhoneNumberError, match="'\\+3248008008'"):
        User(username="a@orange.be", primary_line="+3248008008")
    with pytest.raises(InvalidPhoneNumberError, match="'12'"):
        User(username="a@orange.be", aliases=["12"])


def test_a_mobile_phone_may_be_any_valid_number_of_any_country() -> None:
    for text in ("+32 480 08 00 80", "+31 6 12345678", "+1 201 555 0123", "+81 90 1234 5678"):
        assert MobilePhone(number=text).number == PhoneNumber.parse(text)
    with pytest.raises(InvalidPhoneNumberError, match="'\\+3248008008'"):
        MobilePhone(number="+3248008008")


def test_mobile_phones_take_numbers_and_refuse_anything_else() -> None:
    user = User(username="a@orange.be", mobile_phones=["0475 12 34 99"])
    assert user.mobile_phones == (MobilePhone(number="+32475123499"),)
    for wrong in ({"number": "+32475123499"}, 32475123499):
        with pytest.raises(InvalidValueError, match="mobile_phones\\[0\\]") as caught:
            User(username="a@orange.be", mobile_phones=[wrong])
        assert caught.value.context["field"] == "mobile_phones[0]"


# --- groups and settings -----------------------------------------------------------------


def test_a_group_name_is_trimmed_and_must_not_be_empty() -> None:
    assert UserGroup(name="  Sales ").name == "Sales"
    for name in ("", "   ", "two\nlines"):
        with pytest.raises(InvalidValueError) as caught:
            UserGroup(name=name)
        assert caught.value.context["field"] == "name"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("language", "dutch"),
        ("language", "NL"),
        ("time_zone", "Mars/Olympus_Mons"),
        ("time_zone", "Europe/Brussel"),
        ("directory_visibility", "sometimes"),
        ("cost_centre", "a\nb"),
    ],
)
def test_settings_are_checked(field: str, value: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        Settings(**{field: value})  # type: ignore[arg-type]
    assert repr(value) in str(caught.value)
    assert caught.value.context["field"] == field


def test_settings_accept_valid_values_and_list_what_is_set() -> None:
    chosen = Settings(language="nl-BE", time_zone="Europe/Brussels", directory_visibility="hidden")
    assert chosen.directory_visibility is Visibility.HIDDEN
    assert dict(chosen.items()) == {
        "language": "nl-BE",
        "time_zone": "Europe/Brussels",
        "directory_visibility": Visibility.HIDDEN,
    }
    assert dict(Settings().items()) == {}


def test_setting_errors_belong_to_the_cloudtel_tree() -> None:
    with pytest.raises(CloudtelError) as caught:
        Settings(time_zone="Nowhere/City")
    assert caught.value.context == {"field": "time_zone", "value": "Nowhere/City"}


# --- resolving settings --------------------------------------------------------------------


def test_precedence_user_then_groups_in_order_then_organisation_then_default() -> None:
    user = User(username="a@orange.be", settings=Settings(language="en"))
    support = UserGroup(name="Support", settings=Settings(language="fr", cost_centre="SUP"))
    sales = UserGroup(name="Sales", settings=Settings(cost_centre="SALES", softphone=True))
    org = Settings(softphone=False, directory_visibility=Visibility.HIDDEN)

    resolved = resolve_settings(user, [support, sales], org)

    assert resolved["language"] == ResolvedSetting("en", "user")
    assert resolved["cost_centre"] == ResolvedSetting("SUP", "group:Support")
    assert resolved["softphone"] == ResolvedSetting(True, "group:Sales")
    assert resolved["directory_visibility"] == ResolvedSetting(Visibility.HIDDEN, "organization")
    assert resolved["mobile_profile"] == ResolvedSetting("Standard", "default")
    assert set(resolved) == set(SETTING_DEFAULTS)

    # the other priority order of the groups changes who wins
    swapped = resolve_settings(user, [sales, support], org)
    assert swapped["cost_centre"] == ResolvedSetting("SALES", "group:Sales")


def test_false_and_empty_values_set_on_a_level_win() -> None:
    user = User(username="a@orange.be", settings=Settings(softphone=False, cost_centre=""))
    group = UserGroup(name="CC", settings=Settings(softphone=True, cost_centre="CC"))
    resolved = resolve_settings(user, [group])
    assert resolved["softphone"] == ResolvedSetting(False, "user")
    assert resolved["cost_centre"] == ResolvedSetting("", "user")


@given(
    users(),
    st.lists(user_groups(), max_size=4, unique_by=lambda g: g.name),
    settings(),
)
def test_resolved_value_comes_from_the_first_level_that_sets_it(
    user: User, groups: list[UserGroup], org: Settings
) -> None:
    resolved = resolve_settings(user, groups, org)
    levels = [("user", user.settings)]
    levels += [(f"group:{g.name}", g.settings) for g in groups]
    levels.append(("organization", org))
    assert set(resolved) == set(SETTING_DEFAULTS)
    for name, result in resolved.items():
        setters = [
            (source, getattr(s, name)) for source, s in levels if getattr(s, name) is not None
        ]
        if setters:
            assert result == ResolvedSetting(setters[0][1], setters[0][0])
        else:
            assert result == ResolvedSetting(SETTING_DEFAULTS[name], "default")
        # the value really is the one set at the level the source names
        if result.source.startswith("group:"):
            group = next(g for g in groups if f"group:{g.name}" == result.source)
            assert getattr(group.settings, name) == result.value


def test_an_invalid_alias_names_the_alias_and_its_place() -> None:
    with pytest.raises(InvalidPhoneNumberError) as caught:
        User(username="a@orange.be", aliases=["+3227811620", "+3248008008"])
    assert caught.value.context["field"] == "aliases[1]"
    assert str(caught.value).startswith("alias '+3248008008' is not a valid phone number")


# --- org files of an older cloudtel: aliases without a primary line -------------------------

OLD_FILE = """schema_version = 1

[organization]
name = "Old"
domain = "orange.be"
number_ranges = ["+3227811600-+3227811699"]

[[users]]
username = "jan@orange.be"
aliases = ["+3227811601"]

[[users]]
username = "an@orange.be"
aliases = ["02 781 16 02", "+3227811603"]
"""


def test_an_old_file_with_aliases_but_no_line_says_what_to_change_for_each_user(
    tmp_path: Path,
) -> None:
    # Before: "set primary_line first", with no word of which number or how.
    path = tmp_path / "old.toml"
    path.write_text(OLD_FILE, encoding="utf-8")
    with pytest.raises(FileProblemsError) as caught:
        load(path)
    problems = {problem.path: problem.message for problem in caught.value.problems}
    assert set(problems) == {"users[0].aliases", "users[1].aliases"}
    assert problems["users[0].aliases"].startswith(
        "user 'jan@orange.be' has aliases but no primary line"
    )
    assert (
        'give the user primary_line = "+3227811601" and no aliases' in problems["users[0].aliases"]
    )
    assert (
        'give the user primary_line = "+3227811602" and aliases = ["+3227811603"]'
        in problems["users[1].aliases"]
    )
    # doing what the messages say makes the file load, with the same numbers
    path.write_text(
        OLD_FILE.replace('aliases = ["+3227811601"]', 'primary_line = "+3227811601"').replace(
            'aliases = ["02 781 16 02", "+3227811603"]',
            'primary_line = "+3227811602"\naliases = ["+3227811603"]',
        ),
        encoding="utf-8",
    )
    org = load(path)
    assert [n.e164 for n in org.user("jan@orange.be").lines] == ["+3227811601"]
    assert [n.e164 for n in org.user("an@orange.be").lines] == ["+3227811602", "+3227811603"]
