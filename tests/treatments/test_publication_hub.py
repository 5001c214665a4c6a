"""The publication hub: one change-log entry per public change, published data only."""

from typing import Any

import pytest
from django.test import Client

from tests.editorial.support import approve
from treatments import services
from treatments.documents.build import build_content
from treatments.models import (
    Category,
    ChangeLogEntry,
    Publication,
    PublishedSlug,
    RevisionImmutableError,
    Treatment,
)

pytestmark = pytest.mark.django_db
SYSTEM = None  # services run as the system (no role check) in these tests


def _version(treatment: Any) -> int:
    return Treatment.objects.get(pk=treatment.pk).version


def _edit(treatment: Any, change: Any) -> None:
    content = build_content(services.treatment_get_for_edit(treatment_id=treatment.pk))
    change(content)
    services.treatment_replace(
        treatment_id=treatment.pk,
        content=services.content_validate(content),
        expected_version=_version(treatment),
        actor=SYSTEM,
    )


def _publish(treatment: Any) -> Any:
    return services.treatment_publish(
        treatment_id=treatment.pk, expected_version=_version(treatment), actor=SYSTEM
    )


def _log() -> list[tuple[str, str, int | None]]:
    return list(ChangeLogEntry.objects.values_list("kind", "reason", "revision_number"))


def test_the_change_log_gets_one_entry_per_public_change_and_none_for_draft_edits(
    seed_draft: Any,
) -> None:
    assert _log() == [], "a draft is not public"
    _publish(seed_draft)
    _edit(seed_draft, lambda c: c.update(summary="A draft edit nobody sees yet."))
    assert len(_log()) == 1, "draft edits are not public changes"
    _publish(seed_draft)
    assert _publish(seed_draft).created is False
    services.treatment_unpublish(
        treatment_id=seed_draft.pk, expected_version=_version(seed_draft), actor=SYSTEM
    )
    services.treatment_delete(
        treatment_id=seed_draft.pk, expected_version=_version(seed_draft), actor=SYSTEM
    )
    services.treatment_restore(
        treatment_id=seed_draft.pk, expected_version=_version(seed_draft), actor=SYSTEM
    )
    services.treatment_revert(
        treatment_id=seed_draft.pk,
        revision_number=1,
        expected_version=_version(seed_draft),
        actor=SYSTEM,
    )
    services.treatment_delete(
        treatment_id=seed_draft.pk, expected_version=_version(seed_draft), actor=SYSTEM
    )
    assert _log() == [
        ("upsert", "published", 1),
        ("upsert", "published", 2),
        ("withdraw", "unpublished", 2),
        # deleting a withdrawn treatment and restoring it change nothing public
        ("upsert", "reverted", 3),
        ("withdraw", "deleted", 3),
    ]
    sequences = list(ChangeLogEntry.objects.values_list("sequence", flat=True))
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)


def test_change_log_entries_cannot_be_changed_or_deleted(seed_published: Any) -> None:
    entry = ChangeLogEntry.objects.get()
    with pytest.raises(RevisionImmutableError):
        entry.save()
    with pytest.raises(RevisionImmutableError):
        entry.delete()
    with pytest.raises(RevisionImmutableError):
        ChangeLogEntry.objects.all().delete()


def test_a_category_rename_is_invisible_publicly_until_a_publish(
    client: Client, seed_published: Any
) -> None:
    category = Category.objects.get(slug="pain-treatments")
    category.name = "Renamed In The Admin"
    category.description = "A new description."
    category.save()
    listing = client.get("/api/v1/categories/").json()["results"]
    assert listing == [
        {"slug": "pain-treatments", "name": "Pain Treatments", "description": "", "language": "en"}
    ]
    document = client.get(f"/api/v1/treatments/{seed_published.slug}/").json()
    assert document["category"]["name"] == "Pain Treatments"

    _edit(seed_published, lambda c: c["category"].update(name="Renamed In The Admin"))
    assert client.get("/api/v1/categories/").json()["results"][0]["name"] == "Pain Treatments"
    approve(seed_published)  # a rename needs a clinical reviewer's approval, as an edit does
    _publish(seed_published)
    assert client.get("/api/v1/categories/").json()["results"] == [
        {
            "slug": "pain-treatments",
            "name": "Renamed In The Admin",
            "description": "A new description.",
            "language": "en",
        }
    ]


def test_a_draft_slug_change_is_not_public_until_published(
    client: Client, seed_published: Any
) -> None:
    old = seed_published.slug
    _edit(seed_published, lambda c: c.update(slug="renamed-draft"))
    assert client.get("/api/v1/treatments/renamed-draft/").status_code == 404
    assert client.get(f"/api/v1/treatments/{old}/").status_code == 200
    assert not PublishedSlug.objects.filter(slug="renamed-draft").exists()
    _publish(seed_published)
    moved = client.get(f"/api/v1/treatments/{old}/")
    assert moved.status_code == 200
    assert moved["Link"] == '</api/v1/treatments/renamed-draft/>; rel="canonical"'
    assert client.get("/api/v1/treatments/renamed-draft/").json()["slug"] == "renamed-draft"


@pytest.mark.parametrize(
    ("section", "change"),
    [
        ("a contraindication", lambda c: c["safety"]["contraindications"].append("zygomorph")),
        ("a warning sign", lambda c: c["safety"]["warning_signs"].append("zygomorph")),
        ("the course", lambda c: c["course"].update(text="zygomorph")),
        ("a timeline event", lambda c: c["timeline"][0].update(patient_text="zygomorph")),
        (
            "a rule's condition",
            lambda c: c["recovery_rules"][0]["condition"].update(code="other", text="zygomorph"),
        ),
        ("a source", lambda c: c["sources"][0].update(title="zygomorph")),
    ],
)
def test_search_finds_a_word_in_every_text_section(
    client: Client, seed_published: Any, section: str, change: Any
) -> None:
    assert client.get("/api/v1/treatments/?q=zygomorph").json()["results"] == []
    _edit(seed_published, change)
    assert client.get("/api/v1/treatments/?q=zygomorph").json()["results"] == [], (
        "a draft edit must not be searchable"
    )
    _publish(seed_published)
    found = client.get("/api/v1/treatments/?q=zygomorph").json()["results"]
    assert [item["slug"] for item in found] == [seed_published.slug], section


def test_search_ignores_codes_and_identifiers(seed_published: Any) -> None:
    text = Publication.objects.get().search_text
    assert "qualitative" not in text, "enum codes are not prose"
    assert str(seed_published.pk) not in text


def test_the_database_refuses_to_change_a_change_log_entry(seed_published: Any) -> None:
    from django.db import DatabaseError, connection, transaction

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE treatments_changelogentry SET slug = 'rewritten'")
    assert ChangeLogEntry.objects.get().slug == seed_published.slug


def test_publishing_a_deleted_treatment_says_to_restore_it_first(seed_published: Any) -> None:
    services.treatment_delete(
        treatment_id=seed_published.pk, expected_version=_version(seed_published), actor=SYSTEM
    )
    with pytest.raises(services.StateError, match="restore it first"):
        _publish(seed_published)
