from pathlib import Path

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kokuchi.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # The settings only name the data directory (SQLite file, media, signing key); every
        # entry point (the kokuchi command, WSGI/ASGI, the tests) sets Django up, so it is made here.
        Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
        from django.contrib.auth.signals import user_logged_in

        from kokuchi.core.logs import install_token_masking
        from kokuchi.core.two_factor import on_user_logged_in

        install_token_masking()
        # Whether a session must verify or enrol a second factor is decided once, at login.
        user_logged_in.connect(on_user_logged_in, dispatch_uid="core.two_factor_login_step")
