"""What the organisation and the folder remember about provisioning, and what they refuse.

Defect (issue 12, item 1): ``cloudtel sync FILE --out DIR`` without repeating
``--passwords``/``--server-url`` rewrote every phone without its account and without its
phonebook URL, told the phones, and exited 0. Also: the settings a phone inherits,
organisation → group → phone, and the ``provisioning`` table of the org file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.sip_agents import LOOPBACK, AnsweringPhone

from cloudtel import (
    AccountDisableError,
    GroupProvisioning,
    Organization,
    PhoneProvisioning,
    loads,
    save,
)
from cloudtel.cli import main
from cloudtel.errors import InvalidValueError, NotFoundError
from cloudtel.provisioning import (
    MANIFEST,
    ProvisioningSettings,
    phone_context,
    provision,
    render_phone,
    settings_for,
)
from cloudtel.serialization import dumps, load

STEVEN = "steven.lathouwers@orange.be"
ALEXANDRA = "alexandra.meuwissen@orange.be"
MITEL = "08000FBBAD78"
YEALINK = "249AD8A1B2C3"
URL = "http://prov.example.be/phones/"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def org_file(example_org: Organization, tmp_path: Path) -> Path:
    """A copy of the example organisation whose phones live on loopback."""
    for phone in example_org.phones:
        example_org.phones.update(phone.mac, ip_address=LOOPBACK)
    path = tmp_path / "org" / "organization.toml"
    path.parent.mkdir()
    save(example_org, path)
    return path


@pytest.fixture
def passwords(tmp_path: Path) -> Path:
    path = tmp_path / "sip-passwords.toml"
    path.write_text(f'"{STEVEN}" = "pw-steven"\n"{ALEXANDRA}" = "pw-alexandra"\n')
    return path


@pytest.fixture
def phone_agent() -> Iterator[AnsweringPhone]:
    agent = AnsweringPhone()
    try:
        yield agent
    finally:
        agent.close()


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# ---------------------------------------------------------------------------
# The defect, through the command line, exactly as docs/provisioning.md shows it
# ---------------------------------------------------------------------------


def test_sync_without_repeating_the_options_keeps_every_phone_registered(
    capsys: pytest.CaptureFixture[str],
    org_file: Path,
    passwords: Path,
    tmp_path: Path,
    phone_agent: AnsweringPhone,
) -> None:
    out_dir = tmp_path / "prov"
    status, _, _ = run(
        capsys,
        "provision",
        str(org_file),
        "--out",
        str(out_dir),
        "--server-url",
        URL,
        "--passwords",
        str(passwords),
    )
    assert status == 0
    before = _snapshot(out_dir)
    status, out, err = run(
        capsys,
        "sync",
        str(org_file),
        "--out",
        str(out_dir),
        "--port",
        str(phone_agent.port),
        "--timeout",
        "3",
    )
    assert (status, err) == (0, "")
    assert _snapshot(out_dir) == before  # nothing rewritten
    assert "no phone to tell: no file changed" in out
    assert "warning" not in out
    assert phone_agent.events() == []
    yealink = (out_dir / "249ad8a1b2c3.cfg").read_text()
    assert "account.1.enable = 1" in yealink
    assert "account.1.password = pw-alexandra" in yealink
    assert f"remote_phonebook.data.1.url = {URL}directory/yealink-org.xml" in yealink
    mitel = (out_dir / "08000FBBAD78.cfg").read_text()
    assert "sip line1 password: pw-steven" in mitel
    assert f"directory script: {URL}directory/mitel-" in mitel
    # the manifest remembers where the passwords are, never the passwords
    manifest = (out_dir / MANIFEST).read_text()
    assert "pw-steven" not in manifest
    assert json.loads(manifest)["settings"]["passwords_file"] == str(passwords.resolve())


def test_a_run_that_would_disable_accounts_is_refused_and_tells_nobody(
    capsys: pytest.CaptureFixture[str],
    org_file: Path,
    passwords: Path,
    tmp_path: Path,
    phone_agent: AnsweringPhone,
) -> None:
    out_dir = tmp_path / "prov"
    first = ["--out", str(out_dir), "--server-url", URL, "--passwords", str(passwords)]
    assert run(capsys, "provision", str(org_file), *first)[0] == 0
    before = _snapshot(out_dir)
    others = tmp_path / "other-passwords.toml"
    others.write_text(f'"{STEVEN}" = "pw-steven"\n')  # Alexandra's is missing
    argv = ["sync", str(org_file), "--out", str(out_dir), "--passwords", str(others)]
    argv += ["--port", str(phone_agent.port), "--timeout", "3"]
    status, out, err = run(capsys, *argv)
    assert status == 1
    assert out == ""
    assert "refusing to write 1 phone(s) without the SIP account they have now" in err
    assert f"phone {YEALINK}: no SIP password for {ALEXANDRA}" in err
    assert "--allow-disable" in err
    assert MITEL not in err
    assert "pw-" not in err
    assert _snapshot(out_dir) == before
    assert phone_agent.events() == []
    # told explicitly, it does it
    status, out, _ = run(capsys, *argv, "--allow-disable")
    assert status == 0
    assert "account.1.enable = 0" in (out_dir / "249ad8a1b2c3.cfg").read_text()
    assert phone_agent.events() == ["check-sync"]


def test_a_folder_written_before_the_manifest_counted_accounts_is_read_by_the_driver(
    example_org: Organization, tmp_path: Path
) -> None:
    settings = ProvisioningSettings(sip_passwords={STEVEN: "pw-steven", ALEXANDRA: "pw-a"})
    provision(example_org, tmp_path, settings)
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    old = {"version": 1, "generator": "cloudtel", "files": manifest["files"]}
    (tmp_path / MANIFEST).write_text(json.dumps(old))
    with pytest.raises(AccountDisableError, match="refusing to write 2 phone") as caught:
        provision(example_org, tmp_path, ProvisioningSettings())
    assert caught.value.context["phones"] == [MITEL, YEALINK]
    assert isinstance(caught.value, ValueError)


def test_a_phone_that_never_had_an_account_is_not_refused(
    example_org: Organization, tmp_path: Path
) -> None:
    report = provision(example_org, tmp_path, ProvisioningSettings())
    assert len(report.warnings) == 2
    again = provision(example_org, tmp_path, ProvisioningSettings())
    assert again.written == 0


def test_the_org_file_remembers_the_settings_and_where_the_passwords_are(
    capsys: pytest.CaptureFixture[str], org_file: Path, passwords: Path, tmp_path: Path
) -> None:
    org = load(org_file)
    (org_file.parent / "sip-passwords.toml").write_bytes(passwords.read_bytes())
    org.provisioning.server_url = URL
    org.provisioning.registrar = "sip.example.be"
    org.provisioning.passwords = "sip-passwords.toml"  # beside the org file
    save(org, org_file, overwrite=True)
    assert "pw-steven" not in org_file.read_text()
    out_dir = tmp_path / "prov"
    status, out, _ = run(capsys, "provision", str(org_file), "--out", str(out_dir))
    assert status == 0
    assert "warning" not in out
    mitel = (out_dir / "08000FBBAD78.cfg").read_text()
    assert "sip line1 registrar ip: sip.example.be" in mitel
    assert "sip line1 password: pw-steven" in mitel
    assert f"directory script: {URL}" in mitel
    # an option given on the command line wins for that run
    status, _, _ = run(
        capsys,
        "provision",
        str(org_file),
        "--out",
        str(out_dir),
        "--registrar",
        "sip2.example.be",
    )
    assert status == 0
    assert "registrar ip: sip2.example.be" in (out_dir / "08000FBBAD78.cfg").read_text()


def test_the_org_file_gives_every_phone_its_time_server_date_format_and_pickup_code(
    capsys: pytest.CaptureFixture[str], org_file: Path, passwords: Path, tmp_path: Path
) -> None:
    # Issue 12 item 6: time zone, time server and date format were never written (a
    # Mitel showed US Eastern time); they are the organisation's, kept in its file.
    org = load(org_file)
    org.provisioning.ntp_server = "be.pool.ntp.org"
    org.provisioning.date_format = "DD-MMM-YY"
    org.provisioning.pickup_code = "*8"
    save(org, org_file, overwrite=True)
    text = org_file.read_text()
    assert 'ntp_server = "be.pool.ntp.org"' in text
    assert 'pickup_code = "*8"' in text
    out_dir = tmp_path / "prov"
    argv = ["provision", str(org_file), "--out", str(out_dir), "--passwords", str(passwords)]
    status, out, _ = run(capsys, *argv)
    assert status == 0
    assert "shared        startup.cfg" in out
    startup = (out_dir / "startup.cfg").read_text()
    assert "time zone name: Custom\ntime zone minutes: -60\n" in startup  # Europe/Brussels
    assert "time server1: be.pool.ntp.org\n" in startup
    assert "date format: 1\n" in startup
    assert "directed call pickup prefix: *8\n" in startup
    yealink = (out_dir / "y000000000096.cfg").read_text()
    assert "local_time.ntp_server1 = be.pool.ntp.org\n" in yealink
    assert "local_time.date_format = 1\n" in yealink
    assert "pickup_value = *8" in (out_dir / "249ad8a1b2c3.cfg").read_text()
    with pytest.raises(InvalidValueError, match="date_format 'DD/MM' is not one of"):
        org.provisioning.date_format = "DD/MM"


def test_settings_for_takes_arguments_then_the_org_then_the_folder(
    example_org: Organization, passwords: Path, tmp_path: Path
) -> None:
    provision(
        example_org,
        tmp_path,
        settings_for(example_org, tmp_path, server_url=URL, passwords=passwords),
    )
    remembered = settings_for(example_org, tmp_path)
    assert remembered.server_url == URL
    assert remembered.sip_passwords[STEVEN] == "pw-steven"
    example_org.provisioning.server_url = "http://other.example.be/"
    assert settings_for(example_org, tmp_path).server_url == "http://other.example.be/"
    given_url = settings_for(example_org, tmp_path, server_url="https://given.example.be")
    assert given_url.server_url == "https://given.example.be/"
    assert settings_for(example_org).server_url == "http://other.example.be/"


def test_a_missing_password_file_is_one_clear_error(
    example_org: Organization, tmp_path: Path
) -> None:
    with pytest.raises(InvalidValueError, match="cannot read the SIP passwords"):
        settings_for(example_org, passwords=tmp_path / "nowhere.toml")


# ---------------------------------------------------------------------------
# Inherited settings: organisation → group → phone
# ---------------------------------------------------------------------------


def test_a_phone_inherits_from_its_users_groups_then_the_organisation(
    example_org: Organization,
) -> None:
    prov = example_org.provisioning
    prov.nat_keepalive = 30
    prov.backup_registrar = "sip2.orange.be"
    prov.firmware_urls = {"mitel/6940": "http://fw.example.be/mitel/"}
    groups = [g.name for g in example_org.groups_of(STEVEN)]
    prov.set_group(groups[-1], nat_keepalive=20)
    prov.set_group(groups[0], nat_keepalive=15, firmware_urls={"mitel/6940": "http://g/"})
    phone = example_org.phones.get(MITEL)
    resolved = prov.resolve(phone)
    assert (resolved["nat_keepalive"].value, resolved["nat_keepalive"].source) == (
        15,
        f"group:{groups[0]}",
    )
    assert resolved["firmware_url"].value == "http://g/"
    assert resolved["backup_registrar"].source == "organization"
    assert resolved["backup_registrar_port"].source == "default"
    prov.set_phone(MITEL, nat_keepalive=0, backup_registrar="")
    resolved = prov.resolve(phone)
    assert (resolved["nat_keepalive"].value, resolved["nat_keepalive"].source) == (0, "phone")
    assert (resolved["backup_registrar"].value, resolved["backup_registrar"].source) == (
        "",
        "phone",
    )
    # the Yealink of a user in none of those groups takes the organisation's values
    yealink = prov.resolve(example_org.phones.get(YEALINK))
    assert yealink["firmware_url"].source == "default"  # no URL for the T54W
    assert yealink["nat_keepalive"].source in {"organization"} | {f"group:{g}" for g in groups}


def test_the_drivers_write_the_inherited_settings(example_org: Organization) -> None:
    prov = example_org.provisioning
    prov.nat_keepalive = 25
    prov.backup_registrar = "sip2.orange.be"
    prov.backup_registrar_port = 5070
    prov.firmware_urls = {
        "mitel/6940": "http://fw.example.be/mitel/",
        "yealink/t54w": "http://fw.example.be/T54W-96.86.0.100.rom",
    }
    settings = ProvisioningSettings(sip_passwords={STEVEN: "pw-s", ALEXANDRA: "pw-a"})
    mitel = render_phone(example_org, MITEL, settings).files[0].content.decode()
    assert "firmware server: http://fw.example.be/mitel/" in mitel
    assert "sip line1 backup registrar ip: sip2.orange.be" in mitel
    assert "sip line1 backup registrar port: 5070" in mitel
    yealink = render_phone(example_org, YEALINK, settings).files[0].content.decode()
    assert "static.firmware.url = http://fw.example.be/T54W-96.86.0.100.rom" in yealink
    assert "account.1.nat.udp_update_time = 25" in yealink
    assert "account.1.sip_server.2.address = sip2.orange.be" in yealink
    assert "account.1.sip_server.2.port = 5070" in yealink
    context = phone_context(example_org, example_org.phones.get(YEALINK), settings)
    assert (context.nat_keepalive, context.backup_registrar) == (25, "sip2.orange.be")


def test_bad_provisioning_values_are_refused_with_their_field(example_org: Organization) -> None:
    prov = example_org.provisioning
    with pytest.raises(InvalidValueError, match="nat_keepalive 99999"):
        prov.nat_keepalive = 99999
    with pytest.raises(InvalidValueError, match="backup_registrar 'not a host'"):
        prov.backup_registrar = "not a host"
    with pytest.raises(InvalidValueError, match="must be 'family/model'"):
        prov.firmware_urls = {"6940": "http://fw/"}
    with pytest.raises(InvalidValueError, match="must start with http"):
        prov.server_url = "ftp://x/"
    with pytest.raises(NotFoundError):
        prov.set_group("Nobody", nat_keepalive=5)
    with pytest.raises(NotFoundError):
        prov.set_phone("00:11:22:33:44:55", nat_keepalive=5)


def test_a_removed_or_renamed_group_takes_its_settings_along(example_org: Organization) -> None:
    group = example_org.groups_of(STEVEN)[0].name
    example_org.provisioning.set_group(group, nat_keepalive=9)
    example_org.update_group(group, name="Renamed")
    assert [g.group for g in example_org.provisioning.groups] == ["Renamed"]
    example_org.remove_group("Renamed")
    assert example_org.provisioning.groups == ()


# ---------------------------------------------------------------------------
# The provisioning table round-trips
# ---------------------------------------------------------------------------

_hosts = st.from_regex(r"[a-z][a-z0-9]{0,8}(\.[a-z][a-z0-9]{0,5}){0,2}", fullmatch=True)
_urls = st.builds(
    lambda h, p: f"http://{h}/{p}", _hosts, st.from_regex(r"[a-z0-9]{0,6}", fullmatch=True)
)
_optional_int = st.none() | st.integers(0, 3600)


@given(
    server_url=st.just("") | _urls,
    registrar=st.just("") | _hosts,
    keepalive=_optional_int,
    backup=st.none() | st.just("") | _hosts,
    firmware=st.dictionaries(st.sampled_from(["mitel/6940", "yealink/t54w"]), _urls, max_size=2),
    group_keepalive=_optional_int,
    phone_port=st.none() | st.integers(1, 65535),
    fmt=st.sampled_from(["toml", "json"]),
    ntp=st.just("") | _hosts,
    date_format=st.sampled_from(["", "WWW MMM DD", "DD-MMM-YY"]),
    pickup=st.from_regex(r"[0-9*#]{0,4}", fullmatch=True),
)
def test_the_provisioning_table_round_trips(  # noqa: PLR0917 - one argument per strategy
    server_url: str,
    registrar: str,
    keepalive: int | None,
    backup: str | None,
    firmware: dict[str, str],
    group_keepalive: int | None,
    phone_port: int | None,
    fmt: str,
    ntp: str,
    date_format: str,
    pickup: str,
) -> None:
    org = loads(dumps(_small_org()))
    prov = org.provisioning
    prov.ntp_server = ntp
    prov.date_format = date_format
    prov.pickup_code = pickup
    prov.server_url = server_url
    prov.registrar = registrar
    prov.nat_keepalive = keepalive
    prov.backup_registrar = backup
    prov.firmware_urls = firmware
    prov.passwords = "secrets/sip.toml"
    prov.groups = (GroupProvisioning(group="Sales", nat_keepalive=group_keepalive),)
    prov.phones = (PhoneProvisioning(mac="08:00:0f:bb:ad:78", backup_registrar_port=phone_port),)
    again = loads(dumps(org, fmt), fmt)  # type: ignore[arg-type]
    assert again.provisioning == prov
    phone = org.phones.get(MITEL)
    assert again.provisioning.resolve(phone) == prov.resolve(phone)


def _small_org() -> Organization:
    from cloudtel import User, UserGroup
    from cloudtel.devices import SipPhone

    org = Organization(name="Small", domain="small.example")
    org.add_group(UserGroup(name="Sales"))
    org.add_user(User(username="ann@small.example", first_name="Ann", groups=("Sales",)))
    org.phones.add(SipPhone(mac=MITEL, family="mitel", model="6940", user="ann@small.example"))
    return org


def test_the_renderers_shared_contexts_equal_one_phones_context(
    example_org: Organization,
) -> None:
    from cloudtel.provisioning import _Renderer  # the many-phone path against the public one

    example_org.provisioning.nat_keepalive = 20
    group = example_org.groups_of(STEVEN)[0].name
    example_org.provisioning.set_group(group, backup_registrar="sip3.orange.be")
    settings = ProvisioningSettings(sip_passwords={STEVEN: "pw-s"}, server_url=URL)
    renderer = _Renderer(example_org, settings)
    for phone in example_org.phones:
        _directories, links = renderer._shown(phone)
        fast = renderer._context(phone, links)
        assert fast == phone_context(example_org, phone, settings, directories=links)
    again = renderer._context(example_org.phones.get(MITEL), links=())
    assert again.accounts[0].password == "pw-s"
