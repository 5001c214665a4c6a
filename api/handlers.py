"""Django's error views, answering problem+json under /api/ and HTML elsewhere."""

import sys
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views import defaults

from .middleware import API_PREFIX
from .outage import database_unavailable, unavailable_response
from .problems import default_detail, problem_response


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def bad_request(request: HttpRequest, exception: Any, *args: Any, **kwargs: Any) -> HttpResponse:
    if _is_api(request):
        return problem_response(status=400, detail=str(exception) or default_detail(400))
    return defaults.bad_request(request, exception)


def permission_denied(
    request: HttpRequest, exception: Any, *args: Any, **kwargs: Any
) -> HttpResponse:
    if _is_api(request):
        return problem_response(status=403, detail=default_detail(403))
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Any, *args: Any, **kwargs: Any) -> HttpResponse:
    if _is_api(request):
        return problem_response(status=404, detail=default_detail(404), instance=request.path)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    # Django calls this while handling the exception, so it is still at hand: a database
    # outage met outside a view (a session saved by middleware, say) is a 503, not a 500.
    exc = sys.exc_info()[1]
    if exc is not None and database_unavailable(exc):
        return unavailable_response(request, exc)
    if _is_api(request):
        return problem_response(status=500, detail=default_detail(500))
    return defaults.server_error(request)
