"""/healthz and /readyz: JSON for load balancers and monitors, no login."""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from kokuchi.operations.health import check_readiness


@never_cache
@require_safe
def healthz(request):
    """The process answers; the database is not touched."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request):
    """200 when the installation can serve and do its work, 503 (with the failed checks) otherwise."""
    readiness = check_readiness()
    return JsonResponse(readiness.as_json(), status=200 if readiness.ready else 503)
