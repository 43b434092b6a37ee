"""Org files: TOML and JSON, every problem at once with its path, atomic saves, conflicts, blobs."""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import cloudtel
import cloudtel.serialization
from cloudtel import (
    Blob,
    ConflictError,
    FileProblemsError,
    MobilePhone,
    Organization,
    Part,
    PhoneNumber,
    Problem,
    Settings,
    User,
    UserGroup,
    Visibility,
    dumps,
    load,
    loads,
    save,
)
from cloudtel.org import part
from cloudtel.serialization import SCHEMA_VERSION, Format, from_data, to_data


def small_org() -> Organization:
    org = Organization(
        name="Orange labo",
        domain="orange.be",
        number_ranges=("+3227811600-+3227811699", "+3292470680-+3292470689"),
        main_number="+3292470680",
        settings=Settings(directory_visibility=Visibility.ALWAYS),
    )
    org.add_group(UserGroup(name="Everybody", settings=Settings(mobile_profile="Standard")))
    org.add_group(
        UserGroup(name="Support", description="answers in French", settings=Settings(language="fr"))
    )
    org.add_user(
        User(
            username="demo.user@orange.be",
            first_name="demo",
            last_name="user",
            email="demo.user@orange.be",
            groups=("Everybody", "Support"),
            primary_line="+3227811603",
            aliases=("+3227811653",),
            mobile_phones=(MobilePhone(number="+32480080080"),),
            settings=Settings(softphone=True),
        )
    )
    org.add_user(
        User(username="andre.desutter@orange.be", first_name="André", last_name="De Sutter")
    )
    return org


def base_data() -> dict[str, Any]:
    return {
        "schema_version": 1,
        "organization": {
            "name": "Orange labo",
            "domain": "orange.be",
            "number_ranges": ["+3227811600-+3227811699"],
        },
        "groups": [{"name": "Everybody"}],
        "users": [],
    }


def problems_of(data: Any) -> list[Problem]:
    with pytest.raises(FileProblemsError) as caught:
        from_data(data, source="org.json")
    assert caught.value.source == "org.json"
    assert str(caught.value).startswith("org.json: ")
    return list(caught.value.problems)


def paths_of(data: Any) -> list[str]:
    return [p.path for p in problems_of(data)]


# --- both formats -----------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_save_and_load_both_formats(tmp_path: Path, suffix: str) -> None:
    org = small_org()
    path = tmp_path / f"organization{suffix}"
    save(org, path)
    again = load(path)
    assert again == org
    assert again.user("demo.user@orange.be").mobile_phones[0].number == PhoneNumber("+32480080080")
    assert again.holder_of("+3227811653") == "user demo.user@orange.be"
    assert again.source_folder() == tmp_path.resolve()


def test_toml_is_written_for_humans() -> None:
    text = dumps(small_org(), "toml")
    data = tomllib.loads(text)
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["organization"]["number_ranges"] == [
        "+3227811600-+3227811699",
        "+3292470680-+3292470689",
    ]
    assert "[[users]]" in text
    assert 'primary_line = "+3227811603"' in text
    assert "André" in text  # not escaped
    # fields left at their default are not written
    assert "field_1" not in text
    assert "country" not in data["organization"]
    assert "settings" not in data["users"][1]


def test_json_is_written_for_machines() -> None:
    text = dumps(small_org(), "json")
    data = json.loads(text)
    assert data == to_data(small_org(), "json")
    # a mobile is stored with the profile and options it got from its user's settings
    assert data["users"][0]["mobile_phones"] == [
        {
            "number": "+32480080080",
            "profile": "Standard",
            "client_licence": False,
            "full_caller_id": False,
            "pbx_integration": False,
        }
    ]
    assert data["groups"][1]["settings"] == {"language": "fr"}
    assert loads(text, "json") == small_org()


def test_national_numbers_in_a_file_are_read_with_the_organisations_country() -> None:
    data = base_data()
    data["organization"]["country"] = "BE"
    data["organization"]["number_ranges"] = ["02 781 16 00 - 02 781 16 99"]
    data["organization"]["main_number"] = "09 247 06 80"
    data["users"] = [{"username": "a@orange.be", "primary_line": "02 781 16 05"}]
    org = from_data(data)
    assert org.user("a@orange.be").primary_line == PhoneNumber("+3227811605")
    assert org.main_number == PhoneNumber("+3292470680")
    data["organization"]["country"] = "NL"
    data["organization"]["number_ranges"] = ["+3227811600-+3227811699"]
    data["organization"]["main_number"] = "020 123 4567"
    data["users"] = [{"username": "a@orange.be", "mobile_phones": [{"number": "06 12345678"}]}]
    org = from_data(data)
    assert org.main_number == PhoneNumber("+31201234567")
    assert org.user("a@orange.be").mobile_phones[0].number == PhoneNumber("+31612345678")


