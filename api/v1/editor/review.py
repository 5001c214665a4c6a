"""The clinical review in the editor API: request, approve, request changes, comments.

The views parse, call `editorial.services` (the admin calls the same) and shape the answer.
State changes need If-Match with the working copy's ETag (428 without, 412 when stale); a
review step changes no content, so the ETag stays the same and is answered back. Errors are
problem documents with a machine `code` where the status alone is ambiguous: 403 `own_change`
(four eyes), 409 `not_in_review`, `already_in_review`, `already_approved`.
"""

import uuid
from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from editorial import services as review_services
from editorial.models import ReviewComment as CommentRow
from editorial.models import ReviewRound as RoundRow
from editorial.selectors import ReviewSummary, review_summary, reviewer_label
from treatments.models import Treatment
from treatments.permissions import Action as EditorAction

from .review_schemas import (
    Approve,
    AskForReview,
    NewComment,
    RequestChanges,
    ReviewComment,
    ReviewCommentList,
    ReviewStatus,
)
from .views import ID, IF_MATCH, EditorView, editor_operation

PREFIX = "/api/v1/editor/treatments"
STATE_ERRORS = (400, 401, 403, 404, 409, 412, 415, 428, 429)

_STATUS_EXAMPLE = {
    "treatment_id": "451fd2ca-b287-5ddf-b44a-6e2ba2a29040",
    "version": 4,
    "state": "approved",
    "approval_required": True,
    "four_eyes": True,
    "authors": ["editor"],
    "approval": {
        "reviewer": "reviewer",
        "published_as": "Dr A. Reviewer, MD",
        "version": 4,
        "created_at": "2026-12-05T09:00:00Z",
        "message": "",
        "valid": True,
        "reason": "",
    },
    "rounds": [
        {
            "id": 1,
            "state": "approved",
            "requested_by": "editor",
            "requested_at": "2026-12-05T08:00:00Z",
            "version": 4,
            "reviewers": ["reviewer"],
            "message": "Please check the new summary.",
            "closed_at": None,
            "closed_reason": "",
        }
    ],
    "links": {
        "self": f"{PREFIX}/451fd2ca-b287-5ddf-b44a-6e2ba2a29040/review/",
        "comments": f"{PREFIX}/451fd2ca-b287-5ddf-b44a-6e2ba2a29040/comments/",
        "working_copy": f"{PREFIX}/451fd2ca-b287-5ddf-b44a-6e2ba2a29040/",
    },
}
_COMMENT_EXAMPLE = {
    "id": 1,
    "author": "reviewer",
    "body": "Say which of these the source calls common.",
    "pointer": "/risks/items/2",
    "version": 4,
    "round": 1,
    "created_at": "2026-12-05T08:30:00Z",
    "resolved": False,
}
STATUS_EXAMPLE = OpenApiExample("Approved", response_only=True, value=_STATUS_EXAMPLE)
COMMENT_EXAMPLE = OpenApiExample("A comment", response_only=True, value=_COMMENT_EXAMPLE)
COMMENTS_EXAMPLE = OpenApiExample(
    "Comments", response_only=True, value={"results": [_COMMENT_EXAMPLE]}
)


def review_operation(*, example: OpenApiExample, **kwargs: Any) -> Any:
    """An editor operation (every status it answers) with a review example."""
    documented = editor_operation(**kwargs)
    examples = extend_schema(examples=[example])

    def decorate(view: Any) -> Any:
        return examples(documented(view))

    return decorate


