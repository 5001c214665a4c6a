"""The editor API of scheduled actions: publish or withdraw a treatment at a time, or cancel it.

A scheduled publish binds the working copy's version (If-Match): an edit before the time
cancels it, with a notice, instead of publishing what nobody approved. The worker runs the
actions within a minute of their time (editorial.releases.running).
"""

import uuid
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from api import openapi
from editorial.releases import selectors
from editorial.releases.models import ScheduledAction
from editorial.releases.services import schedule_cancel, schedule_create
from treatments.permissions import Action as EditorAction

from .schedule_schemas import ScheduledActionBody, ScheduledActionList, ScheduleRequest
from .views import ID, EditorView, editor_operation

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
SID = OpenApiParameter("action_id", OpenApiTypes.INT, OpenApiParameter.PATH)
OPTIONAL_IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description="The working copy's ETag. Required to schedule a publish (the version that will "
    "go live); optional for a withdrawal (checked if sent).",
)

ACTION_EXAMPLE: dict[str, Any] = {
    "id": 7,
    "treatment": "0b5f8e1e-3a43-4a39-9a55-2d4f6f9d2f11",
    "release": None,
    "action": "publish",
    "at": "2030-05-01T07:00:00Z",
    "state": "pending",
    "version": 4,
    "note": "Embargoed until the clinic's announcement.",
    "created_by": "publisher",
    "created_at": "2030-04-28T15:12:09Z",
    "ran_at": None,
    "result": "",
    "cancel_reason": "",
    "links": {
        "self": "/api/v1/editor/treatments/0b5f8e1e-3a43-4a39-9a55-2d4f6f9d2f11/schedule/7/",
        "target": "/api/v1/editor/treatments/0b5f8e1e-3a43-4a39-9a55-2d4f6f9d2f11/",
    },
}


def example(name: str, value: Any) -> list[OpenApiExample]:
    """One example answer, for the operation's success response."""
    return [OpenApiExample(name, value=value, response_only=True)]


def scheduled_action_data(action: ScheduledAction) -> dict[str, Any]:
    """The editor representation of a scheduled action."""
    if action.release_id is not None:
        target = f"/api/v1/editor/releases/{action.release_id}/"
        own = f"{target}schedule/"
    else:
        target = f"/api/v1/editor/treatments/{action.treatment_id}/"
        own = f"{target}schedule/{action.pk}/"
    return ScheduledActionBody(
        id=action.pk,
        treatment=action.treatment_id,
        release=action.release_id,
        action=action.kind,  # type: ignore[arg-type]
        at=action.run_at,
        state=action.state,  # type: ignore[arg-type]
        version=action.version,
        note=action.note,
        created_by=action.created_by.get_username() if action.created_by else None,
        created_at=action.created_at,
        ran_at=action.ran_at,
        result=action.result,
        cancel_reason=action.cancel_reason,
        links={"self": own, "target": target},  # type: ignore[arg-type]
    ).model_dump(mode="json")


class ScheduleEditorView(EditorView):
    """Base of schedule and release views: anyone who may read reads; publishers write."""

    @property
    def editor_action(self) -> EditorAction:
        return EditorAction.VIEW if self.request.method in SAFE_METHODS else EditorAction.PUBLISH

    def body(self, request: Request, model: type[BaseModel]) -> Any:
        """The JSON body validated by `model`; 400 with pointers into the body otherwise."""
        data = request.data
        if not isinstance(data, dict):
            raise ValidationError({"non_field_errors": ["The body must be a JSON object."]})
        try:
            return model.model_validate(data)
        except PydanticValidationError as exc:
            raise ValidationError(
                {
                    "/".join(str(p) for p in e["loc"]) or "non_field_errors": [e["msg"]]
                    for e in exc.errors(include_url=False)
                }
            ) from None


