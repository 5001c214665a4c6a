"""Publishing freezes immutable revisions; drafts never reach the read model; audit is exact."""

import json
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from treatments import services
from treatments.documents.build import build_content
from treatments.documents.schema import FrozenDocument
from treatments.models import AuditEntry, Publication, Revision, RevisionImmutableError, Treatment

pytestmark = pytest.mark.django_db
CANARY = "CANARY-7f3a-draft-only"


def _edit(treatment: Treatment, change: Any, **kwargs: Any) -> Treatment:
    content = build_content(services.treatment_get_for_edit(treatment_id=treatment.pk))
    change(content)
    return services.treatment_replace(
        treatment_id=treatment.pk,
        content=services.content_validate(content),
        expected_version=kwargs.pop("expected_version", treatment.version),
        actor=None,
        **kwargs,
    )


def _publish(treatment: Treatment, **kwargs: Any) -> services.PublishResult:
    treatment.refresh_from_db()
    return services.treatment_publish(
        treatment_id=treatment.pk, expected_version=treatment.version, actor=None, **kwargs
    )


def test_publish_freezes_the_document_and_creates_exactly_one_revision(seed_draft: Any) -> None:
    result = _publish(seed_draft, change_note="First publication")
    assert result.created is True
    assert Revision.objects.count() == 1
    revision = Revision.objects.get()
    document = revision.document
    FrozenDocument.model_validate(document)
    assert "links" not in document, "a frozen revision holds content, not API URLs"
    assert "/api/" not in revision.document_json
    assert (document["revision"], document["schema_version"]) == (1, "1.2")
    assert document["id"] == str(seed_draft.pk)
    assert document["course"]["sessions"] == {"min": 2, "max": 3}
    assert [s["title"] for s in document["procedure"]["steps"]] == [
        s.title for s in seed_draft.steps.order_by("order")
    ]
    assert revision.change_note == "First publication"
    publication = Publication.objects.get()
    assert publication.document_json == revision.document_json
    assert publication.etag == revision.etag and publication.revision_number == 1


def test_publishing_identical_content_creates_no_revision_and_says_so(seed_published: Any) -> None:
    result = _publish(seed_published)
    assert result.created is False
    assert "identical" in result.detail
    assert Revision.objects.count() == 1
    assert AuditEntry.objects.filter(action="publish").count() == 1


def test_a_revision_cannot_be_modified_or_deleted(seed_published: Any) -> None:
    revision = Revision.objects.get()
    revision.change_note = "rewritten history"
    with pytest.raises(RevisionImmutableError):
        revision.save()
    with pytest.raises(RevisionImmutableError):
        revision.delete()
    with pytest.raises(RevisionImmutableError):
        Revision.objects.filter(pk=revision.pk).update(change_note="x")
    with pytest.raises(RevisionImmutableError):
        Revision.objects.all().delete()
    # The database refuses too, even for raw SQL that bypasses the ORM.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE treatments_revision SET change_note = 'x'")
    assert Revision.objects.get().change_note == "Published from content file."


@pytest.mark.postgres
def test_the_database_refuses_to_delete_a_revision(seed_published: Any) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM treatments_revision")
    assert Revision.objects.count() == 1


def test_revert_publishes_old_content_as_a_new_revision(seed_published: Any) -> None:
    _edit(seed_published, lambda c: c.update(summary="A changed summary."))
    _publish(seed_published)
    result = services.treatment_revert(
        treatment_id=seed_published.pk,
        revision_number=1,
        expected_version=Treatment.objects.get().version,
        actor=None,
    )
    assert result.revision.number == 3 and result.revision.reverted_from == 1
    first, third = (Revision.objects.get(number=n) for n in (1, 3))
    assert first.content_hash == third.content_hash
    strip = {"revision", "published_at", "links"}
    assert {k: v for k, v in first.document.items() if k not in strip} == {
        k: v for k, v in third.document.items() if k not in strip
    }
    assert Revision.objects.count() == 3, "history is kept, not rewritten"
    assert json.loads(Publication.objects.get().document_json)["revision"] == 3
    assert build_content(Treatment.objects.get())["summary"] == first.document["summary"]


def test_a_draft_canary_never_reaches_the_read_model_until_published(seed_published: Any) -> None:
    _edit(seed_published, lambda c: c.update(overview=CANARY))
    for revision in Revision.objects.all():
        assert CANARY not in revision.document_json
    publication = Publication.objects.get()
    for column in (publication.document_json, publication.summary_json, publication.search_text):
        assert CANARY.lower() not in column.lower()
    _publish(seed_published)
    assert CANARY in Publication.objects.get().document_json


def test_unpublish_withdraws_and_keeps_history(seed_published: Any) -> None:
    services.treatment_unpublish(
        treatment_id=seed_published.pk, expected_version=seed_published.version, actor=None
    )
    assert not Publication.objects.live().exists()
    assert Revision.objects.count() == 1
    with pytest.raises(services.StateError):
        services.treatment_unpublish(
            treatment_id=seed_published.pk,
            expected_version=seed_published.version + 1,
            actor=None,
        )


