"""The staff pages of customers as the role matrix (kokuchi/tests/test_roles.py) drives them:
the objects their URLs point at, the data each form posts and the exact effect of a successful POST."""

import datetime

from kokuchi.customers.models import Customer, SelfMaintenanceLevel, SkillAssessment, UpdatePractice
from kokuchi.customers.tests.factories import make_contact, make_customer

ASSESSMENT_ANSWERS = {
    "assessed_on": "2026-06-01",
    "has_it_staff": "on",
    "has_security_owner": "on",
    "update_practice": UpdatePractice.AUTOMATIC_OR_SCHEDULED,
    "can_check_network_settings": "on",
    "notes": "情報システム担当 1 名",
}


def make_objects() -> dict:
    """The rows the pages show or change, by name."""
    customer = make_customer(customer_code="C00001", name="株式会社北星", name_kana="ホクセイ")
    contact = make_contact(customer=customer, name="山田 太郎", is_primary=True)
    return {"customer": customer, "contact": contact}


def post_data(name, o):
    return {
        "customer_create": {
            "customer_code": "C09999",
            "name": "株式会社新規",
            "name_kana": "シンキ",
            "notify_without_contract": "on",
        },
        "customer_edit": {"customer_code": "C00001", "name": "株式会社北星ホールディングス", "name_kana": "ホクセイ"},
        "contact_create": {"name": "佐藤 花子", "department": "総務部", "email": "sato@example.jp", "is_primary": "on"},
        "contact_edit": {
            "name": "山田 太郎",
            "department": "情報システム部",
            "email": "yamada@example.jp",
            "is_primary": "on",
        },
        "assessment_create": ASSESSMENT_ANSWERS,
    }[name]


def check_saved(name, o, user):
    """Assert the exact effect of a successful POST."""
    customer = o["customer"]
    if name == "customer_create":
        created = Customer.objects.get(customer_code="C09999")
        assert (created.name, created.name_kana, created.notify_without_contract) == ("株式会社新規", "シンキ", True)
    elif name == "customer_edit":
        customer.refresh_from_db()
        assert customer.name == "株式会社北星ホールディングス"
    elif name == "contact_create":
        # The new primary contact demotes the former one.
        assert list(customer.contacts.values_list("name", "is_primary")) == [("佐藤 花子", True), ("山田 太郎", False)]
    elif name == "contact_edit":
        o["contact"].refresh_from_db()
        assert o["contact"].department == "情報システム部"
    elif name == "assessment_create":
        assessment = SkillAssessment.objects.get(customer=customer)
        assert assessment.level == SelfMaintenanceLevel.CAPABLE  # 4 points with IT staff
        assert assessment.assessed_by == user
        assert assessment.assessed_on == datetime.date(2026, 6, 1)
