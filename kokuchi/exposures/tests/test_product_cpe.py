"""CPE suggestion page of a product: suggestions from the feeds' vocabulary,
Japanese vendor names, confirmation by admin and sales only."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kokuchi.catalog.tests.factories import make_manufacturer, make_product
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.customers.tests.factories import make_customer
from kokuchi.devices.tests.factories import make_device
from kokuchi.exposures.models import Exposure, MatchRun, MatchRunKind
from kokuchi.exposures.product_cpe import confirm_product_cpe
from kokuchi.exposures.selectors import product_cpe_suggestions
from kokuchi.vulnerabilities.tests.realdata import make_aterm_jvn, make_nvd_vulnerability

pytestmark = pytest.mark.django_db


@pytest.fixture
def vocabulary():
    """VulnerabilityCpe rows from real records: Yamaha WLX (NVD), Buffalo (NVD), NEC Aterm (JVN)."""
    make_nvd_vulnerability("CVE-2024-22366")
    make_nvd_vulnerability("CVE-2021-20090")
    make_aterm_jvn()


@pytest.fixture
def wlx212(packaged_manufacturers):
    """A maker staff typed in by another name than the packaged entry's; its alias there
    (ヤマハ) leads to the yamaha CPE vendor."""
    yamaha = make_manufacturer(slug="yamaha-corp", name_ja="ヤマハ株式会社", name_en="")
    return make_product(manufacturer=yamaha, model_number="WLX212", hardware_cpe="", firmware_cpe="")


def _rows(suggestions):
    return [(s.cpe23, s.score, s.vulnerability_count) for s in suggestions]


def test_suggestions_split_into_hardware_and_firmware_with_counts(vocabulary, wlx212):
    suggestions = product_cpe_suggestions(wlx212, limit=2)

    assert _rows(suggestions.firmware) == [
        ("cpe:2.3:o:yamaha:wlx212_firmware:*:*:*:*:*:*:*:*", 100.0, 1),
        ("cpe:2.3:o:yamaha:wlx222_firmware:*:*:*:*:*:*:*:*", 85.9, 1),
    ]
    assert _rows(suggestions.hardware) == [
        ("cpe:2.3:h:yamaha:wlx212:-:*:*:*:*:*:*:*", 100.0, 1),
        ("cpe:2.3:h:yamaha:wlx222:-:*:*:*:*:*:*:*", 85.9, 1),
    ]


def test_japanese_company_name_nihon_denki_finds_nec(vocabulary, packaged_manufacturers):
    nec = make_manufacturer(slug="nec-platforms", name_ja="日本電気株式会社", name_en="")
    product = make_product(manufacturer=nec, model_number="Aterm WG2600HS", hardware_cpe="", firmware_cpe="")

    suggestions = product_cpe_suggestions(product, limit=2)

    assert _rows(suggestions.firmware) == [
        ("cpe:2.3:o:nec:aterm_wg2600hs_firmware:*:*:*:*:*:*:*:*", 100.0, 1),
        ("cpe:2.3:o:nec:aterm_wg2600hs2_firmware:*:*:*:*:*:*:*:*", 96.6, 1),
    ]
    assert suggestions.hardware == []


def test_page_lists_suggestions_for_any_staff_role(client, vocabulary, wlx212):
    client.force_login(make_user(Role.VIEWER))
    response = client.get(reverse("exposures:product_cpe", args=[wlx212.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "cpe:2.3:o:yamaha:wlx212_firmware:*:*:*:*:*:*:*:*" in html
    assert "cpe:2.3:h:yamaha:wlx212:-:*:*:*:*:*:*:*" in html
    assert 'name="product_name"' not in html  # a viewer gets no confirm form
    assert "CPE 候補" in html and "ファームウェア／OS の CPE" in html  # Japanese catalogue


def test_anonymous_is_sent_to_login_and_roleless_refused(client, wlx212):
    url = f"/exposures/products/{wlx212.pk}/cpe/"
    response = client.get(url)
    assert (response.status_code, response.url) == (302, f"/accounts/login/?next={url}")
    response = client.post(url, {"kind": "hardware", "vendor": "yamaha", "product_name": "wlx212"})
    assert (response.status_code, response.url) == (302, f"/accounts/login/?next={url}")
    client.force_login(make_user(role=None))
    assert client.get(url).status_code == 403
    wlx212.refresh_from_db()
    assert wlx212.hardware_cpe == ""


def test_sales_confirms_firmware_and_hardware_cpe(client, vocabulary, wlx212):
    client.force_login(make_user(Role.SALES))
    url = reverse("exposures:product_cpe", args=[wlx212.pk])
    assert client.get(url).content.decode().count('name="product_name"') == 6
    assert (
        client.post(url, {"kind": "firmware", "vendor": "yamaha", "product_name": "wlx212_firmware"}).status_code == 302
    )
    assert client.post(url, {"kind": "hardware", "vendor": "yamaha", "product_name": "wlx212"}).status_code == 302
    wlx212.refresh_from_db()
    assert (wlx212.firmware_cpe, wlx212.hardware_cpe) == (
        "cpe:2.3:o:yamaha:wlx212_firmware:*:*:*:*:*:*:*:*",
        "cpe:2.3:h:yamaha:wlx212:-:*:*:*:*:*:*:*",
    )


def test_viewer_cannot_confirm_and_nothing_changes(client, vocabulary, wlx212):
    client.force_login(make_user(Role.VIEWER))
    response = client.post(
        f"/exposures/products/{wlx212.pk}/cpe/",
        {"kind": "firmware", "vendor": "yamaha", "product_name": "wlx212_firmware"},
    )
    assert response.status_code == 403
    wlx212.refresh_from_db()
    assert (wlx212.firmware_cpe, wlx212.hardware_cpe) == ("", "")


def test_confirm_refuses_a_name_the_feeds_do_not_use(vocabulary, wlx212):
    with pytest.raises(ValidationError) as error:
        confirm_product_cpe(
            product=wlx212, kind="firmware", vendor="yamaha", product_name="wlx212", user=make_user(Role.ADMIN)
        )  # wlx212 is the hardware (part h), not firmware
    assert error.value.message_dict == {"product_name": ["o:yamaha:wlx212 is not named by any imported vulnerability."]}
    with pytest.raises(ValidationError) as error:
        confirm_product_cpe(
            product=wlx212, kind="os", vendor="yamaha", product_name="wlx212", user=make_user(Role.ADMIN)
        )
    assert error.value.message_dict == {"kind": ["Unknown CPE kind 'os' (hardware or firmware)."]}
    wlx212.refresh_from_db()
    assert (wlx212.firmware_cpe, wlx212.hardware_cpe) == ("", "")


def test_confirm_rematches_the_products_devices(vocabulary, wlx212):
    # CVE-2024-22366 needs wlx212_firmware < 21.00.13 AND the wlx212 hardware (firmware-AND-hardware).
    device = make_device(
        product=wlx212, customer=make_customer(), serial_number="WLX-1", firmware_at_sale="Rev.21.00.12"
    )
    admin = make_user(Role.ADMIN)

    hardware = confirm_product_cpe(product=wlx212, kind="hardware", vendor="yamaha", product_name="wlx212", user=admin)
    assert Exposure.objects.filter(device=device).count() == 0
    firmware = confirm_product_cpe(
        product=wlx212, kind="firmware", vendor="yamaha", product_name="wlx212_firmware", user=admin
    )

    assert (hardware.field, firmware.field, firmware.cpe23) == (
        "hardware_cpe",
        "firmware_cpe",
        "cpe:2.3:o:yamaha:wlx212_firmware:*:*:*:*:*:*:*:*",
    )
    assert list(MatchRun.objects.values_list("kind", "succeeded")) == [(MatchRunKind.DEVICES, True)] * 2
    assert list(Exposure.objects.filter(device=device).values_list("vulnerability__vuln_id", flat=True)) == [
        "CVE-2024-22366"
    ]
