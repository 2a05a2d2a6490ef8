import subprocess
import sys
import zipfile
from io import StringIO

import pytest
from django.core.management import call_command

from kokuchi.acknowledgements.models import Acknowledgement, CustomerLink
from kokuchi.acknowledgements.selectors import deal_ack_status
from kokuchi.acknowledgements.tests.factories import make_sale
from kokuchi.deals.models import Deal, DealStatus
from kokuchi.demo.documents import load_demo_acknowledgements
from kokuchi.disclosures.models import DisclosureVersion
from kokuchi.evidence.models import EvidenceEvent
from kokuchi.evidence.verification import verify_evidence

pytestmark = pytest.mark.django_db


def test_s_evid_demo_covers_every_channel_and_state_and_is_idempotent():
    deals = [make_sale() for _ in range(6)]
    Deal.objects.filter(pk=deals[5].pk).update(status=DealStatus.ORDERED)  # not delivered: no demo disclosure

    result = load_demo_acknowledgements()
    again = load_demo_acknowledgements()

    assert result.scenarios == {
        deals[0].number: "customer_link",
        deals[1].number: "in_person",
        deals[2].number: "paper",
        deals[3].number: "awaiting",
        deals[4].number: "superseded",
    }
    assert again.scenarios == {}
    assert sorted(Acknowledgement.objects.values_list("method", flat=True)) == [
        "customer_link",
        "in_person",
        "in_person",
        "paper",
    ]
    assert DisclosureVersion.objects.count() == 6  # five deals, one of them re-issued
    statuses = {deal.number: deal_ack_status(deal) for deal in deals[:5]}
    assert statuses[deals[3].number].awaiting_acknowledgement is True
    assert CustomerLink.objects.filter(version=statuses[deals[3].number].current).count() == 1
    assert statuses[deals[4].number].needs_reacknowledgement is True
    assert statuses[deals[0].number].acknowledgement.link is not None
    assert statuses[deals[2].number].acknowledgement.scan_content_type == "application/pdf"
    assert not DisclosureVersion.objects.filter(disclosure__deal=deals[5]).exists()
    assert EvidenceEvent.objects.filter(event_type="superseded").count() == 1
    assert verify_evidence().ok


def test_s_evid_demo_without_delivered_deals_does_nothing():
    assert load_demo_acknowledgements().scenarios == {}


def test_s_evid_demo_bundles_verify_with_the_standalone_script(tmp_path):
    deals = [make_sale() for _ in range(5)]
    load_demo_acknowledgements()

    results = {}
    for deal in deals:
        bundle = tmp_path / f"{deal.number}.zip"
        call_command("evidence", "export", deal.number, "--output", str(bundle), stdout=StringIO())
        with zipfile.ZipFile(bundle) as archive:
            archive.extractall(tmp_path / deal.number)
        script = tmp_path / deal.number / "verify_bundle.py"
        # -I -S: the standard library only, as a third party without Kokuchi runs it.
        run = subprocess.run([sys.executable, "-I", "-S", str(script), str(bundle)], capture_output=True, text=True)
        results[deal.number] = (run.returncode, run.stdout.splitlines()[-1])

    assert results == {
        deal.number: (0, "検証成功 / OK: the bundle is intact and consistent with its signed checkpoint")
        for deal in deals
    }
    assert verify_evidence().problems == []
