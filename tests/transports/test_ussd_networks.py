"""Hubtel, Arkesel and Nalo USSD: tables of verbatim payloads, and dials driven in each format.

Payloads are PROTOCOLS.md's (Hubtel's official Programmable Services sample, Arkesel's official
FastAPI sample, Nalo's Postman documentation), with only the placeholder numbers filled in.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from gateway.core.errors import BadRequest
from gateway.core.runtime import Runtime
from gateway.transports import arkesel_ussd, hubtel_ussd, nalo_ussd, ussd_path
from gateway.transports.ussd_callers import UssdCall
from gateway.ussd import dial_log
from gateway.ussd.dial_log import DIALS, LIVE
from gateway.ussd.hop import HopAnswer
from menus.text import is_gsm7, septets

HUBTEL_SAMPLE = {
    "Sequence": "1",
    "Type": "initiation",
    "Message": "",
    "ServiceCode": "b230733cd56b4a0fad820e39f66bc27c",
    "Operator": "Hubtel-Android",
    "ClientState": "",
    "Mobile": "233246912184",
    "SessionId": "8d440a43a98b4614b9df22b79c8190b8",
}
HUBTEL_SDK_RESPONSE = {
    "Type": "Response",
    "Mobile": "233246912184",
    "SessionId": "8d440a43a98b4614b9df22b79c8190b8",
    "ServiceCode": "713",
    "Message": "1",
    "Operator": "mtn",
    "Sequence": 2,
    "ClientState": "",
}
ARKESEL_SAMPLE = {
    "sessionID": "a1b2c3",
    "userID": "ARKESEL_USER",
    "newSession": True,
    "msisdn": "233553995047",
    "userData": "*928*01#",
    "network": "MTN",
}
NALO_SAMPLE = {
    "USERID": "NALOTest",
    "MSISDN": "233244000111",
    "USERDATA": "3",
    "MSGTYPE": False,
    "NETWORK": "MTN",
    "SESSIONID": "16590115252429751",
}

# (adapter, payload, session id, phone, new dial, latest input, provider sequence, service code)
PARSED = [
    (
        hubtel_ussd,
        HUBTEL_SAMPLE,
        "hubtel:8d440a43a98b4614b9df22b79c8190b8",
        "+233246912184",
        True,
        "",
        1,
        "b230733cd56b4a0fad820e39f66bc27c",
    ),
    (
        hubtel_ussd,
        HUBTEL_SDK_RESPONSE,
        "hubtel:8d440a43a98b4614b9df22b79c8190b8",
        "+233246912184",
        False,
        "1",
        2,
        "713",
    ),
    (
        hubtel_ussd,
        {**HUBTEL_SAMPLE, "Type": "Initiation", "Message": "*713*2#"},
        "hubtel:8d440a43a98b4614b9df22b79c8190b8",
        "+233246912184",
        True,
        "*713*2#",
        1,
        "*713*2#",
    ),
    (arkesel_ussd, ARKESEL_SAMPLE, "arkesel:a1b2c3", "+233553995047", True, "*928*01#", None, "*928*01#"),
    (
        arkesel_ussd,
        {**ARKESEL_SAMPLE, "newSession": False, "userData": "1"},
        "arkesel:a1b2c3",
        "+233553995047",
        False,
        "1",
        None,
        "",
    ),
    (
        arkesel_ussd,
        {**ARKESEL_SAMPLE, "newSession": False, "userData": None},
        "arkesel:a1b2c3",
        "+233553995047",
        False,
        "",
        None,
        "",
    ),
    (nalo_ussd, NALO_SAMPLE, "nalo:16590115252429751", "+233244000111", False, "3", None, ""),
    (
        nalo_ussd,
        {**NALO_SAMPLE, "MSGTYPE": True, "USERDATA": "*920*1234#"},
        "nalo:16590115252429751",
        "+233244000111",
        True,
        "*920*1234#",
        None,
        "*920*1234#",
    ),
]


@pytest.mark.parametrize(
    ("adapter", "payload", "session_id", "phone", "new_dial", "latest", "seq", "code"), PARSED
)
def test_verbatim_requests_become_neutral_hops(
    adapter: Any,
    payload: dict[str, Any],
    session_id: str,
    phone: str,
    new_dial: bool,
    latest: str,
    seq: int | None,
    code: str,
) -> None:
    request = adapter.parse_hop(json.dumps(payload).encode()).request
    assert (
        request.session_id,
        request.phone,
        request.new_dial,
        request.latest,
        request.hop_seq,
        request.service_code,
    ) == (session_id, phone, new_dial, latest, seq, code)
    assert request.provider == adapter.NAME
    assert request.max_chars == (120 if adapter is nalo_ussd else None)


@pytest.mark.parametrize("kind", ["release", "Release", "timeout", "TIMEOUT"])
def test_hubtel_release_and_timeout_close_the_dial_without_a_hop(kind: str) -> None:
    parsed = hubtel_ussd.parse_hop(json.dumps({**HUBTEL_SDK_RESPONSE, "Type": kind}).encode())
    assert parsed.request is None
    assert hubtel_ussd.render_hop(None, parsed.echo) == {"Type": "Release", "Message": "", "ClientState": ""}


# (adapter, answer, parsed request's echo, reply) - the reply shapes PROTOCOLS.md gives
REPLIES = [
    (
        hubtel_ussd,
        HopAnswer("Welcome\n1. Shops", False),
        {},
        {"Type": "Response", "Message": "Welcome\n1. Shops", "ClientState": ""},
    ),
    (
        hubtel_ussd,
        HopAnswer("Thank you", True),
        {},
        {"Type": "Release", "Message": "Thank you", "ClientState": ""},
    ),
    (
        arkesel_ussd,
        HopAnswer("Welcome\n1. Shops", False),
        {"sessionID": "a1", "userID": "u", "msisdn": "233553995047"},
        {
            "sessionID": "a1",
            "userID": "u",
            "msisdn": "233553995047",
            "message": "Welcome\n1. Shops",
            "continueSession": True,
        },
    ),
    (
        arkesel_ussd,
        HopAnswer("Bye", True),
        {"sessionID": "a1", "userID": "u", "msisdn": "233553995047"},
        {
            "sessionID": "a1",
            "userID": "u",
            "msisdn": "233553995047",
            "message": "Bye",
            "continueSession": False,
        },
    ),
    (
        nalo_ussd,
        HopAnswer("Welcome\n1. Option 1", False),
        {"USERID": "NALOTest", "MSISDN": "233244000111"},
        {"USERID": "NALOTest", "MSISDN": "233244000111", "MSG": "Welcome\n1. Option 1", "MSGTYPE": True},
    ),
    (
        nalo_ussd,
        HopAnswer("x" * 130, True),
        {"USERID": "NALOTest", "MSISDN": "233244000111"},
        {"USERID": "NALOTest", "MSISDN": "233244000111", "MSG": "x" * 120, "MSGTYPE": False},
    ),
]


@pytest.mark.parametrize(("adapter", "answer", "echo", "reply"), REPLIES)
def test_neutral_answers_become_each_providers_reply(
    adapter: Any, answer: HopAnswer, echo: dict[str, Any], reply: dict[str, Any]
) -> None:
    assert adapter.render_hop(answer, echo) == reply


def test_arkesel_and_nalo_echo_what_they_sent() -> None:
    assert arkesel_ussd.parse_hop(json.dumps(ARKESEL_SAMPLE).encode()).echo == {
        "sessionID": "a1b2c3",
        "userID": "ARKESEL_USER",
        "msisdn": "233553995047",
    }
    assert nalo_ussd.parse_hop(json.dumps(NALO_SAMPLE).encode()).echo == {
        "USERID": "NALOTest",
        "MSISDN": "233244000111",
    }


# (hook, body, words the 400 must hold)
MALFORMED = [
    ("/hooks/hubtel/ussd", b"not json", "not JSON"),
    ("/hooks/hubtel/ussd", b"[1, 2]", "not a JSON object"),
    ("/hooks/hubtel/ussd", b"[" * 30_000 + b"]" * 30_000, "not JSON"),
    ("/hooks/hubtel/ussd", json.dumps({**HUBTEL_SAMPLE, "Type": "AddToCart"}).encode(), "Type"),
    ("/hooks/hubtel/ussd", json.dumps({**HUBTEL_SAMPLE, "SessionId": ""}).encode(), "SessionId"),
    ("/hooks/hubtel/ussd", json.dumps({**HUBTEL_SAMPLE, "Mobile": "hello"}).encode(), "phone number"),
    ("/hooks/hubtel/ussd", json.dumps({**HUBTEL_SAMPLE, "Sequence": "two"}).encode(), "Sequence"),
    ("/hooks/hubtel/ussd", json.dumps({**HUBTEL_SAMPLE, "Message": {"a": 1}}).encode(), "Message"),
    (
        "/hooks/arkesel/ussd",
        json.dumps({k: v for k, v in ARKESEL_SAMPLE.items() if k != "msisdn"}).encode(),
        "msisdn",
    ),
    ("/hooks/arkesel/ussd", json.dumps({**ARKESEL_SAMPLE, "newSession": "maybe"}).encode(), "newSession"),
    ("/hooks/arkesel/ussd", json.dumps({**ARKESEL_SAMPLE, "sessionID": "a\nb"}).encode(), "sessionID"),
    (
        "/hooks/nalo/ussd",
        json.dumps({k: v for k, v in NALO_SAMPLE.items() if k != "USERID"}).encode(),
        "USERID",
    ),
    (
        "/hooks/nalo/ussd",
        json.dumps({k: v for k, v in NALO_SAMPLE.items() if k != "MSGTYPE"}).encode(),
        "MSGTYPE",
    ),
    ("/hooks/nalo/ussd", json.dumps({**NALO_SAMPLE, "SESSIONID": "9" * 81}).encode(), "SESSIONID"),
]


@pytest.mark.parametrize(("hook", "body", "reason"), MALFORMED)
def test_malformed_bodies_get_400_with_a_reason(
    client: FlaskClient, hook: str, body: bytes, reason: str
) -> None:
    response = client.post(hook, data=body, content_type="application/json")
    assert response.status_code == 400
    assert reason in response.get_data(as_text=True)


def test_the_parsers_raise_only_bad_request() -> None:
    with pytest.raises(BadRequest):
        nalo_ussd.parse_hop(b'{"USERID": true}')


class Handset:
    """A customer on ``provider``'s network, through the real webhook."""

    def __init__(
        self, client: FlaskClient, provider: str, phone: str = "+233246912184", code: str = "*713*32#"
    ) -> None:
        self.client, self.call = client, UssdCall(provider, phone, code)

    def post(self, request: tuple[str, bytes]) -> str:
        content_type, body = request
        response = self.client.post(self.call.hook, data=body, content_type=content_type)
        assert response.status_code == 200, response.data
        ended, screen = self.call.read(response.data)
        assert is_gsm7(screen) and septets(screen) <= (120 if self.call.provider == "nalo" else 182), screen
        self.ended = ended
        return screen

    def dial(self, answer: str | None = None) -> str:
        return self.post(self.call.request(answer))

    def again(self) -> str:
        return self.post(self.call.again())


