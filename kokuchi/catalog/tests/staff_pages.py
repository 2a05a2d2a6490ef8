"""The staff pages of the catalogue as the role matrix (kokuchi/tests/test_roles.py) drives them:
the objects their URLs point at, the data each form posts and the exact effect of a successful POST."""

import datetime

from kokuchi.catalog.models import Manufacturer, Product, ProductCategory, ServicePlan, ServicePlanKind
from kokuchi.catalog.tests.factories import make_manufacturer, make_plan, make_product

# Real identifiers from data/manufacturers.yaml and the NVD/JVN feed samples.
YAMAHA_SUPPORT_URL = "http://www.rtpro.yamaha.co.jp/RT/firmware/info.html"
NEC_PSIRT_URL = "https://jpn.nec.com/security-info/index.html"
WLX212_HW_CPE = "cpe:2.3:h:yamaha:wlx212:-:*:*:*:*:*:*:*"
WLX212_FW_CPE = "cpe:2.3:o:yamaha:wlx212_firmware:*:*:*:*:*:*:*:*"


def make_objects() -> dict:
    """The rows the pages show or change, by name."""
    yamaha = make_manufacturer(
        slug="yamaha",
        name_ja="ヤマハ株式会社",
        name_en="Yamaha Corporation",
        vulnerability_info_url="",
        support_url=YAMAHA_SUPPORT_URL,
        verified=False,
        cpe_vendors=["yamaha"],
    )
    product = make_product(
        manufacturer=yamaha,
        model_number="WLX212",
        category=ProductCategory.WIRELESS_AP,
        hardware_cpe=WLX212_HW_CPE,
        firmware_cpe=WLX212_FW_CPE,
    )
    plan = make_plan(name="年間保守（オンサイト）", price=120000)
    return {"manufacturer": yamaha, "product": product, "plan": plan}


def post_data(name, o):
    product_fields = {
        "manufacturer": o["manufacturer"].pk,
        "category": ProductCategory.WIRELESS_AP,
        "internet_connectable": "on",
        "firmware_updatable": "on",
    }
    return {
        "product_create": product_fields
        | {
            "model_number": "WLX222",
            "latest_firmware": "Rev.25.00.10",
            "hardware_cpe": "cpe:2.3:h:yamaha:wlx222:-:*:*:*:*:*:*:*",
            "jc_star_level": "1",
            "jc_star_registration_number": "JCSTAR-TEST-1",
            "jc_star_issued_on": "2025-10-01",
        },
        "product_edit": product_fields
        | {
            "model_number": "WLX212",
            "latest_firmware": "Rev.21.00.30",
            "hardware_cpe": WLX212_HW_CPE,
            "firmware_cpe": WLX212_FW_CPE,
        },
        "manufacturer_create": {
            "slug": "nec",
            "name_ja": "日本電気株式会社",
            "name_en": "NEC Corporation",
            "vulnerability_info_url": NEC_PSIRT_URL,
            "verified": "on",
        },
        "manufacturer_edit": {
            "slug": "yamaha",
            "name_ja": "ヤマハ株式会社",
            "name_en": "Yamaha Corporation",
            "support_url": YAMAHA_SUPPORT_URL,
            "notes": "RTX / WLX",
            "aliases": "ヤマハ\r\nYAMAHA\r\n",
            "cpe_vendors": "yamaha",
        },
        "manufacturer_confirm": {"vulnerability_info_url": NEC_PSIRT_URL, "source": "checked in the browser"},
        "plan_create": {
            "name": "SOC 監視サービス",
            "kind": ServicePlanKind.SOC,
            "price": "600000",
            "price_unit": "年額",
            "is_third_party": "on",
            "provider_name": "株式会社セキュア監視",
            "active": "on",
        },
        "plan_edit": {
            "name": "年間保守（オンサイト）",
            "kind": ServicePlanKind.CONTINUOUS_MAINTENANCE,
            "price": "150000",
            "active": "on",
        },
    }[name]


def check_saved(name, o, user):
    if name == "product_create":
        product = Product.objects.get(model_number="WLX222")
        # Product.clean fills the expiry with the two-year maximum (G5.1-5).
        assert (product.latest_firmware, product.jc_star_expires_on) == ("Rev.25.00.10", datetime.date(2027, 10, 1))
    elif name == "product_edit":
        o["product"].refresh_from_db()
        assert o["product"].latest_firmware == "Rev.21.00.30"
    elif name == "manufacturer_create":
        nec = Manufacturer.objects.get(slug="nec")
        assert (nec.vulnerability_info_url, nec.needs_confirmation) == (NEC_PSIRT_URL, False)
    elif name == "manufacturer_edit":
        o["manufacturer"].refresh_from_db()
        assert o["manufacturer"].notes == "RTX / WLX"
        assert (o["manufacturer"].aliases, o["manufacturer"].cpe_vendors) == (["ヤマハ", "YAMAHA"], ["yamaha"])
    elif name == "manufacturer_confirm":
        o["manufacturer"].refresh_from_db()
        assert (o["manufacturer"].vulnerability_info_url, o["manufacturer"].verified) == (NEC_PSIRT_URL, True)
        assert o["manufacturer"].source.endswith(f"{user.get_username()}: checked in the browser")
    elif name == "plan_create":
        plan = ServicePlan.objects.get(name="SOC 監視サービス")
        assert (plan.kind, plan.price, plan.provider_name) == (ServicePlanKind.SOC, 600000, "株式会社セキュア監視")
    elif name == "plan_edit":
        o["plan"].refresh_from_db()
        assert o["plan"].price == 150000
