"""Staff pages of the disclosure: preview, downloads, issue, clause (G6), template versions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kokuchi.core.roles import admin_required, can_edit, editor_required, staff_required
from kokuchi.deals.models import Deal
from kokuchi.disclosures import selectors, services
from kokuchi.disclosures.checks import PreIssueBlocked, WarningsNotAcknowledged, run_pre_issue_check
from kokuchi.disclosures.context import select_clause
from kokuchi.disclosures.forms import ClauseOverrideForm, TemplateVersionForm
from kokuchi.disclosures.models import DisclosureVersion, DocumentKind, DocumentTemplate

REASON_PREFIX = "reason:"


def _file_response(exported: services.ExportedFile, *, inline: bool = False) -> HttpResponse:
    response = HttpResponse(exported.content, content_type=exported.content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{exported.filename}"'
    return response


@staff_required
def deal_disclosure(request, deal_pk: int):
    """The deal's disclosure page: versions issued so far, preview, downloads, issue, clause."""
    deal = get_object_or_404(Deal.objects.select_related("customer"), pk=deal_pk)
    return _disclosure_page(request, deal)


def _disclosure_page(request, deal: Deal, *, reasons: dict[str, str] | None = None, status: int = 200):
    versions = selectors.issued_versions(deal=deal)
    clause = select_clause(deal=deal)
    check = run_pre_issue_check(deal=deal)
    given = reasons or {}
    return render(
        request,
        "disclosures/deal_disclosure.html",
        {
            "deal": deal,
            "versions": versions,
            "clause": clause,
            "check": check,
            "warning_rows": [(item, given.get(item.key, "")) for item in check.warnings],
            "override_form": ClauseOverrideForm(initial={"family": clause.family, "option": clause.option}),
        },
        status=status,
    )


@staff_required
def preview(request, deal_pk: int):
    deal = get_object_or_404(Deal, pk=deal_pk)
    return HttpResponse(services.render_disclosure_preview(deal=deal))


@staff_required
def download(request, deal_pk: int, fmt: str):
    deal = get_object_or_404(Deal, pk=deal_pk)
    if fmt not in services.DISCLOSURE_FORMATS:
        raise Http404
    return _file_response(services.export_disclosure(deal=deal, fmt=fmt))


@require_POST
@editor_required
def issue(request, deal_pk: int):
    deal = get_object_or_404(Deal.objects.select_related("customer"), pk=deal_pk)
    # Reasons arrive as reason:<code>:<device id or -> fields, one per warning of the check.
    reasons = {
        key.removeprefix(REASON_PREFIX): value.strip()
        for key, value in request.POST.items()
        if key.startswith(REASON_PREFIX) and len(key) <= 200
    }
    if request.POST.get("confirm") != "1":
        messages.error(request, _("Confirm that the disclosure is to be issued."))
        return _disclosure_page(request, deal, reasons=reasons, status=400)
    try:
        version = services.issue_disclosure(deal=deal, issued_by=request.user, acknowledged_warnings=reasons)
    except PreIssueBlocked as blocked:
        for item in blocked.items:
            messages.error(request, item.message)
        return _disclosure_page(request, deal, reasons=reasons, status=400)
    except WarningsNotAcknowledged as missing:
        for item in missing.items:
            messages.error(request, _("Give a reason for this warning: %(message)s") % {"message": item.message})
        return _disclosure_page(request, deal, reasons=reasons, status=400)
    messages.success(request, _("Issued %(number)s.") % {"number": version.document_number})
    return redirect("disclosures:deal_disclosure", deal_pk=deal.pk)


@staff_required
def version_pdf(request, pk: int):
    """The frozen PDF of an issued version, byte for byte as issued."""
    version = get_object_or_404(DisclosureVersion, pk=pk)
    return _file_response(
        services.ExportedFile(content=bytes(version.pdf), content_type="application/pdf", filename=version.filename),
        inline=True,
    )


@staff_required
def clause(request, deal_pk: int):
    """The deal's chapter-6 clause ready to copy; editors may override the variant with a reason."""
    deal = get_object_or_404(Deal, pk=deal_pk)
    form = ClauseOverrideForm(request.POST or None)
    if request.method == "POST":
        if not can_edit(request.user):
            raise PermissionDenied
        if request.POST.get("action") == "clear":
            services.clear_clause_override(deal=deal)
            messages.success(request, _("The automatic clause is used again."))
            return redirect("disclosures:clause", deal_pk=deal.pk)
        if form.is_valid():
            try:
                services.override_clause(
                    deal=deal,
                    family=form.cleaned_data["family"],
                    option=form.cleaned_data["option"],
                    reason=form.cleaned_data["reason"],
                    user=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Clause override saved."))
                return redirect("disclosures:clause", deal_pk=deal.pk)
    current = select_clause(deal=deal)
    if request.method != "POST":
        form = ClauseOverrideForm(
            initial={"family": current.family, "option": current.option, "reason": current.override_reason}
        )
    return render(request, "disclosures/clause.html", {"deal": deal, "clause": current, "override_form": form})


@staff_required
def quote_preview(request, deal_pk: int):
    deal = get_object_or_404(Deal, pk=deal_pk)
    return HttpResponse(services.render_quote_html(deal=deal))


@staff_required
def quote_download(request, deal_pk: int, fmt: str):
    deal = get_object_or_404(Deal, pk=deal_pk)
    if fmt not in services.QUOTE_FORMATS:
        raise Http404
    return _file_response(services.export_quote(deal=deal, fmt=fmt))


@admin_required
def template_list(request):
    versions = DocumentTemplate.objects.select_related("created_by").defer("body")
    return render(
        request,
        "disclosures/template_list.html",
        {
            "versions": versions,
            "kinds": DocumentKind.choices,
            "packaged_version": services.PACKAGED_TEMPLATE_VERSION,
        },
    )


@admin_required
def template_edit(request, kind: str):
    """Save a new version of the reseller's template; a template that drops a required
    requirement ID is refused with the missing IDs named."""
    if kind not in DocumentKind.values:
        raise Http404
    form = TemplateVersionForm(request.POST or None, initial={"body": services.active_template_source(kind=kind)})
    if request.method == "POST" and form.is_valid():
        try:
            version = services.save_template_version(
                kind=kind, body=form.cleaned_data["body"], note=form.cleaned_data["note"], user=request.user
            )
        except ValidationError as error:
            form.add_error("body", error.message_dict.get("body", error.messages))
        else:
            messages.success(request, _("Saved template version %(version)s.") % {"version": version.version})
            return redirect("disclosures:template_list")
    return render(
        request,
        "disclosures/template_edit.html",
        {
            "form": form,
            "kind": kind,
            "kind_label": DocumentKind(kind).label,
            "required_ids": services.REQUIRED_IDS[kind],
        },
    )
