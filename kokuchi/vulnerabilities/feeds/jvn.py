"""JVN iPedia (HND format) → VulnRecord: VULDEF 3.2 detail documents (the yearly
jvndb_detail_YYYY.rdf feeds and getVulnDetailInfo responses) and JVNRSS overview lists
(getVulnOverviewList responses, jvndb.rdf), plus checksum.txt.

XML is parsed with lxml's iterparse with entity resolution, DTD loading and network access off
and huge_tree off; a document that declares a DOCTYPE at all is refused before parsing, so an
entity bomb or an external entity fails at once in bounded memory. Elements are matched on local
names because the mod_sec namespace changed between feed generations.
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO, cast

from lxml import etree

from kokuchi.core.cpe import cpe22_to_cpe23, cpe23_key

from .common import GZIP_ERRORS, cvss_base, open_maybe_gzip, parse_utc
from .jvn_versions import CVE_RE, parse_version_text
from .records import MAX_ID_LENGTH, FeedError, VulnRecord, _make_vuln_record, make_affected_record

CVE_SOURCE_NAMES = frozenset({"Common Vulnerabilities and Exposures (CVE)", "National Vulnerability Database (NVD)"})
# Markers JVN leaves in the title/overview of entries that are not live.
WITHDRAWN_MARKERS = ("削除", "未確定", "サポート外")
_MARKER_RE = re.compile(r"\*\*\s*(" + "|".join(WITHDRAWN_MARKERS) + r")\s*\*\*")
_SIMPLE_CPE22_RE = re.compile(r"^cpe:/([aho]):([a-z0-9._\-]+):([a-z0-9._\-]+)$")
_PROLOG_LIMIT = 1 << 16
_CWE_ID_RE = re.compile(r"^CWE-\d+$")


@dataclass(frozen=True)
class JvnStatus:
    """The MyJVN `status:Status` element (absent in the older yearly feeds)."""

    ret_cd: int
    err_cd: str
    err_msg: str
    total_res: int | None
    total_res_ret: int | None
    first_res: int | None


@dataclass(frozen=True)
class OverviewItem:
    vuln_id: str
    title: str
    modified: object  # datetime | None


@dataclass(frozen=True)
class JvnOverview:
    """A getVulnOverviewList response (or an RSS feed): IDs to fetch in detail, and paging."""

    items: tuple[OverviewItem, ...]
    status: JvnStatus | None
    recovered: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChecksumEntry:
    url: str
    filename: str
    sha256: str
    size: int | None
    last_modified: str


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(element) -> str:
    return (element.text or "").strip() if element is not None else ""


def _find(element, name: str):
    return element.find("{*}" + name)


_LI_RE = re.compile(r"<\s*li\s*>", re.IGNORECASE)
_BREAK_RE = re.compile(r"<\s*br\s*/?\s*>|<\s*/\s*(?:li|ul|ol|p)\s*>|<\s*(?:ul|ol|p)\s*>", re.IGNORECASE)
_TAG_RE = re.compile(r"<[^>]+>")


def clean_html_text(value: str) -> str:
    """JVN escapes HTML inside text (&lt;ul&gt;&lt;li&gt;…); render it as plain text lines."""
    if "<" in value:
        text = _LI_RE.sub("\n・", value)
        text = _BREAK_RE.sub("\n", text)
        text = _TAG_RE.sub("", text)
    else:
        text = value
    text = html.unescape(text) if "&" in text else text
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


@functools.lru_cache(maxsize=65536)
def jvn_cpe23(cpe22: str) -> str:
    """Convert a JVN CPE 2.2 URI to 2.3 (fast path for the plain part:vendor:product form)."""
    match = _SIMPLE_CPE22_RE.match(cpe22)
    if match:
        return "cpe:2.3:{}:{}:{}:*:*:*:*:*:*:*:*".format(*match.groups())

    try:
        return cpe22_to_cpe23(cpe22)
    except (ValueError, NotImplementedError, TypeError, KeyError):
        return ""
    except Exception:  # noqa: BLE001 - the cpe library raises bare Exception subclasses on bad URIs
        return ""


def _refuse_doctype(head: bytes, file: str) -> None:
    """Refuse DOCTYPE/ENTITY declarations: JVN never uses them and they carry entity bombs and XXE."""
    head = head[:_PROLOG_LIMIT]
    root = re.search(rb"<[A-Za-z_]", head)
    prolog = head[: root.start()] if root else head
    match = re.search(rb"<!(DOCTYPE|ENTITY)", prolog)
    if match:
        line = head[: match.start()].count(b"\n") + 1
        raise FeedError(
            "refused: the document declares a DOCTYPE/ENTITY (entity expansion and external entities are "
            "disabled; JVN feeds never declare one)",
            file=file,
            position=f"line {line}",
        )
    if root is None and len(head) >= _PROLOG_LIMIT:
        raise FeedError("refused: no root element within the first 64 KiB", file=file, position="byte 0")


def _xml_error(exc: etree.XMLSyntaxError, file: str) -> FeedError:
    line, column = exc.position if exc.position else (exc.lineno, 0)
    return FeedError(f"malformed XML: {exc.msg}", file=file, position=f"line {line} column {column}")


def _status(element) -> JvnStatus:
    def number(name):
        value = (element.get(name) or "").strip()
        return int(value) if value.isdigit() else None

    ret = (element.get("retCd") or "0").strip()
    return JvnStatus(
        ret_cd=int(ret) if ret.isdigit() else 1,
        err_cd=element.get("errCd") or "",
        err_msg=element.get("errMsg") or "",
        total_res=number("totalRes"),
        total_res_ret=number("totalResRet"),
        first_res=number("firstRes"),
    )


_LOCAL_NAMES: dict[str, str] = {}


def _local_name(tag: str) -> str:
    local = _LOCAL_NAMES.get(tag)
    if local is None:
        local = _LOCAL_NAMES[tag] = tag.rsplit("}", 1)[-1]
    return local


def _tag_local(tag) -> str | None:
    """Local name of an element tag; None for comments and processing instructions."""
    local = _LOCAL_NAMES.get(tag)
    if local is None and isinstance(tag, str):
        local = _local_name(tag)
    return local


_DATA_FIELDS = frozenset({"Title", "DateFirstPublished", "DateLastUpdated", "DatePublic"})


def _item_texts(node, first: dict[str, int]) -> tuple[list[str], list[str]]:
    """One pass over an item's children: the stripped text of the first child named each key of
    `first` (at the key's position; "" when absent), and the raw text of every VersionNumber child."""
    values: list = [None, None, None]
    versions: list[str] = []
    names = _LOCAL_NAMES
    for child in node:
        tag = child.tag
        local = names.get(tag) or _tag_local(tag)
        if local == "VersionNumber":
            versions.append(child.text or "")
            continue
        position = first.get(local or "")
        if position is not None and values[position] is None:
            values[position] = (child.text or "").strip()
    return [value or "" for value in values], versions


_AFFECTED_FIELDS = {"Name": 0, "ProductName": 1, "Cpe": 2}
_RELATED_FIELDS = {"Name": 0, "VulinfoID": 1, "URL": 2}
_CVSS_FIELDS = {"Vector": 0, "Base": 1, "Severity": 2}


def _gather(vulinfo) -> tuple:
    """Collect what the record needs from one Vulinfo element, in one pass per level.

    Return (vuln_id, position, fields, related, cvss, affected): the first VulinfoID child; the
    first VulinfoData's Title/Date* (first of each) and Overview; its RelatedItem (type, Name,
    VulinfoID, URL), Cvss (version, Vector, Base, Severity) and AffectedItem (Name, ProductName,
    Cpe, [VersionNumber…]) items, from every Related/Impact/Affected container in document order.
    Texts are stripped except VersionNumber (kept as published).
    """
    names = _LOCAL_NAMES
    vuln_id = None
    data = None
    for child in vulinfo:
        tag = child.tag
        local = names.get(tag) or _tag_local(tag)
        if local == "VulinfoID":
            if vuln_id is None:
                vuln_id = (child.text or "").strip()
        elif local == "VulinfoData" and data is None:
            data = child
    vuln_id = vuln_id or ""
    position = f"line {vulinfo.sourceline} ({vuln_id})"
    fields: dict[str, str] = {}
    related: list[tuple] = []
    cvss: list[tuple] = []
    affected: list[tuple] = []
    if data is None:
        return vuln_id, position, fields, related, cvss, affected
    # An Overview directly under VulinfoData (not the schema's place) and the one inside the first
    # VulinfoDescription: the kind that first appears later wins, as it always has.
    direct_overview: str | None = None
    described_overview: str | None = None
    seen = 0
    direct_seen = described_seen = -1
    for child in data:
        tag = child.tag
        local = names.get(tag) or _tag_local(tag)
        if local is None:
            continue
        seen += 1
        if local == "Affected":
            for node in child:
                if (names.get(node.tag) or _tag_local(node.tag)) == "AffectedItem":
                    (name, product, cpe), versions = _item_texts(node, _AFFECTED_FIELDS)
                    affected.append((name, product, cpe, versions))
        elif local == "Related":
            for node in child:
                if (names.get(node.tag) or _tag_local(node.tag)) == "RelatedItem":
                    (name, ref_id, url), _versions = _item_texts(node, _RELATED_FIELDS)
                    related.append((node.get("type", ""), name, ref_id, url))
        elif local == "Impact":
            for node in child:
                if (names.get(node.tag) or _tag_local(node.tag)) == "Cvss":
                    (vector, base, severity), _versions = _item_texts(node, _CVSS_FIELDS)
                    cvss.append((node.get("version", ""), vector, base, severity))
        elif local in _DATA_FIELDS:
            if local not in fields:
                fields[local] = (child.text or "").strip()
        elif local == "VulinfoDescription":
            if described_overview is None:
                described_seen = seen
                described_overview = ""
                for node in child:
                    if (names.get(node.tag) or _tag_local(node.tag)) == "Overview":
                        described_overview = (node.text or "").strip()
                        break
        elif local == "Overview" and direct_overview is None:
            direct_seen = seen
            direct_overview = (child.text or "").strip()
    if direct_overview is not None or described_overview is not None:
        fields["Overview"] = (direct_overview if direct_seen > described_seen else described_overview) or ""
    return vuln_id, position, fields, related, cvss, affected


def _build_record(built: tuple, file: str) -> VulnRecord:
    """Turn one gathered Vulinfo (see _gather) into a VulnRecord."""
    vuln_id, where, fields, related, cvss_items, affected_items = built
    if not vuln_id.startswith("JVNDB-") or len(vuln_id) > MAX_ID_LENGTH:
        raise FeedError(f"Vulinfo without a JVNDB id ({vuln_id!r})"[:200], file=file, position=where[:200])
    title = fields.get("Title", "")
    overview = clean_html_text(fields.get("Overview", ""))

    aliases: dict[str, None] = {}
    cwes: dict[str, None] = {}
    references = []
    for kind, name, ref_id, url in related:
        if kind == "cwe" and _CWE_ID_RE.match(ref_id):
            cwes[ref_id] = None
        if kind == "advisory" and name in CVE_SOURCE_NAMES and CVE_RE.fullmatch(ref_id):
            aliases[ref_id] = None
        references.append({"type": kind, "source": name, "id": ref_id, "url": url})
    cve_ids = list(aliases)

    cvss3: tuple[Decimal | None, str, str] = (None, "", "")
    cvss4: tuple[Decimal | None, str, str] = (None, "", "")
    for version, vector, base, severity_text in cvss_items:
        if version.startswith("3"):
            cvss3 = (*cvss_base(base, severity_text, vector), vector)
        elif version.startswith("4"):
            cvss4 = (*cvss_base(base, severity_text, vector), vector)

    affected = []
    cpes: dict[tuple[str, str, str], None] = {}
    for vendor, product, cpe22, versions in affected_items:
        cpe23 = jvn_cpe23(cpe22) if cpe22 else ""
        key = cpe23_key(cpe23) if cpe23 else None
        if key:
            cpes[key] = None
        # Several VersionNumber elements are kept one per line, each exactly as published.
        if len(versions) == 1:
            version_text = versions[0] if versions[0].strip() else ""
        else:
            version_text = "\n".join([v for v in versions if v.strip()])
        ranges = parse_version_text(version_text, cve_ids) if version_text else []
        affected.append(make_affected_record(vendor, product, cpe22, cpe23, version_text, tuple(ranges), bool(ranges)))

    marker = _MARKER_RE.search(title) or _MARKER_RE.search(overview)
    return _make_vuln_record(
        {
            "vuln_id": vuln_id,
            "source": "jvn",
            "title_ja": title,
            "description_ja": overview,
            "cvss3_score": cvss3[0],
            "cvss3_severity": cvss3[1],
            "cvss3_vector": cvss3[2],
            "cvss4_score": cvss4[0],
            "cvss4_severity": cvss4[1],
            "cvss4_vector": cvss4[2],
            "cwe_ids": tuple(cwes),
            # 公表日 (made public) is what counts for "published in the last N years"; JVN's own
            # registration date stands in when it is missing.
            "published": parse_utc(
                fields.get("DatePublic") or fields.get("DateFirstPublished"), file=file, position=where
            ),
            "last_modified": parse_utc(fields.get("DateLastUpdated"), file=file, position=where),
            "source_status": marker.group(1) if marker else "",
            "withdrawn": marker is not None,
            "references": tuple(references),
            "aliases": tuple(cve_ids),
            "affected": tuple(affected),
            "cpes": tuple(cpes),
        }
    )


def _open_xml(source, file: str, on_read):
    reader = open_maybe_gzip(source, on_read)
    try:
        head = reader.read(_PROLOG_LIMIT)
    except GZIP_ERRORS as exc:
        reader.close()
        raise FeedError(f"damaged or truncated gzip data ({exc})", file=file, position="byte 0") from exc
    _refuse_doctype(head, file)
    return reader, head


def iter_jvn_detail(
    source: Path | str | bytes | BinaryIO, *, file: str = "", on_read=None, status_out: list | None = None
) -> Iterator[VulnRecord]:
    """Stream the VulnRecords of a VULDEF detail document (yearly feed or getVulnDetailInfo).

    Raise FeedError naming the file and line on malformed XML, a wrong root element, or a MyJVN
    error status. When `status_out` is a list, the document's status:Status is appended to it.
    """
    file = file or str(source if not isinstance(source, bytes | bytearray) else "<bytes>")
    reader, head = _open_xml(source, file, on_read)
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        reader.close()
        raise FeedError(
            "not XML (JVN import takes the HND XML formats: VULDEF detail feeds and getVulnDetailInfo responses)",
            file=file,
            position="line 1 column 1",
        )
    root = re.search(rb"<(?:[A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)", head)
    if root is None:
        reader.close()
        raise FeedError("empty document or no root element", file=file, position="byte 0")
    if root.group(1) != b"VULDEF-Document":
        reader.close()
        name = root.group(1).decode("ascii", "replace")
        hint = (
            " (a JVN RSS overview has no version text: import the detail feed jvndb_detail_YYYY.rdf instead)"
            if name == "RDF"
            else ""
        )
        raise FeedError(
            f"wrong root element <{name}>, expected <VULDEF-Document>{hint}",
            file=file,
            position=f"line {head[: root.start()].count(b'\n') + 1}",
        )
    try:
        # Only Vulinfo and Status reach Python; lxml filters the other elements in C. Whitespace-only
        # text between elements is dropped (fewer nodes to build and skip): every text read here is
        # stripped, or, for VersionNumber, left out when blank, so it never counted.
        for _event, element in etree.iterparse(
            _Replay(head, reader),
            events=("end",),
            tag=("{*}Vulinfo", "{*}Status"),
            resolve_entities=False,
            no_network=True,
            huge_tree=False,
            load_dtd=False,
            dtd_validation=False,
            remove_comments=True,
            remove_blank_text=True,
        ):
            # The tag filter above passes elements only, whose tag is always a str.
            if _local_name(cast(str, element.tag)) == "Vulinfo":
                yield _build_record(_gather(element), file)
                element.clear(keep_tail=False)
                parent = element.getparent()
                if parent is not None:
                    # Drop the processed siblings so a 70 MB yearly file streams in bounded memory.
                    while element.getprevious() is not None:
                        del parent[0]
            else:
                status = _status(element)
                if status_out is not None:
                    status_out.append(status)
                if status.ret_cd != 0:
                    raise FeedError(
                        f"MyJVN error {status.err_cd}: {status.err_msg}",
                        file=file,
                        position=f"line {element.sourceline}",
                    )
    except etree.XMLSyntaxError as exc:
        raise _xml_error(exc, file) from exc
    except GZIP_ERRORS as exc:
        raise FeedError(
            f"damaged or truncated gzip data ({exc})", file=file, position=f"near byte {reader.count}"
        ) from exc
    finally:
        reader.close()


class _Replay:
    """A read()-able that first hands out the sniffed head, then continues with the stream."""

    def __init__(self, head: bytes, rest) -> None:
        self.head = head
        self.rest = rest

    def read(self, size: int = -1) -> bytes:
        if self.head:
            chunk, self.head = self.head, b""
            return chunk
        return self.rest.read(size if size > 0 else 1 << 16)


# The official 2025 sample dataFeed_jvndb_rss_hnd.xml has `retCd= 0` (an unquoted attribute value)
# inside status:Status. That one defect is repaired and reported; anything else malformed is rejected.
_UNQUOTED_ATTR_RE = re.compile(rb"(<status:Status\b[^>]*?\s[A-Za-z]+=)\s*([0-9A-Za-z]+)(?=[\s/>])")


def parse_jvn_overview(data: bytes, *, file: str = "") -> JvnOverview:
    """Parse a JVNRSS overview (getVulnOverviewList response, jvndb.rdf, jvndb_new.rdf)."""
    _refuse_doctype(data, file)
    recovered: list[str] = []
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        repaired, count = _UNQUOTED_ATTR_RE.subn(rb'\1"\2"', data)
        if not count:
            raise _xml_error(exc, file) from exc
        line, column = exc.position if exc.position else (exc.lineno, 0)
        try:
            root = etree.fromstring(repaired, parser)
        except etree.XMLSyntaxError as exc2:
            raise _xml_error(exc2, file) from exc2
        recovered.append(
            f"{file}: line {line} column {column}: recovered: quoted {count} unquoted attribute "
            f"value(s) in status:Status ({exc.msg})"
        )
    if _local(root.tag) != "RDF":
        raise FeedError(
            f"wrong root element <{_local(root.tag)}>, expected <rdf:RDF> (JVNRSS)",
            file=file,
            position=f"line {root.sourceline}",
        )
    items = []
    status = None
    for element in root:
        name = _local(element.tag)
        if name == "item":
            identifier = _text(_find(element, "identifier"))
            modified = _text(_find(element, "modified")) or _text(_find(element, "date"))
            if not identifier.startswith("JVNDB-"):
                raise FeedError(
                    f"item without a JVNDB identifier ({identifier!r})",
                    file=file,
                    position=f"line {element.sourceline}",
                )
            items.append(
                OverviewItem(
                    vuln_id=identifier,
                    title=_text(_find(element, "title")),
                    modified=parse_utc(modified, file=file, position=f"line {element.sourceline}"),
                )
            )
        elif name == "Status":
            status = _status(element)
    if status is not None and status.ret_cd != 0:
        raise FeedError(f"MyJVN error {status.err_cd}: {status.err_msg}", file=file, position="status:Status")
    return JvnOverview(items=tuple(items), status=status, recovered=tuple(recovered))


def parse_checksum(data: bytes, *, file: str = "checksum.txt") -> tuple[ChecksumEntry, ...]:
    """Parse JVN's checksum.txt (a JSON list of {url, filename, sha256, size, lastModified})."""
    try:
        entries = json.loads(data)
    except json.JSONDecodeError as exc:
        raise FeedError(
            f"malformed JSON: {exc.msg}", file=file, position=f"line {exc.lineno} column {exc.colno}"
        ) from exc
    except RecursionError as exc:  # absurdly deep nesting: hostile input
        raise FeedError("JSON nested too deeply", file=file, position="line 1") from exc
    if not isinstance(entries, list):
        raise FeedError("wrong root: expected a JSON list", file=file, position="line 1")
    result = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not all(k in entry for k in ("url", "filename", "sha256")):
            raise FeedError("entry without url/filename/sha256", file=file, position=f"entry {index}")
        result.append(
            ChecksumEntry(
                url=entry["url"],
                filename=entry["filename"],
                sha256=entry["sha256"].lower(),
                size=entry.get("size"),
                last_modified=entry.get("lastModified", ""),
            )
        )
    return tuple(result)
