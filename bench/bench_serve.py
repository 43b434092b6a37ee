"""The provisioning server under load: config fetches from 50 concurrent loopback clients.

Both servers are started in this process on 127.0.0.1 and fetched from by the same 50
client threads, each keeping one HTTP/1.1 connection open and fetching a phone's
configuration file again and again:

- baseline, *a static file server*: the standard library's ``ThreadingHTTPServer`` with
  ``SimpleHTTPRequestHandler`` serving the same files, rendered beforehand into a folder
  by ``cloudtel.provision``, without authentication; measured twice: as the standard
  library sets it up (it writes an answer's head and its file in two writes with
  Nagle's algorithm on, so the file waits for the client's delayed acknowledgement of
  the head, ~40 ms), and with the socket settings ``cloudtel serve`` uses (a buffered
  writer flushed once per answer and ``TCP_NODELAY``). The second is the fair
  baseline: the ratio against it compares the work per request, not a socket option;
- ``cloudtel serve`` (:class:`cloudtel.ProvisioningServer`): each request authenticated
  with HTTP Digest (the client answers the challenge once per connection, then reuses
  its nonce with a growing ``nc``), the phone's file rendered on its first request and
  kept until the org file changes, the fetch logged.

It prints requests per second and the 50th/99th percentile latency of each, the ratio
of cloudtel's throughput to both baselines, and the machine's load. The server and the
clients share this machine's two cores, so the figures are a ratio, not a capacity.

The machine is shared, so its load changes while the benchmark runs: the three servers
take turns, ``ROUNDS`` rounds of ``SECONDS`` each, and the figures are the median round
(with the range) and the median of the rounds' ratios.

Run: ``python bench/bench_serve.py [PHONES] [SECONDS] [ROUNDS]`` (default 200 phones,
5 rounds of 2 s per server).
"""

from __future__ import annotations

import functools
import hashlib
import http.client
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import cloudtel
from cloudtel.provisioning import settings_for
from cloudtel.server import ProvisioningServer, issue_credentials

PHONES = int(sys.argv[1]) if len(sys.argv) > 1 else 200
SECONDS = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
ROUNDS = int(sys.argv[3]) if len(sys.argv) > 3 else 5
CLIENTS = 50
EXAMPLE = Path(__file__).parents[1] / "examples" / "orange-labo"


def _organisation(folder: Path) -> tuple[Path, Path]:
    shutil.copytree(EXAMPLE, folder / "org")
    org_file = folder / "org" / "organization.toml"
    org = cloudtel.load(org_file)
    for phone in list(org.phones):
        org.phones.remove(phone.mac)
    passwords = []
    for index in range(PHONES):
        username = f"bench.user{index}@orange.be"
        org.add_user(
            cloudtel.User(
                username=username,
                first_name="Bench",
                last_name=f"User {index}",
            )
        )
        mac = f"0800{index:08X}"
        family, model = ("mitel", "6940") if index % 2 else ("yealink", "T54W")
        org.phones.add(cloudtel.SipPhone(mac=mac, family=family, model=model, user=username))
        passwords.append(f'"{username}" = "Sip-password-{index}"')
    cloudtel.save(org, org_file)
    secrets = folder / "org" / "sip-passwords.toml"
    secrets.write_text("\n".join(passwords) + "\n")
    return org_file, secrets


