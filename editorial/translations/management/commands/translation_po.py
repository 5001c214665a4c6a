"""`manage.py translation_po export|import <translation id>`: PO files for translators' tools.

`export` writes the translation's PO file (to `--output`, or standard output); with
`--update`, an outdated translation's update file, against the source's live revision (the
texts the source changed are fuzzy, with their previous text). `import` applies a translated
file through the same service as the editor API (one audited write; an update file also brings
the translation up to the live revision).
The precondition is the working-copy version the file was exported at (its
`X-Translation-Version` header) unless `--expected-version` says otherwise, so a file made
before someone else's edit is refused instead of overwriting it. `--user` names who imports
(audited, permission-checked); without it the import runs as the system.
"""

import uuid
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from editorial.translations.exchange import (
    HEADER_SOURCE_REVISION,
    HEADER_TRANSLATION_VERSION,
    export_po,
    import_po,
    parse_po,
)
from editorial.translations.models import Translation
from treatments.errors import ContentInvalidError, ServiceError


class Command(BaseCommand):
    help = (
        "Export a translation as a gettext PO file, or import a translated one "
        "(the translation id is its working copy's id, as the editor API gives it)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        export = actions.add_parser("export", help="write the translation's PO file")
        export.add_argument("translation_id")
        export.add_argument("--output", "-o", help="the file to write (default: standard output)")
        export.add_argument(
            "--update",
            action="store_true",
            help="against the source's live revision, for an outdated translation",
        )
        imported = actions.add_parser("import", help="apply a translated PO file")
        imported.add_argument("translation_id")
        imported.add_argument("file", help="the PO file, UTF-8")
        imported.add_argument(
            "--expected-version",
            type=int,
            help=f"the working-copy version to write over (default: the file's "
            f"{HEADER_TRANSLATION_VERSION})",
        )
        imported.add_argument("--user", help="the username the import is audited as")

    def handle(self, *args: Any, **options: Any) -> None:
        row = self._translation(options["translation_id"])
        try:
            if options["action"] == "export":
                self._export(row, options["output"], update=options["update"])
            else:
                self._import(row, options)
        except ContentInvalidError as exc:  # a refused file, or a text the contract refuses
            lines = [f"  {e['pointer'] or '(file)'}: {e['message']}" for e in exc.errors]
            reason = exc.code or "validation_error"
            raise CommandError(
                "\n".join([f"Refused ({reason}); nothing changed.", *lines])
            ) from None
        except ServiceError as exc:
            raise CommandError(exc.detail) from None

    def _translation(self, raw: str) -> Translation:
        row = (
            Translation.objects.select_related("source", "treatment")
            .filter(treatment_id=raw)
            .first()
            if _is_uuid(raw)
            else None
        )
        if row is None:
            raise CommandError(
                f"No translation has the id {raw!r}; list a treatment's translations with "
                "GET /api/v1/editor/treatments/<id>/translations/."
            )
        return row

    def _export(self, row: Translation, output: str | None, *, update: bool) -> None:
        text = export_po(row, update=update)
        if output:
            Path(output).write_text(text, encoding="utf-8")
            revision = parse_po(text).metadata.get(HEADER_SOURCE_REVISION)
            self.stderr.write(f"Wrote {output} ({row.language}, source revision {revision}).")
        else:
            self.stdout.write(text, ending="")

    def _import(self, row: Translation, options: dict[str, Any]) -> None:
        try:
            text = Path(options["file"]).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc}") from None
        expected = options["expected_version"]
        if expected is None:
            said = parse_po(text).metadata.get(HEADER_TRANSLATION_VERSION, "").strip()
            if not said.isdigit():
                raise CommandError(
                    f"The file has no {HEADER_TRANSLATION_VERSION} header; give "
                    "--expected-version (the translation's current version)."
                )
            expected = int(said)
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"No user is called {options['user']!r}.")
        saved = import_po(row, text, expected_version=expected, actor=actor)
        outcome = "unchanged" if saved.version == expected else f"now version {saved.version}"
        row.refresh_from_db()
        self.stdout.write(
            f"Imported {options['file']} into translation {row.treatment_id} "
            f"({row.language}): {outcome}; it translates source revision {row.source_revision}."
        )


def _is_uuid(raw: str) -> bool:
    try:
        uuid.UUID(raw)
    except ValueError:
        return False
    return True
