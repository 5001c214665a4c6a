"""Import content files (YAML or JSON): create or update by slug, with a dry run."""

from pathlib import Path
from typing import Any

from treatments.management.commands.load_content import Command as LoadContentCommand


class Command(LoadContentCommand):
    help = (
        "Import content files exported by export_treatments (or written by hand): each is "
        "validated, matched by slug, then created, updated or left unchanged, all in one "
        "transaction. --dry-run reports what would change and writes nothing. An import is an "
        "explicit request to apply the files, so it overwrites editorial changes (unlike "
        "load_content)."
    )
    force_by_default = True

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument("--from-dir", type=Path, help="Import every .yaml/.json file here.")

    def handle(self, *args: Any, **options: Any) -> None:
        directory: Path | None = options.pop("from_dir")
        if directory is not None:
            files = sorted([*directory.glob("*.yaml"), *directory.glob("*.json")])
            options["paths"] = [*options["paths"], *files]
        if not options["paths"]:
            self.stderr.write("Name files or --from-dir; nothing to import.")
            return
        super().handle(*args, **options)
