"""The delivered units of a deal in bulk (G5.1-3: each unit with its firmware at sale)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kokuchi.catalog.tests.factories import make_product
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.deals.tests.factories import make_deal, make_deal_line
from kokuchi.devices.models import Device
from kokuchi.devices.services import create_devices_from_deal, parse_unit_csv, parse_unit_rows
from kokuchi.devices.tests.factories import make_device

pytestmark = pytest.mark.django_db


def make_deal_with_lines():
    deal = make_deal(title="本社ネットワーク更改")
    firewall = make_deal_line(
        deal=deal, product=make_product(model_number="FG-60F", latest_firmware="7.2.10"), quantity=1
    )
    pcs = make_deal_line(deal=deal, product=make_product(model_number="PC-X1", latest_firmware=""), quantity=3)
    return deal, firewall, pcs


def test_g5_1_3_units_typed_pasted_and_from_csv_are_created_with_their_firmware():
    deal, firewall, pcs = make_deal_with_lines()
    entries = parse_unit_rows(line=firewall, text="FGT001, 7.2.9\n\n", source_label="FG-60F")
    entries += parse_unit_rows(line=pcs, text="PC001\t23H2\nPC002", source_label="PC-X1")
    entries += parse_unit_csv(
        deal=deal, content="model_number,serial_number,firmware\r\npc-x1,PC003,\r\n".encode("cp932")
    )
    result = create_devices_from_deal(deal=deal, entries=entries, delivered_on=datetime.date(2026, 6, 1))
    assert [(d.product.model_number, d.serial_number, d.firmware_at_sale) for d in result.devices] == [
        ("FG-60F", "FGT001", "7.2.9"),
        ("PC-X1", "PC001", "23H2"),
        ("PC-X1", "PC002", ""),
        ("PC-X1", "PC003", ""),
    ]
    # Neither typed nor known as the product's latest: staff are warned about these.
    assert [d.serial_number for d in result.without_firmware] == ["PC002", "PC003"]


def test_bad_units_are_refused_naming_the_row_and_nothing_is_created():
    deal, firewall, pcs = make_deal_with_lines()
    make_device(product=firewall.product, serial_number="FGT-OLD")
    entries = parse_unit_rows(line=firewall, text="FGT-OLD\nFGT002", source_label="FG-60F")
    entries += parse_unit_rows(line=pcs, text="PC001\nPC001\n,23H2", source_label="PC-X1")
    with pytest.raises(ValidationError) as refused:
        create_devices_from_deal(deal=deal, entries=entries, delivered_on=None)
    assert refused.value.messages == [
        "PC-X1 2行目: シリアル番号 PC001 が重複しています。",
        "PC-X1 3行目: シリアル番号がありません。",
        "シリアル番号 FGT-OLD はこの製品で登録済みです。",
        "FG-60F: 2 台が入力されましたが、案件の数量は 1 台です（登録済み 0 台）。",
    ]
    assert Device.objects.filter(deal=deal).count() == 0


def test_a_csv_with_a_wrong_header_or_an_unknown_model_is_refused_naming_the_row():
    deal, _firewall, _pcs = make_deal_with_lines()
    with pytest.raises(ValidationError) as wrong_header:
        parse_unit_csv(deal=deal, content=b"serial,firmware\nX,1\n")
    assert wrong_header.value.messages == [
        "CSVの見出し行は model_number,serial_number,firmware にしてください（実際: serial,firmware）。"
    ]
    with pytest.raises(ValidationError) as unknown:
        parse_unit_csv(deal=deal, content=b"model_number,serial_number,firmware\nFG-60F,A,1\nXX-9,B,2\n")
    assert unknown.value.messages == ["CSV 3行目: 案件に型番 XX-9 の明細がありません。"]
    with pytest.raises(ValidationError) as binary:
        parse_unit_csv(deal=deal, content=b"\xff\xfe\x00\x81")
    assert binary.value.messages == ["CSVファイルが UTF-8 でも Shift_JIS でもありません。"]


def test_the_bulk_page_shows_a_row_error_instead_of_failing(client):
    deal, firewall, _pcs = make_deal_with_lines()
    client.force_login(make_user(Role.SALES))
    response = client.post(
        reverse("devices:device_bulk_create", args=[deal.pk]), {f"line_{firewall.pk}": ",7.2.9", "delivered_on": ""}
    )
    assert response.status_code == 200
    assert "FG-60F 1行目: シリアル番号がありません。" in response.content.decode()
