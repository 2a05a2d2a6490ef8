from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class ApiConfig(AppConfig):
    name = "kokuchi.api"
    label = "api"
    verbose_name = pgettext_lazy("application", "API and webhooks")

    def ready(self) -> None:
        from kokuchi.api import receivers

        receivers.connect_all()
