"""Working in a notebook: one value where a list is expected, collections keyed by their
natural key, schedules that know the organisation's zone, diffs of what provisioning
changed, and how every everyday object looks (HTML, text, records, data frames)."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html

import cloudtel
from cloudtel import (
    Action,
    Contact,
    ExtensionKey,
    ForwardTarget,
    Organization,
    PhoneEntry,
    PhoneNumberKey,
    Schedule,
    ScheduleEvent,
    SipPhone,
    User,
    UserGroup,
    Weekday,
    Weekly,
    dumps,
    loads,
    provision,
)
from cloudtel.errors import InvalidValueError, NotFoundError, ScheduleError
from cloudtel.provisioning import FileChange, ProvisioningSettings
from cloudtel.schedules.view import COLOURS, week_view

STEVEN = "steven.lathouwers@orange.be"
MITEL = "08000FBBAD78"
SVG = "{http://www.w3.org/2000/svg}"


# ---------------------------------------------------------------------------
# One value where a list is expected
# ---------------------------------------------------------------------------


def test_one_group_given_as_text_is_one_group_not_its_letters() -> None:
    assert User(username="a@x.be", groups="Sales").groups == ("Sales",)
    # "CC" used to become ("C", "C") and fail with "group 'C' is listed twice"
    assert User(username="a@x.be", groups="CC").groups == ("CC",)
    assert User(username="a@x.be", groups=["CC", "Sales"]).groups == ("CC", "Sales")


def test_one_mobile_phone_or_alias_given_as_text_is_one_number() -> None:
    user = User(
        username="a@x.be",
        mobile_phones="0475 11 22 33",
        primary_line="+3227811604",  # an alias is attached to a line
        aliases="+3227811605",
    )
    assert [m.number.e164 for m in user.mobile_phones] == ["+32475112233"]
    assert [a.e164 for a in user.aliases] == ["+3227811605"]


def test_one_weekday_given_as_text_enum_or_number_is_that_day() -> None:
    for day in ("mon", "Monday", Weekday.MONDAY, 0):
        assert Weekly(days=day, start=time(9), end=time(12)).days == (Weekday.MONDAY,)


def test_one_value_is_read_as_a_list_in_every_many_valued_field() -> None:
    org = Organization(name="X", domain="x.be", number_ranges="+3227811600-+3227811699")
    assert [str(r) for r in org.number_ranges] == ["+3227811600-+3227811699"]
    entry = PhoneEntry(number="+3292470681")
    assert Contact(first_name="Ann", phones=entry).phones == (entry,)
    event = ScheduleEvent(
        name="lunch", when=Weekly(days="mon", start=time(12), end=time(13)), action=Action.OPEN
    )
    assert Schedule(events=event).events == (event,)


def test_a_mapping_where_a_list_is_expected_is_refused_by_name() -> None:
    with pytest.raises(InvalidValueError, match="groups takes a list"):
        User(username="a@x.be", groups={"Sales": 1})


@given(st.text(alphabet="ABCDEFGHIJ ", min_size=1, max_size=12).filter(str.strip))
def test_any_single_group_name_is_the_same_as_a_list_of_it(name: str) -> None:
    alone = User(username="a@x.be", groups=name)
    listed = User(username="a@x.be", groups=[name])
    assert alone == listed
    assert alone.groups == (name.strip(),)


# ---------------------------------------------------------------------------
# Collections keyed by their natural key
# ---------------------------------------------------------------------------


def test_phones_are_found_by_mac_in_any_notation_and_by_position(
    example_org: Organization,
) -> None:
    phones = example_org.phones
    for notation in ("08000FBBAD78", "08:00:0f:bb:ad:78", "08-00-0F-BB-AD-78", "0800.0fbb.ad78"):
        assert notation in phones
        assert phones[notation].mac.upper == MITEL
    assert phones[0] is phones.phones[0]
    assert phones[-1] is phones.phones[-1]
    assert phones[0] in phones
    assert "08:00:0f:00:00:01" not in phones
    assert "not a mac" not in phones
    with pytest.raises(NotFoundError, match="no phone with MAC address 08000F000001"):
        phones["08:00:0f:00:00:01"]
    with pytest.raises(IndexError, match="there are 2 phones"):
        phones[5]
    assert phones.keys() == (MITEL, "249AD8A1B2C3")
    assert dict(phones.items())[MITEL] is phones[MITEL]


def test_users_and_groups_are_keyed_by_username_and_name(example_org: Organization) -> None:
    users = example_org.users
    assert users["Steven.Lathouwers@Orange.be"].username == STEVEN
    assert STEVEN.upper() in users
    assert "nobody@orange.be" not in users
    names = users.keys()
    assert users[0].username == names[0]
    assert users == tuple(example_org.user(name) for name in names)  # still a tuple
    with pytest.raises(NotFoundError, match=r"no user 'nobody@orange\.be'"):
        users["nobody@orange.be"]
    groups = example_org.groups
    assert groups["Sales"].name == "Sales"
    assert "Sales" in groups
    assert "Verkoop" not in groups
    assert groups[0].name == "ACD Supervisor"
    page = example_org.find_users(page_size=3)
    assert page[page.users[1].username] is page.users[1]
    assert page.users[0].username in page


def test_function_numbers_and_prompts_are_keyed_like_the_portal_names_them(
    example_org: Organization,
) -> None:
    functions = example_org.functions
    dutch = functions["Nederlands Orange labo"]
    assert functions["5901"] is dutch
    assert functions["+32 9 247 06 80"] is dutch
    assert functions["092470680"] is dutch
    assert "5901" in functions
    assert "5999" not in functions
    assert functions[1] is dutch
    assert example_org.prompts["Lunch"].name == "Lunch"
    assert "Lunch" in example_org.prompts
    assert "lunch break" not in example_org.prompts
    status = functions.status(datetime(2026, 12, 7, 10, tzinfo=UTC))
    assert status["5901"].function is dutch
    assert status["5901"].is_open
    assert status == tuple(status)


_NOTATIONS = (
    lambda h: h.upper(),
    lambda h: h.lower(),
    lambda h: ":".join(h[i : i + 2] for i in range(0, 12, 2)),
    lambda h: "-".join(h[i : i + 2] for i in range(0, 12, 2)).upper(),
    lambda h: ".".join(h[i : i + 4] for i in range(0, 12, 4)),
)


@given(
    macs=st.lists(st.binary(min_size=6, max_size=6), min_size=1, max_size=5, unique=True),
    other=st.binary(min_size=6, max_size=6),
    notation=st.sampled_from(_NOTATIONS),
)
def test_keyed_law_every_key_finds_its_item_in_any_notation(
    macs: list[bytes], other: bytes, notation: object
) -> None:
    org = Organization(name="X", domain="x.be")
    for mac in macs:
        org.phones.add(SipPhone(mac=mac.hex(), family="dummy", model="D1"))
    phones = org.phones
    for position, (key, phone) in enumerate(phones.items()):
        written = notation(phone.mac.hex)  # type: ignore[operator]
        assert written in phones
        assert phones[written] is phone is phones[key] is phones[position]
    assert (other.hex() in phones) == (other in macs)
    assert list(phones.values()) == list(phones)


# ---------------------------------------------------------------------------
# Schedules of the organisation's function numbers know its time zone
# ---------------------------------------------------------------------------


def test_a_schedule_created_through_the_organisation_answers_in_its_zone(
    example_org: Organization,
) -> None:
    created = example_org.functions.create("Support line", "hunt group", "+3292470685")
    schedule = created.schedule.insert(
        ScheduleEvent(
            name="office",
            when=Weekly(days="mon", start=time(9), end=time(17)),
            action=Action.OPEN,
        )
    )
    # 08:30 UTC on a Monday is 09:30 in Brussels: open there, closed in UTC
    monday = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)
    assert created.schedule.state_at(monday).action is Action.CLOSED  # no zone needed
    assert schedule.state_at(monday).action is Action.OPEN  # an edit keeps knowing it
    assert schedule.state_at(monday, "UTC").action is Action.CLOSED  # a zone given wins
    kept = example_org.functions.update("Support line", schedule=schedule)
    assert kept.schedule.state_at(monday).action is Action.OPEN
    assert kept.time_zone is None  # not an override: the org file does not get one
    assert kept.schedule == Schedule(events=schedule.events)
    week = example_org.functions.week("Support line", date(2026, 12, 7))
    assert week.zone == "Europe/Brussels"


def test_a_loaded_schedule_answers_in_the_organisations_zone_and_saves_without_one(
    example_org: Organization,
) -> None:
    text = dumps(example_org)
    again = loads(text)
    monday = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)  # 09:30 in Brussels
    assert again.functions["5901"].schedule.state_at(monday).action is Action.OPEN
    assert dumps(again) == text


def test_a_new_organisation_time_zone_reaches_the_schedules_at_once(
    example_org: Organization,
) -> None:
    monday = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)  # 09:30 in Brussels, 08:30 in UTC
    assert example_org.functions["5901"].schedule.state_at(monday).action is Action.OPEN
    example_org.time_zone = "UTC"
    assert example_org.functions["5901"].schedule.state_at(monday).action is Action.CLOSED
    with pytest.raises(InvalidValueError, match="not an IANA time zone"):
        example_org.time_zone = "Mars/Base"
    assert example_org.time_zone == "UTC"


def test_an_event_is_changed_in_place_with_update() -> None:
    target = ForwardTarget(number="+3292470681")
    schedule = Schedule(
        events=(
            ScheduleEvent(
                name="lunch",
                when=Weekly(days=Weekday.MONDAY, start=time(12), end=time(13)),
                action=Action.FORWARD,
                forward_to=target,
            ),
            ScheduleEvent(
                name="office",
                when=Weekly(days="mon", start=time(9), end=time(17)),
                action=Action.OPEN,
            ),
        ),
        time_zone="Europe/Brussels",
    )
    later = schedule.update("lunch", when=Weekly(days="mon", start=time(12, 30), end=time(14)))
    assert [e.name for e in later.events] == ["lunch", "office"]
    assert later.event("lunch").when.start == time(12, 30)
    assert later.event("lunch").forward_to == target
    closed = schedule.update(0, action=Action.CLOSED)  # the forward target goes with Forward
    assert closed.events[0].action is Action.CLOSED
    assert closed.events[0].forward_to is None
    assert schedule.event("lunch").action is Action.FORWARD  # schedules are values
    with pytest.raises(ScheduleError, match="event 'lunch' has no field colour"):
        schedule.update("lunch", colour="red")
    with pytest.raises(NotFoundError, match="no event named 'dinner'"):
        schedule.update("dinner", action=Action.OPEN)


# ---------------------------------------------------------------------------
# What provisioning changed
# ---------------------------------------------------------------------------


def test_provisioning_shows_the_diff_of_what_changed_on_the_phones(
    example_org: Organization, tmp_path: Path
) -> None:
    settings = ProvisioningSettings(server_url="http://127.0.0.1:8080/prov")
    first = provision(example_org, tmp_path, settings)
    added = first.diff()
    assert added.count("+++ b/") == len(first.files)
    assert "--- /dev/null" in added
    assert provision(example_org, tmp_path, settings).diff() == ""  # nothing changed
    example_org.phones.set_key(MITEL, "L5", PhoneNumberKey(label="Pizza", number="+3293301122"))
    report = provision(example_org, tmp_path, settings)
    changed = [f for f in report.files if f.change == FileChange.CHANGED]
    assert changed
    diff = report.diff()
    assert isinstance(diff, str)  # text, decoded: no b'...' in sight
    assert f"--- a/{changed[0].path}" in diff
    plus = [line for line in diff.splitlines() if line.startswith("+") and "Pizza" in line]
    assert plus, diff
    assert not any(line.startswith("-") and "Pizza" in line for line in diff.splitlines())
    for record in report.to_records():
        if record["change"] == FileChange.CHANGED:
            assert isinstance(record["added"], int)
            assert record["added"] >= 1
    page = lxml_html.fromstring(report._repr_html_())
    assert report.summary() in page.text_content()
    assert any("Pizza" in (pre.text or "") for pre in page.iter("pre"))


# ---------------------------------------------------------------------------
# How everyday objects look
# ---------------------------------------------------------------------------


def _everyday(org: Organization, tmp_path: Path) -> dict[str, object]:
    return {
        "organisation": org,
        "user": org.users[STEVEN],
        "users": org.users,
        "user page": org.find_users(page_size=4),
        "group": org.groups["Sales"],
        "groups": org.groups,
        "contact": org.contacts.organization[0],
        "contact lists": org.contacts,
        "effective contact list": org.contacts.effective(STEVEN),
        "function number": org.functions["5901"],
        "function numbers": org.functions,
        "status list": org.functions.status(datetime(2026, 12, 7, 10, tzinfo=UTC)),
        "prompt library": org.prompts,
        "prompt": org.prompts["Lunch"],
        "phone": org.phones[MITEL],
        "phones": org.phones,
        "key layout": org.phones[MITEL].layout,
        "provisioning result": provision(org, tmp_path, ProvisioningSettings()),
    }


def test_every_everyday_object_shows_as_html_and_short_text(
    example_org: Organization, tmp_path: Path
) -> None:
    for what, thing in _everyday(example_org, tmp_path).items():
        markup = thing._repr_html_()  # type: ignore[attr-defined]
        page = lxml_html.fromstring(f"<div>{markup}</div>")
        assert page.findall(".//table") or page.findall(".//svg"), what
        text = str(thing)
        assert " object at 0x" not in text, what
        assert " object at 0x" not in repr(thing), what
        assert len(text) < 400, (what, text)
    # the user page no longer prints every field of every user
    assert len(repr(example_org.find_users(page_size=10))) < 600


def test_html_escapes_everything_people_typed(example_org: Organization) -> None:
    sneaky = "<b>Sales & Co</b>"
    example_org.add_group(UserGroup(name=sneaky, description="<script>x()</script>"))
    user = example_org.add_user(
        User(username="x@orange.be", first_name="<i>Ann</i>", groups=sneaky)
    )
    for thing in (example_org.groups, example_org.groups[sneaky], example_org.users, user):
        markup = thing._repr_html_()
        assert "<script>" not in markup
        assert "<b>Sales" not in markup
        assert "<i>Ann" not in markup
        page = lxml_html.fromstring(f"<div>{markup}</div>")
        assert sneaky in page.text_content() or "<i>Ann</i>" in page.text_content()


def test_lists_give_plain_records_without_pandas(
    example_org: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # as if it were not installed
    records = example_org.users.to_records()
    assert len(records) == len(example_org.users)
    steven = next(r for r in records if r["username"] == STEVEN)
    assert steven["primary_line"] == example_org.users[STEVEN].primary_line.e164  # type: ignore[union-attr]
    assert all(isinstance(v, str | int | bool | type(None)) for r in records for v in r.values())
    assert [r["mac"] for r in example_org.phones.to_records()] == list(example_org.phones.keys())
    assert example_org.phones[MITEL].layout.to_records()[0].keys() == {
        "position",
        "kind",
        "target",
    }
    with pytest.raises(ModuleNotFoundError, match=r"pip install 'cloudtel\[pandas\]'"):
        example_org.users.to_pandas()


def test_lists_become_data_frames(example_org: Organization, tmp_path: Path) -> None:
    import pandas as pd  # the test group has it: a missing pandas is a failure, not a skip

    frame = example_org.users.to_pandas()
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) == len(example_org.users)
    assert list(frame["username"]) == list(example_org.users.keys())
    assert frame.set_index("username").loc[STEVEN, "last_name"] == "Lathouwers"
    for what, thing in _everyday(example_org, tmp_path).items():
        if hasattr(thing, "to_pandas"):
            frame = thing.to_pandas()
            assert len(frame) == len(thing.to_records()), what


def test_a_phone_shows_its_keys(example_org: Organization) -> None:
    example_org.phones.set_key(MITEL, "L3", ExtensionKey(username=STEVEN))
    markup = example_org.phones[MITEL]._repr_html_()
    page = lxml_html.fromstring(f"<div>{markup}</div>")
    cells = [td.text_content() for td in page.iter("td")]
    row = cells.index("L3")
    assert cells[row : row + 3] == ["L3", "extension", STEVEN]
    assert str(example_org.phones[MITEL]) == f"mitel 6940 {MITEL} ({STEVEN})"
    phone = SipPhone(mac="08000f000001", family="mitel", model="6940")
    assert str(phone) == "mitel 6940 08000F000001 (unassigned)"


def test_cloudtel_lists_the_notebook_helpers_publicly() -> None:
    for name in ("GroupList", "Keyed", "StatusList", "UserList"):
        assert name in cloudtel.__all__


# ---------------------------------------------------------------------------
# The week picture
# ---------------------------------------------------------------------------


def _lightness(colour: str) -> float:
    """CIE L* of an sRGB colour ``#rrggbb`` (0 black … 100 white)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    y = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 116 * y ** (1 / 3) - 16 if y > 0.008856 else 903.3 * y


