"""The phone commands: cloudtel phones, keys, provision, sync (and the demo's phone section)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.sip_agents import LOOPBACK, AnsweringPhone

from cloudtel import Organization, load, save
from cloudtel.cli import main
from cloudtel.cli.demo import phones_demo_section
from cloudtel.server import FETCH_LOG


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
def phone_agent() -> Iterator[AnsweringPhone]:
    agent = AnsweringPhone()
    try:
        yield agent
    finally:
        agent.close()


def test_phones_lists_every_phone(capsys: pytest.CaptureFixture[str], example_path: Path) -> None:
    status, out, _ = run(capsys, "phones", str(example_path))
    assert status == 0
    assert "08000FBBAD78  Mitel 6940" in out
    assert "steven.lathouwers@orange.be" in out
    assert "81.164.240.106" in out
    assert "Yealink T54W" in out
    assert out.rstrip().endswith("2 phones")


def test_keys_shows_the_layout_as_a_table(
    capsys: pytest.CaptureFixture[str], example_path: Path
) -> None:
    status, out, _ = run(capsys, "keys", str(example_path), "08:00:0f:bb:ad:78")
    assert status == 0
    lines = out.splitlines()
    assert lines[0].split() == ["Key", "Where", "Kind", "Shows", "Value"]
    assert "L20  line key 20  Extension     Adel Al Koubaisy  adel.alkoubaisy@orange.be" in out
    assert "Phone number  example" in out
    assert "+32 12 34 12 34" in out
    status, out, _ = run(capsys, "keys", str(example_path), "08000FBBAD78", "--all")
    assert status == 0
    assert "L1   line key 1   Empty" in out
    assert sum(line.startswith("L") for line in out.splitlines()) == 48  # a 6940's line keys


def test_an_unknown_phone_is_one_clear_message(
    capsys: pytest.CaptureFixture[str], example_path: Path
) -> None:
    status, out, err = run(capsys, "keys", str(example_path), "00:11:22:33:44:55")
    assert status == 1
    assert out == ""
    assert err.startswith("cloudtel: no phone with MAC address 001122334455")
    assert "Traceback" not in err


def test_provision_writes_the_folder_and_reports(
    capsys: pytest.CaptureFixture[str], example_path: Path, tmp_path: Path
) -> None:
    passwords = tmp_path / "sip-passwords.toml"
    passwords.write_text('"steven.lathouwers@orange.be" = "pw-steven"\n')
    out_dir = tmp_path / "prov"
    argv = ["provision", str(example_path), "--out", str(out_dir), "--passwords", str(passwords)]
    status, out, _ = run(capsys, *argv)
    assert status == 0
    assert "08000FBBAD78  08000FBBAD78.cfg" in out
    assert "shared        directory/mitel-org.xml" in out
    assert "shared        startup.cfg" in out
    # 6 files of the phones and 3 common ones: startup.cfg, aastra.cfg, y000000000096.cfg
    assert "2 phones, 9 files: 9 added, 0 changed, 0 unchanged, 0 stale" in out
    assert "warning: phone 249AD8A1B2C3: no SIP password for alexandra.meuwissen@orange.be" in out
    assert "sip line1 password: pw-steven" in (out_dir / "08000FBBAD78.cfg").read_text()
    status, out, _ = run(capsys, *argv)
    assert "0 added, 0 changed, 9 unchanged" in out


def test_provision_refuses_a_bad_passwords_file(
    capsys: pytest.CaptureFixture[str], example_path: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "pw.toml"
    bad.write_text("steven = 3\n")
    status, _, err = run(
        capsys, "provision", str(example_path), "--out", str(tmp_path), "--passwords", str(bad)
    )
    assert status == 1
    assert "SIP passwords must map each username to a text password" in err


def test_sync_tells_the_phones_whose_files_changed(
    capsys: pytest.CaptureFixture[str],
    org_file: Path,
    tmp_path: Path,
    phone_agent: AnsweringPhone,
) -> None:
    out_dir = str(tmp_path / "prov")
    argv = ["sync", str(org_file), "--out", out_dir, "--port", str(phone_agent.port)]
    status, out, _ = run(capsys, *argv, "--timeout", "3")
    assert status == 0
    assert "08000FBBAD78: accepted (200 OK)" in out
    assert "249AD8A1B2C3: accepted (200 OK)" in out
    assert "check-sync: 2 of 2 phones accepted, 0 skipped" in out
    status, out, _ = run(capsys, *argv, "--timeout", "3")
    assert status == 0
    assert "no phone to tell: no file changed" in out
    status, out, _ = run(
        capsys, "sync", str(org_file), "249ad8a1b2c3", "--reboot", "--port", str(phone_agent.port)
    )
    assert status == 0
    assert "check-sync;reboot=true: 1 of 1 phones accepted" in out
    assert phone_agent.events() == ["check-sync", "check-sync", "check-sync;reboot=true"]


def test_sync_takes_mac_addresses_after_the_options(
    capsys: pytest.CaptureFixture[str], org_file: Path, phone_agent: AnsweringPhone
) -> None:
    port = str(phone_agent.port)
    status, out, _ = run(capsys, "sync", str(org_file), "--reboot", "--port", port, "249ad8a1b2c3")
    assert status == 0, out
    assert "check-sync;reboot=true: 1 of 1 phones accepted" in out
    assert phone_agent.events() == ["check-sync;reboot=true"]
    with pytest.raises(SystemExit) as caught:
        run(capsys, "sync", str(org_file), "--port", port, "249ad8a1b2c3", "--bogus")
    assert caught.value.code == 2
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


def test_sync_exits_1_when_a_phone_does_not_answer(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    from tests.sip_agents import SilentPhone

    mute = SilentPhone()
    try:
        status, out, _ = run(
            capsys,
            "sync",
            str(org_file),
            "--force",
            "--port",
            str(mute.port),
            "--timeout",
            "0.6",
        )
    finally:
        mute.close()
    assert status == 1
    assert "08000FBBAD78: timeout (no final response in 0.6 s)" in out
    assert "check-sync: 0 of 2 phones accepted" in out


def test_sync_needs_to_know_which_phones(
    capsys: pytest.CaptureFixture[str], org_file: Path
) -> None:
    status, _, err = run(capsys, "sync", str(org_file))
    assert status == 1
    assert "--out DIR" in err
    assert "--force" in err


def test_the_demo_section_writes_and_shows_the_phone_files(
    example_org: Organization, tmp_path: Path
) -> None:
    text = phones_demo_section(example_org, tmp_path)
    assert text.startswith("== SIP desk phones")
    assert "2 phones, 9 files: 9 added" in text
    assert "sip line1 user name: steven.lathouwers" in text
    assert "provisioned again with nothing changed: 0 files written" in text
    assert (tmp_path / "phones" / "249ad8a1b2c3.cfg").read_text().startswith("#!version")


def test_sync_via_the_registrar_tells_each_registered_user_through_the_proxy(
    capsys: pytest.CaptureFixture[str], org_file: Path, phone_agent: AnsweringPhone
) -> None:
    # the phones have no address we could reach: the proxy knows where they registered
    org = load(org_file)
    for phone in org.phones:
        org.phones.update(phone.mac, ip_address=None)
    save(org, org_file)
    proxy = f"{LOOPBACK}:{phone_agent.port}"
    status, out, _ = run(capsys, "sync", str(org_file), "--force", "--via-registrar", proxy)
    assert status == 0
    assert f"2 of 2 phones accepted, 0 skipped; sent via {proxy} to each phone's registered" in out
    lines = [data.decode().split("\r\n", 1)[0] for _when, data in phone_agent.received]
    assert sorted(lines) == [
        "NOTIFY sip:alexandra.meuwissen@sip.orange.be SIP/2.0",
        "NOTIFY sip:steven.lathouwers@sip.orange.be SIP/2.0",
    ]


def test_sync_reaches_a_phone_without_an_address_where_it_last_fetched_its_files(
    capsys: pytest.CaptureFixture[str], org_file: Path, phone_agent: AnsweringPhone
) -> None:
    org = load(org_file)
    org.phones.update("249AD8A1B2C3", ip_address=None)
    save(org, org_file)
    record = {
        "time": "2026-12-04T10:00:00+00:00",
        "mac": "249AD8A1B2C3",
        "model": "yealink T54W",
        "address": LOOPBACK,
        "user_agent": "Yealink SIP-T54W 96.86.0.100 24:9a:d8:a1:b2:c3",
        "path": "/249ad8a1b2c3.cfg",
        "status": 200,
        "reason": "",
    }
    (org_file.parent / FETCH_LOG).write_text(json.dumps(record) + "\n")
    argv = ["sync", str(org_file), "249AD8A1B2C3", "--port", str(phone_agent.port)]
    status, out, _ = run(capsys, *argv)
    assert status == 0
    assert "249AD8A1B2C3: accepted (200 OK)" in out
    assert "sent directly to each phone" in out
