"""Authentication and permissions of the editor API (the rules are treatments.permissions)."""

from typing import Any

from knox.auth import TokenAuthentication
from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from treatments.permissions import Action, can


class EditorTokenAuthentication(TokenAuthentication):
    """Knox tokens (hashed at rest, revocable); a malformed token is a 401, never a 500."""

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
