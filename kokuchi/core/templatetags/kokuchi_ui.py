"""Template helpers of the staff UI: active navigation, yen amounts, yes/no marks."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_active(context, *prefixes: str) -> str:
    """Return "active" when the current view name starts with one of `prefixes`."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""
    return "active" if any(view_name.startswith(prefix) for prefix in prefixes) else ""


@register.filter
def yen(value) -> str:
    """Format an amount in yen with thousands separators (¥1,234); empty for None."""
    if value is None or value == "":
        return ""
    return f"¥{int(value):,}"


@register.filter
def yesno_mark(value) -> str:
    """A translated Yes/No for booleans (templates' yesno filter is not translated by default)."""
    return _("Yes") if value else _("No")
