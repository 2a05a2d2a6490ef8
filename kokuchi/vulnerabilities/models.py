"""Vulnerabilities (脆弱性) from JVN iPedia and NVD, with CISA KEV and EPSS beside them.

The shapes here are shared by the feed loaders (which fill them) and the matcher of the exposures
app (which reads them): NVD configurations are kept as published (nodes, operators, negate, CPE criteria and
version bounds), JVN affected products keep the version text exactly as published plus the
ranges parsed from it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class VulnerabilitySource(models.TextChoices):
    NVD = "nvd", "NVD"
    JVN = "jvn", "JVN iPedia"
    # A row created from a vendor advisory or a CVE record before NVD published the ID (NVD's own
    # import later replaces it).
    CSAF = "csaf", "CSAF"
    CVE5 = "cve5", "CVE JSON 5"


class Severity(models.TextChoices):
    CRITICAL = "CRITICAL", _("Critical")
    HIGH = "HIGH", _("High")
    MEDIUM = "MEDIUM", _("Medium")
    LOW = "LOW", _("Low")
    NONE = "NONE", _("None")


class VulnerabilityQuerySet(models.QuerySet):
    def live(self):
        """Entries that are neither rejected (NVD) nor withdrawn (JVN ** 削除 ** etc.)."""
        return self.filter(withdrawn=False)


class Vulnerability(models.Model):
    """A vulnerability (脆弱性) keyed by its ID: CVE-YYYY-N from NVD or JVNDB-YYYY-NNNNNN from
    JVN iPedia. A JVNDB entry links to its CVEs through aliases."""

    vuln_id = models.CharField(_("ID"), max_length=40, unique=True)
    source = models.CharField(_("source"), max_length=10, choices=VulnerabilitySource.choices)
    title_ja = models.TextField(_("title (Japanese)"), blank=True)
    title_en = models.TextField(_("title (English)"), blank=True)
    description_ja = models.TextField(_("description (Japanese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    cvss3_score = models.DecimalField(_("CVSS v3 base score"), max_digits=3, decimal_places=1, null=True, blank=True)
    cvss3_severity = models.CharField(_("CVSS v3 severity"), max_length=10, choices=Severity.choices, blank=True)
    cvss3_vector = models.CharField(_("CVSS v3 vector"), max_length=200, blank=True)
    cvss4_score = models.DecimalField(_("CVSS v4 base score"), max_digits=3, decimal_places=1, null=True, blank=True)
    cvss4_severity = models.CharField(_("CVSS v4 severity"), max_length=10, choices=Severity.choices, blank=True)
    cvss4_vector = models.CharField(_("CVSS v4 vector"), max_length=300, blank=True)
    cwe_ids = models.JSONField(_("CWE"), default=list, blank=True)
    published = models.DateTimeField(_("published"), null=True, blank=True)
    last_modified = models.DateTimeField(_("last modified"), null=True, blank=True)
    # The source's own status word (NVD vulnStatus such as "Analyzed", "Awaiting Analysis",
    # "Rejected"; JVN has none) and whether the entry is withdrawn/rejected.
    source_status = models.CharField(_("status at source"), max_length=40, blank=True)
    withdrawn = models.BooleanField(_("rejected or withdrawn"), default=False)
    references = models.JSONField(_("references"), default=list, blank=True)
    # NVD configurations as published: [{"operator": "AND"|"OR", "negate": bool, "nodes": [
    #   {"operator": "OR", "negate": bool, "cpeMatch": [{"vulnerable": bool, "criteria": cpe23,
    #    "versionStartIncluding": ..., "versionStartExcluding": ..., "versionEndIncluding": ...,
    #    "versionEndExcluding": ...}]}]}]
    configurations = models.JSONField(_("NVD configurations"), default=list, blank=True)
    # sha256 of the parsed record: an import that yields the same hash changes nothing, and the
    # matcher re-examines only rows whose hash changed.
    content_hash = models.CharField(max_length=64, blank=True)
    changed_at = models.DateTimeField(_("changed in Kokuchi at"), auto_now=True, db_index=True)

    objects = VulnerabilityQuerySet.as_manager()

    class Meta:
        ordering = ["-published", "vuln_id"]
        verbose_name = _("vulnerability")
        verbose_name_plural = _("vulnerabilities")

    def __str__(self) -> str:
        return self.vuln_id

    @property
    def title(self) -> str:
        """The title to show: Japanese when the entry or a JVN iPedia entry citing it has one."""
        return self.japanese_title or self.title_en

    @property
    def japanese_title(self) -> str:
        """The entry's own Japanese title (JVN iPedia), else that of the JVN iPedia entry citing this CVE
        when the row was loaded through selectors.with_jvn_titles; empty otherwise."""
        return self.title_ja or getattr(self, "jvn_title_ja", None) or ""

    @property
    def japanese_title_source(self) -> str:
        """The ID of the JVN iPedia entry the Japanese title comes from (empty when there is none)."""
        if self.title_ja:
            return self.vuln_id if self.vuln_id.startswith("JVNDB-") else ""
        return getattr(self, "jvn_title_id", None) or ""

    @property
    def english_title(self) -> str:
        """What NVD says in English: its title (CISA's name of a known-exploited flaw) or its description."""
        return self.title_en or self.description_en

    @property
    def severity(self) -> str:
        return self.cvss3_severity or self.cvss4_severity

    @property
    def base_score(self):
        return self.cvss3_score if self.cvss3_score is not None else self.cvss4_score

    @property
    def url(self) -> str:
        if self.vuln_id.startswith("JVNDB-"):
            year = self.vuln_id.split("-")[1]
            return f"https://jvndb.jvn.jp/ja/contents/{year}/{self.vuln_id}.html"
        return f"https://nvd.nist.gov/vuln/detail/{self.vuln_id}"


# DERIVED_ROW_FK: aliases, affected products and the CPE index are rows derived from a feed record.
# Only the feed loader writes them, always for the vulnerability it has just written in the same
# transaction, and nothing deletes vulnerabilities except through the ORM, whose CASCADE removes
# them. A database foreign key would add one lookup per row (300,000 for 57,144 JVN entries,
# measured: a third of PostgreSQL's CPU there) and guard against nothing the code does.


class VulnerabilityAlias(models.Model):
    """Another ID of the same vulnerability (a JVNDB entry's CVE IDs, and back)."""

    # No index of its own on vulnerability: unique_alias starts with it. A plain index on alias_id
    # (Meta) rather than db_index=True, which on PostgreSQL adds a second, LIKE-only one. No
    # database FK either (DERIVED_ROW_FK): fewer checks on a full JVN load (200,000 entries).
    vulnerability = models.ForeignKey(
        Vulnerability, on_delete=models.CASCADE, related_name="aliases", db_index=False, db_constraint=False
    )
    alias_id = models.CharField(_("alias"), max_length=40)

    class Meta:
        verbose_name = _("alias")
        verbose_name_plural = _("aliases")
        indexes = [models.Index(fields=["alias_id"], name="vulnalias_alias_id")]
        constraints = [models.UniqueConstraint(fields=["vulnerability", "alias_id"], name="unique_alias")]

    def __str__(self) -> str:
        return f"{self.vulnerability_id} = {self.alias_id}"


class AffectedProduct(models.Model):
    """A product JVN iPedia lists as affected: vendor, product, CPE as published (2.2) and
    converted (2.3), the version text exactly as published, and ranges parsed from it.

    `ranges` is a list of {"start": str|None, "start_inclusive": bool, "end": str|None,
    "end_inclusive": bool, "exact": str|None, "cve_ids": [..]}, plus "qualifier" and
    "qualifier_kind" (edition or patch) when the range applies only to an edition or without a fix
    (then a match is a staff review candidate) — empty when the text could not be parsed (then
    matching falls back to vendor/product alone, with low confidence).
    """

    vulnerability = models.ForeignKey(
        Vulnerability, on_delete=models.CASCADE, related_name="affected_products", db_constraint=False
    )  # see DERIVED_ROW_FK
    vendor = models.CharField(_("vendor"), max_length=200, blank=True)
    product = models.CharField(_("product"), max_length=300, blank=True)
    cpe22 = models.CharField(_("CPE 2.2 as published"), max_length=300, blank=True)
    cpe23 = models.CharField(_("CPE 2.3"), max_length=300, blank=True)
    version_text = models.TextField(_("version text as published"), blank=True)
    ranges = models.JSONField(_("parsed ranges"), default=list, blank=True)
    ranges_parsed = models.BooleanField(_("version text parsed"), default=False)

    class Meta:
        verbose_name = _("affected product (JVN)")
        verbose_name_plural = _("affected products (JVN)")

    def __str__(self) -> str:
        return f"{self.vendor} {self.product} {self.version_text}"


class VulnerabilityCpe(models.Model):
    """Index of (part, vendor, product) named by a vulnerability, from NVD criteria and JVN CPEs.

    It answers "which vulnerabilities concern this product" without walking every configuration,
    and it is the vocabulary from which CPEs are suggested for products.
    """

    # No index of its own on vulnerability: unique_vuln_cpe starts with it; no database FK (DERIVED_ROW_FK).
    vulnerability = models.ForeignKey(
        Vulnerability, on_delete=models.CASCADE, related_name="cpe_index", db_index=False, db_constraint=False
    )
    part = models.CharField(max_length=1)
    vendor = models.CharField(max_length=200)
    product = models.CharField(max_length=200)

    class Meta:
        indexes = [models.Index(fields=["vendor", "product"], name="vulncpe_vendor_product")]
        constraints = [
            models.UniqueConstraint(fields=["vulnerability", "part", "vendor", "product"], name="unique_vuln_cpe"),
        ]

    def __str__(self) -> str:
        return f"{self.vulnerability_id} {self.part}:{self.vendor}:{self.product}"


class FeedName(models.TextChoices):
    NVD = "nvd", "NVD"
    JVN = "jvn", "JVN iPedia"
    KEV = "kev", "CISA KEV"
    EPSS = "epss", "FIRST EPSS"
    CSAF = "csaf", "CSAF"
    CVE5 = "cve5", "CVE JSON 5"


class FeedState(models.Model):
    """Where the online sync of one feed stands: the resume marker of an interrupted run, the
    watermark of the last complete run, HTTP validators for conditional requests, the JVN file
    checksums already loaded, and the outcome of the last run for the status page."""

    source = models.CharField(_("feed"), max_length=10, choices=FeedName.choices, unique=True)
    # Resume marker written in the same transaction as each committed page/file; empty when idle.
    cursor = models.JSONField(_("resume marker"), default=dict, blank=True)
    # NVD: lastModEndDate of the last complete run (the next run starts a little before it).
    watermark = models.DateTimeField(_("synchronised up to"), null=True, blank=True)
    etag = models.CharField(max_length=200, blank=True)
    http_last_modified = models.CharField(max_length=100, blank=True)
    # JVN: {filename: sha256} of the feed files already loaded (checksum.txt change detection).
    file_hashes = models.JSONField(default=dict, blank=True)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["source"]
        verbose_name = _("feed state")
        verbose_name_plural = _("feed states")

    def __str__(self) -> str:
        return self.source


class FeedRunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCESS = "success", _("Succeeded")
    NOT_MODIFIED = "not_modified", _("Not modified")
    FAILED = "failed", _("Failed")


class FeedRun(models.Model):
    """One sync or offline import of one feed: when, what it changed, and how it ended."""

    source = models.CharField(_("feed"), max_length=10, choices=FeedName.choices)
    kind = models.CharField(_("kind"), max_length=10)  # "sync" or "import"
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=FeedRunStatus.choices, default=FeedRunStatus.RUNNING)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    deleted = models.PositiveIntegerField(_("deleted"), default=0)
    pages = models.PositiveIntegerField(_("pages or files"), default=0)
    changed_ids = models.JSONField(_("changed IDs"), default=list, blank=True)
    messages = models.JSONField(_("messages"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["source", "-started_at"], name="feedrun_source_started")]
        verbose_name = _("feed run")
        verbose_name_plural = _("feed runs")

    def __str__(self) -> str:
        return f"{self.source} {self.kind} {self.started_at:%Y-%m-%d %H:%M} {self.status}"


