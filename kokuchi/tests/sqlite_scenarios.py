"""Scenarios run in a separate process against a real SQLite file named by DATABASE_URL, with the
production settings (WAL, IMMEDIATE transactions, busy timeout), by test_sqlite_concurrency.py.

`python -m kokuchi.tests.sqlite_scenarios NAME` prints one JSON line with what it measured.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import Counter


def customer_link() -> dict:
    """8 clients read the customer link while 5 submit the acknowledgement at the same moment."""
    from django.test import Client

    from kokuchi.acknowledgements.models import Acknowledgement
    from kokuchi.acknowledgements.services import create_customer_link
    from kokuchi.acknowledgements.tests.factories import make_issued_version
    from kokuchi.core.roles import Role
    from kokuchi.core.tests.factories import make_user
    from kokuchi.evidence.services import Origin

    version = make_issued_version()
    contact = version.disclosure.deal.customer.primary_contact
    origin = Origin(channel="staff_ui", ip_address="192.0.2.1", user_agent="staff")
    token = create_customer_link(
        version=version, created_by=make_user(Role.SALES), contact=contact, origin=origin
    ).token
    items = {"item_G5_2_1": "on", "item_G5_2_2": "on", "item_G5_2_3": "on", "item_G5_3": "on"}
    signer = {"signer_name": "山田 太郎", "signer_title": "", "signer_company": "株式会社顧客"}
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(13)

    def reader(n: int) -> None:
        client = Client(raise_request_exception=False, REMOTE_ADDR=f"198.51.100.{n}")
        start.wait()
        for path in ("", "document.html", "", "document.pdf", "") * 2:
            status = client.get(f"/ack/c/{token}/{path}").status_code
            with lock:
                statuses[status] += 1

    def submitter(n: int) -> None:
        client = Client(raise_request_exception=False, REMOTE_ADDR=f"203.0.113.{n}")
        start.wait()
        status = client.post(f"/ack/c/{token}/", items | signer).status_code
        with lock:
            statuses[status] += 1

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(8)]
    threads += [threading.Thread(target=submitter, args=(n,)) for n in range(5)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "acknowledgements": Acknowledgement.objects.count(),
        "seconds": round(time.monotonic() - began, 1),
    }


def import_with_staff_writes() -> dict:
    """A device import runs while another thread saves customers, each with a 2-second lock wait."""
    import tempfile
    from pathlib import Path

    from django.db import connection

    from kokuchi.catalog.tests.factories import make_manufacturer, make_product
    from kokuchi.customers.models import Customer
    from kokuchi.customers.tests.factories import make_customer
    from kokuchi.devices.importers import import_file
    from kokuchi.devices.models import Device

    maker = make_manufacturer(slug="nec", name_ja="日本電気", name_en="NEC", cpe_vendors=["nec"])
    make_product(manufacturer=maker, model_number="WG2600HS")
    make_customer(customer_code="C-001")
    rows = 20_000
    path = Path(tempfile.mkdtemp()) / "devices.csv"
    path.write_text(
        "顧客コード,メーカー,型番,シリアル番号,ファームウェア\n"
        + "".join(f"C-001,NEC,WG2600HS,S-{n:06d},1.0.{n % 9}\n" for n in range(rows)),
        encoding="utf-8",
    )
    connection.close()
    importing = threading.Event()
    outcome: dict = {"staff_writes": 0, "staff_errors": [], "batches": 0}

    def staff() -> None:
        from django.db import connection as staff_connection

        # A short lock wait: the import must never hold the write lock for long.
        staff_connection.settings_dict["OPTIONS"] = {**staff_connection.settings_dict["OPTIONS"], "timeout": 2}
        importing.wait()
        n = 0
        while importing.is_set():
            n += 1
            try:
                Customer.objects.create(customer_code=f"STAFF-{n}", name=f"株式会社スタッフ{n}")
                outcome["staff_writes"] += 1
            except Exception as error:  # every failure is reported by the test
                outcome["staff_errors"].append(repr(error))
            time.sleep(0.02)
        staff_connection.close()

    def after_batch(count: int) -> None:
        outcome["batches"] += 1

    worker = threading.Thread(target=staff)
    worker.start()
    importing.set()
    began = time.monotonic()
    try:
        result = import_file(kind="devices", path=path, after_batch=after_batch)
    finally:
        importing.clear()
        worker.join()
    outcome |= {
        "created": result.created,
        "devices": Device.objects.count(),
        "import_seconds": round(time.monotonic() - began, 1),
    }
    return outcome


SCENARIOS = {"customer_link": customer_link, "import_with_staff_writes": import_with_staff_writes}

if __name__ == "__main__":
    import django

    django.setup()
    from django.test.utils import override_settings

    # Customer links are e-mailed when created: kept in memory here. Static files are not collected
    # for this throw-away installation, so pages name them without the manifest.
    with override_settings(
        MAILERS={"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}},
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ):
        print(json.dumps(SCENARIOS[sys.argv[1]]()))
