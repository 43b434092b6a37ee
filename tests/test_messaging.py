"""Messages: welcome messages, secrets, and the outbox, SMTP and SMS-over-HTTP transports."""

from __future__ import annotations

import email
import email.policy
import json
import os
import socket
import ssl
import stat
import subprocess
import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from cloudtel import Organization
from cloudtel.accounts import Channel, CredentialPolicy, ScryptParams
from cloudtel.errors import DeliveryError, InvalidValueError, NotFoundError, PluginError
from cloudtel.hookspecs import hookimpl
from cloudtel.messaging import (
    HttpSmsTransport,
    Message,
    MessageSettings,
    OutboxTransport,
    Receipt,
    SmtpTransport,
    Transport,
    Transports,
    TransportSpec,
    WelcomeTarget,
    compose_welcome,
    deliver_secret,
    get_transport,
    send_pending,
    send_welcome,
    transport_specs,
)
from cloudtel.messaging.message import DEFAULT_SENDER
from cloudtel.plugins import get_plugin_manager

DEMO = "demo.user@orange.be"  # e-mail and mobile +32480080080, language nl
ADEL = "adel.alkoubaisy@orange.be"  # e-mail only
ANDREA = "andrea.bruyninx@orange.be"  # neither
FAST = CredentialPolicy(scrypt=ScryptParams(n=16, r=1))


@pytest.fixture
def org(example_org: Organization) -> Organization:
    example_org.accounts.policy = FAST
    return example_org


def read_mail(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# --- composing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (WelcomeTarget.WEB, "https://cloudtelephony.orange.be met uw gebruikersnaam"),
        (WelcomeTarget.MOBILE, 'app "Cloud Telephony" uit de App Store'),
        (WelcomeTarget.SOFTPHONE, "softphone voor Windows of macOS op https://"),
    ],
)
def test_welcome_message_has_portal_username_and_how_to_install(
    org: Organization, target: WelcomeTarget, expected: str
) -> None:
    message = compose_welcome(org, DEMO, target)
    assert message is not None
    assert (message.channel, message.to) == (Channel.EMAIL, DEMO)
    assert expected in message.body
    assert DEMO in message.body
    assert message.kind == f"welcome-{target.value}"
    assert "Welkom" in message.subject  # the user's language is nl


def test_welcome_message_in_the_users_language_or_english(org: Organization) -> None:
    org.update_user(ADEL, settings=org.user(ADEL).settings.__class__(language="fr"))
    french = compose_welcome(org, ADEL, WelcomeTarget.MOBILE)
    assert french is not None
    assert "Installez l'application" in french.body
    org.update_user(ADEL, settings=org.user(ADEL).settings.__class__(language="de"))
    english = compose_welcome(org, ADEL, WelcomeTarget.MOBILE)
    assert english is not None
    assert "Install the app" in english.body


def test_welcome_tells_how_to_choose_a_password_when_there_is_none(org: Organization) -> None:
    message = compose_welcome(org, DEMO, WelcomeTarget.WEB)
    assert message is not None
    assert "Request password" in message.body
    org.accounts.set_password(DEMO, "blue-kettle-harbour")
    message = compose_welcome(org, DEMO, WelcomeTarget.WEB)
    assert message is not None
    assert "Request password" not in message.body


def test_welcome_uses_the_settings_addresses(org: Organization) -> None:
    settings = MessageSettings(portal_url="https://pbx.example.com", mobile_app="PBX Go")
    message = compose_welcome(org, DEMO, WelcomeTarget.MOBILE, settings=settings)
    assert message is not None
    assert '"PBX Go"' in message.body
    with pytest.raises(InvalidValueError, match="http"):
        MessageSettings(portal_url="javascript:alert(1)")


