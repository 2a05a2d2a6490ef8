import datetime
import re
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from kokuchi.catalog.models import Product, ProductCategory, ServicePlan, ServicePlanKind
from kokuchi.core.models import Reseller
from kokuchi.core.roles import Role, user_role
from kokuchi.customers.models import Customer, SelfMaintenanceLevel
from kokuchi.deals.models import Deal, DealStatus, ProposalResponse, ProposedPlan
from kokuchi.demo.services import load_demo
from kokuchi.devices.models import ContractStatus, Device, FirmwareChange, MaintenanceContract

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _development_mode(settings):
    """`kokuchi demo` is a development command; pytest-django turns DEBUG off by default."""
    settings.DEBUG = True


ANCHOR = datetime.date(2026, 6, 1)

EXPECTED_COUNTS = {
    "core.Reseller": 1,
    "catalog.Manufacturer": 37,
    "catalog.Product": 23,
    "catalog.ServicePlan": 6,
    "customers.Customer": 10,
    "customers.Contact": 10,
    "customers.SkillAssessment": 9,
    "deals.Deal": 11,
    "deals.DealLine": 30,
    "deals.ProposedPlan": 17,
    "devices.Device": 25,
    "devices.FirmwareChange": 2,
    "devices.MaintenanceContract": 3,
    "auth.User": 3,
    "auth.Group": 3,
}


def test_demo_twice_gives_the_same_counts_per_model():
    first = load_demo(today=ANCHOR)
    second = load_demo(today=ANCHOR)
    assert first.counts == EXPECTED_COUNTS
    assert second.counts == EXPECTED_COUNTS


def test_demo_on_a_later_day_keeps_the_counts_and_the_frozen_firmware():
    load_demo(today=ANCHOR)
    summary = load_demo(today=ANCHOR + datetime.timedelta(days=40))
    assert summary.counts == EXPECTED_COUNTS
    device = Device.objects.get(serial_number="DEMO-FG60F-0001")
    assert (device.firmware_at_sale, device.current_firmware) == ("7.2.5", "7.2.8")


def test_demo_has_every_deal_status():
    load_demo(today=ANCHOR)
    by_status = {status: Deal.objects.filter(status=status).count() for status in DealStatus.values}
    assert by_status == {"draft": 2, "quoted": 2, "ordered": 1, "delivered": 3, "closed": 3}


def test_demo_some_customers_have_contracts_and_some_do_not():
    load_demo(today=ANCHOR)
    with_contract = set(Customer.objects.filter(contracts__isnull=False).values_list("customer_code", flat=True))
    assert with_contract == {"C-1001", "C-1003", "C-1007"}
    assert Customer.objects.exclude(customer_code__in=with_contract).count() == 7


def test_s_skill_demo_has_each_assessment_level():
    load_demo(today=ANCHOR)
    levels = {c.customer_code: c.self_maintenance_level for c in Customer.objects.all()}
    assert levels == {
        "C-1001": SelfMaintenanceLevel.CAPABLE,
        "C-1002": SelfMaintenanceLevel.DIFFICULT,
        "C-1003": SelfMaintenanceLevel.NEEDS_SUPPORT,
        "C-1004": SelfMaintenanceLevel.CAPABLE,
        "C-1005": SelfMaintenanceLevel.DIFFICULT,
        "C-1006": SelfMaintenanceLevel.NEEDS_SUPPORT,
        "C-1007": SelfMaintenanceLevel.CAPABLE,
        "C-1008": SelfMaintenanceLevel.DIFFICULT,
        "C-1009": SelfMaintenanceLevel.NEEDS_SUPPORT,
        "C-1010": None,
    }


def test_demo_contracts_one_in_notice_period_one_auto_renewing():
    load_demo(today=ANCHOR)
    statuses = {c.contract_number: (c.status_on(ANCHOR), c.auto_renewal) for c in MaintenanceContract.objects.all()}
    assert statuses == {
        "DEMO-MC-0001": (ContractStatus.ACTIVE, True),  # past its first end date, renewed
        "DEMO-MC-0002": (ContractStatus.NOTICE_PERIOD, False),
        "DEMO-MC-0003": (ContractStatus.ACTIVE, False),
    }
    renewed = MaintenanceContract.objects.get(contract_number="DEMO-MC-0001")
    assert renewed.end_date < ANCHOR
    assert Device.objects.under_contract(ANCHOR).count() == 16
    assert Device.objects.without_contract(ANCHOR).count() == 9


def test_g5_1_4_g5_4_demo_has_plans_of_every_kind_one_third_party_registered():
    load_demo(today=ANCHOR)
    kinds = set(ServicePlan.objects.values_list("kind", flat=True))
    assert kinds == set(ServicePlanKind.values) - {ServicePlanKind.OTHER}
    third_party = ServicePlan.objects.get(is_third_party=True)
    assert third_party.kind == ServicePlanKind.SOC
    assert third_party.ipa_service_category == "セキュリティ監視・運用サービス"
    assert third_party.is_registered is True


