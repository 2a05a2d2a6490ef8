"""The time staff confirmed a review candidate, taken from the status history for exposures
confirmed before the exposure recorded it (S-VULN)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from kokuchi.exposures.models import Exposure

BEFORE = ("exposures", "0003_customer_status_id_index")


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader


@pytest.mark.django_db(transaction=True)
def test_s_vuln_review_confirmation_backfilled_from_the_staff_open_to_open_change():
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        loader = _migrate([BEFORE])
        apps = loader.project_state([*(n for n in leaves if n[0] != "exposures"), BEFORE]).apps
        now = timezone.now()
        manufacturer = apps.get_model("catalog", "Manufacturer").objects.create(
            slug="backfill", name_ja="移行テスト", name_en="Backfill"
        )
        product = apps.get_model("catalog", "Product").objects.create(
            manufacturer=manufacturer, model_number="BF-1", name="移行テスト機"
        )
        customer = apps.get_model("customers", "Customer").objects.create(customer_code="BF", name="株式会社移行")
        vulnerability = apps.get_model("vulnerabilities", "Vulnerability").objects.create(
            vuln_id="CVE-2025-0356", source="nvd"
        )
        old_exposure = apps.get_model("exposures", "Exposure")
        change = apps.get_model("exposures", "ExposureStatusChange")
        exposures = {}
        for serial, method in (("BF-1", "text_candidate"), ("BF-2", "text_candidate"), ("BF-3", "nvd_range")):
            device = apps.get_model("devices", "Device").objects.create(
                product=product, customer=customer, serial_number=serial, firmware_at_sale="1.5.3"
            )
            exposures[serial] = old_exposure.objects.create(
                device=device,
                vulnerability=vulnerability,
                customer=customer,
                method=method,
                confidence=20,
                explanation="【要確認】テスト",
                first_matched_at=now,
                last_matched_at=now,
            )
        confirmed = change.objects.create(
            exposure=exposures["BF-1"], from_status="open", to_status="open", reason="要確認の候補を確認: 済"
        )
        # Automatic changes and other methods are no confirmation.
        change.objects.create(exposure=exposures["BF-2"], from_status="open", to_status="open", automatic=True)
        change.objects.create(exposure=exposures["BF-3"], from_status="open", to_status="open")

        _migrate(leaves)

        assert dict(Exposure.objects.values_list("device__serial_number", "review_confirmed_at")) == {
            "BF-1": confirmed.changed_at,
            "BF-2": None,
            "BF-3": None,
        }
    finally:
        _migrate(leaves)
