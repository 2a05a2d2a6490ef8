from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DealsConfig(AppConfig):
    name = "kokuchi.deals"
    label = "deals"
    verbose_name = _("Deals")

    def ready(self):
        from kokuchi.deals.references import register_deal_reference_checks

        register_deal_reference_checks()
