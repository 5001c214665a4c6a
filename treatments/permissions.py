"""The one permission policy: which actor may take which editorial action.

Services, the admin and the API all ask `can` / `require` here; nothing else names a permission
string. Editors write drafts; publishers can do everything editors can, plus publish, unpublish,
revert and delete. A superuser can do everything. `actor=None` is the system itself (content
loading, management commands run by an operator) and is always allowed.
"""

from enum import StrEnum
from typing import Any

from treatments.errors import ForbiddenError


class Action(StrEnum):
    """An editorial action on treatments."""

    VIEW = "view"
    CREATE = "create"
    EDIT = "edit"
    RESTORE = "restore"
    PUBLISH = "publish"
    UNPUBLISH = "unpublish"
    REVERT = "revert"
    DELETE = "delete"
    APPROVE = "approve"


PUBLISH_PERMISSION = "publish_treatment"
APPROVE_PERMISSION = "approve_treatment"

# The Django permission (app "treatments") that grants each action.
ACTION_PERMISSIONS: dict[Action, str] = {
    Action.VIEW: "view_treatment",
    Action.CREATE: "add_treatment",
    Action.EDIT: "change_treatment",
    Action.RESTORE: "change_treatment",
    Action.PUBLISH: PUBLISH_PERMISSION,
    Action.UNPUBLISH: PUBLISH_PERMISSION,
    Action.REVERT: PUBLISH_PERMISSION,
    Action.DELETE: PUBLISH_PERMISSION,
    Action.APPROVE: APPROVE_PERMISSION,
}

EDITOR_ACTIONS = frozenset({Action.VIEW, Action.CREATE, Action.EDIT, Action.RESTORE})
PUBLISHER_ACTIONS = EDITOR_ACTIONS | {
    Action.PUBLISH,
    Action.UNPUBLISH,
    Action.REVERT,
    Action.DELETE,
}
# Clinical reviewers read drafts and approve or send back changes (the `editorial` room holds the
# four-eyes rule: an approval never comes from an author of the changes it approves).
REVIEWER_ACTIONS = frozenset({Action.VIEW, Action.APPROVE})
# What an editor needs beyond the actions: the admin edits child rows inline and shows history.
EDITOR_SUPPORT_PERMISSIONS = [
    "add_category",
    "change_category",
    "view_category",
    # A category's names in other languages (inline on the category's page).
    "add_categoryname",
    "change_categoryname",
    "delete_categoryname",
    "view_categoryname",
    "view_revision",
    "view_auditentry",
    *(
        f"{verb}_{model}"
        for model in (
            "step",
            "risk",
            "recoveryrule",
            "timelineevent",
            "mechanismnote",
            "comparison",
            "safetyitem",
            "source",
        )
        for verb in ("add", "change", "delete", "view")
    ),
]


def role_permissions(actions: frozenset[Action]) -> list[str]:
    """The permission codenames a group needs to take `actions` (and edit in the admin).

    A role that cannot edit (clinical reviewers) gets only the `view_*` support permissions: it
    reads every part of a draft in the admin and changes none.
    """
    granted = {ACTION_PERMISSIONS[action] for action in actions}
    support = set(EDITOR_SUPPORT_PERMISSIONS)
    if Action.EDIT not in actions:
        support = {codename for codename in support if codename.startswith("view_")}
    return sorted(granted | support)


ROLES: dict[str, frozenset[Action]] = {
    "editors": EDITOR_ACTIONS,
    "publishers": PUBLISHER_ACTIONS,
    "clinical reviewers": REVIEWER_ACTIONS,
}


def can(actor: Any, action: Action) -> bool:
    """True when `actor` may take `action` (None is the system and may do anything)."""
    if actor is None:
        return True
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_active", True):
        return False
    return bool(actor.has_perm(f"treatments.{ACTION_PERMISSIONS[action]}"))


def require(actor: Any, action: Action) -> None:
    """Raise ForbiddenError unless `actor` may take `action`."""
    if not can(actor, action):
        raise ForbiddenError(
            f"Your role does not allow '{action.value}'. "
            + (
                "Ask a clinical reviewer, or an administrator to add you to the "
                "'clinical reviewers' group."
                if action is Action.APPROVE
                else "Ask a publisher, or an administrator to add you to the 'publishers' group."
                if action in PUBLISHER_ACTIONS - EDITOR_ACTIONS
                else "Ask an administrator to add you to the 'editors' group."
            )
        )
