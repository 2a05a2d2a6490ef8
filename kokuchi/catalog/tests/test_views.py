"""Staff UI of the catalogue: products (G4, G5.1-5), manufacturers (要確認, G5.2-3), plans (G5.1-6)."""

import datetime

import pytest
from django.urls import reverse

from kokuchi.catalog.models import Manufacturer, Product, ProductCategory, ServicePlan, ServicePlanKind
from kokuchi.catalog.services import confirm_manufacturer
from kokuchi.catalog.tests.factories import make_manufacturer, make_plan, make_product
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.core.tests.helpers import (
    assert_change_accepted,
    assert_refused_and_unchanged,
    assert_sent_to_login,
)

pytestmark = pytest.mark.django_db

# Real identifiers from data/manufacturers.yaml and the NVD/JVN feed samples.
YAMAHA_SUPPORT_URL = "http://www.rtpro.yamaha.co.jp/RT/firmware/info.html"
NEC_PSIRT_URL = "https://jpn.nec.com/security-info/index.html"
WLX212_HW_CPE = "cpe:2.3:h:yamaha:wlx212:-:*:*:*:*:*:*:*"
WLX212_FW_CPE = "cpe:2.3:o:yamaha:wlx212_firmware:*:*:*:*:*:*:*:*"


@pytest.fixture
def objs():
    yamaha = make_manufacturer(
        slug="yamaha",
        name_ja="ヤマハ株式会社",
        name_en="Yamaha Corporation",
        vulnerability_info_url="",
        support_url=YAMAHA_SUPPORT_URL,
        verified=False,
        cpe_vendor="yamaha",
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


READ_PAGES = {
    "product_list": lambda o: reverse("catalog:product_list"),
    "product_detail": lambda o: reverse("catalog:product_detail", args=[o["product"].pk]),
    "manufacturer_list": lambda o: reverse("catalog:manufacturer_list"),
    "manufacturer_detail": lambda o: reverse("catalog:manufacturer_detail", args=[o["manufacturer"].pk]),
    "plan_list": lambda o: reverse("catalog:plan_list"),
    "plan_detail": lambda o: reverse("catalog:plan_detail", args=[o["plan"].pk]),
}
EDITOR_PAGES = {
    "product_create": lambda o: reverse("catalog:product_create"),
    "product_edit": lambda o: reverse("catalog:product_edit", args=[o["product"].pk]),
}
ADMIN_PAGES = {
    "manufacturer_create": lambda o: reverse("catalog:manufacturer_create"),
    "manufacturer_edit": lambda o: reverse("catalog:manufacturer_edit", args=[o["manufacturer"].pk]),
    "manufacturer_confirm": lambda o: reverse("catalog:manufacturer_confirm", args=[o["manufacturer"].pk]),
    "plan_create": lambda o: reverse("catalog:plan_create"),
    "plan_edit": lambda o: reverse("catalog:plan_edit", args=[o["plan"].pk]),
}
FORM_PAGES = EDITOR_PAGES | ADMIN_PAGES
ALL_PAGES = READ_PAGES | FORM_PAGES


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


@pytest.mark.parametrize("name", sorted(ALL_PAGES))
def test_anonymous_is_sent_to_login(client, objs, name):
    assert_sent_to_login(client, ALL_PAGES[name](objs))


@pytest.mark.parametrize("name", sorted(ALL_PAGES))
def test_user_without_role_gets_403(client, objs, name):
    client.force_login(make_user(role=None))
    assert client.get(ALL_PAGES[name](objs)).status_code == 403


@pytest.mark.parametrize("role", [Role.VIEWER, Role.SALES, Role.ADMIN])
@pytest.mark.parametrize("name", sorted(READ_PAGES))
def test_every_role_can_read(client, objs, name, role):
    client.force_login(make_user(role))
    assert client.get(READ_PAGES[name](objs)).status_code == 200


@pytest.mark.parametrize("name", sorted(FORM_PAGES))
def test_viewer_cannot_change_anything(client, objs, name):
    client.force_login(make_user(Role.VIEWER))
    assert_refused_and_unchanged(client, FORM_PAGES[name](objs), post_data(name, objs))


@pytest.mark.parametrize("name", sorted(ADMIN_PAGES))
def test_sales_cannot_change_admin_master_data(client, objs, name):
    client.force_login(make_user(Role.SALES))
    assert_refused_and_unchanged(client, ADMIN_PAGES[name](objs), post_data(name, objs))


@pytest.mark.parametrize(
    ("name", "role"),
    [(name, role) for name in sorted(EDITOR_PAGES) for role in (Role.SALES, Role.ADMIN)]
    + [(name, Role.ADMIN) for name in sorted(ADMIN_PAGES)],
)
def test_allowed_roles_can_change(client, objs, name, role):
    user = make_user(role)
    client.force_login(user)
    assert_change_accepted(client, FORM_PAGES[name](objs), post_data(name, objs))
    check_saved(name, objs, user)


def test_viewer_and_sales_see_no_admin_buttons(client, objs):
    confirm_url = reverse("catalog:manufacturer_confirm", args=[objs["manufacturer"].pk])
    detail_url = reverse("catalog:manufacturer_detail", args=[objs["manufacturer"].pk])
    for role in (Role.VIEWER, Role.SALES):
        client.force_login(make_user(role))
        assert confirm_url not in client.get(detail_url).content.decode()
    client.force_login(make_user(Role.ADMIN))
    assert confirm_url in client.get(detail_url).content.decode()


def test_invalid_cpe_is_refused_next_to_the_field(client, objs):
    client.force_login(make_user(Role.SALES))
    data = post_data("product_create", objs) | {"hardware_cpe": "cpe:/h:yamaha:wlx222"}
    response = client.post(reverse("catalog:product_create"), data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["hardware_cpe"]
    assert not Product.objects.filter(model_number="WLX222").exists()


def test_g5_1_5_jc_star_expiry_beyond_two_years_refused(client, objs):
    client.force_login(make_user(Role.SALES))
    data = post_data("product_create", objs) | {"jc_star_expires_on": "2027-10-02"}
    response = client.post(reverse("catalog:product_create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["jc_star_expires_on"] == [
        "JC-STAR ラベルの有効期間は付与日から最長 2 年です（2027-10-01 まで）。"
    ]
    assert not Product.objects.filter(model_number="WLX222").exists()


def test_g5_1_5_product_detail_shows_label_validity(client, objs, settings):
    product = objs["product"]
    product.jc_star_level, product.jc_star_registration_number = 1, "JCSTAR-TEST-2"
    product.jc_star_issued_on, product.jc_star_expires_on = datetime.date(2020, 1, 1), datetime.date(2021, 12, 31)
    product.save()
    client.force_login(make_user(Role.VIEWER))
    response = client.get(reverse("catalog:product_detail", args=[product.pk]))
    assert response.context["jc_star_valid"] is False
    assert "2020年1月1日〜2021年12月31日" in response.content.decode()


def test_g5_2_3_unconfirmed_manufacturer_marked(client, objs):
    make_manufacturer(name_ja="日本電気株式会社", vulnerability_info_url=NEC_PSIRT_URL, verified=True)
    client.force_login(make_user(Role.VIEWER))
    response = client.get(reverse("catalog:manufacturer_list"), {"needs_confirmation": "true"})
    assert [m.slug for m in response.context["object_list"]] == ["yamaha"]
    assert "要確認" in response.content.decode()


def test_confirm_manufacturer_service_sets_url_and_note(objs):
    admin = make_user(Role.ADMIN, username="kanri")
    manufacturer = confirm_manufacturer(
        manufacturer=objs["manufacturer"], vulnerability_info_url=NEC_PSIRT_URL, user=admin, source=""
    )
    manufacturer.refresh_from_db()
    assert manufacturer.needs_confirmation is False
    assert manufacturer.source.splitlines()[-1].endswith(" kanri")


def test_product_list_search_and_filters(client, objs):
    fortinet = make_manufacturer(name_ja="フォーティネット", name_en="Fortinet, Inc.")
    fortigate = make_product(manufacturer=fortinet, model_number="FG-60F", category=ProductCategory.FIREWALL)
    pc = make_product(
        manufacturer=fortinet, model_number="PC-1", category=ProductCategory.PC, internet_connectable=False
    )
    client.force_login(make_user(Role.VIEWER))
    url = reverse("catalog:product_list")

    def models_for(**params):
        return [p.model_number for p in client.get(url, params).context["object_list"]]

    assert models_for(q="fortinet 60F") == ["FG-60F"]
    assert models_for(q="wlx") == ["WLX212"]
    assert models_for(manufacturer=fortinet.pk) == ["FG-60F", "PC-1"]
    assert models_for(category=ProductCategory.FIREWALL) == ["FG-60F"]
    assert models_for(in_scope="false") == ["PC-1"]
    assert models_for(in_scope="true", manufacturer=fortinet.pk) == [fortigate.model_number]
    assert pc.in_scope is False


def test_product_list_pagination(client, objs):
    maker = make_manufacturer(name_ja="あ社")
    for n in range(26):
        make_product(manufacturer=maker, model_number=f"M{n:02d}")
    client.force_login(make_user(Role.VIEWER))
    response = client.get(reverse("catalog:product_list"), {"page": 2})
    # 27 products: "あ社" sorts before "ヤマハ", so page 2 holds M25 and WLX212.
    assert [p.model_number for p in response.context["object_list"]] == ["M25", "WLX212"]
