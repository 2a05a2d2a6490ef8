from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    name = "kokuchi.evidence"
    label = "evidence"
    verbose_name = _("Evidence")

    def ready(self) -> None:
        from kokuchi.evidence import receivers

        post_migrate.connect(receivers.checkpoint_after_migrate, sender=self, dispatch_uid="evidence.first_checkpoint")
