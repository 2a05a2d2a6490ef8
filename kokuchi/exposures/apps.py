from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class ExposuresConfig(AppConfig):
    name = "kokuchi.exposures"
    label = "exposures"
    verbose_name = pgettext_lazy("application", "Exposures")

    def ready(self) -> None:
        from kokuchi.devices.signals import firmware_changed
        from kokuchi.exposures import receivers
        from kokuchi.vulnerabilities.signals import vulnerabilities_changed

        vulnerabilities_changed.connect(receivers.match_after_feed_change, dispatch_uid="exposures.match_after_feed")
        firmware_changed.connect(
            receivers.rematch_after_firmware_change, dispatch_uid="exposures.rematch_after_firmware"
        )