NETWORKS = ["hubtel", "arkesel", "nalo"]


@pytest.fixture
def quick_hands(monkeypatch: pytest.MonkeyPatch) -> None:
    """A customer who answers faster than the retry window (tests press keys in microseconds)."""
    monkeypatch.setattr(ussd_path, "RETRY_WINDOW", 0.0)


@pytest.mark.parametrize("provider", NETWORKS)
def test_a_dial_on_each_network_browses_like_one_on_at(
    client: FlaskClient, demo_catalog: None, quick_hands: None, provider: str
) -> None:
    phone = Handset(client, provider)
    assert "1. Mama Njeri Groceries" in phone.dial()  # the shops are on the first screen
    assert "Vegetables" in phone.dial("1")
    assert "KSh" in phone.dial("1")
    assert "How many?" in phone.dial("1")
    assert not phone.ended


@pytest.mark.parametrize("provider", NETWORKS)
def test_a_retried_request_gets_the_same_screen_and_applies_nothing(
    client: FlaskClient, demo_catalog: None, provider: str
) -> None:
    phone = Handset(client, provider)
    first = phone.dial()
    assert phone.again() == first  # the opening, resent
    categories = phone.dial("1")
    assert "Vegetables" in categories
    assert phone.again() == categories  # the same "1", resent at once: not a second "1"
    if provider != "hubtel":  # without a sequence, the same input later is a new answer
        ussd_path.RETRY_WINDOW, saved = 0.0, ussd_path.RETRY_WINDOW
        try:
            assert "KSh" in phone.again()
        finally:
            ussd_path.RETRY_WINDOW = saved
    else:
        assert "KSh" in phone.dial("1")


