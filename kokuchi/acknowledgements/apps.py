from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AcknowledgementsConfig(AppConfig):
    name = "kokuchi.acknowledgements"
    label = "acknowledgements"
    verbose_name = _("Acknowledgements")

    def ready(self):
        from kokuchi.acknowledgements.selectors import check_disclosure_document
        from kokuchi.evidence.verification import register_event_check

        register_event_check(check_disclosure_document)
