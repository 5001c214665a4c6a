"""The clinical review in the admin: the review page of a treatment, the queue, reviewer profiles.

The review page calls the same services as the editor API (`editorial.services`): request a
review, approve, request changes, comment at a part of the document. Comments are shown beside
the part they point at. Every form carries the version the page showed, so a step taken on a
stale page is refused ("reload") instead of approving something the reviewer did not see.
"""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from treatments.documents.build import build_content
from treatments.errors import ServiceError
from treatments.models import Treatment
from treatments.permissions import Action, can
from treatments.services import treatment_get_for_edit

from . import services
from .models import ReviewComment, ReviewerProfile, ReviewRound, ReviewState
from .pointers import part_label, pointer_tokens
from .selectors import clinical_reviewers, review_summary, reviewer_label

# Fields whose text names an item best, in order of preference.
_NAMING_FIELDS = ("title", "name", "text", "description", "explanation", "detail", "label")
_MAX_EXCERPT = 240
STATE_LABELS = {"draft": "Draft", **dict(ReviewState.choices)}


def _excerpt(value: Any) -> str:
    if isinstance(value, str):
        text = value
    elif isinstance(value, dict):
        text = next(
            (value[k] for k in _NAMING_FIELDS if isinstance(value.get(k), str) and value[k]), ""
        )
        if not text:
            text = ", ".join(
                f"{k}: {v}"
                for k, v in value.items()
                if isinstance(v, (str, int, float)) and v != ""
            )
    elif isinstance(value, list):
        text = f"{len(value)} item(s)"
    else:
        text = "" if value is None else str(value)
    return text if len(text) <= _MAX_EXCERPT else text[: _MAX_EXCERPT - 1] + "…"


def document_parts(content: dict[str, Any]) -> list[dict[str, Any]]:
    """The parts of a document a comment can point at: sections, and the items of their lists."""
    parts: list[dict[str, Any]] = [
        {"pointer": "", "label": "The whole document", "text": "", "depth": 0}
    ]
    for key, value in content.items():
        parts.append(
            {
                "pointer": f"/{key}",
                "label": part_label(content, f"/{key}"),
                "text": _excerpt(value),
                "depth": 0,
            }
        )
        lists = [(f"/{key}", value)] if isinstance(value, list) else []
        if isinstance(value, dict):
            lists = [
                (f"/{key}/{sub}", inner) for sub, inner in value.items() if isinstance(inner, list)
            ]
        for base, items in lists:
            for index, item in enumerate(items):
                pointer = f"{base}/{index}"
                parts.append(
                    {
                        "pointer": pointer,
                        "label": part_label(content, pointer),
                        "text": _excerpt(item),
                        "depth": 1,
                    }
                )
    return parts


def _nearest(pointer: str, known: set[str]) -> str:
    """The deepest listed part that contains `pointer` (a comment on a field sits by its item)."""
    tokens = pointer_tokens(pointer) if pointer.startswith("/") or pointer == "" else []
    while tokens:
        candidate = "/" + "/".join(t.replace("~", "~0").replace("/", "~1") for t in tokens)
        if candidate in known:
            return candidate
        tokens.pop()
    return ""


@admin.register(ReviewerProfile)
class ReviewerProfileAdmin(admin.ModelAdmin):
    """Reviewers' published names and credentials (what approved documents show)."""

    list_display = ["user", "display_name", "credentials", "published_as", "updated_at"]
    search_fields = ["user__username", "display_name", "credentials"]
    raw_id_fields = ["user"]

    @admin.display(description="published as")
    def published_as(self, obj: ReviewerProfile) -> str:
        return reviewer_label(obj.user)


