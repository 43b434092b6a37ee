"""check-sync NOTIFY against real SIP user agents on loopback.

The phones are played by ``sipp`` (Debian package ``sip-tester``) running the scenarios
in ``tests/data/sipp/``, by a UDP socket that never answers, and by a closed port.
Every server listens on 127.0.0.1 only and is stopped by the test that started it.
"""

from __future__ import annotations

import itertools
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from tests.sip_agents import LOOPBACK, SilentPhone, free_udp_port, sipp_uas

from cloudtel.errors import DeliveryError, InvalidValueError
from cloudtel.sip import (
    NotifyOutcome,
    NotifyResult,
    SipTarget,
    build_notify,
    check_sync,
    parse_response,
    raise_for_failures,
)


@pytest.fixture
def silent_phone() -> Iterator[SilentPhone]:
    phone = SilentPhone()
    try:
        yield phone
    finally:
        phone.close()


# ---------------------------------------------------------------------------
# A phone that accepts
# ---------------------------------------------------------------------------


def test_sipp_accepts_check_sync_and_finds_every_required_header(tmp_path: Path) -> None:
    with sipp_uas("notify-200.xml", tmp_path) as sipp:
        (result,) = check_sync(
            [sipp.target(user="steven.lath", label="08000FBBAD78")], t1=0.1, timeout=5
        )
        # sipp's scenario checks Via/branch/rport, Max-Forwards, From tag, To, CSeq,
        # Contact, Event, Subscription-State and Content-Length; any miss fails its exit.
        assert sipp.finished() == 0
    assert result.ok
    assert (result.outcome, result.status, result.reason) == (NotifyOutcome.ACCEPTED, 200, "OK")
    assert result.transmissions == 1
    assert result.describe() == "08000FBBAD78: accepted (200 OK)"
    trace = sipp.messages()
    assert f"NOTIFY sip:steven.lath@127.0.0.1:{sipp.port} SIP/2.0" in trace
    assert "Event: check-sync\n" in trace.replace("\r\n", "\n")
    assert "reboot" not in trace
    assert f"Call-ID: {result.call_id}" in trace


def test_reboot_variant_asks_for_a_restart(tmp_path: Path) -> None:
    with sipp_uas("notify-200.xml", tmp_path) as sipp:
        (result,) = check_sync([sipp.target()], reboot=True, t1=0.1, timeout=5)
        assert sipp.finished() == 0
    assert result.ok
    assert result.event == "check-sync;reboot=true"
    assert "Event: check-sync;reboot=true" in sipp.messages()
    assert f"NOTIFY sip:127.0.0.1:{sipp.port} SIP/2.0" in sipp.messages()


def test_many_phones_get_one_result_each_in_order(tmp_path: Path) -> None:
    with sipp_uas("notify-200.xml", tmp_path, calls=5) as sipp:
        targets = [sipp.target(label=f"phone-{n}") for n in range(5)]
        results = check_sync(targets, t1=0.1, timeout=5, max_in_flight=2)
        assert sipp.finished() == 0
    assert [r.target.label for r in results] == [f"phone-{n}" for n in range(5)]
    assert all(r.ok for r in results)
    assert len({r.call_id for r in results}) == 5
    assert sipp.messages().count("NOTIFY sip:") == 5


def test_the_sipp_header_checks_fail_a_request_without_subscription_state(
    tmp_path: Path,
) -> None:
    """The header checks in the scenario are real: a request missing one fails sipp."""
    request = build_notify(
        SipTarget(host=LOOPBACK, port=5060), local_host=LOOPBACK, local_port=5999
    ).replace(b"Subscription-State: terminated\r\n", b"")
    with (
        sipp_uas("notify-200.xml", tmp_path) as sipp,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock,
    ):
        sock.bind((LOOPBACK, 0))
        sock.settimeout(5)
        request = request.replace(b"5999", str(sock.getsockname()[1]).encode())
        sock.sendto(request, (LOOPBACK, sipp.port))
        assert parse_response(sock.recv(65535)) is not None
        assert sipp.finished() != 0


# ---------------------------------------------------------------------------
# Phones that refuse, or are slow
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "status", "reason"),
    [
        ("notify-481.xml", 481, "Call/Transaction Does Not Exist"),
        ("notify-489.xml", 489, "Bad Event"),
    ],
)
def test_a_refusal_is_a_failure_with_its_status(
    tmp_path: Path, scenario: str, status: int, reason: str
) -> None:
    with sipp_uas(scenario, tmp_path) as sipp:
        (result,) = check_sync([sipp.target(label="08000FBBAD78")], t1=0.1, timeout=5)
        assert sipp.finished() == 0
    assert not result.ok
    assert (result.outcome, result.status, result.reason) == (
        NotifyOutcome.REJECTED,
        status,
        reason,
    )
    assert result.transmissions == 1
    with pytest.raises(DeliveryError, match=f"08000FBBAD78: rejected \\({status} ") as info:
        raise_for_failures([result])
    assert info.value.context["failed"] == (result,)


