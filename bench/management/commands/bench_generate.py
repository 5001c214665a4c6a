"""Generate N synthetic published treatments shaped like the shipped seed, fast and repeatably.

Per-treatment services (create, publish) cost dozens of queries each; for 100 000 treatments
that is far too slow. This command builds the same rows in bulk instead:

- each treatment's content is the seed content varied deterministically from its index
  (slug, title, summary, category, classification, onset range, recovery activities, body site);
- the working copy and its child rows are inserted with ``bulk_create``;
- the document, its hash and ETag come from the project's own ``treatments.documents.build``;
- the read-model row comes from the project's own ``publication_refresh`` (its column logic is
  called, not copied: its ``update_or_create`` is captured and turned into a bulk insert).

Index 0 is the seed itself, unchanged, so ``/api/v1/treatments/<seed slug>/`` serves exactly
the bytes the ``bench/limit/`` view serves. After loading, a sample of treatments is read back
through ``build_content`` to check that the rows produce the same content hash.
"""

import datetime as dt
import random
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Value
from django.utils.text import slugify

from treatments.choices import (
    ActivityKind,
    Classification,
    RestrictionKind,
    SafetyKind,
    TimelineEventKind,
)
from treatments.content_files import read_content_file, shipped_content_files
from treatments.documents.build import (
    build_content,
    build_document,
    content_hash,
    etag_for,
    to_json,
)
from treatments.models import (
    AuditEntry,
    Category,
    Comparison,
    MechanismNote,
    Publication,
    RecoveryRule,
    Revision,
    Risk,
    SafetyItem,
    SlugAlias,
    Source,
    Step,
    TimelineEvent,
    Treatment,
)
from treatments.services import publishing
from treatments.services.editing import treatment_get_for_edit
from treatments.services.loading import content_treatment_id

PUBLISHED_AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
CHANGE_NOTE = "Synthetic benchmark data."

CATEGORIES = [
    ("pain-treatments", "Pain Treatments"),
    ("sports-medicine", "Sports Medicine"),
    ("regenerative-medicine", "Regenerative Medicine"),
    ("orthopaedics", "Orthopaedics"),
    ("spine-care", "Spine Care"),
    ("joint-preservation", "Joint Preservation"),
    ("interventional-radiology", "Interventional Radiology"),
    ("rehabilitation", "Rehabilitation"),
]
BASES = [
    "Bone Marrow Stem Cell Injection",
    "Platelet-Rich Plasma Injection",
    "Hyaluronic Acid Injection",
    "Prolotherapy",
    "Radiofrequency Ablation",
    "Corticosteroid Injection",
    "Nerve Block",
    "Shockwave Therapy",
    "Amniotic Tissue Injection",
    "Ozone Injection",
]
# The seed's body site; one treatment in len(SITES) keeps it, so `q=hip` matches a fraction.
SITES = ["hip", "knee", "shoulder", "spine", "ankle", "wrist", "elbow", "neck"]
ONSET_UNITS = ["week", "week", "week", "day", "month"]
# Activities the seed's "running" rule is swapped for; running stays in about a third.
RULE_ACTIVITIES = [
    ActivityKind.RUNNING,
    ActivityKind.RUNNING,
    ActivityKind.EXERCISE,
    ActivityKind.WORK,
    ActivityKind.BATHING,
    ActivityKind.ALCOHOL,
]
TREATMENT_TABLES_IN_DELETE_ORDER = [
    Publication,
    AuditEntry,
    Revision,
    SlugAlias,
    Step,
    Risk,
    RecoveryRule,
    TimelineEvent,
    MechanismNote,
    Comparison,
    SafetyItem,
    Source,
    Treatment,
    Category,
]
_HIP = re.compile(r"\bhip\b")


def seed_content() -> dict[str, Any]:
    """The shipped seed's content as JSON-ready data (the form ``build_content`` returns)."""
    return read_content_file(shipped_content_files()[0]).model_dump(mode="json")


