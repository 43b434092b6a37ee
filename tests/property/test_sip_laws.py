"""Laws of the check-sync NOTIFY: nothing from the phone's data can inject a header."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cloudtel.errors import InvalidValueError
from cloudtel.sip import SipResponse, SipTarget, build_notify, parse_response

HEADERS = [
    "Via",
    "Max-Forwards",
    "From",
    "To",
    "Call-ID",
    "CSeq",
    "Contact",
    "Event",
    "Subscription-State",
    "User-Agent",
    "Content-Length",
]

nasty = st.text(
    alphabet=st.sampled_from([*"ab.-_%0:;@<>\"' \r\n\t#=&,?/[]é", "\x00", "\u2028"]),
    max_size=30,
)


@given(user=nasty, host=nasty, label=nasty, reboot=st.booleans())
def test_a_target_is_refused_or_makes_exactly_the_fixed_headers(
    user: str, host: str, label: str, reboot: bool
) -> None:
    try:
        target = SipTarget(host=host or "10.0.0.1", user=user, label=label)
    except InvalidValueError:
        return
    request = build_notify(target, local_host="10.0.0.2", local_port=5060, reboot=reboot)
    head, _, body = request.partition(b"\r\n\r\n")
    assert body == b""
    lines = head.decode("ascii").split("\r\n")
    assert all("\n" not in line and "\r" not in line for line in lines)
    assert [line.split(":", 1)[0] for line in lines[1:]] == HEADERS
    assert lines[0] == f"NOTIFY {target.uri} SIP/2.0"
    assert lines[0].count(" ") == 2
    assert lines[8] == ("Event: check-sync;reboot=true" if reboot else "Event: check-sync")
    if target.user:
        assert target.uri.startswith(f"sip:{user}@")


@given(
    status=st.integers(100, 699),
    reason=st.text(
        alphabet=st.characters(blacklist_categories=["Cc", "Cs", "Zl", "Zp"]), max_size=40
    ).map(str.strip),
    branch=st.from_regex(r"z9hG4bK[A-Za-z0-9]{1,20}", fullmatch=True),
)
def test_a_rendered_response_reads_back(status: int, reason: str, branch: str) -> None:
    text = (
        f"SIP/2.0 {status} {reason}\r\n"
        f"Via: SIP/2.0/UDP 10.0.0.2:5060;branch={branch};rport=5060\r\n"
        "Call-ID: abc@10.0.0.2\r\n"
        "CSeq: 1 NOTIFY\r\n"
        "Content-Length: 0\r\n\r\n"
    )
    response = parse_response(text.encode())
    assert isinstance(response, SipResponse)
    assert (response.status, response.reason.strip(), response.branch) == (status, reason, branch)
    assert response.cseq_method == "NOTIFY"
