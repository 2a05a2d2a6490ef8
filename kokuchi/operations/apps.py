from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """Running an installation: the scheduler of the daily jobs, health checks, backups (imported by none)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "kokuchi.operations"
    verbose_name = _("Operations")
