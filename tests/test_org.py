"""The organisation: its invariants on every change, numbers, settings, finding users."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.strategies import organizations

from cloudtel import (
    CloudtelError,
    DuplicateError,
    FileProblemsError,
    InvalidValueError,
    MobilePhone,
    NotFoundError,
    NumberNotAvailableError,
    NumberRange,
    Organization,
    Part,
    PhoneNumber,
    Reference,
    ReferencedError,
    ResolvedSetting,
    Settings,
    User,
    UserGroup,
    Visibility,
)
from cloudtel.org import SORT_COLUMNS, part
from cloudtel.users import SETTING_DEFAULTS


def n(text: str) -> PhoneNumber:
    return PhoneNumber.parse(text)


@attrs.define
class Lines(Part):
    """A test part that holds function numbers, refers to users and remembers forgets."""

    numbers: tuple[PhoneNumber, ...] = ()
    uses: tuple[str, ...] = ()
    forgotten: list[str] = attrs.field(factory=list, init=False, eq=False)

    def held_numbers(self) -> Iterable[tuple[PhoneNumber, str]]:
        return [(number, f"function number {number}") for number in self.numbers]

    def references(self) -> Iterable[Reference]:
        return [
            Reference("user", name, f"hunt group 'Sales line' (member {name})")
            for name in self.uses
        ]

    def forget_user(self, username: str) -> None:
        self.forgotten.append(f"user {username}")

    def forget_group(self, name: str) -> None:
        self.forgotten.append(f"group {name}")


@attrs.define(eq=False, repr=False)
class LabOrganization(Organization):
    """An organisation with the test part."""

    lines: Lines = part(Lines)  # noqa: RUF009 - part() declares an attrs field


@pytest.fixture
def org() -> Organization:
    org = Organization(
        name="Orange labo",
        domain="orange.be",
        number_ranges=("+3227811600-+3227811699", "+3292470680-+3292470689"),
        main_number="+3292470680",
    )
    for name in ("Everybody", "Sales", "Support"):
        org.add_group(UserGroup(name=name))
    org.add_user(
        User(
            username="adel.alkoubaisy@orange.be",
            first_name="Adel",
            last_name="Al Koubaisy",
            groups=("Everybody", "Sales"),
            primary_line="+3227811601",
        )
    )
    org.add_user(
        User(
            username="alexandra.meuwissen@orange.be",
            first_name="Alexandra",
            last_name="Meuwissen",
            groups=("Everybody", "Support"),
            primary_line="+3227811602",
            aliases=("+3227811652",),
        )
    )
    return org


# --- the organisation itself ------------------------------------------------------------


def test_defaults_are_belgian() -> None:
    org = Organization(name="Orange labo", domain="orange.be")
    assert org.country == "BE"
    assert org.language == "nl"
    assert org.time_zone == "Europe/Brussels"
    assert org.number_ranges == ()
    assert list(org.available_numbers()) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("name", "two\nlines"),
        ("domain", "  "),
        ("country", "XX"),
        ("language", "Dutch"),
        ("time_zone", "Europe/Gent"),
    ],
)
def test_header_fields_are_checked_and_named(field: str, value: str) -> None:
    fields: dict[str, Any] = {"name": "Orange labo", "domain": "orange.be", field: value}
    with pytest.raises(InvalidValueError) as caught:
        Organization(**fields)
    assert caught.value.context["field"] == field


def test_header_fields_are_checked_on_change_too(org: Organization) -> None:
    with pytest.raises(InvalidValueError) as caught:
        org.time_zone = "Europe/Gent"
    assert caught.value.context["field"] == "time_zone"
    with pytest.raises(InvalidValueError):
        org.country = "XX"
    with pytest.raises(InvalidValueError, match="'\\+3248008008'"):
        org.main_number = "+3248008008"  # type: ignore[assignment]
    assert org.time_zone == "Europe/Brussels"
    assert org.country == "BE"
    org.country = "nl"
    assert org.country == "NL"


def test_overlapping_ranges_are_refused() -> None:
    with pytest.raises(InvalidValueError, match="overlap") as caught:
        Organization(
            name="x",
            domain="x.be",
            number_ranges=("+3227811600-+3227811699", "+3227811650-+3227811659"),
        )
    assert caught.value.context["field"] == "number_ranges"


def test_changing_ranges_cannot_orphan_a_held_number(org: Organization) -> None:
    with pytest.raises(NumberNotAvailableError, match=r"\+3227811652") as caught:
        org.number_ranges = ("+3227811600-+3227811649", "+3292470680-+3292470689")  # type: ignore[assignment]
    assert caught.value.context["field"] == "number_ranges"
    assert len(org.number_ranges) == 2
    assert str(org.number_ranges[0]) == "+3227811600-+3227811699"
    # ranges that still cover every held number are fine
    org.number_ranges = ("+3227811600-+3227811659",)  # type: ignore[assignment]
    assert org.number_ranges == (NumberRange.parse("+3227811600-+3227811659"),)
    assert len(list(org.available_numbers())) == 60 - 3


def test_changing_ranges_cannot_orphan_a_function_number() -> None:
    org = LabOrganization(name="x", domain="x.be", number_ranges=("+3292470680-+3292470689",))
    object.__setattr__(org, "lines", Lines(numbers=(n("+3292470689"),)))
    org.lines.attach(org)
    with pytest.raises(NumberNotAvailableError, match="function number"):
        org.number_ranges = ("+3292470680-+3292470688",)  # type: ignore[assignment]


def test_a_part_knows_its_key_in_the_org_file() -> None:
    org = LabOrganization(name="x", domain="x.be")
    assert org.lines.key == "lines"
    assert org.contacts.key == "contacts"
    assert LabOrganization.part_names()[-1] == "lines"  # a subclass's parts come last
    with pytest.raises(InvalidValueError, match="Lines is not part of an organisation"):
        _ = Lines().key


# --- groups ---------------------------------------------------------------------------------


def test_group_names_are_unique(org: Organization) -> None:
    with pytest.raises(DuplicateError, match="'Sales' exists already") as caught:
        org.add_group(UserGroup(name="Sales"))
    assert caught.value.context["field"] == "name"
    assert [g.name for g in org.groups] == ["Everybody", "Sales", "Support"]


def test_groups_keep_their_priority_order(org: Organization) -> None:
    org.add_group(UserGroup(name="ACD Supervisor"), position=0)
    assert [g.name for g in org.groups] == ["ACD Supervisor", "Everybody", "Sales", "Support"]
    org.move_group("Support", 1)
    assert [g.name for g in org.groups] == ["ACD Supervisor", "Support", "Everybody", "Sales"]
    groups = [g.name for g in org.groups_of("alexandra.meuwissen@orange.be")]
    assert groups == ["Support", "Everybody"]


def test_an_unknown_group_is_a_lookup_error_listing_the_groups(org: Organization) -> None:
    with pytest.raises(NotFoundError, match="no user group 'CC'; groups are: Everybody") as caught:
        org.group("CC")
    assert isinstance(caught.value, LookupError)
    with pytest.raises(NotFoundError):
        org.members("CC")
    with pytest.raises(NotFoundError):
        org.remove_group("CC")


def test_members_of_a_group(org: Organization) -> None:
    assert [u.first_name for u in org.members("Everybody")] == ["Adel", "Alexandra"]
    assert [u.first_name for u in org.members("Sales")] == ["Adel"]


def test_adding_and_removing_members(org: Organization) -> None:
    org.add_member("alexandra.meuwissen@orange.be", "Sales")
    org.add_member("alexandra.meuwissen@orange.be", "Sales")  # no change the second time
    assert org.user("alexandra.meuwissen@orange.be").groups == ("Everybody", "Support", "Sales")
    org.remove_member("alexandra.meuwissen@orange.be", "Everybody")
    assert org.user("alexandra.meuwissen@orange.be").groups == ("Support", "Sales")
    with pytest.raises(NotFoundError):
        org.add_member("alexandra.meuwissen@orange.be", "CC")


def test_deleting_a_group_removes_its_memberships() -> None:
    org = LabOrganization(name="x", domain="x.be")
    org.add_group(UserGroup(name="Sales"))
    org.add_group(UserGroup(name="Everybody"))
    org.add_user(User(username="a@x.be", groups=("Sales", "Everybody")))
    removed = org.remove_group("Sales")
    assert removed.name == "Sales"
    assert org.user("a@x.be").groups == ("Everybody",)
    assert [g.name for g in org.groups] == ["Everybody"]
    assert org.lines.forgotten == ["group Sales"]
    # the name is free again, and the old members do not come back with it
    org.add_group(UserGroup(name="Sales"))
    assert org.members("Sales") == ()


def test_renaming_a_group_renames_the_memberships(org: Organization) -> None:
    renamed = org.update_group("Sales", name="Verkoop", description="Sales team")
    assert renamed == UserGroup(name="Verkoop", description="Sales team")
    assert [g.name for g in org.groups] == ["Everybody", "Verkoop", "Support"]
    assert org.user("adel.alkoubaisy@orange.be").groups == ("Everybody", "Verkoop")
    assert [u.first_name for u in org.members("Verkoop")] == ["Adel"]
    with pytest.raises(NotFoundError):
        org.group("Sales")


def test_renaming_a_group_to_a_taken_name_is_refused(org: Organization) -> None:
    with pytest.raises(DuplicateError, match="'Support' exists already") as caught:
        org.update_group("Sales", name="Support")
    assert caught.value.context["field"] == "name"
    assert org.user("adel.alkoubaisy@orange.be").groups == ("Everybody", "Sales")


def test_changing_a_group_field_that_does_not_exist_is_an_invalid_value(org: Organization) -> None:
    with pytest.raises(InvalidValueError, match="Sales"):
        org.update_group("Sales", colour="red")


def test_group_settings_change(org: Organization) -> None:
    org.update_group("Sales", settings=Settings(cost_centre="SALES-01"))
    resolved = org.resolve_settings("adel.alkoubaisy@orange.be")
    assert resolved["cost_centre"] == ResolvedSetting("SALES-01", "group:Sales")


# --- users ------------------------------------------------------------------------------------


def test_usernames_are_unique_ignoring_case(org: Organization) -> None:
    with pytest.raises(DuplicateError, match=r"adel\.alkoubaisy@orange\.be") as caught:
        org.add_user(User(username="Adel.AlKoubaisy@Orange.BE"))
    assert caught.value.context["field"] == "username"
    assert org.user("ADEL.ALKOUBAISY@orange.be").first_name == "Adel"
    assert org.has_user(" Adel.Alkoubaisy@orange.be ")
    assert not org.has_user("nobody@orange.be")


def test_an_unknown_user_is_a_lookup_error_naming_them(org: Organization) -> None:
    with pytest.raises(NotFoundError, match=r"no user 'nobody@orange\.be'") as caught:
        org.user("nobody@orange.be")
    assert isinstance(caught.value, LookupError)
    for change in (
        lambda: org.update_user("nobody@orange.be", first_name="x"),
        lambda: org.remove_user("nobody@orange.be"),
        lambda: org.resolve_settings("nobody@orange.be"),
        lambda: org.groups_of("nobody@orange.be"),
    ):
        with pytest.raises(NotFoundError):
            change()


def test_a_users_groups_must_exist(org: Organization) -> None:
    with pytest.raises(NotFoundError, match="'CC', which does not exist") as caught:
        org.add_user(User(username="new@orange.be", groups=("Everybody", "CC")))
    assert caught.value.context["field"] == "groups"
    assert not org.has_user("new@orange.be")


def test_lines_must_come_from_the_ranges(org: Organization) -> None:
    with pytest.raises(NumberNotAvailableError, match="not in the organisation's number ranges"):
        org.add_user(User(username="new@orange.be", primary_line="+3233001000"))
    with pytest.raises(NumberNotAvailableError) as caught:
        org.add_user(
            User(
                username="new@orange.be",
                primary_line="+3227811690",
                aliases=("+3227811610", "+32480080080"),
            )
        )
    assert caught.value.context == {"field": "aliases[1]", "value": "+32480080080"}
    assert "new@orange.be" in str(caught.value)
    assert not org.has_user("new@orange.be")


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ({"primary_line": "+3227811601"}, "primary_line"),  # Adel's primary line
        ({"primary_line": "+3227811652"}, "primary_line"),  # Alexandra's alias
        ({"primary_line": "+3227811690", "aliases": ("+3227811620", "+3227811602")}, "aliases[1]"),
    ],
)
def test_a_number_is_assigned_once(org: Organization, lines: dict[str, object], field: str) -> None:
    before = list(org.available_numbers())
    with pytest.raises(NumberNotAvailableError, match="is held already by user") as caught:
        org.add_user(User(username="new@orange.be", **lines))  # type: ignore[arg-type]
    assert caught.value.context["field"] == field
    assert not org.has_user("new@orange.be")
    assert list(org.available_numbers()) == before


def test_a_number_is_assigned_once_within_a_user(org: Organization) -> None:
    with pytest.raises(DuplicateError, match="listed twice") as caught:
        org.add_user(
            User(username="new@orange.be", primary_line="+3227811610", aliases=("+3227811610",))
        )
    assert caught.value.context["field"] == "aliases[0]"


def test_mobile_phones_may_be_any_valid_number(org: Organization) -> None:
    user = org.add_user(
        User(
            username="new@orange.be",
            mobile_phones=(
                MobilePhone(number="+32480080080"),
                MobilePhone(number="+31612345678", profile="Twinning"),
                MobilePhone(number="+12015550123"),
            ),
        )
    )
    assert [m.number.region for m in user.mobile_phones] == ["BE", "NL", "US"]
    with pytest.raises(InvalidValueError, match="'\\+3248008008'"):
        org.update_user("new@orange.be", mobile_phones=(MobilePhone(number="+3248008008"),))


def test_function_numbers_held_by_a_part_cannot_be_given_to_users() -> None:
    org = LabOrganization(name="x", domain="x.be", number_ranges=("+3292470680-+3292470689",))
    object.__setattr__(org, "lines", Lines(numbers=(n("+3292470681"),)))
    org.lines.attach(org)
    assert n("+3292470681") not in list(org.available_numbers())
    assert org.holder_of("+3292470681") == "function number +3292470681"
    with pytest.raises(NumberNotAvailableError, match="held already by function number"):
        org.add_user(User(username="a@x.be", primary_line="+3292470682", aliases=("+3292470681",)))
    org.check_line_number(n("+3292470682"), "function number +3292470682", field="number")
    org.check_line_number(n("+3292470681"), "function number +3292470681", field="number")
    with pytest.raises(NumberNotAvailableError, match="held already"):
        org.check_line_number(n("+3292470681"), "user a@x.be", field="number")
    with pytest.raises(NumberNotAvailableError, match="not in the organisation's number ranges"):
        org.check_line_number(n("+3227811600"), "function number", field="number")


def test_changing_a_user_checks_every_invariant_and_keeps_the_old_on_failure(
    org: Organization,
) -> None:
    name = "alexandra.meuwissen@orange.be"
    before = org.user(name)
    for changes in (
        {"primary_line": "+3227811601"},  # Adel's
        {"aliases": ("+3233001000",)},  # outside the ranges
        {"groups": ("CC",)},  # no such group
        {"username": "adel.alkoubaisy@orange.be"},  # taken
        {"email": "not an address"},
        {"shoe_size": 42},  # no such field
    ):
        with pytest.raises(CloudtelError) as caught:
            org.update_user(name, **changes)
        assert isinstance(caught.value, ValueError | LookupError)
        assert org.user(name) == before
    assert org.holder_of("+3227811652") == f"user {name}"


def test_changing_a_users_lines_frees_the_old_ones(org: Organization) -> None:
    name = "alexandra.meuwissen@orange.be"
    org.update_user(name, primary_line="+3227811652", aliases=("+3227811603",))  # swap is fine
    assert org.holder_of("+3227811602") is None
    assert n("+3227811602") in list(org.available_numbers())
    org.add_user(User(username="new@orange.be", primary_line="+3227811602"))
    assert org.holder_of("+3227811602") == "user new@orange.be"


def test_renaming_a_user_keeps_their_numbers_and_groups(org: Organization) -> None:
    renamed = org.update_user("Alexandra.Meuwissen@orange.be", username="a.meuwissen@orange.be")
    assert renamed.groups == ("Everybody", "Support")
    assert org.holder_of("+3227811602") == "user a.meuwissen@orange.be"
    assert not org.has_user("alexandra.meuwissen@orange.be")
    assert [u.username for u in org.users][-1] == "a.meuwissen@orange.be"


def test_deleting_a_user_frees_their_numbers() -> None:
    org = LabOrganization(name="x", domain="x.be", number_ranges=("+3292470680-+3292470689",))
    org.add_user(User(username="a@x.be", primary_line="+3292470680", aliases=("+3292470681",)))
    assert len(list(org.available_numbers())) == 8
    removed = org.remove_user("A@x.be")
    assert removed.username == "a@x.be"
    assert not org.has_user("a@x.be")
    assert len(list(org.available_numbers())) == 10
    assert org.holder_of("+3292470681") is None
    assert org.lines.forgotten == ["user a@x.be"]
    org.add_user(User(username="b@x.be", primary_line="+3292470681"))


def test_a_referred_object_cannot_be_deleted_while_referred() -> None:
    org = LabOrganization(name="x", domain="x.be")
    object.__setattr__(org, "lines", Lines(uses=("a@x.be",)))
    org.lines.attach(org)
    assert org.referrers("user", "a@x.be") == ["hunt group 'Sales line' (member a@x.be)"]
    assert org.referrers("user", "b@x.be") == []
    with pytest.raises(ReferencedError, match="used by hunt group 'Sales line'") as caught:
        org.check_unreferenced("user", "a@x.be")
    assert caught.value.context["referrers"] == ["hunt group 'Sales line' (member a@x.be)"]
    org.check_unreferenced("user", "b@x.be")


# --- numbers ----------------------------------------------------------------------------------


def test_available_numbers_are_the_free_numbers_of_the_ranges_in_order(org: Organization) -> None:
    free = list(org.available_numbers())
    assert len(free) == 110 - 3
    assert free[0] == n("+3227811600")
    assert n("+3227811601") not in free
    assert n("+3227811602") not in free
    assert n("+3227811652") not in free
    assert free == sorted(free, key=lambda x: (x.e164[:5], x.e164))
    assert org.holder_of("027811601") == "user adel.alkoubaisy@orange.be"
    assert org.holder_of("+3227811603") is None
    assert org.in_ranges(n("+3292470689"))
    assert not org.in_ranges(n("+3292470690"))


# --- settings -----------------------------------------------------------------------------------


def test_resolved_settings_of_a_user_say_where_each_value_came_from(org: Organization) -> None:
    org.language = "fr"
    org.settings = Settings(softphone=True)
    org.update_group("Everybody", settings=Settings(mobile_profile="Twinning", softphone=False))
    org.update_group("Support", settings=Settings(cost_centre="SUP-02", softphone=True))
    org.update_user("alexandra.meuwissen@orange.be", settings=Settings(time_zone="UTC"))
    resolved = org.resolve_settings("alexandra.meuwissen@orange.be")
    assert resolved == {
        "language": ResolvedSetting("fr", "organization"),
        "time_zone": ResolvedSetting("UTC", "user"),
        "cost_centre": ResolvedSetting("SUP-02", "group:Support"),
        "directory_visibility": ResolvedSetting(Visibility.ALWAYS, "default"),
        "softphone": ResolvedSetting(False, "group:Everybody"),  # Everybody has priority here
        "mobile_profile": ResolvedSetting("Twinning", "group:Everybody"),
        "mobile_client_licence": ResolvedSetting(False, "default"),
        "full_caller_id": ResolvedSetting(False, "default"),
        "pbx_integration": ResolvedSetting(False, "default"),
    }
    org.move_group("Support", 0)
    resolved = org.resolve_settings("alexandra.meuwissen@orange.be")
    assert resolved["softphone"] == ResolvedSetting(True, "group:Support")


@given(organizations(parts=False, max_users=4), st.data())
def test_resolved_settings_follow_user_groups_organisation_default(
    org: Organization, data: st.DataObject
) -> None:
    if not org.users:
        return
    user = data.draw(st.sampled_from(org.users))
    resolved = org.resolve_settings(user.username)
    org_level = attrs.evolve(
        org.settings,
        language=org.settings.language or org.language,
        time_zone=org.settings.time_zone or org.time_zone,
    )
    levels = [("user", user.settings)]
    levels += [(f"group:{g.name}", g.settings) for g in org.groups if g.name in user.groups]
    levels.append(("organization", org_level))
    for name in SETTING_DEFAULTS:
        expected = next(
            (
                ResolvedSetting(getattr(s, name), source)
                for source, s in levels
                if getattr(s, name) is not None
            ),
            ResolvedSetting(SETTING_DEFAULTS[name], "default"),
        )
        assert resolved[name] == expected
    # language and time zone always have an organisation value at least
    assert resolved["language"].source != "default"
    assert resolved["time_zone"].source != "default"


# --- finding users ------------------------------------------------------------------------------


@pytest.fixture
def crowd() -> Organization:
    org = Organization(name="x", domain="x.be", number_ranges=("+3227811600-+3227811699",))
    org.add_group(UserGroup(name="Sales"))
    org.add_group(UserGroup(name="Support"))
    people = [
        ("an.tutak", "An", "Tutak", "Sales", "+3227811610"),
        ("andre.desutter", "André", "De Sutter", "Support", "+3227811607"),
        ("andre.wildiers", "Andre", "Wildiers", "Support", "+3227811606"),
        ("arne.bloes", "Arne", "Bloes", "", None),
        ("steven.lathouwers", "Steven", "Lathouwers", "Sales", "+3227811604"),
        ("zoe.anders", "Zoë", "anders", "", "+3227811699"),
    ]
    for login, first, last, group, line in people:
        org.add_user(
            User(
                username=f"{login}@x.be",
                first_name=first,
                last_name=last,
                department=group or "IT",
                email=f"{login}@mail.x.be",
                groups=(group,) if group else (),
                primary_line=line,
            )
        )
    return org


def _logins(page: Iterable[User]) -> list[str]:
    return [u.username.split("@")[0] for u in page]


def test_search_matches_part_of_username_first_or_last_name_ignoring_case(
    crowd: Organization,
) -> None:
    assert _logins(crowd.find_users("ANDRE")) == ["andre.desutter", "andre.wildiers"]
    assert _logins(crowd.find_users("and")) == ["andre.desutter", "andre.wildiers", "zoe.anders"]
    assert _logins(crowd.find_users("sutter")) == ["andre.desutter"]  # last name
    assert _logins(crowd.find_users("ARNE")) == ["arne.bloes"]  # first name and username
    assert _logins(crowd.find_users("  wild ")) == ["andre.wildiers"]
    assert _logins(crowd.find_users("nobody")) == []
    assert crowd.find_users("nobody").total == 0
    assert len(crowd.find_users()) == 6


def test_search_by_group(crowd: Organization) -> None:
    assert _logins(crowd.find_users(group="Sales")) == ["an.tutak", "steven.lathouwers"]
    assert _logins(crowd.find_users("an", group="Sales")) == ["an.tutak"]
    with pytest.raises(NotFoundError, match="no user group 'CC'"):
        crowd.find_users(group="CC")


@pytest.mark.parametrize(
    ("column", "ascending"),
    [
        (
            "username",
            ["an.tutak", "andre.desutter", "andre.wildiers", "arne.bloes", "steven.lathouwers",
             "zoe.anders"],
        ),
        (
            "first_name",
            ["an.tutak", "andre.wildiers", "andre.desutter", "arne.bloes", "steven.lathouwers",
             "zoe.anders"],
        ),
        (
            "last_name",
            ["zoe.anders", "arne.bloes", "andre.desutter", "steven.lathouwers", "an.tutak",
             "andre.wildiers"],
        ),
        (
            "primary_line",
            ["arne.bloes", "steven.lathouwers", "andre.wildiers", "andre.desutter", "an.tutak",
             "zoe.anders"],
        ),
        (
            "department",
            ["arne.bloes", "zoe.anders", "an.tutak", "steven.lathouwers", "andre.desutter",
             "andre.wildiers"],
        ),
        (
            "email",
            ["an.tutak", "andre.desutter", "andre.wildiers", "arne.bloes", "steven.lathouwers",
             "zoe.anders"],
        ),
    ],
)  # fmt: skip
def test_sort_by_every_column_both_ways(
    crowd: Organization, column: str, ascending: list[str]
) -> None:
    assert _logins(crowd.find_users(sort=column)) == ascending
    descending = _logins(crowd.find_users(sort=column, descending=True))
    assert sorted(descending) == sorted(ascending)
    # the column's values come out in reverse order (ties may keep any order)
    values = [getattr(crowd.user(f"{x}@x.be"), column) for x in descending]
    keys = ["" if v is None else str(v).casefold() for v in values]
    assert keys == sorted(keys, reverse=True)


def test_every_sort_column_is_tested() -> None:
    assert set(SORT_COLUMNS) == {
        "username",
        "first_name",
        "last_name",
        "primary_line",
        "department",
        "email",
    }


def test_an_unknown_sort_column_names_the_columns(crowd: Organization) -> None:
    with pytest.raises(
        InvalidValueError, match=r"cannot sort users by 'shoe'.*last_name"
    ) as caught:
        crowd.find_users(sort="shoe")
    assert caught.value.context["field"] == "sort"


def test_paging(crowd: Organization) -> None:
    first = crowd.find_users(page_size=4)
    assert (first.page, first.page_size, first.total, first.pages) == (1, 4, 6, 2)
    assert len(first) == 4
    second = crowd.find_users(page_size=4, page=2)
    assert len(second) == 2
    assert _logins(first) + _logins(second) == _logins(crowd.find_users())
    beyond = crowd.find_users(page_size=4, page=3)
    assert (len(beyond), beyond.total, beyond.pages) == (0, 6, 2)
    one = crowd.find_users(page_size=1, page=6, sort="last_name")
    assert _logins(one) == ["andre.wildiers"]
    assert one.pages == 6
    assert crowd.find_users("nobody").pages == 1
    for bad in ({"page": 0}, {"page_size": 0}, {"page": -1}):
        with pytest.raises(InvalidValueError, match="start at 1"):
            crowd.find_users(**bad)  # type: ignore[arg-type]


@given(
    organizations(parts=False, max_users=12),
    st.sampled_from(SORT_COLUMNS),
    st.booleans(),
    st.integers(1, 5),
    st.text("abcdefghijklmnopqrstuvwxyz.", max_size=2),
)
def test_the_pages_together_are_the_filtered_sorted_list(
    org: Organization, column: str, descending: bool, size: int, search: str
) -> None:
    everyone = org.find_users(search, sort=column, descending=descending, page_size=1000)
    expected = [
        u
        for u in org.users
        if search in u.username
        or search in u.first_name.casefold()
        or search in u.last_name.casefold()
    ]
    assert sorted(u.username for u in everyone) == sorted(u.username for u in expected)
    assert everyone.total == len(expected)
    pages = [
        org.find_users(search, sort=column, descending=descending, page=p, page_size=size)
        for p in range(1, len(expected) // size + 3)
    ]
    assert all(p.total == len(expected) for p in pages)
    assert pages[0].pages == max(1, -(-len(expected) // size))
    assert [u for p in pages for u in p] == list(everyone)


# --- equality ---------------------------------------------------------------------------------


def test_organisations_compare_by_content(org: Organization) -> None:
    other = Organization(
        name="Orange labo",
        domain="orange.be",
        number_ranges=("+3227811600-+3227811699", "+3292470680-+3292470689"),
        main_number="+3292470680",
    )
    for group in org.groups:
        other.add_group(group)
    for user in org.users:
        other.add_user(user)
    assert other == org
    other.update_user("adel.alkoubaisy@orange.be", department="Sales")
    assert other != org
    with pytest.raises(TypeError):
        hash(org)


# --- the example organisation -----------------------------------------------------------------


def test_the_example_organisation_is_the_manuals_orange_labo(example_org: Organization) -> None:
    org = example_org
    assert org.name == "Orange labo"
    assert org.main_number == n("+3292470680")
    assert {g.name for g in org.groups} >= {
        "Everybody",
        "Sales",
        "Support",
        "ACD Supervisor",
        "CC",
        "Reports",
        "Incomming rules",
        "Outgoing rules",
        "Steven",
    }
    adel = org.find_users("Adel").users[0]
    assert (adel.first_name, adel.last_name, adel.primary_line) == (
        "Adel",
        "Al Koubaisy",
        n("+3227811601"),
    )
    alexandra = org.find_users("Meuwissen").users[0]
    assert (alexandra.first_name, alexandra.primary_line) == ("Alexandra", n("+3227811602"))
    demo = org.user("demo.user@orange.be")
    assert demo.email == "demo.user@orange.be"
    assert demo.mobile_phones
    assert demo.mobile_phones[0].number.is_mobile
    # enough users that the user list has more than one page in the demo (5 per page)
    assert org.find_users(page_size=5).pages >= 2


def test_changing_a_user_keeps_their_place_in_the_list(org: Organization) -> None:
    org.add_user(User(username="third@orange.be", first_name="Third"))
    before = [u.username for u in org.users]
    middle = before[1]
    org.update_user(middle, first_name="Changed")
    assert [u.username for u in org.users] == before
    org.update_user(middle, username="renamed@orange.be")
    after = [u.username for u in org.users]
    assert after == [("renamed@orange.be" if n == middle else n) for n in before]


def test_loading_asks_the_parts_for_their_numbers_a_fixed_number_of_times(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A load stays linear in the users whatever the number of function numbers (each
    user check used to ask every function number again, and each function number's
    check copied every user's lines)."""
    from cloudtel.functions import FunctionNumbers
    from cloudtel.serialization import from_data

    def org_file(users: int, functions: int) -> dict[str, object]:
        lines = [f"+3292470{i:03d}" for i in range(users + functions)]
        return {
            "schema_version": 1,
            "organization": {
                "name": "Labo",
                "domain": "labo.be",
                "number_ranges": ["+3292470000-+3292470999"],
            },
            "groups": [{"name": "All"}],
            "users": [
                {
                    "username": f"u{i}@labo.be",
                    "first_name": "U",
                    "last_name": f"{i}",
                    "groups": ["All"],
                    "primary_line": lines[i],
                }
                for i in range(users)
            ],
            "functions": {
                "numbers": [
                    {"name": f"F{k}", "kind": "hunt_group", "number": lines[users + k]}
                    for k in range(functions)
                ]
            },
        }

    calls = []
    original = FunctionNumbers.held_numbers

    def counted(self: FunctionNumbers) -> object:
        calls.append(1)
        return original(self)

    monkeypatch.setattr(FunctionNumbers, "held_numbers", counted)
    for users, functions in ((10, 5), (200, 100)):
        calls.clear()
        org = from_data(org_file(users, functions))
        assert len(org.users) == users
        assert len(org.functions.numbers) == functions
        assert len(calls) <= 3, (users, functions, len(calls))
    # the numbers are still held: a user cannot take a function number's line
    data = org_file(3, 2)
    data["users"][0]["primary_line"] = "+3292470003"  # type: ignore[index]
    with pytest.raises(FileProblemsError, match="held already by function number 'F0'"):
        from_data(data)