# --- the schema -------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [None, 0, 2, "1"])
def test_the_schema_version_is_checked(version: object) -> None:
    data = base_data()
    if version is None:
        del data["schema_version"]
    else:
        data["schema_version"] = version
    [problem] = problems_of(data)
    assert problem.path == "schema_version"
    assert f"must be {SCHEMA_VERSION}" in problem.message
    assert repr(version) in problem.message


def test_unknown_keys_are_errors_that_name_them() -> None:
    data = base_data()
    data["colour"] = "orange"
    data["organization"]["shoe_size"] = 42
    data["groups"][0]["leader"] = "x"
    data["users"] = [
        {"username": "a@orange.be", "nickname": "A"},
        {"username": "b@orange.be", "mobile_phones": [{"number": "+32480080080", "pin": 1}]},
        {"username": "c@orange.be", "settings": {"ringtone": "beep"}},
    ]
    problems = problems_of(data)
    text = "\n".join(str(p) for p in problems)
    for name in ("colour", "shoe_size", "leader", "nickname", "pin", "ringtone"):
        assert name in text, name
    assert problems[0] == Problem("colour", problems[0].message)
    assert "unknown key 'colour'" in problems[0].message
    assert "organization" in problems[0].message  # it lists the keys there are
    paths = [p.path for p in problems]
    assert "organization" in paths
    assert "groups[0]" in paths
    assert "users[0]" in paths
    assert "users[1].mobile_phones[0]" in paths
    assert "users[2].settings" in paths


def test_an_unknown_key_does_not_hide_the_other_problems_of_its_table() -> None:
    data = base_data()
    data["users"] = [
        {
            "username": "a@orange.be",
            "shoe": 4,
            "mobile_phones": [{"number": "+3248008008", "colour": "red"}],
        }
    ]
    problems = problems_of(data)
    by_path = {p.path: p.message for p in problems}
    assert "shoe" in by_path["users[0]"]
    assert "colour" in by_path["users[0].mobile_phones[0]"]
    assert "'+3248008008'" in by_path["users[0].mobile_phones[0].number"]


def test_a_part_table_inside_the_organization_table_is_reported() -> None:
    name = Organization.part_names()[0]
    data = base_data()
    data["organization"][name] = {}
    assert paths_of(data) == [f"organization.{name}"]


def test_loading_reports_every_problem_at_once_with_its_path() -> None:
    data = base_data()
    data["groups"] = [
        {"name": "Everybody"},
        {"name": "Everybody"},
        {"name": "Sales", "settings": {"language": "dutch"}},
    ]
    users: list[dict[str, Any]] = [
        {"username": f"user.{i}@orange.be", "primary_line": f"+32278116{i:02d}"} for i in range(20)
    ]
    users[12]["mobile_phones"] = [{"number": "+3248008008"}]  # the manual's short number
    users[13]["primary_line"] = "+3227811601"  # user 1's line
    users[14]["groups"] = ["CC"]
    users[15]["aliases"] = ["+3227811660", "+3233001000"]  # outside the ranges
    users[16]["username"] = "USER.3@orange.be"  # taken, ignoring case
    users[17]["email"] = "not an address"
    users[18]["settings"] = {"time_zone": "Europe/Gent"}
    del users[19]["username"]
    data["users"] = users

    problems = problems_of(data)

    by_path = {p.path: p.message for p in problems}
    assert set(by_path) == {
        "groups[1].name",
        "groups[2].settings.language",
        "users[12].mobile_phones[0].number",
        "users[13].primary_line",
        "users[14].groups",
        "users[15].aliases[1]",
        "users[16].username",
        "users[17].email",
        "users[18].settings.time_zone",
        "users[19].username",
    }
    assert (
        "'+3248008008' is not a valid phone number" in by_path["users[12].mobile_phones[0].number"]
    )
    assert "held already by user user.1@orange.be" in by_path["users[13].primary_line"]
    assert "'CC'" in by_path["users[14].groups"]
    assert "not in the organisation's number ranges" in by_path["users[15].aliases[1]"]
    assert "user.3@orange.be" in by_path["users[16].username"]
    assert "'dutch'" in by_path["groups[2].settings.language"]
    assert "'Europe/Gent'" in by_path["users[18].settings.time_zone"]
    assert "missing" in by_path["users[19].username"]
    assert len(problems) == 10


