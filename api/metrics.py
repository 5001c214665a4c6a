"""GET /metrics: Prometheus metrics of the queue and the webhooks, never public.

Allowed: a request with `Authorization: Bearer <METRICS_TOKEN>` (when the token is set), or,
without a token configured, a client address inside METRICS_ALLOWED_NETWORKS (the address as
api.client_ip sees it: X-Forwarded-For only from trusted proxies). Everyone else gets a 404,
as if nothing were here; a wrong token is a 403. Nothing is allowed by default.
"""

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from events.metrics import metrics_registry

from .client_ip import client_ip
from .problems import default_detail, problem_response


def metrics_refusal(request: HttpRequest) -> int | None:
    """The status refusing this scrape (404 or 403), or None when it is allowed."""
    token = str(settings.METRICS_TOKEN)
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if token:
        if scheme.lower() != "bearer" or not given.strip():
            return 404
        if not hmac.compare_digest(given.strip().encode(), token.encode()):
            return 403
        return None
    networks = [ipaddress.ip_network(n, strict=False) for n in settings.METRICS_ALLOWED_NETWORKS]
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return 404
    return None if any(address in network for network in networks) else 404


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """The Prometheus text exposition, or a refusal."""
    refusal = metrics_refusal(request)
    if refusal is not None:
        detail = "This metrics token is not valid." if refusal == 403 else default_detail(404)
        response = problem_response(status=refusal, detail=detail)
    else:
        response = HttpResponse(
            generate_latest(metrics_registry()), content_type=CONTENT_TYPE_LATEST
        )
    response["Cache-Control"] = "private, no-store"
    return response
