from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """The staff home page: figures that sit above every other app (imported by none)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "kokuchi.dashboard"
    verbose_name = _("Dashboard")