@admin.register(ReviewRound)
class ReviewRoundAdmin(admin.ModelAdmin):
    """The review queue (read-only); each row links to the treatment's review page."""

    list_display = [
        "treatment",
        "state",
        "requested_by_label",
        "requested_at",
        "version",
        "review_link",
    ]
    list_filter = ["state"]
    search_fields = ["treatment__title", "treatment__slug", "requested_by_label"]
    ordering = ["-requested_at"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_staff and can(request.user, Action.VIEW)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_staff and can(request.user, Action.VIEW)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="review page")
    def review_link(self, obj: ReviewRound) -> str:
        return format_html(
            '<a href="{}">Open the review</a>',
            reverse("admin:editorial_review", args=[obj.treatment_id]),
        )

    def get_urls(self) -> list[Any]:
        return [
            path(
                "treatment/<uuid:treatment_id>/",
                self.admin_site.admin_view(self.review_view),
                name="editorial_review",
            ),
            *super().get_urls(),
        ]

    # --- the review page -------------------------------------------------------------------

    def review_view(self, request: HttpRequest, treatment_id: Any) -> HttpResponse:
        if not (request.user.is_staff and can(request.user, Action.VIEW)):
            raise PermissionDenied
        treatment = get_object_or_404(Treatment, pk=treatment_id, deleted_at__isnull=True)
        here = reverse("admin:editorial_review", args=[treatment.pk])
        if request.method == "POST":
            self._step(request, treatment)
            return HttpResponseRedirect(here)
        treatment = treatment_get_for_edit(treatment_id=treatment.pk)
        content = build_content(treatment)
        summary = review_summary(treatment)
        parts = document_parts(content)
        known = {part["pointer"] for part in parts}
        comments = list(
            ReviewComment.objects.filter(treatment=treatment).order_by("created_at", "id")
        )
        by_part: dict[str, list[ReviewComment]] = {}
        names: dict[int, str] = {}

        def said(person: Any, fallback: str) -> str:
            """A person as the review block names them (profile name, credentials), not by login."""
            if person is None:
                return fallback
            if person.pk not in names:
                names[person.pk] = reviewer_label(person)
            return names[person.pk]

        for comment in comments:
            comment.display_author = said(comment.author, comment.author_label)  # type: ignore[attr-defined]
            comment.part_label = part_label(content, comment.pointer)  # type: ignore[attr-defined]
            by_part.setdefault(_nearest(comment.pointer, known), []).append(comment)
        for part in parts:
            part["comments"] = by_part.get(part["pointer"], [])

        for row in summary.rounds:
            row.requested_by_display = said(row.requested_by, row.requested_by_label)  # type: ignore[attr-defined]
            row.reviewer_labels = [said(r, r.get_username()) for r in row.reviewers.all()]  # type: ignore[attr-defined]
        user = request.user
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Clinical review: {treatment.title}",
            "treatment": treatment,
            "summary": summary,
            "state_label": STATE_LABELS.get(summary.state, summary.state),
            "approval": summary.status.approval,
            "approval_label": reviewer_label(summary.status.approval.reviewer)
            if summary.status.approval
            else "",
            "parts": parts,
            "commented_parts": [part for part in parts if part["comments"]],
            "reviewers": [
                {"username": person.get_username(), "label": reviewer_label(person)}
                for person in clinical_reviewers()
            ],
            "can_request": can(user, Action.EDIT),
            "can_approve": can(user, Action.APPROVE),
            "can_comment": can(user, Action.EDIT) or can(user, Action.APPROVE),
            "change_url": reverse("admin:treatments_treatment_change", args=[treatment.pk]),
        }
        return TemplateResponse(request, "admin/editorial/review.html", context)

    def _step(self, request: HttpRequest, treatment: Treatment) -> None:
        """Run the step the form names through the services; errors become messages."""
        raw = request.POST.get("expected_version", "")
        expected = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
        if expected is None:
            self.message_user(
                request, "The page was stale; reload it and try again.", messages.ERROR
            )
            return
        step = request.POST.get("step", "")
        raw_comment = request.POST.get("comment", "")
        comment_id = (
            int(raw_comment)
            if raw_comment.isascii() and raw_comment.isdigit() and len(raw_comment) < 12
            else 0
        )
        common: dict[str, Any] = {"treatment_id": treatment.pk, "actor": request.user}
        text = request.POST.get("body", "")
        pointer = request.POST.get("pointer", "")
        calls: dict[str, Any] = {
            "request": lambda: services.review_request(
                expected_version=expected,
                reviewers=request.POST.getlist("reviewers"),
                message=request.POST.get("message", "")[:2000],
                **common,
            ),
            "approve": lambda: services.review_approve(
                expected_version=expected, message=request.POST.get("message", "")[:2000], **common
            ),
            "request_changes": lambda: services.review_request_changes(
                expected_version=expected, comment=text, pointer=pointer, **common
            ),
            "comment": lambda: services.review_comment_add(
                expected_version=expected, body=text, pointer=pointer, **common
            ),
            "resolve": lambda: services.review_comment_resolve(
                treatment_id=treatment.pk, comment_id=comment_id, actor=request.user
            ),
        }
        done = {
            "request": "Review requested; the reviewers are told by email.",
            "approve": "Approved this version. Any further edit voids the approval.",
            "request_changes": "Changes requested; the author is told by email.",
            "comment": "Comment added.",
            "resolve": "Comment marked resolved.",
        }
        if step not in calls:
            self.message_user(request, "Choose a review step.", messages.ERROR)
            return
        try:
            with transaction.atomic():
                calls[step]()
        except ServiceError as exc:
            errors = getattr(exc, "errors", None)
            detail = "; ".join(e["message"] for e in errors) if errors else exc.detail
            self.message_user(request, detail, messages.ERROR)
        else:
            self.message_user(request, done[step], messages.SUCCESS)
