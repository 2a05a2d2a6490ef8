from __future__ import annotations

import itertools

from kokuchi.customers.models import Contact, Customer, SkillAssessment

_seq = itertools.count(1)


def make_customer(**overrides) -> Customer:
    n = next(_seq)
    fields = {"customer_code": f"C{n:05d}", "name": f"株式会社顧客{n}"} | overrides
    return Customer.objects.create(**fields)


def make_contact(**overrides) -> Contact:
    if "customer" not in overrides:
        overrides["customer"] = make_customer()
    fields = {"name": "山田 太郎", "email": "yamada@example.jp", "is_primary": True} | overrides
    return Contact.objects.create(**fields)


def make_assessment(**overrides) -> SkillAssessment:
    if "customer" not in overrides:
        overrides["customer"] = make_customer()
    return SkillAssessment.objects.create(**overrides)
