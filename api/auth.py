"""Authentication and permissions of the editor API."""

from typing import Any

from knox.auth import TokenAuthentication
from rest_framework import exceptions
from rest_framework.permissions import BasePermission

PUBLISH = "treatments.publish_treatment"


class EditorTokenAuthentication(TokenAuthentication):
    """Knox tokens (hashed at rest, revocable); a malformed token is a 401, never a 500."""

    def authenticate_credentials(self, token: bytes) -> Any:
        try:
            token.decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        return super().authenticate_credentials(token)


class EditorPermission(BasePermission):
    """Reads need view rights; writes need change rights; publishing needs publish rights.

    Views name what an action needs with `required_permission`; the default follows the method.
    """

    by_method = {
        "GET": "treatments.view_treatment",
        "HEAD": "treatments.view_treatment",
        "OPTIONS": "treatments.view_treatment",
        "POST": "treatments.add_treatment",
        "PUT": "treatments.change_treatment",
        "PATCH": "treatments.change_treatment",
        "DELETE": PUBLISH,
    }

    def has_permission(self, request: Any, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        needed = getattr(view, "required_permission", None) or self.by_method.get(request.method)
        return bool(needed and request.user.has_perm(needed))
