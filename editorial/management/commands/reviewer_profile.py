"""`manage.py reviewer_profile <username> --credentials "..."`: set how a reviewer is published.

`--create` makes the account (no password: set one with `changepassword`, or issue an API
token), `--grant` (implied by `--create`) adds it to the 'clinical reviewers' group, and
`--staff` gives it staff status, without which the admin's sign-in page refuses it.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from editorial.services import reviewer_profile_set
from treatments.roles import ensure_roles

REVIEWERS_GROUP = "clinical reviewers"


class Command(BaseCommand):
    help = (
        "Set a clinical reviewer's published name and credentials (the review block of what "
        "they approve shows them), e.g. --credentials 'MD, consultant in pain medicine'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--credentials", help='e.g. "MD, consultant in pain medicine"')
        parser.add_argument("--display-name", help="the name to publish (default: full name)")
        parser.add_argument("--email", help="where review requests are sent")
        parser.add_argument(
            "--create", action="store_true", help="create the user (implies --grant) if missing"
        )
        parser.add_argument(
            "--grant", action="store_true", help=f"add the user to the '{REVIEWERS_GROUP}' group"
        )
        parser.add_argument(
            "--staff",
            action="store_true",
            help="give the user staff status, to review in the admin (/admin/)",
        )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model().objects
        user = users.filter(username=options["username"]).first()
        if user is None and not options["create"]:
            raise CommandError(
                f"No user is called {options['username']!r}; create it first, or add --create."
            )
        if user is None:
            user = users.create_user(username=options["username"], email=options["email"] or "")
        elif options["email"] is not None:
            user.email = options["email"]
            user.save(update_fields=["email"])
        if options["staff"] and not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        if options["create"] or options["grant"]:
            ensure_roles()
            user.groups.add(Group.objects.get(name=REVIEWERS_GROUP))
        profile = reviewer_profile_set(
            user=user, credentials=options["credentials"], display_name=options["display_name"]
        )
        self.stdout.write(
            f"{user.get_username()}: {profile.display_name or '(full name)'}; "
            f"credentials: {profile.credentials or '(none)'}"
            + ("" if user.is_staff else " (no staff status: add --staff to use the admin)")
        )
