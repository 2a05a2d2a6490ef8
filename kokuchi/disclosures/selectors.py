"""Reads of issued disclosures used by the deal pages and by the evidence log."""

from __future__ import annotations

from django.db.models import QuerySet

from kokuchi.deals.models import Deal
from kokuchi.disclosures.models import DisclosureVersion


def issued_versions(*, deal: Deal) -> QuerySet[DisclosureVersion]:
    """Every issued version of the deal's disclosure, newest first, without the stored bytes."""
    return (
        DisclosureVersion.objects.filter(disclosure__deal=deal)
        .select_related("issued_by")
        .defer("pdf", "html")
        .order_by("-number")
    )
