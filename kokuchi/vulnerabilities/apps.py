from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VulnerabilitiesConfig(AppConfig):
    name = "kokuchi.vulnerabilities"
    label = "vulnerabilities"
    verbose_name = _("Vulnerabilities")
