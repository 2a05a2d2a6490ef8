"""Staff UI of the catalogue: products (G4, G5.1-5), manufacturers (要確認, G5.2-3), plans (G5.1-6)."""

import datetime

import pytest
from django.urls import reverse

from kokuchi.catalog.models import Manufacturer, Product, ProductCategory
from kokuchi.catalog.services import confirm_manufacturer
from kokuchi.catalog.tests.factories import make_manufacturer, make_product
from kokuchi.catalog.tests.staff_pages import NEC_PSIRT_URL, make_objects, post_data
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def objs():
    return make_objects()


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


def test_manufacturer_form_edits_aliases_and_cpe_vendors_one_a_line(client, objs):
    client.force_login(make_user(Role.ADMIN))
    url = reverse("catalog:manufacturer_edit", args=[objs["manufacturer"].pk])
    assert response_field(client.get(url), "cpe_vendors") == "yamaha"
    data = post_data("manufacturer_edit", objs) | {
        "aliases": "ヤマハ\r\n\r\nﾔﾏﾊ\r\nヤマハ\r\n",
        "cpe_vendors": "yamaha",
    }
    assert client.post(url, data).status_code == 302
    objs["manufacturer"].refresh_from_db()
    assert (objs["manufacturer"].aliases, objs["manufacturer"].cpe_vendors) == (["ヤマハ", "ﾔﾏﾊ"], ["yamaha"])
    detail = client.get(objs["manufacturer"].get_absolute_url()).content.decode()
    assert "ヤマハ、ﾔﾏﾊ" in detail and "<code>yamaha</code>" in detail


def test_manufacturer_form_refuses_a_malformed_cpe_vendor_next_to_the_field(client, objs):
    client.force_login(make_user(Role.ADMIN))
    url = reverse("catalog:manufacturer_edit", args=[objs["manufacturer"].pk])
    response = client.post(url, post_data("manufacturer_edit", objs) | {"cpe_vendors": "Yamaha Corp"})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["cpe_vendors"]
    objs["manufacturer"].refresh_from_db()
    assert objs["manufacturer"].cpe_vendors == ["yamaha"]


def test_manufacturer_list_search_finds_a_maker_by_a_japanese_alias(client, objs):
    make_manufacturer(slug="nec", name_ja="NEC", name_en="NEC Corporation", aliases=["日本電気"])
    Manufacturer.objects.filter(slug="yamaha").update(name_ja="YAMAHA", aliases=["ヤマハ"])
    client.force_login(make_user(Role.VIEWER))

    def slugs_for(q):
        response = client.get(reverse("catalog:manufacturer_list"), {"q": q})
        return sorted(m.slug for m in response.context["object_list"])

    assert slugs_for("ヤマハ") == ["yamaha"]
    assert slugs_for("日本電気") == ["nec"]
    assert slugs_for("電気") == ["nec"]
    assert slugs_for("ＹＡＭＡＨＡ") == ["yamaha"]
    assert slugs_for("東芝") == []


def response_field(response, name):
    return response.context["form"][name].value()