def test_a_problem_in_the_organization_table_does_not_hide_the_users_problems() -> None:
    data = base_data()
    data["organization"]["colour"] = "orange"
    data["organization"]["time_zone"] = "Europe/Gent"
    data["users"] = [
        {"username": "a@orange.be", "primary_line": "+3227811601"},
        {"username": "b@orange.be", "primary_line": "+3227811601"},
        {"username": "c@orange.be", "groups": ["CC"]},
    ]
    assert paths_of(data) == [
        "organization",
        "organization.time_zone",
        "users[1].primary_line",
        "users[2].groups",
    ]
    # unreadable number ranges: lines cannot be checked, the rest is reported
    data["organization"]["number_ranges"] = ["nonsense"]
    assert paths_of(data) == [
        "organization.number_ranges[0]",
        "organization",
        "organization.time_zone",
    ]


@pytest.mark.parametrize(
    ("user", "path", "words"),
    [
        ({"settings": {"softphone": "no"}}, "users[0].settings.softphone", "true or false"),
        ({"first_name": 5}, "users[0].first_name", "text"),
        ({"first_name": ["An"]}, "users[0].first_name", "text"),
        ({"groups": "Everybody"}, "users[0].groups", "array"),
        ({"aliases": "+3227811601"}, "users[0].aliases", "array"),
        ({"mobile_phones": {"number": "+32480080080"}}, "users[0].mobile_phones", "array"),
        ({"mobile_phones": [{"number": 32480080080}]}, "users[0].mobile_phones[0].number", "text"),
        ({"mobile_phones": ["+32480080080"]}, "users[0].mobile_phones[0]", "table"),
        (
            {"settings": {"directory_visibility": "sometimes"}},
            "users[0].settings.directory_visibility",
            "'hidden'",
        ),
    ],
)
def test_values_of_the_wrong_kind_are_problems_not_silently_converted(
    user: dict[str, Any], path: str, words: str
) -> None:
    data = base_data()
    data["users"] = [{"username": "a@orange.be", **user}]
    [problem] = problems_of(data)
    assert problem.path == path
    assert words in problem.message


def test_a_file_that_is_not_a_table_or_misses_the_organization() -> None:
    assert paths_of([1, 2]) == [""]
    data = base_data()
    del data["organization"]
    assert "organization" in paths_of(data)
    data = base_data()
    data["users"] = {"username": "a@orange.be"}
    assert paths_of(data) == ["users"]


@pytest.mark.parametrize(
    ("text", "fmt", "words"),
    [("schema_version = ", "toml", "not valid TOML"), ("{", "json", "not valid JSON")],
)
def test_text_that_is_not_toml_or_json(text: str, fmt: Any, words: str) -> None:
    with pytest.raises(FileProblemsError, match=words):
        loads(text, fmt)


def test_bad_files(tmp_path: Path) -> None:
    with pytest.raises(FileProblemsError, match="cannot read"):
        load(tmp_path / "missing.toml")
    with pytest.raises(FileProblemsError, match=r"\.toml or \.json"):
        load(tmp_path / "org.yaml")
    latin = tmp_path / "latin.toml"
    latin.write_bytes('name = "Andr\xe9"'.encode("latin-1"))
    with pytest.raises(FileProblemsError, match="UTF-8"):
        load(latin)
    with pytest.raises(FileProblemsError, match=r"\.toml or \.json"):
        save(small_org(), tmp_path / "org.txt")


def test_problems_are_errors_of_the_cloudtel_tree() -> None:
    with pytest.raises(ValueError, match="organization") as caught:
        from_data({"schema_version": 1})
    assert isinstance(caught.value, cloudtel.CloudtelError)


# --- atomic saves ------------------------------------------------------------------------------


def test_saving_leaves_no_temporary_files(tmp_path: Path) -> None:
    path = tmp_path / "organization.toml"
    org = small_org()
    save(org, path)
    org.update_user("demo.user@orange.be", department="Sales")
    save(org, path)
    # the org file, its lock file and its journal; no temporary file
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".organization.toml.lock",
        "organization.toml",
        "organization.toml.journal",
    ]
    assert load(path).user("demo.user@orange.be").department == "Sales"