def test_provisional_responses_are_noted_and_the_final_one_decides(tmp_path: Path) -> None:
    with sipp_uas("notify-trying-200.xml", tmp_path) as sipp:
        (result,) = check_sync([sipp.target()], t1=0.1, t2=0.2, timeout=5)
        assert sipp.finished() == 0
    assert result.ok
    assert result.status == 200
    assert result.provisional[0] == 100
    assert result.elapsed >= 0.35  # it waited past the 100 for the 200 sent 400 ms later


def test_a_slow_phone_gets_retransmissions_until_it_answers(tmp_path: Path) -> None:
    with sipp_uas("notify-slow-200.xml", tmp_path) as sipp:
        (result,) = check_sync([sipp.target()], t1=0.1, t2=0.4, timeout=5)
        assert sipp.finished() == 0
    # sent at 0, 0.1 and 0.3 s; the answer comes at 0.35 s
    assert result.ok
    assert result.transmissions == 3
    assert sipp.messages().count("NOTIFY sip:") == 3


# ---------------------------------------------------------------------------
# Phones that do not answer
# ---------------------------------------------------------------------------


def test_a_phone_that_never_answers_gets_rfc3261_retransmissions_then_a_timeout(
    silent_phone: SilentPhone,
) -> None:
    t1, t2, timeout = 0.1, 0.4, 2.0
    target = SipTarget(host=LOOPBACK, port=silent_phone.port, label="mute")
    (result,) = check_sync([target], t1=t1, t2=t2, timeout=timeout)
    time.sleep(0.1)
    assert result.outcome is NotifyOutcome.TIMEOUT
    assert result.status is None
    assert "no final response in 2 s" in result.describe()
    assert timeout <= result.elapsed < timeout + 0.5
    # sent at 0, .1, .3, .7, 1.1, 1.5, 1.9 s: the interval doubles from T1 up to T2
    assert 6 <= result.transmissions <= 7
    assert len(silent_phone.received) == result.transmissions
    datagrams = {data for _when, data in silent_phone.received}
    assert len(datagrams) == 1  # a retransmission is the same request, same branch
    times = [when for when, _data in silent_phone.received]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    expected = [min(t1 * 2**n, t2) for n in range(len(gaps))]
    for gap, wanted in zip(gaps, expected, strict=True):
        assert wanted - 0.02 <= gap <= wanted + 0.15, (gaps, expected)


def test_without_a_timeout_the_transaction_ends_at_timer_f(silent_phone: SilentPhone) -> None:
    target = SipTarget(host=LOOPBACK, port=silent_phone.port)
    t1 = 0.02  # Timer F = 64·T1 = 1.28 s
    (result,) = check_sync([target], t1=t1, t2=0.16)
    assert result.outcome is NotifyOutcome.TIMEOUT
    assert 64 * t1 <= result.elapsed < 64 * t1 + 0.5
    (capped,) = check_sync([target], t1=t1, t2=0.16, timeout=60)
    assert capped.elapsed < 64 * t1 + 0.5


def test_a_closed_port_is_unreachable_at_once() -> None:
    port = free_udp_port()  # nothing listens there: loopback answers ICMP port unreachable
    (result,) = check_sync([SipTarget(host=LOOPBACK, port=port)], t1=0.1, timeout=5)
    assert result.outcome is NotifyOutcome.UNREACHABLE
    assert result.elapsed < 1
    assert "refused" in result.reason.lower()


