"""The provisioning server, fetched from by real HTTP clients on loopback as phones would."""

from __future__ import annotations

import base64
import email.utils
import hashlib
import http.client
import json
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import cloudtel
from cloudtel.cli import main
from cloudtel.cli.serve import parse_size
from cloudtel.provisioning import render_common_files, render_phone, settings_for
from cloudtel.server import (
    _AUTH_PARAM,
    _NC_WINDOW,
    CREDENTIALS_FILE,
    FETCH_LOG,
    FetchRecord,
    ProvisioningServer,
    _auth_params,
    _claimed,
    _clean,
    _FetchLog,
    _log_line,
    _Nonces,
    agent_mac,
    clean_path,
    issue_credentials,
    last_addresses,
    read_fetches,
)

EXAMPLE = Path(__file__).parents[1] / "examples" / "orange-labo"
MITEL = "08000FBBAD78"
YEALINK = "249AD8A1B2C3"
MITEL_AGENT = "Mitel6940 MAC:08-00-0F-BB-AD-78 V:6.3.0.1020-SIP"
YEALINK_AGENT = "Yealink SIP-T54W 96.86.0.100 24:9a:d8:a1:b2:c3"


@pytest.fixture
def org_file(tmp_path: Path) -> Path:
    folder = tmp_path / "org"
    shutil.copytree(EXAMPLE, folder)
    (folder / "sip-passwords.toml").write_text(
        '"steven.lathouwers@orange.be" = "Steven-SIP-1"\n'
        '"alexandra.meuwissen@orange.be" = "Alexandra-SIP-2"\n'
    )
    return folder / "organization.toml"


@pytest.fixture
def credentials(org_file: Path) -> dict[str, str]:
    return issue_credentials(org_file)


@pytest.fixture
def server(org_file: Path, credentials: dict[str, str]) -> Iterator[ProvisioningServer]:
    del credentials
    with ProvisioningServer(
        org_file, host="127.0.0.1", port=0, passwords=org_file.parent / "sip-passwords.toml"
    ) as running:
        yield running


def _opener(server: ProvisioningServer, user: str, password: str) -> urllib.request.OpenerDirector:
    manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    manager.add_password(None, server.url, user, password)
    return urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(manager))


