"""Numbers typed into the console and the simulator: digits that ``int`` refuses (``²``) or that
overflow a database integer get a clear answer, never a 500."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.admin.conftest import form_token


@pytest.mark.parametrize("value", ["²", "٣", "99999999999999999999"])
def test_list_filters_and_pages_ignore_numbers_they_cannot_use(boss: FlaskClient, value: str) -> None:
    for url in (f"/admin/dials?page={value}", f"/admin/dials?shop={value}", f"/admin/orders?shop={value}"):
        assert boss.get(url).status_code == 200, url


def test_simulator_refuses_a_prompt_id_it_cannot_read(client: FlaskClient) -> None:
    token = form_token(client, "/simulator")
    response = client.post("/simulator/prompt", data={"csrf_token": token, "phone": "+254711000111",
                                                      "payment_id": "²", "accept": "1"})
    assert response.status_code == 400
    assert b"no sandbox prompt to answer" in response.data


def test_product_edit_refuses_a_stock_it_cannot_read(boss: FlaskClient) -> None:
    token = form_token(boss, "/admin/products/1")
    response = boss.post("/admin/products/1", data={"csrf_token": token, "name": "Tomatoes",
                                                    "price": "120", "stock": "²"})
    assert response.status_code in (200, 400)
    assert "is not a whole number" in response.get_data(as_text=True)
