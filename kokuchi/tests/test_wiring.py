"""The apps are wired together: feed imports trigger matching, firmware updates resolve exposures."""

import datetime

import pytest

from kokuchi.catalog.tests.factories import make_manufacturer, make_product
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.devices.services import record_firmware_update
from kokuchi.devices.tests.factories import make_contract, make_device
from kokuchi.exposures.models import Exposure
from kokuchi.vulnerabilities.feeds.importer import import_feed_files
from kokuchi.vulnerabilities.tests.feedsamples import sample

pytestmark = pytest.mark.django_db(transaction=True)

SAMPLE = sample("nvd/cve-records/CVE-2024-21762.json")


def _fortigate_device():
    fortinet = make_manufacturer(slug="fortinet-test", name_en="Fortinet", cpe_vendors=["fortinet"])
    product = make_product(
        manufacturer=fortinet, model_number="FG-60F", firmware_cpe="cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*"
    )
    device = make_device(product=product, firmware_at_sale="7.0.12", delivered_on=datetime.date(2025, 4, 1))
    make_contract(
        devices=[device],
        customer=device.customer,
        start_date=datetime.date(2025, 4, 1),
        end_date=datetime.date(2099, 3, 31),
    )
    return device


def test_s_vuln_feed_import_matches_the_installed_base_and_a_firmware_update_resolves_it():
    device = _fortigate_device()

    import_feed_files(source="nvd", paths=[SAMPLE])

    exposure = Exposure.objects.get(device=device)
    assert (exposure.vulnerability.vuln_id, exposure.status) == ("CVE-2024-21762", "open")
    assert "7.0.12" in exposure.explanation

    record_firmware_update(
        device=device, version="7.0.14", changed_on=datetime.date(2025, 5, 1), user=make_user(Role.SALES)
    )

    exposure.refresh_from_db()
    assert exposure.status == "resolved_by_update"
    device.refresh_from_db()
    assert device.firmware_at_sale == "7.0.12"  # G5.1-3: the version at sale stays


def test_s_vuln_notices_are_visible_on_the_customers_link_page(client, settings):
    from kokuchi.acknowledgements.services import create_customer_link
    from kokuchi.disclosures.services import issue_disclosure
    from kokuchi.exposures.models import Notice

    # A site that synchronises NVD only: the disclosure states NVD as its one source (S-RISK).
    settings.DISCLOSURE_FEED_SOURCES = ("nvd",)
    device = _fortigate_device()
    import_feed_files(source="nvd", paths=[SAMPLE])
    notice = Notice.objects.get(customer=device.customer)
    staff = make_user(Role.SALES)
    from kokuchi.deals.tests.factories import make_deal, make_deal_line

    deal = make_deal(customer=device.customer)
    make_deal_line(deal=deal, product=device.product)
    version = issue_disclosure(deal=deal, issued_by=staff)
    from kokuchi.evidence.models import Channel
    from kokuchi.evidence.services import Origin

    new_link = create_customer_link(version=version, created_by=staff, origin=Origin(channel=Channel.STAFF_UI))

    content = client.get(new_link.url.removeprefix(settings.SITE_URL)).content.decode()

    assert "脆弱性のお知らせ" in content
    assert notice.subject in content


def test_product_page_links_to_the_cpe_suggestions(client):
    from django.urls import reverse

    product = make_product()
    client.force_login(make_user(Role.VIEWER))

    content = client.get(product.get_absolute_url()).content.decode()

    assert reverse("exposures:product_cpe", args=[product.pk]) in content
    assert "CPE 候補" in content
