"""Customer workflows used by the staff UI."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

from kokuchi.customers.models import Contact, Customer, SkillAssessment


@transaction.atomic
def save_contact(*, contact: Contact) -> Contact:
    """Save a contact; a primary contact demotes the customer's other contacts so that exactly
    one person receives disclosures and notices by default."""
    contact.full_clean()
    contact.save()
    if contact.is_primary:
        Contact.objects.filter(customer=contact.customer, is_primary=True).exclude(pk=contact.pk).update(
            is_primary=False
        )
    return contact


@transaction.atomic
def record_assessment(*, assessment: SkillAssessment, customer: Customer, assessed_by: User | None) -> SkillAssessment:
    """Record a new self-maintenance assessment (S-SKILL); its level is computed on save."""
    assessment.customer = customer
    assessment.assessed_by = assessed_by
    assessment.full_clean(exclude=["level"])
    assessment.save()
    return assessment


def next_customer_code(*, pattern: str | None = None) -> str:
    """The next free customer code of `pattern` (settings.CUSTOMER_CODE_PATTERN by default): one
    more than the highest number among the codes the pattern produced so far, never a code in use."""
    pattern = str(pattern or settings.CUSTOMER_CODE_PATTERN)
    prefix, _, rest = pattern.partition("{number")
    suffix = rest.partition("}")[2]
    highest = 0
    for code in Customer.objects.filter(customer_code__startswith=prefix).values_list("customer_code", flat=True):
        middle = code[len(prefix) : len(code) - len(suffix) if suffix else None]
        if (not suffix or code.endswith(suffix)) and middle.isdigit():
            highest = max(highest, int(middle))
    number = highest + 1
    while Customer.objects.filter(customer_code=pattern.format(number=number)).exists():
        number += 1
    return pattern.format(number=number)