class KnownExploited(models.Model):
    """An entry of CISA's Known Exploited Vulnerabilities catalog (keyed by CVE ID, so it can be
    loaded before or after the CVE itself)."""

    cve_id = models.CharField(_("CVE ID"), max_length=40, unique=True)
    vendor_project = models.CharField(_("vendor / project"), max_length=200, blank=True)
    product = models.CharField(_("product"), max_length=200, blank=True)
    name = models.CharField(_("name"), max_length=500, blank=True)
    date_added = models.DateField(_("date added"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    known_ransomware_use = models.CharField(_("known ransomware campaign use"), max_length=20, blank=True)
    required_action = models.TextField(_("required action"), blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-date_added"]
        verbose_name = _("known exploited vulnerability (KEV)")
        verbose_name_plural = _("known exploited vulnerabilities (KEV)")

    def __str__(self) -> str:
        return self.cve_id

    @property
    def ransomware(self) -> bool:
        return self.known_ransomware_use.strip().lower() == "known"


class EpssScore(models.Model):
    """FIRST EPSS probability of exploitation for one CVE, as of `score_date`."""

    cve_id = models.CharField(_("CVE ID"), max_length=40, unique=True)
    score = models.FloatField(_("EPSS score"))
    percentile = models.FloatField(_("EPSS percentile"), null=True, blank=True)
    score_date = models.DateField(_("score date"), null=True, blank=True)

    class Meta:
        verbose_name = _("EPSS score")
        verbose_name_plural = _("EPSS scores")

    def __str__(self) -> str:
        return f"{self.cve_id} {self.score:.5f}"


class StatementSource(models.TextChoices):
    """Where a product statement comes from, in the order matching consults them for a CVE that
    NVD has not analysed (after JVN)."""

    CVE5_CNA = "cve5_cna", _("CVE record (CNA)")
    CVE5_ADP = "cve5_adp", _("CVE record (CISA ADP)")
    CSAF = "csaf", _("Vendor advisory (CSAF)")


class StatementStatus(models.TextChoices):
    AFFECTED = "affected", _("Affected")
    FIXED = "fixed", _("Fixed")
    NOT_AFFECTED = "not_affected", _("Not affected")


class ProductStatement(models.Model):
    """What one document (a CVE JSON 5 record's CNA or ADP container, or a vendor's CSAF advisory)
    says about one product and one vulnerability: affected in some versions, fixed in others, or
    not affected (VEX), with the text it came from, the fix and why not affected.

    Keyed by the vulnerability ID as a string (like KEV): the statement may arrive before NVD
    publishes the CVE, and NVD's import never touches these rows. `ranges` has the shape of
    AffectedProduct.ranges (start, start_inclusive, end, end_inclusive, exact); an empty list with
    `all_versions` set means every version.
    """

    vuln_id = models.CharField(_("vulnerability ID"), max_length=40)
    source = models.CharField(_("source"), max_length=10, choices=StatementSource.choices)
    # The advisory's tracking ID (CSAF) or the CVE ID (CVE record): re-importing a document
    # replaces all its rows.
    document_id = models.CharField(_("document"), max_length=200)
    document_url = models.URLField(_("document URL"), max_length=500, blank=True)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    vendor = models.CharField(_("vendor"), max_length=200, blank=True)
    product = models.CharField(_("product"), max_length=300)
    cpe23 = models.CharField(_("CPE 2.3"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=StatementStatus.choices)
    version_text = models.TextField(_("versions as published"), blank=True)
    ranges = models.JSONField(_("parsed ranges"), default=list, blank=True)
    all_versions = models.BooleanField(_("every version"), default=False)
    fixed_version = models.CharField(_("fixed version"), max_length=200, blank=True)
    remediation_url = models.URLField(_("remediation URL"), max_length=500, blank=True)
    remediation_text = models.TextField(_("remediation"), blank=True)
    # Why the product is not affected (CSAF flags/threats of category impact).
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["vuln_id", "source", "pk"]
        verbose_name = _("product statement")
        verbose_name_plural = _("product statements")
        indexes = [
            models.Index(fields=["vuln_id"], name="statement_vuln_id"),
            models.Index(fields=["source", "document_id"], name="statement_document"),
        ]

    def __str__(self) -> str:
        return f"{self.vuln_id} {self.vendor} {self.product} {self.status} ({self.source} {self.document_id})"


class AdvisoryDocument(models.Model):
    """One imported CSAF advisory or CVE record: its sha256 makes a re-import of the same bytes a
    no-op, and its URL and release date tell the status page what was loaded."""

    source = models.CharField(_("feed"), max_length=10, choices=FeedName.choices)
    document_id = models.CharField(_("document"), max_length=200)
    url = models.CharField(_("URL or file"), max_length=500, blank=True)
    sha256 = models.CharField(max_length=64)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    loaded_at = models.DateTimeField(_("loaded"), auto_now=True)

    class Meta:
        ordering = ["source", "document_id"]
        verbose_name = _("advisory document")
        verbose_name_plural = _("advisory documents")
        constraints = [models.UniqueConstraint(fields=["source", "document_id"], name="unique_advisory_document")]
        # A re-import looks a file up by its bytes before parsing it.
        indexes = [models.Index(fields=["sha256"], name="advisory_document_sha256")]

    def __str__(self) -> str:
        return f"{self.source} {self.document_id}"
