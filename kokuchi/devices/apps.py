from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevicesConfig(AppConfig):
    name = "kokuchi.devices"
    label = "devices"
    verbose_name = _("Devices")

    def ready(self):
        from kokuchi.devices.selectors import register_exposure_list_annotations

        register_exposure_list_annotations()
