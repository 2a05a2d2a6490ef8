"""Generate a full-scale installed base and vulnerability set for the matching benchmark.

    .venv/bin/python benchmarks/matching_generate.py [--scale 1.0] [--db var/bench/matching.sqlite3]

Synthetic data (IDs are BENCH-…, vendors are real CPE vendor words, products and versions are
generated) written straight into a separate SQLite database:

* 30 vendors, 2,000 products: 40 % share an OS-family firmware CPE (``o:<vendor>:<os>``, as
  FortiOS/IOS XE do), 60 % have their own ``o:<vendor>:<model>_firmware`` + ``h:<vendor>:<model>``;
  each product has 30 releases (``M.m.p``, some with a letter or ``build`` suffix);
* 10,000 customers (Zipf-sized: a few with thousands of devices, most with tens), one contact
  each, a maintenance contract covering every device of 30 % of them;
* 1,000,000 devices, products Zipf-distributed; 70 % run one of the last three releases;
* 330,000 vulnerabilities: about 1,600 on the OS families (OR of 1–4 ranges), 3,000 on model
  firmware (1–5 "firmware AND hardware" blocks), 500 JVNDB entries with parsed ranges for the
  Japanese vendors, the rest on 20,000 products outside the catalogue (as most of NVD is);
  VulnerabilityCpe for all, 1,400 KEV entries, EPSS for every CVE.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VENDORS = [
    "fortinet",
    "cisco",
    "yamaha",
    "nec",
    "buffalo",
    "paloaltonetworks",
    "juniper",
    "netgear",
    "tp-link",
    "synology",
    "qnap",
    "sonicwall",
    "zyxel",
    "alliedtelesis",
    "iodata",
    "elecom",
    "fujitsu",
    "hp",
    "aruba",
    "dlink",
    "ubiquiti",
    "mikrotik",
    "sophos",
    "watchguard",
    "checkpoint",
    "huawei",
    "hikvision",
    "axis",
    "ricoh",
    "canon",
]
JAPANESE = {"yamaha", "nec", "buffalo", "iodata", "elecom", "fujitsu", "alliedtelesis"}


def setup(db: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("KOKUCHI_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def releases(rng: random.Random, n: int = 30) -> list[str]:
    major, minor, patch = rng.randint(1, 16), 0, 0
    out = []
    for _ in range(n):
        step = rng.random()
        if step < 0.15:
            major, minor, patch = major + 1, 0, 0
        elif step < 0.45:
            minor, patch = minor + 1, 0
        else:
            patch += 1
        suffix = rng.choice(["", "", "", "", "a", " build" + str(rng.randint(1000, 2999))])
        out.append(f"{major}.{minor}.{patch}{suffix}")
    return out


def zipf_weights(n: int, s: float = 1.1) -> list[float]:
    return [1 / (i + 1) ** s for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--db", default=str(ROOT / "var" / "bench" / "matching.sqlite3"))
    parser.add_argument("--seed", type=int, default=20260601)
    args = parser.parse_args()
    db = Path(args.db)
    db.parent.mkdir(parents=True, exist_ok=True)
    if db.exists():
        db.unlink()
    setup(db)
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=OFF")
    rng = random.Random(args.seed)
    started = time.perf_counter()
    with transaction.atomic():
        generate(rng, args.scale)
    print(f"generated in {time.perf_counter() - started:.1f} s into {db}")


def generate(rng: random.Random, scale: float) -> None:
    import datetime
    from decimal import Decimal

    from django.contrib.auth.models import Group, User
    from django.utils import timezone

    from kokuchi.catalog.models import Manufacturer, Product, ServicePlan
    from kokuchi.customers.models import Contact, Customer
    from kokuchi.devices.models import Device, MaintenanceContract
    from kokuchi.vulnerabilities.models import (
        AffectedProduct,
        EpssScore,
        KnownExploited,
        Vulnerability,
        VulnerabilityCpe,
    )

    n_products = max(20, int(2000 * scale))
    n_customers = max(10, int(10_000 * scale))
    n_devices = max(100, int(1_000_000 * scale))
    n_vulns = max(1000, int(330_000 * scale))

    user = User.objects.create_user("bench", password="bench")
    user.groups.add(Group.objects.get_or_create(name="viewer")[0])
    # The fresh database holds the manufacturers preloaded by the data migration; the synthetic
    # vendors use some of the same slugs, so start from an empty table.
    Manufacturer.objects.all().delete()
    makers = Manufacturer.objects.bulk_create(
        [
            Manufacturer(
                slug=v,
                name_ja=v.upper(),
                name_en=v.upper(),
                cpe_vendors=[v],
                verified=True,
                vulnerability_info_url=f"https://psirt.example.com/{v}",
            )
            for v in VENDORS
        ]
    )
    os_families = {v: [f"{v}_os{i}" for i in range(rng.randint(1, 3))] for v in VENDORS}
    products, product_releases, product_os = [], [], []
    for i in range(n_products):
        maker = makers[i % len(makers)]
        vendor = maker.cpe_vendors[0]
        model = f"m{i:05d}"
        if rng.random() < 0.4:
            family = rng.choice(os_families[vendor])
            fw_cpe = f"cpe:2.3:o:{vendor}:{family}:*:*:*:*:*:*:*:*"
            hw_cpe = f"cpe:2.3:h:{vendor}:{model}:-:*:*:*:*:*:*:*"
            product_os.append(family)
        else:
            fw_cpe = f"cpe:2.3:o:{vendor}:{model}_firmware:*:*:*:*:*:*:*:*"
            hw_cpe = f"cpe:2.3:h:{vendor}:{model}:-:*:*:*:*:*:*:*"
            product_os.append(None)
        rels = releases(rng)
        product_releases.append(rels)
        products.append(
            Product(
                manufacturer=maker,
                model_number=model.upper(),
                category="router",
                firmware_cpe=fw_cpe,
                hardware_cpe=hw_cpe,
                latest_firmware=rels[-1],
            )
        )
    products = Product.objects.bulk_create(products, batch_size=2000)
    # Products of one OS family share its release train.
    family_releases: dict[str, list[str]] = {}
    for idx, family in enumerate(product_os):
        if family:
            product_releases[idx] = family_releases.setdefault(family, product_releases[idx])
            products[idx].latest_firmware = product_releases[idx][-1]
    Product.objects.bulk_update(products, ["latest_firmware"], batch_size=2000)

    now = timezone.now()
    plan = ServicePlan.objects.create(name="年間保守", kind="continuous_maintenance", price=120000)
    customers = Customer.objects.bulk_create(
        [
            Customer(customer_code=f"B{i:06d}", name=f"ベンチ顧客{i}", notify_without_contract=i % 3 == 0)
            for i in range(n_customers)
        ],
        batch_size=5000,
    )
    Contact.objects.bulk_create(
        [Contact(customer=c, name="担当", email=f"it{c.pk}@bench.example.jp", is_primary=True) for c in customers],
        batch_size=5000,
    )
    print(f"  {len(products)} products, {len(customers)} customers")

    cust_weights = zipf_weights(n_customers, 0.8)
    prod_weights = zipf_weights(n_products, 1.0)
    cust_choice = rng.choices(range(n_customers), weights=cust_weights, k=n_devices)
    prod_choice = rng.choices(range(n_products), weights=prod_weights, k=n_devices)
    today = datetime.date(2026, 6, 1)
    from django.db import connection

    rows = []
    for i in range(n_devices):
        p = prod_choice[i]
        rels = product_releases[p]
        fw = rng.choice(rels[-3:]) if rng.random() < 0.75 else rng.choice(rels)
        rows.append(
            (
                products[p].pk,
                customers[cust_choice[i]].pk,
                f"S{i:08d}",
                "",
                fw,
                fw,
                "",
                (today - datetime.timedelta(days=rng.randint(0, 2000))).isoformat(),
                now,
                now,
            )
        )
    # Raw executemany: a million model instances would cost minutes for nothing measured.
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {Device._meta.db_table} (product_id, customer_id, serial_number, installation_site, "
            "firmware_at_sale, current_firmware, notes, delivered_on, created_at, updated_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            rows,
        )
    del rows
    print(f"  {n_devices} devices")

    contracted = [c for c in customers if rng.random() < 0.3]
    through = MaintenanceContract.devices.through
    MaintenanceContract.objects.bulk_create(
        [
            MaintenanceContract(
                customer=c,
                plan=plan,
                start_date=datetime.date(2026, 4, 1),
                end_date=datetime.date(2027, 3, 31),
                contract_number=f"K{c.pk}",
            )
            for c in contracted
        ],
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {through._meta.db_table} (maintenancecontract_id, device_id) SELECT k.id, d.id FROM "
            f"{MaintenanceContract._meta.db_table} k JOIN {Device._meta.db_table} d ON d.customer_id = k.customer_id"
        )
    print(f"  {len(contracted)} contracts")

    vulns: list[Vulnerability] = []
    cpes: list[tuple[int, str, str, str]] = []  # (vuln index, part, vendor, product)
    jvn_affected: list[tuple[int, dict]] = []

    def add(vuln_id, configurations, keys, score):
        idx = len(vulns)
        vulns.append(
            Vulnerability(
                vuln_id=vuln_id,
                source="nvd",
                title_en=f"Benchmark {vuln_id}",
                cvss3_score=Decimal(str(score)),
                cvss3_severity="HIGH" if score >= 7 else "MEDIUM",
                published=now,
                source_status="Analyzed",
                configurations=configurations,
            )
        )
        for key in keys:
            cpes.append((idx, *key))
        return idx

    def rng_range(rels):
        fix = rng.randint(1, len(rels) - 1)
        start = max(0, fix - rng.randint(1, 8))
        entry = {"vulnerable": True, "versionEndExcluding": rels[fix]}
        if start > 0 or rng.random() < 0.5:
            entry["versionStartIncluding"] = rels[start]
        return entry

    n = 0
    for family, rels in family_releases.items():
        vendor = family.split("_os")[0]
        for _ in range(max(1, int(40 * min(1.0, scale * 10)))):
            n += 1
            entries = []
            for _r in range(rng.randint(1, 4)):
                entry = rng_range(rels)
                entry["criteria"] = f"cpe:2.3:o:{vendor}:{family}:*:*:*:*:*:*:*:*"
                entries.append(entry)
            add(
                f"BENCH-CVE-{n:07d}",
                [{"nodes": [{"operator": "OR", "negate": False, "cpeMatch": entries}]}],
                [("o", vendor, family)],
                round(rng.uniform(4, 10), 1),
            )
    model_products = [i for i, fam in enumerate(product_os) if fam is None]
    by_vendor: dict[str, list[int]] = {}
    for i in model_products:
        by_vendor.setdefault(products[i].manufacturer.cpe_vendors[0], []).append(i)
    for _ in range(int(3000 * min(1.0, scale * 10))):
        n += 1
        vendor = rng.choice(list(by_vendor))
        chosen = rng.sample(by_vendor[vendor], k=min(len(by_vendor[vendor]), rng.randint(1, 5)))
        configs, keys = [], []
        for i in chosen:
            model = products[i].model_number.lower()
            entry = rng_range(product_releases[i])
            entry["criteria"] = f"cpe:2.3:o:{vendor}:{model}_firmware:*:*:*:*:*:*:*:*"
            configs.append(
                {
                    "operator": "AND",
                    "nodes": [
                        {"operator": "OR", "negate": False, "cpeMatch": [entry]},
                        {
                            "operator": "OR",
                            "negate": False,
                            "cpeMatch": [
                                {"vulnerable": False, "criteria": f"cpe:2.3:h:{vendor}:{model}:-:*:*:*:*:*:*:*"}
                            ],
                        },
                    ],
                }
            )
            keys += [("o", vendor, f"{model}_firmware"), ("h", vendor, model)]
        add(f"BENCH-CVE-{n:07d}", configs, keys, round(rng.uniform(4, 10), 1))
    japanese_models = [i for v in JAPANESE for i in by_vendor.get(v, [])]
    for j in range(int(500 * min(1.0, scale * 10))):
        i = rng.choice(japanese_models)
        vendor, model = products[i].manufacturer.cpe_vendors[0], products[i].model_number.lower()
        rels = product_releases[i]
        end = rels[rng.randint(1, len(rels) - 1)]
        idx = len(vulns)
        vulns.append(
            Vulnerability(
                vuln_id=f"JVNDB-2099-{j:06d}",
                source="jvn",
                title_ja=f"ベンチマーク脆弱性 {j}",
                cvss3_score=Decimal("7.5"),
                published=now,
            )
        )
        cpes.append((idx, "o", vendor, f"{model}_firmware"))
        jvn_affected.append(
            (
                idx,
                {
                    "vendor": vendor,
                    "product": model,
                    "cpe23": f"cpe:2.3:o:{vendor}:{model}_firmware:*:*:*:*:*:*:*:*",
                    "version_text": f"Ver.{end}より前のバージョン",
                    "ranges_parsed": True,
                    "ranges": [
                        {
                            "start": None,
                            "start_inclusive": False,
                            "end": end,
                            "end_inclusive": False,
                            "exact": None,
                            "cve_ids": [],
                        }
                    ],
                },
            )
        )
    relevant = len(vulns)
    while len(vulns) < n_vulns:
        n += 1
        vendor, product = f"othervendor{rng.randint(0, 1999)}", f"product{rng.randint(0, 19999)}"
        entry = {
            "vulnerable": True,
            "criteria": f"cpe:2.3:a:{vendor}:{product}:*:*:*:*:*:*:*:*",
            "versionEndExcluding": f"{rng.randint(1, 20)}.{rng.randint(0, 9)}.{rng.randint(0, 30)}",
        }
        add(
            f"BENCH-CVE-{n:07d}",
            [{"nodes": [{"operator": "OR", "negate": False, "cpeMatch": [entry]}]}],
            [("a", vendor, product)],
            round(rng.uniform(2, 10), 1),
        )
    created = []
    for i in range(0, len(vulns), 5000):
        created += Vulnerability.objects.bulk_create(vulns[i : i + 5000])
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {VulnerabilityCpe._meta.db_table} (vulnerability_id, part, vendor, product) "
            "VALUES (%s, %s, %s, %s)",
            sorted({(created[idx].pk, part, vendor, product) for idx, part, vendor, product in cpes}),
        )
    AffectedProduct.objects.bulk_create(
        [AffectedProduct(vulnerability_id=created[idx].pk, **data) for idx, data in jvn_affected], batch_size=5000
    )
    cve_ids = [v.vuln_id for v in created if v.vuln_id.startswith("BENCH-CVE")]
    kev = rng.sample(cve_ids[:relevant], k=min(len(cve_ids[:relevant]) // 4, 1400))
    KnownExploited.objects.bulk_create(
        [KnownExploited(cve_id=c, date_added=datetime.date(2026, 1, 1)) for c in kev], batch_size=5000
    )
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {EpssScore._meta.db_table} (cve_id, score) VALUES (%s, %s)",
            [(c, round(rng.random() ** 4, 5)) for c in cve_ids],
        )
    print(f"  {len(created)} vulnerabilities ({relevant} on catalogue products), {len(cpes)} CPE index rows")


if __name__ == "__main__":
    main()
