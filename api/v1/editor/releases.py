"""The editor API of releases: named sets of changes that go live together, now or at a time.

Every member must pass the publish gates (a valid approval among them) and still be at the
version it was added at; otherwise the answer is a 409 problem whose `members` names each one
and why, and nothing changes.
"""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from api import openapi
from api.problems import PROBLEM_CONTENT_TYPE as PROBLEM
from api.problems import problem_body
from editorial.releases import selectors
from editorial.releases.models import Release, ReleaseState
from editorial.releases.releasing import ReleaseRefusedError
from editorial.releases.services import (
    release_create,
    release_member_remove,
    release_member_set,
    release_publish,
    release_schedule,
    release_unschedule,
)
from treatments.models import Treatment

from .schedule import ACTION_EXAMPLE, ScheduleEditorView, example, scheduled_action_data
from .schedule_schemas import (
    ReleaseBody,
    ReleaseCreateRequest,
    ReleaseList,
    ReleaseMemberRequest,
    ReleaseScheduleRequest,
    ReleaseSummary,
)
from .views import editor_operation

RID = OpenApiParameter("release_id", OpenApiTypes.INT, OpenApiParameter.PATH)
TID = OpenApiParameter("treatment_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
MEMBER_IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description="Optional: the treatment's working-copy ETag, to be sure the release publishes "
    "the version you reviewed (412 if it changed). Without it, the current version is bound.",
)
WRITE_ERRORS = (400, 401, 403, 404, 409, 415, 429)


def _links(release_id: int) -> dict[str, str]:
    base = f"/api/v1/editor/releases/{release_id}/"
    return {
        "self": base,
        "members": f"{base}members/",
        "publish": f"{base}publish/",
        "schedule": f"{base}schedule/",
    }


def release_data(release: Release) -> dict[str, Any]:
    """The editor representation of a release, with its members and schedule."""
    members = list(release.members.select_related("treatment").order_by("id"))
    versions = dict(
        Treatment.objects.filter(pk__in=[m.treatment_id for m in members]).values_list(
            "pk", "version"
        )
    )
    schedule = selectors.release_schedule(release)
    return ReleaseBody(
        id=release.pk,
        name=release.name,
        state=release.state,  # type: ignore[arg-type]
        created_by=release.created_by.get_username() if release.created_by else None,
        created_at=release.created_at,
        published_at=release.published_at,
        first_sequence=release.first_sequence,
        last_sequence=release.last_sequence,
        message=release.message,
        schedule=scheduled_action_data(schedule) if schedule else None,  # type: ignore[arg-type]
        members=[
            {  # type: ignore[misc]
                "treatment": {
                    "id": m.treatment_id,
                    "slug": m.treatment.slug,
                    "title": m.treatment.title,
                },
                "action": m.action,
                "version": m.version,
                "current_version": versions[m.treatment_id],
                "stale": m.action == "publish" and versions[m.treatment_id] != m.version,
                "added_at": m.added_at,
            }
            for m in members
        ],
        links=_links(release.pk),  # type: ignore[arg-type]
    ).model_dump(mode="json")


RELEASE_EXAMPLE: dict[str, Any] = {
    "id": 3,
    "name": "Spring update",
    "state": "scheduled",
    "created_by": "publisher",
    "created_at": "2030-04-28T15:00:00Z",
    "published_at": None,
    "first_sequence": None,
    "last_sequence": None,
    "message": "",
    "schedule": {
        **ACTION_EXAMPLE,
        "treatment": None,
        "release": 3,
        "version": None,
        "note": "",
        "links": {
            "self": "/api/v1/editor/releases/3/schedule/",
            "target": "/api/v1/editor/releases/3/",
        },
    },
    "members": [
        {
            "treatment": {
                "id": ACTION_EXAMPLE["treatment"],
                "slug": "bone-marrow-stem-cell-injection",
                "title": "Bone Marrow Stem Cell Injection",
            },
            "action": "publish",
            "version": 4,
            "current_version": 4,
            "stale": False,
            "added_at": "2030-04-28T15:05:00Z",
        }
    ],
    "links": _links(3),
}


