"""The recovery plan as JSON-ready data (dates in the patient's zone and in UTC)."""

import datetime as dt
from typing import Any

from .plan import Plan, PlanItem


def _instant(at: dt.datetime | None) -> dict[str, str] | None:
    if at is None:
        return None
    return {
        "local": at.isoformat(),
        "utc": at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
    }


def _item_json(item: PlanItem) -> dict[str, Any]:
    timing = item.timing
    condition = item.condition
    return {
        "kind": item.kind,
        "id": item.id,
        "title": item.title,
        "patient_text": item.patient_text,
        "phase": item.phase,
        "activity": item.activity,
        "activity_label": item.activity_label,
        "restriction": item.restriction,
        "at_least": item.at_least,
        "condition": None
        if condition is None
        else {
            "code": condition.code,
            "text": condition.text,
            "status": condition.status,
            "label": condition.label,
            "reason": condition.reason,
        },
        "dated": timing.dated,
        "basis": timing.basis,
        "all_day": timing.all_day,
        "starts": _instant(timing.starts),
        "ends": _instant(timing.ends),
        "days": None
        if not timing.all_day or timing.first_day is None
        else {
            "first": timing.first_day.isoformat(),
            "last": timing.last_day.isoformat() if timing.last_day else None,
        },
        "open_ended": item.open_ended,
        "notes": timing.notes,
        "window": item.window,
        "milestone_kind": item.milestone_kind,
        "range": item.range,
        "qualifier": item.qualifier,
        "wording": item.wording,
        "varies_between_people": item.varies_between_people,
        "session": item.session,
    }


def plan_json(plan: Plan) -> dict[str, Any]:
    """The plan as JSON-ready data (links are added where it is served)."""
    return {
        "treatment": {"id": plan.treatment_id, "slug": plan.slug, "title": plan.title},
        "revision": plan.revision,
        "published_at": plan.published_at.isoformat().replace("+00:00", "Z"),
        "language": plan.language,
        "attribution": plan.attribution,
        "licence": plan.licence,
        "review": plan.review,
        "tz": plan.procedure.zone,
        "procedure_at": _instant(plan.procedure.local),
        "answers": {
            parameter: None if given is None else ("yes" if given else "no")
            for parameter, given in plan.answers.items()
        },
        "questions": [
            {**q, "answer": None if q["answer"] is None else ("yes" if q["answer"] else "no")}
            for q in plan.questions
        ],
        "items": [_item_json(item) for item in plan.items],
        "excluded": [_item_json(item) for item in plan.excluded],
        "course": plan.course,
    }
