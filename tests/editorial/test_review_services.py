"""The clinical review through its services: four eyes, approvals bound to a version, the gate."""

import datetime as dt
import io
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import management
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from editorial.models import Approval, ReviewComment, ReviewerProfile, ReviewRound, ReviewState
from editorial.selectors import approval_current, approval_status, review_summary
from editorial.services import (
    review_approve,
    review_comment_add,
    review_request,
    review_request_changes,
)
from treatments import services
from treatments.documents.build import build_content
from treatments.models import AuditEntry, Revision, Treatment

from .support import approve, make_reviewer

pytestmark = pytest.mark.django_db


def _edit(treatment: Treatment, actor: Any, **changes: Any) -> Treatment:
    treatment.refresh_from_db()
    content = build_content(services.treatment_get_for_edit(treatment_id=treatment.pk))
    content.update(changes)
    return services.treatment_replace(
        treatment_id=treatment.pk,
        content=services.content_validate(content),
        expected_version=treatment.version,
        actor=actor,
    )


def _publish(treatment: Treatment, actor: Any) -> services.PublishResult:
    treatment.refresh_from_db()
    return services.treatment_publish(
        treatment_id=treatment.pk, expected_version=treatment.version, actor=actor
    )


def test_an_approval_lets_a_publisher_publish_and_fills_the_review_block(
    seed_published: Treatment, roles: dict[str, User]
) -> None:
    _edit(seed_published, roles["editor"], summary="A summary an editor changed.")
    reviewer = make_reviewer(display_name="Dr A. Reviewer", credentials="MD (test account)")
    approve(seed_published, reviewer, requester=roles["editor"])

    result = _publish(seed_published, roles["publisher"])

    review = result.revision.document["review"]
    assert review["reviewer"] == "Dr A. Reviewer, MD (test account)"
    assert review["last_reviewed_on"] == timezone.localdate().isoformat()
    assert review["next_review_due"] >= review["last_reviewed_on"]
    seed_published.refresh_from_db()
    assert seed_published.reviewer_name == review["reviewer"], "the working copy follows"
    assert _publish(seed_published, roles["publisher"]).created is False, "nothing left to publish"
    assert ReviewRound.objects.get().state == ReviewState.CLOSED, "the publish closed the round"


def test_publishing_a_persons_changes_without_an_approval_is_refused(
    seed_published: Treatment, roles: dict[str, User]
) -> None:
    _edit(seed_published, roles["publisher"], summary="Published by its own author?")
    with pytest.raises(services.PublishRefusedError) as refused:
        _publish(seed_published, roles["publisher"])
    assert refused.value.code == "approval_missing"
    assert Revision.objects.filter(treatment=seed_published).count() == 1, "nothing published"


def test_the_system_publishes_content_no_person_changed(seed_draft: Treatment) -> None:
    assert _publish(seed_draft, None).created


def test_the_system_too_needs_an_approval_after_a_person_edited(
    seed_published: Treatment, roles: dict[str, User]
) -> None:
    _edit(seed_published, roles["editor"], summary="Edited by a person.")
    with pytest.raises(services.PublishRefusedError):
        _publish(seed_published, None)


def test_an_edit_after_the_approval_voids_it(
    seed_published: Treatment, roles: dict[str, User]
) -> None:
    _edit(seed_published, roles["editor"], summary="First words.")
    approve(seed_published, make_reviewer())
    assert approval_current(seed_published) is not None
    _edit(seed_published, roles["editor"], summary="Words after the approval.")

    status = approval_status(seed_published)
    assert not status.valid and "edited after it" in status.reason
    with pytest.raises(services.PublishRefusedError) as refused:
        _publish(seed_published, roles["publisher"])
    assert refused.value.code == "approval_void"


def test_an_edit_back_to_the_approved_words_still_voids_the_approval(
    seed_published: Treatment, roles: dict[str, User]
) -> None:
    _edit(seed_published, roles["editor"], summary="Approved words.")
    approve(seed_published, make_reviewer())
    _edit(seed_published, roles["editor"], summary="Other words.")
    _edit(seed_published, roles["editor"], summary="Approved words.")
    assert approval_current(seed_published) is None


