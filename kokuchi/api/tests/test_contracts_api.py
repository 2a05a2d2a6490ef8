"""Maintenance contracts through the API: created and changed through save_contract with the
staff UI's roles, scopes per resource, errors by field pointer with nothing saved, idempotency
keys and the write log."""

from __future__ import annotations

import datetime
import json

import pytest
import yaml

from kokuchi.api.models import ApiWrite
from kokuchi.api.tests.factories import bearer, make_token
from kokuchi.catalog.tests.factories import make_plan
from kokuchi.core.roles import Role
from kokuchi.customers.tests.factories import make_customer
from kokuchi.deals.tests.factories import make_deal
from kokuchi.devices.models import MaintenanceContract
from kokuchi.devices.tests.factories import make_contract, make_device

pytestmark = pytest.mark.django_db

URL = "/api/v1/contracts/"


def post(client, data, token, **headers):
    return client.post(URL, json.dumps(data), content_type="application/json", **bearer(token), **headers)


def patch(client, contract, data, token):
    return client.patch(f"{URL}{contract.pk}/", json.dumps(data), content_type="application/json", **bearer(token))


@pytest.fixture
def customer():
    return make_customer()


def new_contract(customer, **overrides):
    return {
        "customer": customer.pk,
        "plan": make_plan().pk,
        "contract_number": "M-2026-100",
        "start_date": "2026-04-01",
        "end_date": "2027-03-31",
        "devices": [make_device(customer=customer).pk],
    } | overrides


@pytest.mark.parametrize(("role", "expected"), [(Role.VIEWER, 403), (Role.SALES, 201), (Role.ADMIN, 201)])
def test_contract_create_follows_the_ui_roles(client, customer, role, expected):
    response = post(client, new_contract(customer), make_token(role=role))
    assert response.status_code == expected
    assert MaintenanceContract.objects.filter(contract_number="M-2026-100").count() == (1 if expected == 201 else 0)


def test_contract_create_saves_devices_and_answers_as_a_read(client, customer):
    deal = make_deal(customer=customer)
    data = new_contract(customer, deal=deal.pk, auto_renewal=True, notice_period_days=60)
    response = post(client, data, make_token())
    assert response.status_code == 201
    contract = MaintenanceContract.objects.get(contract_number="M-2026-100")
    assert list(contract.devices.values_list("pk", flat=True)) == data["devices"]
    assert response.json() == {
        "id": contract.pk,
        "customer": customer.pk,
        "plan": data["plan"],
        "deal": deal.pk,
        "contract_number": "M-2026-100",
        "device_count": 1,
        "status": contract.status.value,
        "start_date": "2026-04-01",
        "end_date": "2027-03-31",
        "auto_renewal": True,
        "renewal_term_months": 12,
        "notice_period_days": 60,
        "notice_given_on": None,
    }


@pytest.mark.parametrize(
    ("scopes", "expected"),
    [({"contracts": "read"}, 403), ({"devices": "write"}, 403), ({"contracts": "write"}, 201)],
)
def test_contract_writes_need_the_contracts_write_scope(client, customer, scopes, expected):
    response = post(client, new_contract(customer), make_token(scopes=scopes))
    assert response.status_code == expected
    assert MaintenanceContract.objects.count() == (1 if expected == 201 else 0)


def test_a_read_scope_reads_contracts(client):
    contract = make_contract()
    response = client.get(f"{URL}{contract.pk}/", **bearer(make_token(scopes={"contracts": "read"})))
    assert (response.status_code, response.json()["id"]) == (200, contract.pk)


def test_contract_rules_of_the_service_are_problems_by_pointer_and_nothing_is_saved(client, customer):
    foreign = make_device()
    data = new_contract(customer, deal=make_deal().pk, devices=[foreign.pk, 999_999], end_date="2026-03-31")
    response = post(client, data, make_token())
    assert (response.status_code, response["Content-Type"]) == (400, "application/problem+json")
    assert response.json()["errors"] == [
        {"pointer": "#/deal", "detail": "この案件は別の顧客のものです。", "code": "invalid"},
        {"pointer": "#/devices", "detail": "存在しない機器です: 999999", "code": "invalid"},
        {"pointer": "#/devices", "detail": f"この顧客の機器ではありません: {foreign}", "code": "invalid"},
        {"pointer": "#/end_date", "detail": "終了日を開始日より前にはできません。", "code": "invalid"},
    ]
    assert MaintenanceContract.objects.count() == 0


def test_an_auto_renewing_contract_without_a_renewal_term_is_refused(client, customer):
    response = post(client, new_contract(customer, auto_renewal=True, renewal_term_months=0), make_token())
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "pointer": "#/renewal_term_months",
            "detail": "自動更新の契約には1か月以上の更新期間が必要です。",
            "code": "invalid",
        }
    ]
    assert MaintenanceContract.objects.count() == 0


