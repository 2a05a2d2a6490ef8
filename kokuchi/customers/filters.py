import django_filters
from django.db import models
from django.utils.translation import gettext_lazy as _

from kokuchi.core.ui import search_filter
from kokuchi.customers.models import Customer, SelfMaintenanceLevel, SkillAssessment

NOT_ASSESSED = "none"


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search", help_text=_("Customer code, name or kana"))
    level = django_filters.ChoiceFilter(
        label=_("Self-maintenance level"),
        method="filter_level",
        choices=[*SelfMaintenanceLevel.choices, (NOT_ASSESSED, _("Not assessed"))],
    )

    class Meta:
        model = Customer
        fields = ["q", "level"]

    def search(self, queryset, name, value):
        return search_filter(queryset, value, ["customer_code", "name", "name_kana"])

    def filter_level(self, queryset, name, value):
        # `latest_level` is annotated by the list view (the level of the newest assessment).
        if value == NOT_ASSESSED:
            return queryset.filter(latest_level__isnull=True)
        return queryset.filter(latest_level=value)


def with_latest_level(queryset: models.QuerySet) -> models.QuerySet:
    """Annotate each customer with the level of its newest self-maintenance assessment."""
    latest = (
        SkillAssessment.objects.filter(customer=models.OuterRef("pk"))
        .order_by("-assessed_on", "-pk")
        .values("level")[:1]
    )
    return queryset.annotate(latest_level=models.Subquery(latest))