def test_a_failing_write_leaves_the_old_file_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "organization.json"
    org = small_org()
    save(org, path)
    before = path.read_bytes()
    org.update_user("demo.user@orange.be", department="Sales")

    def broken_replace(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space left"):
        save(org, path)
    monkeypatch.undo()

    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".organization.json.lock",
        "organization.json",
        "organization.json.journal",
    ]
    # the organisation still knows the file as it is on disk: saving again works
    save(org, path)
    assert load(path).user("demo.user@orange.be").department == "Sales"


def test_saving_creates_the_folder(tmp_path: Path) -> None:
    path = tmp_path / "customers" / "orange" / "organization.toml"
    save(small_org(), path)
    assert load(path) == small_org()


# --- conflicts ----------------------------------------------------------------------------


def test_a_file_changed_on_disk_since_load_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "organization.toml"
    save(small_org(), path)
    mine = load(path)
    theirs = load(path)
    theirs.update_user("demo.user@orange.be", department="Support")
    save(theirs, path)

    mine.update_user("demo.user@orange.be", department="Sales")
    with pytest.raises(ConflictError, match="changed on disk") as caught:
        save(mine, path)
    assert isinstance(caught.value, cloudtel.CloudtelError)
    assert caught.value.context["path"] == str(path)
    assert load(path).user("demo.user@orange.be").department == "Support"

    save(mine, path, overwrite=True)
    assert load(path).user("demo.user@orange.be").department == "Sales"
    # after saving, the organisation owns the file again
    mine.update_user("demo.user@orange.be", department="IT")
    save(mine, path)
    assert load(path).user("demo.user@orange.be").department == "IT"


def test_a_hand_edit_of_the_same_object_since_load_is_a_conflict(tmp_path: Path) -> None:
    path = tmp_path / "organization.toml"
    save(small_org(), path)
    org = load(path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('first_name = "demo"', 'first_name = "Hand"'), encoding="utf-8")
    assert load(path).user("demo.user@orange.be").first_name == "Hand"
    org.update_user("demo.user@orange.be", department="Sales")
    with pytest.raises(ConflictError, match=r"demo\.user@orange\.be"):
        save(org, path)
    assert load(path).user("demo.user@orange.be").department == ""


def test_a_hand_edit_of_another_object_since_load_is_merged(tmp_path: Path) -> None:
    path = tmp_path / "organization.toml"
    save(small_org(), path)
    org = load(path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('name = "Orange labo"', 'name = "Orange lab"'), encoding="utf-8")
    org.update_user("demo.user@orange.be", department="Sales")
    save(org, path)
    again = load(path)
    assert again.name == "Orange lab"
    assert again.user("demo.user@orange.be").department == "Sales"
    assert org == again  # the organisation in memory holds the merged state


def test_a_new_organisation_does_not_overwrite_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "organization.toml"
    path.write_text("# somebody else's notes\n", encoding="utf-8")
    with pytest.raises(ConflictError, match="overwrite=True"):
        save(small_org(), path)
    assert path.read_text(encoding="utf-8") == "# somebody else's notes\n"
    save(small_org(), path, overwrite=True)
    assert load(path) == small_org()


def test_saving_to_another_file_than_the_one_loaded(tmp_path: Path) -> None:
    first = tmp_path / "a.toml"
    second = tmp_path / "b.json"
    save(small_org(), first)
    org = load(first)
    save(org, second)  # a new file: fine
    other = small_org()
    save(other, tmp_path / "c.toml")
    with pytest.raises(ConflictError):
        save(org, tmp_path / "c.toml")  # loaded from a.toml, not c.toml


def test_the_example_organisation_round_trips(example_path: Path, tmp_path: Path) -> None:
    org = load(example_path)
    for name in ("organization.toml", "organization.json"):
        save(org, tmp_path / name)
        assert load(tmp_path / name) == org


# --- blobs: files kept beside the org file -------------------------------------------------


@attrs.frozen
class Attachment:
    path: str
    sha256: str


@attrs.define
class Attachments(Part):
    """A test part that keeps files beside the org file."""

    files: tuple[Attachment, ...] = ()
    _new: dict[str, bytes] = attrs.field(factory=dict, init=False, eq=False, repr=False)

    def attach_file(self, path: str, data: bytes) -> None:
        digest = hashlib.sha256(data).hexdigest()
        self.files = (*(f for f in self.files if f.path != path), Attachment(path, digest))
        self._new[path] = data

    def blobs(self) -> Mapping[str, Blob]:
        return {f.path: Blob(f.sha256, self._new.get(f.path)) for f in self.files}


