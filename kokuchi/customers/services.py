"""Customer workflows used by the staff UI."""

from __future__ import annotations

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
