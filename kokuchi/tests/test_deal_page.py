"""The deal page brings together the chapter-6 clause, the disclosure and its acknowledgement."""

import pytest
from django.urls import reverse

from kokuchi.catalog.models import ProductCategory
from kokuchi.catalog.tests.factories import make_product
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_reseller, make_user
from kokuchi.deals.tests.factories import make_deal, make_deal_line

pytestmark = pytest.mark.django_db


def test_g6_deal_page_shows_the_clause_with_the_reseller_name_ready_to_copy(client):
    make_reseller(company_name="株式会社ページ販売", offers_maintenance_menu=False)
    deal = make_deal()
    make_deal_line(deal=deal, product=make_product(category=ProductCategory.ROUTER))
    client.force_login(make_user(Role.VIEWER))

    content = client.get(reverse("deals:deal_detail", args=[deal.pk])).content.decode()

    assert "株式会社ページ販売が販売させて頂く" in content
    assert "【ネットワーク機器に特化したもの】" in content
    assert "弊社サポートセンターまでお問い合わせください" in content  # variant ② (support desk)
    assert reverse("disclosures:deal_disclosure", args=[deal.pk]) in content
    assert "××" not in content


def test_s_evid_demo_command_issues_and_acknowledges_through_every_channel_idempotently():
    from django.core.management import call_command

    from kokuchi.acknowledgements.models import Acknowledgement
    from kokuchi.disclosures.models import DisclosureVersion
    from kokuchi.evidence.models import EvidenceEvent

    call_command("demo", "--force", verbosity=0)
    counts = (DisclosureVersion.objects.count(), Acknowledgement.objects.count(), EvidenceEvent.objects.count())
    call_command("demo", "--force", verbosity=0)

    assert (DisclosureVersion.objects.count(), Acknowledgement.objects.count(), EvidenceEvent.objects.count()) == counts
    assert sorted(Acknowledgement.objects.values_list("method", flat=True)) == sorted(
        ["customer_link", "in_person", "paper", "in_person"]
    )
    assert DisclosureVersion.objects.filter(superseded_by__isnull=False).count() == 1
