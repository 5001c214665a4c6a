"""The editor API's preview links: create one (its URL is shown once), list them, revoke one.

`POST /api/v1/editor/treatments/{id}/preview-links/` (editors and publishers) answers 201 with
the link's URLs, which carry its token; the token is never stored nor shown again. `GET` lists
the links without tokens; `DELETE …/preview-links/{link_id}/` revokes one at once. Creating or
revoking a link does not change the working copy, so no If-Match is asked for.
"""

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from api import openapi
from api.v1.renditions.jsonld import base_url
from editorial.previews.models import PreviewLink
from editorial.previews.selectors import preview_link_list
from editorial.previews.services import MAX_NOTE_LENGTH, preview_link_create, preview_link_revoke
from treatments.documents.text import checked_text
from treatments.permissions import Action as EditorAction

from .views import ID, EditorView, editor_operation

LINK_ID = OpenApiParameter("link_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


class PreviewLinkRequest(BaseModel):
    """What a new preview link is for and until when (both optional)."""

    model_config = ConfigDict(extra="forbid")

    expires_at: AwareDatetime | None = Field(
        default=None,
        description="When the link stops opening (with a time zone). Default: in 7 days "
        "(`PREVIEW_LINK_DEFAULT_AGE`); at most 30 days away (`PREVIEW_LINK_MAX_AGE`).",
    )
    note: Annotated[str, Field(max_length=MAX_NOTE_LENGTH), AfterValidator(checked_text)] = Field(
        default="", description="Whom it is for, e.g. a name."
    )


class PreviewLinkInfo(BaseModel):
    """A preview link as listed: never its token."""

    id: uuid.UUID
    state: Literal["active", "expired", "revoked"]
    note: str
    created_by: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    revoked_by: str


class PreviewLinkPage(BaseModel):
    """A treatment's preview links, newest first."""

    results: list[PreviewLinkInfo]


class PreviewLinkCreated(PreviewLinkInfo):
    """A new preview link with its URLs: shown once; they carry the token, which is not kept."""

    url: str = Field(description="The page to send the reviewer: says it is a draft, shows it.")
    card_url: str = Field(description="The draft as the embeddable card renders it.")
    document_url: str = Field(description="The draft as the app's JSON document.")
    token: str = Field(description="The token the URLs carry (shown once).")


def link_info(link: PreviewLink) -> dict[str, Any]:
    return PreviewLinkInfo(
        id=link.id,
        state=link.state,  # type: ignore[arg-type]
        note=link.note,
        created_by=link.created_by_label,
        created_at=link.created_at,
        expires_at=link.expires_at,
        revoked_at=link.revoked_at,
        revoked_by=link.revoked_by_label,
    ).model_dump(mode="json")


def _body(request: Request) -> PreviewLinkRequest:
    data = request.data
    if not isinstance(data, dict):  # `null` too: send `{}` for the defaults
        raise ValidationError({"non_field_errors": ["The body must be a JSON object."]})
    try:
        return PreviewLinkRequest.model_validate(data)
    except PydanticValidationError as exc:
        raise ValidationError(
            {
                "/".join(str(p) for p in e["loc"]) or "non_field_errors": [e["msg"]]
                for e in exc.errors(include_url=False)
            }
        ) from None


EXAMPLE_ID = "0b7e8c4e-3f0a-4c1e-9a55-2d7f8a4c6b10"
EXAMPLE_LINK = {
    "id": EXAMPLE_ID,
    "state": "active",
    "note": "For the clinical lead",
    "created_by": "editor",
    "created_at": "2026-12-05T09:00:00Z",
    "expires_at": "2026-12-12T09:00:00Z",
    "revoked_at": None,
    "revoked_by": "",
}
TOKEN_EXAMPLE = "0b7e8c4e3f0a4c1e9a552d7f8a4c6b10.q3Jx…:1vXo…"
CREATED_EXAMPLE = OpenApiExample(
    "created",
    value={
        **EXAMPLE_LINK,
        "url": f"https://api.example.org/preview/{TOKEN_EXAMPLE}/",
        "card_url": f"https://api.example.org/preview/{TOKEN_EXAMPLE}/card/",
        "document_url": f"https://api.example.org/preview/{TOKEN_EXAMPLE}/document/",
        "token": TOKEN_EXAMPLE,
    },
    response_only=True,
    status_codes=["201"],
)
LIST_EXAMPLE = OpenApiExample("list", value={"results": [EXAMPLE_LINK]}, response_only=True)
REVOKED_EXAMPLE = OpenApiExample(
    "revoked",
    value={
        **EXAMPLE_LINK,
        "state": "revoked",
        "revoked_at": "2026-12-06T10:00:00Z",
        "revoked_by": "publisher",
    },
    response_only=True,
)


class PreviewLinkCollectionView(EditorView):
    """A treatment's preview links: list them, or create one."""

    @property
    def editor_action(self) -> EditorAction:
        return EditorAction.VIEW if self.request.method == "GET" else EditorAction.EDIT

    @editor_operation(
        operation_id="editor_treatments_preview_links_list",
        description="The treatment's preview links, newest first, with their state (active, "
        "expired, revoked). Tokens are never stored, so never listed.",
        ok=PreviewLinkPage,
        parameters=[ID],
    )
    @extend_schema(examples=[LIST_EXAMPLE])
    def get(self, request: Request, treatment_id: uuid.UUID) -> Response:
        treatment = self.get_treatment(treatment_id)
        links = preview_link_list(treatment_id=treatment.pk)[:500]
        return Response({"results": [link_info(link) for link in links]})

    @editor_operation(
        operation_id="editor_treatments_preview_links_create",
        description="Create a signed, expiring, revocable link that shows the working copy (as "
        "it is when opened) to someone without an account: as the app's JSON and as the "
        "embeddable card, never through the public API. The answer is the only time the URLs "
        "(which carry the token) are shown. Editors and publishers; 409 for a deleted treatment "
        "or when it has the most active links allowed (`PREVIEW_LINK_MAX_ACTIVE`).",
        request=PreviewLinkRequest,
        ok=PreviewLinkCreated,
        ok_status=201,
        errors=(400, 401, 403, 404, 409, 413, 415, 429),
        parameters=[ID],
        headers=[openapi.LOCATION.on(201, description="The new link's URL in this API.")],
    )
    @extend_schema(examples=[CREATED_EXAMPLE])
    def post(self, request: Request, treatment_id: uuid.UUID) -> Response:
        treatment = self.get_treatment(treatment_id)
        body = _body(request)
        created = preview_link_create(
            treatment_id=treatment.pk,
            actor=request.user,
            expires_at=body.expires_at,
            note=body.note,
            request_id=getattr(request, "request_id", ""),
        )
        token, base = created.token, base_url(request)
        data = {
            **link_info(created.link),
            "url": base + reverse("preview:page", args=[token]),
            "card_url": base + reverse("preview:card", args=[token]),
            "document_url": base + reverse("preview:document", args=[token]),
            "token": token,
        }
        response = Response(data, status=201)
        response["Location"] = (
            f"/api/v1/editor/treatments/{treatment.pk}/preview-links/{created.link.id}/"
        )
        return response


class PreviewLinkItemView(EditorView):
    """One preview link: revoke it."""

    editor_action = EditorAction.EDIT

    @editor_operation(
        operation_id="editor_treatments_preview_links_revoke",
        description="Revoke the link at once: it answers 410 from now on. Revoking a revoked "
        "link changes nothing.",
        ok=PreviewLinkInfo,
        errors=(400, 401, 403, 404, 429),
        parameters=[ID, LINK_ID],
    )
    @extend_schema(examples=[REVOKED_EXAMPLE])
    def delete(self, request: Request, treatment_id: uuid.UUID, link_id: uuid.UUID) -> Response:
        treatment = self.get_treatment(treatment_id)
        link = preview_link_revoke(
            treatment_id=treatment.pk,
            link_id=link_id,
            actor=request.user,
            request_id=getattr(request, "request_id", ""),
        )
        return Response(link_info(link))
