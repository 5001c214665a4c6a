"""The one function that turns a working copy into the canonical document, and its inverse."""

import datetime as dt
import hashlib
import json
from typing import Any

from django.db.models import QuerySet

from treatments.models import Treatment

from .schema import SCHEMA_VERSION, TreatmentContent, TreatmentDocument

CHILD_RELATIONS = (
    "steps",
    "risks",
    "recovery_rules",
    "timeline",
    "mechanism_notes",
    "comparisons",
    "safety_items",
    "sources",
)
API_PREFIX = "/api/v1"


def treatments_for_documents() -> QuerySet[Treatment]:
    """Working copies with everything a document needs, in a fixed number of queries."""
    return Treatment.objects.select_related("category").prefetch_related(*CHILD_RELATIONS)


def _range(low: Any, high: Any, unit: str, **extra: Any) -> dict[str, Any] | None:
    if low is None and high is None and not unit:
        return None
    return {"min": low, "max": high, "unit": unit, **extra}


def _content_dict(t: Treatment) -> dict[str, Any]:
    safety = list(t.safety_items.all())
    return {
        "slug": t.slug,
        "title": t.title,
        "category": {"slug": t.category.slug, "name": t.category.name},
        "summary": t.summary,
        "overview": t.overview,
        "classification": {
            "kind": t.classification,
            "tissue_source": t.tissue_source,
            "possible_tissue_sources": t.possible_tissue_sources,
            "note": t.tissue_source_note,
        },
        "mechanism": [{"subject": m.subject, "text": m.text} for m in t.mechanism_notes.all()],
        "comparisons": [
            {
                "compared_with": c.compared_with,
                "difference": c.difference,
                "onset_difference": c.onset_difference,
            }
            for c in t.comparisons.all()
        ],
        "procedure": {
            "performer": t.performer,
            "imaging_guidance": t.imaging_guidance,
            "anaesthesia_note": t.anaesthesia_note,
            "intro": t.steps_intro,
            "steps": [
                {
                    "title": s.title,
                    "detail": s.detail,
                    "quantity": _range(
                        s.quantity_min,
                        s.quantity_max,
                        s.quantity_unit,
                        approximate=s.quantity_approximate,
                        of=s.quantity_of,
                    ),
                    "duration": _range(s.duration_min, s.duration_max, s.duration_unit),
                    "duration_wording": s.duration_wording,
                    "performer": s.performer,
                    "guidance": s.guidance,
                    "body_site": s.body_site,
                }
                for s in t.steps.all()
            ],
        },
        "risks": {
            "level_wording": t.risk_level_wording,
            "statement": t.risk_statement,
            "items": [
                {
                    "name": r.name,
                    "description": r.description,
                    "likelihood": {
                        "band": r.likelihood_band,
                        "basis": r.likelihood_basis,
                        "wording": r.likelihood_wording,
                    },
                    "seriousness": r.seriousness,
                    "resolves_within": _range(r.resolves_min, r.resolves_max, r.resolves_unit),
                    "resolves_wording": r.resolves_wording,
                }
                for r in t.risks.all()
            ],
        },
        "recovery_rules": [
            {
                "activity": r.activity,
                "activity_label": r.activity_label,
                "restriction": r.restriction,
                "window": {
                    "start": r.start_offset,
                    "end": r.end_offset,
                    "unit": r.unit,
                    "at_least": r.at_least,
                    "calendar_days": r.calendar_days,
                },
                "condition": {"code": r.condition, "text": r.condition_text},
                "patient_text": r.patient_text,
            }
            for r in t.recovery_rules.all()
        ],
        "timeline": [
            {
                "kind": e.kind,
                "label": e.label,
                "range": {
                    "min": e.range_min,
                    "max": e.range_max,
                    "unit": e.unit,
                    "open_ended": e.open_ended,
                    "wording": e.range_wording,
                },
                "qualifier": e.qualifier,
                "varies_between_people": e.varies_between_people,
                "patient_text": e.patient_text,
            }
            for e in t.timeline.all()
        ],
        "course": {
            "sessions": (
                None
                if t.course_sessions_min is None and t.course_sessions_max is None
                else {"min": t.course_sessions_min, "max": t.course_sessions_max}
            ),
            "interval": _range(
                t.course_interval_min, t.course_interval_max, t.course_interval_unit
            ),
            "evidence_qualifier": t.course_evidence_qualifier,
            "text": t.course_text,
        },
        "safety": {
            "contraindications": [s.text for s in safety if s.kind == "contraindication"],
            "warning_signs": [s.text for s in safety if s.kind == "warning_sign"],
        },
        "call_to_action": {"text": t.call_to_action_text, "label": t.call_to_action_label},
        "review": {
            "reviewer": t.reviewer_name,
            "last_reviewed_on": t.last_reviewed_on,
            "next_review_due": t.next_review_due,
            "note": t.review_note,
        },
        "sources": [
            {
                "title": s.title,
                "publisher": s.publisher,
                "url": s.url or None,
                "retrieved_on": s.retrieved_on,
                "note": s.note,
            }
            for s in t.sources.all()
        ],
        "attribution": t.attribution,
        "licence": {"name": t.licence, "url": t.licence_url or None},
    }


def build_content(treatment: Treatment) -> dict[str, Any]:
    """The validated content of a working copy, as JSON-ready data."""
    return TreatmentContent.model_validate(_content_dict(treatment)).model_dump(mode="json")


def document_links(slug: str, revision: int) -> dict[str, str]:
    base = f"{API_PREFIX}/treatments/{slug}/"
    return {
        "self": base,
        "revision": f"{base}revisions/{revision}/",
        "revisions": f"{base}revisions/",
    }


def build_document(
    *, treatment_id: Any, content: dict[str, Any], revision: int, published_at: dt.datetime
) -> dict[str, Any]:
    """The canonical published document: metadata first, then the content, then links."""
    raw = {
        "schema_version": SCHEMA_VERSION,
        "id": str(treatment_id),
        "revision": revision,
        "published_at": published_at,
        **content,
        "links": document_links(content["slug"], revision),
    }
    document = TreatmentDocument.model_validate(raw).model_dump(mode="json")
    # Keep the metadata-first order of `raw` for human readers; pydantic orders by class.
    return {key: document[key] for key in raw}


def to_json(data: Any) -> str:
    """Compact JSON, UTF-8 characters kept, key order as given."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def content_hash(content: dict[str, Any]) -> str:
    """A SHA-256 of the content in a canonical form, independent of key order."""
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def etag_for(body: str | bytes) -> str:
    """A strong ETag for the exact bytes served."""
    raw = body.encode() if isinstance(body, str) else body
    return '"' + hashlib.sha256(raw).hexdigest()[:32] + '"'
