"""The one mapping between working-copy rows and the parts of a content document.

`content_from_rows` reads a treatment and its ordered child rows (model instances, or any
objects with the same attributes, such as the admin's cleaned form data); `columns_from_content`
gives the column values to store for validated content; `locate_error` maps a contract error's
location back to the row and column it came from, so a form can show it on the right field.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from treatments.choices import SafetyKind

from .categories import category_ref
from .schema import TreatmentContent

# Child relations of a treatment, in the order the document lists them.
CHILD_RELATIONS = (
    "steps",
    "risks",
    "recovery_rules",
    "timeline",
    "mechanism_notes",
    "comparisons",
    "safety_items",
    "sources",
    "medications",
    "eligibility_criteria",
)


def _range(low: Any, high: Any, unit: str, **extra: Any) -> dict[str, Any] | None:
    if low is None and high is None and not unit:
        return None
    return {"min": low, "max": high, "unit": unit, **extra}


def _ucum(p: Any, prefix: str, *, of: bool = True) -> dict[str, Any] | None:
    """(1.2) An amount on a UCUM unit from its `<prefix>_min`, `_max`, `_unit`, … columns."""
    low, high, unit = (getattr(p, f"{prefix}_{end}") for end in ("min", "max", "unit"))
    if low is None and high is None and not unit:
        return None
    amount = {
        "min": low,
        "max": high,
        "unit": unit,
        "approximate": getattr(p, f"{prefix}_approximate"),
    }
    return {**amount, "of": getattr(p, f"{prefix}_of")} if of else amount


def _ucum_columns(prefix: str, amount: Any, *, of: bool = True) -> dict[str, Any]:
    """(1.2) The columns of an amount on a UCUM unit (empty when there is none)."""
    columns = {
        f"{prefix}_min": amount.min if amount else None,
        f"{prefix}_max": amount.max if amount else None,
        f"{prefix}_unit": amount.unit if amount else "",
        f"{prefix}_approximate": amount.approximate if amount else False,
    }
    if of:
        columns[f"{prefix}_of"] = amount.of if amount else ""
    return columns


def _step(s: Any) -> dict[str, Any]:
    return {
        "title": s.title,
        "detail": s.detail,
        "quantity": _range(
            s.quantity_min,
            s.quantity_max,
            s.quantity_unit,
            approximate=s.quantity_approximate,
            of=s.quantity_of,
        ),
        "duration": _range(
            s.duration_min, s.duration_max, s.duration_unit, approximate=s.duration_approximate
        ),
        "duration_wording": s.duration_wording,
        "performer": s.performer,
        "guidance": s.guidance,
        "body_site": s.body_site,
        "optional": s.optional,
        "guidance_optional": s.guidance_optional,
        "quantity_ucum": _ucum(s, "quantity_ucum"),
        "duration_ucum": _ucum(s, "duration_ucum", of=False),
    }


def _risk(r: Any) -> dict[str, Any]:
    return {
        "name": r.name,
        "description": r.description,
        "likelihood": {
            "band": r.likelihood_band,
            "basis": r.likelihood_basis,
            "wording": r.likelihood_wording,
        },
        "seriousness": r.seriousness,
        "resolves_within": _range(
            r.resolves_min, r.resolves_max, r.resolves_unit, approximate=r.resolves_approximate
        ),
        "resolves_wording": r.resolves_wording,
        "population": r.population,
        "codes": list(r.codes or []),
    }


def _rule_medication(r: Any) -> dict[str, Any] | None:
    if not (r.medication_name or r.medication_class or r.medication_codes):
        return None
    return {
        "name": r.medication_name,
        "drug_class": r.medication_class,
        "codes": list(r.medication_codes or []),
    }


def _rule(r: Any) -> dict[str, Any]:
    return {
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
        "medication": _rule_medication(r),
    }


def _event(e: Any) -> dict[str, Any]:
    return {
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
        "milestone": e.milestone or None,
    }


def _medication(m: Any) -> dict[str, Any]:
    return {
        "name": m.name,
        "drug_class": m.drug_class,
        "role": m.role,
        "route": m.route,
        "codes": list(m.codes or []),
        "dose_per_session": _ucum(m, "dose"),
    }


def _criterion(e: Any) -> dict[str, Any]:
    return {
        "kind": e.kind,
        "explanation": e.explanation,
        "subject": e.subject,
        "codes": list(e.codes or []),
        "count": e.count,
        "count_relation": e.count_relation or None,
        "outcome": e.outcome,
        "quantity": _ucum(e, "quantity"),
    }


def _safety(rows: list[Any], kind: str) -> tuple[list[str], list[Any]]:
    """The string list of a kind and, when any of its rows is detailed, the structured list."""
    mine = [s for s in rows if s.kind == kind]
    texts = [s.text for s in mine]
    if not any(s.detailed for s in mine):
        return texts, []
    if kind == SafetyKind.CONTRAINDICATION:
        return texts, [
            {"text": s.text, "kind": s.contraindication_kind, "codes": list(s.codes or [])}
            for s in mine
        ]
    return texts, [{"text": s.text, "action": s.action, "urgency": s.urgency} for s in mine]


def _optional_group(values: dict[str, Any]) -> dict[str, Any] | None:
    """A nested part from its columns, or None when every column is empty."""
    return None if all(v in (None, "") for v in values.values()) else values


def _source(s: Any) -> dict[str, Any]:
    return {
        "title": s.title,
        "publisher": s.publisher,
        "url": s.url or None,
        "retrieved_on": s.retrieved_on,
        "note": s.note,
    }


def content_from_rows(
    t: Any, *, category: Any, children: Mapping[str, Iterable[Any]]
) -> dict[str, Any]:
    """The content document (not yet validated) of a treatment row and its ordered children.

    The category's name is the one in the treatment's language (`categories.category_ref`).
    """
    safety = list(children["safety_items"])
    contraindications, contraindication_items = _safety(safety, SafetyKind.CONTRAINDICATION)
    warning_signs, warning_sign_items = _safety(safety, SafetyKind.WARNING_SIGN)
    return {
        "slug": t.slug,
        "language": t.language,
        "title": t.title,
        "category": category_ref(category, t.language),
        "summary": t.summary,
        "overview": t.overview,
        "classification": {
            "kind": t.classification,
            "tissue_source": t.tissue_source,
            "possible_tissue_sources": t.possible_tissue_sources,
            "note": t.tissue_source_note,
        },
        "mechanism": [{"subject": m.subject, "text": m.text} for m in children["mechanism_notes"]],
        "comparisons": [
            {
                "compared_with": c.compared_with,
                "difference": c.difference,
                "onset_difference": c.onset_difference,
            }
            for c in children["comparisons"]
        ],
        "procedure": {
            "performer": t.performer,
            "imaging_guidance": t.imaging_guidance,
            "imaging_guidance_optional": t.imaging_guidance_optional,
            "anaesthesia_note": t.anaesthesia_note,
            "intro": t.steps_intro,
            "steps": [_step(s) for s in children["steps"]],
        },
        "risks": {
            "level_wording": t.risk_level_wording,
            "statement": t.risk_statement,
            "items": [_risk(r) for r in children["risks"]],
        },
        "recovery_rules": [_rule(r) for r in children["recovery_rules"]],
        "timeline": [_event(e) for e in children["timeline"]],
        "course": {
            "sessions": (
                None
                if t.course_sessions_min is None and t.course_sessions_max is None
                else {"min": t.course_sessions_min, "max": t.course_sessions_max}
            ),
            "interval": _range(
                t.course_interval_min,
                t.course_interval_max,
                t.course_interval_unit,
                approximate=t.course_interval_approximate,
            ),
            "evidence_qualifier": t.course_evidence_qualifier,
            "text": t.course_text,
            "frequency_limit": _optional_group(
                {
                    "max_sessions": t.course_limit_max_sessions,
                    "period": t.course_limit_period,
                    "period_unit": t.course_limit_period_unit,
                }
            ),
            "minimum_interval": _optional_group(
                {"value": t.course_minimum_interval, "unit": t.course_minimum_interval_unit}
            ),
            "repeat_interval": _ucum(t, "course_repeat", of=False),
        },
        "safety": {
            "contraindications": contraindications,
            "warning_signs": warning_signs,
            "contraindication_items": contraindication_items,
            "warning_sign_items": warning_sign_items,
        },
        "call_to_action": {"text": t.call_to_action_text, "label": t.call_to_action_label},
        "review": {
            "reviewer": t.reviewer_name,
            "last_reviewed_on": t.last_reviewed_on,
            "next_review_due": t.next_review_due,
            "note": t.review_note,
        },
        "sources": [_source(s) for s in children["sources"]],
        "attribution": t.attribution,
        "licence": {"name": t.licence, "url": t.licence_url or None},
        "codes": list(t.codes or []),
        "medications": [_medication(m) for m in children["medications"]],
        "eligibility": [_criterion(e) for e in children["eligibility_criteria"]],
    }


def treatment_columns(c: TreatmentContent) -> dict[str, Any]:
    """The treatment row's column values for validated content (the category is resolved apart)."""
    sessions, interval = c.course.sessions, c.course.interval
    limit, minimum = c.course.frequency_limit, c.course.minimum_interval
    return {
        "slug": c.slug,
        "language": c.language,
        "title": c.title,
        "summary": c.summary,
        "overview": c.overview,
        "classification": c.classification.kind,
        "tissue_source": c.classification.tissue_source,
        "possible_tissue_sources": list(c.classification.possible_tissue_sources),
        "tissue_source_note": c.classification.note,
        "performer": c.procedure.performer,
        "imaging_guidance": c.procedure.imaging_guidance,
        "imaging_guidance_optional": c.procedure.imaging_guidance_optional,
        "anaesthesia_note": c.procedure.anaesthesia_note,
        "steps_intro": c.procedure.intro,
        "risk_level_wording": c.risks.level_wording,
        "risk_statement": c.risks.statement,
        "course_sessions_min": sessions.min if sessions else None,
        "course_sessions_max": sessions.max if sessions else None,
        "course_interval_min": interval.min if interval else None,
        "course_interval_max": interval.max if interval else None,
        "course_interval_unit": interval.unit if interval else "",
        "course_evidence_qualifier": c.course.evidence_qualifier,
        "course_text": c.course.text,
        "course_interval_approximate": interval.approximate if interval else False,
        "course_limit_max_sessions": limit.max_sessions if limit else None,
        "course_limit_period": limit.period if limit else None,
        "course_limit_period_unit": limit.period_unit if limit else "",
        "course_minimum_interval": minimum.value if minimum else None,
        "course_minimum_interval_unit": minimum.unit if minimum else "",
        **_ucum_columns("course_repeat", c.course.repeat_interval, of=False),
        "codes": _codes(c.codes),
        "call_to_action_text": c.call_to_action.text,
        "call_to_action_label": c.call_to_action.label,
        "reviewer_name": c.review.reviewer,
        "last_reviewed_on": c.review.last_reviewed_on,
        "next_review_due": c.review.next_review_due,
        "review_note": c.review.note,
        "attribution": c.attribution,
        "licence": c.licence.name,
        "licence_url": str(c.licence.url) if c.licence.url else "",
    }


