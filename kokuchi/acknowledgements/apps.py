from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AcknowledgementsConfig(AppConfig):
    name = "kokuchi.acknowledgements"
    label = "acknowledgements"
    verbose_name = _("Acknowledgements")

    def ready(self) -> None:
        from kokuchi.acknowledgements import receivers
        from kokuchi.evidence.signals import verify_records

        verify_records.connect(
            receivers.check_records_against_evidence, dispatch_uid="acknowledgements.check_records_against_evidence"
        )
