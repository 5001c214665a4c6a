"""Editorial roles as Django groups: editors write drafts, publishers also publish."""

from django.contrib.auth.models import Group, Permission

EDITOR_PERMISSIONS = [
    "add_treatment",
    "change_treatment",
    "view_treatment",
    "add_category",
    "change_category",
    "view_category",
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
PUBLISHER_PERMISSIONS = ["publish_treatment"]


def ensure_roles() -> dict[str, Group]:
    """Create or update the `editors` and `publishers` groups with their permissions."""
    groups = {}
    for name, codenames in (("editors", EDITOR_PERMISSIONS), ("publishers", PUBLISHER_PERMISSIONS)):
        group, _ = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.filter(
            content_type__app_label="treatments", codename__in=codenames
        )
        group.permissions.set(permissions)
        groups[name] = group
    return groups
