"""Shared building blocks of the staff web UI: list pages (search, filters, pagination), form
pages (title, breadcrumbs, success message) and a form base that renders dates as date pickers.

Every app's views build on these so that all pages look and behave alike; the role guards
themselves live in `kokuchi.core.roles`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import models
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView
from django.views.generic.edit import FormMixin

from kokuchi.core.exports import csv_response
from kokuchi.core.roles import StaffRequiredMixin

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

    # The mixin is always combined with a form view; the type checker needs to know that.
    class _FormViewBase(FormMixin[Any]):
        request: Any

else:
    _FormViewBase = object

LIST_PAGE_SIZE = 25
# Django 6.1's blank choice label ships without a Japanese translation; naming it here keeps it
# in our catalogue, which takes precedence over Django's.
BLANK_CHOICE_LABEL = _("- Select an option -")


class DateInput(forms.DateInput):
    """A native date picker; browsers need the ISO value whatever the UI language is."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class StaffModelForm(forms.ModelForm):
    """ModelForm whose date fields use the native date picker."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField) and not isinstance(field.widget, DateInput):
                field.widget = DateInput(attrs=field.widget.attrs)


def search_filter(queryset: models.QuerySet, value: str, fields: list[str]) -> models.QuerySet:
    """Keep rows where every word of `value` appears (case-insensitively) in one of `fields`."""
    for word in value.split():
        condition = models.Q()
        for field in fields:
            condition |= models.Q(**{f"{field}__icontains": word})
        queryset = queryset.filter(condition)
    return queryset


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError next to the named fields (top of the form otherwise)."""
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


# Page numbers whose offset every database accepts (SQLite and PostgreSQL take 64-bit offsets).
MAX_PAGE_NUMBER = 10**9


class CountlessPage(Page):
    """A page that knows whether another follows without knowing how many there are."""

    def __init__(self, object_list, number: int, paginator: CountlessPaginator, *, has_next: bool) -> None:
        super().__init__(object_list, number, paginator)
        self._has_next = has_next

    def has_next(self) -> bool:
        return self._has_next

    def end_index(self) -> int:
        return self.start_index() + len(self.object_list) - 1 if self.object_list else 0


class CountlessPaginator(Paginator):
    """Pages of a very long list without COUNT(*): counting millions of rows would cost more than
    the page, and "previous"/"next" need no total. A page reads one row more than it shows to
    know whether another follows."""

    countless = True

    def validate_number(self, number) -> int:
        try:
            number = int(number)
        except (TypeError, ValueError) as error:
            raise PageNotAnInteger(_("That page number is not an integer")) from error
        if not 1 <= number <= MAX_PAGE_NUMBER:
            raise EmptyPage(_("That page contains no results"))
        return number

    def page(self, number) -> CountlessPage:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage(_("That page contains no results"))
        return CountlessPage(rows[: self.per_page], number, self, has_next=len(rows) > self.per_page)

    @property
    def num_pages(self) -> int:
        raise Http404(_("A list paged without counting has no last page."))


@dataclass(frozen=True)
class ExportColumn:
    """One column of a list's CSV export: its header and how to read the cell from a row (a
    dotted attribute path, or a function of the row)."""

    header: str | StrPromise
    value: str | Callable[[Any], object]

    def cell(self, row: Any) -> object:
        if callable(self.value):
            return self.value(row)
        value: Any = row
        for name in self.value.split("."):
            value = getattr(value, name, None) if value is not None else None
        if callable(value):
            value = value()
        return "" if value is None else value


ListAnnotation = Callable[[models.QuerySet], models.QuerySet]
_list_annotations: dict[type[models.Model], list[ListAnnotation]] = {}


def register_list_annotation(model: type[models.Model], annotate: ListAnnotation) -> None:
    """Let an app higher in the layering annotate every staff list of `model` (the open exposures
    of each deal and customer): one annotated query, whatever the page size, and no upward import."""
    annotations = _list_annotations.setdefault(model, [])
    if annotate not in annotations:
        annotations.append(annotate)


def with_list_annotations(queryset: models.QuerySet) -> models.QuerySet:
    for annotate in _list_annotations.get(queryset.model, []):
        queryset = annotate(queryset)
    return queryset


