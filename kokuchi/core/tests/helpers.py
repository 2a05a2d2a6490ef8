"""Helpers shared by the staff-UI view tests of every app."""

from __future__ import annotations

from urllib.parse import quote

from django.apps import apps

# The apps whose rows a denied request must leave untouched.
UI_APP_LABELS = ("core", "catalog", "customers", "deals", "devices")


def db_snapshot() -> dict[str, list[dict]]:
    """Every row of the UI's apps (plus users and groups) as plain values, ordered by pk: two
    snapshots compare equal exactly when nothing was created, changed or deleted."""
    models = [model for label in UI_APP_LABELS for model in apps.get_app_config(label).get_models()]
    models += [apps.get_model("auth", "User"), apps.get_model("auth", "Group")]
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in models}


def login_url_for(url: str) -> str:
    return "/accounts/login/?next=" + quote(url, safe="/")
