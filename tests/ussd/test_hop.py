"""The USSD webhook on AT's verbatim form: replies, replays, bad input, keys, lost state."""

from __future__ import annotations

from flask.testing import FlaskClient

from gateway.commerce.models import Customer
from gateway.core.runtime import Runtime
from tests.conftest import Dialer

AT_FIRST_HOP = {
    "sessionId": "ATUid_5d3b4c2bc589f4811820a7184eed4df5",
    "phoneNumber": "+254711000111",
    "networkCode": "63902",
    "serviceCode": "*384*1234#",
    "text": "",
}


def test_first_hop_shows_home(client: FlaskClient) -> None:
    response = client.post("/hooks/africastalking/ussd", data=AT_FIRST_HOP)
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    body = response.get_data(as_text=True)
    assert body.startswith("CON ")
    assert "Welcome to Bodega" in body and "90 Search" in body  # the shops, when there are any


def test_missing_fields_get_400_with_reason(client: FlaskClient) -> None:
    form = {k: v for k, v in AT_FIRST_HOP.items() if k != "sessionId"}
    response = client.post("/hooks/africastalking/ussd", data=form)
    assert response.status_code == 400
    assert b"sessionId" in response.data


def test_bad_phone_gets_400(client: FlaskClient) -> None:
    response = client.post("/hooks/africastalking/ussd", data={**AT_FIRST_HOP, "phoneNumber": "hello"})
    assert response.status_code == 400


def test_webhook_key_required_when_set(make_app) -> None:  # type: ignore[no-untyped-def]
    client = make_app(WEBHOOK_SECRET="s3cret-long-key").test_client()
    assert client.post("/hooks/africastalking/ussd", data=AT_FIRST_HOP).status_code == 403
    assert client.post("/hooks/africastalking/ussd?key=wrong", data=AT_FIRST_HOP).status_code == 403
    ok = client.post("/hooks/africastalking/ussd?key=s3cret-long-key", data=AT_FIRST_HOP)
    assert ok.status_code == 200


def test_browse_to_a_product(dialer: Dialer, demo_catalog: None) -> None:
    shops = dialer.dial()  # the shops are on the first screen
    assert "1. Mama Njeri Groceries" in shops
    categories = dialer.dial("1")
    assert "Vegetables" in categories
    products = dialer.dial("1")
    assert "KSh" in products
    quantity = dialer.dial("1")
    assert "How many?" in quantity


def test_retried_request_answers_the_same_and_applies_nothing(dialer: Dialer, demo_catalog: None) -> None:
    dialer.dial()
    first = dialer.dial("1")
    again = dialer.post()
    assert again == first
    assert "Avocado" in dialer.dial("1")  # the replay did not move the dial forward


def test_a_hop_too_long_to_read_ends_politely_not_with_a_network_error(dialer: Dialer,
                                                                       client: FlaskClient) -> None:
    dialer.dial()
    response = client.post("/hooks/africastalking/ussd",
                           data={**AT_FIRST_HOP, "sessionId": dialer.session_id, "text": "1*" * 1001})
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "END Sorry, that was too long to read. Please dial again."
    without_text = {k: v for k, v in AT_FIRST_HOP.items() if k != "text"}
    assert client.post("/hooks/africastalking/ussd", data=without_text).status_code == 400


def test_the_too_long_answer_is_in_the_customers_language(dialer: Dialer, client: FlaskClient,
                                                          rt: Runtime) -> None:
    with rt.sessions() as db:
        db.add(Customer(phone=dialer.phone, language="es"))
        db.commit()
    dialer.dial()
    response = client.post("/hooks/africastalking/ussd",
                           data={**AT_FIRST_HOP, "sessionId": dialer.session_id, "text": "9" * 2001})
    assert response.get_data(as_text=True) == ("END Lo sentimos, el texto es demasiado largo. "
                                               "Marca de nuevo, por favor.")


def test_a_first_hop_too_long_is_answered_in_the_language_of_the_number(client: FlaskClient) -> None:
    response = client.post("/hooks/africastalking/ussd",
                           data={**AT_FIRST_HOP, "phoneNumber": "+255754000111", "text": "9" * 2001})
    assert response.get_data(as_text=True) == "END Samahani, ulichoandika ni kirefu mno. Tafadhali piga tena."
