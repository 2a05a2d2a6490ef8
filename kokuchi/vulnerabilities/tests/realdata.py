"""Vulnerability rows built from the real sample records in data/feeds (feedsamples.py).

NVD items are loaded with json and their `configurations` copied as published. JVN affected
products carry the real version text of the RDF files; their `ranges` are written by hand in the
shape feeds/jvn_versions.py::parse_version_text produces (AffectedProduct docstring).
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

from kokuchi.core.cpe import parse_cpe23
from kokuchi.vulnerabilities.models import AffectedProduct, Vulnerability, VulnerabilityAlias, VulnerabilityCpe
from kokuchi.vulnerabilities.tests.feedsamples import sample


def nvd_record(cve_id: str) -> dict:
    return json.loads(sample(f"nvd/cve-records/{cve_id}.json").read_text(encoding="utf-8"))


def _cvss3(record: dict) -> tuple[Decimal | None, str, str]:
    for key in ("cvssMetricV31", "cvssMetricV30"):
        metrics = record.get("metrics", {}).get(key) or []
        if metrics:
            primary = next((m for m in metrics if m.get("type") == "Primary"), metrics[0])
            data = primary["cvssData"]
            return Decimal(str(data["baseScore"])), data["baseSeverity"], data["vectorString"]
    return None, "", ""


def index_cpes(vulnerability: Vulnerability, criteria: list[str]) -> None:
    seen = set()
    for value in criteria:
        cpe = parse_cpe23(value)
        key = (cpe.part, cpe.vendor, cpe.product)
        if key not in seen:
            seen.add(key)
            VulnerabilityCpe.objects.create(
                vulnerability=vulnerability, part=cpe.part, vendor=cpe.vendor, product=cpe.product
            )


def make_nvd_vulnerability(cve_id: str, **overrides) -> Vulnerability:
    """A Vulnerability with the record's configurations exactly as NVD publishes them."""
    record = nvd_record(cve_id)
    score, severity, vector = _cvss3(record)
    fields = {
        "vuln_id": record["id"],
        "source": "nvd",
        "source_status": record.get("vulnStatus", ""),
        "title_en": record.get("cisaVulnerabilityName", ""),
        "description_en": next((d["value"] for d in record["descriptions"] if d["lang"] == "en"), ""),
        "cvss3_score": score,
        "cvss3_severity": severity,
        "cvss3_vector": vector,
        "published": datetime.datetime.fromisoformat(record["published"]).replace(tzinfo=datetime.UTC),
        "references": [{"url": r["url"]} for r in record.get("references", [])],
        "configurations": record.get("configurations", []),
    } | overrides
    vulnerability = Vulnerability.objects.create(**fields)
    criteria = [m["criteria"] for c in fields["configurations"] for n in c["nodes"] for m in n["cpeMatch"]]
    index_cpes(vulnerability, criteria)
    return vulnerability