def _replace_strings(value: Any, fn: Any) -> Any:
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, list):
        return [_replace_strings(v, fn) for v in value]
    if isinstance(value, dict):
        return {k: _replace_strings(v, fn) for k, v in value.items()}
    return value


def treatment_id_for(index: int, seed: int, content: dict[str, Any]) -> uuid.UUID:
    if index == 0:
        return content_treatment_id(content["slug"])
    return uuid.uuid5(uuid.NAMESPACE_URL, f"urn:treatment-knowledge:bench:{seed}:{index}")


def vary(base: dict[str, Any], index: int, seed: int) -> dict[str, Any]:
    """The content of synthetic treatment `index`: the seed itself for 0, else a variation."""
    if index == 0:
        return base
    rng = random.Random(f"{seed}:{index}")
    site = rng.choice(SITES)
    name = rng.choice(BASES)
    onset_min = rng.randint(1, 12)
    onset_max = onset_min + rng.randint(0, 12)
    onset_unit = rng.choice(ONSET_UNITS)
    onset_words = f"{onset_min}-{onset_max} {onset_unit}s"

    def rewrite(text: str) -> str:
        return _HIP.sub(site, text).replace("8-12 weeks", onset_words)

    c: dict[str, Any] = _replace_strings(base, rewrite)
    c["title"] = f"{name} ({site.capitalize()}) {index}"
    c["slug"] = f"{slugify(name)}-{site}-{index}"
    c["summary"] = (f"{name} for the {site}. " + c["summary"])[:500]
    slug, cat_name = rng.choice(CATEGORIES)
    c["category"] = {"slug": slug, "name": cat_name}

    kind = rng.choice(Classification.values)
    classification = c["classification"]
    classification["kind"] = kind
    if kind == Classification.BIOLOGICAL:
        classification["tissue_source"] = rng.choice(["autologous", "allogeneic"])
        classification["possible_tissue_sources"] = ["autologous", "allogeneic"]
    else:
        classification["tissue_source"] = "not_applicable"
        classification["possible_tissue_sources"] = []

    for event in c["timeline"]:
        if event["kind"] == TimelineEventKind.ONSET:
            event["range"].update(min=onset_min, max=onset_max, unit=onset_unit)

    rules = c["recovery_rules"]
    for rule in rules:
        if rule["activity"] == ActivityKind.RUNNING:
            activity = rng.choice(RULE_ACTIVITIES)
            label = ActivityKind(activity).label.lower()
            hours = rng.choice([24, 48, 72, 96])
            rule.update(
                activity=activity,
                activity_label=label,
                restriction=rng.choice([RestrictionKind.AVOID, RestrictionKind.LIMIT]),
                patient_text=f"No {label} for at least {hours} hours after the procedure.",
            )
            rule["window"]["end"] = hours
    if rng.random() < 0.25:
        rules.pop(0)  # some treatments have no strenuous-activity rule
    c["course"]["sessions"] = {"min": 1 + rng.randint(0, 2), "max": 3 + rng.randint(0, 3)}
    return c


def _or_none(part: dict[str, Any] | None, key: str) -> Any:
    return part[key] if part else None