def test_hubtel_tells_a_retry_by_its_sequence_even_much_later(
    client: FlaskClient, demo_catalog: None
) -> None:
    phone = Handset(client, "hubtel")
    phone.dial()
    shops = phone.dial("1")
    assert phone.again() == shops
    assert phone.again() == shops


@pytest.mark.parametrize("provider", NETWORKS)
def test_a_continuing_request_for_an_unknown_dial_starts_cleanly(
    client: FlaskClient, demo_catalog: None, provider: str
) -> None:
    phone = Handset(client, provider)
    phone.call.typed.append("1")  # the aggregator thinks the dial is under way; Redis never saw it
    phone.call.hops = 2
    assert "Welcome to Bodega" in phone.again()
    assert not phone.ended


@pytest.mark.parametrize("provider", NETWORKS)
def test_a_direct_dial_code_opens_the_shop(client: FlaskClient, demo_catalog: None, provider: str) -> None:
    screen = Handset(client, provider, code="*713*32*1#").dial()
    assert "Mama Njeri Groceries" in screen


def test_nalo_screens_fit_120_characters_all_the_way(
    client: FlaskClient, demo_catalog: None, quick_hands: None
) -> None:
    phone = Handset(client, "nalo")
    for answer in [None, "1", "98", "98", "0", "1", "1", "1", "2", "1"]:
        phone.dial(answer)  # Handset.post checks every screen against 120
        if phone.ended:
            break


