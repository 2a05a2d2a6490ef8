import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from kokuchi.core.tests.factories import make_user
from kokuchi.disclosures.models import ClauseOverride, DisclosureVersion, DocumentTemplate
from kokuchi.disclosures.services import active_template_source
from kokuchi.disclosures.tests.factories import acknowledge_all, make_document_deal

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal():
    return make_document_deal(devices=1, feeds_synced_at=timezone.now() - datetime.timedelta(hours=1)).deal


def test_anonymous_is_sent_to_login(client, deal):
    response = client.get(reverse("disclosures:preview", args=[deal.pk]))

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_viewer_reads_preview_and_page_but_cannot_issue(client, deal):
    client.force_login(make_user("viewer"))

    page = client.get(reverse("disclosures:deal_disclosure", args=[deal.pk]))
    preview = client.get(reverse("disclosures:preview", args=[deal.pk]))
    issue = client.post(reverse("disclosures:issue", args=[deal.pk]))

    assert page.status_code == 200
    assert preview.status_code == 200
    assert 'data-req="G5.2-3"' in preview.content.decode()
    assert "プレビュー（未発行）" in preview.content.decode()
    assert issue.status_code == 403
    assert DisclosureVersion.objects.count() == 0


def test_sales_issues_a_version_and_downloads_the_frozen_pdf(client, deal):
    user = make_user("sales")
    client.force_login(user)

    reasons = {f"reason:{key}": reason for key, reason in acknowledge_all(deal, at=timezone.now()).items()}
    response = client.post(reverse("disclosures:issue", args=[deal.pk]), {"confirm": "1"} | reasons)
    version = DisclosureVersion.objects.get()
    pdf = client.get(reverse("disclosures:version_pdf", args=[version.pk]))

    assert response.status_code == 302
    assert response.url == reverse("disclosures:deal_disclosure", args=[deal.pk])
    assert version.issued_by == user
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content == bytes(version.pdf)


@pytest.mark.parametrize(
    ("fmt", "content_type", "magic"),
    [
        ("html", "text/html; charset=utf-8", b"<!doctype html>"),
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK"),
    ],
)
def test_draft_downloads(client, deal, fmt, content_type, magic):
    client.force_login(make_user("viewer"))

    response = client.get(reverse("disclosures:download", args=[deal.pk, fmt]))

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="disclosure-{deal.number}.{fmt}"'
    assert response.content.lstrip().startswith(magic)


def test_unknown_format_is_404(client, deal):
    client.force_login(make_user("viewer"))

    assert client.get(reverse("disclosures:download", args=[deal.pk, "exe"])).status_code == 404


def test_clause_page_shows_text_ready_to_copy_and_viewer_cannot_override(client, deal):
    client.force_login(make_user("viewer"))

    page = client.get(reverse("disclosures:clause", args=[deal.pk]))
    post = client.post(
        reverse("disclosures:clause", args=[deal.pk]), {"family": "common", "option": "1", "reason": "x"}
    )

    assert page.status_code == 200
    assert "・株式会社テスト販売が販売させて頂く、「情報システム関連製品」が該当しますが" in page.content.decode()
    assert "<textarea" in page.content.decode()
    assert post.status_code == 403
    assert ClauseOverride.objects.count() == 0


def test_sales_overrides_the_clause_with_a_reason(client, deal):
    client.force_login(make_user("sales"))

    response = client.post(
        reverse("disclosures:clause", args=[deal.pk]),
        {"action": "override", "family": "common", "option": "2", "reason": "顧客要望"},
    )
    missing_reason = client.post(
        reverse("disclosures:clause", args=[deal.pk]),
        {"action": "override", "family": "common", "option": "1", "reason": ""},
    )

    assert response.status_code == 302
    override = ClauseOverride.objects.get()
    assert (override.family, override.option, override.reason) == ("common", 2, "顧客要望")
    assert missing_reason.status_code == 200
    assert ClauseOverride.objects.get().option == 2


def test_template_admin_is_admin_only(client):
    client.force_login(make_user("sales"))

    assert client.get(reverse("disclosures:template_list")).status_code == 403
    assert client.get(reverse("disclosures:template_edit", args=["disclosure"])).status_code == 403


def test_admin_template_edit_refuses_missing_ids_with_their_names(client):
    client.force_login(make_user("admin"))
    body = active_template_source(kind="disclosure").replace('data-req="G5.3"', "")

    response = client.post(reverse("disclosures:template_edit", args=["disclosure"]), {"body": body, "note": ""})

    assert response.status_code == 200
    assert "G5.3" in response.context["form"].errors["body"][0]
    assert DocumentTemplate.objects.count() == 0


def test_admin_saves_a_template_version(client):
    client.force_login(make_user("admin"))
    body = active_template_source(kind="quote").replace("御見積書</h1>", "お見積書</h1>")

    response = client.post(reverse("disclosures:template_edit", args=["quote"]), {"body": body, "note": "題名"})

    assert response.status_code == 302
    assert DocumentTemplate.objects.get().version == 1


def test_quote_downloads(client, deal):
    client.force_login(make_user("viewer"))

    xlsx = client.get(reverse("disclosures:quote_download", args=[deal.pk, "xlsx"]))
    preview = client.get(reverse("disclosures:quote_preview", args=[deal.pk]))

    assert xlsx["Content-Disposition"] == f'attachment; filename="quote-{deal.number}.xlsx"'
    assert xlsx.content.startswith(b"PK")
    assert "御見積書" in preview.content.decode()


def test_clause_box_tag_renders_the_deal_clause_for_the_deal_page(deal):
    from django.template import Context, Template

    html = Template("{% load disclosure_tags %}{% clause_box deal %}").render(Context({"deal": deal}))

    assert 'data-req="G6"' in html
    assert f'id="clause-text-{deal.pk}"' in html
    assert "弊社保守メニューをご希望の場合は" in html
    assert reverse("disclosures:clause", args=[deal.pk]) in html


def test_admin_sees_template_list_and_editor_prefilled_with_the_packaged_source(client):
    client.force_login(make_user("admin"))

    listing = client.get(reverse("disclosures:template_list"))
    editor = client.get(reverse("disclosures:template_edit", args=["disclosure"]))

    assert listing.status_code == 200
    assert "standard-2" in listing.content.decode()
    assert editor.status_code == 200
    assert editor.context["form"].initial["body"] == active_template_source(kind="disclosure")
    assert "G5.2-1a" in editor.content.decode()


def test_sales_page_lists_issued_versions_with_hash(client, deal):
    from kokuchi.disclosures.services import issue_disclosure

    user = make_user("sales")
    version = issue_disclosure(
        deal=deal, issued_by=user, acknowledged_warnings=acknowledge_all(deal, at=timezone.now())
    )
    client.force_login(user)

    page = client.get(reverse("disclosures:deal_disclosure", args=[deal.pk]))

    assert page.status_code == 200
    assert version.sha256 in page.content.decode()
    assert version.document_number in page.content.decode()
    assert reverse("disclosures:issue", args=[deal.pk]) in page.content.decode()
