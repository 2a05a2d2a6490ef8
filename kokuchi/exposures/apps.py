from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class ExposuresConfig(AppConfig):
    name = "kokuchi.exposures"
    label = "exposures"
    verbose_name = pgettext_lazy("application", "Exposures")

    def ready(self) -> None:
        from kokuchi.devices.services import FIRMWARE_CHANGE_HOOKS
        from kokuchi.exposures import runs
        from kokuchi.vulnerabilities.feeds.loader import AFTER_IMPORT_HOOKS

        if runs.match_changed_vulnerabilities not in AFTER_IMPORT_HOOKS:
            AFTER_IMPORT_HOOKS.append(runs.match_changed_vulnerabilities)
        if runs.rematch_after_firmware_change not in FIRMWARE_CHANGE_HOOKS:
            FIRMWARE_CHANGE_HOOKS.append(runs.rematch_after_firmware_change)
