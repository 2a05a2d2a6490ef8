"""Template helpers of the staff UI: active navigation, yen amounts, yes/no marks."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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


@register.simple_tag(takes_context=True)
def sortable_th(context, key: str, label: str, css_class: str = "") -> str:
    """A table header that sorts the list by `key` (a key of the view's sort_fields): the first
    click sorts ascending, the next descending. The current order is marked for screen readers
    (aria-sort) and by an arrow."""
    request = context["request"]
    current = context.get("current_sort")
    params = request.GET.copy()
    params.pop("page", None)
    descending_next = current == (key, "asc")
    params["sort"] = f"-{key}" if descending_next else key
    aria = ""
    arrow = ""
    if current and current[0] == key:
        aria = "ascending" if current[1] == "asc" else "descending"
        arrow = "▲" if current[1] == "asc" else "▼"
    return format_html(
        '<th{}{}><a class="sort" href="?{}">{}<span class="arrow" aria-hidden="true">{}</span></a></th>',
        format_html(' class="{}"', css_class) if css_class else "",
        format_html(' aria-sort="{}"', aria) if aria else "",
        params.urlencode(),
        label,
        arrow,
    )


FLOW_STEPS = (
    ("deal", gettext_lazy("Deal")),
    ("devices", gettext_lazy("Devices")),
    ("check", gettext_lazy("Check and preview")),
    ("send", gettext_lazy("Send")),
    ("acknowledged", gettext_lazy("Acknowledged")),
)


@register.inclusion_tag("includes/flow_steps.html")
def flow_steps(current: str) -> dict:
    """The steps of a sale from the deal to the customer's acknowledgement, `current` marked and
    the steps before it shown as done."""
    keys = [key for key, _label in FLOW_STEPS]
    position = keys.index(current) if current in keys else -1
    return {
        "steps": [
            {"key": key, "label": label, "done": index < position, "current": index == position}
            for index, (key, label) in enumerate(FLOW_STEPS)
        ]
    }


@register.simple_tag
def requirement_tag(requirement_id: str) -> str:
    """The guideline clause a staff heading or row implements, as a small secondary tag after its
    plain Japanese label (REQUIREMENTS.md IDs). Staff pages only: customers never see clause IDs."""
    if not requirement_id:
        return ""
    return format_html(
        '<span class="tag req" data-requirement="{}" title="{}">{}</span>',
        requirement_id,
        _("Guideline requirement %(id)s") % {"id": requirement_id},
        requirement_id,
    )
