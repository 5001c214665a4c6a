"""Manage partners and their API keys from the shell: create, issue, list, revoke, rotate."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from partners import services
from partners.models import ApiKey, Partner


def _partner(name: str) -> Partner:
    partner = Partner.objects.filter(name=name).first()
    if partner is None:
        raise CommandError(f"No partner named {name!r}; create it with `partner_keys create`.")
    return partner


def _key(prefix: str) -> ApiKey:
    key = ApiKey.objects.select_related("partner").filter(prefix=prefix).first()
    if key is None:
        raise CommandError(f"No key with prefix {prefix!r}; `partner_keys list` shows them.")
    return key


def _when(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    value = parse_datetime(text)
    if value is None:
        raise CommandError(f"{text!r} is not a date-time; write e.g. 2027-01-31T00:00:00Z.")
    return value if timezone.is_aware(value) else timezone.make_aware(value, dt.UTC)


class Command(BaseCommand):
    help = (
        "Manage partner sites and their API keys. A raw key is printed once, on stdout, by "
        "`issue` and `rotate`; only its digest is stored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a partner.")
        create.add_argument("name")
        create.add_argument("--email", required=True, help="Contact e-mail.")
        create.add_argument("--contact", default="", help="Contact name.")
        create.add_argument(
            "--origin", action="append", default=[], help="An allowed origin (repeatable)."
        )
        create.add_argument("--rpm", type=int, help="Requests per minute per key.")
        create.add_argument("--burst", type=int, help="Burst allowance per key.")

        issue = sub.add_parser("issue", help="Issue a key for a partner (printed once).")
        issue.add_argument("partner", help="The partner's name.")
        issue.add_argument("--name", required=True, help="What the key is for, e.g. website.")
        issue.add_argument(
            "--publishable", action="store_true", help="For browser code on allowed origins."
        )
        issue.add_argument("--expires", help="Expiry, ISO 8601 (e.g. 2027-01-31T00:00:00Z).")

        listing = sub.add_parser("list", help="List keys (never their secrets).")
        listing.add_argument("partner", nargs="?", help="Only this partner's keys.")

        revoke = sub.add_parser("revoke", help="Revoke a key now.")
        revoke.add_argument("prefix")

        rotate = sub.add_parser("rotate", help="Issue a replacement; the old key expires later.")
        rotate.add_argument("prefix")
        rotate.add_argument(
            "--overlap-hours",
            type=float,
            default=24.0,
            help="How long the old key keeps working (default 24).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, "_" + options["action"])(options)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc

    def _create(self, options: dict[str, Any]) -> None:
        partner = services.partner_create(
            name=options["name"],
            contact_email=options["email"],
            contact_name=options["contact"],
            allowed_origins=options["origin"],
            requests_per_minute=options["rpm"],
            burst=options["burst"],
        )
        self.stdout.write(
            f"Created partner {partner.name!r}: {partner.requests_per_minute}/minute, "
            f"burst {partner.burst}, origins {partner.allowed_origins or 'none'}."
        )

    def _issue(self, options: dict[str, Any]) -> None:
        key, raw = services.api_key_issue(
            _partner(options["partner"]),
            name=options["name"],
            publishable=options["publishable"],
            expires_at=_when(options["expires"]),
        )
        self.stdout.write(raw)
        self.stderr.write(f"Key {key.prefix} issued. It is not shown again.")

    def _list(self, options: dict[str, Any]) -> None:
        keys = ApiKey.objects.select_related("partner")
        if options["partner"]:
            keys = keys.filter(partner=_partner(options["partner"]))
        now = timezone.now()
        for key in keys:
            kind = "publishable" if key.publishable else "secret"
            expires = key.expires_at.isoformat() if key.expires_at else "-"
            self.stdout.write(
                f"{key.prefix}\t{key.partner.name}\t{key.name}\t{kind}\t{key.state(now)}\t"
                f"expires {expires}"
            )

    def _revoke(self, options: dict[str, Any]) -> None:
        key = services.api_key_revoke(_key(options["prefix"]))
        self.stdout.write(f"Revoked {key.prefix} at {key.revoked_at:%Y-%m-%d %H:%M:%S} UTC.")

    def _rotate(self, options: dict[str, Any]) -> None:
        old = _key(options["prefix"])
        new, raw = services.api_key_rotate(
            old, overlap=dt.timedelta(hours=options["overlap_hours"])
        )
        self.stdout.write(raw)
        self.stderr.write(
            f"Key {new.prefix} replaces {old.prefix}, which keeps working until "
            f"{old.expires_at:%Y-%m-%d %H:%M:%S} UTC. The new key is not shown again."
        )
