"""Catalogue workflows used by the staff UI."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from kokuchi.catalog.models import Manufacturer


@transaction.atomic
def confirm_manufacturer(
    *, manufacturer: Manufacturer, vulnerability_info_url: str, user: AbstractBaseUser, source: str = ""
) -> Manufacturer:
    """Mark the manufacturer's vulnerability-information URL as confirmed (no longer 要確認),
    storing the URL checked, who confirmed it and when (G5.2-3), and a dated note of where."""
    manufacturer.vulnerability_info_url = vulnerability_info_url
    manufacturer.verified = True
    manufacturer.url_confirmed_by = user  # type: ignore[assignment]  # the staff user model
    manufacturer.url_confirmed_at = timezone.now()
    stamp = f"{timezone.localdate().isoformat()} {user.get_username()}"
    note = f"{stamp}: {source}" if source else stamp
    manufacturer.source = f"{manufacturer.source}\n{note}".strip()
    manufacturer.full_clean()
    manufacturer.save(
        update_fields=[
            "vulnerability_info_url",
            "verified",
            "url_confirmed_by",
            "url_confirmed_at",
            "source",
            "updated_at",
        ]
    )
    return manufacturer