def test_the_actions_differ_in_lightness_and_in_pattern(example_org: Organization) -> None:
    light = sorted(_lightness(c) for c in COLOURS.values())
    assert light[1] - light[0] >= 25
    assert light[2] - light[1] >= 20
    root = etree.fromstring(example_org.functions.week("5901", date(2026, 12, 7)).svg().encode())
    fills = {r.get("data-action"): r.get("fill") for r in root.iter(f"{SVG}rect")}
    fills.pop(None, None)
    assert fills["closed"] == "url(#cloudtel-closed)"  # hatched
    assert fills["open"] == COLOURS[Action.OPEN]  # plain
    assert len(set(fills.values())) == len(fills)


def test_the_week_picture_has_a_caption_labels_and_half_hour_lines(
    example_org: Organization,
) -> None:
    view = example_org.functions.week("5901", date(2026, 12, 9))
    expected = "IVR 5901 'Nederlands Orange labo' · week 50, Mon 07/12 – Sun 13/12/2026"
    assert view.caption() == f"{expected} · Europe/Brussels"
    root = etree.fromstring(view.svg().encode())
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert view.caption() in texts
    bar_labels = [
        [span.text for span in t.iter(f"{SVG}tspan")]
        for t in root.iter(f"{SVG}text")
        if t.get("class") == "cloudtel-bar-label"
    ]
    assert ["Ma-Vrij", "09:00–18:00"] in bar_labels  # the event's name on its bar
    assert ["default", "00:00–09:00"] in bar_labels
    lines = list(root.iter(f"{SVG}line"))
    dashed = [line for line in lines if line.get("stroke-dasharray")]
    assert len(dashed) == 24  # one per half hour
    assert {f"{hour:02d}:00" for hour in range(25)} <= set(texts)  # every hour named


def test_a_schedule_without_organisation_is_captioned_schedule() -> None:
    view = week_view(Schedule(), "UTC", date(2026, 12, 9))
    assert view.caption().startswith("Schedule · week 50")
