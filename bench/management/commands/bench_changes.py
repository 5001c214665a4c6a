"""Publish N real changes through the project's own services, for the sync-delta benchmark.

``bench/run.py`` takes a sync token, runs this command, then measures
``/api/v1/sync/?token=<that token>``: a delta of exactly N changed treatments for as long as
nothing else changes. Unlike ``bench_generate`` (bulk rows), each change goes the way an
editor's does: ``treatment_replace`` then ``treatment_publish`` (actor None, as the content
loader), so the revision, read model, change log and signals are the real ones.

The treatments are picked deterministically (by ``md5(slug)``, descending: the other end of the
order ``bench/run.py`` samples its detail slugs from) and never include the seed, whose bytes the
``bench/limit/`` view serves. Each change rewrites one marker sentence at the end of the
overview, numbered by the revision it will become, so that a database changed before changes
again (and the summaries, titles and slugs the lists show stay as generated).

Writes ``{"changed": [slugs], "head_before": n, "head_after": n}`` as JSON to stdout. With fewer
live treatments than asked for (besides the seed), all of them change.
"""

import hashlib
import json
import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from treatments.documents.build import build_content
from treatments.models import Publication, Treatment
from treatments.selectors import change_log_head
from treatments.services import (
    content_validate,
    treatment_get_for_edit,
    treatment_publish,
    treatment_replace,
)

SEED_SLUG = "bone-marrow-stem-cell-injection"
MARKER = re.compile(r"\s*\(Benchmark revision \d+\.\)$")


def changed_overview(overview: str, revision: int) -> str:
    """The overview with its benchmark marker set to `revision` (added, or replaced)."""
    return MARKER.sub("", overview) + f" (Benchmark revision {revision}.)"


class Command(BaseCommand):
    help = "Publish COUNT real changes (replace + publish) to live treatments; JSON to stdout."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--count",
            type=int,
            default=10,
            help="Treatments to change (10; fewer when fewer are live besides the seed).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["count"]
        live = Publication.objects.live().exclude(slug=SEED_SLUG)
        rows = live.values_list("treatment_id", "slug", "revision_number")
        # md5(slug) as PostgreSQL computes it, in Python so that any database will do.
        picked = sorted(rows, key=lambda row: hashlib.md5(row[1].encode()).hexdigest())
        picked = picked[::-1][:count]
        if not picked:
            raise CommandError("No live treatment besides the seed to change.")
        head_before = change_log_head()
        changed = []
        for treatment_id, slug, revision_number in picked:
            version = Treatment.objects.get(pk=treatment_id).version
            content = build_content(treatment_get_for_edit(treatment_id=treatment_id))
            content["overview"] = changed_overview(
                content.get("overview") or "", revision_number + 1
            )
            treatment = treatment_replace(
                treatment_id=treatment_id,
                content=content_validate(content),
                expected_version=version,
                actor=None,
                message="Benchmark change.",
            )
            result = treatment_publish(
                treatment_id=treatment.pk,
                expected_version=treatment.version,
                actor=None,
                change_note="Benchmark change.",
            )
            if not result.created:
                raise CommandError(f"{slug}: nothing was published ({result.detail})")
            changed.append(slug)
        self.stdout.write(
            json.dumps(
                {"changed": changed, "head_before": head_before, "head_after": change_log_head()}
            )
        )
