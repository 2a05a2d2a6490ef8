"""Filters for printed documents: formats fixed to Japanese business usage whatever the UI
language, so that a document renders the same for every staff member."""

from __future__ import annotations

import datetime

from django import template
from django.utils import timezone

from kokuchi.core.templatetags.kokuchi_ui import yen

register = template.Library()

# The packaged documents take yen from kokuchi_ui; templates the reseller saved from older ones
# still load it from here, so the one filter is registered here as well.
register.filter("yen", yen)


@register.filter
def jdate(value) -> str:
    """Format a date as ``2026年5月1日``; empty for None."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return f"{value.year}年{value.month}月{value.day}日"


@register.filter
def jdatetime(value) -> str:
    """Format an aware datetime as ``2026年5月1日 10:00``（日本時間）; empty for None."""
    if not value:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
