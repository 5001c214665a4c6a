"""The editor API: authenticated writes to working copies, publishing, import and export.

Every write goes through the same services as the admin, requires If-Match with the working
copy's ETag (a compare-and-set on its version), and is audited with the user and request id.
"""

import copy
import uuid
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from pydantic import ValidationError as PydanticValidationError
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import openapi
from api.auth import EditorPermission, EditorTokenAuthentication
from api.pagination import CURSOR_DESCRIPTION, CURSOR_SCHEMA, StrictCursorPagination
from api.parsers import MergePatchJSONParser, StrictJSONParser, body_required
from api.preconditions import (
    PreconditionFailed,
    if_match_tags,
    if_match_version,
    working_copy_etag,
)
from api.querystrict import StrictQueryParametersMixin
from api.throttles import UserRateThrottle
from treatments import selectors, services
from treatments.documents.build import build_content, build_document
from treatments.documents.schema import TreatmentContent, TreatmentDocument
from treatments.models import AuditEntry, Treatment
from treatments.permissions import Action as EditorAction
from treatments.permissions import can
from treatments.services.loading import import_plan, import_target

from ..examples import editor_examples
from ..links import document_links, treatment_path
from ..serializers import ProblemSerializer
from .schemas import (
    Action,
    AuditTrail,
    ExportedContent,
    ImportedContent,
    ImportOutcome,
    PublishOutcome,
    RevertRequest,
    TreatmentContentPatch,
    WorkingCopy,
    WorkingCopyPage,
)

