"""Published vulnerability knowledge in the admin: read-only, because the feed loaders own these
rows (a hand edit would be overwritten by the next import, or left out of its change tracking)."""

from django.contrib import admin

from kokuchi.core.admin import ReadOnlyAdmin
from kokuchi.vulnerabilities.models import (
    AdvisoryDocument,
    AffectedProduct,
    EpssScore,
    FeedRun,
    FeedState,
    KnownExploited,
    ProductStatement,
    Vulnerability,
    VulnerabilityAlias,
    VulnerabilityCpe,
)


@admin.register(Vulnerability)
class VulnerabilityAdmin(ReadOnlyAdmin):
    list_display = ["vuln_id", "source", "title_ja", "cvss3_score", "cvss3_severity", "published", "withdrawn"]
    list_filter = ["source", "cvss3_severity", "withdrawn"]
    search_fields = ["vuln_id", "title_ja", "title_en"]
    date_hierarchy = "published"
    show_full_result_count = False


@admin.register(VulnerabilityAlias)
class VulnerabilityAliasAdmin(ReadOnlyAdmin):
    list_display = ["vulnerability", "alias_id"]
    search_fields = ["alias_id", "vulnerability__vuln_id"]
    list_select_related = ["vulnerability"]
    show_full_result_count = False


@admin.register(AffectedProduct)
class AffectedProductAdmin(ReadOnlyAdmin):
    list_display = ["vulnerability", "vendor", "product", "cpe23", "version_text", "ranges_parsed"]
    search_fields = ["vulnerability__vuln_id", "vendor", "product", "cpe23"]
    list_select_related = ["vulnerability"]
    show_full_result_count = False


@admin.register(VulnerabilityCpe)
class VulnerabilityCpeAdmin(ReadOnlyAdmin):
    list_display = ["vulnerability", "part", "vendor", "product"]
    list_filter = ["part"]
    search_fields = ["vendor", "product", "vulnerability__vuln_id"]
    list_select_related = ["vulnerability"]
    show_full_result_count = False


@admin.register(KnownExploited)
class KnownExploitedAdmin(ReadOnlyAdmin):
    list_display = ["cve_id", "vendor_project", "product", "date_added", "due_date", "known_ransomware_use"]
    search_fields = ["cve_id", "vendor_project", "product"]


@admin.register(EpssScore)
class EpssScoreAdmin(ReadOnlyAdmin):
    list_display = ["cve_id", "score", "percentile", "score_date"]
    search_fields = ["cve_id"]
    show_full_result_count = False


@admin.register(FeedState)
class FeedStateAdmin(ReadOnlyAdmin):
    list_display = ["source", "watermark", "last_run_at", "last_success_at", "last_error"]


@admin.register(FeedRun)
class FeedRunAdmin(ReadOnlyAdmin):
    list_display = ["source", "kind", "started_at", "finished_at", "status", "created", "updated", "deleted"]
    list_filter = ["source", "kind", "status"]


@admin.register(ProductStatement)
class ProductStatementAdmin(ReadOnlyAdmin):
    list_display = ["vuln_id", "source", "document_id", "vendor", "product", "status", "version_text", "fixed_version"]
    list_filter = ["source", "status"]
    search_fields = ["vuln_id", "document_id", "vendor", "product"]
    show_full_result_count = False


@admin.register(AdvisoryDocument)
class AdvisoryDocumentAdmin(ReadOnlyAdmin):
    list_display = ["source", "document_id", "released_at", "loaded_at", "url"]
    list_filter = ["source"]
    search_fields = ["document_id", "url"]
