"""A public view whose callers carry a stand-in partner key (the partners app is elsewhere).

`X-Test-Key: <id>:<requests per minute>:<burst>` authenticates as an object shaped like
`partners.models.ApiKey` (pk, prefix, partner.requests_per_minute, partner.burst).
"""

from types import SimpleNamespace
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.urls import path
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request
from rest_framework.response import Response

from api.v1.base import PublicView


class StandInKeyAuthentication(BaseAuthentication):
    """Test-only: turns X-Test-Key into a duck-typed API key."""

    def authenticate(self, request: Request) -> tuple[AnonymousUser, Any] | None:
        raw = request.META.get("HTTP_X_TEST_KEY")
        if not raw:
            return None
        pk, rate, burst = (int(part) for part in raw.split(":"))
        partner = SimpleNamespace(requests_per_minute=rate, burst=burst)
        return AnonymousUser(), SimpleNamespace(pk=pk, prefix=f"tks_{pk:010d}", partner=partner)


class KeyedView(PublicView):
    authentication_classes = [StandInKeyAuthentication]

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


urlpatterns = [path("api/v1/keyed/", KeyedView.as_view())]
