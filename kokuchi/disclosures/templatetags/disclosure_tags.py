"""Template tags other pages use to show disclosure content (the deal page's clause box)."""

from __future__ import annotations

from django import template

from kokuchi.disclosures.context import select_clause

register = template.Library()


@register.inclusion_tag("disclosures/_clause_box.html")
def clause_box(deal):
    """Render the deal's chapter-6 clause ready to copy: ``{% clause_box deal %}``."""
    return {"deal": deal, "clause": select_clause(deal=deal)}