def _codes(codes: Iterable[Any]) -> list[dict[str, Any]]:
    return [coding.model_dump(mode="json") for coding in codes]


def _safety_columns(c: TreatmentContent) -> list[dict[str, Any]]:
    safety: list[dict[str, Any]] = [
        {
            "kind": SafetyKind.CONTRAINDICATION,
            "text": x.text,
            "detailed": True,
            "contraindication_kind": x.kind,
            "codes": _codes(x.codes),
        }
        for x in c.safety.contraindication_items
    ] or [{"kind": SafetyKind.CONTRAINDICATION, "text": t} for t in c.safety.contraindications]
    safety += [
        {
            "kind": SafetyKind.WARNING_SIGN,
            "text": w.text,
            "detailed": True,
            "urgency": w.urgency,
            "action": w.action,
        }
        for w in c.safety.warning_sign_items
    ] or [{"kind": SafetyKind.WARNING_SIGN, "text": t} for t in c.safety.warning_signs]
    return safety


def _step_columns(s: Any) -> dict[str, Any]:
    # A 1.0 form beside a 1.2 one is derived from it (the contract checked they agree), so
    # only the 1.2 columns hold it: editing them never leaves a stale 1.0 copy behind.
    quantity = None if s.quantity_ucum else s.quantity
    duration = None if s.duration_ucum else s.duration
    return {
        "title": s.title,
        "detail": s.detail,
        "quantity_min": quantity.min if quantity else None,
        "quantity_max": quantity.max if quantity else None,
        "quantity_unit": quantity.unit if quantity else "",
        "quantity_approximate": quantity.approximate if quantity else False,
        "quantity_of": quantity.of if quantity else "",
        "duration_min": duration.min if duration else None,
        "duration_max": duration.max if duration else None,
        "duration_unit": duration.unit if duration else "",
        "duration_approximate": duration.approximate if duration else False,
        "duration_wording": s.duration_wording,
        "performer": s.performer,
        "guidance": s.guidance,
        "guidance_optional": s.guidance_optional,
        "body_site": s.body_site,
        "optional": s.optional,
        **_ucum_columns("quantity_ucum", s.quantity_ucum),
        **_ucum_columns("duration_ucum", s.duration_ucum, of=False),
    }