@pytest.mark.parametrize("provider", NETWORKS)
def test_network_hooks_keep_the_webhook_key(make_app: Any, provider: str) -> None:
    client = make_app(WEBHOOK_SECRET="s3cret-long-key").test_client()
    content_type, body = UssdCall(provider, "+233246912184", "*713#").request()
    assert client.post(f"/hooks/{provider}/ussd", data=body, content_type=content_type).status_code == 403
    ok = client.post(f"/hooks/{provider}/ussd?key=s3cret-long-key", data=body, content_type=content_type)
    assert ok.status_code == 200


@pytest.mark.parametrize("kind", ["Release", "timeout"])
def test_a_hubtel_release_hands_the_dials_transcript_over_at_once(
    client: FlaskClient, rt: Runtime, demo_catalog: None, quick_hands: None, kind: str
) -> None:
    phone = Handset(client, "hubtel")
    phone.dial()
    phone.dial("1")
    assert rt.redis.xlen(DIALS) == 0 and rt.redis.zcard(LIVE) == 1  # the hops travel with the dial
    body = {"Type": kind, "Mobile": "233246912184", "SessionId": phone.call.session_id, "Sequence": 3,
            "Message": "", "ServiceCode": "713", "Operator": "mtn", "ClientState": ""}
    response = client.post("/hooks/hubtel/ussd", json=body)
    assert response.status_code == 200 and response.get_json()["Type"] == "Release"
    assert rt.redis.xlen(DIALS) == 1 and rt.redis.zcard(LIVE) == 0  # not left for the idle sweep
    (entry,) = rt.redis.xrange(DIALS)
    dial = json.loads(entry[1][b"dial"])
    assert dial["sid"] == f"hubtel:{phone.call.session_id}"
    assert [hop[dial_log.SCREEN] for hop in dial["hops"]] == ["home", "shop.categories"]
