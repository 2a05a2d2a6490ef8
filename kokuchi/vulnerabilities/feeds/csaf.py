"""CSAF 2.0 advisories (OASIS Common Security Advisory Framework) → AdvisoryRecord.

Only what matching and notices need is read: the product tree (branches down to product_version,
service_pack or product_version_range with `vers`, product_identification_helper.cpe,
relationships and product groups), each vulnerability's product_status (known_affected /
first_affected / last_affected, fixed / first_fixed, known_not_affected), its vendor_fix
remediations (fixed version and URL) and why a product is not affected (flags and impact
threats). A document that is not CSAF 2.0 JSON is refused with the file and the field.
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from kokuchi.core.cpe import cpe22_to_cpe23, parse_cpe23

from .records import MAX_ID_LENGTH, FeedError
from .statements import (
    MAX_VERSION_TEXT,
    AdvisoryRecord,
    AdvisoryVulnerability,
    StatementRecord,
    exact_range,
    parse_vers,
    parse_version_text,
)

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024

_AFFECTED = ("known_affected", "first_affected", "last_affected")
_FIXED = ("fixed", "first_fixed")
_NOT_AFFECTED = ("known_not_affected",)


@dataclass(frozen=True)
class CsafProduct:
    """A product_id as the tree defines it: vendor, product name, and its version or range."""

    vendor: str
    product: str
    version: str = ""
    version_range: str = ""
    cpe23: str = ""


def parse_csaf(data: bytes, *, file: str = "", url: str = "") -> AdvisoryRecord:
    """Parse one CSAF 2.0 document (JSON bytes)."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise FeedError(f"document larger than {MAX_DOCUMENT_BYTES} bytes", file=file)
    try:
        doc = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        position = f"line {exc.lineno} column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise FeedError(f"not JSON: {exc}", file=file, position=position) from exc
    document = _object(doc, "$", file)
    meta = _object(document.get("document"), "document", file)
    if meta.get("csaf_version") != "2.0":
        raise FeedError('not a CSAF 2.0 document (document.csaf_version must be "2.0")', file=file)
    tracking = _object(meta.get("tracking"), "document.tracking", file)
    tracking_id = _text(tracking.get("id"), "document.tracking.id", file)
    publisher = _object(meta.get("publisher"), "document.publisher", file)
    released = _datetime(tracking.get("current_release_date"), "document.tracking.current_release_date", file)
    tree = _object(document.get("product_tree", {}), "product_tree", file)
    products = _products(tree, file)
    groups = {
        _text(group.get("group_id"), f"product_tree.product_groups[{i}].group_id", file): tuple(
            group.get("product_ids") or ()
        )
        for i, group in enumerate(_list(tree.get("product_groups", []), "product_tree.product_groups", file))
    }
    self_url = url or next(
        (
            ref.get("url", "")
            for ref in meta.get("references") or ()
            if isinstance(ref, dict) and ref.get("category") == "self"
        ),
        "",
    )
    vulnerabilities: list[AdvisoryVulnerability] = []
    statements: list[StatementRecord] = []
    warnings: list[str] = []
    for index, vuln in enumerate(_list(document.get("vulnerabilities", []), "vulnerabilities", file)):
        where = f"vulnerabilities[{index}]"
        vuln = _object(vuln, where, file)
        vuln_id = str(vuln.get("cve") or tracking_id).strip()
        if len(vuln_id) > MAX_ID_LENGTH:
            warnings.append(f"{where}: ID {vuln_id[:60]!r} longer than {MAX_ID_LENGTH} characters, skipped")
            continue
        vulnerabilities.append(_vulnerability(vuln_id, vuln, meta, released))
        statements.extend(_statements(vuln_id, vuln, where, products, groups, file))
    return AdvisoryRecord(
        feed="csaf",
        document_id=tracking_id,
        publisher=str(publisher.get("name") or ""),
        url=self_url,
        released=released,
        vulnerabilities=tuple(vulnerabilities),
        statements=tuple(statements),
        warnings=tuple(warnings),
    )


