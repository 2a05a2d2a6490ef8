"""Generate full-scale synthetic feeds for the import benchmark (written to /tmp, never committed).

NVD: NVD-2.0-format JSON feed files (gzip, one per year like nvdcve-2.0-YYYY.json.gz), built from
the real CVE records and API pages in kokuchi/vulnerabilities/tests/data/feeds/nvd: each generated CVE copies one real
record (descriptions, metrics, references, configurations with their AND/OR nodes and version
ranges), renumbered and with the CPE product names varied, so configuration sizes follow the
samples (about half of them with none, like the Awaiting Analysis / Received records).
JVN: yearly VULDEF detail feeds (jvndb_detail_YYYY.rdf) built the same way from the real Vulinfo
elements of the JVN samples. Also a one-day change file (~300 modified CVEs).

Usage: python benchmarks/feeds_generate.py [--nvd 330000] [--jvn 200000] [--day 300] [--out /tmp/kokuchi-feeds-bench]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
from pathlib import Path

FEEDS = Path(__file__).resolve().parent.parent / "kokuchi" / "vulnerabilities" / "tests" / "data" / "feeds"
_CPE_PRODUCT_RE = re.compile(r"(cpe:2\.3:[aho]:[^:\"]+:)([^:\"]+)")
_CPE22_PRODUCT_RE = re.compile(r"(cpe:/[aho]:[^:<]+:)([^:<]+)")


def nvd_templates() -> list[str]:
    """Real `cve` objects as JSON text with placeholders for the id, timestamps and product suffix."""
    cves = [json.loads(path.read_text()) for path in sorted((FEEDS / "nvd" / "cve-records").glob("*.json"))]
    for page in sorted((FEEDS / "nvd" / "api-cve-pages").glob("*/*.json")):
        if page.parent.name == "moddate":
            continue
        cves.extend(item["cve"] for item in json.loads(page.read_text())["vulnerabilities"])
    templates = []
    for cve in cves:
        text = json.dumps(cve, ensure_ascii=False, separators=(",", ":"))
        text = text.replace(cve["id"], "@ID@")
        text = text.replace(f'"lastModified":"{cve["lastModified"]}"', '"lastModified":"@MOD@"')
        text = _CPE_PRODUCT_RE.sub(r"\1\2_@PK@", text)
        templates.append(text)
    return templates


def write_nvd(out: Path, count: int, *, years: range = range(2002, 2026)) -> list[Path]:
    templates = nvd_templates()
    per_year = -(-count // len(years))
    paths = []
    n = 0
    for year in years:
        path = out / f"nvdcve-2.0-{year}.json.gz"
        items = []
        for i in range(per_year):
            if n >= count:
                break
            text = templates[n % len(templates)]
            items.append(
                '{"cve":'
                + text.replace("@ID@", f"CVE-{year}-{100000 + i}")
                .replace("@MOD@", "2025-01-01T00:00:00.000")
                .replace("@PK@", str(n % 7919))
                + "}"
            )
            n += 1
        header = (
            f'{{"resultsPerPage":{len(items)},"startIndex":0,"totalResults":{len(items)},'
            f'"format":"NVD_CVE","version":"2.0","timestamp":"2025-01-01T00:00:00.000","vulnerabilities":['
        )
        with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as handle:
            handle.write(header)
            handle.write(",".join(items))
            handle.write("]}")
        paths.append(path)
    return paths


def write_nvd_day(out: Path, changed: int, *, total: int, years: range = range(2002, 2026)) -> Path:
    """A 'modified' feed: `changed` existing CVEs with a new lastModified and description."""
    templates = nvd_templates()
    per_year = -(-total // len(years))
    items = []
    for k in range(changed):
        n = (k * 1097) % total
        year = years[n // per_year]
        i = n % per_year
        text = (
            templates[n % len(templates)]
            .replace("@ID@", f"CVE-{year}-{100000 + i}")
            .replace("@MOD@", "2025-01-02T03:04:05.000")
            .replace("@PK@", str(n % 7919))
        )
        cve = json.loads(text)
        cve["descriptions"].insert(0, {"lang": "en", "value": f"Updated on 2025-01-02 (change {k})."})
        items.append({"cve": cve})
    path = out / "nvdcve-2.0-modified.json.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        json.dump(
            {
                "resultsPerPage": changed,
                "startIndex": 0,
                "totalResults": changed,
                "format": "NVD_CVE",
                "version": "2.0",
                "timestamp": "2025-01-02T04:00:00.000",
                "vulnerabilities": items,
            },
            handle,
        )
    return path


def jvn_templates() -> tuple[str, list[str], str]:
    """(document head, Vulinfo element texts with placeholders, document tail) from the real samples."""
    sources = [
        FEEDS / "jvn" / "myjvn-api-examples" / "hnd" / "dataFeed_jvndb_detail_hnd.xml",
        *sorted((FEEDS / "jvn" / "jvndb-feed-fixtures" / "detail").glob("*.rdf")),
    ]
    vulinfos = []
    head = tail = ""
    for path in sources:
        text = path.read_text(encoding="utf-8")
        start = text.index("<Vulinfo>")
        end = text.rindex("</Vulinfo>") + len("</Vulinfo>")
        if not head:
            head = text[:start]
            tail = text[end:]
        for block in re.findall(r"<Vulinfo>.*?</Vulinfo>", text[start:end], flags=re.S):
            vuln_id = re.search(r"<VulinfoID>(JVNDB-[0-9-]+)</VulinfoID>", block).group(1)
            block = block.replace(vuln_id, "@ID@")
            block = _CPE22_PRODUCT_RE.sub(r"\1\2_@PK@", block)
            vulinfos.append(block)
    return head, vulinfos, tail


def write_jvn(out: Path, count: int, *, years: range = range(2005, 2026)) -> list[Path]:
    head, templates, tail = jvn_templates()
    per_year = -(-count // len(years))
    paths = []
    n = 0
    for year in years:
        path = out / f"jvndb_detail_{year}.rdf"
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(head)
            for i in range(per_year):
                if n >= count:
                    break
                handle.write(
                    templates[n % len(templates)]
                    .replace("@ID@", f"JVNDB-{year}-{i + 1:06d}")
                    .replace("@PK@", str(n % 3001))
                )
                handle.write("\n    ")
                n += 1
            handle.write(tail)
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nvd", type=int, default=330_000)
    parser.add_argument("--jvn", type=int, default=200_000)
    parser.add_argument("--day", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path("/tmp/kokuchi-feeds-bench"))
    args = parser.parse_args()
    (args.out / "nvd").mkdir(parents=True, exist_ok=True)
    (args.out / "jvn").mkdir(parents=True, exist_ok=True)
    nvd = write_nvd(args.out / "nvd", args.nvd)
    day = write_nvd_day(args.out, args.day, total=args.nvd)
    jvn = write_jvn(args.out / "jvn", args.jvn)
    size = sum(p.stat().st_size for p in [*nvd, day, *jvn])
    print(
        f"wrote {len(nvd)} NVD files ({args.nvd} CVEs), {len(jvn)} JVN files ({args.jvn} entries), "
        f"day file ({args.day} CVEs); {size / 1e6:.0f} MB in {args.out}"
    )


if __name__ == "__main__":
    main()
