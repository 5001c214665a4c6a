"""`manage.py reviewer_profile <username> --credentials "..."`: set how a reviewer is published."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from editorial.services import reviewer_profile_set


class Command(BaseCommand):
    help = (
        "Set a clinical reviewer's published name and credentials (the review block of what "
        "they approve shows them), e.g. --credentials 'MD, consultant in pain medicine'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--credentials", help='e.g. "MD, consultant in pain medicine"')
        parser.add_argument("--display-name", help="the name to publish (default: full name)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user is called {options['username']!r}; create it first.")
        profile = reviewer_profile_set(
            user=user, credentials=options["credentials"], display_name=options["display_name"]
        )
        self.stdout.write(
            f"{user.get_username()}: {profile.display_name or '(full name)'}; "
            f"credentials: {profile.credentials or '(none)'}"
        )