def test_answers_to_other_transactions_are_ignored() -> None:
    """A response with another branch or Call-ID does not end the transaction."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as phone:
        phone.bind((LOOPBACK, 0))
        phone.settimeout(5)

        def answer() -> None:
            request, peer = phone.recvfrom(65535)
            lines = request.decode().split("\r\n")
            headers = {line.split(":", 1)[0]: line for line in lines[1:] if ":" in line}

            def response(status: str, via: str, call_id: str) -> bytes:
                parts = [
                    f"SIP/2.0 {status}",
                    via,
                    headers["From"],
                    headers["To"] + ";tag=x",
                    call_id,
                    headers["CSeq"],
                    "Content-Length: 0",
                ]
                return ("\r\n".join(parts) + "\r\n\r\n").encode()

            wrong_via = headers["Via"].replace("branch=z9hG4bK", "branch=z9hG4bKother")
            phone.sendto(response("200 OK", wrong_via, headers["Call-ID"]), peer)
            phone.sendto(response("200 OK", headers["Via"], "Call-ID: someone-else"), peer)
            phone.sendto(b"\r\n\r\n", peer)  # a keep-alive
            phone.sendto(response("486 Busy Here", headers["Via"], headers["Call-ID"]), peer)

        thread = threading.Thread(target=answer)
        thread.start()
        target = SipTarget(host=LOOPBACK, port=phone.getsockname()[1])
        (result,) = check_sync([target], t1=0.5, timeout=5)
        thread.join()
    assert (result.outcome, result.status, result.reason) == (
        NotifyOutcome.REJECTED,
        486,
        "Busy Here",
    )


# ---------------------------------------------------------------------------
# The request itself; nothing injects
# ---------------------------------------------------------------------------


def test_the_request_has_the_rfc3261_headers_in_order() -> None:
    request = build_notify(
        SipTarget(host="192.0.2.10", user="steven.lath"),
        local_host="192.0.2.1",
        local_port=5062,
        branch="z9hG4bKabc",
        call_id="c1@192.0.2.1",
        tag="t1",
    )
    assert request.decode("ascii").split("\r\n") == [
        "NOTIFY sip:steven.lath@192.0.2.10:5060 SIP/2.0",
        "Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bKabc;rport",
        "Max-Forwards: 70",
        "From: <sip:cloudtel@192.0.2.1>;tag=t1",
        "To: <sip:steven.lath@192.0.2.10:5060>",
        "Call-ID: c1@192.0.2.1",
        "CSeq: 1 NOTIFY",
        "Contact: <sip:cloudtel@192.0.2.1:5062>",
        "Event: check-sync",
        "Subscription-State: terminated",
        "User-Agent: cloudtel",
        "Content-Length: 0",
        "",
        "",
    ]


def test_ipv6_addresses_are_bracketed_in_uris() -> None:
    target = SipTarget(host="[2001:DB8::10]", port=5070)
    assert target.host == "2001:db8::10"
    assert target.uri == "sip:[2001:db8::10]:5070"
    request = build_notify(target, local_host="2001:db8::1", local_port=5060).decode()
    assert "Via: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK" in request


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("user", "steven\r\nEvent: check-sync;reboot=true"),
        ("user", "steven\nX: y"),
        ("user", "steven>;tag=1"),
        ("user", "a b"),
        ("user", "a@b"),
        ("host", "10.0.0.1\r\nX: y"),
        ("host", "10.0.0.1 evil"),
        ("host", "phone;transport=tcp"),
        ("label", "desk\nphone"),
    ],
)
def test_header_values_that_would_inject_are_refused(field: str, value: str) -> None:
    fields: dict[str, Any] = {"host": "10.0.0.1", field: value}
    with pytest.raises(InvalidValueError, match=field.replace("user", "SIP user|user")):
        SipTarget(**fields)


@pytest.mark.parametrize("port", [0, 65536, -1])
def test_a_port_out_of_range_is_refused(port: int) -> None:
    with pytest.raises(InvalidValueError, match="from 1 to 65535"):
        SipTarget(host="10.0.0.1", port=port)


def test_timers_and_limits_must_be_positive() -> None:
    target = [SipTarget(host=LOOPBACK)]
    with pytest.raises(InvalidValueError, match="T1"):
        check_sync(target, t1=0)
    with pytest.raises(InvalidValueError, match="timeout"):
        check_sync(target, timeout=0)
    with pytest.raises(InvalidValueError, match="max_in_flight"):
        check_sync(target, max_in_flight=0)
    assert check_sync([]) == ()


def test_parse_response_reads_compact_and_folded_headers() -> None:
    response = parse_response(
        b"SIP/2.0 489 Bad Event\r\n"
        b"v: SIP/2.0/UDP 10.0.0.1:5060;rport=5060;branch=z9hG4bKxyz\r\n"
        b"i: abc@10.0.0.1\r\n"
        b"CSeq: 1\r\n NOTIFY\r\n"
        b"\r\n"
    )
    assert response is not None
    assert (response.status, response.reason) == (489, "Bad Event")
    assert response.branch == "z9hG4bKxyz"
    assert response.header("Call-ID") == "abc@10.0.0.1"
    assert response.cseq_method == "NOTIFY"
    assert parse_response(b"NOTIFY sip:x SIP/2.0\r\n\r\n") is None
    assert parse_response(b"\r\n\r\n") is None


def test_raise_for_failures_is_quiet_when_every_phone_accepted() -> None:
    ok = NotifyResult(
        target=SipTarget(host=LOOPBACK),
        event="check-sync",
        outcome=NotifyOutcome.ACCEPTED,
        status=200,
        reason="OK",
    )
    raise_for_failures([ok])
    timeout = attrs.evolve(ok, outcome=NotifyOutcome.TIMEOUT, status=None, reason="no answer")
    with pytest.raises(DeliveryError, match="not accepted by 1 of 2 phones"):
        raise_for_failures([ok, timeout])


# ---------------------------------------------------------------------------
# Through the registrar: the proxy forwards to the registered user
# ---------------------------------------------------------------------------


def test_through_a_proxy_the_request_uri_is_the_registered_user(tmp_path: Path) -> None:
    with sipp_uas("notify-200.xml", tmp_path) as proxy:
        target = SipTarget(
            host=LOOPBACK, port=proxy.port, user="steven.lathouwers", domain="sip.orange.be"
        )
        (result,) = check_sync([target], t1=0.1, timeout=5)
        assert proxy.finished() == 0
    assert result.ok
    trace = proxy.messages()
    assert "NOTIFY sip:steven.lathouwers@sip.orange.be SIP/2.0" in trace
    assert "To: <sip:steven.lathouwers@sip.orange.be>" in trace


def test_a_proxy_target_needs_a_user() -> None:
    with pytest.raises(InvalidValueError, match="needs the phone's SIP user"):
        SipTarget(host=LOOPBACK, domain="sip.orange.be")
