"""Loading content documents (shipped files, imports) idempotently by slug."""

import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from treatments.documents.build import build_content, content_hash
from treatments.documents.legacy import earlier_forms
from treatments.documents.schema import TreatmentContent
from treatments.errors import IdentityConflictError
from treatments.models import Publication, SlugAlias, Treatment

from .editing import treatment_create, treatment_get_for_edit, treatment_replace
from .publishing import PublishResult, treatment_publish


@dataclass(frozen=True)
class LoadResult:
    """What loading one document did (or, in a dry run, would do)."""

    slug: str
    # "created", "updated", "unchanged", or "kept" (editors changed it since it was loaded,
    # so the file was not applied).
    action: str
    published: PublishResult | None = None
    detail: str = ""


def content_treatment_id(slug: str) -> uuid.UUID:
    """The stable id a treatment loaded from content gets, the same on every machine."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"urn:treatment-knowledge:treatment:{slug}")


def treatment_for_slug(slug: str) -> Treatment | None:
    """The treatment with this slug or a former slug of it (working copies, deleted ones too)."""
    found = Treatment.objects.filter(slug=slug).first()
    if found is None:
        alias = SlugAlias.objects.filter(slug=slug).select_related("treatment").first()
        found = alias.treatment if alias else None
    return found


def import_target(
    *, content: TreatmentContent, treatment_id: uuid.UUID | None = None
) -> Treatment | None:
    """The treatment an import of `content` writes to, or None when it creates one.

    Without `treatment_id`, the treatment with the content's slug (or a former slug of it).
    With the id an export gave (the treatment's identity where it came from), that treatment
    when this database has it, even under another slug (the import then renames it); else a
    new treatment is created with that id. When the slug belongs to a different treatment here,
    importing would merge two treatments: an IdentityConflictError, and nothing is written.
    """
    by_slug = treatment_for_slug(content.slug)
    if treatment_id is None:
        return by_slug
    if by_slug is not None and by_slug.pk != treatment_id:
        raise IdentityConflictError(
            f"The slug {content.slug!r} belongs to another treatment here (id {by_slug.pk}), "
            f"not to {treatment_id}, the treatment this document was exported from. Remove "
            "`id` from the body to update the treatment here by its slug, or change the slug "
            "to import it as a treatment of its own."
        )
    return Treatment.objects.filter(pk=treatment_id).first()


def content_plan(*, content: TreatmentContent) -> str:
    """What importing `content` by its slug would do: "created", "updated" or "unchanged"."""
    return import_plan(content=content, target=treatment_for_slug(content.slug))


def import_plan(*, content: TreatmentContent, target: Treatment | None) -> str:
    """What writing `content` to `target` (None: a new treatment) would do."""
    existing = target
    if existing is None:
        return "created"
    current = build_content(treatment_get_for_edit(treatment_id=existing.pk, include_deleted=True))
    same = content_hash(current) == content_hash(content.model_dump(mode="json"))
    return "unchanged" if same else "updated"


def _edited_since_loaded(treatment: Treatment) -> str:
    """Why the loader must leave this treatment alone, or "" when reloading loses nothing."""
    if treatment.deleted_at is not None:
        return "deleted by an editor; restore it first"
    current = build_content(treatment_get_for_edit(treatment_id=treatment.pk))
    if content_hash(current) == treatment.loaded_content_hash:
        return ""
    # Loaded under an earlier schema: the recorded hash is of that version's form of the content.
    if any(content_hash(form) == treatment.loaded_content_hash for form in earlier_forms(current)):
        return ""
    return "changed by editors since it was loaded"


@transaction.atomic
def content_load(
    *,
    content: TreatmentContent,
    actor: Any = None,
    publish: bool = False,
    change_note: str = "",
    force: bool = False,
) -> LoadResult:
    """Create or update the treatment with this slug; loading the same content twice is a no-op.

    Editorial work always wins over a content file: a treatment that editors changed (or
    deleted, or withdrew) since it was loaded is left as it is and reported as "kept", unless
    `force` is given. Only what this load created or changed (or a never-published treatment)
    is published.
    """
    action = content_plan(content=content)
    digest = content_hash(content.model_dump(mode="json"))
    existing = treatment_for_slug(content.slug)
    if action == "created":
        treatment = treatment_create(
            content=content,
            actor=actor,
            message="Loaded from content.",
            treatment_id=content_treatment_id(content.slug),
        )
    else:
        assert existing is not None
        treatment = existing
        reason = "" if force else _edited_since_loaded(existing)
        if action == "updated" and reason:
            return LoadResult(
                slug=content.slug, action="kept", detail=f"{reason}; use --force to reload"
            )
        if action == "updated":
            treatment = treatment_replace(
                treatment_id=existing.pk,
                content=content,
                expected_version=None,
                actor=actor,
                message="Loaded from content.",
            )
    if action != "unchanged":
        Treatment.objects.filter(pk=treatment.pk).update(loaded_content_hash=digest)
    published = None
    publication = Publication.objects.filter(treatment=treatment).first()
    withdrawn = publication is not None and publication.withdrawn_at is not None
    if publish and treatment.deleted_at is None and (force or not withdrawn):
        published = treatment_publish(
            treatment_id=treatment.pk,
            expected_version=None,
            actor=actor,
            change_note=change_note or "Published from content file.",
        )
    elif publish:
        return LoadResult(
            slug=content.slug,
            action=action,
            detail="not published: an editor withdrew or deleted it; use --force to publish",
        )
    return LoadResult(slug=content.slug, action=action, published=published)
