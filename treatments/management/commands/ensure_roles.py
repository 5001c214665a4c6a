"""Create the editorial groups (editors, publishers, clinical reviewers) with their permissions."""

from typing import Any

from django.core.management.base import BaseCommand

from treatments.roles import ensure_roles


class Command(BaseCommand):
    help = (
        "Create or update the 'editors', 'publishers' and 'clinical reviewers' groups. "
        "Safe to run repeatedly."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for name, group in ensure_roles().items():
            self.stdout.write(f"{name}: {group.permissions.count()} permissions")
