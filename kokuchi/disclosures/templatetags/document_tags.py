"""Filters for printed documents: formats fixed to Japanese business usage whatever the UI
language, so that a document renders the same for every staff member."""

from __future__ import annotations

import datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def yen(value) -> str:
    """Format an amount as ``¥1,234``; empty for None."""
    if value is None or value == "":
        return ""
    return f"¥{int(value):,}"


@register.filter
def jdate(value) -> str:
    """Format a date as ``2026年5月1日``; empty for None."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return f"{value.year}年{value.month}月{value.day}日"