class _Quiet(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as cloudtel serve

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Log nothing, as the benchmark's clients do not read it."""


class _QuietOneWrite(_Quiet):
    """The static server with cloudtel serve's socket settings: one write per answer
    (a buffered writer the base class flushes after each request) and TCP_NODELAY."""

    wbufsize = 64 * 1024
    disable_nagle_algorithm = True


def _config_path(mac: str, index: int) -> str:
    return f"/{mac}.cfg" if index % 2 else f"/{mac.lower()}.cfg"


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


class _Digest:
    """HTTP Digest (MD5, qop=auth) for one connection: one challenge, then nc grows.

    What a phone keeps between requests is worked out once: ``HA1`` per challenge (user,
    realm, password) and ``HA2`` per path; each request costs one MD5 of its count.
    """

    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user, password
        self.realm = self.nonce = self.ha1 = ""
        self.count = 0
        self.ha2: dict[str, str] = {}

    def challenge(self, header: str) -> None:
        fields = dict(part.strip().split("=", 1) for part in header[7:].split(","))
        self.realm = fields["realm"].strip('"')
        self.nonce = fields["nonce"].strip('"')
        self.ha1 = _md5(f"{self.user}:{self.realm}:{self.password}")
        self.count = 0

    def header(self, path: str) -> str:
        self.count += 1
        nc, cnonce = f"{self.count:08x}", "0a4f113b"
        ha2 = self.ha2.get(path) or self.ha2.setdefault(path, _md5("GET:" + path))
        answer = _md5(f"{self.ha1}:{self.nonce}:{nc}:{cnonce}:auth:{ha2}")
        return (
            f'Digest username="{self.user}", realm="{self.realm}", nonce="{self.nonce}", '
            f'uri="{path}", qop=auth, nc={nc}, cnonce="{cnonce}", response="{answer}", '
            "algorithm=MD5"
        )


def _load(port: int, targets: list[tuple[str, str, str]], digest: bool) -> tuple[int, list[float]]:
    """50 clients fetching for SECONDS; the number of 200 answers and every latency."""
    latencies: list[list[float]] = [[] for _ in range(CLIENTS)]
    errors: list[str] = []
    stop = time.perf_counter() + SECONDS

    def client(number: int) -> None:
        path, user, password = targets[number % len(targets)]
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        auth = _Digest(user, password)
        mine = latencies[number]
        while time.perf_counter() < stop:
            start = time.perf_counter()
            headers = {"Authorization": auth.header(path)} if digest and auth.nonce else {}
            connection.request("GET", path, headers=headers)
            answer = connection.getresponse()
            answer.read()
            if answer.status == 401 and digest:
                auth.challenge(answer.getheader("WWW-Authenticate", ""))
                continue
            if answer.status != 200:
                errors.append(f"{path}: {answer.status}")
                return
            mine.append(time.perf_counter() - start)
        connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(f"fetches failed: {errors[:3]}")
    flat = [value for values in latencies for value in values]
    return len(flat), flat


def _figures(name: str, rates: list[float], latencies: list[float]) -> float:
    rate = statistics.median(rates)
    cuts = statistics.quantiles(latencies, n=100)
    spread = f"{min(rates):.0f}-{max(rates):.0f}"
    print(
        f"{name:<38} {rate:7.0f} req/s ({spread:>11})   p50 {cuts[49] * 1e3:6.2f} ms   "
        f"p99 {cuts[98] * 1e3:6.2f} ms"
    )
    return rate


def main() -> None:
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        org_file, secrets = _organisation(folder)
        org = cloudtel.load(org_file)
        macs = [phone.mac.upper for phone in org.phones]
        credentials = issue_credentials(org_file)

        # the baseline: the same files, rendered beforehand, served as static files
        served = folder / "static"
        settings = settings_for(org, served, passwords=secrets)
        cloudtel.provision(org, served, settings)
        ThreadingHTTPServer.request_queue_size = (
            128  # as cloudtel serve: 50 clients connect at once
        )
        targets = [(_config_path(mac, i), mac, credentials[mac]) for i, mac in enumerate(macs)]
        load = os.getloadavg()
        print(
            f"{PHONES} phones, {CLIENTS} concurrent loopback clients; {ROUNDS} rounds of "
            f"{SECONDS:.0f} s per server, the servers taking turns (median req/s, range)"
        )
        print(f"load average before: {load[0]:.2f} (2 cores)")
        names = {
            _Quiet: "stdlib static file server, no auth",
            _QuietOneWrite: "  the same, one write + TCP_NODELAY",
            ProvisioningServer: "cloudtel serve: digest, render, log",
        }
        ports: dict[type, int] = {}
        statics = []
        for kind in (_Quiet, _QuietOneWrite):
            static = ThreadingHTTPServer(
                ("127.0.0.1", 0), functools.partial(kind, directory=str(served))
            )
            static.daemon_threads = True
            threading.Thread(target=static.serve_forever, daemon=True).start()
            statics.append(static)
            ports[kind] = static.server_address[1]
        ours = ProvisioningServer(org_file, host="127.0.0.1", port=0, passwords=secrets)
        ours.start()
        ports[ProvisioningServer] = int(ours.url.rsplit(":", 1)[1].strip("/"))
        rates: dict[type, list[float]] = {kind: [] for kind in names}
        latencies: dict[type, list[float]] = {kind: [] for kind in names}
        # taking turns, so that a change in the machine's load hits every server alike
        for _ in range(ROUNDS):
            for kind in names:
                count, found = _load(ports[kind], targets, digest=kind is ProvisioningServer)
                rates[kind].append(count / SECONDS)
                latencies[kind].extend(found)
        ours.stop()
        for static in statics:
            static.shutdown()
            static.server_close()
        rate = {kind: _figures(names[kind], rates[kind], latencies[kind]) for kind in names}
        fair = statistics.median(
            a / b for a, b in zip(rates[ProvisioningServer], rates[_QuietOneWrite], strict=True)
        )
        plain = statistics.median(
            a / b for a, b in zip(rates[ProvisioningServer], rates[_Quiet], strict=True)
        )
        print(
            "cloudtel serve / static server with the same socket settings (the fair "
            f"baseline): {fair:.2f}x (median of the rounds' ratios; of the medians "
            f"{rate[ProvisioningServer] / rate[_QuietOneWrite]:.2f}x)"
        )
        print(f"cloudtel serve / static server as the stdlib sets it: {plain:.2f}x")
        print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
