"""Property tests of the Hubtel, Arkesel, Nalo, Twilio and Infobip webhooks on the real app.

Whatever body arrives (fields missing, of the wrong type, hostile text, not JSON at all), the
answer is the provider's reply with a screen in GSM-7 within its budget, or a 400 with a reason;
never a 500 and never a logged error. A dial on any network, fed hostile answers, always gets a
screen, and its session log can always be written to SQL.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gateway.transports import ussd_path
from gateway.transports.ussd_callers import HOOKS, UssdCall
from menus.text import is_gsm7, septets
from tests.fakes.fake_infobip import delivery_report
from tests.fakes.fake_infobip import inbound as infobip_inbound
from tests.reliability.conftest import drain_session_log, errors_in

FAST = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
JOURNEYS = settings(FAST, max_examples=12)
PHONE = "+233246912184"

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True),
    st.text(max_size=60),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "1",
            "00",
            "*713*32*1#",
            "233246912184",
            "initiation",
            "Response",
            "RELEASE",
            "true",
            "😀" * 40,
        ]
    ),
)
values = st.one_of(
    scalars, st.lists(scalars, max_size=3), st.dictionaries(st.text(max_size=5), scalars, max_size=3)
)
keypad = st.sampled_from(["1", "2", "0", "00", "98", "99", "", "*", "#", "9" * 40, "\x00", "😀", "1*1", "ñ"])
answers = st.one_of(keypad, keypad, st.text(max_size=300))


def sample(provider: str) -> dict[str, Any]:
    return json.loads(UssdCall(provider, PHONE, "*713*32#").request()[1])


def mangled(provider: str) -> st.SearchStrategy[dict[str, Any]]:
    """The provider's own opening request with some fields dropped or replaced by anything."""
    fields = sorted(sample(provider))
    return st.builds(
        lambda drop, new: {**{k: v for k, v in sample(provider).items() if k not in drop}, **new},
        st.sets(st.sampled_from(fields), max_size=3),
        st.dictionaries(st.sampled_from(fields), values, max_size=4),
    )


def check(provider: str, response: Any) -> None:
    text = response.get_data(as_text=True)
    if response.status_code == 400:
        assert text.startswith("Bad request: "), text
        return
    assert response.status_code == 200, (response.status_code, text)
    _, screen = UssdCall(provider, PHONE, "*713*32#").read(response.data)
    assert is_gsm7(screen) and septets(screen) <= (120 if provider == "nalo" else 182), screen


networks = st.sampled_from(["hubtel", "arkesel", "nalo"])


@FAST
@given(provider=networks, data=st.data())
@example(provider="hubtel", data=None)
def test_any_body_on_a_network_hook_gets_a_reply_or_a_reason(world, caplog, provider: str, data: Any) -> None:  # type: ignore[no-untyped-def]
    app, _ = world
    caplog.clear()
    body = sample(provider) if data is None else data.draw(st.one_of(mangled(provider), values))
    response = app.test_client().post(HOOKS[provider], data=json.dumps(body), content_type="application/json")
    check(provider, response)
    assert errors_in(caplog) == []


@FAST
@given(provider=networks, raw=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
@example(provider="nalo", raw=b"[" * 20_000 + b"]" * 20_000)
@example(provider="arkesel", raw=b'{"sessionID": "a", "msisdn": "233246912184", "newSession": 1e999}')
def test_any_bytes_on_a_network_hook_get_a_reply_or_a_reason(
    world, caplog, provider: str, raw: bytes
) -> None:  # type: ignore[no-untyped-def]
    app, _ = world
    caplog.clear()
    check(provider, app.test_client().post(HOOKS[provider], data=raw, content_type="application/json"))
    assert errors_in(caplog) == []


@JOURNEYS
@given(
    provider=networks,
    steps=st.lists(st.tuples(st.sampled_from(["type", "type", "again"]), answers), max_size=12),
)
def test_any_journey_on_a_network_gets_screens_and_a_writable_log(
    world,
    caplog,
    monkeypatch,
    provider: str,  # type: ignore[no-untyped-def]
    steps: list[tuple[str, str]],
) -> None:
    app, _ = world
    caplog.clear()
    monkeypatch.setattr(ussd_path, "RETRY_WINDOW", 0.0)
    client, call = app.test_client(), UssdCall(provider, PHONE, "*713*32#")
    for action, typed in [("open", ""), *steps]:
        content_type, body = (
            call.again() if action == "again" else call.request(None if action == "open" else typed)
        )
        response = client.post(call.hook, data=body, content_type=content_type)
        check(provider, response)
        if response.status_code == 200 and call.read(response.data)[0]:
            break
    drain_session_log(app.extensions["bodega"])
    assert errors_in(caplog) == []


@FAST
@given(
    body=st.one_of(
        values,
        st.builds(lambda r: {"results": r}, st.lists(values, max_size=3)),
        st.builds(
            lambda item, new: {"results": [{**item["results"][0], **new}]},
            st.sampled_from([delivery_report("m1", 2), infobip_inbound(PHONE, "HELP")]),
            st.dictionaries(
                st.sampled_from(["messageId", "from", "to", "text", "status", "error"]), values, max_size=3
            ),
        ),
    ),
    path=st.sampled_from(["/hooks/infobip/sms", "/hooks/infobip/sms/delivery"]),
)
def test_any_infobip_webhook_body_is_stored_or_refused_with_a_reason(
    world, caplog, body: Any, path: str
) -> None:  # type: ignore[no-untyped-def]
    app, _ = world
    caplog.clear()
    response = app.test_client().post(path, data=json.dumps(body), content_type="application/json")
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    if response.status_code == 400:
        assert response.get_data(as_text=True).startswith("Bad request: ")
    assert errors_in(caplog) == []


TWILIO_FIELDS = ("MessageSid", "MessageStatus", "From", "To", "Body", "ErrorCode", "AccountSid", "SmsStatus")


@FAST
@given(
    form=st.dictionaries(
        st.sampled_from(TWILIO_FIELDS),
        st.one_of(st.text(max_size=200), st.sampled_from(["SM1", "delivered", "+51912345678"])),
        max_size=len(TWILIO_FIELDS),
    ),
    path=st.sampled_from(["/hooks/twilio/sms", "/hooks/twilio/sms/status"]),
)
@example(
    form={"MessageSid": "SM1\x00", "From": "+51912345678", "To": "+15005550006", "Body": "\x00HELP"},
    path="/hooks/twilio/sms",
)
def test_any_signed_twilio_form_is_stored_or_refused_with_a_reason(
    make_app,
    caplog,
    form: dict[str, str],  # type: ignore[no-untyped-def]
    path: str,
) -> None:
    from tests.fakes.fake_twilio import sign

    app = fuzz_apps.get("twilio") or fuzz_apps.setdefault(
        "twilio", make_app(TWILIO_AUTH_TOKEN="twilio-test-auth-token")
    )
    caplog.clear()
    response = app.test_client().post(
        path, data=form, headers={"X-Twilio-Signature": sign(f"http://localhost{path}", form)}
    )
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    if response.status_code == 400:
        assert response.get_data(as_text=True).startswith("Bad request: ")
    assert errors_in(caplog) == []


fuzz_apps: dict[int, Any] = {}
