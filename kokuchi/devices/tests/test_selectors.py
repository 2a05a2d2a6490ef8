"""Lifecycle work items (S-LIFE)."""

import datetime

import pytest

from kokuchi.catalog.tests.factories import make_plan, make_product
from kokuchi.customers.tests.factories import make_customer
from kokuchi.devices.selectors import lifecycle_work_items
from kokuchi.devices.tests.factories import make_contract, make_device

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 6, 1)


def test_s_life_work_items_for_the_dashboard():
    customer = make_customer(name="株式会社ライフ")
    behind = make_product(model_number="RTX1300", latest_firmware="Rev.23.01.03")
    make_device(product=behind, customer=customer, firmware_at_sale="Rev.23.01.02", delivered_on=TODAY)
    make_device(product=behind, customer=customer, firmware_at_sale="Rev.23.01.03", delivered_on=TODAY)
    eos_passed = make_product(model_number="OLD-1", end_of_support=datetime.date(2026, 3, 31), latest_firmware="")
    make_device(product=eos_passed, customer=customer, delivered_on=TODAY)
    eos_soon = make_product(model_number="SOON-1", end_of_support=datetime.date(2026, 8, 30), latest_firmware="")
    make_device(product=eos_soon, customer=customer, delivered_on=TODAY)
    make_product(model_number="LATER-1", end_of_support=datetime.date(2026, 8, 31), latest_firmware="")  # day 91
    make_product(
        model_number="STAR-1",
        jc_star_level=1,
        jc_star_issued_on=datetime.date(2024, 7, 1),
        jc_star_expires_on=datetime.date(2026, 7, 1),
        latest_firmware="",
    )
    plan = make_plan(name="年間保守")
    make_contract(
        customer=customer,
        plan=plan,
        start_date=datetime.date(2025, 7, 1),
        end_date=datetime.date(2026, 6, 20),
        notice_period_days=30,
    )
    ending = make_customer(name="株式会社満了")
    make_contract(
        customer=ending,
        plan=plan,
        start_date=datetime.date(2025, 9, 1),
        end_date=datetime.date(2026, 8, 30),
        notice_period_days=0,
    )

    items = lifecycle_work_items(TODAY)

    assert [(i.kind, i.title, i.due_on) for i in items] == [
        ("end_of_support_passed", "OLD-1: サポート終了済み（2026-03-31） 納入済み 1 台", datetime.date(2026, 3, 31)),
        ("firmware_behind", "RTX1300: 最新ファームウェア Rev.23.01.03 に未更新の機器 1 台", None),
        (
            "contract_notice_period",
            "株式会社ライフ: 保守契約 年間保守 が通知期間中（2026-06-20 満了）",
            datetime.date(2026, 6, 20),
        ),
        ("jc_star_expiring", "STAR-1: JC-STAR ラベルの有効期限 2026-07-01", datetime.date(2026, 7, 1)),
        ("contract_ending", "株式会社満了: 保守契約 年間保守 が 2026-08-30 に満了", datetime.date(2026, 8, 30)),
        ("end_of_support_soon", "SOON-1: サポート終了予定（2026-08-30） 納入済み 1 台", datetime.date(2026, 8, 30)),
    ]