class TreatmentScheduleView(ScheduleEditorView):
    """A treatment's scheduled actions; schedule a publish or a withdrawal."""

    @editor_operation(
        operation_id="editor_treatments_schedule_list",
        description="The treatment's scheduled actions, pending and past, earliest first.",
        ok=ScheduledActionList,
        parameters=[ID],
    )
    @extend_schema(examples=example("Scheduled actions", {"results": [ACTION_EXAMPLE]}))
    def get(self, request: Request, treatment_id: uuid.UUID) -> Response:
        treatment = self.get_treatment(treatment_id)
        actions = selectors.actions_of_treatment(treatment_id=treatment.pk)
        return Response({"results": [scheduled_action_data(a) for a in actions]})

    @editor_operation(
        operation_id="editor_treatments_schedule_create",
        description="Schedule a publish of the working copy at the version in If-Match, or a "
        "withdrawal (expiry). The time must be in the future, with a UTC offset (400 "
        "otherwise). A publish must pass the publish gates now, a valid approval among them "
        "(409). The worker runs it within a minute of its time; if the working copy was edited "
        "in between, or the approval is gone, it is cancelled instead and the scheduler, "
        "the approver and the authors are told by email.",
        request=ScheduleRequest,
        ok=ScheduledActionBody,
        ok_status=201,
        errors=(400, 401, 403, 404, 409, 412, 415, 428, 429),
        parameters=[ID, OPTIONAL_IF_MATCH],
        headers=[openapi.LOCATION.on(201, description="The scheduled action's URL.")],
    )
    def post(self, request: Request, treatment_id: uuid.UUID) -> Response:
        treatment = self.get_treatment(treatment_id)
        body: ScheduleRequest = self.body(request, ScheduleRequest)
        version = None
        if body.action == "publish" or request.headers.get("If-Match", "").strip():
            version = self.expected(request, treatment)
        action = self.guarded(
            treatment,
            lambda: schedule_create(
                treatment_id=treatment.pk,
                kind=body.action,
                run_at=body.at,
                expected_version=version,
                note=body.note,
                **self.audit_context(request),
            ),
        )
        data = scheduled_action_data(action)
        response = Response(data, status=status.HTTP_201_CREATED)
        response["Location"] = data["links"]["self"]
        return response


class TreatmentScheduleItemView(ScheduleEditorView):
    """One scheduled action of a treatment: read it, or cancel it."""

    def get_action(self, treatment_id: uuid.UUID, action_id: int) -> ScheduledAction:
        action = (
            selectors.actions_of_treatment(treatment_id=treatment_id).filter(pk=action_id).first()
        )
        if action is None:
            raise NotFound(f"This treatment has no scheduled action {action_id}.")
        return action

    @editor_operation(
        operation_id="editor_treatments_schedule_retrieve",
        description="One scheduled action and what became of it.",
        ok=ScheduledActionBody,
        parameters=[ID, SID],
    )
    @extend_schema(examples=example("A scheduled action", ACTION_EXAMPLE))
    def get(self, request: Request, treatment_id: uuid.UUID, action_id: int) -> Response:
        return Response(scheduled_action_data(self.get_action(treatment_id, action_id)))

    @editor_operation(
        operation_id="editor_treatments_schedule_cancel",
        description="Cancel a pending scheduled action; it never runs. 409 when it has run, or "
        "was cancelled, already.",
        ok=ScheduledActionBody,
        errors=(400, 401, 403, 404, 409, 429),
        parameters=[ID, SID],
    )
    def delete(self, request: Request, treatment_id: uuid.UUID, action_id: int) -> Response:
        found = self.get_action(treatment_id, action_id)
        action = schedule_cancel(
            action_id=found.pk, treatment_id=treatment_id, **self.audit_context(request)
        )
        return Response(scheduled_action_data(action))


class UpcomingScheduleView(ScheduleEditorView):
    """Every pending scheduled action, of treatments and releases, the next one first."""

    @editor_operation(
        operation_id="editor_schedule_upcoming",
        description="Every pending scheduled action (treatments' and releases'), next first.",
        ok=ScheduledActionList,
        errors=(400, 401, 403, 429),
    )
    @extend_schema(examples=example("Upcoming actions", {"results": [ACTION_EXAMPLE]}))
    def get(self, request: Request) -> Response:
        actions = selectors.actions_upcoming()[:1000]
        return Response({"results": [scheduled_action_data(a) for a in actions]})
