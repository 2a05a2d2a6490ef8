"""What every API view shares: scopes and roles, one transaction per write (nothing half-written),
idempotency keys on POST, the write log, and problem+json errors in the schema."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, serializers, status

from kokuchi.api.idempotency import (
    MAX_KEY_LENGTH,
    IdempotencyConflict,
    StoredAnswer,
    record_write,
    request_fingerprint,
    store_answer,
    stored_answer,
)
from kokuchi.api.models import ApiToken
from kokuchi.core.roles import EDITOR_ROLES, Role

IDEMPOTENCY_HEADER = "Idempotency-Key"


class ProblemSerializer(serializers.Serializer):
    """An RFC 9457 problem; validation problems list each field by JSON pointer."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    code = serializers.CharField()
    detail = serializers.CharField(required=False)
    errors = serializers.ListField(child=serializers.DictField(child=serializers.CharField()), required=False)


PROBLEM_JSON = "application/problem+json"


def problem_responses(*codes: int) -> dict[tuple[int, str], OpenApiResponse]:
    return {
        (code, PROBLEM_JSON): OpenApiResponse(ProblemSerializer, description="A problem (RFC 9457).") for code in codes
    }


READ_ERRORS = problem_responses(400, 401, 403, 404)
WRITE_ERRORS = problem_responses(400, 401, 403, 404, 409, 415)
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Any unique string; a repeated POST with the same key and body gets the first answer again.",
)


class IdempotencyConflictError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This Idempotency-Key was used with another request."
    default_code = "idempotency_conflict"


class _Replay(Exception):
    def __init__(self, answer: StoredAnswer):
        self.answer = answer


class ApiViewMixin:
    """Mixed into every API view (before the DRF base class)."""

    api_resource: str = ""
    lookup_value_regex = "[0-9]+"
    write_roles: tuple[Role, ...] | frozenset[Role] = EDITOR_ROLES

    def dispatch(self, request, *args, **kwargs):
        if request.method in permissions.SAFE_METHODS:
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        self._fingerprint = request_fingerprint(method=request.method, path=request.get_full_path(), body=request.body)
        self._idempotency_key = request.headers.get(IDEMPOTENCY_HEADER, "") if request.method == "POST" else ""
        with transaction.atomic():
            response = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
            if response.status_code >= 400:
                transaction.set_rollback(True)
            elif (
                self._idempotency_key
                and isinstance(getattr(self.request, "auth", None), ApiToken)
                and not response.has_header("Idempotent-Replayed")
            ):
                response.render()
                store_answer(
                    token=self.request.auth,
                    key=self._idempotency_key,
                    method=request.method,
                    path=request.get_full_path(),
                    fingerprint=self._fingerprint,
                    answer=StoredAnswer(response.status_code, response.content, response["Content-Type"]),
                )
        token = getattr(self.request, "auth", None)
        if isinstance(token, ApiToken):
            record_write(
                token=token,
                method=request.method,
                path=request.get_full_path(),
                status_code=response.status_code,
                fingerprint=self._fingerprint,
                idempotency_key=self._idempotency_key,
                ip_address=request.META.get("REMOTE_ADDR"),
            )
        return response

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        key = getattr(self, "_idempotency_key", "")
        if not key:
            return
        if len(key) > MAX_KEY_LENGTH:
            raise exceptions.ValidationError({IDEMPOTENCY_HEADER: [_("At most 200 characters.")]})
        try:
            answer = stored_answer(token=request.auth, key=key, fingerprint=self._fingerprint)
        except IdempotencyConflict:
            raise IdempotencyConflictError() from None
        if answer is not None:
            raise _Replay(answer)

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            response = HttpResponse(
                exc.answer.body, status=exc.answer.status_code, content_type=exc.answer.content_type
            )
            response["Idempotent-Replayed"] = "true"
            return response
        return super().handle_exception(exc)  # type: ignore[misc]


def write_schema(**kwargs):
    """extend_schema for a POST action: problem responses and the Idempotency-Key header."""
    responses = kwargs.pop("responses", {})
    return extend_schema(
        parameters=[IDEMPOTENCY_PARAMETER, *kwargs.pop("parameters", [])],
        responses={**responses, **WRITE_ERRORS},
        **kwargs,
    )