def test_no_line_breaks_or_bad_addresses_get_into_a_message() -> None:
    with pytest.raises(InvalidValueError, match="line break"):
        Message(channel=Channel.EMAIL, to="a@b.be", subject="Hi\r\nBcc: x@y.z", body="", kind="x")
    with pytest.raises(InvalidValueError, match="plain e-mail address"):
        Message(channel=Channel.EMAIL, to="a@b.be\r\nBcc: x@y.z", subject="Hi", body="", kind="x")
    with pytest.raises(InvalidValueError, match="plain e-mail address"):
        Message(channel=Channel.EMAIL, to="Eve <eve@y.z>", subject="Hi", body="", kind="x")
    with pytest.raises(InvalidValueError):
        Message(channel=Channel.SMS, to="not a number", subject="", body="hi", kind="x")
    with pytest.raises(InvalidValueError, match="at most 612"):
        Message(channel=Channel.SMS, to="+32480080080", subject="", body="x" * 700, kind="x")
    with pytest.raises(InvalidValueError, match="kind"):
        Message(channel=Channel.SMS, to="+32480080080", subject="", body="x", kind="../etc")


# --- outbox and welcome statuses ---------------------------------------------------------


def test_welcome_into_the_outbox_gives_a_status_per_target(
    org: Organization, tmp_path: Path
) -> None:
    outbox = tmp_path / "outbox"
    statuses = send_welcome(org, DEMO, ["web", "mobile", "softphone"], Transports.outbox(outbox))
    assert [s.target for s in statuses] == list(WelcomeTarget)
    assert all(s.sent for s in statuses)
    files = sorted(outbox.iterdir())
    assert len(files) == 3
    assert {Path(s.receipt.reference) for s in statuses if s.receipt} == set(files)
    for status, name in zip(statuses, ("web", "mobile", "softphone"), strict=True):
        assert str(status).startswith(f"welcome ({name}): sent — by e-mail to {DEMO}")
        mail = read_mail(Path(status.receipt.reference if status.receipt else ""))
        assert mail["To"] == DEMO
        assert mail["Message-ID"]
        assert mail["Date"]
        body = mail.get_content()
        assert DEMO in body
    assert stat.S_IMODE(outbox.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    assert not [f for f in files if f.name.startswith(".")]  # no temporary files left


def test_welcome_goes_by_sms_when_the_account_has_no_e_mail(
    org: Organization, tmp_path: Path
) -> None:
    org.update_user(DEMO, email="")
    (status,) = send_welcome(org, DEMO, [WelcomeTarget.WEB], Transports.outbox(tmp_path))
    assert status.sent
    assert (status.channel, status.address) == (Channel.SMS, "+32480080080")
    (file,) = tmp_path.iterdir()
    assert file.name.endswith("-welcome-web-" + file.name.rsplit("-", 1)[1])
    record = json.loads(file.read_text("utf-8"))
    assert record["to"] == "+32480080080"
    assert DEMO in record["text"]


def test_welcome_fails_per_target_and_says_why(org: Organization, tmp_path: Path) -> None:
    (nothing,) = send_welcome(org, ANDREA, ["web"], Transports.outbox(tmp_path))
    assert not nothing.sent
    assert nothing.detail == "the account has no e-mail address and no mobile number"
    no_sms = Transports(email=OutboxTransport(tmp_path))
    (status,) = send_welcome(org, DEMO, ["mobile"], no_sms, channel=Channel.SMS)
    assert not status.sent
    assert status.detail == "no SMS transport is configured"
    broken = Transports.outbox(tmp_path / "file-not-folder" / "outbox")
    (tmp_path / "file-not-folder").write_text("in the way")
    web, mobile = send_welcome(org, DEMO, ["web", "mobile"], broken)
    assert not web.sent
    assert not mobile.sent
    assert "cannot write the message into the outbox" in web.detail
    assert str(web).startswith("welcome (web): failed — ")


def test_welcome_needs_a_known_user_and_target(org: Organization, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        send_welcome(org, "nobody@orange.be", ["web"], Transports.outbox(tmp_path))
    with pytest.raises(InvalidValueError, match="at least one"):
        send_welcome(org, DEMO, [], Transports.outbox(tmp_path))
    with pytest.raises(InvalidValueError, match="web, mobile, softphone"):
        send_welcome(org, DEMO, ["fax"], Transports.outbox(tmp_path))


def test_secrets_reach_the_user_and_only_the_user(org: Organization, tmp_path: Path) -> None:
    issued = org.accounts.reset_password(DEMO)
    status = deliver_secret(org, issued, Transports.outbox(tmp_path))
    assert status.sent
    assert status.what == "new password"
    mail = read_mail(Path(status.receipt.reference if status.receipt else ""))
    assert mail["To"] == DEMO
    assert issued.secret in mail.get_content()
    nobody = deliver_secret(org, org.accounts.reset_pin(ANDREA), Transports.outbox(tmp_path))
    assert not nobody.sent


def test_pending_reset_links_are_sent_once(org: Organization, tmp_path: Path) -> None:
    org.accounts.request_password_reset("+32 480 08 00 80")
    org.accounts.request_password_reset("nobody@orange.be")
    (status,) = send_pending(org, Transports.outbox(tmp_path))
    assert status.sent
    assert (status.channel, status.address) == (Channel.SMS, "+32480080080")
    text = json.loads(Path(status.receipt.reference if status.receipt else "").read_text())["text"]
    token = text.split("token=", 1)[1].split()[0]
    assert org.accounts.check_reset_token(token) == DEMO
    assert send_pending(org, Transports.outbox(tmp_path)) == ()


# --- SMTP -------------------------------------------------------------------------------


class Mailbox:
    """An aiosmtpd handler that keeps what it receives and refuses some recipients."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.startswith("refused"):
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def test_smtp_server_receives_a_well_formed_message_for_the_right_recipient(
    org: Organization, smtp_server: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp_server
    smtp = SmtpTransport(host="127.0.0.1", port=port, sender="noreply@orange.be", timeout=5)
    statuses = send_welcome(org, DEMO, ["web", "softphone"], Transports(email=smtp))
    assert all(s.sent for s in statuses), statuses
    assert len(mailbox.received) == 2
    for (mail_from, rcpt_tos, content), status in zip(mailbox.received, statuses, strict=True):
        assert mail_from == "noreply@orange.be"
        assert rcpt_tos == [DEMO]
        mail = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(mail, EmailMessage)
        assert not mail.defects
        assert mail["To"] == DEMO
        assert mail["From"] == "noreply@orange.be"
        assert mail["Subject"].startswith("Welkom bij Cloud Telephony")
        assert mail["Message-ID"] == (status.receipt.reference if status.receipt else None)
        assert email.utils.parsedate_to_datetime(mail["Date"]).tzinfo is not None
        assert mail.get_content_type() == "text/plain"
        assert "demo.user@orange.be" in mail.get_content()
        assert b"\r\n" in content


def test_smtp_refused_recipient_is_a_failed_status(
    org: Organization, smtp_server: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp_server
    org.update_user(ADEL, email="refused.adel@orange.be")
    smtp = SmtpTransport(host="127.0.0.1", port=port, sender="noreply@orange.be", timeout=5)
    (status,) = send_welcome(org, ADEL, ["web"], Transports(email=smtp))
    assert not status.sent
    assert (
        "refused the recipient refused.adel@orange.be: 550 5.1.1 no such mailbox" in status.detail
    )
    assert mailbox.received == []


def test_smtp_without_a_server_fails_with_a_reason(org: Organization) -> None:
    smtp = SmtpTransport(host="127.0.0.1", port=free_port(), sender="noreply@orange.be", timeout=2)
    (status,) = send_welcome(org, DEMO, ["web"], Transports(email=smtp))
    assert not status.sent
    assert status.detail.startswith(f"SMTP server 127.0.0.1:{smtp.port} failed:")


def test_smtp_requiring_starttls_refuses_a_server_without_it(
    org: Organization, smtp_server: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp_server
    smtp = SmtpTransport(host="127.0.0.1", port=port, sender="noreply@orange.be", starttls=True)
    (status,) = send_welcome(org, DEMO, ["web"], Transports(email=smtp))
    assert not status.sent
    assert "does not offer STARTTLS" in status.detail
    assert mailbox.received == []


def test_smtp_password_is_never_sent_in_clear_to_another_machine() -> None:
    smtp = SmtpTransport(host="mail.example.com", sender="a@b.be", username="u", password="p")
    assert "'p'" not in repr(smtp)
    message = Message(channel=Channel.EMAIL, to="x@y.be", subject="s", body="b", kind="test")
    with pytest.raises(DeliveryError, match="without STARTTLS"):
        smtp.send(message)


def test_smtp_with_starttls_delivers_over_tls(org: Organization, tmp_path: Path) -> None:
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(
        mailbox, hostname="127.0.0.1", port=port, tls_context=server_tls, require_starttls=True
    )
    controller.start()
    try:
        trusted = SmtpTransport(
            host="127.0.0.1",
            port=port,
            sender="noreply@orange.be",
            starttls=True,
            username=None,
            timeout=5,
            ssl_context=ssl.create_default_context(cafile=str(cert)),
        )
        (status,) = send_welcome(org, DEMO, ["web"], Transports(email=trusted))
        assert status.sent, status.detail
        assert mailbox.received[0][1] == [DEMO]
        untrusted = SmtpTransport(
            host="127.0.0.1", port=port, sender="noreply@orange.be", starttls=True, timeout=5
        )
        (status,) = send_welcome(org, DEMO, ["web"], Transports(email=untrusted))
        assert not status.sent
        assert "CERTIFICATE_VERIFY_FAILED" in status.detail
        assert len(mailbox.received) == 1
    finally:
        controller.stop()


# --- SMS over HTTP ------------------------------------------------------------------------


class Gateway:
    """A loopback HTTP server that records SMS posts and answers as told."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, Mapping[str, str], bytes]] = []
        self.status = 200
        self.answer = b'{"id": "sms-42"}'
        self.location: str | None = None
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                gateway.requests.append(("POST", self.path, dict(self.headers), body))
                self.send_response(gateway.status)
                if gateway.location:
                    self.send_header("Location", gateway.location)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(gateway.answer)))
                self.end_headers()
                self.wfile.write(gateway.answer)

            def do_GET(self) -> None:
                gateway.requests.append(("GET", self.path, dict(self.headers), b""))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    gw = Gateway()
    gw.thread.start()
    try:
        yield gw
    finally:
        gw.server.shutdown()
        gw.server.server_close()
        gw.thread.join(5)


