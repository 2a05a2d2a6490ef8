"""Every model of Kokuchi can be reached in the Django admin; evidence and what it refers to are
read-only there (S-EVID)."""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.test import RequestFactory

from kokuchi.core.tests.factories import make_user

# Evidence rows and the records evidence points at: written by their workflows only.
READ_ONLY = {
    "evidence.EvidenceEvent",
    "evidence.EvidenceChainHead",
    "evidence.EvidenceCheckpoint",
    "acknowledgements.CustomerLinkView",
    "disclosures.Disclosure",
    "disclosures.DisclosureVersion",
    "acknowledgements.Acknowledgement",
    "acknowledgements.CustomerLink",
    "exposures.ExposureStatusChange",
    "exposures.Notice",
    "exposures.NoticeDelivery",
}


def _kokuchi_models() -> set[type]:
    return {model for model in apps.get_models() if model.__module__.startswith("kokuchi.")}


def test_every_model_is_registered_or_edited_inline():
    reachable = set(admin.site._registry)
    for model_admin in admin.site._registry.values():
        reachable |= {inline.model for inline in model_admin.inlines}

    missing = sorted(model._meta.label for model in _kokuchi_models() - reachable)

    assert missing == []


def test_evidence_and_what_it_refers_to_are_read_only_for_a_superuser(db):
    request = RequestFactory().get("/admin/")
    request.user = make_user(username="root", is_superuser=True, is_staff=True)
    by_label = {model._meta.label: model_admin for model, model_admin in admin.site._registry.items()}

    writable = sorted(
        label
        for label in READ_ONLY
        if by_label[label].has_add_permission(request)
        or by_label[label].has_change_permission(request)
        or by_label[label].has_delete_permission(request)
    )

    assert writable == []