def _fetch(
    server: ProvisioningServer, path: str, user: str, password: str, agent: str
) -> tuple[int, bytes]:
    request = urllib.request.Request(server.url + path, headers={"User-Agent": agent})  # noqa: S310
    try:
        with _opener(server, user, password).open(request, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _expected(org_file: Path, mac: str, server: ProvisioningServer) -> dict[str, bytes]:
    org = cloudtel.load(org_file)
    settings = settings_for(
        org, server_url=server.url, passwords=org_file.parent / "sip-passwords.toml"
    )
    files = render_phone(org, mac, settings)
    common = render_common_files(org, settings, phones=[files.phone])
    return {f.path: f.content for f in (*common, *files.files)}


def test_a_yealink_fetches_its_files_in_its_order_and_gets_what_provision_renders(
    server: ProvisioningServer, credentials: dict[str, str], org_file: Path
) -> None:
    expected = _expected(org_file, YEALINK, server)
    mac = YEALINK.lower()
    answers = {
        path: _fetch(server, path, YEALINK, credentials[YEALINK], YEALINK_AGENT)
        for path in (f"{mac}.boot", "y000000000000.boot", f"{mac}.cfg")
    }
    assert answers[f"{mac}.boot"][0] == 404  # no boot files: the phone goes on
    assert answers["y000000000000.boot"][0] == 404
    assert answers[f"{mac}.cfg"] == (200, expected[f"{mac}.cfg"])
    assert "y000000000096.cfg" in expected  # the T54W's common file, served too
    assert b"account.1.enable = 1" in answers[f"{mac}.cfg"][1]
    for path, content in expected.items():  # every other file it is given, e.g. directories
        assert _fetch(server, path, YEALINK, credentials[YEALINK], YEALINK_AGENT) == (200, content)


def test_a_mitel_fetches_its_files_in_its_order(
    server: ProvisioningServer, credentials: dict[str, str], org_file: Path
) -> None:
    expected = _expected(org_file, MITEL, server)
    statuses = {}
    for path in ("startup.cfg", "aastra.cfg", "6940.cfg", f"{MITEL}.cfg"):
        status, body = _fetch(server, path, MITEL, credentials[MITEL], MITEL_AGENT)
        statuses[path] = status
        if path in expected:
            assert (status, body) == (200, expected[path])
        else:
            assert status == 404
    assert statuses[f"{MITEL}.cfg"] == 200
    assert b"sip line1 auth name: steven.lathouwers" in expected[f"{MITEL}.cfg"]
    # the common files a Mitel fetches first (was 404: the phone never asked for its
    # own file, and lost the time zone written there)
    assert statuses["startup.cfg"] == statuses["aastra.cfg"] == 200
    assert statuses["6940.cfg"] == 404


def test_a_phone_never_gets_another_phones_file(
    server: ProvisioningServer, credentials: dict[str, str]
) -> None:
    other = f"{YEALINK.lower()}.cfg"
    status, body = _fetch(server, other, MITEL, credentials[MITEL], MITEL_AGENT)
    assert status == 404
    assert b"account" not in body
    # the same answer as for a file that does not exist: nothing to probe
    assert _fetch(server, "nothing.cfg", MITEL, credentials[MITEL], MITEL_AGENT)[0] == 404


def test_a_user_agent_naming_another_phone_is_refused(
    server: ProvisioningServer, credentials: dict[str, str]
) -> None:
    status, _ = _fetch(server, f"{MITEL}.cfg", MITEL, credentials[MITEL], YEALINK_AGENT)
    assert status == 403


def test_wrong_or_missing_credentials_get_a_digest_challenge(
    server: ProvisioningServer, credentials: dict[str, str]
) -> None:
    assert _fetch(server, f"{MITEL}.cfg", MITEL, "wrong", MITEL_AGENT)[0] == 401
    assert _fetch(server, f"{MITEL}.cfg", YEALINK, credentials[MITEL], MITEL_AGENT)[0] == 401
    host, port = server.url.split("//")[1].strip("/").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    connection.request("GET", f"/{MITEL}.cfg")
    answer = connection.getresponse()
    assert answer.status == 401
    assert answer.getheader("WWW-Authenticate", "").startswith('Digest realm="cloudtel phones')
    assert b"sip line1" not in answer.read()
    # Basic is not accepted over plain HTTP: the password would travel in clear
    token = base64.b64encode(f"{MITEL}:{credentials[MITEL]}".encode()).decode()
    connection.request("GET", f"/{MITEL}.cfg", headers={"Authorization": f"Basic {token}"})
    assert connection.getresponse().status == 401
    connection.close()


@pytest.mark.parametrize(
    "path",
    [
        "/../organization.toml",
        "/%2e%2e/organization.toml",
        "/directory/../../etc/passwd",
        "/08000FBBAD78.cfg%00.xml",
        "/a\\b.cfg",
        "/./08000FBBAD78.cfg",
        "/%ff.cfg",
    ],
)
def test_path_tricks_are_refused_before_anything_is_looked_up(
    server: ProvisioningServer, path: str
) -> None:
    host, port = server.url.split("//")[1].strip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        raw.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        head = raw.recv(200)
    assert head.startswith(b"HTTP/1.1 400")


@given(st.text(max_size=40))
def test_clean_paths_never_leave_the_folder(raw: str) -> None:
    path = clean_path(raw)
    if path is not None:
        parts = path.split("/")
        assert all(part not in {"", ".", ".."} for part in parts)
        assert not path.startswith("/")
        assert "\\" not in path
        assert "\x00" not in path


def test_the_org_file_is_read_again_when_it_changes(
    server: ProvisioningServer, credentials: dict[str, str], org_file: Path
) -> None:
    path = f"{MITEL}.cfg"
    before = _fetch(server, path, MITEL, credentials[MITEL], MITEL_AGENT)[1]
    org = cloudtel.load(org_file)
    org.phones.update(MITEL, description="Moved to reception")
    org.update_user("steven.lathouwers@orange.be", first_name="Stefan")
    cloudtel.save(org, org_file)
    after = _fetch(server, path, MITEL, credentials[MITEL], MITEL_AGENT)[1]
    assert after != before
    assert b"Stefan Lathouwers" in after


def test_a_phone_removed_from_the_organisation_gets_not_found_not_a_server_error(
    server: ProvisioningServer, credentials: dict[str, str], org_file: Path
) -> None:
    path = f"{MITEL}.cfg"
    assert _fetch(server, path, MITEL, credentials[MITEL], MITEL_AGENT)[0] == 200
    org = cloudtel.load(org_file)
    org.phones.remove(MITEL)  # its credentials stay in the credentials file
    cloudtel.save(org, org_file)
    status, body = _fetch(server, path, MITEL, credentials[MITEL], MITEL_AGENT)
    assert (status, body) == (404, b"404 Not Found\n")  # as for any file it may not have
    assert b"account" not in body
    refused = [r for r in read_fetches(org_file) if r.path == "/" + path][-1]
    assert (refused.mac, refused.status) == (MITEL, 404)
    assert "not a phone of the organisation" in refused.reason


def test_every_fetch_is_logged_and_sync_uses_the_last_address(
    server: ProvisioningServer, credentials: dict[str, str], org_file: Path
) -> None:
    _fetch(server, f"{YEALINK.lower()}.cfg", YEALINK, credentials[YEALINK], YEALINK_AGENT)
    records = [r for r in read_fetches(org_file) if r.status == 200]
    assert records
    record = records[-1]
    assert (record.mac, record.model, record.address) == (YEALINK, "yealink T54W", "127.0.0.1")
    assert record.user_agent == YEALINK_AGENT
    assert last_addresses(org_file) == {YEALINK.lower(): "127.0.0.1"}
    # the 401 before the digest answer is logged too, without a MAC
    assert any(r.status == 401 and not r.mac for r in read_fetches(org_file))


def test_a_file_that_would_take_the_phone_offline_is_not_served(
    org_file: Path, credentials: dict[str, str]
) -> None:
    # started without SIP passwords: the files would carry no account
    with ProvisioningServer(org_file, host="127.0.0.1", port=0) as running:
        status, _ = _fetch(running, f"{MITEL}.cfg", MITEL, credentials[MITEL], MITEL_AGENT)
        assert status == 503
        assert any("no SIP account" in r.reason for r in read_fetches(org_file))
    with ProvisioningServer(org_file, host="127.0.0.1", port=0, allow_disable=True) as running:
        assert _fetch(running, f"{MITEL}.cfg", MITEL, credentials[MITEL], MITEL_AGENT)[0] == 200


def test_credentials_are_kept_as_hashes_only(org_file: Path, credentials: dict[str, str]) -> None:
    stored = (org_file.parent / CREDENTIALS_FILE).read_text()
    assert set(credentials) == {MITEL, YEALINK}
    for password in credentials.values():
        assert password not in stored
    data = json.loads(stored)
    realm = data["realm"]
    ha1 = hashlib.md5(f"{MITEL}:{realm}:{credentials[MITEL]}".encode()).hexdigest()  # noqa: S324
    assert data["phones"][MITEL] == {"ha1": ha1}
    assert (org_file.parent / CREDENTIALS_FILE).stat().st_mode & 0o077 == 0
    # new credentials for one phone leave the other's as they were
    again = issue_credentials(org_file, ["08:00:0f:bb:ad:78"])
    assert set(again) == {MITEL}
    assert (
        json.loads((org_file.parent / CREDENTIALS_FILE).read_text())["phones"][YEALINK]
        == (data["phones"][YEALINK])
    )


def test_https_with_basic_auth(org_file: Path, credentials: dict[str, str], tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-days", "1",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    with ProvisioningServer(
        org_file,
        host="127.0.0.1",
        port=0,
        passwords=org_file.parent / "sip-passwords.toml",
        certificate=cert,
        key=key,
    ) as running:
        assert running.url.startswith("https://127.0.0.1:")
        context = ssl.create_default_context(cafile=str(cert))
        token = base64.b64encode(f"{MITEL}:{credentials[MITEL]}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310 - an https URL of the test
            running.url + f"{MITEL}.cfg",
            headers={"Authorization": f"Basic {token}", "User-Agent": MITEL_AGENT},
        )
        with urllib.request.urlopen(request, context=context, timeout=10) as answer:  # noqa: S310
            assert answer.status == 200
            assert b"sip line1" in answer.read()


def test_curl_fetches_with_digest(server: ProvisioningServer, credentials: dict[str, str]) -> None:
    curl = shutil.which("curl")
    if curl is None:
        pytest.fail("curl is needed for this test (apt-get install curl)")
    done = subprocess.run(
        [curl, "-sS", "--digest", "-u", f"{YEALINK}:{credentials[YEALINK]}",
         "-A", YEALINK_AGENT, "-o", "-", "-w", "%{http_code}",
         server.url + f"{YEALINK.lower()}.cfg"],
        capture_output=True, check=True, timeout=30,
    )  # fmt: skip
    assert done.stdout.endswith(b"200")
    assert b"account.1.enable = 1" in done.stdout


def test_concurrent_phones_each_get_their_own_file(
    server: ProvisioningServer, credentials: dict[str, str], org_file: Path
) -> None:
    expected = {
        MITEL: _expected(org_file, MITEL, server)[f"{MITEL}.cfg"],
        YEALINK: _expected(org_file, YEALINK, server)[f"{YEALINK.lower()}.cfg"],
    }
    failures: list[str] = []

    def phone(mac: str, path: str, agent: str) -> None:
        for _ in range(10):
            if _fetch(server, path, mac, credentials[mac], agent) != (200, expected[mac]):
                failures.append(mac)

    threads = [
        threading.Thread(target=phone, args=(MITEL, f"{MITEL}.cfg", MITEL_AGENT)),
        threading.Thread(target=phone, args=(YEALINK, f"{YEALINK.lower()}.cfg", YEALINK_AGENT)),
    ] * 1
    threads += [threading.Thread(target=phone, args=(MITEL, f"{MITEL}.cfg", MITEL_AGENT))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


@pytest.mark.parametrize(
    ("agent", "mac"),
    [
        (YEALINK_AGENT, "249ad8a1b2c3"),
        (MITEL_AGENT, "08000fbbad78"),
        ("Aastra6731i MAC:00-08-5D-23-74-29 V:3.2.0.70-SIP", "00085d237429"),
        ("curl/8.0", None),
        ("", None),
    ],
)
def test_the_mac_in_a_phones_user_agent(agent: str, mac: str | None) -> None:
    assert agent_mac(agent) == mac


def test_cli_phone_credentials_prints_each_password_once(
    org_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["phone-credentials", str(org_file), "08:00:0f:bb:ad:78"]) == 0
    out = capsys.readouterr().out
    assert MITEL in out
    assert YEALINK not in out
    password = out.split(MITEL, 1)[1].split()[0]
    stored = (org_file.parent / CREDENTIALS_FILE).read_text()
    assert password not in stored


def test_cli_serve_refuses_a_bad_bind(org_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", str(org_file), "--bind", "localhost"]) == 1
    assert "expected HOST:PORT" in capsys.readouterr().err


def _everything_shown(
    server: ProvisioningServer, mac: str, password: str, agent: str, config: str
) -> bytes:
    """What a phone shows: its configuration and every file it links to, followed."""
    link = re.compile(re.escape(server.url) + r"([A-Za-z0-9._/-]+)")
    seen: dict[str, bytes] = {}
    queue = [config]
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        status, body = _fetch(server, path, mac, password, agent)
        assert status == 200, path
        seen[path] = body
        queue.extend(link.findall(body.decode()))
    assert any(path.startswith("directory/") for path in seen)
    return b"\n".join(seen.values())


def test_a_contact_a_user_hid_is_not_on_their_phone_but_on_the_others(
    org_file: Path, credentials: dict[str, str]
) -> None:
    # The manual: a user can hide an inherited contact for himself. The shared
    # directory showed it anyway on his phone (defect: issue 12).
    org = cloudtel.load(org_file)
    steven = "steven.lathouwers@orange.be"
    receptie = next(
        e.contact for e in org.contacts.effective(steven) if e.contact.name == "Receptie"
    )
    org.contacts.hide(steven, receptie)
    cloudtel.save(org, org_file)
    with ProvisioningServer(
        org_file, host="127.0.0.1", port=0, passwords=org_file.parent / "sip-passwords.toml"
    ) as running:
        mine = _everything_shown(running, MITEL, credentials[MITEL], MITEL_AGENT, f"{MITEL}.cfg")
        other = _everything_shown(
            running, YEALINK, credentials[YEALINK], YEALINK_AGENT, f"{YEALINK.lower()}.cfg"
        )
    assert b"Receptie" not in mine
    assert b"Orange Belgium" in mine  # the Helpdesk: the rest of the organisation's contacts stay
    assert b"Receptie" in other


def _digest_header(  # noqa: PLR0917
    challenge: str, user: str, password: str, path: str, nc: int | None, method: str = "GET"
) -> str:
    fields = dict(re.findall(r'(\w+)="?([^",]*)"?', challenge.removeprefix("Digest ")))
    realm, nonce = fields["realm"], fields["nonce"]

    def md5(text: str) -> str:
        return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()

    ha1 = md5(f"{user}:{realm}:{password}")
    ha2 = md5(f"{method}:{path}")
    common = f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{path}", '
    if nc is None:  # RFC 2069: no qop, no count
        return common + f'response="{md5(f"{ha1}:{nonce}:{ha2}")}"'
    count, cnonce = f"{nc:08x}", "0a4f113b"
    answer = md5(f"{ha1}:{nonce}:{count}:{cnonce}:auth:{ha2}")
    return common + (f'qop=auth, nc={count}, cnonce="{cnonce}", response="{answer}"')


def _raw_get(server: ProvisioningServer, path: str, headers: dict[str, str]) -> tuple[int, str]:
    host, port = server.url.split("//")[1].strip("/").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", path, headers={"User-Agent": MITEL_AGENT, **headers})
        answer = connection.getresponse()
        answer.read()
        return answer.status, answer.getheader("WWW-Authenticate", "")
    finally:
        connection.close()


def test_a_captured_request_replayed_is_refused(
    server: ProvisioningServer, credentials: dict[str, str], org_file: Path
) -> None:
    # Defect (issue 12): nonce counts were not checked, so anyone who captured one
    # phone's request could fetch its file again (SIP password included) for 5 minutes.
    path = f"/{MITEL}.cfg"
    status, challenge = _raw_get(server, path, {})
    assert status == 401
    captured = {"Authorization": _digest_header(challenge, MITEL, credentials[MITEL], path, 1)}
    assert _raw_get(server, path, captured)[0] == 200
    status, again = _raw_get(server, path, captured)  # the replay, on a new connection
    assert status == 401
    assert "stale=true" in again  # a phone that really reused a count just asks again
    assert any("a replay" in r.reason for r in read_fetches(org_file))
    # the phone itself goes on with the next count, or with the new nonce
    following = _digest_header(challenge, MITEL, credentials[MITEL], path, 2)
    assert _raw_get(server, path, {"Authorization": following})[0] == 200
    fresh = _digest_header(again, MITEL, credentials[MITEL], path, 1)
    assert _raw_get(server, path, {"Authorization": fresh})[0] == 200


def test_counts_may_arrive_out_of_order_but_each_once(
    server: ProvisioningServer, credentials: dict[str, str]
) -> None:
    path = f"/{MITEL}.cfg"
    challenge = _raw_get(server, path, {})[1]
    statuses = [
        _raw_get(
            server,
            path,
            {"Authorization": _digest_header(challenge, MITEL, credentials[MITEL], path, nc)},
        )[0]
        for nc in (3, 1, 2, 2, 0, 70, 5)
    ]
    # 5 is more than 64 counts below 70: too old to tell, refused
    assert statuses == [200, 200, 200, 401, 401, 200, 401]


def test_a_nonce_without_qop_is_good_for_one_request(
    server: ProvisioningServer, credentials: dict[str, str]
) -> None:
    path = f"/{MITEL}.cfg"
    challenge = _raw_get(server, path, {})[1]
    header = {"Authorization": _digest_header(challenge, MITEL, credentials[MITEL], path, None)}
    assert _raw_get(server, path, header)[0] == 200
    assert _raw_get(server, path, header)[0] == 401


def test_real_clients_still_fetch_many_times(
    server: ProvisioningServer, credentials: dict[str, str], tmp_path: Path
) -> None:
    path = f"{YEALINK.lower()}.cfg"
    opener = _opener(server, YEALINK, credentials[YEALINK])
    request = urllib.request.Request(server.url + path, headers={"User-Agent": YEALINK_AGENT})  # noqa: S310
    for _ in range(20):
        with opener.open(request, timeout=10) as answer:
            assert answer.status == 200
    curl = shutil.which("curl")
    if curl is None:
        pytest.fail("curl is needed for this test (apt-get install curl)")
    done = subprocess.run(
        [curl, "-sS", "--digest", "-u", f"{YEALINK}:{credentials[YEALINK]}",
         "-A", YEALINK_AGENT, "-w", "%{http_code}\n",
         "-o", str(tmp_path / "fetch#1"), server.url + path + "?n=[1-10]"],
        capture_output=True, check=True, timeout=60,
    )  # fmt: skip
    assert done.stdout.decode().split() == ["200"] * 10
    assert (tmp_path / "fetch10").read_bytes().startswith(b"#!version")


def test_the_nonce_table_stays_bounded_and_forgets_the_least_recently_used() -> None:
    nonces = _Nonces(capacity=4)
    issued = [nonces.issue() for _ in range(10)]
    assert len(nonces.live) == 4
    assert nonces.use(issued[0], 1).startswith("stale nonce")  # forgotten: the phone asks again
    assert nonces.use(issued[-1], 1) == ""
    assert nonces.use(issued[-1], 1) != ""
    assert nonces.use("0.0.forged", 1) == "nonce not issued by this server"


@given(st.lists(st.integers(min_value=0, max_value=200), max_size=60))
def test_each_nonce_count_is_accepted_once(counts: list[int]) -> None:
    # Law: a count is accepted iff it is >= 1, not used before, and not more than the
    # window below the highest count accepted so far.
    nonces = _Nonces(capacity=4)
    nonce = nonces.issue()
    used: set[int] = set()
    for count in counts:
        highest = max(used, default=0)
        expected = count >= 1 and count not in used and count > highest - 1 - _NC_WINDOW
        assert (nonces.use(nonce, count) == "") == expected, (count, sorted(used))
        if expected:
            used.add(count)


def test_the_fetch_log_is_rotated_by_size_and_sync_still_finds_the_phones(
    org_file: Path, credentials: dict[str, str]
) -> None:
    # Defect (issue 12): the fetch log grew for ever. Now it is rotated by size, and
    # "where was this phone last seen" still reads across the rotated files.
    passwords = org_file.parent / "sip-passwords.toml"
    with ProvisioningServer(
        org_file, host="127.0.0.1", port=0, passwords=passwords, log_max_bytes=2000, log_keep=2
    ) as running:
        yealink = f"{YEALINK.lower()}.cfg"
        assert _fetch(running, yealink, YEALINK, credentials[YEALINK], YEALINK_AGENT)[0] == 200
        log = running.fetch_log
        oldest = log.with_name(log.name + ".2")
        for _ in range(40):  # the Mitel's fetches push the Yealink's into a rotated file
            assert _fetch(running, f"{MITEL}.cfg", MITEL, credentials[MITEL], MITEL_AGENT)[0] == 200
            if oldest.exists():
                break
        names = sorted(p.name for p in log.parent.iterdir() if p.name.startswith(log.name))
        assert names == [log.name, f"{log.name}.1", f"{log.name}.2"]
        assert all(p.stat().st_size <= 2000 for p in log.parent.glob(log.name + "*"))
        assert YEALINK not in log.read_text()
        assert last_addresses(org_file) == {
            YEALINK.lower(): "127.0.0.1",
            MITEL.lower(): "127.0.0.1",
        }
        for _ in range(20):  # only log_keep rotated files stay
            _fetch(running, f"{MITEL}.cfg", MITEL, credentials[MITEL], MITEL_AGENT)
        names = sorted(p.name for p in log.parent.iterdir() if p.name.startswith(log.name))
        assert names == [log.name, f"{log.name}.1", f"{log.name}.2"]
    records = list(read_fetches(org_file))
    assert [r.time for r in records] == sorted(r.time for r in records)  # oldest first
    assert len(records) == sum(
        len(p.read_text().splitlines()) for p in log.parent.glob(log.name + "*")
    )


def test_a_rotation_while_reading_the_log_loses_nothing(tmp_path: Path) -> None:
    org_file = tmp_path / "organization.toml"
    log = _FetchLog(tmp_path / FETCH_LOG, max_bytes=600, keep=50)

    def record(n: int) -> bytes:
        fields = {"time": f"{n:04d}", "mac": "", "model": "", "address": f"10.0.0.{n}"}
        fields |= {"user_agent": "", "path": "x", "status": 200}
        return (json.dumps(fields) + "\n").encode()

    for n in range(40):
        log.write(record(n))
    before = [r.address for r in read_fetches(org_file)]
    assert len(before) == 40
    assert (tmp_path / f"{FETCH_LOG}.3").exists()
    reading = read_fetches(org_file)
    first = next(reading)  # every file is open now
    for n in range(40, 80):  # several rotations meanwhile
        log.write(record(n))
    assert [first.address, *(r.address for r in reading)] == before
    assert [r.address for r in read_fetches(org_file)] == [f"10.0.0.{n}" for n in range(80)]
    log.close()


def test_bad_rotation_settings_are_refused(
    org_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(cloudtel.InvalidValueError, match="log_keep"):
        ProvisioningServer(org_file, port=0, log_keep=0)
    with pytest.raises(cloudtel.InvalidValueError, match="log_max_bytes"):
        ProvisioningServer(org_file, port=0, log_max_bytes=-1)
    assert main(["serve", str(org_file), "--bind", "127.0.0.1:0", "--log-max-size", "lots"]) == 1
    assert "expected bytes or a number with k, M or G" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "size"),
    [("0", 0), ("2000", 2000), ("512k", 512 * 1024), ("10M", 10 * 1024**2), ("1GiB", 1024**3)],
)
def test_log_sizes_on_the_command_line(text: str, size: int) -> None:
    assert parse_size(text) == size


# --- fast paths of the request path: each the same as the plain way --------------------


_text = st.text(max_size=30)


@given(_text, _text, _text, _text, _text, _text, st.integers(100, 599), _text)
def test_a_log_line_is_json_dumps_of_the_record(  # noqa: PLR0917
    time: str, mac: str, model: str, address: str, agent: str, path: str, status: int, reason: str
) -> None:
    record = FetchRecord(
        time=time, mac=mac, model=model, address=address, user_agent=agent,
        path=path, status=status, reason=reason,
    )  # fmt: skip
    plain = json.dumps(attrs.asdict(record), ensure_ascii=True) + "\n"
    assert _log_line(time, mac, model, address, agent, path, status, reason) == plain


_PLAIN_AUTH_PARAM = re.compile(r'\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))\s*,?')


def _plain_auth_params(text: str) -> dict[str, str]:
    """The parameters of an Authorization header, parsed the plain way."""
    params = {}
    for match in _PLAIN_AUTH_PARAM.finditer(text):
        quoted, bare = match.group(2), match.group(3)
        value = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else bare
        params[match.group(1).lower()] = value
    return params


@given(st.text(alphabet=st.sampled_from('ab=", \\\t-_1'), max_size=40))
def test_the_authorization_pattern_matches_as_the_plain_one(text: str) -> None:
    assert _AUTH_PARAM.findall(text) == _PLAIN_AUTH_PARAM.findall(text)


_names = st.sampled_from(["username", "Realm", "nonce", "uri", "qop", "nc", "x-y", "a_1"])
_values = st.text(alphabet=st.characters(codec="ascii"), max_size=12)


@given(st.lists(st.tuples(_names, _values, st.booleans()), max_size=8))
def test_authorization_parameters_are_parsed_as_the_plain_way(
    fields: list[tuple[str, str, bool]],
) -> None:
    parts = []
    for name, value, quote in fields:
        if quote or not value or any(c in value for c in ' ,"\\'):
            escaped = value.replace("\\", "\\\\").replace('"', '\\"')
            parts.append(f'{name}="{escaped}"')
        else:
            parts.append(f"{name}={value}")
    header = ", ".join(parts)
    assert _auth_params(header) == _plain_auth_params(header)
    assert _auth_params(header + ', x="a\\\\b\\"c"') == _plain_auth_params(
        header + ', x="a\\\\b\\"c"'
    )


def test_an_answer_has_the_head_the_standard_server_writes(
    server: ProvisioningServer, credentials: dict[str, str], org_file: Path
) -> None:
    # the head is written at once, not through send_response/send_header: the same lines
    path = f"/{MITEL}.cfg"
    host, port = server.url.split("//")[1].strip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        raw.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        challenge = raw.recv(4096).decode()
        nonce_header = next(
            line.split(": ", 1)[1]
            for line in challenge.split("\r\n")
            if line.startswith("WWW-Authenticate: Digest")
        )
        auth = _digest_header(nonce_header, MITEL, credentials[MITEL], path, 1)
        raw.sendall(
            f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\n"
            f"User-Agent: {MITEL_AGENT}\r\nConnection: close\r\n\r\n".encode()
        )
        answer = b""
        while chunk := raw.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0] == "HTTP/1.1 200 OK"
    fields = dict(line.split(": ", 1) for line in lines[1:])
    assert list(fields) == ["Server", "Date", "Content-Type", "Content-Length", "Cache-Control"]
    assert fields["Server"] == "cloudtel"
    stamp = email.utils.parsedate_to_datetime(fields["Date"]).timestamp()
    assert abs(stamp - time.time()) < 5
    assert fields["Date"] == email.utils.formatdate(stamp, usegmt=True)
    assert fields["Content-Type"].startswith("text/plain")
    assert fields["Cache-Control"] == "no-store"
    expected = _expected(org_file, MITEL, server)[f"{MITEL}.cfg"]
    assert (int(fields["Content-Length"]), body) == (len(expected), expected)


def test_the_log_written_by_many_threads_across_rotations_keeps_every_line(
    tmp_path: Path,
) -> None:
    # lines are written outside the log's lock: none may be lost, torn or written to a
    # closed file while another thread rotates
    org_file = tmp_path / "organization.toml"
    log = _FetchLog(tmp_path / FETCH_LOG, max_bytes=4000, keep=1000)

    def writer(n: int) -> None:
        for i in range(200):
            log.write(_log_line(f"{n}-{i}", "", "", "10.0.0.1", "", "x", 200, "").encode())

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    log.close()
    assert (log.writing, log.retired, log.fd) == ({}, set(), None)  # every file closed
    times = sorted(r.time for r in read_fetches(org_file))
    assert times == sorted(f"{n}-{i}" for n in range(8) for i in range(200))
    assert len(list(tmp_path.glob(FETCH_LOG + ".*"))) > 10


def test_head_answers_like_get_without_the_body_and_http_1_0_is_answered_and_closed(
    server: ProvisioningServer, credentials: dict[str, str], org_file: Path
) -> None:
    path = f"/{MITEL}.cfg"
    expected = _expected(org_file, MITEL, server)[f"{MITEL}.cfg"]
    host, port = server.url.split("//")[1].strip("/").split(":")
    challenge = _raw_get(server, path, {})[1]
    for count, (version, method) in enumerate((("HTTP/1.1", "HEAD"), ("HTTP/1.0", "GET")), 1):
        auth = _digest_header(challenge, MITEL, credentials[MITEL], path, count, method)
        with socket.create_connection((host, int(port)), timeout=5) as raw:
            raw.sendall(
                f"{method} {path} {version}\r\nHost: x\r\nAuthorization: {auth}\r\n"
                f"User-Agent: {MITEL_AGENT}\r\n\r\n".encode()
            )
            received = b""
            while chunk := raw.recv(65536):  # HTTP/1.0: the server closes when done
                received += chunk
                if method == "HEAD" and b"\r\n\r\n" in received:
                    break
        head, _, body = received.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 OK\r\n"), (method, head)
        assert f"Content-Length: {len(expected)}".encode() in head
        assert body == (b"" if method == "HEAD" else expected)


@given(st.text(max_size=600), st.booleans())
def test_the_remembered_path_and_agent_checks_are_the_plain_ones(text: str, agent: bool) -> None:
    raw = ("Yealink SIP-T54W 96.86.0.100 24:9a:d8:a1:b2:c3" + text) if agent else text
    for _ in range(2):  # computed, then remembered (or too long to remember)
        assert _clean(raw) == clean_path(raw)
        assert _claimed(raw) == agent_mac(raw)


def test_cli_serve_passes_the_log_rotation_to_the_server(
    org_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: dict[str, object] = {}

    class _Server:
        url = "http://127.0.0.1:8080/"
        fetch_log = org_file.parent / FETCH_LOG

        def __init__(self, *args: object, **kwargs: object) -> None:
            seen.update(kwargs)

        def serve_forever(self) -> None:
            raise KeyboardInterrupt

    monkeypatch.setattr("cloudtel.cli.serve.ProvisioningServer", _Server)
    command = ["serve", str(org_file), "--log-max-size", "512k", "--log-keep", "3"]
    assert main(command) == 0
    assert (seen["log_max_bytes"], seen["log_keep"]) == (512 * 1024, 3)
    assert "rotated at 512k, 3 old file(s) kept" in capsys.readouterr().out
    assert main(["serve", str(org_file)]) == 0  # the defaults: 10 MiB, 5 files
    assert (seen["log_max_bytes"], seen["log_keep"]) == (10 * 1024 * 1024, 5)
