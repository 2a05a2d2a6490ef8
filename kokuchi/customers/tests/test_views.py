"""Staff UI of customers: every page guarded by role, search/filter/pagination, S-SKILL."""

import datetime

import pytest
from django.urls import reverse

from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.customers.models import Contact, Customer, SelfMaintenanceLevel, SkillAssessment, UpdatePractice
from kokuchi.customers.tests.factories import make_assessment, make_customer
from kokuchi.customers.tests.staff_pages import make_objects, post_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def objs():
    return make_objects()


def test_viewer_sees_no_edit_buttons(client, objs):
    client.force_login(make_user(Role.VIEWER))
    content = client.get(reverse("customers:customer_detail", args=[objs["customer"].pk])).content.decode()
    assert reverse("customers:customer_edit", args=[objs["customer"].pk]) not in content
    assert reverse("customers:assessment_create", args=[objs["customer"].pk]) not in content


def test_form_errors_are_shown_next_to_the_field(client, objs):
    client.force_login(make_user(Role.SALES))
    response = client.post(reverse("customers:customer_create"), {"customer_code": "C00001", "name": ""})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"customer_code", "name"}
    assert Customer.objects.count() == 1


def test_s_skill_detail_shows_latest_assessment_answers_and_date(client, objs):
    customer = objs["customer"]
    make_assessment(customer=customer, assessed_on=datetime.date(2025, 4, 1), has_it_staff=True)
    make_assessment(
        customer=customer,
        assessed_on=datetime.date(2026, 5, 20),
        has_security_owner=True,
        update_practice=UpdatePractice.OUTSOURCED,
    )
    client.force_login(make_user(Role.VIEWER))
    response = client.get(reverse("customers:customer_detail", args=[customer.pk]), HTTP_ACCEPT_LANGUAGE="ja")
    assessment = response.context["assessment"]
    assert (assessment.assessed_on, assessment.level) == (
        datetime.date(2026, 5, 20),
        SelfMaintenanceLevel.NEEDS_SUPPORT,
    )
    content = response.content.decode()
    assert "2026年5月20日" in content
    assert response.context["assessment_count"] == 2


def test_list_search_by_code_name_and_kana(client):
    make_customer(customer_code="C10001", name="株式会社北星", name_kana="ホクセイ")
    make_customer(customer_code="C10002", name="南風商事株式会社", name_kana="ミナミカゼショウジ")
    make_customer(customer_code="X20003", name="東邦工業", name_kana="トウホウコウギョウ")
    client.force_login(make_user(Role.VIEWER))
    url = reverse("customers:customer_list")

    def codes(query):
        return [c.customer_code for c in client.get(url, {"q": query}).context["object_list"]]

    assert codes("ミナミ") == ["C10002"]
    assert codes("北星") == ["C10001"]
    assert codes("X200") == ["X20003"]
    assert codes("C100") == ["C10001", "C10002"]
    assert codes("存在しない") == []


def test_list_filter_by_latest_self_maintenance_level(client):
    capable, difficult, unassessed = make_customer(), make_customer(), make_customer()
    # The older "capable" answer of `difficult` must not count: only the newest assessment does.
    make_assessment(
        customer=difficult,
        assessed_on=datetime.date(2025, 1, 1),
        has_it_staff=True,
        has_security_owner=True,
        can_check_network_settings=True,
        has_incident_contact=True,
    )
    make_assessment(customer=difficult, assessed_on=datetime.date(2026, 1, 1))
    make_assessment(
        customer=capable,
        has_it_staff=True,
        has_security_owner=True,
        can_check_network_settings=True,
        has_incident_contact=True,
    )
    client.force_login(make_user(Role.VIEWER))
    url = reverse("customers:customer_list")

    def pks(level):
        return [c.pk for c in client.get(url, {"level": level}).context["object_list"]]

    assert pks("capable") == [capable.pk]
    assert pks("difficult") == [difficult.pk]
    assert pks("needs_support") == []
    assert pks("none") == [unassessed.pk]


def test_list_pagination_25_per_page(client):
    for n in range(30):
        make_customer(customer_code=f"P{n:03d}")
    client.force_login(make_user(Role.VIEWER))
    url = reverse("customers:customer_list")
    first = client.get(url)
    second = client.get(url, {"page": 2})
    assert [c.customer_code for c in first.context["object_list"]][:2] == ["P000", "P001"]
    assert len(first.context["object_list"]) == 25
    assert [c.customer_code for c in second.context["object_list"]] == [f"P{n:03d}" for n in range(25, 30)]
    assert first.context["paginator"].count == 30


def test_assessment_level_is_computed_from_answers(client, objs):
    client.force_login(make_user(Role.SALES))
    client.post(
        reverse("customers:assessment_create", args=[objs["customer"].pk]),
        {"assessed_on": "2026-06-02", "update_practice": UpdatePractice.NEVER},
    )
    assert SkillAssessment.objects.get().level == SelfMaintenanceLevel.DIFFICULT
    assert Contact.objects.count() == 1


def test_saving_shows_a_flash_message(client, objs):
    client.force_login(make_user(Role.SALES))
    response = client.post(reverse("customers:customer_create"), post_data("customer_create", objs), follow=True)
    assert [str(m) for m in response.context["messages"]] == ["顧客を保存しました。"]
    assert response.request["PATH_INFO"] == Customer.objects.get(customer_code="C09999").get_absolute_url()


def test_pagination_links_keep_the_search(client):
    for n in range(30):
        make_customer(customer_code=f"P{n:03d}")
    client.force_login(make_user(Role.VIEWER))
    content = client.get(reverse("customers:customer_list"), {"q": "P0"}).content.decode()
    assert 'href="?q=P0&amp;page=2"' in content
    assert "30 件" in content