def child_columns(c: TreatmentContent) -> dict[str, list[dict[str, Any]]]:
    """Each child relation's rows (column values, in order) for validated content."""
    safety = _safety_columns(c)
    return {
        "steps": [_step_columns(s) for s in c.procedure.steps],
        "risks": [
            {
                "name": r.name,
                "description": r.description,
                "likelihood_band": r.likelihood.band,
                "likelihood_basis": r.likelihood.basis,
                "likelihood_wording": r.likelihood.wording,
                "seriousness": r.seriousness,
                "resolves_min": r.resolves_within.min if r.resolves_within else None,
                "resolves_max": r.resolves_within.max if r.resolves_within else None,
                "resolves_unit": r.resolves_within.unit if r.resolves_within else "",
                "resolves_approximate": (
                    r.resolves_within.approximate if r.resolves_within else False
                ),
                "resolves_wording": r.resolves_wording,
                "population": r.population,
                "codes": _codes(r.codes),
            }
            for r in c.risks.items
        ],
        "recovery_rules": [
            {
                "activity": r.activity,
                "activity_label": r.activity_label,
                "restriction": r.restriction,
                "start_offset": r.window.start,
                "end_offset": r.window.end,
                "unit": r.window.unit,
                "at_least": r.window.at_least,
                "calendar_days": r.window.calendar_days,
                "condition": r.condition.code,
                "condition_text": r.condition.text,
                "patient_text": r.patient_text,
                "medication_name": r.medication.name if r.medication else "",
                "medication_class": r.medication.drug_class if r.medication else "",
                "medication_codes": _codes(r.medication.codes) if r.medication else [],
            }
            for r in c.recovery_rules
        ],
        "timeline": [
            {
                "kind": e.kind,
                "label": e.label,
                "range_min": e.range.min,
                "range_max": e.range.max,
                "unit": e.range.unit,
                "open_ended": e.range.open_ended,
                "range_wording": e.range.wording,
                "qualifier": e.qualifier,
                "varies_between_people": e.varies_between_people,
                "patient_text": e.patient_text,
                "milestone": e.milestone or "",
            }
            for e in c.timeline
        ],
        "mechanism_notes": [{"subject": m.subject, "text": m.text} for m in c.mechanism],
        "comparisons": [
            {
                "compared_with": x.compared_with,
                "difference": x.difference,
                "onset_difference": x.onset_difference,
            }
            for x in c.comparisons
        ],
        "safety_items": safety,
        "sources": [
            {
                "title": s.title,
                "publisher": s.publisher,
                "url": str(s.url) if s.url else "",
                "retrieved_on": s.retrieved_on,
                "note": s.note,
            }
            for s in c.sources
        ],
        "medications": [
            {
                "name": m.name,
                "drug_class": m.drug_class,
                "role": m.role,
                "route": m.route,
                "codes": _codes(m.codes),
                **_ucum_columns("dose", m.dose_per_session),
            }
            for m in c.medications
        ],
        "eligibility_criteria": [
            {
                "kind": e.kind,
                "explanation": e.explanation,
                "subject": e.subject,
                "codes": _codes(e.codes),
                "count": e.count,
                "count_relation": e.count_relation or "",
                "outcome": e.outcome,
                **_ucum_columns("quantity", e.quantity),
            }
            for e in c.eligibility
        ],
    }


