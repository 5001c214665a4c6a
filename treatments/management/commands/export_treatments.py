"""Export working copies as content files (the shipped content format)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from treatments.content_files import dump_content
from treatments.documents.build import build_content, treatments_for_documents


class Command(BaseCommand):
    help = (
        "Write each treatment's working copy as <slug>.yaml (or .json) into DIRECTORY, or one "
        "treatment to stdout with --slug and no directory. Import them back with "
        "import_treatments; the round trip is lossless."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("directory", nargs="?", type=Path)
        parser.add_argument("--slug", action="append", default=[], help="Only these slugs.")
        parser.add_argument("--format", choices=["yaml", "json"], default="yaml")
        parser.add_argument("--include-deleted", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        queryset = treatments_for_documents().order_by("slug")
        if not options["include_deleted"]:
            queryset = queryset.filter(deleted_at__isnull=True)
        if options["slug"]:
            queryset = queryset.filter(slug__in=options["slug"])
        treatments = list(queryset)
        if options["slug"] and len(treatments) != len(set(options["slug"])):
            found = {t.slug for t in treatments}
            missing = sorted(set(options["slug"]) - found)
            raise CommandError(f"No treatment with slug(s): {', '.join(missing)}.")
        directory: Path | None = options["directory"]
        if directory is None:
            for treatment in treatments:
                self.stdout.write(dump_content(build_content(treatment), fmt=options["format"]))
            return
        directory.mkdir(parents=True, exist_ok=True)
        for treatment in treatments:
            path = directory / f"{treatment.slug}.{options['format']}"
            path.write_text(dump_content(build_content(treatment), fmt=options["format"]))
            self.stdout.write(f"{treatment.slug}: {path}")