def _products(tree: dict, file: str) -> dict[str, CsafProduct]:
    products: dict[str, CsafProduct] = {}
    stack: list[tuple[list, dict[str, str], str]] = [(tree.get("branches") or [], {}, "product_tree.branches")]
    while stack:
        branches, path, where = stack.pop()
        for i, branch in enumerate(_list(branches, where, file)):
            here = f"{where}[{i}]"
            branch = _object(branch, here, file)
            category = str(branch.get("category") or "")
            name = _text(branch.get("name"), f"{here}.name", file)
            named = {**path, category: name}
            if "product" in branch:
                product = _object(branch["product"], f"{here}.product", file)
                product_id = _text(product.get("product_id"), f"{here}.product.product_id", file)
                products[product_id] = _product_from_path(named, product)
            if branch.get("branches"):
                stack.append((branch["branches"], named, f"{here}.branches"))
    for i, full in enumerate(_list(tree.get("full_product_names", []), "product_tree.full_product_names", file)):
        full = _object(full, f"product_tree.full_product_names[{i}]", file)
        product_id = _text(full.get("product_id"), f"product_tree.full_product_names[{i}].product_id", file)
        name = str(full.get("name") or "")
        products.setdefault(product_id, CsafProduct("", name, cpe23=_cpe(full)))
    for i, relation in enumerate(_list(tree.get("relationships", []), "product_tree.relationships", file)):
        relation = _object(relation, f"product_tree.relationships[{i}]", file)
        full = _object(relation.get("full_product_name"), f"product_tree.relationships[{i}].full_product_name", file)
        product_id = _text(
            full.get("product_id"), f"product_tree.relationships[{i}].full_product_name.product_id", file
        )
        component = products.get(str(relation.get("product_reference") or ""))
        if component is not None:
            products.setdefault(product_id, component)
    return products


def _product_from_path(path: dict[str, str], product: dict) -> CsafProduct:
    vendor = path.get("vendor", "")
    name = path.get("product_name") or path.get("product_family") or str(product.get("name") or "")
    version = path.get("patch_level") or path.get("service_pack") or path.get("product_version") or ""
    # Vendors often repeat the product name in the version branch ("FortiOS 6.4.0").
    if version and name and version.startswith(name + " "):
        version = version[len(name) + 1 :]
    return CsafProduct(vendor, name, version, path.get("product_version_range", ""), _cpe(product))


def _cpe(product: dict) -> str:
    helper = product.get("product_identification_helper")
    value = helper.get("cpe") if isinstance(helper, dict) else None
    if not isinstance(value, str):
        return ""
    try:
        if value.startswith("cpe:/"):
            value = cpe22_to_cpe23(value)
        parse_cpe23(value)
    except (ValueError, NotImplementedError, KeyError, TypeError):
        return ""
    return value


def _vulnerability(vuln_id: str, vuln: dict, meta: dict, released: datetime.datetime | None) -> AdvisoryVulnerability:
    notes = [n for n in vuln.get("notes") or () if isinstance(n, dict)]
    description = next((str(n.get("text") or "") for n in notes if n.get("category") == "description"), "")
    if not description:
        description = next((str(n.get("text") or "") for n in notes if n.get("category") == "summary"), "")
    cwe = vuln.get("cwe")
    cwe_ids = (str(cwe["id"]),) if isinstance(cwe, dict) and cwe.get("id") else ()
    references = tuple(
        {"url": str(ref["url"]), "source": "csaf"}
        for ref in (vuln.get("references") or meta.get("references") or ())
        if isinstance(ref, dict) and isinstance(ref.get("url"), str)
    )
    return AdvisoryVulnerability(
        vuln_id=vuln_id,
        title=str(vuln.get("title") or meta.get("title") or ""),
        description=description,
        published=released,
        cwe_ids=cwe_ids,
        references=references,
    )