def test_a_reviewer_cannot_approve_changes_they_made(
    seed_published: Treatment, roles: dict[str, User]
) -> None:
    author = make_reviewer("author-reviewer", groups=("editors",))
    _edit(seed_published, author, summary="Written by a reviewer who also edits.")
    seed_published.refresh_from_db()
    review_request(
        treatment_id=seed_published.pk, expected_version=seed_published.version, actor=author
    )
    seed_published.refresh_from_db()
    with pytest.raises(services.ForbiddenError) as refused:
        review_approve(
            treatment_id=seed_published.pk,
            expected_version=seed_published.version,
            actor=author,
        )
    assert refused.value.code == "own_change"
    assert Approval.objects.count() == 0
    approve(seed_published, make_reviewer("second-reviewer"))
    assert _publish(seed_published, roles["publisher"]).created


def test_the_four_eyes_setting_off_lets_an_author_approve_and_publish_alone(
    seed_published: Treatment, settings: Any
) -> None:
    settings.EDITORIAL_FOUR_EYES = False
    author = make_reviewer("solo", groups=("editors", "publishers"))
    _edit(seed_published, author, summary="A developer's own change.")
    assert _publish(seed_published, author).created


def test_a_user_without_the_reviewer_role_cannot_approve(
    seed_published: Treatment, roles: dict[str, User]
) -> None:
    _edit(seed_published, roles["editor"], summary="Needs a review.")
    review_request(treatment_id=seed_published.pk, expected_version=None, actor=roles["editor"])
    for name in ("publisher", "nobody"):
        with pytest.raises(services.ForbiddenError, match="clinical reviewers"):
            review_approve(treatment_id=seed_published.pk, expected_version=None, actor=roles[name])
    with pytest.raises(services.ForbiddenError):
        review_request(treatment_id=seed_published.pk, expected_version=None, actor=roles["nobody"])


def test_approving_needs_an_open_request_and_the_current_version(
    seed_published: Treatment, roles: dict[str, User]
) -> None:
    reviewer = make_reviewer()
    _edit(seed_published, roles["editor"], summary="Changed.")
    seed_published.refresh_from_db()
    with pytest.raises(services.StateError) as not_requested:
        review_approve(
            treatment_id=seed_published.pk, expected_version=seed_published.version, actor=reviewer
        )
    assert not_requested.value.code == "not_in_review"
    review_request(treatment_id=seed_published.pk, expected_version=None, actor=roles["editor"])
    with pytest.raises(services.ConflictError):
        review_approve(
            treatment_id=seed_published.pk,
            expected_version=seed_published.version - 1,
            actor=reviewer,
        )


def test_changes_requested_go_back_to_the_author_and_a_new_request_reopens_the_round(
    seed_published: Treatment, roles: dict[str, User]
) -> None:
    reviewer = make_reviewer()
    _edit(seed_published, roles["editor"], summary="First draft.")
    review_request(treatment_id=seed_published.pk, expected_version=None, actor=roles["editor"])
    note = review_request_changes(
        treatment_id=seed_published.pk,
        expected_version=None,
        actor=reviewer,
        comment="Say which risks the source names.",
        pointer="/risks/items/0",
    )
    assert review_summary(seed_published).state == ReviewState.CHANGES_REQUESTED
    assert note.pointer == "/risks/items/0" and note.round is not None
    with pytest.raises(services.StateError):
        review_approve(treatment_id=seed_published.pk, expected_version=None, actor=reviewer)

    _edit(seed_published, roles["editor"], summary="Second draft.")
    review_request(treatment_id=seed_published.pk, expected_version=None, actor=roles["editor"])
    assert ReviewRound.objects.count() == 1, "the same round, in review again"
    approve(seed_published, reviewer)
    assert review_summary(seed_published).state == ReviewState.APPROVED


def test_a_request_of_changes_needs_a_comment(
    seed_published: Treatment, roles: dict[str, User]
) -> None:
    review_request(treatment_id=seed_published.pk, expected_version=None, actor=roles["editor"])
    with pytest.raises(services.ContentInvalidError):
        review_request_changes(
            treatment_id=seed_published.pk,
            expected_version=None,
            actor=make_reviewer(),
            comment=" ",
        )