def treatment_row(tid: uuid.UUID, c: dict[str, Any], category_id: int) -> Treatment:
    """The working-copy row of content `c` (the fields ``editing._apply_fields`` sets)."""
    cls, proc, risks, course = c["classification"], c["procedure"], c["risks"], c["course"]
    sessions, interval = course["sessions"], course["interval"]
    review, licence = c["review"], c["licence"]
    return Treatment(
        id=tid,
        slug=c["slug"],
        title=c["title"],
        category_id=category_id,
        summary=c["summary"],
        overview=c["overview"],
        classification=cls["kind"],
        tissue_source=cls["tissue_source"],
        possible_tissue_sources=list(cls["possible_tissue_sources"]),
        tissue_source_note=cls["note"],
        performer=proc["performer"],
        imaging_guidance=proc["imaging_guidance"],
        anaesthesia_note=proc["anaesthesia_note"],
        steps_intro=proc["intro"],
        risk_level_wording=risks["level_wording"],
        risk_statement=risks["statement"],
        course_sessions_min=_or_none(sessions, "min"),
        course_sessions_max=_or_none(sessions, "max"),
        course_interval_min=_or_none(interval, "min"),
        course_interval_max=_or_none(interval, "max"),
        course_interval_unit=interval["unit"] if interval else "",
        course_evidence_qualifier=course["evidence_qualifier"],
        course_text=course["text"],
        call_to_action_text=c["call_to_action"]["text"],
        call_to_action_label=c["call_to_action"]["label"],
        reviewer_name=review["reviewer"],
        last_reviewed_on=review["last_reviewed_on"],
        next_review_due=review["next_review_due"],
        review_note=review["note"],
        attribution=c["attribution"],
        licence=licence["name"],
        licence_url=licence["url"] or "",
        version=2,  # created (1), then published (2), as the services would leave it
    )


def child_rows(tid: uuid.UUID, c: dict[str, Any]) -> dict[type, list[Any]]:
    """The child rows of content `c` (the rows ``editing._replace_children`` writes)."""
    steps = []
    for i, s in enumerate(c["procedure"]["steps"], start=1):
        q, d = s["quantity"], s["duration"]
        steps.append(
            Step(
                treatment_id=tid,
                order=i,
                title=s["title"],
                detail=s["detail"],
                quantity_min=_or_none(q, "min"),
                quantity_max=_or_none(q, "max"),
                quantity_unit=q["unit"] if q else "",
                quantity_approximate=q["approximate"] if q else False,
                quantity_of=q["of"] if q else "",
                duration_min=_or_none(d, "min"),
                duration_max=_or_none(d, "max"),
                duration_unit=d["unit"] if d else "",
                duration_wording=s["duration_wording"],
                performer=s["performer"],
                guidance=s["guidance"],
                body_site=s["body_site"],
            )
        )
    risks = []
    for i, r in enumerate(c["risks"]["items"], start=1):
        res = r["resolves_within"]
        risks.append(
            Risk(
                treatment_id=tid,
                order=i,
                name=r["name"],
                description=r["description"],
                likelihood_band=r["likelihood"]["band"],
                likelihood_basis=r["likelihood"]["basis"],
                likelihood_wording=r["likelihood"]["wording"],
                seriousness=r["seriousness"],
                resolves_min=_or_none(res, "min"),
                resolves_max=_or_none(res, "max"),
                resolves_unit=res["unit"] if res else "",
                resolves_wording=r["resolves_wording"],
            )
        )
    rules = [
        RecoveryRule(
            treatment_id=tid,
            order=i,
            activity=r["activity"],
            activity_label=r["activity_label"],
            restriction=r["restriction"],
            start_offset=r["window"]["start"],
            end_offset=r["window"]["end"],
            unit=r["window"]["unit"],
            at_least=r["window"]["at_least"],
            calendar_days=r["window"]["calendar_days"],
            condition=r["condition"]["code"],
            condition_text=r["condition"]["text"],
            patient_text=r["patient_text"],
        )
        for i, r in enumerate(c["recovery_rules"], start=1)
    ]
    timeline = [
        TimelineEvent(
            treatment_id=tid,
            order=i,
            kind=e["kind"],
            label=e["label"],
            range_min=e["range"]["min"],
            range_max=e["range"]["max"],
            unit=e["range"]["unit"],
            open_ended=e["range"]["open_ended"],
            range_wording=e["range"]["wording"],
            qualifier=e["qualifier"],
            varies_between_people=e["varies_between_people"],
            patient_text=e["patient_text"],
        )
        for i, e in enumerate(c["timeline"], start=1)
    ]
    mechanism = [
        MechanismNote(treatment_id=tid, order=i, subject=m["subject"], text=m["text"])
        for i, m in enumerate(c["mechanism"], start=1)
    ]
    comparisons = [
        Comparison(
            treatment_id=tid,
            order=i,
            compared_with=x["compared_with"],
            difference=x["difference"],
            onset_difference=x["onset_difference"],
        )
        for i, x in enumerate(c["comparisons"], start=1)
    ]
    safety_pairs = [(SafetyKind.CONTRAINDICATION, t) for t in c["safety"]["contraindications"]]
    safety_pairs += [(SafetyKind.WARNING_SIGN, t) for t in c["safety"]["warning_signs"]]
    safety = [
        SafetyItem(treatment_id=tid, order=i, kind=kind, text=text)
        for i, (kind, text) in enumerate(safety_pairs, start=1)
    ]
    sources = [
        Source(
            treatment_id=tid,
            order=i,
            title=s["title"],
            publisher=s["publisher"],
            url=s["url"] or "",
            retrieved_on=s["retrieved_on"],
            note=s["note"],
        )
        for i, s in enumerate(c["sources"], start=1)
    ]
    return {
        Step: steps,
        Risk: risks,
        RecoveryRule: rules,
        TimelineEvent: timeline,
        MechanismNote: mechanism,
        Comparison: comparisons,
        SafetyItem: safety,
        Source: sources,
    }


