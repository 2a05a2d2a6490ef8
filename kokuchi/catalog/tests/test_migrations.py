"""Migration 0003: the one CPE vendor name of a row moves into its cpe_vendors list."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from kokuchi.catalog.models import Manufacturer

BEFORE = ("catalog", "0002_preload_manufacturers")
AFTER = ("catalog", "0003_manufacturer_cpe_vendors_aliases")


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader


@pytest.mark.django_db(transaction=True)
def test_cpe_vendor_moves_into_the_list_and_back():
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        loader = _migrate([BEFORE])
        old = loader.project_state([BEFORE]).apps.get_model("catalog", "Manufacturer")
        old.objects.create(slug="fortinet", name_ja="フォーティネット", cpe_vendor="fortinet")
        old.objects.create(slug="acme", name_ja="アクメ")

        _migrate(leaves)
        assert list(Manufacturer.objects.order_by("slug").values_list("slug", "cpe_vendors", "aliases")) == [
            ("acme", [], []),
            ("fortinet", ["fortinet"], []),
        ]

        loader = _migrate([BEFORE])
        old = loader.project_state([BEFORE]).apps.get_model("catalog", "Manufacturer")
        assert list(old.objects.order_by("slug").values_list("slug", "cpe_vendor")) == [
            ("acme", ""),
            ("fortinet", "fortinet"),
        ]
    finally:
        _migrate(leaves)
