"""A synthetic English treatment written for the translation tests (no real medical content)."""

import copy
from typing import Any

from treatments.documents.build import build_content
from treatments.models import Treatment
from treatments.services import (
    content_validate,
    treatment_create,
    treatment_get_for_edit,
    treatment_publish,
    treatment_replace,
)

SOURCE: dict[str, Any] = {
    "slug": "synthetic-test-procedure",
    "title": "Synthetic test procedure",
    "category": {"slug": "test-category", "name": "Test category"},
    "summary": "A summary written for tests only.",
    "overview": "An overview written for tests only; it describes nothing real.",
    "classification": {"kind": "procedural"},
    "procedure": {
        "steps": [
            {"title": "First test step", "detail": "The detail of the first test step."},
            {"title": "Second test step", "detail": "The detail of the second test step."},
        ]
    },
    "risks": {
        "items": [
            {
                "name": "Test risk",
                "description": "A risk made up for tests.",
                "likelihood": {"band": "rare", "basis": "qualitative", "wording": "test wording"},
            }
        ]
    },
    "review": {"reviewer": "A fictional test reviewer", "last_reviewed_on": "2026-01-02"},
    "sources": [{"title": "A source made up for tests", "publisher": "The test suite"}],
    "attribution": "Written for the test suite.",
    "licence": {"name": "Test licence"},
}


def synthetic_source(*, published: bool = True) -> Treatment:
    """The synthetic source as a working copy, published as revision 1 unless told otherwise."""
    treatment = treatment_create(content=content_validate(copy.deepcopy(SOURCE)), actor=None)
    if published:
        treatment_publish(treatment_id=treatment.pk, expected_version=treatment.version, actor=None)
    treatment.refresh_from_db()
    return treatment


def change_and_publish(treatment: Treatment, change: Any) -> Treatment:
    """Edit the working copy with `change(content)` and publish it as the next revision."""
    treatment.refresh_from_db()
    content = build_content(treatment_get_for_edit(treatment_id=treatment.pk))
    change(content)
    saved = treatment_replace(
        treatment_id=treatment.pk,
        content=content_validate(content),
        expected_version=treatment.version,
        actor=None,
    )
    treatment_publish(treatment_id=saved.pk, expected_version=saved.version, actor=None)
    saved.refresh_from_db()
    return saved