class _CapturedPublications:
    """Stands in for ``Publication.objects``: keeps what ``publication_refresh`` would write.

    Reads see an empty table (these treatments were never published before), without a query.
    """

    def __init__(self) -> None:
        self.rows: list[Publication] = []

    def update_or_create(self, *, treatment: Any, defaults: dict[str, Any]) -> Any:
        self.rows.append(Publication(treatment=treatment, **defaults))
        return self.rows[-1], True

    def __getattr__(self, name: str) -> Any:
        return getattr(Publication.objects.none(), name)


class _PublicationStandIn:
    """The ``Publication`` model as ``treatments.services.publishing`` sees it while capturing."""

    def __init__(self, capture: _CapturedPublications) -> None:
        self.objects = capture

    def __getattr__(self, name: str) -> Any:
        return getattr(Publication, name)


@contextmanager
def captured_publications() -> Iterator[_CapturedPublications]:
    capture = _CapturedPublications()
    with mock.patch.object(publishing, "Publication", _PublicationStandIn(capture)):
        yield capture


def bulk_insert(model: Any, rows: list[Any], *, big_text: tuple[str, ...]) -> None:
    """``bulk_create``, with large text columns sent as plain literals.

    On PostgreSQL, Django 5.2 bulk-inserts through ``UNNEST`` of array parameters, and psycopg
    quotes every array element in Python: slow for 6 kB JSON strings full of quotes. A
    ``Value()`` among the values makes Django use a VALUES list instead, whose string literals
    libpq escapes in C (about twice as fast overall here).
    """
    for row in rows:
        for name in big_text:
            setattr(row, name, Value(getattr(row, name)))
    try:
        model.objects.bulk_create(rows, batch_size=500)
    finally:
        for row in rows:
            for name in big_text:
                setattr(row, name, getattr(row, name).value)


def wipe() -> None:
    """Remove every treatment-domain row (revisions refuse DELETE on PostgreSQL: truncate)."""
    tables = [model._meta.db_table for model in TREATMENT_TABLES_IN_DELETE_ORDER]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")


