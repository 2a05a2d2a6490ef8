"""Moving the installed-base models from vulnerabilities to exposures keeps every row."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from kokuchi.exposures.models import (
    Exposure,
    ExposureStatusChange,
    FirmwareFinding,
    MatchRun,
    Notice,
    NoticeDelivery,
    SalesLead,
    WorkItem,
)

BEFORE_MOVE = ("vulnerabilities", "0004_feed_child_rows_fewer_indexes_no_db_fk")
REMOVED_MERGE = ("vulnerabilities", "0003_merge_0002_feed_state_0002_matching")
# The catalogue as the pre-move models knew it (later catalogue migrations change Manufacturer).
CATALOG_BEFORE_MOVE = ("catalog", "0002_preload_manufacturers")


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader


def _fill_before_move(apps) -> dict[str, int]:
    """One row in every moved table (two exposures), written through the pre-move models."""
    now = timezone.now()
    manufacturer = apps.get_model("catalog", "Manufacturer").objects.create(
        slug="move-test", name_ja="移行テスト", name_en="Move test"
    )
    product = apps.get_model("catalog", "Product").objects.create(
        manufacturer=manufacturer, model_number="MOVE-1", name="移行テスト機"
    )
    plan = apps.get_model("catalog", "ServicePlan").objects.create(name="保守", kind="continuous_maintenance")
    customer = apps.get_model("customers", "Customer").objects.create(customer_code="MOVE", name="株式会社移行")
    devices = [
        apps.get_model("devices", "Device").objects.create(
            product=product, customer=customer, serial_number=f"MOVE-{n}", firmware_at_sale="1.0"
        )
        for n in (1, 2)
    ]
    vulnerability = apps.get_model("vulnerabilities", "Vulnerability").objects.create(
        vuln_id="CVE-2024-21762", source="nvd"
    )
    old = {name: apps.get_model("vulnerabilities", name) for name in _MOVED}
    exposures = [
        old["Exposure"].objects.create(
            device=device,
            vulnerability=vulnerability,
            customer=customer,
            method="nvd_range",
            confidence=90,
            explanation="範囲内",
            first_matched_at=now,
            last_matched_at=now,
        )
        for device in devices
    ]
    old["FirmwareFinding"].objects.create(
        product=product,
        firmware="1.0",
        vulnerability=vulnerability,
        method="nvd_range",
        confidence=90,
        explanation="範囲内",
        priority=2,
    )
    old["ExposureStatusChange"].objects.create(exposure=exposures[0], to_status="open", automatic=True)
    old["MatchRun"].objects.create(kind="full", started_at=now, succeeded=True)
    old["WorkItem"].objects.create(
        customer=customer, vulnerability=vulnerability, priority=2, due_on=datetime.date(2026, 6, 15)
    )
    old["SalesLead"].objects.create(customer=customer, vulnerability=vulnerability, proposed_plan=plan)
    notice = old["Notice"].objects.create(
        customer=customer, vulnerability=vulnerability, kind="contracted", subject="件名", body="本文"
    )
    notice.exposures.set(exposures)
    old["NoticeDelivery"].objects.create(notice=notice, recipient="it@example.jp", next_attempt_at=now)
    return {
        "device_pks": [d.pk for d in devices],
        "customer_pk": customer.pk,
        "vulnerability_pk": vulnerability.pk,
        "product_pk": product.pk,
        "plan_pk": plan.pk,
        "exposure_pks": [e.pk for e in exposures],
        "notice_pk": notice.pk,
    }


_MOVED = (
    "Exposure",
    "FirmwareFinding",
    "ExposureStatusChange",
    "MatchRun",
    "WorkItem",
    "SalesLead",
    "Notice",
    "NoticeDelivery",
)


@pytest.mark.django_db(transaction=True)
def test_moving_the_models_to_exposures_keeps_every_row_and_foreign_key():
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        loader = _migrate([BEFORE_MOVE, CATALOG_BEFORE_MOVE])
        assert ("exposures", "0001_initial") not in loader.applied_migrations
        apps = loader.project_state([BEFORE_MOVE]).apps
        before = _fill_before_move(apps)
        # A database migrated before the empty merge migration was removed has it recorded.
        MigrationRecorder(connection).record_applied(*REMOVED_MERGE)

        _migrate(leaves)

        counts = {
            model.__name__: model.objects.count()
            for model in (
                Exposure,
                FirmwareFinding,
                ExposureStatusChange,
                MatchRun,
                WorkItem,
                SalesLead,
                Notice,
                NoticeDelivery,
            )
        }
        assert counts == {
            "Exposure": 2,
            "FirmwareFinding": 1,
            "ExposureStatusChange": 1,
            "MatchRun": 1,
            "WorkItem": 1,
            "SalesLead": 1,
            "Notice": 1,
            "NoticeDelivery": 1,
        }
        exposures = list(Exposure.objects.order_by("pk"))
        assert [e.pk for e in exposures] == before["exposure_pks"]
        assert [(e.device_id, e.customer_id, e.vulnerability_id) for e in exposures] == [
            (pk, before["customer_pk"], before["vulnerability_pk"]) for pk in before["device_pks"]
        ]
        assert ExposureStatusChange.objects.get().exposure_id == before["exposure_pks"][0]
        finding = FirmwareFinding.objects.get()
        assert (finding.product_id, finding.vulnerability_id) == (before["product_pk"], before["vulnerability_pk"])
        assert SalesLead.objects.get().proposed_plan_id == before["plan_pk"]
        assert WorkItem.objects.get().customer_id == before["customer_pk"]
        notice = Notice.objects.get()
        assert sorted(notice.exposures.values_list("pk", flat=True)) == before["exposure_pks"]
        assert NoticeDelivery.objects.get().notice_id == before["notice_pk"] == notice.pk
        assert Exposure.objects.get(pk=before["exposure_pks"][1]).notices.get() == notice
    finally:
        _migrate(leaves)
        MigrationRecorder(connection).migration_qs.filter(app=REMOVED_MERGE[0], name=REMOVED_MERGE[1]).delete()