# --- contract error locations -> rows and columns -------------------------------------------

# Where each child relation's items sit in the document.
_LISTS: dict[tuple[str, ...], str] = {
    ("procedure", "steps"): "steps",
    ("risks", "items"): "risks",
    ("recovery_rules",): "recovery_rules",
    ("timeline",): "timeline",
    ("mechanism",): "mechanism_notes",
    ("comparisons",): "comparisons",
    ("safety", "contraindications"): "safety_items",
    ("safety", "warning_signs"): "safety_items",
    ("safety", "contraindication_items"): "safety_items",
    ("safety", "warning_sign_items"): "safety_items",
    ("sources",): "sources",
    ("medications",): "medications",
    ("eligibility",): "eligibility_criteria",
}
_SAFETY_KIND = {
    "contraindications": "contraindication",
    "warning_signs": "warning_sign",
    "contraindication_items": "contraindication",
    "warning_sign_items": "warning_sign",
}

# A path inside an item (or the treatment) -> the column that holds it. A path that names a
# whole group ("quantity") points at the group's first column.
_ITEM_COLUMNS: dict[str, dict[tuple[str, ...], str]] = {
    "steps": {
        ("quantity", "min"): "quantity_min",
        ("quantity", "max"): "quantity_max",
        ("quantity", "unit"): "quantity_unit",
        ("quantity", "approximate"): "quantity_approximate",
        ("quantity", "of"): "quantity_of",
        ("quantity",): "quantity_min",
        ("duration", "min"): "duration_min",
        ("duration", "max"): "duration_max",
        ("duration", "unit"): "duration_unit",
        ("duration", "approximate"): "duration_approximate",
        ("duration",): "duration_min",
        **{
            (group, end): f"{group}_{end}"
            for group in ("quantity_ucum", "duration_ucum")
            for end in ("min", "max", "unit", "approximate", "of", "unit_display")
            if (group, end) != ("duration_ucum", "of")
        },
        ("quantity_ucum", "unit_display"): "quantity_ucum_unit",
        ("duration_ucum", "unit_display"): "duration_ucum_unit",
        ("quantity_ucum",): "quantity_ucum_min",
        ("duration_ucum",): "duration_ucum_min",
    },
    "risks": {
        ("likelihood", "band"): "likelihood_band",
        ("likelihood", "basis"): "likelihood_basis",
        ("likelihood", "wording"): "likelihood_wording",
        ("likelihood",): "likelihood_band",
        ("resolves_within", "min"): "resolves_min",
        ("resolves_within", "max"): "resolves_max",
        ("resolves_within", "unit"): "resolves_unit",
        ("resolves_within", "approximate"): "resolves_approximate",
        ("resolves_within",): "resolves_min",
    },
    "recovery_rules": {
        ("window", "start"): "start_offset",
        ("window", "end"): "end_offset",
        ("window", "unit"): "unit",
        ("window", "at_least"): "at_least",
        ("window", "calendar_days"): "calendar_days",
        ("window",): "start_offset",
        ("condition", "code"): "condition",
        ("condition", "text"): "condition_text",
        ("condition",): "condition_text",
        ("medication", "name"): "medication_name",
        ("medication", "drug_class"): "medication_class",
        ("medication", "codes"): "medication_codes",
        ("medication",): "medication_name",
    },
    "timeline": {
        ("range", "min"): "range_min",
        ("range", "max"): "range_max",
        ("range", "unit"): "unit",
        ("range", "open_ended"): "open_ended",
        ("range", "wording"): "range_wording",
        ("range",): "range_min",
    },
    "mechanism_notes": {},
    "comparisons": {},
    "safety_items": {(): "text", ("kind",): "contraindication_kind"},
    "sources": {},
    "medications": {
        ("dose_per_session", "min"): "dose_min",
        ("dose_per_session", "max"): "dose_max",
        ("dose_per_session", "unit"): "dose_unit",
        ("dose_per_session", "unit_display"): "dose_unit",
        ("dose_per_session", "approximate"): "dose_approximate",
        ("dose_per_session", "of"): "dose_of",
        ("dose_per_session",): "dose_min",
    },
    "eligibility_criteria": {
        ("quantity", "min"): "quantity_min",
        ("quantity", "max"): "quantity_max",
        ("quantity", "unit"): "quantity_unit",
        ("quantity", "unit_display"): "quantity_unit",
        ("quantity", "approximate"): "quantity_approximate",
        ("quantity", "of"): "quantity_of",
        ("quantity",): "quantity_min",
    },
}
_TREATMENT_COLUMNS: dict[tuple[str, ...], str] = {
    ("category",): "category",
    ("category", "slug"): "category",
    ("category", "name"): "category",
    ("classification", "kind"): "classification",
    ("classification", "tissue_source"): "tissue_source",
    ("classification", "possible_tissue_sources"): "possible_tissue_sources",
    ("classification", "note"): "tissue_source_note",
    ("procedure", "performer"): "performer",
    ("procedure", "imaging_guidance"): "imaging_guidance",
    ("procedure", "anaesthesia_note"): "anaesthesia_note",
    ("procedure", "intro"): "steps_intro",
    ("risks", "level_wording"): "risk_level_wording",
    ("risks", "statement"): "risk_statement",
    ("course", "sessions"): "course_sessions_min",
    ("course", "sessions", "min"): "course_sessions_min",
    ("course", "sessions", "max"): "course_sessions_max",
    ("course", "interval"): "course_interval_min",
    ("course", "interval", "min"): "course_interval_min",
    ("course", "interval", "max"): "course_interval_max",
    ("course", "interval", "unit"): "course_interval_unit",
    ("course", "evidence_qualifier"): "course_evidence_qualifier",
    ("course", "text"): "course_text",
    ("course", "interval", "approximate"): "course_interval_approximate",
    ("course", "frequency_limit"): "course_limit_max_sessions",
    ("course", "frequency_limit", "max_sessions"): "course_limit_max_sessions",
    ("course", "frequency_limit", "period"): "course_limit_period",
    ("course", "frequency_limit", "period_unit"): "course_limit_period_unit",
    ("course", "minimum_interval"): "course_minimum_interval",
    ("course", "minimum_interval", "value"): "course_minimum_interval",
    ("course", "minimum_interval", "unit"): "course_minimum_interval_unit",
    ("course", "repeat_interval"): "course_repeat_min",
    ("course", "repeat_interval", "min"): "course_repeat_min",
    ("course", "repeat_interval", "max"): "course_repeat_max",
    ("course", "repeat_interval", "unit"): "course_repeat_unit",
    ("course", "repeat_interval", "unit_display"): "course_repeat_unit",
    ("course", "repeat_interval", "approximate"): "course_repeat_approximate",
    ("procedure", "imaging_guidance_optional"): "imaging_guidance_optional",
    ("call_to_action", "text"): "call_to_action_text",
    ("call_to_action", "label"): "call_to_action_label",
    ("review",): "last_reviewed_on",
    ("review", "reviewer"): "reviewer_name",
    ("review", "last_reviewed_on"): "last_reviewed_on",
    ("review", "next_review_due"): "next_review_due",
    ("review", "note"): "review_note",
    ("licence", "name"): "licence",
    ("licence", "url"): "licence_url",
}


