"""S-EVID: nothing that issued disclosures, acknowledgements, evidence events, notices or exposures
refer to can be deleted, on any delete path (service, staff page, admin, API error handler); a record
nothing refers to still deletes."""

import datetime

import pytest
from django.db.models.deletion import ProtectedError
from django.urls import reverse

from kokuchi.acknowledgements.services import create_customer_link
from kokuchi.acknowledgements.tests.factories import make_issued_version, make_sale
from kokuchi.api.errors import problem_exception_handler
from kokuchi.catalog.models import Manufacturer, Product, ServicePlan
from kokuchi.catalog.tests.factories import make_manufacturer, make_product
from kokuchi.core.deletion import DeletionRefused, delete_unless_referenced, references_to
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.customers.models import Contact, Customer
from kokuchi.customers.tests.factories import make_contact, make_customer
from kokuchi.deals.models import Deal, DealLine
from kokuchi.deals.tests.factories import make_deal_line
from kokuchi.devices.models import Device, MaintenanceContract
from kokuchi.devices.services import record_firmware_update
from kokuchi.devices.tests.factories import make_contract, make_device
from kokuchi.disclosures.models import FirmwareUnknown
from kokuchi.evidence.models import EvidenceEvent
from kokuchi.evidence.services import Origin
from kokuchi.exposures.models import Exposure, Notice
from kokuchi.exposures.tests.factories import make_exposure, make_notice, make_work_item

pytestmark = pytest.mark.django_db


def refusal(record) -> str:
    with pytest.raises(DeletionRefused) as caught:
        delete_unless_referenced(record=record)
    return caught.value.message


def test_s_evid_customer_with_exposures_is_kept_and_the_message_names_them():
    exposure = make_exposure()
    customer = exposure.customer
    Device.objects.filter(pk=exposure.device_id).update(customer=make_customer())

    message = refusal(customer)

    assert message == f"顧客「{customer}」は削除できません。該当: 1 件 が参照しており、証跡として保存されています。"
    assert Customer.objects.filter(pk=customer.pk).exists()
    assert Exposure.objects.count() == 1


def test_s_evid_customer_with_notices_and_work_items_is_kept():
    notice = make_notice()
    make_work_item(customer=notice.customer, vulnerability=notice.vulnerability)
    kinds = {reference.label for reference in references_to(notice.customer)}
    assert {"お知らせ", "作業"} <= kinds


def test_customer_nothing_refers_to_is_deleted_with_its_contacts():
    customer = make_customer()
    make_contact(customer=customer)

    delete_unless_referenced(record=customer)

    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert Contact.objects.count() == 0


def test_s_evid_contact_a_customer_link_was_sent_to_is_kept():
    version = make_issued_version()
    contact = version.disclosure.deal.customer.primary_contact
    create_customer_link(version=version, created_by=make_user(Role.SALES), contact=contact, origin=Origin("staff_ui"))

    assert "確認用リンク: 1 件" in refusal(contact)
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_contact_nothing_refers_to_is_deleted():
    contact = make_contact()
    delete_unless_referenced(record=contact)
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_s_evid_deal_with_an_issued_disclosure_and_evidence_events_is_kept():
    version = make_issued_version()
    deal = version.disclosure.deal

    message = refusal(deal)

    events = EvidenceEvent.objects.filter(deal_number=deal.number).count()
    assert f"証跡イベント: {events} 件" in message
    assert "告知書" in message
    assert Deal.objects.filter(pk=deal.pk).exists()


def test_deal_nothing_refers_to_is_deleted_with_its_lines():
    line = make_deal_line()
    delete_unless_referenced(record=line.deal)
    assert not DealLine.objects.filter(pk=line.pk).exists()


def test_s_evid_deal_line_of_an_issued_disclosure_is_kept():
    version = make_issued_version()
    line = version.disclosure.deal.lines.get()

    assert "発行済みの告知書: 1 件" in refusal(line)
    assert DealLine.objects.filter(pk=line.pk).exists()


def test_deal_line_delete_page_refuses_a_line_an_issued_disclosure_names(client):
    deal = make_sale()
    Deal.objects.filter(pk=deal.pk).update(status="ordered")
    make_issued_version(deal=Deal.objects.get(pk=deal.pk))
    line = deal.lines.get()
    client.force_login(make_user(Role.SALES))

    response = client.post(reverse("deals:line_delete", args=[line.pk]), follow=True)

    assert response.status_code == 200
    assert DealLine.objects.filter(pk=line.pk).exists()
    assert "発行済みの告知書: 1 件 が参照しており" in response.content.decode()


def test_deal_line_delete_page_deletes_a_line_nothing_refers_to(client):
    line = make_deal_line()
    client.force_login(make_user(Role.SALES))

    response = client.post(reverse("deals:line_delete", args=[line.pk]), follow=True)

    assert not DealLine.objects.filter(pk=line.pk).exists()
    assert "明細を削除しました。" in response.content.decode()


def test_deal_line_delete_button_asks_for_confirmation(client):
    line = make_deal_line()
    client.force_login(make_user(Role.SALES))
    page = client.get(line.deal.get_absolute_url()).content.decode()
    assert f'action="{reverse("deals:line_delete", args=[line.pk])}" class="inline" data-confirm=' in page


def test_s_evid_device_with_exposures_is_kept():
    exposure = make_exposure()
    assert "該当: 1 件" in refusal(exposure.device)
    assert Device.objects.filter(pk=exposure.device_id).exists()


def test_s_evid_device_of_an_issued_disclosure_is_kept():
    version = make_issued_version()
    deal = version.disclosure.deal
    device = make_device(customer=deal.customer, deal=deal, product=deal.lines.get().product)
    assert "発行済みの告知書: 1 件" in refusal(device)


