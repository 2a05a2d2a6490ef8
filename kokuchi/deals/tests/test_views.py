"""Staff UI of deals: lines with 消費税, proposed plans (G5.3), status transitions, roles."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kokuchi.catalog.models import ProductCategory
from kokuchi.catalog.tests.factories import make_plan, make_product
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.customers.tests.factories import make_assessment, make_customer
from kokuchi.deals.models import Deal, DealLine, DealStatus, ProposalResponse, ProposedPlan
from kokuchi.deals.services import (
    change_deal_status,
    delete_deal_line,
    propose_plan,
    record_plan_answer,
    save_deal_line,
)
from kokuchi.deals.tests.factories import make_deal, make_deal_line
from kokuchi.deals.tests.staff_pages import make_objects, post_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def objs():
    return make_objects()


def test_viewer_sees_no_status_or_line_buttons(client, objs):
    client.force_login(make_user(Role.VIEWER))
    content = client.get(reverse("deals:deal_detail", args=[objs["deal"].pk])).content.decode()
    assert reverse("deals:deal_status", args=[objs["deal"].pk]) not in content
    assert reverse("deals:line_delete", args=[objs["line"].pk]) not in content
    assert reverse("deals:plan_propose", args=[objs["deal"].pk]) not in content


def test_detail_shows_subtotal_tax_and_total(client, objs):
    make_deal_line(deal=objs["deal"], quantity=1, unit_price=12345)
    client.force_login(make_user(Role.VIEWER))
    response = client.get(reverse("deals:deal_detail", args=[objs["deal"].pk]))
    # 2 × 98,000 + 12,345 = 208,345; 消費税 10 % rounded down = 20,834.
    assert (response.context["subtotal"], response.context["tax"], response.context["total"]) == (208345, 20834, 229179)
    content = response.content.decode()
    assert 'data-amount="tax">¥20,834<' in content
    assert 'data-amount="total">¥229,179<' in content


def test_g5_3_decline_without_reason_refused(client, objs):
    client.force_login(make_user(Role.SALES))
    response = client.post(
        reverse("deals:plan_answer", args=[objs["proposal"].pk]),
        {"response": ProposalResponse.DECLINED, "decline_reason": "  "},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["decline_reason"] == ["契約しない場合は顧客の理由を入力してください。"]
    objs["proposal"].refresh_from_db()
    assert objs["proposal"].response == ProposalResponse.PENDING


def test_refused_transition_via_button_changes_nothing(client, objs):
    client.force_login(make_user(Role.SALES))
    response = client.post(
        reverse("deals:deal_status", args=[objs["deal"].pk]), {"status": DealStatus.DELIVERED}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == ["案件を「下書き」から「納品済み」には変更できません。"]
    objs["deal"].refresh_from_db()
    assert (objs["deal"].status, objs["deal"].delivered_on) == (DealStatus.DRAFT, None)


def test_lines_locked_after_delivery(client, objs):
    deal = objs["deal"]
    user = make_user(Role.SALES)
    for status in (DealStatus.QUOTED, DealStatus.ORDERED, DealStatus.DELIVERED):
        change_deal_status(deal=deal, status=status, user=user)
    client.force_login(user)
    client.post(reverse("deals:line_delete", args=[objs["line"].pk]))
    client.post(reverse("deals:line_create", args=[deal.pk]), post_data("line_create", objs))
    assert list(DealLine.objects.filter(deal=deal).values_list("quantity", flat=True)) == [2]


# --- services -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "editable"),
    [(DealStatus.DRAFT, True), (DealStatus.ORDERED, True), (DealStatus.DELIVERED, False), (DealStatus.CLOSED, False)],
)
def test_save_and_delete_deal_line_only_while_lines_are_editable(status, editable):
    deal = make_deal(status=status)
    line = make_deal_line(deal=deal, quantity=2)
    line.quantity = 3
    if editable:
        save_deal_line(line=line)
        delete_deal_line(line=line)
        assert DealLine.objects.filter(deal=deal).count() == 0
    else:
        with pytest.raises(ValidationError) as raised:
            save_deal_line(line=line)
        assert raised.value.messages == ["納品済みまたは完了した案件の明細は変更できません。"]
        with pytest.raises(ValidationError):
            delete_deal_line(line=line)
        assert list(DealLine.objects.filter(deal=deal).values_list("quantity", flat=True)) == [2]


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ([DealStatus.QUOTED], True),
        ([DealStatus.ORDERED], False),
        ([DealStatus.QUOTED, DealStatus.ORDERED, DealStatus.DELIVERED, DealStatus.CLOSED], True),
        ([DealStatus.QUOTED, DealStatus.DRAFT], True),
        ([DealStatus.QUOTED, DealStatus.ORDERED, DealStatus.DELIVERED, DealStatus.ORDERED], False),
        ([DealStatus.QUOTED, DealStatus.ORDERED, DealStatus.DELIVERED, DealStatus.CLOSED, DealStatus.DELIVERED], False),
    ],
)
def test_change_deal_status_follows_deal_transitions(objs, path, allowed):
    deal, user = objs["deal"], make_user(Role.SALES)
    *steps, last = path
    for status in steps:
        deal = change_deal_status(deal=deal, status=status, user=user)
    if allowed:
        assert change_deal_status(deal=deal, status=last, user=user).status == last
    else:
        with pytest.raises(ValidationError) as excinfo:
            change_deal_status(deal=deal, status=last, user=user)
        assert excinfo.value.code == "transition_not_allowed"
        assert Deal.objects.get(pk=deal.pk).status == steps[-1] if steps else DealStatus.DRAFT


def test_change_deal_status_stamps_and_clears_dates(objs):
    deal, user = objs["deal"], make_user(Role.SALES)
    deal = change_deal_status(deal=deal, status=DealStatus.QUOTED, user=user, on=datetime.date(2026, 5, 10))
    deal = change_deal_status(deal=deal, status=DealStatus.ORDERED, user=user, on=datetime.date(2026, 5, 20))
    deal.refresh_from_db()
    assert (deal.quoted_on, deal.ordered_on) == (datetime.date(2026, 5, 10), datetime.date(2026, 5, 20))
    # A re-quote steps back: the order date goes, a new quote date is not stamped on the way back.
    deal = change_deal_status(deal=deal, status=DealStatus.QUOTED, user=user, on=datetime.date(2026, 5, 25))
    deal.refresh_from_db()
    assert (deal.status, deal.quoted_on, deal.ordered_on) == (DealStatus.QUOTED, datetime.date(2026, 5, 10), None)
    for status, day in ((DealStatus.ORDERED, 26), (DealStatus.DELIVERED, 28), (DealStatus.CLOSED, 31)):
        deal = change_deal_status(deal=deal, status=status, user=user, on=datetime.date(2026, 5, day))
    deal.refresh_from_db()
    assert (deal.ordered_on, deal.delivered_on, deal.closed_on) == (
        datetime.date(2026, 5, 26),
        datetime.date(2026, 5, 28),
        datetime.date(2026, 5, 31),
    )


def test_deal_without_lines_cannot_be_quoted():
    deal = make_deal()
    with pytest.raises(ValidationError) as excinfo:
        change_deal_status(deal=deal, status=DealStatus.QUOTED, user=make_user(Role.SALES))
    assert excinfo.value.code == "no_lines"
    deal.refresh_from_db()
    assert (deal.status, deal.quoted_on) == (DealStatus.DRAFT, None)


def test_unknown_status_refused(objs):
    with pytest.raises(ValidationError) as excinfo:
        change_deal_status(deal=objs["deal"], status="shipped", user=make_user(Role.SALES))
    assert excinfo.value.code == "unknown_status"


def test_propose_same_plan_twice_refused(objs):
    with pytest.raises(ValidationError):
        propose_plan(deal=objs["deal"], plan=objs["proposal"].plan)
    assert ProposedPlan.objects.filter(deal=objs["deal"]).count() == 1


def test_g5_3_an_inactive_plan_is_not_proposed(objs):
    plan = make_plan(active=False)
    with pytest.raises(ValidationError) as raised:
        propose_plan(deal=objs["deal"], plan=plan)
    assert raised.value.message_dict == {"plan": ["このサービスプランは現在提供されていません。"]}
    assert ProposedPlan.objects.filter(deal=objs["deal"], plan=plan).count() == 0


def test_g5_3_record_plan_answer(objs):
    proposal = record_plan_answer(
        proposal=objs["proposal"],
        response=ProposalResponse.ACCEPTED,
        decline_reason="ignored",
        answered_on=datetime.date(2026, 5, 15),
    )
    proposal.refresh_from_db()
    assert (proposal.response, proposal.decline_reason, proposal.answered_on) == (
        ProposalResponse.ACCEPTED,
        "",
        datetime.date(2026, 5, 15),
    )
    with pytest.raises(ValidationError):
        record_plan_answer(proposal=proposal, response=ProposalResponse.DECLINED, decline_reason="")


# --- list -----------------------------------------------------------------------------------


def test_list_search_and_status_filter(client, objs):
    other = make_customer(name="南風商事株式会社", customer_code="MK001")
    quoted = make_deal(customer=other, title="UTM 更新")
    make_deal_line(deal=quoted)
    change_deal_status(deal=quoted, status=DealStatus.QUOTED, user=make_user(Role.SALES))
    client.force_login(make_user(Role.VIEWER))
    url = reverse("deals:deal_list")

    def numbers(**params):
        return [deal.number for deal in client.get(url, params).context["object_list"]]

    assert numbers(q="南風") == [quoted.number]
    assert numbers(q="MK001") == [quoted.number]
    assert numbers(q=objs["deal"].number) == [objs["deal"].number]
    assert numbers(q="ネットワーク") == [objs["deal"].number]
    assert numbers(status=DealStatus.QUOTED) == [quoted.number]
    assert numbers(status=DealStatus.CLOSED) == []


def test_list_shows_subtotal_per_deal(client, objs):
    client.force_login(make_user(Role.VIEWER))
    response = client.get(reverse("deals:deal_list"))
    assert [deal.subtotal_amount for deal in response.context["object_list"]] == [196000]


def test_list_pagination(client):
    customer = make_customer()
    for day in range(1, 28):
        make_deal(customer=customer, opened_on=datetime.date(2026, 4, day))
    client.force_login(make_user(Role.VIEWER))
    response = client.get(reverse("deals:deal_list"), {"page": 2})
    # Newest first: page 2 holds the two oldest deals.
    assert [deal.opened_on.day for deal in response.context["object_list"]] == [2, 1]


def test_list_query_count_does_not_grow_with_rows(client, django_assert_max_num_queries):
    for n in range(25):
        deal = make_deal(title=f"案件{n}")
        make_deal_line(deal=deal, product=make_product(category=ProductCategory.SWITCH))
    client.force_login(make_user(Role.VIEWER))
    # session, user, role guard, role for the menu, count, customer filter choices, page = 7;
    # a query per row would add 25.
    with django_assert_max_num_queries(7):
        response = client.get(reverse("deals:deal_list"))
    assert len(response.context["object_list"]) == 25


@pytest.mark.parametrize(
    ("answers", "urged"),
    [
        ({}, True),
        (
            {
                "has_it_staff": True,
                "has_security_owner": True,
                "can_check_network_settings": True,
                "has_incident_contact": True,
            },
            False,
        ),
    ],
)
def test_g5_3_weak_self_maintenance_urges_a_maintenance_proposal(client, objs, answers, urged):
    make_assessment(customer=objs["customer"], **answers)
    client.force_login(make_user(Role.VIEWER))
    content = client.get(reverse("deals:deal_detail", args=[objs["deal"].pk])).content.decode()
    assert ('data-req="G5.3">この顧客は自社で機器を保守することが難しい状況です。' in content) is urged