@dataclass(frozen=True)
class ErrorLocation:
    """Where a contract error belongs: the treatment row (relation None) or a child row."""

    relation: str | None
    position: int | None  # the row's position in the rows given to `content_from_rows`
    column: str | None  # None when the error concerns the whole row or document


def locate_error(loc: Sequence[str | int], children: Mapping[str, Sequence[Any]]) -> ErrorLocation:
    """The row and column a contract error at `loc` (pydantic's location) came from."""
    path = tuple(loc)
    for prefix, relation in _LISTS.items():
        if path[: len(prefix)] != prefix:
            continue
        rest = path[len(prefix) :]
        if not rest or not isinstance(rest[0], int):
            return ErrorLocation(relation, None, None)
        index, inner = rest[0], tuple(str(p) for p in rest[1:])
        position: int | None = index
        if relation == "safety_items":
            kind = _SAFETY_KIND[str(prefix[1])]
            positions = [i for i, row in enumerate(children[relation]) if row.kind == kind]
            position = positions[index] if index < len(positions) else None
        columns = _ITEM_COLUMNS[relation]
        column = columns.get(inner) or (inner[0] if inner else None)
        while column is None and inner:
            inner = inner[:-1]
            column = columns.get(inner)
        return ErrorLocation(relation, position, column)
    names = tuple(str(p) for p in path)
    column = _TREATMENT_COLUMNS.get(names)
    if column is None and len(names) == 1:
        column = names[0]
    if column is None and names:
        column = _TREATMENT_COLUMNS.get(names[:2]) or _TREATMENT_COLUMNS.get(names[:1])
    return ErrorLocation(None, None, column)


def locate_pointer(pointer: str, children: Mapping[str, Sequence[Any]]) -> ErrorLocation:
    """`locate_error` for a JSON Pointer such as "/procedure/steps/0/quantity"."""
    parts: list[str | int] = [
        int(p) if p.isdigit() else p.replace("~1", "/").replace("~0", "~")
        for p in pointer.split("/")[1:]
    ]
    return locate_error(parts, children)