@attrs.define(eq=False, repr=False)
class FolderOrganization(Organization):
    attachments: Attachments = part(Attachments)  # noqa: RUF009 - part() declares an attrs field


@pytest.fixture
def folder_org() -> FolderOrganization:
    org = FolderOrganization(name="Orange labo", domain="orange.be")
    org.attachments.attach_file("prompts/welcome.wav", b"RIFF welcome")
    org.attachments.attach_file("photos/demo.jpg", b"\xff\xd8 photo")
    return org


def test_blobs_are_written_beside_the_org_file(
    tmp_path: Path, folder_org: FolderOrganization
) -> None:
    path = tmp_path / "organization.toml"
    save(folder_org, path)
    assert (tmp_path / "prompts" / "welcome.wav").read_bytes() == b"RIFF welcome"
    assert (tmp_path / "photos" / "demo.jpg").read_bytes() == b"\xff\xd8 photo"
    again = load(path, organization=FolderOrganization)
    assert isinstance(again, FolderOrganization)
    assert again == folder_org
    assert again.attachments.blobs()["photos/demo.jpg"].data is None  # on disk already
    # the folder can be copied elsewhere and still loads
    copy = tmp_path / "copy"
    copy.mkdir()
    for rel in ("organization.toml", "prompts/welcome.wav", "photos/demo.jpg"):
        (copy / rel).parent.mkdir(parents=True, exist_ok=True)
        (copy / rel).write_bytes((tmp_path / rel).read_bytes())
    assert load(copy / "organization.toml", organization=FolderOrganization) == folder_org


def test_missing_and_altered_blobs_are_reported_on_load(
    tmp_path: Path, folder_org: FolderOrganization
) -> None:
    path = tmp_path / "organization.json"
    save(folder_org, path)
    (tmp_path / "prompts" / "welcome.wav").unlink()
    (tmp_path / "photos" / "demo.jpg").write_bytes(b"another photo")
    with pytest.raises(FileProblemsError) as caught:
        load(path, organization=FolderOrganization)
    messages = [str(p) for p in caught.value.problems]
    assert len(messages) == 2
    assert any("'prompts/welcome.wav' is missing" in m for m in messages)
    assert any("'photos/demo.jpg' was altered" in m for m in messages)
    assert all(p.path == "attachments" for p in caught.value.problems)


def test_a_blob_path_must_stay_inside_the_folder(
    tmp_path: Path, folder_org: FolderOrganization
) -> None:
    folder_org.attachments.attach_file("../outside.wav", b"x")
    with pytest.raises(FileProblemsError, match="inside the organisation's folder"):
        save(folder_org, tmp_path / "org" / "organization.toml")
    assert not (tmp_path / "outside.wav").exists()


# --- a third party's part: Part is an extension point ---------------------------------------
# Written as an outside author would, with the public API only (docs/extending.md).


@attrs.frozen
class Rate:
    """What calls of one cost centre cost."""

    cost_centre: str
    cents_per_minute: int


@attrs.define
class Billing(cloudtel.Part):
    """Call rates per cost centre, the user who receives the invoice, a billing hotline."""

    rates: tuple[Rate, ...] = ()
    payer: str | None = None
    hotline: cloudtel.PhoneNumber | None = None

    def held_numbers(self) -> Iterable[tuple[cloudtel.PhoneNumber, str]]:
        if self.hotline is not None:
            yield self.hotline, "the billing hotline"

    def references(self) -> Iterable[cloudtel.Reference]:
        if self.payer is not None:
            yield cloudtel.Reference("user", self.payer, "billing (the payer)")

    def rename_user(self, old: str, new: str) -> None:
        if self.payer == old:
            self.payer = new

    def problems(self) -> Iterable[Problem]:
        seen: set[str] = set()
        for index, rate in enumerate(self.rates):
            if rate.cost_centre in seen:
                yield Problem(
                    f"{self.key}.rates[{index}].cost_centre",
                    f"cost centre {rate.cost_centre!r} has two rates",
                )
            seen.add(rate.cost_centre)
        if self.payer is not None and not self.org.has_user(self.payer):
            yield Problem(f"{self.key}.payer", f"there is no user {self.payer!r}")


@attrs.define(eq=False, repr=False)
class BillingOrganization(cloudtel.Organization):
    """The organisation with the billing part."""

    billing: Billing = cloudtel.part(Billing)  # noqa: RUF009 - part() declares an attrs field