def test_publishing_needs_a_reviewer_and_a_review_date(seed_data: dict[str, Any], db: Any) -> None:
    seed_data["review"] = {"reviewer": "", "last_reviewed_on": None}
    treatment = services.treatment_create(content=services.content_validate(seed_data), actor=None)
    with pytest.raises(services.PublishRefusedError) as excinfo:
        _publish(treatment)
    assert "review.reviewer" in excinfo.value.detail
    assert "review.last_reviewed_on" in excinfo.value.detail
    assert not Revision.objects.exists()


def test_next_review_date_is_derived_when_missing(seed_data: dict[str, Any], settings: Any) -> None:
    settings.TREATMENT_REVIEW_INTERVAL_DAYS = 30
    seed_data["review"]["next_review_due"] = None
    seed_data["review"]["last_reviewed_on"] = "2026-01-01"
    treatment = services.treatment_create(content=services.content_validate(seed_data), actor=None)
    _publish(treatment)
    assert Revision.objects.get().document["review"]["next_review_due"] == "2026-01-31"
    assert str(Treatment.objects.get().next_review_due) == "2026-01-31"


def test_a_stale_version_is_a_conflict_and_changes_nothing(seed_published: Any) -> None:
    stale = seed_published.version
    _edit(seed_published, lambda c: c.update(summary="First editor's summary."))
    with pytest.raises(services.ConflictError) as excinfo:
        _edit(
            seed_published,
            lambda c: c.update(summary="Second editor's summary."),
            expected_version=stale,
        )
    assert excinfo.value.current_version == stale + 1
    assert Treatment.objects.get().summary == "First editor's summary."


@pytest.mark.parametrize(
    "action", ["update", "publish", "unpublish", "revert", "delete", "restore"]
)
def test_every_action_writes_exactly_one_audit_record(seed_published: Any, action: Any) -> None:
    t = seed_published
    if action == "restore":
        services.treatment_delete(treatment_id=t.pk, expected_version=t.version, actor=None)
    if action in ("publish", "revert"):
        _edit(t, lambda c: c.update(summary="Changed before the action."))
    t.refresh_from_db()
    before = AuditEntry.objects.count()
    version = t.version
    call = {
        "update": lambda: _edit(t, lambda c: c.update(summary="Changed.")),
        "publish": lambda: _publish(t),
        "unpublish": lambda: services.treatment_unpublish(
            treatment_id=t.pk, expected_version=version, actor=None
        ),
        "revert": lambda: services.treatment_revert(
            treatment_id=t.pk, revision_number=1, expected_version=version, actor=None
        ),
        "delete": lambda: services.treatment_delete(
            treatment_id=t.pk, expected_version=version, actor=None
        ),
        "restore": lambda: services.treatment_restore(
            treatment_id=t.pk, expected_version=version, actor=None
        ),
    }[action]
    call()
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.order_by("-id").first()
    assert entry is not None and entry.action == action
    assert (entry.version_before, entry.version_after) == (version, version + 1)


def test_a_failed_write_rolls_back_both_the_change_and_its_audit_record(
    seed_published: Any, monkeypatch: Any
) -> None:
    # Make the audit write itself fail: the content change before it must roll back too.
    from treatments.services import editing

    def broken_audit(**kwargs: Any) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(editing, "audit_record", broken_audit)
    before_summary = Treatment.objects.get().summary
    with pytest.raises(RuntimeError):
        _edit(seed_published, lambda c: c.update(summary="Must not survive."))
    t = Treatment.objects.get()
    assert t.summary == before_summary and t.version == seed_published.version
    assert AuditEntry.objects.filter(action="update").count() == 0


def test_delete_is_soft_and_restore_brings_back_a_draft(seed_published: Any) -> None:
    services.treatment_delete(
        treatment_id=seed_published.pk, expected_version=seed_published.version, actor=None
    )
    assert not Publication.objects.live().exists()
    assert Treatment.objects.filter(deleted_at__isnull=False).count() == 1
    services.treatment_restore(
        treatment_id=seed_published.pk, expected_version=seed_published.version + 1, actor=None
    )
    assert Treatment.objects.active().count() == 1
    assert not Publication.objects.live().exists(), "restore does not republish by itself"


def test_renaming_a_slug_keeps_the_old_one_as_an_alias(seed_published: Any) -> None:
    _edit(seed_published, lambda c: c.update(slug="bmsc-injection"))
    assert seed_published.slug_aliases.get().slug == "bone-marrow-stem-cell-injection"


def test_a_write_that_fails_after_claiming_the_version_leaves_no_trace(
    seed_published: Any, seed_data: dict[str, Any]
) -> None:
    other = dict(seed_data, slug="another-treatment")
    services.treatment_create(content=services.content_validate(other), actor=None)
    audits = AuditEntry.objects.count()
    with pytest.raises(services.ContentInvalidError):
        _edit(seed_published, lambda c: c.update(slug="another-treatment", summary="Lost."))
    t = Treatment.objects.get(pk=seed_published.pk)
    assert (t.version, t.slug) == (seed_published.version, seed_published.slug)
    assert AuditEntry.objects.count() == audits
