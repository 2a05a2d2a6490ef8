"""Staff UI of devices (G5.1-3 firmware at sale, S-LIFE) and maintenance contracts."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kokuchi.catalog.models import ProductCategory
from kokuchi.catalog.tests.factories import make_product
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.customers.tests.factories import make_customer
from kokuchi.deals.tests.factories import make_deal, make_deal_line
from kokuchi.devices.models import ContractStatus, Device, MaintenanceContract
from kokuchi.devices.services import record_firmware_update, save_contract
from kokuchi.devices.tests.factories import make_contract, make_device
from kokuchi.devices.tests.staff_pages import make_objects, post_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def objs():
    return make_objects()


def test_viewer_sees_no_firmware_or_edit_buttons(client, objs):
    client.force_login(make_user(Role.VIEWER))
    content = client.get(reverse("devices:device_detail", args=[objs["device"].pk])).content.decode()
    assert reverse("devices:device_firmware", args=[objs["device"].pk]) not in content
    assert reverse("devices:device_edit", args=[objs["device"].pk]) not in content


def test_g5_1_3_firmware_at_sale_read_only_after_delivery(client, objs):
    client.force_login(make_user(Role.SALES))
    response = client.get(reverse("devices:device_edit", args=[objs["device"].pk]))
    assert response.context["form"].fields["firmware_at_sale"].disabled is True
    undelivered = make_device(customer=objs["customer"], firmware_at_sale="7.0.12")
    response = client.get(reverse("devices:device_edit", args=[undelivered.pk]))
    assert response.context["form"].fields["firmware_at_sale"].disabled is False


def test_g5_1_3_firmware_at_sale_editable_before_delivery_moves_current(client, objs):
    undelivered = make_device(customer=objs["customer"], product=objs["product"], firmware_at_sale="7.0.12")
    client.force_login(make_user(Role.SALES))
    response = client.post(
        reverse("devices:device_edit", args=[undelivered.pk]),
        {
            "customer": objs["customer"].pk,
            "product": objs["product"].pk,
            "serial_number": undelivered.serial_number,
            "firmware_at_sale": "7.0.14",
            "delivered_on": "2026-06-10",
        },
    )
    assert response.status_code == 302
    undelivered.refresh_from_db()
    assert (undelivered.firmware_at_sale, undelivered.current_firmware, undelivered.delivered_on) == (
        "7.0.14",
        "7.0.14",
        datetime.date(2026, 6, 10),
    )


def test_g5_1_3_delivery_date_cannot_be_removed(client, objs):
    client.force_login(make_user(Role.SALES))
    data = post_data("device_edit", objs) | {"delivered_on": ""}
    response = client.post(reverse("devices:device_edit", args=[objs["device"].pk]), data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["delivered_on"]
    objs["device"].refresh_from_db()
    assert objs["device"].delivered_on == datetime.date(2026, 5, 1)


def test_device_of_another_customers_deal_refused(client, objs):
    client.force_login(make_user(Role.SALES))
    foreign_deal = make_deal()
    data = post_data("device_create", objs) | {"deal": foreign_deal.pk}
    response = client.post(reverse("devices:device_create"), data)
    # The form offers only the chosen customer's deals: another customer's deal is no choice.
    assert response.context["form"].errors["deal"] == ["正しく選択してください。選択したものは候補にありません。"]
    assert Device.objects.count() == 1


def test_device_form_offers_only_the_customers_deals_and_the_deals_products(client, objs):
    client.force_login(make_user(Role.SALES))
    deal = make_deal(customer=objs["customer"])
    make_deal_line(deal=deal, product=objs["product"])
    make_deal()
    make_product(model_number="OTHER-1")
    form = client.get(reverse("devices:device_create"), {"customer": objs["customer"].pk, "deal": deal.pk}).context[
        "form"
    ]
    assert list(form.fields["deal"].queryset) == list(objs["customer"].deals.all())
    assert list(form.fields["product"].queryset) == [objs["product"]]


def test_device_saved_without_any_firmware_is_warned_about(client, objs):
    client.force_login(make_user(Role.SALES))
    product = make_product(model_number="NO-FW", latest_firmware="")
    data = post_data("device_create", objs) | {"product": product.pk, "serial_number": "NOFW-1"}
    response = client.post(reverse("devices:device_create"), data, follow=True)
    assert [str(message) for message in response.context["messages"]][-1] == (
        "NOFW-1 のファームウェアが不明です。発行前に販売時のバージョンを登録してください。"
    )


def test_contract_with_another_customers_device_refused(client, objs):
    client.force_login(make_user(Role.SALES))
    foreign = make_device()
    data = post_data("contract_create", objs) | {"devices": [foreign.pk]}
    response = client.post(reverse("devices:contract_create"), data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["devices"]
    assert MaintenanceContract.objects.count() == 1


def test_contract_with_another_customers_deal_refused_on_the_form(client, objs):
    client.force_login(make_user(Role.SALES))
    data = post_data("contract_create", objs) | {"deal": make_deal().pk}
    response = client.post(reverse("devices:contract_create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["deal"] == ["この案件は別の顧客のものです。"]
    assert MaintenanceContract.objects.count() == 1


# --- services -------------------------------------------------------------------------------


def test_g5_1_3_record_firmware_update_keeps_firmware_at_sale(objs):
    user = make_user(Role.SALES)
    device = objs["device"]
    first = record_firmware_update(device=device, version="7.0.14", changed_on=datetime.date(2026, 6, 1), user=user)
    second = record_firmware_update(
        device=device, version="7.0.15", changed_on=datetime.date(2026, 7, 1), user=user, note="脆弱性対応"
    )
    device.refresh_from_db()
    assert (device.firmware_at_sale, device.current_firmware) == ("7.0.12", "7.0.15")
    assert [(c.from_version, c.to_version) for c in device.firmware_changes.order_by("changed_on")] == [
        ("7.0.12", "7.0.14"),
        ("7.0.14", "7.0.15"),
    ]
    assert (first.recorded_by, second.note) == (user, "脆弱性対応")


@pytest.mark.parametrize(
    ("delivered_on", "version", "changed_on", "field"),
    [
        (None, "7.0.15", datetime.date(2026, 6, 1), "version"),
        (datetime.date(2026, 5, 1), "7.0.12", datetime.date(2026, 6, 1), "version"),
        (datetime.date(2026, 5, 1), "7.0.15", datetime.date(2026, 4, 30), "changed_on"),
    ],
)
def test_record_firmware_update_refusals(delivered_on, version, changed_on, field):
    device = make_device(firmware_at_sale="7.0.12", delivered_on=delivered_on)
    with pytest.raises(ValidationError) as excinfo:
        record_firmware_update(device=device, version=version, changed_on=changed_on, user=make_user(Role.SALES))
    assert list(excinfo.value.message_dict) == [field]
    device.refresh_from_db()
    assert (device.current_firmware, device.firmware_changes.count()) == ("7.0.12", 0)


def test_firmware_update_error_shown_on_form(client, objs):
    client.force_login(make_user(Role.SALES))
    response = client.post(
        reverse("devices:device_firmware", args=[objs["device"].pk]), {"version": "7.0.12", "changed_on": "2026-06-01"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["version"] == ["この機器は既に 7.0.12 です。"]


# --- lists ----------------------------------------------------------------------------------


def test_device_list_search_and_filters(client, objs):
    other = make_customer(name="南風商事株式会社", customer_code="MK001")
    switch = make_device(
        customer=other,
        product=make_product(model_number="FS-108F", category=ProductCategory.SWITCH),
        serial_number="S124EN0000000009",
        delivered_on=datetime.date(2026, 5, 2),
    )
    pc = make_device(
        customer=other,
        product=make_product(model_number="PC-1", category=ProductCategory.PC, internet_connectable=False),
        serial_number="PC0001",
    )
    client.force_login(make_user(Role.VIEWER))
    url = reverse("devices:device_list")

    def serials(**params):
        return [d.serial_number for d in client.get(url, params).context["object_list"]]

    assert serials(q="FGT60F") == ["FGT60F0000000001"]
    assert serials(q="FS-108F") == ["S124EN0000000009"]
    assert serials(q="南風") == ["S124EN0000000009", "PC0001"]  # ordered by model number
    assert serials(customer=objs["customer"].pk) == ["FGT60F0000000001"]
    assert serials(category=ProductCategory.SWITCH) == [switch.serial_number]
    assert serials(in_scope="false") == [pc.serial_number]
    assert serials(contract="under") == ["FGT60F0000000001"]
    assert serials(contract="without") == ["S124EN0000000009", "PC0001"]
    assert serials(delivered="false") == ["PC0001"]


def test_device_list_pagination(client):
    customer = make_customer(customer_code="A0001")
    product = make_product(model_number="WLX212")
    for n in range(27):
        make_device(customer=customer, product=product, serial_number=f"S{n:03d}")
    client.force_login(make_user(Role.VIEWER))
    response = client.get(reverse("devices:device_list"), {"page": 2})
    assert [d.serial_number for d in response.context["object_list"]] == ["S025", "S026"]


def test_device_list_query_count_does_not_grow_with_rows(client, django_assert_max_num_queries):
    customer = make_customer()
    for n in range(25):
        device = make_device(customer=customer, delivered_on=datetime.date(2026, 5, 1))
        if n % 2:
            make_contract(customer=customer, devices=[device])
    client.force_login(make_user(Role.VIEWER))
    # session, user, role guard, role for the menu, count, customer filter choices, page = 7.
    with django_assert_max_num_queries(7):
        response = client.get(reverse("devices:device_list"))
    assert len(response.context["object_list"]) == 25


def test_contract_list_shows_computed_status(client, objs):
    client.force_login(make_user(Role.VIEWER))
    expired = make_contract(
        customer=objs["customer"], start_date=datetime.date(2020, 4, 1), end_date=datetime.date(2021, 3, 31)
    )
    response = client.get(reverse("devices:contract_list"))
    assert [(c.pk, status) for c, status, _ in response.context["rows"]] == [
        (objs["contract"].pk, ContractStatus.ACTIVE),
        (expired.pk, ContractStatus.EXPIRED),
    ]


def test_contract_form_lists_only_the_customers_devices(client, objs):
    make_device()  # another customer's device
    client.force_login(make_user(Role.SALES))
    response = client.get(reverse("devices:contract_create"), {"customer": objs["customer"].pk})
    assert list(response.context["form"].fields["devices"].queryset) == [objs["device"]]
    response = client.get(reverse("devices:contract_edit", args=[objs["contract"].pk]))
    assert list(response.context["form"].fields["devices"].queryset) == [objs["device"]]


def test_save_contract_refuses_foreign_deal_devices_and_unknown_ids_saving_nothing(objs):
    foreign = make_device()
    contract = MaintenanceContract(
        customer=objs["customer"],
        plan=objs["plan"],
        deal=make_deal(),
        start_date=datetime.date(2026, 6, 1),
        end_date=datetime.date(2026, 5, 31),
    )
    with pytest.raises(ValidationError) as raised:
        save_contract(contract=contract, device_ids=[objs["device"].pk, foreign.pk, 999_999])
    assert raised.value.message_dict == {
        "deal": ["この案件は別の顧客のものです。"],
        "devices": ["存在しない機器です: 999999", f"この顧客の機器ではありません: {foreign}"],
        "end_date": ["終了日を開始日より前にはできません。"],
    }
    assert MaintenanceContract.objects.count() == 1


def test_save_contract_sets_devices_or_keeps_them_when_none_are_given(objs):
    contract = objs["contract"]
    second = make_device(customer=objs["customer"])
    save_contract(contract=contract, device_ids=[objs["device"].pk, second.pk])
    assert sorted(contract.devices.values_list("pk", flat=True)) == sorted([objs["device"].pk, second.pk])
    contract.notice_given_on = datetime.date(2026, 12, 1)
    save_contract(contract=contract)
    contract.refresh_from_db()
    assert contract.notice_given_on == datetime.date(2026, 12, 1)
    assert contract.devices.count() == 2


def test_save_contract_checks_kept_devices_against_a_new_customer(objs):
    contract = objs["contract"]
    contract.customer = make_customer()
    with pytest.raises(ValidationError) as raised:
        save_contract(contract=contract)
    assert raised.value.message_dict == {"devices": [f"この顧客の機器ではありません: {objs['device']}"]}
