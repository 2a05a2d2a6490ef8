import datetime
import hashlib

import pytest

from kokuchi.core.tests.factories import make_user
from kokuchi.deals.tests.factories import make_deal_line
from kokuchi.disclosures.models import DisclosureVersion, ImmutableRecordError
from kokuchi.disclosures.services import issue_disclosure
from kokuchi.disclosures.tests.conftest import normalise, pdf_text
from kokuchi.disclosures.tests.factories import ISSUED_AT, acknowledge_all, make_document_deal, make_feed_runs

pytestmark = pytest.mark.django_db


def test_s_evid_issue_freezes_pdf_hash_template_version_time_and_issuer():
    deal = make_document_deal().deal
    user = make_user()

    version = issue_disclosure(
        deal=deal,
        issued_by=user,
        issued_at=ISSUED_AT,
        acknowledged_warnings=acknowledge_all(deal, at=ISSUED_AT),
    )
    version.refresh_from_db()

    assert version.number == 1
    assert version.document_number == "KK-D2026-0001-01"
    assert version.template_version == "standard-2"
    assert version.issued_at == ISSUED_AT
    assert version.issued_by == user
    assert (version.clause_family, version.clause_option) == ("network", 3)
    assert bytes(version.pdf).startswith(b"%PDF-")
    assert version.sha256 == hashlib.sha256(bytes(version.pdf)).hexdigest()
    assert version.superseded_by is None
    text = normalise(pdf_text(bytes(version.pdf)))
    assert "KK-D2026-0001-01" in text
    assert "発行日2026年5月1日" in text
    assert "第1版" in text


def test_s_evid_issuing_again_after_a_change_supersedes_the_previous_version():
    built = make_document_deal()
    user = make_user()
    first = issue_disclosure(
        deal=built.deal,
        issued_by=user,
        issued_at=ISSUED_AT,
        acknowledged_warnings=acknowledge_all(built.deal, at=ISSUED_AT),
    )
    first_pdf, first_hash = bytes(first.pdf), first.sha256
    make_deal_line(deal=built.deal, product=built.rtx, quantity=3, unit_price=98000, position=4)
    later = ISSUED_AT + datetime.timedelta(days=2)
    make_feed_runs(finished_at=later - datetime.timedelta(hours=1))

    second = issue_disclosure(
        deal=built.deal,
        issued_by=user,
        issued_at=later,
        acknowledged_warnings=acknowledge_all(built.deal, at=later),
    )
    first.refresh_from_db()

    assert second.number == 2
    assert second.document_number == "KK-D2026-0001-02"
    assert first.superseded_by == second
    assert first.superseded_at == later
    assert bytes(first.pdf) == first_pdf
    assert first.sha256 == first_hash
    assert second.sha256 != first_hash
    assert list(DisclosureVersion.objects.current()) == [second]


def test_s_evid_issued_version_refuses_save_delete_and_updates():
    deal = make_document_deal().deal
    version = issue_disclosure(
        deal=deal, issued_by=make_user(), issued_at=ISSUED_AT, acknowledged_warnings=acknowledge_all(deal)
    )
    stored_hash = version.sha256

    version.sha256 = "0" * 64
    with pytest.raises(ImmutableRecordError):
        version.save()
    with pytest.raises(ImmutableRecordError):
        version.delete()
    with pytest.raises(ImmutableRecordError):
        DisclosureVersion.objects.all().delete()
    with pytest.raises(ImmutableRecordError):
        DisclosureVersion.objects.filter(pk=version.pk).update(pdf=b"changed")

    assert DisclosureVersion.objects.get(pk=version.pk).sha256 == stored_hash
    assert bytes(DisclosureVersion.objects.get(pk=version.pk).pdf).startswith(b"%PDF-")


def test_issued_versions_are_listed_newest_first():
    from kokuchi.disclosures.selectors import issued_versions

    deal = make_document_deal(devices=1).deal
    user = make_user()
    assert list(issued_versions(deal=deal)) == []
    first = issue_disclosure(
        deal=deal,
        issued_by=user,
        issued_at=ISSUED_AT,
        acknowledged_warnings=acknowledge_all(deal, at=ISSUED_AT),
    )
    later = ISSUED_AT + datetime.timedelta(hours=1)
    second = issue_disclosure(
        deal=deal, issued_by=user, issued_at=later, acknowledged_warnings=acknowledge_all(deal, at=later)
    )

    assert list(issued_versions(deal=deal)) == [second, first]