def test_g5_1_3_device_with_firmware_history_or_unknown_firmware_mark_is_kept():
    device = make_device(delivered_on=datetime.date(2026, 4, 25))
    record_firmware_update(
        device=device, version="1.0.1", changed_on=datetime.date(2026, 5, 1), user=make_user(Role.SALES)
    )
    other = make_device()
    FirmwareUnknown.objects.create(device=other, reason="記録なし", marked_by=make_user(Role.SALES))

    assert Device.objects.count() == 2
    assert refusal(device).startswith(f"納入機器「{device}」は削除できません。")
    assert refusal(other).startswith(f"納入機器「{other}」は削除できません。")


def test_device_nothing_refers_to_is_deleted_and_leaves_its_contract():
    device = make_device()
    contract = make_contract(devices=[device], customer=device.customer)
    delete_unless_referenced(record=device)
    assert not Device.objects.filter(pk=device.pk).exists()
    assert list(contract.devices.all()) == []


def test_product_with_devices_and_manufacturer_with_products_are_kept():
    device = make_device()
    assert "納入機器: 1 件" in refusal(device.product)
    assert "製品: 1 件" in refusal(device.product.manufacturer)


def test_product_and_manufacturer_nothing_refers_to_are_deleted():
    manufacturer = make_manufacturer()
    product = make_product(manufacturer=manufacturer)
    delete_unless_referenced(record=product)
    delete_unless_referenced(record=manufacturer)
    assert not Product.objects.filter(pk=product.pk).exists()
    assert not Manufacturer.objects.filter(pk=manufacturer.pk).exists()


def test_plan_under_contract_is_kept_and_contract_nothing_refers_to_is_deleted():
    contract = make_contract()
    assert "保守契約: 1 件" in refusal(contract.plan)
    delete_unless_referenced(record=contract)
    delete_unless_referenced(record=contract.plan)
    assert not MaintenanceContract.objects.exists()
    assert not ServicePlan.objects.filter(pk=contract.plan.pk).exists()


def test_s_evid_notice_survives_the_refused_delete_of_its_customer():
    notice = make_notice()
    refusal(notice.customer)
    assert Notice.objects.filter(pk=notice.pk).exists()


def admin_client(client):
    client.force_login(make_user(Role.ADMIN, is_staff=True, is_superuser=True))
    return client


def test_admin_delete_page_names_the_references_and_keeps_the_deal(client):
    deal = make_issued_version().disclosure.deal
    url = reverse("admin:deals_deal_delete", args=[deal.pk])

    page = admin_client(client).get(url).content.decode()
    client.post(url, {"post": "yes"})

    assert "証跡イベント" in page
    assert Deal.objects.filter(pk=deal.pk).exists()


def test_admin_delete_page_keeps_a_device_of_an_issued_disclosure(client):
    deal = make_issued_version().disclosure.deal
    device = make_device(customer=deal.customer, deal=deal)
    url = reverse("admin:devices_device_delete", args=[device.pk])

    page = admin_client(client).get(url).content.decode()
    client.post(url, {"post": "yes"})

    assert "発行済みの告知書: 1 件" in page
    assert Device.objects.filter(pk=device.pk).exists()


def test_admin_delete_selected_keeps_customers_with_exposures(client):
    exposure = make_exposure()
    url = reverse("admin:customers_customer_changelist")
    admin_client(client).post(
        url, {"action": "delete_selected", "_selected_action": [exposure.customer_id], "post": "yes"}
    )
    assert Customer.objects.filter(pk=exposure.customer_id).exists()


def test_admin_deletes_a_product_nothing_refers_to_after_confirmation(client):
    product = make_product()
    url = reverse("admin:catalog_product_delete", args=[product.pk])
    admin_client(client).post(url, {"post": "yes"})
    assert not Product.objects.filter(pk=product.pk).exists()


def test_admin_offers_no_inline_line_delete_once_a_disclosure_is_issued(client):
    deal = make_issued_version().disclosure.deal
    page = admin_client(client).get(reverse("admin:deals_deal_change", args=[deal.pk])).content.decode()
    assert "lines-0-DELETE" not in page
    draft = make_deal_line().deal
    page = client.get(reverse("admin:deals_deal_change", args=[draft.pk])).content.decode()
    assert "lines-0-DELETE" in page


def test_api_answers_a_refused_delete_with_a_problem_409():
    exposure = make_exposure()
    with pytest.raises(DeletionRefused) as caught:
        delete_unless_referenced(record=exposure.device)

    response = problem_exception_handler(caught.value, {})

    assert response.status_code == 409
    assert response.content_type == "application/problem+json"
    assert response.data["code"] == "referenced_by_evidence"
    assert response.data["detail"] == caught.value.message
    assert response.data["references"] == [{"kind": "該当", "count": 1}]


def test_api_answers_a_database_protected_delete_with_a_problem_409_not_500():
    device = make_device()
    with pytest.raises(ProtectedError) as caught:
        device.product.delete()

    response = problem_exception_handler(caught.value, {})

    assert response.status_code == 409
    assert response.data["references"] == [{"kind": "納入機器", "count": 1}]


def test_admin_offers_no_inline_contact_delete_once_a_customer_link_names_one(client):
    version = make_issued_version()
    customer = version.disclosure.deal.customer
    create_customer_link(
        version=version, created_by=make_user(Role.SALES), contact=customer.primary_contact, origin=Origin("staff_ui")
    )
    page = admin_client(client).get(reverse("admin:customers_customer_change", args=[customer.pk])).content.decode()
    assert "contacts-0-DELETE" not in page
    other = make_contact().customer
    page = client.get(reverse("admin:customers_customer_change", args=[other.pk])).content.decode()
    assert "contacts-0-DELETE" in page
