"""Errors as ``application/problem+json`` (RFC 9457), validation errors with a JSON pointer to
each field (``#/items/3/serial_number``)."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models.deletion import ProtectedError, RestrictedError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error

from kokuchi.core.deletion import DeletionRefused, protected_references

PROBLEM_CONTENT_TYPE = "application/problem+json"


def field_errors(detail: Any, path: str = "#") -> list[dict[str, str]]:
    """Flatten DRF's nested error detail into ``{"pointer", "detail", "code"}`` items."""
    items: list[dict[str, str]] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            child = path if key in ("non_field_errors", "__all__") else f"{path}/{key}"
            items += field_errors(value, child)
    elif isinstance(detail, list):
        if all(isinstance(v, (str, exceptions.ErrorDetail)) for v in detail):
            for message in detail:
                items.append({"pointer": path, "detail": str(message), "code": getattr(message, "code", "invalid")})
        else:
            for index, value in enumerate(detail):
                if value:
                    items += field_errors(value, f"{path}/{index}")
    else:
        items.append({"pointer": path, "detail": str(detail), "code": getattr(detail, "code", "invalid")})
    return items


def problem(*, status_code: int, title: str, detail: str = "", kind: str = "", **extra: Any) -> Response:
    body: dict[str, Any] = {
        # RFC 9457 §4.2.1: "about:blank" says the HTTP status is the problem; `code` refines it.
        "type": "about:blank",
        "title": title,
        "status": status_code,
        "code": kind or str(status_code),
    }
    if detail:
        body["detail"] = detail
    body.update(extra)
    return Response(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE)


def referenced_by_evidence_problem(exc: DeletionRefused | ProtectedError | RestrictedError) -> Response:
    """409: deleting the record would remove or orphan evidence; the detail names what refers to it."""
    if isinstance(exc, DeletionRefused):
        references, detail = exc.references, exc.message
    else:
        references = protected_references(exc)
        detail = _("Referred to by: %(references)s") % {"references": _(", ").join(str(r) for r in references)}
    return problem(
        status_code=status.HTTP_409_CONFLICT,
        title=_("The record is referred to by evidence and cannot be deleted."),
        detail=detail,
        kind="referenced_by_evidence",
        references=[{"kind": reference.label, "count": reference.count} for reference in references],
    )


def problem_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's exception handler, answering every error as problem+json."""
    if isinstance(exc, (DeletionRefused, ProtectedError, RestrictedError)):
        return referenced_by_evidence_problem(exc)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]
    if isinstance(exc, exceptions.ValidationError):
        response = problem(
            status_code=status.HTTP_400_BAD_REQUEST,
            title=_("The request is not valid."),
            kind="validation",
            errors=field_errors(exc.detail),
        )
    else:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        response = problem(
            status_code=exc.status_code, title=str(exc.default_detail), detail=str(detail), kind=exc.default_code
        )
    for name, value in headers.items():
        response[name] = value
    return response


@csrf_exempt
def not_found(request, *args, **kwargs) -> HttpResponse:
    """404 for a path under /api/v1/ that names no resource, as a problem."""
    body = json.dumps({"type": "about:blank", "title": _("Not found."), "status": 404, "code": "not_found"})
    return HttpResponse(body, status=404, content_type=PROBLEM_CONTENT_TYPE)