def _statements(
    vuln_id: str, vuln: dict, where: str, products: dict[str, CsafProduct], groups: dict[str, tuple], file: str
) -> list[StatementRecord]:
    status_map = _object(vuln.get("product_status", {}), f"{where}.product_status", file)

    def expand(item: dict) -> list[str]:
        ids = list(item.get("product_ids") or ())
        for group in item.get("group_ids") or ():
            ids.extend(groups.get(group, ()))
        return ids

    fixes: dict[str, tuple[str, str]] = {}
    for i, remediation in enumerate(_list(vuln.get("remediations", []), f"{where}.remediations", file)):
        remediation = _object(remediation, f"{where}.remediations[{i}]", file)
        if remediation.get("category") != "vendor_fix":
            continue
        for product_id in expand(remediation):
            fixes.setdefault(product_id, (str(remediation.get("url") or ""), str(remediation.get("details") or "")))
    reasons: dict[str, str] = {}
    for flag in vuln.get("flags") or ():
        if isinstance(flag, dict) and flag.get("label"):
            for product_id in expand(flag):
                reasons.setdefault(product_id, str(flag["label"]))
    for threat in vuln.get("threats") or ():
        if isinstance(threat, dict) and threat.get("category") == "impact" and threat.get("details"):
            for product_id in expand(threat):
                reasons[product_id] = str(threat["details"])

    fixed_versions: dict[tuple[str, str], list[str]] = defaultdict(list)
    for key in _FIXED:
        for product_id in _list(status_map.get(key, []), f"{where}.product_status.{key}", file):
            product = products.get(str(product_id))
            if product is not None and product.version:
                fixed_versions[(product.vendor, product.product)].append(product.version)

    grouped: dict[tuple, list[CsafProduct]] = defaultdict(list)
    for status, keys in (("affected", _AFFECTED), ("fixed", _FIXED), ("not_affected", _NOT_AFFECTED)):
        for key in keys:
            for product_id in _list(status_map.get(key, []), f"{where}.product_status.{key}", file):
                product = products.get(str(product_id))
                if product is None:
                    raise FeedError(
                        f"product_id {product_id!r} is not defined in the product_tree",
                        file=file,
                        position=f"{where}.product_status.{key}",
                    )
                url, details = fixes.get(str(product_id), ("", ""))
                reason = reasons.get(str(product_id), "") if status == "not_affected" else ""
                grouped[(status, product.vendor, product.product, product.cpe23, url, details, reason)].append(product)
    out = []
    for (status, vendor, name, cpe23, url, details, reason), members in grouped.items():
        ranges: list[dict] = []
        texts: list[str] = []
        every = False
        for member in members:
            if member.version_range:
                texts.append(member.version_range)
                parsed = parse_vers(member.version_range) if member.version_range.startswith("vers:") else None
                parsed = parsed or parse_version_text(member.version_range)
                if parsed:
                    ranges.extend(parsed)
            elif member.version:
                texts.append(member.version)
                ranges.append(exact_range(member.version))
            else:
                every = True
        version_text = ", ".join(dict.fromkeys(texts))
        if len(version_text) > MAX_VERSION_TEXT:
            version_text = version_text[: MAX_VERSION_TEXT - 20] + f" … ({len(texts)})"
        fixed = ", ".join(dict.fromkeys(fixed_versions.get((vendor, name), ())))
        out.append(
            StatementRecord(
                vuln_id=vuln_id,
                source="csaf",
                vendor=vendor,
                product=name,
                status=status,
                cpe23=cpe23,
                version_text=version_text,
                ranges=tuple({tuple(r.items()): r for r in ranges}.values()),
                all_versions=every and not ranges,
                fixed_version=fixed[:200],
                remediation_url=url,
                remediation_text=details,
                reason=reason,
            )
        )
    return out


def _object(value: Any, where: str, file: str) -> dict:
    if not isinstance(value, dict):
        raise FeedError("expected an object", file=file, position=where)
    return value


def _list(value: Any, where: str, file: str) -> list:
    if not isinstance(value, list):
        raise FeedError("expected a list", file=file, position=where)
    return value


def _text(value: Any, where: str, file: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FeedError("expected a non-empty string", file=file, position=where)
    return value.strip()


def _datetime(value: Any, where: str, file: str) -> datetime.datetime | None:
    if value in (None, ""):
        return None
    try:
        parsed = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise FeedError(f"not a date-time: {value!r}", file=file, position=where) from exc
    # Fortinet's advisories write no time zone; UTC is what the CSAF standard requires.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)