class ReleaseView(ScheduleEditorView):
    """Base of the views of one release."""

    def get_release(self, release_id: int) -> Release:
        release = selectors.release_get(release_id=release_id)
        if release is None:
            raise NotFound(f"No release {release_id}.")
        return release

    def answer(self, release_id: int, *, status_code: int = 200) -> Response:
        return Response(release_data(self.get_release(release_id)), status=status_code)

    def refused(self, call: Any) -> Response | None:
        """Run a release service; a refusal is answered by the 409 that names the members."""
        try:
            call()
        except ReleaseRefusedError as exc:
            body = problem_body(
                status=status.HTTP_409_CONFLICT,
                code=exc.code.replace("_", "-"),
                title=exc.title,
                detail=exc.detail,
                instance=self.request.path,
                members=exc.members,
            )
            body["code"] = exc.code  # as every refusal with a precise reason says it
            # An answer of 400 or more rolls the request's transaction back (EditorView).
            return Response(body, status=status.HTTP_409_CONFLICT, content_type=PROBLEM)
        return None


class ReleaseCollectionView(ReleaseView):
    """Every release, newest first; create one."""

    def query_parameter_names(self) -> set[str]:
        return {"state"} if self.request.method == "GET" else set()

    @editor_operation(
        operation_id="editor_releases_list",
        description="Releases, newest first (at most 500); `state` filters.",
        ok=ReleaseList,
        errors=(400, 401, 403, 429),
        parameters=[OpenApiParameter("state", str, enum=ReleaseState.values)],
    )
    @extend_schema(
        examples=example(
            "Releases",
            {
                "results": [
                    {
                        **{
                            k: RELEASE_EXAMPLE[k]
                            for k in ReleaseSummary.model_fields
                            if k in RELEASE_EXAMPLE
                        },
                        "scheduled_for": ACTION_EXAMPLE["at"],
                        "member_count": 1,
                    }
                ]
            },
        )
    )
    def get(self, request: Request) -> Response:
        state = request.query_params.get("state")
        if state is not None and state not in ReleaseState.values:
            raise ValidationError({"state": [f"Choose one of: {', '.join(ReleaseState.values)}."]})
        releases = list(selectors.release_list(state=state)[:500])
        upcoming = {
            a.release_id: a.run_at
            for a in selectors.actions_upcoming().filter(release__in=releases)
        }
        results = [
            ReleaseSummary(
                id=r.pk,
                name=r.name,
                state=r.state,  # type: ignore[arg-type]
                created_at=r.created_at,
                published_at=r.published_at,
                scheduled_for=upcoming.get(r.pk),
                member_count=r.member_count,  # type: ignore[attr-defined]
                links=_links(r.pk),  # type: ignore[arg-type]
            ).model_dump(mode="json")
            for r in releases
        ]
        return Response({"results": results})

    @editor_operation(
        operation_id="editor_releases_create",
        description="A new, empty draft release; add members, then publish or schedule it.",
        request=ReleaseCreateRequest,
        ok=ReleaseBody,
        ok_status=201,
        errors=(400, 401, 403, 415, 429),
        headers=[openapi.LOCATION.on(201, description="The release's URL.")],
    )
    def post(self, request: Request) -> Response:
        body: ReleaseCreateRequest = self.body(request, ReleaseCreateRequest)
        release = release_create(name=body.name, actor=request.user)
        response = self.answer(release.pk, status_code=status.HTTP_201_CREATED)
        response["Location"] = _links(release.pk)["self"]
        return response


class ReleaseItemView(ReleaseView):
    """One release with its members and schedule."""

    @editor_operation(
        operation_id="editor_releases_retrieve",
        description="The release, its members (each with the version it publishes and whether "
        "the working copy changed since) and its schedule.",
        ok=ReleaseBody,
        parameters=[RID],
    )
    @extend_schema(examples=example("A release", RELEASE_EXAMPLE))
    def get(self, request: Request, release_id: int) -> Response:
        return self.answer(release_id)


