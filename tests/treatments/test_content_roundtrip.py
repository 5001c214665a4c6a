"""Content written to working-copy rows reads back unchanged, for any valid content."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import transaction
from hypothesis import given, settings

from tests.strategies import treatment_contents
from treatments import services
from treatments.documents.build import build_content, content_hash
from treatments.models import AuditEntry

pytestmark = pytest.mark.django_db

# Deterministic in CI: a fixed derivation of examples from the test's name, and no example
# database replaying inputs found by earlier runs. No deadline: database round trips vary.
ROUNDTRIP = settings(derandomize=True, database=None, max_examples=60, deadline=None)


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run one example in a savepoint that is always rolled back, so the next starts clean.

    pytest-django runs the test in one transaction for all examples; a savepoint per example
    (Django's nested atomic) undoes each one on SQLite and PostgreSQL alike, without the
    unittest-style class that hypothesis.extra.django.TestCase would need.
    """
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _stored(treatment_id: Any) -> dict[str, Any]:
    return build_content(services.treatment_get_for_edit(treatment_id=treatment_id))


def _minimal(**parts: Any) -> dict[str, Any]:
    base = {
        "slug": "roundtrip",
        "title": "Round trip",
        "category": {"slug": "roundtrip", "name": "Round trip"},
        "summary": "A minimal treatment.",
        "classification": {"kind": "other"},
    }
    return {**base, **parts}


@ROUNDTRIP
@given(data=treatment_contents)
def test_created_content_reads_back_from_the_rows_unchanged(data: dict[str, Any]) -> None:
    content = services.content_validate(data)
    expected = content.model_dump(mode="json")
    with rolled_back():
        treatment = services.treatment_create(content=content, actor=None)
        stored = _stored(treatment.pk)
    assert stored == expected
    # Equal as data is not enough: -0.0 == 0.0 and 1 == 1.0. The hash (what revisions and the
    # "nothing changed" check compare) must agree as well.
    assert content_hash(stored) == content_hash(expected)


@ROUNDTRIP
@given(first=treatment_contents, second=treatment_contents)
def test_replaced_content_reads_back_unchanged_and_replacing_it_again_writes_nothing(
    first: dict[str, Any], second: dict[str, Any]
) -> None:
    old, new = services.content_validate(first), services.content_validate(second)
    expected = new.model_dump(mode="json")
    changes = content_hash(old.model_dump(mode="json")) != content_hash(expected)
    with rolled_back():
        created = services.treatment_create(content=old, actor=None)
        replaced = services.treatment_replace(
            treatment_id=created.pk, content=new, expected_version=created.version, actor=None
        )
        stored = _stored(created.pk)
        audit_entries = AuditEntry.objects.filter(treatment=created.pk).count()
        again = services.treatment_replace(
            treatment_id=created.pk, content=new, expected_version=replaced.version, actor=None
        )
        audit_entries_after = AuditEntry.objects.filter(treatment=created.pk).count()
    assert stored == expected
    assert replaced.version == created.version + changes
    assert again.version == replaced.version, "the same content again must not bump the version"
    assert audit_entries_after == audit_entries, "the same content again must not be audited"


def test_an_empty_session_count_is_refused_rather_than_lost() -> None:
    # Two empty ends would be stored as two nulls and read back as "no session count".
    with pytest.raises(services.ContentInvalidError) as error:
        services.content_validate(_minimal(course={"sessions": {}}))
    assert [e["pointer"] for e in error.value.errors] == ["/course/sessions"]


def test_a_negative_zero_quantity_replaced_by_the_same_content_writes_nothing() -> None:
    # -0.0 passes ge=0 but is stored as 0.0; the contract keeps one zero, so hashes match.
    step = {"title": "Draw", "detail": "Draw.", "quantity": {"min": -0.0, "unit": "ml"}}
    content = services.content_validate(_minimal(procedure={"steps": [step]}))
    treatment = services.treatment_create(content=content, actor=None)
    again = services.treatment_replace(
        treatment_id=treatment.pk, content=content, expected_version=treatment.version, actor=None
    )
    assert again.version == treatment.version