class Command(BaseCommand):
    help = (
        "Replace all treatments with N synthetic published treatments shaped like the seed "
        "(deterministic for a given --seed). Bulk inserts; 100 000 takes a few minutes."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--count", type=int, required=True, help="How many treatments.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument("--chunk", type=int, default=2000, help="Rows per transaction.")
        parser.add_argument(
            "--no-wipe", action="store_true", help="Keep existing rows (fails on slug clashes)."
        )
        parser.add_argument(
            "--verify", type=int, default=3, help="Read back this many treatments and compare."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count, seed, chunk = options["count"], options["seed"], max(1, options["chunk"])
        if count < 1:
            raise CommandError("--count must be at least 1.")
        started = time.monotonic()
        base = seed_content()
        with transaction.atomic():
            if not options["no_wipe"]:
                wipe()
            Category.objects.bulk_create(
                [Category(slug=s, name=n) for s, n in CATEGORIES], ignore_conflicts=True
            )
        categories = dict(Category.objects.values_list("slug", "id"))

        for start in range(0, count, chunk):
            self._chunk(base, range(start, min(count, start + chunk)), seed, categories)
            done = min(count, start + chunk)
            if count >= 10 * chunk and (done // chunk) % 5 == 0:
                rate = done / (time.monotonic() - started)
                self.stderr.write(f"  {done}/{count} treatments ({rate:.0f}/s)")

        self._verify(base, count, seed, options["verify"])
        elapsed = time.monotonic() - started
        self.stdout.write(f"Generated {count} published treatments in {elapsed:.1f}s.")

    def _chunk(
        self, base: dict[str, Any], indices: range, seed: int, categories: dict[str, int]
    ) -> None:
        treatments, revisions = [], []
        children: dict[type, list[Any]] = {}
        for index in indices:
            content = vary(base, index, seed)
            cat = content["category"]
            if cat["slug"] not in categories:
                categories[cat["slug"]] = Category.objects.create(**cat).pk
            tid = treatment_id_for(index, seed, content)
            treatment = treatment_row(tid, content, categories[cat["slug"]])
            treatments.append(treatment)
            for model, rows in child_rows(tid, content).items():
                children.setdefault(model, []).extend(rows)
            published_at = PUBLISHED_AT + dt.timedelta(seconds=index)
            document = build_document(
                treatment_id=tid, content=content, revision=1, published_at=published_at
            )
            body = to_json(document)
            revisions.append(
                Revision(
                    treatment=treatment,
                    number=1,
                    schema_version=document["schema_version"],
                    document_json=body,
                    content_hash=content_hash(content),
                    etag=etag_for(body),
                    created_at=published_at,
                    change_note=CHANGE_NOTE,
                )
            )
        with transaction.atomic():
            Treatment.objects.bulk_create(treatments, batch_size=1000)
            for model, rows in children.items():
                model.objects.bulk_create(rows, batch_size=2000)
            bulk_insert(Revision, revisions, big_text=("document_json",))
            with captured_publications() as capture:
                for treatment, revision in zip(treatments, revisions, strict=True):
                    try:
                        publishing.publication_refresh(
                            treatment=treatment,
                            revision=revision,
                            source_version=treatment.version,
                        )
                    except Exception as exc:
                        raise CommandError(
                            "Capturing publication_refresh() failed; it no longer writes the "
                            "read model with one Publication.objects.update_or_create(). Adapt "
                            f"bench_generate's captured_publications(): {exc!r}"
                        ) from exc
            if len(capture.rows) != len(treatments):
                raise CommandError("publication_refresh() wrote no read-model row to capture.")
            for row in capture.rows:
                row.changed_at = row.published_at  # deterministic, unlike now()
            bulk_insert(
                Publication, capture.rows, big_text=("document_json", "search_text", "summary_json")
            )

    def _verify(self, base: dict[str, Any], count: int, seed: int, how_many: int) -> None:
        """Read treatments back as the services do; their content must hash the same."""
        if how_many <= 0:
            return
        picks = sorted(
            {0, count - 1, *random.Random(seed).sample(range(count), min(count, how_many))}
        )
        for index in picks[: max(how_many, 2)]:
            content = vary(base, index, seed)
            tid = treatment_id_for(index, seed, content)
            stored = build_content(treatment_get_for_edit(treatment_id=tid))
            if content_hash(stored) != content_hash(content):
                raise CommandError(
                    f"Treatment {index} ({content['slug']}) reads back different content: the "
                    "bulk row mapping is out of date with the models or the document builder."
                )
            publication = Publication.objects.get(treatment_id=tid)
            revision = Revision.objects.get(treatment_id=tid, number=1)
            if publication.document_json != revision.document_json:
                raise CommandError(f"Treatment {index}: publication and revision bytes differ.")
