"""The accounts commands: login-check, reset-password, reset-pin, welcome; the demo section."""

from __future__ import annotations

import email
import email.policy
import io
import json
import shutil
from pathlib import Path

import pytest

from cloudtel import load
from cloudtel.cli import main
from cloudtel.cli.demo import accounts_demo_section

DEMO = "demo.user@orange.be"


@pytest.fixture
def folder(example_path: Path, tmp_path: Path) -> Path:
    """A copy of the example organisation's folder that the commands may change."""
    target = tmp_path / "org"
    shutil.copytree(example_path.parent, target)
    return target


def run(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *argv: str,
    stdin: str = "",
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def password_in(outbox: Path) -> str:
    (path,) = [p for p in outbox.iterdir() if "new-password" in p.name]
    mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    body = mail.get_body()
    assert body is not None
    text = body.get_content()
    return str(text.split("wachtwoord is: ", 1)[1].split()[0])


def test_reset_password_sends_it_and_keeps_only_the_hash(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    org_file = folder / "organization.toml"
    status, out, _ = run(capsys, monkeypatch, "reset-password", str(org_file), DEMO)
    assert status == 0
    assert out.startswith(f"new password for {DEMO} sent by e-mail to {DEMO}: written to ")
    password = password_in(folder / "outbox")
    assert password not in out
    assert password not in org_file.read_text("utf-8")
    assert "scrypt$" in org_file.read_text("utf-8")

    status, out, err = run(
        capsys, monkeypatch, "login-check", str(org_file), "+32 480 08 00 80", stdin=password + "\n"
    )
    assert (status, err) == (0, "")
    assert out.splitlines() == [
        f"ok: +32 480 08 00 80 is {DEMO} (user)",
        "the password was made by a reset and must be changed at the next login",
    ]


def test_login_check_failure_is_one_message_and_is_recorded(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    org_file = folder / "organization.toml"
    for identifier in (DEMO, "nobody@orange.be"):
        status, out, err = run(
            capsys, monkeypatch, "login-check", str(org_file), identifier, stdin="guess-guess\n"
        )
        assert (status, out) == (1, "")
        assert err == "cloudtel: wrong username, mobile number or password\n"
    assert len(load(org_file).accounts.failures) == 2  # both counted, in the file


def test_reset_pin_without_address_is_shown_once(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    org_file = folder / "organization.toml"
    status, out, _ = run(
        capsys, monkeypatch, "reset-pin", str(org_file), "andrea.bruyninx@orange.be"
    )
    assert status == 0
    first, second = out.splitlines()
    assert first.startswith("new PIN for andrea.bruyninx@orange.be: ")
    assert "give it to the user in person" in second
    pin = first.rsplit(": ", 1)[1]
    assert pin.isdigit()
    assert pin not in org_file.read_text("utf-8").replace("+32", "")


def test_welcome_shows_a_status_per_target(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    org_file = folder / "organization.toml"
    outbox = folder / "elsewhere"
    status, out, _ = run(
        capsys, monkeypatch, "welcome", str(org_file), DEMO, "--web", "--softphone", "--sms",
        "--outbox", str(outbox),
    )  # fmt: skip
    assert status == 0
    lines = out.splitlines()
    assert lines[0].split() == ["Target", "Status", "Detail"]
    assert lines[2].split()[:6] == ["web", "sent", "by", "SMS", "to", "+32480080080:"]
    assert lines[3].split()[:2] == ["softphone", "sent"]
    texts = [json.loads(p.read_text("utf-8"))["text"] for p in sorted(outbox.iterdir())]
    assert len(texts) == 2
    assert all(DEMO in text for text in texts)


def test_welcome_failure_exits_1(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out, _ = run(
        capsys, monkeypatch, "welcome", str(folder / "organization.toml"),
        "andrea.bruyninx@orange.be", "--mobile",
    )  # fmt: skip
    assert status == 1
    assert "FAILED  the account has no e-mail address and no mobile number" in out


def test_bad_transport_settings_are_one_clear_message(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    org_file = str(folder / "organization.toml")
    status, _, err = run(capsys, monkeypatch, "welcome", org_file, DEMO, "--transport", "fax")
    assert status == 1
    assert err.startswith("cloudtel: no message transport 'fax'; installed: ")
    status, _, err = run(
        capsys, monkeypatch, "welcome", org_file, DEMO, "--transport", "smtp", "-o", "host"
    )
    assert (status, err) == (1, "cloudtel: transport setting 'host' must be written KEY=VALUE\n")
    status, _, err = run(capsys, monkeypatch, "welcome", org_file, "nobody@orange.be")
    assert status == 1
    assert "no user 'nobody@orange.be'" in err


def test_demo_section_sends_the_demo_users_messages_into_the_outbox(
    folder: Path, tmp_path: Path
) -> None:
    org = load(folder / "organization.toml")
    text = accounts_demo_section(org, tmp_path / "demo")
    assert text.startswith("== Accounts and messages")
    assert "login as '0480 08 00 80' with it: ok" in text
    assert "welcome (softphone): sent" in text
    files = sorted((tmp_path / "demo" / "outbox").iterdir())
    assert len(files) == 4
    assert str(tmp_path / "demo" / "outbox") in text
