"""Issue an editor API token for a user (shown once; stored hashed)."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from knox.models import AuthToken


class Command(BaseCommand):
    help = (
        "Issue an API token for USERNAME. The token is printed once and stored only as a hash; "
        "revoke it by deleting it in the admin (Knox › Auth tokens) or with --revoke-all."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--revoke-all", action="store_true", help="Revoke the user's tokens.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named {options['username']!r}; create it first.")
        if options["revoke_all"]:
            count, _ = AuthToken.objects.filter(user=user).delete()
            self.stdout.write(f"Revoked {count} token(s).")
            return
        instance, token = AuthToken.objects.create(user=user)
        self.stdout.write(token)
        self.stderr.write(f"Expires {instance.expiry:%Y-%m-%d %H:%M} UTC. It is not shown again.")
