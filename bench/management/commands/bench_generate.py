"""Generate N synthetic published treatments shaped like the shipped seed, fast and repeatably.

Per-treatment services (create, publish) cost dozens of queries each; for 100 000 treatments
that is far too slow. This command builds the same rows in bulk instead:

- each treatment's content is the seed content varied deterministically from its index
  (slug, title, summary, category, classification, onset range, recovery activities, body site)
  and, for some, synthetic schema 1.1 fields (codes, drugs, a structured contraindication and
  warning sign, a frequency limit) and 1.2 fields (an eligibility criterion, a step duration in
  seconds, a dose per session, a course repeat interval) whose names, codes and numbers are made
  up for the benchmark; every content is stored as the contract completes it (`contract_form`),
  as a publish through the services would store it;
- the working copy and its child rows are inserted with ``bulk_create``;
- the document, its hash and ETag come from the project's own ``treatments.documents.build``;
- the rows come from the project's own row mapping (``treatments.documents.rows``), and the
  read model from the publication hub's pure projection, inserted in bulk.

Index 0 is the seed itself, unchanged, so ``/api/v1/treatments/<seed slug>/`` serves exactly
the bytes the ``bench/limit/`` view serves. After loading, a sample of treatments is read back
through ``build_content`` to check that the rows produce the same content hash.
"""

import datetime as dt
import random
import re
import time
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Value
from django.utils.text import slugify

