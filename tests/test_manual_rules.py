"""Rules of the operator manual (reference/portal-manual-nl.txt) the SDK used to miss.

Each test quotes the manual's words it pins, as they stand in the manual (Dutch, or the
portal's English screen text; the manual is a scan, so a few quoted words keep its
spelling).
"""

from __future__ import annotations

import builtins
import hashlib
import io
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest

from cloudtel import (
    AccessDeniedError,
    Accounts,
    CredentialPolicy,
    DuplicateError,
    FileProblemsError,
    GroupRole,
    InvalidPhoneNumberError,
    InvalidValueError,
    MobilePhone,
    NumberNotAvailableError,
    Organization,
    PhoneNumber,
    ResolvedSetting,
    ScheduleError,
    ScryptParams,
    Settings,
    User,
    UserGroup,
    Visibility,
    dumps,
    load,
    loads,
    save,
)

ADEL = "adel.alkoubaisy@orange.be"
ALEXANDRA = "alexandra.meuwissen@orange.be"
PASSWORD = "harbour-lantern-meadow-77"


@pytest.fixture
def org() -> Organization:
    org = Organization(
        name="Orange labo",
        domain="orange.be",
        number_ranges=("+3227811600-+3227811699",),
    )
    org.add_group(UserGroup(name="Everybody"))
    org.add_group(UserGroup(name="Sales"))
    org.add_user(User(username=ADEL, groups=("Everybody",), primary_line="+3227811601"))
    org.add_user(User(username=ALEXANDRA, groups=("Everybody",), primary_line="+3227811602"))
    return org


# --- mobile numbers ---------------------------------------------------------------------
# "Voer uw gebruikersnaam of mobiel telefoonnummer in." / "bv. mobiel nummer +324.........."
# "het mobiele nummer van een gebruiker wijzigen: ... Gebruik steeds het formaat +32......"


def test_another_users_office_line_is_not_accepted_as_a_mobile(org: Organization) -> None:
    before = org.user(ALEXANDRA)
    with pytest.raises(InvalidPhoneNumberError, match="an office line goes in primary_line"):
        org.update_user(ALEXANDRA, mobile_phones=["+3227811601"])  # Adel's office line
    # an organisation with a range of mobile numbers (lines of type "Mobile VPN")
    org.number_ranges = (*org.number_ranges, "+32470000000-+32470000099")
    org.update_user(ADEL, primary_line="+32470000001", line_type="Mobile VPN")
    with pytest.raises(NumberNotAvailableError, match="office line") as caught:
        org.update_user(ALEXANDRA, mobile_phones=[MobilePhone(number="+32470000001")])
    assert f"user {ADEL}" in str(caught.value)
    assert caught.value.context == {"field": "mobile_phones[0]", "value": "+32470000001"}
    with pytest.raises(NumberNotAvailableError, match="a free number"):
        org.update_user(ALEXANDRA, mobile_phones=["+32470000050"])
    assert org.user(ALEXANDRA) == before


def test_a_fixed_line_number_is_not_a_mobile() -> None:
    with pytest.raises(InvalidPhoneNumberError, match="not a mobile number"):
        MobilePhone(number="+3233001000")  # Antwerp, a fixed line
    assert MobilePhone(number="0470/12.34.56").number == PhoneNumber("+32470123456")


def test_the_same_mobile_on_two_users_is_refused_so_login_by_mobile_keeps_working(
    org: Organization,
) -> None:
    org.update_user(ADEL, mobile_phones=["+32 470 12 34 56"])
    with pytest.raises(DuplicateError, match=f"mobile of user '{ADEL}'"):
        org.update_user(ALEXANDRA, mobile_phones=["0470 12 34 56"])
    assert org.user(ALEXANDRA).mobile_phones == ()
    accounts: Accounts = org.accounts
    accounts.set_password(ADEL, PASSWORD)
    assert accounts.login("0470123456", PASSWORD).username == ADEL
    # the mobile is free again once its user lets it go (or is renamed: still theirs)
    org.update_user(ADEL, username="adel@orange.be")
    org.update_user("adel@orange.be", mobile_phones=[])
    org.update_user(ALEXANDRA, mobile_phones=["0470 12 34 56"])


