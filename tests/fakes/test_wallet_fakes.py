"""The wallet fakes refuse what the real APIs refuse, so an adapter that drifts from the wire
format fails its tests (checked with plain requests, not through the adapters)."""

from __future__ import annotations

import hashlib
import uuid

import requests

from tests.fakes.fake_airtel import FakeAirtel
from tests.fakes.fake_momo import PAY_PATH, SUBSCRIPTION_KEY, FakeMomo
from tests.fakes.fake_pagoefectivo import ACCESS_KEY, SERVICE_ID, FakePagoEfectivo


def momo_token(fake: FakeMomo) -> str:
    reply = requests.post(f"{fake.url}/collection/token/", auth=(fake.api_user, fake.api_key),
                          headers={"Ocp-Apim-Subscription-Key": SUBSCRIPTION_KEY}, timeout=5)
    assert reply.status_code == 200 and reply.json()["token_type"] == "access_token"
    return str(reply.json()["access_token"])


def test_fake_momo_wants_string_fields_a_uuid_and_answers_409_on_a_repeat(fake_momo: FakeMomo) -> None:
    headers = {"Authorization": f"Bearer {momo_token(fake_momo)}", "X-Target-Environment": "sandbox",
               "Ocp-Apim-Subscription-Key": SUBSCRIPTION_KEY, "X-Reference-Id": str(uuid.uuid4())}
    body = {"amount": "600", "currency": "EUR", "externalId": "00004335",
            "payer": {"partyIdType": "MSISDN", "partyId": "46733123453"},
            "payerMessage": "MoMo Market Payment", "payeeNote": "MoMo Market Payment"}
    url = fake_momo.url + PAY_PATH
    assert requests.post(url, json={**body, "amount": 600}, headers=headers, timeout=5).status_code == 400
    not_a_uuid = {**headers, "X-Reference-Id": "123"}
    assert requests.post(url, json=body, headers=not_a_uuid, timeout=5).status_code == 400
    assert requests.post(url, json=body, headers=headers, timeout=5).status_code == 202
    repeat = requests.post(url, json=body, headers=headers, timeout=5)
    assert repeat.status_code == 409 and repeat.json()["code"] == "RESOURCE_ALREADY_EXIST"
    status = requests.get(f"{url}/{headers['X-Reference-Id']}", headers=headers, timeout=5)
    assert status.status_code == 200 and status.json()["status"] == "PENDING"


def test_fake_airtel_wants_the_number_without_its_country_code(fake_airtel: FakeAirtel) -> None:
    token = requests.post(f"{fake_airtel.url}/auth/oauth2/token", timeout=5, json={
        "client_id": fake_airtel.client_id, "client_secret": fake_airtel.client_secret,
        "grant_type": "client_credentials"}).json()
    assert token["expires_in"] == "180"
    headers = {"Authorization": f"Bearer {token['access_token']}", "X-Country": "UG", "X-Currency": "UGX"}
    body = {"reference": "Testing transaction",
            "subscriber": {"country": "UG", "currency": "UGX", "msisdn": "256752123456"},
            "transaction": {"amount": 1000, "country": "UG", "currency": "UGX", "id": "random-unique-id"}}
    url = f"{fake_airtel.url}/merchant/v1/payments/"
    refused = requests.post(url, json=body, headers=headers, timeout=5).json()
    assert refused["status"]["result_code"] == "ESB000033"
    body["subscriber"]["msisdn"] = "752123456"
    accepted = requests.post(url, json=body, headers=headers, timeout=5).json()
    assert accepted["status"]["response_code"] == "DP00800001006" and accepted["status"]["success"] is True
    again = requests.post(url, json=body, headers=headers, timeout=5).json()
    assert again["status"]["result_code"] == "ESB000041"


def test_fake_pagoefectivo_checks_the_hash_string(fake_pagoefectivo: FakePagoEfectivo) -> None:
    stamp = "2024-05-01T10:15:00-05:00"
    body = {"accessKey": ACCESS_KEY, "idService": SERVICE_ID, "dateRequest": stamp,
            "hashString": hashlib.sha256(f"{SERVICE_ID}.{ACCESS_KEY}.wrong.{stamp}".encode()).hexdigest()}
    url = f"{fake_pagoefectivo.url}/v1/authorizations"
    assert requests.post(url, json=body, timeout=5).json()["code"] != "100"
    body["hashString"] = hashlib.sha256(
        f"{SERVICE_ID}.{ACCESS_KEY}.pe-secret-key-for-tests.{stamp}".encode()).hexdigest()
    answer = requests.post(url, json=body, timeout=5).json()
    assert answer["code"] == "100" and answer["data"]["token"]