@pytest.mark.parametrize(
    ("pointer", "ok"),
    [
        ("", True),
        ("/summary", True),
        ("/risks/items/0", True),
        ("/risks/items/999", False),
        ("/risks/items/01", False),
        ("/no-such-part", False),
        ("summary", False),
        ("/summary/deeper", False),
        ("/a~2b", False),
    ],
)
def test_a_comment_pointer_must_name_a_part_of_the_working_copy(
    seed_published: Treatment, roles: dict[str, User], pointer: str, ok: bool
) -> None:
    def add() -> ReviewComment:
        return review_comment_add(
            treatment_id=seed_published.pk, actor=roles["editor"], body="Check.", pointer=pointer
        )

    if ok:
        assert add().pointer == pointer
    else:
        with pytest.raises(services.ContentInvalidError) as refused:
            add()
        assert refused.value.errors[0]["pointer"] == "/pointer"
        assert ReviewComment.objects.count() == 0


def test_every_review_step_is_in_the_audit_log(
    seed_published: Treatment, roles: dict[str, User]
) -> None:
    reviewer = make_reviewer()
    _edit(seed_published, roles["editor"], summary="Audited.")
    review_request(treatment_id=seed_published.pk, expected_version=None, actor=roles["editor"])
    review_comment_add(treatment_id=seed_published.pk, actor=reviewer, body="Looks right.")
    review_request_changes(
        treatment_id=seed_published.pk, expected_version=None, actor=reviewer, comment="One fix."
    )
    review_request(treatment_id=seed_published.pk, expected_version=None, actor=roles["editor"])
    review_approve(treatment_id=seed_published.pk, expected_version=None, actor=reviewer)

    steps = list(
        AuditEntry.objects.filter(treatment=seed_published)
        .exclude(action__in=["create", "update", "publish"])
        .order_by("id")
        .values_list("action", "actor_label")
    )
    assert steps == [
        ("review_request", "editor"),
        ("comment", "reviewer"),
        ("request_changes", "reviewer"),
        ("review_request", "editor"),
        ("approve", "reviewer"),
    ]
    seed_published.refresh_from_db()
    approved = AuditEntry.objects.get(action="approve")
    assert approved.version_before == approved.version_after == seed_published.version


def test_a_review_changes_no_content_and_keeps_the_authors_etag(
    seed_published: Treatment, roles: dict[str, User]
) -> None:
    seed_published.refresh_from_db()
    before = seed_published.version
    approve(seed_published, make_reviewer(), requester=roles["editor"])
    assert seed_published.version == before


def test_a_review_date_in_the_future_is_refused(seed_data: dict[str, Any]) -> None:
    seed_data["review"]["last_reviewed_on"] = (
        (timezone.now() + dt.timedelta(days=2)).date().isoformat()
    )
    seed_data["review"]["next_review_due"] = None
    with pytest.raises(services.ContentInvalidError) as refused:
        services.content_validate(seed_data)
    assert "future" in refused.value.errors[0]["message"]


@pytest.mark.parametrize(
    ("change", "needs"),
    [
        ({"attribution": ""}, "attribution"),
        ({"licence": {"name": ""}}, "licence.name"),
        ({"sources": []}, "sources"),
    ],
)
def test_attribution_licence_and_a_source_are_required_to_publish(
    seed_draft: Treatment, change: dict[str, Any], needs: str
) -> None:
    _edit(seed_draft, None, **change)
    with pytest.raises(services.PublishRefusedError, match=needs):
        _publish(seed_draft, None)


def test_a_revert_to_a_reviewed_revision_needs_no_new_approval(
    seed_published: Treatment, roles: dict[str, User]
) -> None:
    _edit(seed_published, roles["editor"], summary="A change that is not approved.")
    seed_published.refresh_from_db()
    result = services.treatment_revert(
        treatment_id=seed_published.pk,
        revision_number=1,
        expected_version=seed_published.version,
        actor=roles["publisher"],
    )
    assert result.revision.reverted_from == 1