def test_a_file_with_the_same_mobile_on_two_users_does_not_validate(
    org: Organization, tmp_path: Path
) -> None:
    org.update_user(ADEL, mobile_phones=["+32470123456"])
    text = dumps(org, "toml")
    copied = text.replace(
        'primary_line = "+3227811602"',
        'primary_line = "+3227811602"\nmobile_phones = [{ number = "+32470123456" }]',
    )
    assert copied != text
    with pytest.raises(FileProblemsError, match="mobile of user") as caught:
        loads(copied, "toml")
    assert any("mobile_phones[0]" in str(p) for p in caught.value.problems)


# --- the group's configuration reaches new mobiles ----------------------------------------
# "Zodra de instellingen voor een gebruikersgroep zijn gedefinieerd, kunnen ze worden
#  toegepast door een nieuwe gebruiker aan de groep toe te wijzen."


def test_a_new_mobile_gets_the_mobile_profile_of_its_users_group(org: Organization) -> None:
    org.update_group("Everybody", settings=Settings(mobile_profile="Twinning"))
    assert org.resolve_settings(ADEL)["mobile_profile"] == ResolvedSetting(
        "Twinning", "group:Everybody"
    )
    user = org.update_user(ADEL, mobile_phones=["+32470123456"])
    assert user.mobile_phones[0].profile == "Twinning"
    # a profile chosen for this mobile wins; a mobile the user had keeps its profile
    org.update_group("Everybody", settings=Settings(mobile_profile="Advanced"))
    user = org.update_user(
        ADEL,
        mobile_phones=[
            *org.user(ADEL).mobile_phones,
            MobilePhone(number="+32496112233", profile="Standard"),
            MobilePhone(number="+32475000001"),
        ],
    )
    assert [m.profile for m in user.mobile_phones] == ["Twinning", "Standard", "Advanced"]
    new = org.add_user(
        User(username="new@orange.be", groups=("Everybody",), mobile_phones=["+32475000002"])
    )
    assert new.mobile_phones[0].profile == "Advanced"


# --- lines: line type, aliases ------------------------------------------------------------
# "Primary line  The primary published phone number ... Number +32024T0653 Line type: Mohile VPH"
# "Aliases can be used to trigger the call routing rules of 2 personal line aven if
#  calling ancther number."  "Add an alias to this number"


def test_the_primary_line_has_a_line_type_that_is_saved(org: Organization, tmp_path: Path) -> None:
    org.update_user(ADEL, line_type="Mobile VPN")
    save(org, tmp_path / "org.toml")
    assert load(tmp_path / "org.toml").user(ADEL).line_type == "Mobile VPN"
    with pytest.raises(InvalidValueError, match="line type but no primary line"):
        User(username="x@orange.be", line_type="Mobile VPN")


def test_an_alias_is_attached_to_the_primary_line_and_routes_like_it(org: Organization) -> None:
    user = org.update_user(ADEL, aliases=["02 781 16 51"])
    assert user.routing_line("+3227811651") == PhoneNumber("+3227811601")
    assert user.routing_line("+3227811601") == PhoneNumber("+3227811601")
    assert user.routing_line("+3227811602") is None  # Alexandra's line
    with pytest.raises(InvalidValueError, match="an alias is attached to a line"):
        User(username="x@orange.be", aliases=["+3227811653"])


# --- a mobile's options -----------------------------------------------------------------
# "Mobile phones  Number Mobile profile Mobile client licence Full caller ID for incoming
#  calls PBX integration"


def test_a_mobile_has_a_client_licence_full_caller_id_and_pbx_integration(
    org: Organization, tmp_path: Path
) -> None:
    org.update_group(
        "Everybody", settings=Settings(mobile_client_licence=True, pbx_integration=True)
    )
    user = org.update_user(
        ADEL,
        mobile_phones=[
            MobilePhone(number="+32470123456", full_caller_id=True),
            MobilePhone(number="+32470123457", client_licence=False),
        ],
    )
    first, second = user.mobile_phones
    assert (first.client_licence, first.full_caller_id, first.pbx_integration) == (
        True,
        True,
        True,
    )
    assert (second.client_licence, second.full_caller_id, second.pbx_integration) == (
        False,
        False,
        True,
    )
    save(org, tmp_path / "org.toml")
    assert load(tmp_path / "org.toml").user(ADEL).mobile_phones == user.mobile_phones


