"""Loading content documents (shipped files, imports) idempotently by slug."""

import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from treatments.documents.build import build_content, content_hash
from treatments.documents.schema import TreatmentContent
from treatments.models import SlugAlias, Treatment

from .editing import treatment_create, treatment_get_for_edit, treatment_replace
from .publishing import PublishResult, treatment_publish


@dataclass(frozen=True)
class LoadResult:
    """What loading one document did (or, in a dry run, would do)."""

    slug: str
    action: str  # "created", "updated" or "unchanged"
    published: PublishResult | None = None


def content_treatment_id(slug: str) -> uuid.UUID:
    """The stable id a treatment loaded from content gets, the same on every machine."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"urn:treatment-knowledge:treatment:{slug}")


def _existing(slug: str) -> Treatment | None:
    found = Treatment.objects.filter(slug=slug).first()
    if found is None:
        alias = SlugAlias.objects.filter(slug=slug).select_related("treatment").first()
        found = alias.treatment if alias else None
    return found


def content_plan(*, content: TreatmentContent) -> str:
    """What loading `content` would do: "created", "updated" or "unchanged"."""
    existing = _existing(content.slug)
    if existing is None:
        return "created"
    current = build_content(treatment_get_for_edit(treatment_id=existing.pk, include_deleted=True))
    same = content_hash(current) == content_hash(content.model_dump(mode="json"))
    return "unchanged" if same else "updated"


@transaction.atomic
def content_load(
    *, content: TreatmentContent, actor: Any = None, publish: bool = False, change_note: str = ""
) -> LoadResult:
    """Create or update the treatment with this slug; loading the same content twice is a no-op."""
    action = content_plan(content=content)
    if action == "created":
        treatment = treatment_create(
            content=content,
            actor=actor,
            message="Loaded from content.",
            treatment_id=content_treatment_id(content.slug),
        )
    else:
        treatment = _existing(content.slug)  # type: ignore[assignment]
        if action == "updated":
            treatment = treatment_replace(
                treatment_id=treatment.pk,
                content=content,
                expected_version=None,
                actor=actor,
                message="Loaded from content.",
            )
    published = None
    if publish:
        published = treatment_publish(
            treatment_id=treatment.pk,
            expected_version=None,
            actor=actor,
            change_note=change_note or "Published from content file.",
        )
    return LoadResult(slug=content.slug, action=action, published=published)