def sort_order(value: str, sort_fields: dict[str, str]) -> tuple[str, str] | None:
    """The (key, direction) a `?sort=` value asks for, or None when it names no sortable column
    (an unknown value is ignored, never an error)."""
    descending = value.startswith("-")
    key = value.removeprefix("-")
    if key not in sort_fields:
        return None
    return key, "desc" if descending else "asc"


class FilteredListView(StaffRequiredMixin, ListView):
    """A list page for any staff role: a django-filter FilterSet drives search and filters, and
    the result is paginated. The FilterSet is always bound so that an empty query lists all.

    `sort_fields` maps the `?sort=` keys of the sortable columns to model fields (a leading "-"
    reverses); `export_columns` makes `?export=csv` answer the whole filtered list as a
    formula-safe CSV file."""

    filterset_class: type[django_filters.FilterSet]
    paginate_by = LIST_PAGE_SIZE
    page_title: str | StrPromise = ""
    sort_fields: dict[str, str] = {}
    export_columns: tuple[ExportColumn, ...] = ()
    export_filename = "export"

    def get_queryset(self):
        queryset = with_list_annotations(super().get_queryset())
        self.sort = sort_order(self.request.GET.get("sort", ""), self.sort_fields)
        if self.sort is not None:
            key, direction = self.sort
            field = self.sort_fields[key]
            queryset = queryset.order_by(f"-{field}" if direction == "desc" else field, "pk")
        elif not queryset.query.order_by:
            # Aggregating annotations drop Meta.ordering; pagination needs a stable order.
            queryset = queryset.order_by(*queryset.model._meta.ordering, "pk")
        self.filterset = self.filterset_class(self.get_filter_data(), queryset=queryset, request=self.request)
        return self.filterset.qs

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "csv" and self.export_columns:
            return self.export_csv()
        return super().get(request, *args, **kwargs)

    def export_csv(self) -> HttpResponse:
        rows = self.get_queryset()
        if not self.filterset.is_valid():
            rows = rows.none()
        columns = self.export_columns
        return csv_response(
            filename=f"{self.export_filename}-{timezone.localdate():%Y%m%d}.csv",
            header=[str(column.header) for column in columns],
            rows=([column.cell(row) for column in columns] for row in rows.iterator(chunk_size=500)),
        )

    def get_filter_data(self):
        """The query parameters the FilterSet is bound to (a subclass may add defaults)."""
        return self.request.GET

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        active = {key for key, value in self.request.GET.items() if key != "page" and value}
        active -= {"sort"}
        context.update(
            filter=self.filterset,
            page_title=self.page_title,
            filters_active=bool(active),
            current_sort=self.sort,
            can_export=bool(self.export_columns),
        )
        return context


class FormPageMixin(_FormViewBase):
    """Create/edit pages: one shared template, a page title, breadcrumbs and a flash message."""

    template_name: str | None = "includes/form_page.html"
    page_title: str | StrPromise = ""
    success_message: str | StrPromise = _("Saved.")
    # Create pages offer "Save and add another": the same empty form comes back after saving.
    allow_add_another = False
    ADD_ANOTHER = "_addanother"

    def get_page_title(self) -> str:
        return str(self.page_title)

    def get_breadcrumbs(self) -> list[tuple[str | StrPromise, str]]:
        """(label, url) pairs leading to this page, the page itself excluded."""
        return []

    def get_cancel_url(self) -> str:
        crumbs = self.get_breadcrumbs()
        return crumbs[-1][1] if crumbs else "/"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            page_title=self.get_page_title(),
            breadcrumbs=self.get_breadcrumbs(),
            cancel_url=self.get_cancel_url(),
            allow_add_another=self.allow_add_another,
        )
        return context

    def adding_another(self) -> bool:
        return self.allow_add_another and self.ADD_ANOTHER in self.request.POST

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, self.success_message)
        if self.adding_another():
            return HttpResponseRedirect(self.request.get_full_path())
        return response

    def save_with(self, form: forms.BaseForm, service: Callable[..., Any], **kwargs: Any) -> HttpResponse:
        """Finish a valid form through a service call: on success redirect with the flash
        message; a ValidationError from the service is shown on the form instead."""
        try:
            self.object = service(**kwargs)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message)
        if self.adding_another():
            return HttpResponseRedirect(self.request.get_full_path())
        return HttpResponseRedirect(self.get_success_url())
