"""Translations in the editor API: list a treatment's translations, create one.

A translation is an ordinary working copy (its own id, ETag, review, publication, revisions
and audit, at `/api/v1/editor/treatments/<its id>/`); these views only create it tied to its
source and say where each stands. The views parse, call `editorial.translations` and shape
the answer. Errors: 400 for a malformed tag, the source's own language or invalid content;
409 `duplicate_language`, `translation_of_translation`. `translates/` on a translation's own
id records that its working copy now translates the source's live revision (an edit: If-Match,
audited, reviewed and published like any).
"""

import uuid
from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from pydantic import ValidationError as PydanticValidationError
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from api import openapi
from api.preconditions import working_copy_etag
from editorial.translations import services as translation_services
from editorial.translations.models import Translation as TranslationRow
from editorial.translations.selectors import translation_list
from treatments import selectors, services
from treatments.languages import canonical_tag
from treatments.permissions import Action as EditorAction

from .translation_schemas import NewTranslation, Translation, TranslationList, UpToDate
from .views import ID, IF_MATCH, EditorView, editor_operation

PREFIX = "/api/v1/editor/treatments"
_ID = "451fd2ca-b287-5ddf-b44a-6e2ba2a29040"
_TRANSLATION_ID = "0f8fad5b-d9cb-469f-a165-70867728950e"
_EXAMPLE = {
    "id": _TRANSLATION_ID,
    "language": "es",
    "source_id": _ID,
    "source_revision": 3,
    "published_source_revision": 3,
    "outdated": True,
    "outdated_since": "2026-12-05T09:00:00Z",
    "source_live_revision": 4,
    "version": 2,
    "state": "live",
    "live_revision": 1,
    "created_at": "2026-12-04T09:00:00Z",
    "links": {
        "working_copy": f"{PREFIX}/{_TRANSLATION_ID}/",
        "review": f"{PREFIX}/{_TRANSLATION_ID}/review/",
        "source": f"{PREFIX}/{_ID}/",
    },
}


