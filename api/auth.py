"""Authentication and permissions of the editor API (the rules are treatments.permissions).

Guessing tokens is not free: a request that carries a `Token` is charged to its address against
the failed-credentials budget (`API_KEY_FAILURE_RATE`, shared with partner keys) before the
token is looked up, and the charge is taken back when the token is valid; past the budget it is
a 429 without any lookup (api/partner_keys.py).
"""

from typing import Any

from knox.auth import TokenAuthentication
from rest_framework import exceptions
from rest_framework.authentication import get_authorization_header
from rest_framework.permissions import BasePermission

from treatments.permissions import Action, can

from .partner_keys import (
    charge_failed_credentials,
    note_failed_credentials,
    refund_failed_credentials,
)


class EditorTokenAuthentication(TokenAuthentication):
    """Knox tokens (hashed at rest, revocable); a malformed token is a 401, never a 500."""

    def authenticate(self, request: Any) -> Any:
        scheme = get_authorization_header(request).split()[:1]
        if not scheme or scheme[0].lower() != self.authenticate_header(request).encode().lower():
            return None  # no token: another authenticator's business, or anonymous
        charge = charge_failed_credentials(request.META)  # 429 past the budget: no lookup
        try:
            found = super().authenticate(request)
        except exceptions.AuthenticationFailed:
            note_failed_credentials(request.META, charge)
            raise
        refund_failed_credentials(charge)
        return found

    def authenticate_credentials(self, token: bytes) -> Any:
        try:
            token.decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        return super().authenticate_credentials(token)


class EditorPermission(BasePermission):
    """Asks the domain's permission policy whether the user may take the view's action.

    Views name their action with `editor_action`; the default follows the method.
    """

    by_method = {
        "GET": Action.VIEW,
        "HEAD": Action.VIEW,
        "OPTIONS": Action.VIEW,
        "POST": Action.CREATE,
        "PUT": Action.EDIT,
        "PATCH": Action.EDIT,
        "DELETE": Action.DELETE,
    }

    def has_permission(self, request: Any, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        action = getattr(view, "editor_action", None) or self.by_method.get(request.method)
        return action is not None and can(request.user, action)