def test_sms_is_posted_to_the_gateway(
    org: Organization, gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLOUDTEL_TEST_SMS_TOKEN", "s3cr3t-token")
    sms = get_transport(
        "sms-http", {"url": gateway.url, "token_env": "CLOUDTEL_TEST_SMS_TOKEN", "sender": "Orange"}
    )
    assert "s3cr3t" not in repr(sms)
    org.update_user(DEMO, email="")
    (status,) = send_welcome(org, DEMO, ["mobile"], Transports(sms=sms))
    assert status.sent, status.detail
    assert status.receipt == Receipt(
        transport="sms-http",
        reference="sms-42",
        detail=f"accepted by SMS gateway http://127.0.0.1:{gateway.server.server_address[1]} "
        "for +32480080080",
    )
    ((method, path, headers, body),) = gateway.requests
    assert (method, path) == ("POST", "/sms")
    assert headers["Authorization"] == "Bearer s3cr3t-token"
    assert headers["Content-Type"] == "application/json"
    payload = json.loads(body)
    assert payload["to"] == "+32480080080"
    assert payload["from"] == "Orange"
    assert DEMO in payload["text"]


def test_gateway_refusal_and_redirect_are_failures(org: Organization, gateway: Gateway) -> None:
    sms = HttpSmsTransport(url=gateway.url)
    org.update_user(DEMO, email="")
    gateway.status, gateway.answer = 503, b"busy"
    (status,) = send_welcome(org, DEMO, ["web"], Transports(sms=sms))
    assert not status.sent
    assert "refused the SMS to +32480080080: HTTP 503" in status.detail
    gateway.status, gateway.location = 302, gateway.url.replace("/sms", "/elsewhere")
    (status,) = send_welcome(org, DEMO, ["web"], Transports(sms=sms))
    assert not status.sent
    assert "HTTP 302" in status.detail
    assert [r[0] for r in gateway.requests] == ["POST", "POST"]  # the redirect is not followed


def test_gateway_that_does_not_answer_is_a_failure(org: Organization) -> None:
    sms = HttpSmsTransport(url=f"http://127.0.0.1:{free_port()}/sms", timeout=2)
    org.update_user(DEMO, email="")
    (status,) = send_welcome(org, DEMO, ["web"], Transports(sms=sms))
    assert not status.sent
    assert "cannot be reached" in status.detail


def test_gateway_token_is_never_sent_over_plain_http_to_another_machine() -> None:
    sms = HttpSmsTransport(url="http://sms.example.com/send", token="t0k3n")
    message = Message(channel=Channel.SMS, to="+32480080080", subject="", body="hi", kind="x")
    with pytest.raises(DeliveryError, match="over plain http"):
        sms.send(message)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://x/y", "http:///nohost", "sms"])
def test_gateway_address_must_be_http(url: str) -> None:
    with pytest.raises(InvalidValueError, match="http"):
        HttpSmsTransport(url=url)


# --- transports as plugins ----------------------------------------------------------------


class Pigeon:
    """A transport from a test plugin."""

    def __init__(self, settings: Mapping[str, str]) -> None:
        self.settings = dict(settings)
        self.sent: list[Message] = []

    @property
    def name(self) -> str:
        return "pigeon"

    @property
    def channels(self) -> frozenset[Channel]:
        return frozenset({Channel.EMAIL})

    def send(self, message: Message) -> Receipt:
        self.sent.append(message)
        return Receipt(transport="pigeon", reference="coo", detail="flown")


class PigeonPlugin:
    @hookimpl
    def cloudtel_message_transports(self) -> Sequence[TransportSpec]:
        return [
            TransportSpec(
                name="pigeon",
                channels={Channel.EMAIL},
                description="carrier pigeon",
                options={"loft": "where the pigeons live"},
                create=Pigeon,
            )
        ]


def test_hook_cloudtel_message_transports(org: Organization) -> None:
    builtin = {spec.name for spec in transport_specs()}
    assert {"outbox", "smtp", "sms-http"} <= builtin
    pm = get_plugin_manager()
    pm.register(PigeonPlugin(), name="test-pigeon")
    try:
        assert "pigeon" in {spec.name for spec in transport_specs()}
        pigeon = get_transport("pigeon", {"loft": "roof"})
        assert isinstance(pigeon, Transport)
        (status,) = send_welcome(org, DEMO, ["web"], Transports(email=pigeon))
        assert status.sent
        assert status.detail.endswith("flown")
    finally:
        pm.unregister(name="test-pigeon")
    assert "pigeon" not in {spec.name for spec in transport_specs()}


def test_two_plugins_offering_one_transport_name_is_an_error() -> None:
    class Impostor:
        @hookimpl
        def cloudtel_message_transports(self) -> Sequence[TransportSpec]:
            return [TransportSpec(name="smtp", channels={Channel.EMAIL}, description="fake",
                                  create=Pigeon)]  # fmt: skip

    pm = get_plugin_manager()
    pm.register(Impostor(), name="test-impostor")
    try:
        with pytest.raises(PluginError, match="'smtp' is offered by two plugins"):
            transport_specs()
    finally:
        pm.unregister(name="test-impostor")


def test_a_plugin_returning_nonsense_is_an_error() -> None:
    class Broken:
        @hookimpl
        def cloudtel_message_transports(self) -> Any:
            return ["not a spec"]

    pm = get_plugin_manager()
    pm.register(Broken(), name="test-broken")
    try:
        with pytest.raises(PluginError, match="expected a TransportSpec"):
            transport_specs()
    finally:
        pm.unregister(name="test-broken")


def test_get_transport_checks_names_and_settings(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no message transport 'fax'; installed: outbox"):
        get_transport("fax")
    with pytest.raises(InvalidValueError, match="needs the setting host"):
        get_transport("smtp", {"sender": "a@b.be"})
    with pytest.raises(InvalidValueError, match="has no setting 'hostname'"):
        get_transport("smtp", {"hostname": "x", "sender": "a@b.be"})
    with pytest.raises(InvalidValueError, match="port"):
        get_transport("smtp", {"host": "x", "sender": "a@b.be", "port": "99999"})
    with pytest.raises(InvalidValueError, match="starttls"):
        get_transport("smtp", {"host": "x", "sender": "a@b.be", "starttls": "maybe"})
    with pytest.raises(InvalidValueError, match="not set"):
        get_transport("smtp", {"host": "x", "sender": "a@b.be", "password_env": "NO_SUCH_VAR_X"})
    outbox = get_transport("outbox", {"folder": str(tmp_path)})
    assert outbox.channels == frozenset(Channel)
    smtp = get_transport("smtp", {"host": "x", "sender": "a@b.be", "starttls": "yes"})
    assert isinstance(smtp, SmtpTransport)
    assert smtp.starttls


def test_outbox_writes_whole_files_with_names_free_of_user_text(tmp_path: Path) -> None:
    box = OutboxTransport(tmp_path)
    message = Message(
        channel=Channel.EMAIL, to="x@y.be", subject="../../etc", body="héllo\n", kind="welcome-web"
    )
    receipt = box.send(message)
    path = Path(receipt.reference)
    assert path.parent == tmp_path
    assert path.name.endswith(".eml")
    assert "etc" not in path.name
    stamp = datetime.strptime(path.name.split("-")[0], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - stamp).total_seconds()) < 60
    mail = read_mail(path)
    assert mail.get_content().replace("\r\n", "\n") == "héllo\n"
    assert os.listdir(tmp_path) == [path.name]


# --- the sender address --------------------------------------------------------------
# The manual: "(u hebt dit ontvangen in een e-mail van noreply.cloudtelephony@services.orange.be)"

ORANGE_NOREPLY = "noreply.cloudtelephony@services.orange.be"


def test_the_default_sender_is_configurable_in_the_message_settings(
    org: Organization, tmp_path: Path, smtp_server: tuple[Mailbox, int]
) -> None:
    settings = MessageSettings(sender=ORANGE_NOREPLY)
    (status,) = send_welcome(org, DEMO, ["web"], Transports.outbox(tmp_path), settings=settings)
    assert status.sent
    (written,) = tmp_path.iterdir()
    assert read_mail(written)["From"] == ORANGE_NOREPLY
    # an SMTP transport without a sender of its own sends from the same address
    mailbox, port = smtp_server
    smtp = SmtpTransport(host="127.0.0.1", port=port, timeout=5)
    (status,) = send_welcome(org, DEMO, ["web"], Transports(email=smtp), settings=settings)
    assert status.sent, status
    ((mail_from, _rcpt, content),) = mailbox.received
    assert mail_from == ORANGE_NOREPLY
    assert f"From: {ORANGE_NOREPLY}".encode() in content


def test_a_transport_sender_wins_and_without_any_the_default_is_used(
    org: Organization, tmp_path: Path
) -> None:
    settings = MessageSettings(sender=ORANGE_NOREPLY)
    own = Transports.outbox(tmp_path / "own", sender="pbx@example.com")
    send_welcome(org, DEMO, ["web"], own, settings=settings)
    (written,) = (tmp_path / "own").iterdir()
    assert read_mail(written)["From"] == "pbx@example.com"
    send_welcome(org, DEMO, ["web"], Transports.outbox(tmp_path / "plain"))
    (written,) = (tmp_path / "plain").iterdir()
    assert read_mail(written)["From"] == DEFAULT_SENDER
    with pytest.raises(InvalidValueError, match="e-mail address"):
        MessageSettings(sender="not an address")