EXAMPLES = editor_examples()
PRIVATE = "private, no-store"
READ_ONLY_FIELDS = (
    "id",
    "version",
    "revision",
    "schema_version",
    "published_at",
    "links",
    "state",
    "created_at",
    "updated_at",
    "deleted_at",
    "created_by",
    "author",
)
PROBLEM = "application/problem+json"
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description='The working copy\'s current ETag, e.g. `"wc-<id hex>-v3"` (RFC 9110: `*` '
    "or a list also work; a weak or non-matching tag is a 412, a malformed header a 400).",
)
ID = OpenApiParameter("treatment_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
WRITE_OUTCOME = openapi.WRITE_OUTCOME.on(200)
ERRORS = {
    400: "The body or a parameter is invalid; `errors` points into the body (JSON Pointer).",
    401: "Not authenticated: send `Authorization: Token <token>` (see WWW-Authenticate).",
    403: "Authenticated, but your role does not allow this.",
    404: "No such treatment (or revision).",
    409: "The action does not apply in the treatment's current state.",
    412: "If-Match does not match (stale, weak, another treatment's, or not ours): someone "
    "changed the working copy, or the tag is wrong. The current ETag is returned.",
    413: "The body is larger than the limit.",
    415: "Send the body as application/json.",
    428: "If-Match is missing: GET the working copy and send its ETag.",
    429: "Too many requests; retry after Retry-After seconds.",
}


def editor_operation(
    *,
    operation_id: str,
    description: str,
    ok: Any,
    ok_status: int = 200,
    also_ok: dict[int, Any] | None = None,
    request: Any = None,
    errors: tuple[int, ...] = (400, 401, 403, 404, 429),
    parameters: list[OpenApiParameter] | None = None,
    example: str | None = None,
    etag: bool = False,
    headers: list[OpenApiParameter] | None = None,
    ok_media_type: str | None = None,
    error_descriptions: dict[int, str] | None = None,
) -> Any:
    """The schema of an editor operation with every status it can return, and its headers.

    `etag`: the success answers carry the working copy's ETag (and a 412 the current one).
    `ok_media_type`: the success answer's media type when it is not JSON.
    `error_descriptions`: what an error status means here, where ERRORS says it otherwise.
    """
    successes = [ok_status, *(also_ok or {})]
    responses: dict[Any, Any] = {
        (ok_status, ok_media_type) if ok_media_type else ok_status: ok,
        **(also_ok or {}),
    }
    private = f"`{PRIVATE}`: never cached."
    declared = [
        # The view marks every answer it gives private; errors answered before the view (say,
        # NUL in the URL) carry no Cache-Control, which for an error means the same.
        openapi.CACHE_CONTROL.on(*successes, description=private),
        openapi.CACHE_CONTROL.on(*errors, required=False, description=private),
        openapi.RETRY_AFTER.on(429, required=False),
        openapi.WWW_AUTHENTICATE.on(401),
    ]
    if etag:
        declared += [
            openapi.ETAG.on(
                *successes, description="The working copy's ETag; send it as If-Match."
            ),
            openapi.ETAG.on(412, required=False, description="The working copy's current ETag."),
        ]
    for code in sorted(errors):
        meaning = (error_descriptions or {}).get(code) or ERRORS[code]
        responses[(code, PROBLEM)] = OpenApiResponse(ProblemSerializer, description=meaning)
    return extend_schema(
        operation_id=operation_id,
        tags=["editor"],
        description=description,
        request=request,
        responses=responses,
        # Later declarations of a header win for the codes they list.
        parameters=[*(parameters or []), *declared, *(headers or [])],
        examples=[EXAMPLES[example]] if example else [],
    )


WRITE_ERRORS = (400, 401, 403, 404, 409, 412, 413, 415, 428, 429)


class EditorView(StrictQueryParametersMixin, APIView):
    """Base of editor views: authenticated, permission-checked, private, strict."""

    authentication_classes = [EditorTokenAuthentication, SessionAuthentication]
    permission_classes = [EditorPermission]
    parser_classes = [StrictJSONParser]
    throttle_classes = [UserRateThrottle]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.check_query_parameters(request)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        """Writes run in one transaction with the rendering of their answer.

        A write and its audit record commit only once the response body exists, so no request
        can answer an error after its write was saved: if anything fails, nothing is written.
        """
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return super().dispatch(request, *args, **kwargs)
        with transaction.atomic():
            response = super().dispatch(request, *args, **kwargs)
            render = getattr(response, "render", None)
            if render is not None and not getattr(response, "is_rendered", True):
                render()
            if response.status_code >= 400:
                transaction.set_rollback(True)
        return response

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = PRIVATE
        response["Vary"] = "Accept, Authorization, Cookie"
        return response

    # --- helpers -------------------------------------------------------------------------

    def audit_context(self, request: Request) -> dict[str, Any]:
        return {"actor": request.user, "request_id": getattr(request, "request_id", "")}

    def get_treatment(self, treatment_id: uuid.UUID, *, children: bool = True) -> Treatment:
        """The working copy (404 if none); `children=False`: its row alone (see
        `treatment_get_for_edit`)."""
        try:
            return services.treatment_get_for_edit(
                treatment_id=treatment_id, include_deleted=True, children=children
            )
        except services.NotFoundError:
            raise NotFound(f"No treatment with id {treatment_id}.") from None

    def expected(self, request: Request, treatment: Treatment) -> int:
        """The version to compare-and-set against, if If-Match matches (RFC 9110 §13.1.1)."""
        return if_match_version(
            request.headers.get("If-Match"),
            treatment_id=treatment.pk,
            current_version=treatment.version,
        )

    def guarded(self, treatment: Treatment, call: Any) -> Any:
        """Run a service; a lost compare-and-set race becomes a 412 with the current ETag."""
        try:
            return call()
        except services.ConflictError as exc:
            current = exc.current_version or treatment.version
            raise PreconditionFailed(working_copy_etag(treatment.pk, current), exc.detail) from None

    def content_from(self, data: Any, *, base: dict[str, Any] | None = None) -> TreatmentContent:
        if not isinstance(data, dict):
            raise ValidationError({"non_field_errors": ["The body must be a JSON object."]})
        read_only = [key for key in READ_ONLY_FIELDS if key in data]
        if read_only:
            raise ValidationError(
                {key: ["This field is read-only; remove it from the body."] for key in read_only}
            )
        if base is not None:
            # A merge patch names content fields only: an unknown key (a typo such as
            # `"sumary": null`) would otherwise be a silent no-op, not the edit the author meant.
            unknown = sorted(key for key in data if key not in TreatmentContent.model_fields)
            if unknown:
                raise ValidationError(
                    {key or "(empty key)": ["Unknown field of the content."] for key in unknown}
                )
            return services.content_validate(merge_patch(base, data))
        return services.content_validate(data)

    def working_copy(self, treatment: Treatment) -> dict[str, Any]:
        return working_copy_data(treatment)

    def respond(self, treatment: Treatment, *, status: int = 200, data: Any = None) -> Response:
        fresh = self.get_treatment(treatment.pk)
        body = data if data is not None else self.working_copy(fresh)
        response = Response(body, status=status)
        response["ETag"] = working_copy_etag(fresh.pk, fresh.version)
        return response


def merge_patch(target: Any, patch: Any) -> Any:
    """Apply an RFC 7396 JSON Merge Patch (objects merge, null removes, the rest replaces)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _links(treatment: Treatment) -> dict[str, Any]:
    base = f"/api/v1/editor/treatments/{treatment.pk}/"
    live = selectors.working_copy_live_revision(treatment)
    return {
        "self": base,
        "preview": f"{base}preview/",
        "audit": f"{base}audit/",
        "public": treatment_path(treatment.slug) if live else None,
    }


def working_copy_data(treatment: Treatment) -> dict[str, Any]:
    """The editor representation of a working copy."""
    return WorkingCopy(
        id=treatment.pk,
        version=treatment.version,
        state=selectors.working_copy_state(treatment),  # type: ignore[arg-type]
        live_revision=selectors.working_copy_live_revision(treatment),
        has_unpublished_changes=selectors.working_copy_has_unpublished_changes(treatment),
        created_at=treatment.created_at,
        updated_at=treatment.updated_at,
        deleted_at=treatment.deleted_at,
        content=TreatmentContent.model_validate(build_content(treatment)),
        links=_links(treatment),  # type: ignore[arg-type]
    ).model_dump(mode="json")


class EditorCursorPagination(StrictCursorPagination):
    """Working copies by title."""

    orderings = {"title": ("title", "id"), "-title": ("-title", "-id")}


class TreatmentCollectionView(EditorView):
    """All working copies (drafts and unpublished included); create a new one."""

    pagination_class = EditorCursorPagination

    def query_parameter_names(self) -> set[str]:
        if self.request.method == "GET":
            return {"state"} | EditorCursorPagination().query_parameters()
        return set()

    @editor_operation(
        operation_id="editor_treatments_list",
        example="list",
        description="Every working copy, drafts and unpublished ones included, by title. "
        "Deleted ones only with `state=deleted`.",
        ok=WorkingCopyPage,
        errors=(400, 401, 403, 429),
        parameters=[
            OpenApiParameter("state", str, enum=list(selectors.WORKING_COPY_STATES)),
            OpenApiParameter("ordering", str, enum=["title", "-title"], default="title"),
            OpenApiParameter("page_size", {"type": "integer", "minimum": 1, "maximum": 100}),
            OpenApiParameter("cursor", CURSOR_SCHEMA, description=CURSOR_DESCRIPTION),
        ],
    )
    def get(self, request: Request) -> Response:
        state = request.query_params.get("state")
        if state is not None and state not in selectors.WORKING_COPY_STATES:
            raise ValidationError(
                {"state": [f"Choose one of: {', '.join(selectors.WORKING_COPY_STATES)}."]}
            )
        paginator = EditorCursorPagination()
        page = (
            paginator.paginate_queryset(
                selectors.working_copy_list(state=state), request, view=self
            )
            or []
        )
        results = [
            {
                "id": str(t.pk),
                "slug": t.slug,
                "title": t.title,
                "version": t.version,
                "state": selectors.working_copy_state(t),
                "live_revision": selectors.working_copy_live_revision(t),
                "has_unpublished_changes": selectors.working_copy_has_unpublished_changes(t),
                "updated_at": t.updated_at.isoformat().replace("+00:00", "Z"),
                "links": _links(t),
            }
            for t in page
        ]
        return paginator.get_paginated_response(results)

    @editor_operation(
        operation_id="editor_treatments_create",
        example="working_copy",
        description="Create a draft from a whole content document. Nothing is public until "
        "published. No If-Match: there is nothing to compare with yet.",
        request=TreatmentContent,
        ok=WorkingCopy,
        ok_status=201,
        errors=(400, 401, 403, 413, 415, 429),
        etag=True,
        headers=[openapi.LOCATION.on(201, description="The new working copy's URL.")],
    )
    def post(self, request: Request) -> Response:
        content = self.content_from(request.data)
        treatment = services.treatment_create(content=content, **self.audit_context(request))
        response = self.respond(treatment, status=201)
        response["Location"] = f"/api/v1/editor/treatments/{treatment.pk}/"
        return response


class TreatmentItemView(EditorView):
    """One working copy: read it, replace it, patch it, delete it (softly)."""

    parser_classes = [StrictJSONParser, MergePatchJSONParser]

    @editor_operation(
        operation_id="editor_treatments_retrieve",
        example="working_copy",
        description="The working copy with its ETag (send it back as If-Match to write).",
        ok=WorkingCopy,
        parameters=[ID],
        etag=True,
    )
    def get(self, request: Request, treatment_id: uuid.UUID) -> Response:
        return self.respond(self.get_treatment(treatment_id))

    @editor_operation(
        operation_id="editor_treatments_replace",
        example="working_copy",
        description="Replace the whole content (steps, risks, rules, timeline, safety … in one "
        "request, applied atomically). Unknown and read-only fields are rejected.",
        request=TreatmentContent,
        ok=WorkingCopy,
        errors=WRITE_ERRORS,
        parameters=[ID, IF_MATCH, WRITE_OUTCOME],
        etag=True,
    )
    def put(self, request: Request, treatment_id: uuid.UUID) -> Response:
        return self.replace(request, treatment_id, merge=False)

    @editor_operation(
        operation_id="editor_treatments_partial_update",
        example="working_copy",
        description="Change part of the content with a JSON Merge Patch (RFC 7396): objects "
        "merge, `null` removes a key, arrays are replaced whole. The result is validated whole.",
        request=TreatmentContentPatch,
        ok=WorkingCopy,
        errors=WRITE_ERRORS,
        parameters=[ID, IF_MATCH, WRITE_OUTCOME],
        etag=True,
    )
    def patch(self, request: Request, treatment_id: uuid.UUID) -> Response:
        return self.replace(request, treatment_id, merge=True)

    def replace(self, request: Request, treatment_id: uuid.UUID, *, merge: bool) -> Response:
        """Replace the content (a whole document, or a merge patch onto the current one)."""
        body_required(request)
        # A whole replacement needs only the row (its version for If-Match): its children are
        # read once, for the answer, and a refused body costs one query, not one per part.
        treatment = self.get_treatment(treatment_id, children=merge)
        version = self.expected(request, treatment)
        base = build_content(treatment) if merge else None
        content = self.content_from(request.data, base=base)
        saved = self.guarded(
            treatment,
            lambda: services.treatment_replace(
                treatment_id=treatment.pk,
                content=content,
                expected_version=version,
                **self.audit_context(request),
            ),
        )
        response = self.respond(treatment)
        # The service writes nothing for identical content (the version stays); say which.
        response[WRITE_OUTCOME.name] = "updated" if saved.version != version else "unchanged"
        return response

    @editor_operation(
        operation_id="editor_treatments_destroy",
        example="working_copy",
        description="Soft delete (publishers): withdraws it from public reads and keeps the "
        "working copy and all revisions. Undo with `restore`.",
        ok=WorkingCopy,
        errors=(400, 401, 403, 404, 409, 412, 428, 429),
        parameters=[ID, IF_MATCH],
        etag=True,
    )
    def delete(self, request: Request, treatment_id: uuid.UUID) -> Response:
        treatment = self.get_treatment(treatment_id)
        version = self.expected(request, treatment)
        if treatment.deleted_at:
            raise services.StateError("This treatment is already deleted.")
        self.guarded(
            treatment,
            lambda: services.treatment_delete(
                treatment_id=treatment.pk, expected_version=version, **self.audit_context(request)
            ),
        )
        return self.respond(treatment)


class ActionView(EditorView):
    """A POST action on a working copy: precondition, body, service, answer.

    Subclasses name the permission, the body model and `perform` (the service call); actions
    that publish answer with a PublishOutcome, the others with the working copy.
    """

    body_model: type[Action] = Action
    answers_with_outcome = False

    def post(self, request: Request, treatment_id: uuid.UUID) -> Response:
        treatment = self.get_treatment(treatment_id)
        version = self.expected(request, treatment)
        body = self.action_body(request)
        context = {
            "treatment_id": treatment.pk,
            "expected_version": version,
            **self.audit_context(request),
        }
        result = self.guarded(treatment, lambda: self.perform(body, context))
        if self.answers_with_outcome:
            return self.publish_outcome(treatment, result)
        return self.respond(treatment)

    def perform(self, body: Any, context: dict[str, Any]) -> Any:
        raise NotImplementedError("Name the service this action calls.")

    def action_body(self, request: Request) -> Action:
        data = request.data
        if data is None:
            raise ValidationError({"non_field_errors": ["The body must be a JSON object."]})
        try:
            return self.body_model.model_validate(data)
        except PydanticValidationError as exc:
            errors = {
                "/".join(str(p) for p in e["loc"]) or "non_field_errors": [e["msg"]]
                for e in exc.errors(include_url=False)
            }
            raise ValidationError(errors) from None

    def publish_outcome(self, treatment: Treatment, result: Any) -> Response:
        fresh = self.get_treatment(treatment.pk)
        body = PublishOutcome(
            created=result.created,
            revision=result.revision.number,
            detail=result.detail,
            working_copy=WorkingCopy.model_validate(working_copy_data(fresh)),
        ).model_dump(mode="json")
        return self.respond(fresh, data=body)


ACTION_ERRORS = (400, 401, 403, 404, 409, 412, 415, 428, 429)


def action_operation(
    operation_id: str,
    description: str,
    *,
    request: Any = Action,
    ok: Any = WorkingCopy,
    example: str = "working_copy",
) -> Any:
    """The schema of an action view's POST."""
    return extend_schema_view(
        post=editor_operation(
            operation_id=operation_id,
            example=example,
            description=description,
            request=request,
            ok=ok,
            errors=ACTION_ERRORS,
            parameters=[ID, IF_MATCH],
            etag=True,
        )
    )


@action_operation(
    "editor_treatments_publish",
    "Freeze the working copy into a new immutable revision and make it live. Needs a reviewer "
    "and a last-reviewed date (409 otherwise). Identical content to the live revision creates "
    "no revision (`created: false`).",
    ok=PublishOutcome,
    example="publish",
)
class PublishView(ActionView):
    editor_action = EditorAction.PUBLISH
    answers_with_outcome = True

    def perform(self, body: Action, context: dict[str, Any]) -> Any:
        return services.treatment_publish(change_note=body.change_note, **context)


@action_operation(
    "editor_treatments_unpublish", "Withdraw the treatment from public reads; history is kept."
)
class UnpublishView(ActionView):
    editor_action = EditorAction.UNPUBLISH

    def perform(self, body: Action, context: dict[str, Any]) -> Any:
        return services.treatment_unpublish(message=body.change_note, **context)


@action_operation(
    "editor_treatments_revert",
    "Publish revision N's content again as a new revision; the working copy is reset to it. "
    "History is never rewritten.",
    request=RevertRequest,
    ok=PublishOutcome,
    example="publish",
)
class RevertView(ActionView):
    editor_action = EditorAction.REVERT
    body_model = RevertRequest
    answers_with_outcome = True

    def perform(self, body: RevertRequest, context: dict[str, Any]) -> Any:  # type: ignore[override]
        return services.treatment_revert(
            revision_number=body.revision, change_note=body.change_note, **context
        )


@action_operation(
    "editor_treatments_restore",
    "Undo a soft delete. The treatment comes back unpublished (or as a draft if it never was "
    "published); publish it to make it live again.",
)
class RestoreView(ActionView):
    editor_action = EditorAction.RESTORE

    def perform(self, body: Action, context: dict[str, Any]) -> Any:
        return services.treatment_restore(message=body.change_note, **context)


class PreviewView(EditorView):
    """The draft exactly as it would be published now; private and never cached."""

    @editor_operation(
        operation_id="editor_treatments_preview",
        example="preview",
        description="The current draft rendered as the document publishing would freeze now "
        "(next revision number, this moment as published_at). Never publicly cacheable.",
        ok=TreatmentDocument,
        parameters=[ID],
    )
    def get(self, request: Request, treatment_id: uuid.UUID) -> Response:
        treatment = self.get_treatment(treatment_id)
        latest = treatment.revisions.order_by("-number").values_list("number", flat=True).first()
        content = build_content(treatment)
        number = (latest or 0) + 1
        document = build_document(
            treatment_id=treatment.pk,
            content=content,
            revision=number,
            published_at=timezone.now(),
        )
        return Response({**document, "links": document_links(content["slug"], number)})


class AuditView(EditorView):
    """The audit trail of a treatment, newest first."""

    @editor_operation(
        operation_id="editor_treatments_audit",
        example="audit",
        description="Every editorial action on the treatment: who, when, versions, hashes.",
        ok=AuditTrail,
        parameters=[ID],
    )
    def get(self, request: Request, treatment_id: uuid.UUID) -> Response:
        treatment = self.get_treatment(treatment_id)
        entries = AuditEntry.objects.filter(treatment=treatment).order_by("-created_at", "-id")
        results = [
            {
                "action": e.action,
                "actor": e.actor_label,
                "at": e.created_at.isoformat().replace("+00:00", "Z"),
                "version_before": e.version_before,
                "version_after": e.version_after,
                "revision": e.revision_number,
                "hash_before": e.hash_before,
                "hash_after": e.hash_after,
                "message": e.message,
                "request_id": e.request_id,
            }
            for e in entries[:1000]
        ]
        return Response({"results": results})


class ExportView(EditorView):
    """One working copy's content in the content-file format (JSON), with its id."""

    @editor_operation(
        operation_id="editor_treatments_export",
        example="content",
        description="The content in the same format as the shipped content files, plus the "
        "treatment's `id`; importing it again (here or into another database) round-trips "
        "losslessly and keeps the treatment's identity.",
        ok=ExportedContent,
        parameters=[ID],
    )
    def get(self, request: Request, treatment_id: uuid.UUID) -> Response:
        treatment = self.get_treatment(treatment_id)
        return Response({"id": str(treatment.pk), **build_content(treatment)})


def _import_id(data: Any) -> tuple[Any, uuid.UUID | None]:
    """The body without `id`, and the id an export gave (None when the body has none)."""
    if not isinstance(data, dict) or "id" not in data:
        return data, None
    raw = data["id"]
    try:
        treatment_id = uuid.UUID(raw) if isinstance(raw, str) else None
    except ValueError:
        treatment_id = None
    if treatment_id is None:
        raise ValidationError(
            {"id": ["Give the treatment's UUID as export gives it, or leave `id` out."]}
        )
    return {key: value for key, value in data.items() if key != "id"}, treatment_id


class ImportView(EditorView):
    """Create or update a treatment from a content document, matched by id or slug."""

    editor_action = EditorAction.EDIT

    def query_parameter_names(self) -> set[str]:
        return {"dry_run"}

    @editor_operation(
        operation_id="editor_import",
        example="import",
        description="Import one content document (the content-file format, as export gives it), "
        "matched by `id` when the body has one, else by slug: creates it (with that id), "
        "updates it (If-Match of the existing working copy required) or reports it unchanged. "
        "A slug that belongs to a different treatment than `id` is a 409 and writes nothing. "
        "Only the working copy is imported: a new treatment is a draft, an existing one keeps "
        "its revisions and publication state (publish to make the import live); the history "
        "of the database it came from is not imported. `dry_run=true` reports what would happen "
        "and writes nothing.",
        request=ImportedContent,
        ok=ImportOutcome,
        also_ok={201: ImportOutcome},
        errors=(400, 401, 403, 409, 412, 413, 415, 428, 429),
        etag=True,
        headers=[
            # A dry run or an unchanged document answers without one.
            openapi.ETAG.on(200, required=False, description="The working copy's ETag, if written.")
        ],
        parameters=[
            OpenApiParameter("dry_run", bool, default=False),
            OpenApiParameter(
                "If-Match",
                str,
                OpenApiParameter.HEADER,
                description="Required when the slug exists: its working copy's ETag.",
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        raw = request.query_params.get("dry_run", "false")
        if raw not in ("true", "false"):
            raise ValidationError({"dry_run": ["Use true or false."]})
        dry_run = raw == "true"
        data, treatment_id = _import_id(request.data)
        content = self.content_from(data)
        # By id when the body has one (a 409 when its slug is another treatment's), else by slug.
        existing = import_target(content=content, treatment_id=treatment_id)
        action = import_plan(content=content, target=existing)
        if existing is not None and action == "updated" and not dry_run:
            self.expected(request, existing)
        elif action == "created" and not dry_run and request.headers.get("If-Match", "").strip():
            # RFC 9110 §13.1.1: with no current representation even `*` is false. A client
            # that sends If-Match expects to update, so creating a second treatment is wrong.
            if_match_tags(request.headers.get("If-Match"))  # malformed is still a 400
            raise PreconditionFailed(
                None,
                f"No treatment has the slug {content.slug!r}, but If-Match expects one to "
                "exist. Remove If-Match to create it, or fix the slug to update the existing one.",
            )
        if action == "created" and not can(request.user, EditorAction.CREATE):
            self.permission_denied(request, message="Creating treatments needs the add right.")
        if dry_run or action == "unchanged":
            body = {
                "slug": content.slug,
                "action": action,
                "dry_run": dry_run,
                "working_copy": working_copy_data(existing) if existing else None,
            }
            return Response(body)
        if action == "created":
            treatment = services.treatment_create(
                content=content, treatment_id=treatment_id, **self.audit_context(request)
            )
        else:
            assert existing is not None
            version = self.expected(request, existing)
            treatment = self.guarded(
                existing,
                lambda: services.treatment_replace(
                    treatment_id=existing.pk,
                    content=content,
                    expected_version=version,
                    **self.audit_context(request),
                ),
            )
        fresh = self.get_treatment(treatment.pk)
        body = {
            "slug": content.slug,
            "action": action,
            "dry_run": False,
            "working_copy": working_copy_data(fresh),
        }
        return self.respond(fresh, status=201 if action == "created" else 200, data=body)