def test_g5_3_demo_proposals_accepted_and_declined_with_reasons():
    load_demo(today=ANCHOR)
    responses = {r: ProposedPlan.objects.filter(response=r).count() for r in ProposalResponse.values}
    assert responses == {"pending": 6, "accepted": 5, "declined": 6}
    assert not ProposedPlan.objects.filter(response=ProposalResponse.DECLINED, decline_reason="").exists()


def test_g5_2_1_demo_reseller_profile_is_complete():
    load_demo(today=ANCHOR)
    reseller = Reseller.get()
    assert reseller.company_name == "株式会社デモ販売"
    assert reseller.has_support_desk is True
    assert reseller.offers_maintenance_menu is True
    assert reseller.vulnerability_policy.startswith("当社は、販売した情報システム関連製品について")
    assert [row["price"] for row in reseller.paid_services()] == [25000, 15000, 10000, 15000, 30000]


def test_g5_1_3_demo_devices_keep_firmware_at_sale_and_history():
    load_demo(today=ANCHOR)
    changes = {(c.device.serial_number, c.from_version, c.to_version) for c in FirmwareChange.objects.all()}
    assert changes == {("DEMO-FG60F-0001", "7.2.5", "7.2.8"), ("DEMO-FG40F-0002", "7.0.12", "7.0.14")}
    assert Device.objects.filter(delivered_on__isnull=True).count() == 0
    assert Device.objects.get(serial_number="DEMO-WSR2533-0001").firmware_at_sale == "1.24"


def test_g4_demo_products_cover_every_category_and_out_of_scope_ones():
    load_demo(today=ANCHOR)
    assert set(Product.objects.values_list("category", flat=True)) == set(ProductCategory.values)
    in_scope = Product.objects.in_scope()
    out_of_scope = set(Product.objects.exclude(pk__in=in_scope).values_list("model_number", flat=True))
    assert out_of_scope == {"LSW6-GT-8NS/BK", "YVC-330"}


def test_g5_1_5_demo_has_one_jc_star_labelled_iot_product():
    load_demo(today=ANCHOR)
    labelled = Product.objects.exclude(jc_star_level=None)
    assert [(p.model_number, p.jc_star_level, p.jc_star_registration_number) for p in labelled] == [
        ("WX3600HP", 1, "DEMO-JCSTAR-0001")
    ]
    product = labelled.get()
    assert (product.jc_star_issued_on, product.jc_star_expires_on) == (
        datetime.date(2025, 12, 3),
        datetime.date(2027, 12, 3),
    )
    assert product.jc_star_valid_on(ANCHOR) is True
    assert product.jc_star_product_page_url == ""
    assert Product.objects.filter(jc_star_level=None, category__in=["router", "nas", "network_camera"]).count() == 7


def test_demo_cpes_appear_verbatim_in_the_feed_samples(feed_samples_dir):
    """No CPE is invented: every vendor:product of a demo product is in the feed samples."""
    load_demo(today=ANCHOR)
    text = "".join(
        p.read_text(errors="replace") for p in feed_samples_dir.rglob("*") if p.suffix in {".json", ".xml", ".rdf"}
    )
    cpes = [cpe for pair in Product.objects.values_list("hardware_cpe", "firmware_cpe") for cpe in pair if cpe]
    assert len(cpes) == 10
    for cpe in cpes:
        part, vendor, product = cpe.split(":")[2:5]
        assert re.search(rf"cpe:(2\.3:|/){part}:{re.escape(vendor)}:{re.escape(product)}[:<\"]", text), cpe


def test_demo_users_in_their_roles():
    load_demo(today=ANCHOR)
    roles = {user.username: user_role(user) for user in User.objects.all()}
    assert roles == {"admin": Role.ADMIN, "sales": Role.SALES, "viewer": Role.VIEWER}
    assert User.objects.get(username="sales").check_password("demo-sales-pass")
    assert Deal.objects.filter(sales_rep__username="sales").count() == 11


def test_demo_command_prints_summary_and_logins():
    out = StringIO()
    call_command("demo", stdout=out)
    text = out.getvalue()
    assert "  deals.Deal                     11\n" in text
    assert "  admin    / demo-admin-pass    (admin)\n" in text
    assert "  viewer   / demo-viewer-pass   (viewer)\n" in text


def test_demo_command_refuses_known_passwords_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refusing to create users with published passwords"):
        call_command("demo", stdout=StringIO())
    assert User.objects.count() == 0
    assert Customer.objects.count() == 0


def test_demo_command_without_debug_with_force_or_without_users(settings):
    settings.DEBUG = False
    call_command("demo", "--no-users", "--no-documents", stdout=StringIO())
    assert (User.objects.count(), Customer.objects.count()) == (0, 10)
    call_command("demo", "--force", "--no-documents", stdout=StringIO())
    assert User.objects.count() == 3


def test_demo_reloaded_without_users_keeps_the_deals_with_the_sales_user():
    load_demo(today=ANCHOR)
    summary = load_demo(today=ANCHOR, with_users=False)
    assert summary.logins == []
    assert summary.counts == EXPECTED_COUNTS
    assert Deal.objects.filter(sales_rep__username="sales").count() == 11