def test_contract_shape_errors_name_each_field(client, customer):
    data = new_contract(customer, plan=None, start_date="2026-13-01", devices=["x"])
    response = post(client, data, make_token())
    assert response.status_code == 400
    assert [error["pointer"] for error in response.json()["errors"]] == ["#/plan", "#/devices/0", "#/start_date"]
    assert MaintenanceContract.objects.count() == 0


def test_contract_update_gives_notice_and_replaces_devices(client, customer):
    first = make_device(customer=customer)
    contract = make_contract(customer=customer, devices=[first])
    second = make_device(customer=customer)
    token = make_token()
    response = patch(client, contract, {"notice_given_on": "2027-01-15"}, token)
    assert (response.status_code, response.json()["notice_given_on"], response.json()["device_count"]) == (
        200,
        "2027-01-15",
        1,
    )
    response = patch(client, contract, {"devices": [first.pk, second.pk]}, token)
    assert (response.status_code, response.json()["device_count"]) == (200, 2)
    contract.refresh_from_db()
    assert contract.notice_given_on == datetime.date(2027, 1, 15)
    assert sorted(contract.devices.values_list("pk", flat=True)) == sorted([first.pk, second.pk])


def test_a_refused_contract_update_changes_nothing(client, customer):
    device = make_device(customer=customer)
    contract = make_contract(customer=customer, devices=[device])
    response = patch(client, contract, {"customer": make_customer().pk, "contract_number": "M-X"}, make_token())
    assert response.status_code == 400
    assert [error["pointer"] for error in response.json()["errors"]] == ["#/devices"]
    contract.refresh_from_db()
    assert (contract.customer_id, contract.contract_number, contract.devices.count()) == (customer.pk, "", 1)


def test_a_viewer_cannot_update_a_contract(client):
    contract = make_contract()
    response = patch(client, contract, {"contract_number": "M-V"}, make_token(role=Role.VIEWER))
    assert response.status_code == 403
    contract.refresh_from_db()
    assert contract.contract_number == ""


def test_contracts_are_not_replaced_or_deleted_through_the_api(client):
    contract = make_contract()
    token = make_token(role=Role.ADMIN)
    assert client.delete(f"{URL}{contract.pk}/", **bearer(token)).status_code == 405
    assert client.put(f"{URL}{contract.pk}/", "{}", content_type="application/json", **bearer(token)).status_code == 405
    assert MaintenanceContract.objects.filter(pk=contract.pk).exists()


def test_contract_create_with_the_same_idempotency_key_is_replayed(client, customer):
    token = make_token()
    data = new_contract(customer)
    first = post(client, data, token, HTTP_IDEMPOTENCY_KEY="contract-1")
    second = post(client, data, token, HTTP_IDEMPOTENCY_KEY="contract-1")
    assert (first.status_code, second.status_code, second["Idempotent-Replayed"]) == (201, 201, "true")
    assert first.content == second.content
    assert MaintenanceContract.objects.count() == 1
    other = post(client, data | {"contract_number": "M-2"}, token, HTTP_IDEMPOTENCY_KEY="contract-1")
    assert other.status_code == 409
    assert MaintenanceContract.objects.count() == 1


def test_every_contract_write_is_recorded_with_its_token(client, customer):
    token = make_token()
    post(client, new_contract(customer), token, HTTP_IDEMPOTENCY_KEY="c-log")
    contract = MaintenanceContract.objects.get()
    patch(client, contract, {"end_date": "2020-01-01"}, token)
    assert list(
        ApiWrite.objects.order_by("pk").values_list("token_id", "method", "path", "status_code", "idempotency_key")
    ) == [
        (token.token.pk, "POST", URL, 201, "c-log"),
        (token.token.pk, "PATCH", f"{URL}{contract.pk}/", 400, ""),
    ]


def test_the_schema_describes_contract_writes(client):
    paths = yaml.safe_load(client.get("/api/v1/schema/").content)["paths"]
    assert sorted(paths["/api/v1/contracts/"]) == ["get", "post"]
    assert sorted(paths["/api/v1/contracts/{id}/"]) == ["get", "patch"]
    create = paths["/api/v1/contracts/"]["post"]
    assert [parameter["name"] for parameter in create["parameters"]] == ["Idempotency-Key"]
    assert sorted(create["responses"]) == ["201", "400", "401", "403", "404", "409", "415"]
    assert list(create["responses"]["400"]["content"]) == ["application/problem+json"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ContractRequest"
    }
