import pytest
from django.core.exceptions import ValidationError

from kokuchi.core.tests.factories import make_user
from kokuchi.disclosures.models import DocumentTemplate, ImmutableRecordError
from kokuchi.disclosures.services import (
    active_template_source,
    issue_disclosure,
    render_disclosure_preview,
    save_template_version,
)
from kokuchi.disclosures.tests.factories import ISSUED_AT, acknowledge_all, make_document_deal

pytestmark = pytest.mark.django_db


def test_template_missing_required_ids_is_refused_naming_them():
    body = active_template_source(kind="disclosure")
    body = body.replace('data-req="G5.2-1c"', "").replace('data-req="S-RISK"', "")

    with pytest.raises(ValidationError) as error:
        save_template_version(kind="disclosure", body=body, note="", user=make_user())

    assert error.value.message_dict["body"] == ["必須の要件IDがテンプレートにありません: G5.2-1c, S-RISK"]
    assert DocumentTemplate.objects.count() == 0


def test_quote_template_without_g6_is_refused():
    with pytest.raises(ValidationError) as error:
        save_template_version(kind="quote", body="<html><body>見積</body></html>", note="", user=make_user())

    assert error.value.message_dict["body"] == ["必須の要件IDがテンプレートにありません: G6"]


def test_template_that_does_not_compile_is_refused():
    body = active_template_source(kind="quote").replace("{% endfor %}", "", 1)

    with pytest.raises(ValidationError) as error:
        save_template_version(kind="quote", body=body, note="", user=make_user())

    assert error.value.message_dict["body"][0].startswith("テンプレートに構文エラーがあります: Unclosed tag on line")


def test_edited_template_versions_are_numbered_used_and_recorded_on_issue():
    deal = make_document_deal().deal
    admin = make_user("admin")
    source = active_template_source(kind="disclosure")
    edited = source.replace("このたびは当社より情報機器をお買い求めいただき", "平素より格別のお引き立てを賜り")

    first = save_template_version(kind="disclosure", body=edited, note="挨拶文を変更", user=admin)
    second = save_template_version(kind="disclosure", body=edited.replace("平素より", "日頃より"), note="", user=admin)
    version = issue_disclosure(
        deal=deal,
        issued_by=admin,
        issued_at=ISSUED_AT,
        acknowledged_warnings=acknowledge_all(deal, at=ISSUED_AT),
    )

    assert (first.version, second.version) == (1, 2)
    assert active_template_source(kind="disclosure") == second.body
    assert "日頃より格別のお引き立てを賜り" in render_disclosure_preview(deal=deal, at=ISSUED_AT)
    assert version.template_version == "custom-2"
    assert "日頃より格別のお引き立てを賜り" in version.html
    first.body = "changed"
    with pytest.raises(ImmutableRecordError):
        first.save()


def test_refusal_message_in_english_names_the_ids_too():
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as error:
        save_template_version(kind="quote", body="<p></p>", note="", user=make_user())

    assert error.value.message_dict["body"] == ["The template drops required requirement IDs: G6"]
