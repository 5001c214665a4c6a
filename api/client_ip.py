"""The client's address as this service should believe it.

Placeholder with the agreed signature: the rate-limits work (branch h/limits) replaces it with
the version that trusts X-Forwarded-For only from settings.TRUSTED_PROXIES. Until then the
peer address is the client address, which is right when nothing proxies in front of us.
"""

from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The address of the client that sent `request` (the TCP peer, for now)."""
    return str(request.META.get("REMOTE_ADDR") or "")