def billing_org() -> BillingOrganization:
    org = BillingOrganization(
        name="Orange labo", domain="orange.be", number_ranges=("+3227811600-+3227811699",)
    )
    org.add_user(User(username="anna.peeters@orange.be", primary_line="+3227811601"))
    org.billing.rates = (Rate("SALES-01", 4), Rate("SUPPORT-01", 2))
    org.billing.payer = "anna.peeters@orange.be"
    org.billing.hotline = PhoneNumber("+3227811699")
    return org


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_a_third_party_part_saves_and_loads_back_equal(tmp_path: Path, fmt: Format) -> None:
    org = billing_org()
    path = tmp_path / f"organization.{fmt}"
    cloudtel.save(org, path)
    text = path.read_text(encoding="utf-8")
    data = tomllib.loads(text) if fmt == "toml" else json.loads(text)
    assert data["billing"] == {
        "rates": [
            {"cost_centre": "SALES-01", "cents_per_minute": 4},
            {"cost_centre": "SUPPORT-01", "cents_per_minute": 2},
        ],
        "payer": "anna.peeters@orange.be",
        "hotline": "+3227811699",
    }
    again = cloudtel.load(path, organization=BillingOrganization)
    assert type(again) is BillingOrganization
    assert again == org
    assert again.billing == org.billing
    assert again.billing.org is again
    # the loaded part takes part in the organisation's invariants
    assert again.holder_of("+3227811699") == "the billing hotline"
    with pytest.raises(cloudtel.NumberNotAvailableError, match="the billing hotline"):
        again.update_user("anna.peeters@orange.be", primary_line="+3227811699")
    with pytest.raises(cloudtel.ReferencedError, match=r"billing \(the payer\)"):
        again.remove_user("anna.peeters@orange.be")
    assert cloudtel.loads(text, fmt, organization=BillingOrganization) == org


def test_a_third_party_part_reports_its_problems_at_its_key(tmp_path: Path) -> None:
    org = billing_org()
    path = tmp_path / "organization.toml"
    cloudtel.save(org, path)
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    data["billing"]["rates"].append({"cost_centre": "SALES-01", "cents_per_minute": 5})
    data["billing"]["payer"] = "nobody@orange.be"
    data["users"][0]["aliases"] = ["+3227811699"]
    with pytest.raises(FileProblemsError) as caught:
        from_data(data, organization=BillingOrganization)
    assert sorted((p.path, p.message) for p in caught.value.problems) == [
        ("billing.payer", "there is no user 'nobody@orange.be'"),
        ("billing.rates[2].cost_centre", "cost centre 'SALES-01' has two rates"),
        (
            "users[0].aliases[0]",
            "aliases[0] +3227811699 of user 'anna.peeters@orange.be' is held already by "
            "the billing hotline",
        ),
    ]
    # a mistake in the part's own table is reported at its path, with the others
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    data["billing"]["rates"][1]["cents_per_minute"] = "two"
    data["billing"]["colour"] = "orange"
    with pytest.raises(FileProblemsError) as caught:
        from_data(data, organization=BillingOrganization)
    found = {p.path: p.message for p in caught.value.problems}
    assert sorted(found) == ["billing", "billing.rates[1].cents_per_minute"]
    assert "colour" in found["billing"]
    assert "'two'" in found["billing.rates[1].cents_per_minute"]


def test_a_file_with_a_third_party_part_needs_the_extension_to_load(tmp_path: Path) -> None:
    path = tmp_path / "organization.json"
    cloudtel.save(billing_org(), path)
    with pytest.raises(FileProblemsError) as caught:
        cloudtel.load(path)
    [problem] = caught.value.problems
    assert problem.path == "billing"
    assert problem.message.startswith("unknown key 'billing'; the keys are: ")


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


@given(_json_values)
def test_json_is_written_exactly_as_json_dumps_with_indent_2(value: object) -> None:
    """The fast writer behind save (json's indent=2 is its pure-Python encoder, which
    made saving slower than loading) writes the same bytes."""
    from cloudtel.serialization import _json_text

    assert _json_text(value) == json.dumps(value, ensure_ascii=False, indent=2) + "\n"
    assert _json_text({1: value}) == json.dumps({1: value}, ensure_ascii=False, indent=2) + "\n"


def test_an_org_file_in_json_is_written_as_before() -> None:
    from cloudtel.serialization import to_data

    data = to_data(small_org(), "json")
    assert dumps(small_org(), "json") == json.dumps(data, ensure_ascii=False, indent=2) + "\n"