# --- user groups: roles and every service setting --------------------------------------
# "Name  Schedules admin  ACD Supervisor  Federated" (the columns of the user group list)
# "Alle diensten kunnen op groepsniveau in het systeem worden geconfigureerd."


def test_group_roles_are_the_columns_of_the_user_group_list(
    org: Organization, tmp_path: Path
) -> None:
    org.update_group("Everybody", roles=["Federated"])
    org.update_group("Sales", roles=[GroupRole.ACD_SUPERVISOR, "schedules admin"])
    assert org.group("Sales").roles == (GroupRole.SCHEDULES_ADMIN, GroupRole.ACD_SUPERVISOR)
    assert org.roles_of(ADEL) == (GroupRole.FEDERATED,)
    org.add_member(ADEL, "Sales")
    assert org.roles_of(ADEL) == tuple(GroupRole)
    save(org, tmp_path / "org.toml")
    assert load(tmp_path / "org.toml").group("Sales").roles == org.group("Sales").roles
    with pytest.raises(InvalidValueError, match="roles are 'Schedules admin'"):
        UserGroup(name="x", roles=["Receptionist"])


@pytest.mark.parametrize("name", [f.name for f in attrs.fields(Settings)])
def test_every_service_setting_can_be_set_per_group(org: Organization, name: str) -> None:
    values = {
        "language": "fr",
        "time_zone": "UTC",
        "cost_centre": "SALES-1",
        "softphone": True,
        "mobile_profile": "Twinning",
        "mobile_client_licence": True,
        "full_caller_id": True,
        "pbx_integration": True,
    }
    value = values.get(name, Visibility.HIDDEN)
    org.update_group("Sales", settings=Settings(**{name: value}))
    org.add_member(ADEL, "Sales")
    assert org.resolve_settings(ADEL)[name] == ResolvedSetting(value, "group:Sales")
    assert org.resolve_settings(ALEXANDRA)[name].source != "group:Sales"


# --- photos -------------------------------------------------------------------------------
# "upload van een nieuwe foto in JPEG-formaat, idealiter in het formaat 400x400, om
#  verkleining te voorkomen."  "The dimensions of the photo should preferrably be
#  400 x 400 pixels. Then the image will not be scaled."


