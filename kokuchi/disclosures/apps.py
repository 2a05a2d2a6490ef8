from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisclosuresConfig(AppConfig):
    name = "kokuchi.disclosures"
    label = "disclosures"
    verbose_name = _("Disclosures")

    def ready(self):
        from kokuchi.disclosures.references import register_disclosure_reference_checks

        register_disclosure_reference_checks()