# JVNDB-2025-000002 (NEC Aterm), from jvn/myjvn-api-examples/hnd/dataFeed_jvndb_detail_hnd.xml:
# (product, CPE 2.2 as published, version text as published, ranges as the parser yields them).
ATERM_JVNDB_ID = "JVNDB-2025-000002"
ATERM_AFFECTED = [
    (
        "Aterm GB1200PE ファームウェア",
        "cpe:/o:nec:aterm_gb1200pe_firmware",
        "Ver.1.3.0より前のバージョン（CVE-2025-0355）",
        "1.3.0",
        ["CVE-2025-0355"],
    ),
    (
        "Aterm WF1200CR ファームウェア",
        "cpe:/o:nec:aterm_wf1200cr_firmware",
        "Ver.1.6.0より前のバージョン（CVE-2025-0355）",
        "1.6.0",
        ["CVE-2025-0355"],
    ),
    (
        "Aterm WG1200CR ファームウェア",
        "cpe:/o:nec:aterm_wg1200cr_firmware",
        "Ver.1.5.0より前のバージョン（CVE-2025-0355）",
        "1.5.0",
        ["CVE-2025-0355"],
    ),
    (
        "Aterm WG2600HM4 ファームウェア",
        "cpe:/o:nec:aterm_wg2600hm4_firmware",
        "Ver.1.4.2より前のバージョン（CVE-2025-0354、CVE-2025-0355）",
        "1.4.2",
        ["CVE-2025-0354", "CVE-2025-0355"],
    ),
    (
        "Aterm WG2600HP4 ファームウェア",
        "cpe:/o:nec:aterm_wg2600hp4_firmware",
        "Ver.1.4.2より前のバージョン（CVE-2025-0354、CVE-2025-0355）",
        "1.4.2",
        ["CVE-2025-0354", "CVE-2025-0355"],
    ),
    (
        "Aterm WG2600HS ファームウェア",
        "cpe:/o:nec:aterm_wg2600hs_firmware",
        "Ver.1.7.2より前のバージョン（CVE-2025-0354、CVE-2025-0355）",
        "1.7.2",
        ["CVE-2025-0354", "CVE-2025-0355"],
    ),
    (
        "Aterm WG2600HS2 ファームウェア",
        "cpe:/o:nec:aterm_wg2600hs2_firmware",
        "Ver.1.3.2より前のバージョン（CVE-2025-0354、CVE-2025-0355）",
        "1.3.2",
        ["CVE-2025-0354", "CVE-2025-0355"],
    ),
    (
        "Aterm WX1500HP ファームウェア",
        "cpe:/o:nec:aterm_wx1500hp_firmware",
        "Ver.1.4.2より前のバージョン（CVE-2025-0356）",
        "1.4.2",
        ["CVE-2025-0356"],
    ),
    (
        "Aterm WX3000HP ファームウェア",
        "cpe:/o:nec:aterm_wx3000hp_firmware",
        "Ver.2.4.2より前のバージョン（CVE-2025-0354、CVE-2025-0355）",
        "2.4.2",
        ["CVE-2025-0354", "CVE-2025-0355"],
    ),
    (
        "Aterm WX3600HP ファームウェア",
        "cpe:/o:nec:aterm_wx3600hp_firmware",
        "Ver.1.5.3より前のバージョン（CVE-2025-0356）",
        "1.5.3",
        ["CVE-2025-0356"],
    ),
    (
        "Aterm WX4200D5 ファームウェア",
        "cpe:/o:nec:aterm_wx4200d5_firmware",
        "Ver.1.2.4より前のバージョン（CVE-2025-0354、CVE-2025-0355）",
        "1.2.4",
        ["CVE-2025-0354", "CVE-2025-0355"],
    ),
]


def cpe22_to_23(uri: str) -> str:
    part, vendor, product = uri.removeprefix("cpe:/").split(":")[:3]
    return f"cpe:2.3:{part}:{vendor}:{product}:*:*:*:*:*:*:*:*"


def make_aterm_jvn(*, parsed: bool = True) -> Vulnerability:
    """JVNDB-2025-000002 with its eleven Aterm affected products and its three CVE aliases."""
    jvn = Vulnerability.objects.create(
        vuln_id=ATERM_JVNDB_ID, source="jvn", title_ja="NEC Atermシリーズにおける複数の脆弱性（NV25-003）"
    )
    for cve in ("CVE-2025-0354", "CVE-2025-0355", "CVE-2025-0356"):
        VulnerabilityAlias.objects.create(vulnerability=jvn, alias_id=cve)
    for product, cpe22, text, end, cves in ATERM_AFFECTED:
        ranges = (
            [
                {
                    "start": None,
                    "start_inclusive": False,
                    "end": end,
                    "end_inclusive": False,
                    "exact": None,
                    "cve_ids": cves,
                }
            ]
            if parsed
            else []
        )
        AffectedProduct.objects.create(
            vulnerability=jvn,
            vendor="日本電気",
            product=product,
            cpe22=cpe22,
            cpe23=cpe22_to_23(cpe22),
            version_text=text,
            ranges=ranges,
            ranges_parsed=parsed,
        )
    index_cpes(jvn, [cpe22_to_23(a[1]) for a in ATERM_AFFECTED])
    return jvn
