"""Content-Security-Policy for the HTML pages we serve: the admin and the API docs.

django-csp builds the header from `CONTENT_SECURITY_POLICY` (config/settings/base.py); this
subclass applies it to HTML responses only. The JSON API has no markup to protect, and its hot
read path should not pay for building a policy per request. A view that needs another policy
uses django-csp's decorators (`csp_update`, `csp_replace`, `csp_exempt`) as usual.
"""

from csp.middleware import CSPMiddleware
from django.http import HttpRequest, HttpResponseBase

JSON_API_PREFIX = "/api/v1/"


class HTMLContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, for text/html responses."""

    def process_request(self, request: HttpRequest) -> None:
        if not request.path.startswith(JSON_API_PREFIX):
            super().process_request(request)

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        return super().process_response(request, response)
