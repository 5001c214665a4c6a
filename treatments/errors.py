"""Errors the domain raises; the API and the admin turn them into responses and messages."""

from typing import Any


class ServiceError(Exception):
    """Base of every error a service raises on purpose."""

    title = "The request cannot be carried out"

    def __init__(self, detail: str, *, code: str = "") -> None:
        super().__init__(detail)
        self.detail = detail
        # A machine-readable reason (e.g. "approval_void"), given to API clients as the
        # problem's `code`; empty when the class of the error says enough.
        self.code = code


class ConflictError(ServiceError):
    """The working copy changed since the caller read it (compare-and-set failed)."""

    title = "Edit conflict"

    def __init__(self, *, expected_version: int | None, current_version: int | None) -> None:
        super().__init__(
            f"This treatment was changed by someone else: you edited version {expected_version}, "
            f"the current version is {current_version}. Reload it, re-apply your change and "
            "save again."
        )
        self.expected_version = expected_version
        self.current_version = current_version


class ContentInvalidError(ServiceError):
    """Content failed validation; `errors` says where and why."""

    title = "Invalid content"

    def __init__(self, errors: list[dict[str, Any]], detail: str | None = None) -> None:
        first = errors[0] if errors else {"field": "", "message": "invalid"}
        super().__init__(
            detail or f"{len(errors)} problem(s); first at {first['field']}: {first['message']}"
        )
        self.errors = errors


class PublishRefusedError(ServiceError):
    """Publishing is not allowed in the treatment's current state."""

    title = "Cannot publish"


class ForbiddenError(ServiceError):
    """The actor's role does not allow the action (see treatments.permissions)."""

    title = "Not allowed"


class NotFoundError(ServiceError):
    """The treatment or revision does not exist (or is deleted)."""

    title = "Not found"


class IdentityConflictError(ServiceError):
    """An import names one treatment by its id and another by its slug."""

    title = "Identity conflict"


class StateError(ServiceError):
    """The action does not apply to the treatment's current state."""

    title = "Action not applicable"