def _when(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def translation_data(row: TranslationRow, *, source_live_revision: int | None) -> dict[str, Any]:
    """The Translation body of one translation."""
    treatment = row.treatment
    base = f"{PREFIX}/{treatment.pk}/"
    return {
        "id": str(treatment.pk),
        "language": row.language,
        "source_id": str(row.source_id),
        "source_revision": row.source_revision,
        "published_source_revision": row.published_source_revision,
        "outdated": row.outdated,
        "outdated_since": _when(row.outdated_since),
        "source_live_revision": source_live_revision,
        "version": treatment.version,
        "state": selectors.working_copy_state(treatment),
        "live_revision": selectors.working_copy_live_revision(treatment),
        "created_at": _when(row.created_at),
        "links": {
            "working_copy": base,
            "review": f"{base}review/",
            "source": f"{PREFIX}/{row.source_id}/",
        },
    }


class TranslationCollectionView(EditorView):
    """A treatment's translations: list them, create one."""

    @editor_operation(
        operation_id="editor_translations_list",
        description="Every translation of the treatment, by language, with the source revision "
        "each translates and whether the source has published a different one since "
        "(`outdated`).",
        ok=TranslationList,
        parameters=[ID],
    )
    @extend_schema(
        examples=[OpenApiExample("Translations", response_only=True, value={"results": [_EXAMPLE]})]
    )
    def get(self, request: Request, treatment_id: uuid.UUID) -> Response:
        source = self.get_treatment(treatment_id)
        live = selectors.working_copy_live_revision(source)
        rows = translation_list(source_id=source.pk)
        return Response(
            {"results": [translation_data(row, source_live_revision=live) for row in rows]}
        )

    @editor_operation(
        operation_id="editor_translations_create",
        description="Create the working copy of a translation into `language` from whole "
        "content. It records the source revision it translates (the live one), and is "
        "reviewed, approved and published on its own, at `links.working_copy`. No If-Match: "
        "there is nothing to compare with yet. 409 `duplicate_language` when the language has "
        "a translation already.",
        request=NewTranslation,
        ok=Translation,
        ok_status=201,
        errors=(400, 401, 403, 404, 409, 413, 415, 429),
        etag=True,
        parameters=[ID],
        headers=[openapi.LOCATION.on(201, description="The translation's working copy URL.")],
    )
    @extend_schema(examples=[OpenApiExample("A translation", response_only=True, value=_EXAMPLE)])
    def post(self, request: Request, treatment_id: uuid.UUID) -> Response:
        # The source's row alone: the service reads its parts, once the body is valid.
        source = self.get_treatment(treatment_id, children=False)
        data = request.data
        if not isinstance(data, dict):
            raise ValidationError({"non_field_errors": ["The body must be a JSON object."]})
        unknown = sorted(key for key in data if key not in NewTranslation.model_fields)
        missing = [key for key in NewTranslation.model_fields if key not in data]
        if unknown or missing:
            raise ValidationError(
                {key: ["Unknown field; send `language` and `content`."] for key in unknown}
                | {key: ["This field is required."] for key in missing}
            )
        content_data = data["content"]
        if isinstance(content_data, dict) and "language" not in content_data:
            # The translation's language is the content's: the default ("en") would be wrong.
            language = data["language"]
            tag = canonical_tag(language) if isinstance(language, str) else None
            content_data = {**content_data, "language": tag or language}
        try:
            content = self.content_from(content_data)
        except ValidationError as exc:
            raise ValidationError({"content": exc.detail}) from None
        except services.ContentInvalidError as exc:
            raise services.ContentInvalidError(
                [
                    {**e, "field": f"content.{e['field']}", "pointer": f"/content{e['pointer']}"}
                    for e in exc.errors
                ]
            ) from None
        row = translation_services.translation_create(
            source_id=source.pk,
            language=data["language"],
            content=content,
            **self.audit_context(request),
        )
        body = translation_data(
            row, source_live_revision=selectors.working_copy_live_revision(source)
        )
        response = Response(body, status=201)
        response["ETag"] = working_copy_etag(row.treatment.pk, row.treatment.version)
        response["Location"] = f"{PREFIX}/{row.treatment.pk}/"
        return response


class TranslationUpToDateView(EditorView):
    """Record that a translation's working copy translates the source's live revision."""

    editor_action = EditorAction.EDIT

    @editor_operation(
        operation_id="editor_translations_up_to_date",
        description="After updating a translation's text to the source's new revision, record "
        "that it translates that revision (send the source's live revision). An edit like any "
        "other: If-Match with the translation's ETag, audited, and it needs a clinical "
        "approval; readers see it, and `outdated` clears, when the translation is published.",
        request=UpToDate,
        ok=Translation,
        errors=(400, 401, 403, 404, 409, 412, 415, 428, 429),
        etag=True,
        parameters=[ID, IF_MATCH],
    )
    def post(self, request: Request, treatment_id: uuid.UUID) -> Response:
        translation = self.get_treatment(treatment_id)
        version = self.expected(request, translation)
        data = request.data
        if not isinstance(data, dict):
            raise ValidationError({"non_field_errors": ["The body must be a JSON object."]})
        try:
            body = UpToDate.model_validate(data)
        except PydanticValidationError as exc:
            raise ValidationError(
                {
                    "/".join(str(p) for p in e["loc"]) or "non_field_errors": [e["msg"]]
                    for e in exc.errors(include_url=False)
                }
            ) from None
        row = self.guarded(
            translation,
            lambda: translation_services.translation_bring_up_to_date(
                translation_id=translation.pk,
                source_revision=body.source_revision,
                expected_version=version,
                **self.audit_context(request),
            ),
        )
        row.treatment.refresh_from_db()
        live = selectors.working_copy_live_revision(row.source)
        response = Response(translation_data(row, source_live_revision=live))
        response["ETag"] = working_copy_etag(row.treatment.pk, row.treatment.version)
        return response