def _when(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def _round(row: RoundRow) -> dict[str, Any]:
    return {
        "id": row.pk,
        "state": row.state,
        "requested_by": row.requested_by_label,
        "requested_at": _when(row.requested_at),
        "version": row.version,
        "reviewers": sorted(user.get_username() for user in row.reviewers.all()),
        "message": row.message,
        "closed_at": _when(row.closed_at),
        "closed_reason": row.closed_reason,
    }


def _comment(row: CommentRow) -> dict[str, Any]:
    return {
        "id": row.pk,
        "author": row.author_label,
        "body": row.body,
        "pointer": row.pointer,
        "version": row.version,
        "round": row.round_id,
        "created_at": _when(row.created_at),
        "resolved": row.resolved,
    }


def status_data(treatment: Treatment, summary: ReviewSummary) -> dict[str, Any]:
    """The ReviewStatus body of a treatment."""
    approval = summary.status.approval
    base = f"{PREFIX}/{treatment.pk}/"
    return {
        "treatment_id": str(treatment.pk),
        "version": treatment.version,
        "state": summary.state,
        "approval_required": summary.approval_required,
        "four_eyes": summary.four_eyes,
        "authors": summary.authors,
        "approval": None
        if approval is None
        else {
            "reviewer": approval.reviewer_label,
            "published_as": reviewer_label(approval.reviewer),
            "version": approval.version,
            "created_at": _when(approval.created_at),
            "message": approval.message,
            "valid": summary.status.valid,
            "reason": summary.status.reason,
        },
        "rounds": [_round(row) for row in summary.rounds],
        "links": {"self": f"{base}review/", "comments": f"{base}comments/", "working_copy": base},
    }


class ReviewView(EditorView):
    """Base of the review views: parse a strict body, answer the review and the ETag."""

    body_model: type[BaseModel] = BaseModel

    def body(self, request: Request) -> Any:
        data = request.data
        if not isinstance(data, dict):
            raise ValidationError({"non_field_errors": ["The body must be a JSON object."]})
        try:
            return self.body_model.model_validate(data)
        except PydanticValidationError as exc:
            errors = {
                "/".join(str(p) for p in e["loc"]) or "non_field_errors": [e["msg"]]
                for e in exc.errors(include_url=False)
            }
            raise ValidationError(errors) from None

    def status_response(self, treatment: Treatment) -> Response:
        fresh = self.get_treatment(treatment.pk)
        return self.respond(fresh, data=status_data(fresh, review_summary(fresh)))

    def step(self, request: Request, treatment_id: uuid.UUID, call: Any) -> Response:
        """Precondition, body, service (a lost race is a 412), then the review as it stands."""
        treatment = self.get_treatment(treatment_id)
        version = self.expected(request, treatment)
        body = self.body(request)
        context = {
            "treatment_id": treatment.pk,
            "expected_version": version,
            **self.audit_context(request),
        }
        self.guarded(treatment, lambda: call(body, context))
        return self.status_response(treatment)


class ReviewStatusView(ReviewView):
    """Where the treatment's review stands: state, the approval and whether it holds, rounds."""

    @review_operation(
        operation_id="editor_treatments_review",
        example=STATUS_EXAMPLE,
        description="The clinical review of the working copy: its state (draft, in_review, "
        "changes_requested, approved), whether publishing needs an approval, the latest "
        "approval and whether it still holds (an edit after it voids it), and the rounds.",
        ok=ReviewStatus,
        parameters=[ID],
        etag=True,
    )
    def get(self, request: Request, treatment_id: uuid.UUID) -> Response:
        return self.status_response(self.get_treatment(treatment_id))


class ReviewRequestView(ReviewView):
    """An author asks clinical reviewers to review the working copy."""

    editor_action = EditorAction.EDIT
    body_model = AskForReview

    @review_operation(
        operation_id="editor_treatments_review_request",
        example=STATUS_EXAMPLE,
        description="Ask for a clinical review of the working copy at the version If-Match "
        "names; the named reviewers (else every clinical reviewer) are emailed. 409 "
        "`already_in_review` or `already_approved`; 400 for a named user who cannot approve "
        "it (not a clinical reviewer, or one of its authors).",
        request=AskForReview,
        ok=ReviewStatus,
        errors=STATE_ERRORS,
        parameters=[ID, IF_MATCH],
        etag=True,
    )
    def post(self, request: Request, treatment_id: uuid.UUID) -> Response:
        return self.step(
            request,
            treatment_id,
            lambda body, context: review_services.review_request(
                reviewers=body.reviewers, message=body.message, **context
            ),
        )


class ReviewApproveView(ReviewView):
    """A clinical reviewer approves exactly this version of the working copy."""

    editor_action = EditorAction.APPROVE
    body_model = Approve

    @review_operation(
        operation_id="editor_treatments_review_approve",
        example=STATUS_EXAMPLE,
        description="Approve the working copy at the version If-Match names (a clinical "
        "reviewer only). Four eyes: 403 `own_change` when you changed it since the last "
        "published revision. 409 `not_in_review` when no review is requested. Any later edit "
        "voids the approval; publishing then answers 409 `approval_void`.",
        request=Approve,
        ok=ReviewStatus,
        errors=STATE_ERRORS,
        parameters=[ID, IF_MATCH],
        etag=True,
    )
    def post(self, request: Request, treatment_id: uuid.UUID) -> Response:
        return self.step(
            request,
            treatment_id,
            lambda body, context: review_services.review_approve(message=body.message, **context),
        )


class ReviewRequestChangesView(ReviewView):
    """A clinical reviewer sends the working copy back with a comment."""

    editor_action = EditorAction.APPROVE
    body_model = RequestChanges

    @review_operation(
        operation_id="editor_treatments_review_request_changes",
        example=STATUS_EXAMPLE,
        description="Send the working copy back to its author with a comment (required), "
        "optionally at a JSON Pointer into the content; the author is emailed. 409 "
        "`not_in_review` when no review is requested.",
        request=RequestChanges,
        ok=ReviewStatus,
        errors=STATE_ERRORS,
        parameters=[ID, IF_MATCH],
        etag=True,
    )
    def post(self, request: Request, treatment_id: uuid.UUID) -> Response:
        return self.step(
            request,
            treatment_id,
            lambda body, context: review_services.review_request_changes(
                comment=body.comment, pointer=body.pointer, **context
            ),
        )


class ReviewCommentsView(ReviewView):
    """The review comments of a working copy; authors and reviewers add to them."""

    # Readers may list; the service lets editors and clinical reviewers add (403 otherwise).
    editor_action = EditorAction.VIEW
    body_model = NewComment

    @review_operation(
        operation_id="editor_treatments_comments",
        example=COMMENTS_EXAMPLE,
        description="The review comments on the working copy, oldest first, each with the "
        "JSON Pointer of the part it is about and the version it was written on.",
        ok=ReviewCommentList,
        parameters=[ID],
    )
    def get(self, request: Request, treatment_id: uuid.UUID) -> Response:
        treatment = self.get_treatment(treatment_id)
        rows = CommentRow.objects.filter(treatment=treatment).order_by("created_at", "id")
        return Response({"results": [_comment(row) for row in rows[:1000]]})

    @review_operation(
        operation_id="editor_treatments_comments_create",
        example=COMMENT_EXAMPLE,
        description="Comment on the working copy at the version If-Match names (so a pointer "
        "means the part you saw), optionally at a JSON Pointer such as `/risks/items/2`; a "
        "pointer that names no part of it is a 400. Editors and clinical reviewers may comment.",
        request=NewComment,
        ok=ReviewComment,
        ok_status=201,
        errors=STATE_ERRORS,
        parameters=[ID, IF_MATCH],
        etag=True,
    )
    def post(self, request: Request, treatment_id: uuid.UUID) -> Response:
        treatment = self.get_treatment(treatment_id)
        version = self.expected(request, treatment)
        body = self.body(request)
        row = self.guarded(
            treatment,
            lambda: review_services.review_comment_add(
                treatment_id=treatment.pk,
                expected_version=version,
                body=body.body,
                pointer=body.pointer,
                **self.audit_context(request),
            ),
        )
        return self.respond(treatment, status=201, data=_comment(row))