def test_the_deploy_check_warns_when_four_eyes_is_off(settings: Any, capsys: Any) -> None:
    from editorial.checks import four_eyes_on

    assert four_eyes_on() == []
    settings.EDITORIAL_FOUR_EYES = False
    assert [message.id for message in four_eyes_on()] == ["editorial.W001"]


def test_the_reviewer_profile_command_sets_the_published_credentials(db: Any) -> None:
    user = make_reviewer("dr-who", credentials="")
    call_command(
        "reviewer_profile", "dr-who", "--credentials", "MD (test)", "--display-name", "Dr W"
    )
    profile = ReviewerProfile.objects.get(user=user)
    assert (profile.display_name, profile.credentials) == (
        "Dr W",
        "MD (test)",
    )
    with pytest.raises(management.CommandError, match="No user"):
        call_command("reviewer_profile", "nobody-at-all", "--credentials", "x")


def test_the_reviewer_profile_command_can_make_a_reviewer_who_signs_in_to_the_admin(
    db: Any,
) -> None:
    out = io.StringIO()
    call_command("reviewer_profile", "dr-api", "--create", stdout=out)
    assert not User.objects.get(username="dr-api").is_staff, "API-only by default"
    assert "add --staff to use the admin" in out.getvalue()

    call_command("reviewer_profile", "dr-admin", "--create", "--staff", stdout=io.StringIO())
    user = User.objects.get(username="dr-admin")
    assert user.is_staff and user.groups.filter(name="clinical reviewers").exists()


@pytest.mark.django_db(transaction=True)
def test_review_emails_are_queued_in_the_step_and_sent_by_the_worker(
    seed_content: Any, roles: dict[str, User]
) -> None:
    from django.core import mail

    from tests.events.support import run_tasks

    services.content_load(content=seed_content, publish=True)
    treatment = Treatment.objects.get()
    roles["editor"].email = "editor@example.org"
    roles["editor"].save()
    named = make_reviewer("named", email="named@example.org")
    make_reviewer("other", email="other@example.org")
    _edit(treatment, roles["editor"], summary="Please review.")

    with pytest.raises(ZeroDivisionError), transaction.atomic():
        review_request(
            treatment_id=treatment.pk,
            expected_version=None,
            actor=roles["editor"],
            reviewers=["named"],
        )
        1 / 0  # noqa: B018 - the step fails after its email was queued
    run_tasks()
    assert mail.outbox == [], "a rolled-back request sends nothing"

    review_request(
        treatment_id=treatment.pk, expected_version=None, actor=roles["editor"], reviewers=["named"]
    )
    assert mail.outbox == [], "queued, not sent in the request"
    run_tasks()
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["named@example.org"], f"Review requested: {treatment.title}")
    ]

    mail.outbox.clear()
    review_approve(treatment_id=treatment.pk, expected_version=None, actor=named)
    run_tasks()
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["editor@example.org"], f"Approved: {treatment.title}")
    ]


@pytest.mark.django_db(transaction=True)
def test_a_request_naming_nobody_tells_every_clinical_reviewer(
    seed_content: Any, roles: dict[str, User]
) -> None:
    from django.core import mail

    from tests.events.support import run_tasks

    services.content_load(content=seed_content)
    treatment = Treatment.objects.get()
    make_reviewer("one", email="one@example.org")
    make_reviewer("two", email="two@example.org")
    review_request(treatment_id=treatment.pk, expected_version=None, actor=roles["editor"])
    run_tasks()
    assert sorted(m.to[0] for m in mail.outbox) == ["one@example.org", "two@example.org"]


def test_naming_a_reviewer_who_cannot_approve_is_refused(
    seed_published: Treatment, roles: dict[str, User]
) -> None:
    with pytest.raises(services.ContentInvalidError) as refused:
        review_request(
            treatment_id=seed_published.pk,
            expected_version=None,
            actor=roles["editor"],
            reviewers=["publisher", "ghost"],
        )
    assert [e["pointer"] for e in refused.value.errors] == ["/reviewers/0", "/reviewers/1"]
    assert ReviewRound.objects.count() == 0
