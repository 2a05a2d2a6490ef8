"""Staff pages: feed status (per feed: last run, counts, errors), vulnerability list and detail."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kokuchi.core.roles import editor_required, staff_required
from kokuchi.core.ui import sort_order
from kokuchi.vulnerabilities.models import FeedName, Vulnerability
from kokuchi.vulnerabilities.selectors import (
    epss_entries,
    feed_coverage,
    feed_overview,
    known_exploited_entries,
    with_jvn_titles,
)
from kokuchi.vulnerabilities.tasks import sync_feeds_task

PAGE_SIZE = 50


@staff_required
def feed_status(request):
    """Per feed: how fresh its data is (a daily sync is expected), the runs, and a sync button."""
    # The same age limit as the pre-issue check: a feed stale here also blocks issuing.
    max_age = datetime.timedelta(hours=settings.DISCLOSURE_FEED_MAX_AGE_HOURS)
    coverage = {row.source: row for row in feed_coverage(sources=FeedName.values, now=timezone.now(), max_age=max_age)}
    feeds = feed_overview()
    return render(
        request,
        "vulnerabilities/feed_status.html",
        {
            "feeds": feeds,
            "rows": [(feed, coverage.get(feed.source)) for feed in feeds],
            "fresh_days": max_age.days,
            "all_fresh": all(row.fresh for row in coverage.values()),
        },
    )


@require_POST
@editor_required
def feed_sync(request):
    """Queue a sync of every feed for the task worker; the page tells when it has run."""
    sync_feeds_task.enqueue()
    messages.success(
        request,
        _("The sync was queued. The task worker downloads the feeds; reload this page in a few minutes."),
    )
    return redirect("vulnerabilities:feed_status")


# ?sort= keys of the vulnerability list (the default order is Meta.ordering: newest first).
VULNERABILITY_SORT_FIELDS = {"id": "vuln_id", "published": "published"}


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
    current_sort = sort_order(request.GET.get("sort", ""), VULNERABILITY_SORT_FIELDS)
    if current_sort is not None:
        key, direction = current_sort
        field = VULNERABILITY_SORT_FIELDS[key]
        vulns = vulns.order_by(f"-{field}" if direction == "desc" else field, "vuln_id")
    page = Paginator(with_jvn_titles(vulns), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "vulnerabilities/vulnerability_list.html",
        {
            "page": page,
            "query": query,
            "source": source,
            "show_withdrawn": show_withdrawn,
            "current_sort": current_sort,
        },
    )


@staff_required
def vulnerability_detail(request, vuln_id: str):
    vuln = get_object_or_404(
        with_jvn_titles(Vulnerability.objects.prefetch_related("aliases", "affected_products", "cpe_index")),
        vuln_id=vuln_id,
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
