"""Staff pages: feed status (per feed: last run, counts, errors), vulnerability list and detail."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, render

from kokuchi.core.roles import staff_required
from kokuchi.vulnerabilities.models import Vulnerability
from kokuchi.vulnerabilities.selectors import epss_entries, feed_overview, known_exploited_entries

PAGE_SIZE = 50


@staff_required
def feed_status(request):
    return render(request, "vulnerabilities/feed_status.html", {"feeds": feed_overview()})


@staff_required
def vulnerability_list(request):
    query = request.GET.get("q", "").strip()
    source = request.GET.get("source", "")
    show_withdrawn = request.GET.get("withdrawn") == "1"
    vulns = Vulnerability.objects.all() if show_withdrawn else Vulnerability.objects.live()
    if source in {"nvd", "jvn"}:
        vulns = vulns.filter(source=source)
    if query:
        vulns = vulns.filter(
            Q(vuln_id__icontains=query)
            | Q(aliases__alias_id__icontains=query)
            | Q(title_ja__icontains=query)
            | Q(title_en__icontains=query)
            | Q(cpe_index__product__icontains=query.lower())
        ).distinct()
    vulns = vulns.only(
        "vuln_id",
        "source",
        "title_ja",
        "title_en",
        "description_en",
        "cvss3_score",
        "cvss3_severity",
        "cvss4_score",
        "cvss4_severity",
        "published",
        "withdrawn",
        "source_status",
    )
    page = Paginator(vulns, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "vulnerabilities/vulnerability_list.html",
        {"page": page, "query": query, "source": source, "show_withdrawn": show_withdrawn},
    )


@staff_required
def vulnerability_detail(request, vuln_id: str):
    vuln = get_object_or_404(
        Vulnerability.objects.prefetch_related("aliases", "affected_products", "cpe_index"), vuln_id=vuln_id
    )
    cve_ids = [vuln.vuln_id] + [a.alias_id for a in vuln.aliases.all()]
    return render(
        request,
        "vulnerabilities/vulnerability_detail.html",
        {
            "vuln": vuln,
            "kev": known_exploited_entries(cve_ids),
            "epss": epss_entries(cve_ids),
        },
    )