def _photo(width: int, height: int) -> bytes:
    """A real JPEG: white in the middle square, black in the bands left and right."""
    from PIL import Image

    image = Image.new("RGB", (width, height), "black")
    side = min(width, height)
    left = (width - side) // 2
    image.paste(Image.new("RGB", (side, side), "white"), (left, (height - side) // 2))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=95)
    return out.getvalue()


def test_a_photo_that_is_not_400_by_400_is_scaled_and_stored_scaled(
    org: Organization, tmp_path: Path
) -> None:
    from PIL import Image

    uploaded = _photo(1200, 800)
    photo = org.accounts.set_photo(ADEL, uploaded, filename="adel.jpg")
    assert (photo.width, photo.height, photo.notice, photo.scaled) == (400, 400, None, False)
    save(org, tmp_path / "org.toml")
    stored = (tmp_path / photo.path).read_bytes()
    assert stored != uploaded
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (400, 400)
        # the middle square was kept, undistorted: white from edge to edge
        assert image.convert("L").getextrema()[0] > 200
    assert load(tmp_path / "org.toml").accounts.photo(ADEL) == photo


def test_a_400_by_400_photo_is_stored_as_uploaded(org: Organization) -> None:
    uploaded = _photo(400, 400)
    photo = org.accounts.set_photo(ADEL, uploaded)
    assert photo.sha256 == hashlib.sha256(uploaded).hexdigest()


def test_without_pillow_the_photo_is_kept_and_the_notice_names_the_extra(
    org: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cloudtel.accounts import scaling

    def missing() -> None:
        raise ImportError("No module named 'PIL'")

    monkeypatch.setattr(scaling, "_pillow", missing)
    uploaded = _photo(640, 480)
    photo = org.accounts.set_photo(ADEL, uploaded)
    assert (photo.width, photo.height, photo.scaled) == (640, 480, True)
    assert photo.sha256 == hashlib.sha256(uploaded).hexdigest()
    assert photo.notice is not None
    assert "cloudtel[photos]" in photo.notice
    monkeypatch.undo()
    monkeypatch.setattr(builtins, "__import__", _no_pil(builtins.__import__))
    with pytest.raises(ImportError, match=r"cloudtel\[photos\]"):
        scaling.scale_photo(uploaded)


def _no_pil(real: Any) -> Any:
    def importer(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "PIL" or name.startswith("PIL."):
            raise ModuleNotFoundError("No module named 'PIL'")
        return real(name, *args, **kwargs)

    return importer


def test_a_jpeg_that_cannot_be_decoded_is_refused_clearly(org: Organization) -> None:
    # well-formed markers (inspect_jpeg accepts it) but no quantisation table to decode with
    data = _photo(640, 480)
    kept, position = bytearray(data[:2]), 2
    while data[position + 1] != 0xDA:
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        if data[position + 1] != 0xDB:
            kept += data[position : position + 2 + length]
        position += 2 + length
    kept += data[position:]
    with pytest.raises(InvalidValueError, match="cannot be decoded") as caught:
        org.accounts.set_photo(ADEL, bytes(kept))
    assert caught.value.context["field"] == "photo"
    assert org.accounts.photo(ADEL) is None


# --- "Remember me on this computer" (the login page) --------------------------------------


class _Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 4, 9, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def remembering(org: Organization) -> tuple[Accounts, _Clock]:
    clock = _Clock()
    accounts: Accounts = org.accounts
    accounts.policy = CredentialPolicy(scrypt=ScryptParams(n=16, r=1))
    accounts.clock = clock
    org.update_user(ADEL, mobile_phones=["+32470123456"])
    accounts.set_password(ADEL, PASSWORD)
    return accounts, clock


def test_remember_me_logs_in_again_without_the_password_until_it_expires(
    remembering: tuple[Accounts, _Clock], org: Organization, tmp_path: Path
) -> None:
    accounts, clock = remembering
    plain = accounts.login(ADEL, PASSWORD)
    assert plain.remember_token is None
    principal = accounts.login("0470 12 34 56", PASSWORD, remember=True)
    token = principal.remember_token
    assert token is not None
    # only a hash of the token is kept, also in the org file
    save(org, tmp_path / "org.toml")
    assert token not in (tmp_path / "org.toml").read_text(encoding="utf-8")
    clock.now += timedelta(days=29)
    again = load(tmp_path / "org.toml").accounts.login_remembered(token)
    assert again.username == ADEL
    again = accounts.login_remembered(token)
    assert (again.username, again.authenticated_at) == (ADEL, principal.authenticated_at)
    assert not again.in_admin_view  # the admin view still asks for the password
    clock.now += timedelta(days=2)
    with pytest.raises(AccessDeniedError, match="log in with your username"):
        accounts.login_remembered(token)


def test_a_password_change_or_forgetting_ends_remembered_logins(
    remembering: tuple[Accounts, _Clock],
) -> None:
    accounts, _clock = remembering
    first = accounts.login(ADEL, PASSWORD, remember=True).remember_token
    second = accounts.login(ADEL, PASSWORD, remember=True).remember_token
    assert first is not None
    assert second is not None
    assert first != second
    accounts.forget_computer(first)
    with pytest.raises(AccessDeniedError):
        accounts.login_remembered(first)
    assert accounts.login_remembered(second).username == ADEL
    accounts.set_password(ADEL, "copper-zebra-orbit-4411")
    with pytest.raises(AccessDeniedError):
        accounts.login_remembered(second)
    third = accounts.login(ADEL, "copper-zebra-orbit-4411", remember=True).remember_token
    assert third is not None
    accounts.forget_all_computers(ADEL)
    for token in (third, "", "x" * 1000):
        with pytest.raises(AccessDeniedError):
            accounts.login_remembered(token)


def test_at_most_so_many_computers_are_remembered(
    remembering: tuple[Accounts, _Clock],
) -> None:
    accounts, _clock = remembering
    accounts.policy = attrs.evolve(accounts.policy, max_remembered=2)
    tokens = [accounts.login(ADEL, PASSWORD, remember=True).remember_token for _ in range(3)]
    assert all(tokens)
    with pytest.raises(AccessDeniedError):
        accounts.login_remembered(str(tokens[0]))  # the oldest made way
    assert {accounts.login_remembered(str(t)).username for t in tokens[1:]} == {ADEL}


# --- the prompt list's date column ----------------------------------------------------
# "Vac greeting ‘The person you called is currently on vacation 27/05/2020 17:32"
# "Wrong nr Invalid number. 27/05/2020 17:32"   (name, description, date)


def test_the_prompt_list_shows_when_each_prompt_was_imported(
    org: Organization, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import numpy as np
    from tests.audio_files import wav_bytes

    from cloudtel.cli import main

    audio = wav_bytes(np.zeros((800, 1), dtype=np.int16))
    org.prompts.clock = lambda: datetime(2020, 5, 27, 15, 32, tzinfo=UTC)
    org.prompts.add("Wrong nr", audio, description="Invalid number.")
    org.prompts.clock = lambda: datetime(2020, 5, 27, 15, 40, 5, tzinfo=UTC)
    org.prompts.set_audio("Wrong nr", audio, language="fr")
    prompt = org.prompts.get("Wrong nr")
    assert prompt.audio_for("nl").imported == datetime(2020, 5, 27, 15, 32, tzinfo=UTC)
    assert prompt.updated == datetime(2020, 5, 27, 15, 40, 5, tzinfo=UTC)
    save(org, tmp_path / "org.toml")
    assert load(tmp_path / "org.toml").prompts.get("Wrong nr") == prompt
    assert main(["prompts", str(tmp_path / "org.toml")]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[0]
    assert header.split() == ["Name", "Audio", "(*", "default", "language)", "Description", "Date"]
    # shown in the organisation's time zone, as the portal does: Brussels is UTC+2 in May
    (row,) = [line for line in out.splitlines() if line.startswith("Wrong nr")]
    assert row.rstrip().endswith("Invalid number.  27/05/2020 17:40")


# --- a schedule event's instruction per language ----------------------------------------
# "Instructie [ User unavailable Y| B"  and  "Migiwe instructie toevoegen" (Nieuwe instructie
# toevoegen: add another instruction) in the schedule event editor.


def test_a_schedule_event_plays_a_prompt_per_caller_language(
    org: Organization, tmp_path: Path
) -> None:
    import numpy as np
    from tests.audio_files import wav_bytes

    from cloudtel import FunctionNumber, ReferencedError
    from cloudtel.schedules import Action, Schedule, ScheduleEvent, Yearly

    audio = wav_bytes(np.zeros((800, 1), dtype=np.int16))
    org.number_ranges = (*org.number_ranges, "+3292470680-+3292470689")
    org.prompts.add("User unavailable", audio, language="nl")
    org.prompts.add("Utilisateur indisponible", audio, language="fr")
    newyear = ScheduleEvent(
        name="newyear",
        when=Yearly(start=(1, 1, time(0)), end=(1, 2, time(0))),
        action=Action.CLOSED,
        instruction="User unavailable",
        language_instructions={"fr": "Utilisateur indisponible"},
    )
    schedule = Schedule(events=(newyear,), time_zone="Europe/Brussels")
    org.functions.add(
        FunctionNumber(name="Onthaal", kind="ivr", number="+3292470680", schedule=schedule)
    )
    state = schedule.state_at(datetime(2027, 1, 1, 10, tzinfo=UTC))
    assert state.instruction_for("fr") == "Utilisateur indisponible"
    assert state.instruction_for("nl") == "User unavailable"
    assert state.instruction_for(None) == "User unavailable"
    assert ("event 'newyear' (fr)", "Utilisateur indisponible") in schedule.instructions()
    with pytest.raises(ReferencedError, match="Onthaal"):
        org.prompts.remove("Utilisateur indisponible")
    save(org, tmp_path / "org.toml")
    loaded = load(tmp_path / "org.toml").functions.get("Onthaal").schedule
    assert loaded.events[0].language_instructions == (("fr", "Utilisateur indisponible"),)
    with pytest.raises(ScheduleError, match="language code"):
        ScheduleEvent(
            name="x",
            when=newyear.when,
            action=Action.CLOSED,
            language_instructions={"French": "Fermé"},
        )