class ReleaseMembersView(ReleaseView):
    """Add a member to a draft release."""

    @editor_operation(
        operation_id="editor_releases_members_add",
        description="Add a treatment to a draft release: publish its working copy (at its "
        "current version, or the one in If-Match) or withdraw it. Adding it again re-binds it "
        "to the current working copy. 409 unless the release is a draft.",
        request=ReleaseMemberRequest,
        ok=ReleaseBody,
        errors=(*WRITE_ERRORS, 412),
        parameters=[RID, MEMBER_IF_MATCH],
    )
    def post(self, request: Request, release_id: int) -> Response:
        self.get_release(release_id)
        body: ReleaseMemberRequest = self.body(request, ReleaseMemberRequest)
        treatment = self.get_treatment(body.treatment)
        version = (
            self.expected(request, treatment)
            if request.headers.get("If-Match", "").strip()
            else None
        )
        self.guarded(
            treatment,
            lambda: release_member_set(
                release_id=release_id,
                treatment_id=treatment.pk,
                action=body.action,
                expected_version=version,
                actor=request.user,
            ),
        )
        return self.answer(release_id)


class ReleaseMemberItemView(ReleaseView):
    """Take a member out of a draft release."""

    @editor_operation(
        operation_id="editor_releases_members_remove",
        description="Take the treatment out of the draft release.",
        ok=ReleaseBody,
        errors=(400, 401, 403, 404, 409, 429),
        parameters=[RID, TID],
    )
    def delete(self, request: Request, release_id: int, treatment_id: Any) -> Response:
        self.get_release(release_id)
        release_member_remove(release_id=release_id, treatment_id=treatment_id, actor=request.user)
        return self.answer(release_id)


class ReleasePublishView(ReleaseView):
    """Make a draft release live now."""

    @editor_operation(
        operation_id="editor_releases_publish",
        description="Publish and withdraw every member now, in one transaction with "
        "consecutive change-log entries: all or nothing. 409 (naming the members) when a member "
        "fails the publish gates (no valid approval), changed since it was added, or the release "
        "is not a draft.",
        ok=ReleaseBody,
        errors=WRITE_ERRORS,
        parameters=[RID],
    )
    def post(self, request: Request, release_id: int) -> Response:
        self.get_release(release_id)
        refusal = self.refused(
            lambda: release_publish(release_id=release_id, **self.audit_context(request))
        )
        return refusal or self.answer(release_id)


class ReleaseScheduleView(ReleaseView):
    """Schedule a draft release, or cancel its schedule."""

    @editor_operation(
        operation_id="editor_releases_schedule",
        description="Schedule the draft release to go live at a time in the future (with a "
        "UTC offset). Every member must pass the publish gates now (409 otherwise). If a "
        "member's working copy is edited before the time, the whole release is cancelled at "
        "run time, nothing goes live, and the people concerned are told by email.",
        request=ReleaseScheduleRequest,
        ok=ReleaseBody,
        errors=WRITE_ERRORS,
        parameters=[RID],
    )
    def post(self, request: Request, release_id: int) -> Response:
        self.get_release(release_id)
        body: ReleaseScheduleRequest = self.body(request, ReleaseScheduleRequest)
        refusal = self.refused(
            lambda: release_schedule(
                release_id=release_id, run_at=body.at, **self.audit_context(request)
            )
        )
        return refusal or self.answer(release_id)

    @editor_operation(
        operation_id="editor_releases_unschedule",
        description="Cancel the release's schedule; it becomes a draft again. 409 unless it is "
        "scheduled.",
        ok=ReleaseBody,
        errors=(400, 401, 403, 404, 409, 429),
        parameters=[RID],
    )
    def delete(self, request: Request, release_id: int) -> Response:
        self.get_release(release_id)
        release_unschedule(release_id=release_id, **self.audit_context(request))
        return self.answer(release_id)
