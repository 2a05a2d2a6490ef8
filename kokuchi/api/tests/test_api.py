"""The REST API per resource and role: reads, writes through the services, scopes, errors as
problem+json, cursor pagination, idempotency keys and the write log."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from kokuchi.api.models import ApiToken, ApiWrite, IdempotencyRecord
from kokuchi.api.tests.factories import EVERY_READ, bearer, make_token
from kokuchi.api.tokens import revoke_token
from kokuchi.catalog.models import Manufacturer
from kokuchi.catalog.tests.factories import make_manufacturer, make_plan, make_product
from kokuchi.core.roles import Role
from kokuchi.customers.models import Contact, Customer, SelfMaintenanceLevel
from kokuchi.customers.tests.factories import make_contact, make_customer
from kokuchi.deals.models import DealStatus, ProposalResponse
from kokuchi.deals.tests.factories import make_deal, make_deal_line, make_proposed_plan
from kokuchi.devices.models import Device
from kokuchi.devices.tests.factories import make_contract, make_device
from kokuchi.exposures.models import ExposureStatus, ExposureStatusChange, Priority
from kokuchi.exposures.tests.factories import make_exposure, make_notice

pytestmark = pytest.mark.django_db


def post(client, url, data, token, **headers):
    return client.post(url, json.dumps(data), content_type="application/json", **bearer(token), **headers)


def test_a_request_without_a_token_is_401_problem_json(client):
    response = client.get("/api/v1/customers/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["status"] == 401


def test_an_unknown_token_is_401(client):
    response = client.get("/api/v1/customers/", HTTP_AUTHORIZATION="Bearer kki_nope")
    assert (response.status_code, response.json()["detail"]) == (
        401,
        "トークンが不明、期限切れ、または失効しています。",
    )


def test_a_revoked_token_is_refused_from_the_next_request(client):
    token = make_token()
    assert client.get("/api/v1/customers/", **bearer(token)).status_code == 200
    revoke_token(token=token.token)
    assert client.get("/api/v1/customers/", **bearer(token)).status_code == 401


def test_an_expired_token_is_refused(client):
    token = make_token()
    ApiToken.objects.filter(pk=token.token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get("/api/v1/customers/", **bearer(token)).status_code == 401


def test_the_token_is_stored_hashed_only(client):
    token = make_token()
    stored = ApiToken.objects.get(pk=token.token.pk)
    assert token.secret.startswith("kki_")
    assert token.secret not in (stored.token_sha256, stored.prefix)
    assert len(stored.token_sha256) == 64


def test_a_read_scope_does_not_allow_writes_and_nothing_is_saved(client):
    token = make_token(scopes={"customers": "read"})
    response = post(client, "/api/v1/customers/", {"customer_code": "C9", "name": "株式会社九"}, token)
    assert response.status_code == 403
    assert Customer.objects.filter(customer_code="C9").count() == 0


def test_a_token_without_the_resource_scope_cannot_read_it(client):
    token = make_token(scopes={"customers": "read"})
    assert client.get("/api/v1/devices/", **bearer(token)).status_code == 403


@pytest.mark.parametrize(("role", "expected"), [(Role.VIEWER, 403), (Role.SALES, 201), (Role.ADMIN, 201)])
def test_customer_write_follows_the_ui_roles(client, role, expected):
    token = make_token(role=role)
    response = post(client, "/api/v1/customers/", {"customer_code": "C77", "name": "株式会社七七"}, token)
    assert response.status_code == expected
    assert Customer.objects.filter(customer_code="C77").count() == (1 if expected == 201 else 0)


@pytest.mark.parametrize(("role", "expected"), [(Role.VIEWER, 403), (Role.SALES, 403), (Role.ADMIN, 201)])
def test_manufacturers_are_changed_by_admins_only(client, role, expected):
    token = make_token(role=role)
    response = post(client, "/api/v1/manufacturers/", {"slug": "acme", "name_ja": "アクメ"}, token)
    assert response.status_code == expected
    assert Manufacturer.objects.filter(slug="acme").count() == (1 if expected == 201 else 0)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.SALES, Role.ADMIN])
def test_every_role_reads_every_list(client, role):
    token = make_token(role=role, scopes=EVERY_READ)
    for resource in (
        "manufacturers",
        "products",
        "customers",
        "deals",
        "devices",
        "contracts",
        "disclosures",
        "customer-links",
        "acknowledgements",
        "exposures",
        "notices",
        "webhooks",
    ):
        response = client.get(f"/api/v1/{resource}/", **bearer(token))
        assert (resource, response.status_code) == (resource, 200)
        assert set(response.json()) == {"next", "previous", "results"}


def test_products_read_and_filter(client):
    product = make_product(model_number="RTX1300")
    make_product(model_number="FG-60F")
    token = make_token(scopes=EVERY_READ)
    response = client.get("/api/v1/products/?q=RTX", **bearer(token))
    assert [row["id"] for row in response.json()["results"]] == [product.pk]
    assert response.json()["results"][0]["model_number"] == "RTX1300"


def test_validation_errors_name_each_field_by_pointer(client):
    token = make_token()
    response = post(client, "/api/v1/customers/", {"customer_code": "C" * 300, "name": "x" * 300}, token)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    pointers = sorted(item["pointer"] for item in response.json()["errors"])
    assert pointers == ["#/customer_code", "#/name"]


def test_malformed_json_is_a_400_problem(client):
    token = make_token()
    response = client.post("/api/v1/customers/", "{not json", content_type="application/json", **bearer(token))
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_customer_contacts_and_assessments_go_through_the_services(client):
    customer = make_customer()
    first = make_contact(customer=customer, is_primary=True)
    token = make_token()
    response = post(
        client, f"/api/v1/customers/{customer.pk}/contacts/", {"name": "佐藤 花子", "is_primary": True}, token
    )
    assert response.status_code == 201
    first.refresh_from_db()
    assert (first.is_primary, Contact.objects.get(name="佐藤 花子").is_primary) == (False, True)
    response = post(
        client,
        f"/api/v1/customers/{customer.pk}/assessments/",
        {"has_it_staff": True, "has_security_owner": True, "update_practice": "scheduled"},
        token,
    )
    assert (response.status_code, response.json()["level"]) == (201, SelfMaintenanceLevel.NEEDS_SUPPORT)
    assert customer.assessments.get().assessed_by == token.token.integration.user


def test_deal_lines_plans_and_status(client):
    deal = make_deal(customer=make_customer())
    product = make_product()
    plan = make_plan()
    token = make_token()
    response = post(
        client, f"/api/v1/deals/{deal.pk}/lines/", {"product": product.pk, "quantity": 2, "unit_price": 50000}, token
    )
    assert response.status_code == 201
    response = post(client, f"/api/v1/deals/{deal.pk}/proposed-plans/", {"plan": plan.pk}, token)
    assert response.status_code == 201
    proposal_id = response.json()["id"]
    response = post(
        client,
        f"/api/v1/deals/{deal.pk}/proposed-plans/{proposal_id}/answer/",
        {"response": ProposalResponse.DECLINED, "decline_reason": ""},
        token,
    )
    assert response.status_code == 400
    assert [e["pointer"] for e in response.json()["errors"]] == ["#/decline_reason"]
    response = post(client, f"/api/v1/deals/{deal.pk}/status/", {"status": DealStatus.QUOTED}, token)
    assert (response.status_code, response.json()["status"]) == (200, DealStatus.QUOTED)
    body = client.get(f"/api/v1/deals/{deal.pk}/", **bearer(token)).json()
    assert (len(body["lines"]), len(body["proposed_plans"])) == (1, 1)


def test_a_refused_status_change_is_a_problem_and_nothing_changes(client):
    deal = make_deal(customer=make_customer())
    token = make_token()
    response = post(client, f"/api/v1/deals/{deal.pk}/status/", {"status": DealStatus.QUOTED}, token)
    assert response.status_code == 400
    deal.refresh_from_db()
    assert deal.status == DealStatus.DRAFT


def test_bulk_upsert_creates_and_updates_by_serial(client):
    customer = make_customer()
    product = make_product(latest_firmware="2.0")
    existing = make_device(customer=customer, product=product, serial_number="SN-1", installation_site="旧")
    token = make_token()
    items = [
        {"product": product.pk, "customer": customer.pk, "serial_number": "SN-1", "installation_site": "本社"},
        {"product": product.pk, "customer": customer.pk, "serial_number": "SN-2"},
    ]
    response = post(client, "/api/v1/devices/bulk-upsert/", {"items": items}, token)
    assert response.status_code == 200, response.json()
    created = Device.objects.get(serial_number="SN-2")
    assert response.json() == {"created": [created.pk], "updated": [existing.pk], "unchanged": []}
    existing.refresh_from_db()
    assert (existing.installation_site, created.firmware_at_sale, created.current_firmware) == ("本社", "2.0", "2.0")


def test_bulk_upsert_is_all_or_nothing_with_errors_per_item(client):
    customer = make_customer()
    product = make_product()
    delivered = make_device(
        customer=customer, product=product, serial_number="SN-9", delivered_on=datetime.date(2026, 1, 5)
    )
    token = make_token()
    items = [
        {"product": product.pk, "customer": customer.pk, "serial_number": "NEW-1"},
        {"product": 999999, "customer": customer.pk, "serial_number": "NEW-2"},
        {"product": product.pk, "customer": customer.pk, "serial_number": "SN-9", "firmware_at_sale": "9.9"},
        {"product": product.pk, "customer": customer.pk, "serial_number": "NEW-1"},
    ]
    response = post(client, "/api/v1/devices/bulk-upsert/", {"items": items}, token)
    assert response.status_code == 422
    assert [e["pointer"] for e in response.json()["errors"]] == [
        "#/items/1/product",
        "#/items/2/firmware_at_sale",
        "#/items/3/serial_number",
    ]
    assert Device.objects.filter(serial_number__startswith="NEW").count() == 0
    delivered.refresh_from_db()
    assert delivered.firmware_at_sale == "1.0.0"


def test_bulk_upsert_shape_errors_name_the_item(client):
    token = make_token()
    response = post(client, "/api/v1/devices/bulk-upsert/", {"items": [{"serial_number": "x"}]}, token)
    assert response.status_code == 400
    assert sorted(e["pointer"] for e in response.json()["errors"]) == ["#/items/0/customer", "#/items/0/product"]


def test_exposures_filter_and_status_change_with_reason(client):
    exposure = make_exposure(priority=Priority.URGENT)
    make_exposure(priority=Priority.LOW)
    token = make_token()
    code = exposure.customer.customer_code
    response = client.get(f"/api/v1/exposures/?customer={code}&priority=1&status=open", **bearer(token))
    assert [row["id"] for row in response.json()["results"]] == [exposure.pk]
    response = post(client, f"/api/v1/exposures/{exposure.pk}/status/", {"status": "risk_accepted"}, token)
    assert response.status_code == 400
    assert [e["pointer"] for e in response.json()["errors"]] == ["#/reason"]
    response = post(
        client, f"/api/v1/exposures/{exposure.pk}/status/", {"status": "risk_accepted", "reason": "閉域網"}, token
    )
    assert (response.status_code, response.json()["status"]) == (200, ExposureStatus.RISK_ACCEPTED)
    change = ExposureStatusChange.objects.get(exposure=exposure)
    assert (change.reason, change.changed_by.username) == ("閉域網", token.token.integration.user.username)


def test_an_invalid_filter_value_is_a_400(client):
    token = make_token()
    response = client.get("/api/v1/exposures/?priority=9", **bearer(token))
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_notices_and_contracts_are_listed(client):
    notice = make_notice()
    contract = make_contract(devices=[make_device()])
    token = make_token()
    assert [n["id"] for n in client.get("/api/v1/notices/", **bearer(token)).json()["results"]] == [notice.pk]
    body = client.get("/api/v1/contracts/", **bearer(token)).json()
    assert [c["id"] for c in body["results"]] == [contract.pk]


def test_cursor_pagination_walks_every_row_once(client):
    customers = [make_customer() for _ in range(5)]
    token = make_token()
    seen, url = [], "/api/v1/customers/?page_size=2"
    while url:
        body = client.get(url, **bearer(token)).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert seen == [c.pk for c in customers]


def test_a_garbled_cursor_is_404_not_500(client):
    token = make_token()
    response = client.get("/api/v1/customers/?cursor=cD14eXombz1hYmM=", **bearer(token))
    assert response.status_code == 404


def test_same_idempotency_key_and_body_replays_the_first_answer(client):
    token = make_token()
    data = {"customer_code": "C500", "name": "株式会社五百"}
    first = post(client, "/api/v1/customers/", data, token, HTTP_IDEMPOTENCY_KEY="k-1")
    second = post(client, "/api/v1/customers/", data, token, HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.content == second.content
    assert second["Idempotent-Replayed"] == "true"
    assert Customer.objects.filter(customer_code="C500").count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_same_idempotency_key_with_another_body_is_409(client):
    token = make_token()
    post(client, "/api/v1/customers/", {"customer_code": "C501", "name": "一"}, token, HTTP_IDEMPOTENCY_KEY="k-2")
    response = post(
        client, "/api/v1/customers/", {"customer_code": "C502", "name": "二"}, token, HTTP_IDEMPOTENCY_KEY="k-2"
    )
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert Customer.objects.filter(customer_code="C502").count() == 0


def test_every_write_is_recorded_with_its_token(client):
    token = make_token()
    post(client, "/api/v1/customers/", {"customer_code": "C600", "name": "六百"}, token)
    post(client, "/api/v1/customers/", {"customer_code": "", "name": ""}, token)
    writes = list(ApiWrite.objects.order_by("pk").values_list("token_id", "method", "path", "status_code"))
    assert writes == [
        (token.token.pk, "POST", "/api/v1/customers/", 201),
        (token.token.pk, "POST", "/api/v1/customers/", 400),
    ]


def test_an_unknown_id_is_a_404_problem(client):
    token = make_token()
    response = client.get("/api/v1/customers/999999/", **bearer(token))
    assert (response.status_code, response["Content-Type"]) == (404, "application/problem+json")


def test_manufacturer_detail_and_update(client):
    maker = make_manufacturer()
    token = make_token(role=Role.ADMIN)
    response = client.patch(
        f"/api/v1/manufacturers/{maker.pk}/",
        json.dumps({"name_en": "Acme Corp"}),
        content_type="application/json",
        **bearer(token),
    )
    assert response.status_code == 200
    maker.refresh_from_db()
    assert maker.name_en == "Acme Corp"


def test_proposed_plan_answer_of_another_deal_is_404(client):
    deal = make_deal(customer=make_customer())
    other = make_proposed_plan(deal=make_deal(customer=make_customer()), plan=make_plan())
    make_deal_line(deal=deal, product=make_product())
    token = make_token()
    response = post(
        client, f"/api/v1/deals/{deal.pk}/proposed-plans/{other.pk}/answer/", {"response": "accepted"}, token
    )
    assert response.status_code == 404


def test_a_customer_created_without_a_code_gets_the_next_code_of_the_pattern(client, settings):
    settings.CUSTOMER_CODE_PATTERN = "K-{number:04d}"
    make_customer(customer_code="K-0041")
    token = make_token(role=Role.SALES)

    omitted = post(client, "/api/v1/customers/", {"name": "株式会社省略"}, token)
    blank = post(client, "/api/v1/customers/", {"customer_code": "  ", "name": "株式会社空欄"}, token)
    given = post(client, "/api/v1/customers/", {"customer_code": "X-1", "name": "株式会社指定"}, token)

    assert [r.status_code for r in (omitted, blank, given)] == [201, 201, 201]
    assert [r.json()["customer_code"] for r in (omitted, blank, given)] == ["K-0042", "K-0043", "X-1"]


def test_a_customer_code_cannot_be_blanked_by_an_update(client):
    customer = make_customer(customer_code="C00009")
    response = client.patch(
        f"/api/v1/customers/{customer.pk}/",
        json.dumps({"customer_code": ""}),
        content_type="application/json",
        **bearer(make_token(role=Role.SALES)),
    )
    assert response.status_code == 400
    assert [e["pointer"] for e in response.json()["errors"]] == ["#/customer_code"]
    customer.refresh_from_db()
    assert customer.customer_code == "C00009"


def test_a_deal_names_only_an_active_user_as_sales_rep(client):
    from kokuchi.core.tests.factories import make_user

    customer = make_customer()
    active, inactive = make_user(Role.SALES), make_user(Role.SALES)
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    token = make_token(role=Role.SALES)

    refused = post(
        client, "/api/v1/deals/", {"title": "退職者", "customer": customer.pk, "sales_rep": inactive.pk}, token
    )
    accepted = post(
        client, "/api/v1/deals/", {"title": "在籍者", "customer": customer.pk, "sales_rep": active.pk}, token
    )

    assert refused.status_code == 400
    assert [e["pointer"] for e in refused.json()["errors"]] == ["#/sales_rep"]
    assert accepted.status_code == 201
    assert accepted.json()["sales_rep"] == active.pk
