"""Load content files (the shipped seed by default) into the database, idempotently."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from treatments.content_files import read_content_file, shipped_content_files
from treatments.services import ServiceError, content_load
from treatments.services.loading import content_plan


class Command(BaseCommand):
    help = (
        "Load treatment content files (YAML or JSON); with no paths, the shipped content. "
        "All files are validated first and loaded in one transaction: one bad file writes nothing."
        " Treatments that editors changed since they were loaded are kept (see --force)."
    )
    force_by_default = False

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("paths", nargs="*", type=Path, help="Content files to load.")
        parser.add_argument("--publish", action="store_true", help="Publish after loading.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change; write nothing."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            default=self.force_by_default,
            help="Apply the files even over treatments editors changed, withdrew or deleted "
            "since they were loaded (without it those are kept and reported).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        paths = options["paths"] or shipped_content_files()
        try:
            contents = [read_content_file(path) for path in paths]
            if options["dry_run"]:
                for content in contents:
                    self.stdout.write(f"{content.slug}: would be {content_plan(content=content)}")
                return
            with transaction.atomic():
                for content in contents:
                    result = content_load(
                        content=content, publish=options["publish"], force=options["force"]
                    )
                    line = f"{result.slug}: {result.action}"
                    if result.detail:
                        line += f" ({result.detail})"
                    if result.published is not None:
                        line += f"; {result.published.detail}"
                    self.stdout.write(line)
        except ServiceError as exc:
            raise CommandError(exc.detail) from None