from treatments.choices import (
    ActivityKind,
    Classification,
    RestrictionKind,
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
from treatments.documents.rows import child_columns, treatment_columns
from treatments.documents.schema import TreatmentContent
from treatments.models import (
    AuditEntry,
    Category,
    ChangeKind,
    ChangeLogEntry,
    Comparison,
    EligibilityCriterion,
    MechanismNote,
    Medication,
    Publication,
    PublishedCategory,
    PublishedCode,
    PublishedSlug,
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
from treatments.publication.projection import codes, read_model_row
from treatments.services.editing import CHILD_MODELS, treatment_get_for_edit
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
# One treatment in SECOND_LANGUAGE_EVERY is tagged SECOND_LANGUAGE (bench rows detail_lang,
# search_lang: bench/driver/endpoints.py).
SECOND_LANGUAGE, SECOND_LANGUAGE_EVERY = "es", 10
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
    ChangeLogEntry,
    PublishedSlug,
    PublishedCategory,
    PublishedCode,
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
    Medication,
    EligibilityCriterion,
    Treatment,
    Category,
]
# Schema 1.1 fields for every third treatment: synthetic (made-up) drugs and codes, so that
# `?code=` and `?drug=` select a realistic fraction. Codes repeat every len(BENCH_CODES).
BENCH_SYSTEM = "http://snomed.info/sct"
BENCH_CODES = [str(9_000_000 + n) for n in range(50)]
BENCH_DRUGS = [("Benchocaine", "bench anaesthetic"), ("Benchasone", "bench steroid")]
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
    if index % 3 == 0:
        _add_schema_1_1_fields(c, index, rng)
    if index % 4 == 0:
        _add_schema_1_2_fields(c, rng)
    if index % SECOND_LANGUAGE_EVERY == SECOND_LANGUAGE_EVERY // 2:
        # Tagged only: the text stays the generator's English (nothing is translated), so the
        # second-language rows measure the machinery (a language's list, its stemmer).
        c["language"] = SECOND_LANGUAGE
    return c


def contract_form(content: dict[str, Any]) -> tuple[TreatmentContent, dict[str, Any]]:
    """`content` validated, and as the contract completes it: unit displays, the 1.0 forms it
    derives, defaults (a 1.1 medication's 1.2 `dose_per_session`, null). That is what a publish
    through the services stores, so every generated document has the current schema's shape
    and the hashes of what is stored and what the rows read back compare."""
    validated = TreatmentContent.model_validate(content)
    return validated, validated.model_dump(mode="json")


def _add_schema_1_2_fields(c: dict[str, Any], rng: random.Random) -> None:
    blocks = rng.randint(1, 2)
    c["eligibility"] = [
        {
            "kind": "prior_procedure",
            "explanation": f"Synthetic bench criterion: at least {blocks} bench blocks.",
            "subject": "bench block",
            "count": blocks,
            "count_relation": "at_least",
            "outcome": "successful",
        }
    ]
    seconds = rng.choice([30, 45, 90])
    c["procedure"]["steps"][0]["duration_ucum"] = {"min": seconds, "max": seconds, "unit": "s"}
    c["course"]["repeat_interval"] = {"min": rng.choice([6, 12]), "unit": "mo"}
    if c.get("medications"):
        c["medications"][0]["dose_per_session"] = {"min": 1.5, "max": 3, "unit": "mL"}


def _add_schema_1_1_fields(c: dict[str, Any], index: int, rng: random.Random) -> None:
    code = BENCH_CODES[index % len(BENCH_CODES)]
    c["codes"] = [{"system": BENCH_SYSTEM, "code": code, "display": "Synthetic bench code"}]
    c["medications"] = [
        {"name": name, "drug_class": cls, "role": role, "route": "local_injection", "codes": []}
        for (name, cls), role in zip(BENCH_DRUGS, ["anaesthetic", "active"], strict=True)
    ][: rng.randint(1, 2)]
    c["course"]["frequency_limit"] = {"max_sessions": 3, "period": 1, "period_unit": "year"}
    c["safety"] = {
        # The 1.0 string lists hold the items' texts, as the contract derives them.
        "contraindications": ["Synthetic bench contraindication."],
        "warning_signs": ["Synthetic bench warning sign."],
        "contraindication_items": [
            {"text": "Synthetic bench contraindication.", "kind": "relative", "codes": []}
        ],
        "warning_sign_items": [
            {"text": "Synthetic bench warning sign.", "action": "", "urgency": "contact_clinic"}
        ],
    }


def treatment_row(tid: uuid.UUID, c: TreatmentContent, category_id: int) -> Treatment:
    """The working-copy row of content `c` (the project's own row mapping)."""
    return Treatment(
        id=tid,
        category_id=category_id,
        loaded_content_hash=content_hash(c.model_dump(mode="json")),
        version=2,  # created (1), then published (2), as the services would leave it
        **treatment_columns(c),
    )


def child_rows(tid: uuid.UUID, c: TreatmentContent) -> dict[type, list[Any]]:
    """The child rows of content `c` (the project's own row mapping)."""
    return {
        CHILD_MODELS[relation]: [
            CHILD_MODELS[relation](treatment_id=tid, order=i, **values)
            for i, values in enumerate(rows, start=1)
        ]
        for relation, rows in child_columns(c).items()
    }


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
        treatments, revisions, documents = [], [], []
        children: dict[type, list[Any]] = {}
        for index in indices:
            validated, content = contract_form(vary(base, index, seed))
            cat = content["category"]
            if cat["slug"] not in categories:
                categories[cat["slug"]] = Category.objects.create(**cat).pk
            tid = treatment_id_for(index, seed, content)
            treatment = treatment_row(tid, validated, categories[cat["slug"]])
            treatments.append(treatment)
            for model, rows in child_rows(tid, validated).items():
                children.setdefault(model, []).extend(rows)
            published_at = PUBLISHED_AT + dt.timedelta(seconds=index)
            document = build_document(
                treatment_id=tid, content=content, revision=1, published_at=published_at
            )
            body = to_json(document)
            documents.append(document)
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
            # The read model, published categories and slugs, and the change log, as the
            # publication hub writes them (its pure projection, inserted in bulk).
            publications, categories_seen, slugs, log = [], {}, [], []
            published_codes = []
            for treatment, revision, document in zip(treatments, revisions, documents, strict=True):
                row = read_model_row(
                    revision=revision, document=document, source_version=treatment.version
                )
                # changed_at = published_at: deterministic, unlike now().
                publication = Publication(
                    treatment=treatment, changed_at=revision.created_at, **row
                )
                publications.append(publication)
                published_codes += [
                    PublishedCode(publication=publication, system=system, code=code)
                    for system, code in sorted(codes(document))
                ]
                categories_seen[row["category_slug"]] = PublishedCategory(
                    slug=row["category_slug"],
                    name=row["category_name"],
                    published_at=revision.created_at,
                )
                slugs.append(
                    PublishedSlug(
                        slug=row["slug"],
                        treatment=treatment,
                        first_published_at=revision.created_at,
                    )
                )
                log.append(
                    ChangeLogEntry(
                        treatment=treatment,
                        slug=row["slug"],
                        kind=ChangeKind.UPSERT,
                        reason="published",
                        revision_number=1,
                        created_at=revision.created_at,
                    )
                )
            bulk_insert(
                Publication, publications, big_text=("document_json", "search_text", "summary_json")
            )
            PublishedCode.objects.bulk_create(published_codes, batch_size=2000)
            PublishedCategory.objects.bulk_create(
                list(categories_seen.values()), ignore_conflicts=True
            )
            PublishedSlug.objects.bulk_create(slugs, batch_size=2000)
            ChangeLogEntry.objects.bulk_create(log, batch_size=2000)

    def _verify(self, base: dict[str, Any], count: int, seed: int, how_many: int) -> None:
        """Read treatments back as the services do; their content must hash the same."""
        if how_many <= 0:
            return
        picks = sorted(
            {0, count - 1, *random.Random(seed).sample(range(count), min(count, how_many))}
        )
        for index in picks[: max(how_many, 2)]:
            content = contract_form(vary(base, index, seed))[1]
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
