from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VulnerabilitiesConfig(AppConfig):
    name = "kokuchi.vulnerabilities"
    label = "vulnerabilities"
    verbose_name = _("Vulnerabilities")

    def ready(self) -> None:
        # Lower apps cannot import this one, so the matcher registers itself where they call out:
        # after each committed feed import (changed vulnerabilities) and after a recorded
        # firmware update (S-VULN: exposures resolved by the update).
        from kokuchi.devices.services import FIRMWARE_CHANGE_HOOKS
        from kokuchi.vulnerabilities import services

        services.register_import_hook()
        if services.rematch_after_firmware_change not in FIRMWARE_CHANGE_HOOKS:
            FIRMWARE_CHANGE_HOOKS.append(services.rematch_after_firmware_change)
