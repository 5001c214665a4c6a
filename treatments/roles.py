"""Editorial roles as Django groups, derived from the permission policy."""

from django.contrib.auth.models import Group, Permission

from treatments.permissions import ROLES, role_permissions


def ensure_roles() -> dict[str, Group]:
    """Create or update the editorial groups (`ROLES`) with their permissions."""
    groups = {}
    for name, actions in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.filter(
            content_type__app_label="treatments", codename__in=role_permissions(actions)
        )
        group.permissions.set(permissions)
        groups[name] = group
    return groups
