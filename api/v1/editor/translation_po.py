"""A translation as a gettext PO file for translators: GET it, PUT it back.

`treatments/<source id>/translations/<translation id>/po/`, media type
`text/x-gettext-translation`. The file's rules (which texts, what msgstr means, what is
refused) are `editorial.translations.exchange`'s; this view parses, checks the preconditions
and permissions as every editor write does (If-Match with the translation's working-copy
ETag: 428 missing, 412 stale), and answers. A refused file is a 400 problem whose `code`
says why (`po_outdated`, `po_fuzzy`, …) and whose `errors` point at the entries (msgctxt).
`GET ?source_revision=live` is an outdated translation's update file (against the source's
live revision); PUT takes either file and tells them apart by their `X-Source-Revision`.
"""

import uuid
from collections.abc import Mapping
from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ParseError, ValidationError
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from api import openapi
from api.preconditions import working_copy_etag
from api.v1.renditions.media import ViewWrittenRenderer
from editorial.translations.exchange import MAX_PO_BYTES, MEDIA_TYPE, export_po, import_po
from editorial.translations.models import Translation as TranslationRow
from treatments import selectors

from .translation_schemas import Translation
from .translations import translation_data
from .views import ID, IF_MATCH, WRITE_OUTCOME, EditorView, editor_operation

TRANSLATION_ID = OpenApiParameter("translation_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
SOURCE_REVISIONS = ("translated", "live")
SOURCE_REVISION = OpenApiParameter(
    "source_revision",
    str,
    enum=SOURCE_REVISIONS,
    default="translated",
    description="Which source revision the file is made for. `translated` (default): the one "
    "the translation translates. `live`: the source's live revision, for an outdated "
    "translation (the update file): `msgid`s are the live revision's texts; a text the source "
    "changed since is `#, fuzzy` with its previous text (`#| msgid`) and the translation's "
    "current text as `msgstr`; a text new in the source has an empty `msgstr`; a text removed "
    "is left out; the header `X-Previous-Source-Revision` names the revision translated. "
    "Putting it back (fuzzy flags cleared) also brings the translation up to the live "
    "revision. For a translation that is up to date, the same file as `translated`.",
)
PO_EXAMPLE = """msgid ""
msgstr ""
"Project-Id-Version: fixture-treatment revision 3\\n"
"Language: es\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"X-Source-Language: en\\n"
"X-Source-Treatment-Id: 451fd2ca-b287-5ddf-b44a-6e2ba2a29040\\n"
"X-Source-Treatment-Slug: fixture-treatment\\n"
"X-Source-Revision: 3\\n"
"X-Translation-Id: 0f8fad5b-d9cb-469f-a165-70867728950e\\n"
"X-Translation-Version: 7\\n"

msgctxt "/title"
msgid "Fixture treatment"
msgstr "Tratamiento de ejemplo"

msgctxt "/risks/items/0/name"
msgid "Fixture risk"
msgstr ""
"""
PO_UPDATE_EXAMPLE = """msgid ""
msgstr ""
"Project-Id-Version: fixture-treatment revision 4\\n"
"Language: es\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"X-Source-Language: en\\n"
"X-Source-Treatment-Id: 451fd2ca-b287-5ddf-b44a-6e2ba2a29040\\n"
"X-Source-Treatment-Slug: fixture-treatment\\n"
"X-Source-Revision: 4\\n"
"X-Translation-Id: 0f8fad5b-d9cb-469f-a165-70867728950e\\n"
"X-Translation-Version: 8\\n"
"X-Previous-Source-Revision: 3\\n"

#, fuzzy
#| msgid "Fixture treatment"
msgctxt "/title"
msgid "Fixture treatment, revised"
msgstr "Tratamiento de ejemplo"

msgctxt "/risks/items/1/name"
msgid "A fixture risk added in revision 4"
msgstr ""
"""
NOT_ACCEPTABLE = (
    "Accept names no media type this answer has: the file is "
    f"{MEDIA_TYPE}, the answer to PUT application/json (errors are always problem+json)."
)
STRUCTURE_CONFLICTS = (
    "`structure_not_mappable`: since the revision translated, the source inserted, removed or "
    "moved list items before others, so texts cannot be carried over by position; "
    "`translation_structure_differs`: the translation's working copy differs from both source "
    "revisions in more than its texts. Bring the translation up to date by hand (its change "
    "page, then `translates/`)."
)
GET_ERRORS = {
    400: "An unknown query parameter, or `source_revision` other than `translated` or `live`.",
    406: NOT_ACCEPTABLE,
    409: "`source_not_published`: there is no source revision to translate. With "
    f"`source_revision=live`: {STRUCTURE_CONFLICTS}",
}
PO_ERRORS = {
    406: NOT_ACCEPTABLE,
    400: "The file is refused, nothing is changed: `code` says why (`po_malformed`, "
    "`po_too_large`, `po_other_translation`, `po_other_language`, `po_outdated` (made for "
    "another source revision: export again), `po_unknown_pointer`, `po_msgid_mismatch`, "
    "`po_duplicate_entry`, `po_fuzzy`, `po_structure_differs`), `errors` point at the "
    "entries by their msgctxt; or a text breaks the content's rules (`validation-error`).",
    409: "The action does not apply in the translation's current state; for an update file "
    f"(made for the source's live revision): {STRUCTURE_CONFLICTS}",
    413: f"The file is larger than the limit ({MAX_PO_BYTES} bytes).",
    415: f"Send the file as {MEDIA_TYPE}.",
}


class PoParser(BaseParser):
    """A PO file body, as UTF-8 text."""

    media_type = MEDIA_TYPE

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:  # the file's text: DRF's stubs know only mappings
        raw = stream.read(MAX_PO_BYTES + 1) if stream is not None else b""
        if len(raw) > MAX_PO_BYTES:
            raise ParseError(f"The file is larger than {MAX_PO_BYTES} bytes.")
        try:
            return str(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise ParseError(f"The file is not UTF-8 ({exc.reason} at byte {exc.start}).") from None


class PoRenderer(ViewWrittenRenderer):
    """Lets content negotiation choose the PO media type; the view writes the file itself
    (errors DRF renders leave as JSON, as for every rendition)."""

    media_type = MEDIA_TYPE
    format = "po"
    charset = "utf-8"


class TranslationPoView(EditorView):
    """A translation as a PO file: the source revision's texts and the translation's."""

    parser_classes = [PoParser]

    def get_renderers(self) -> list[BaseRenderer]:
        if self.request is not None and self.request.method == "GET":
            return [PoRenderer()]
        return [JSONRenderer()]

    def query_parameter_names(self) -> set[str]:
        if self.request.method in ("GET", "HEAD"):
            return {SOURCE_REVISION.name}
        return set()

    def get_translation(self, treatment_id: uuid.UUID, translation_id: uuid.UUID) -> Any:
        row = (
            TranslationRow.objects.select_related("source", "treatment")
            .filter(source_id=treatment_id, treatment_id=translation_id)
            .first()
        )
        if row is None:
            raise NotFound(f"Treatment {treatment_id} has no translation with id {translation_id}.")
        return row

    @editor_operation(
        operation_id="editor_translations_po_retrieve",
        description="The translation as a gettext PO file for translators' tools: one entry "
        "per text of the source revision it translates, in document order; `msgctxt` is the "
        "text's JSON Pointer, `msgid` the source's text, `msgstr` the translation's (empty "
        "while it is still the source's). Headers name the language, the source treatment "
        "and revision, the translation and its working-copy version. The ETag is the "
        "translation's working-copy ETag: send it as If-Match to PUT the file back. An "
        "outdated translation's update file, against the source's live revision, is "
        "`source_revision=live`.",
        ok=OpenApiTypes.STR,
        ok_media_type=MEDIA_TYPE,
        errors=(400, 401, 403, 404, 406, 409, 429),
        error_descriptions=GET_ERRORS,
        etag=True,
        parameters=[ID, TRANSLATION_ID, SOURCE_REVISION],
        headers=[openapi.CONTENT_DISPOSITION.on(200)],
    )
    @extend_schema(
        examples=[
            OpenApiExample(
                "A PO file", response_only=True, value=PO_EXAMPLE, media_type=MEDIA_TYPE
            ),
            OpenApiExample(
                "An update file (source_revision=live)",
                response_only=True,
                value=PO_UPDATE_EXAMPLE,
                media_type=MEDIA_TYPE,
            ),
        ]
    )
    def get(
        self, request: Request, treatment_id: uuid.UUID, translation_id: uuid.UUID
    ) -> HttpResponse:
        which = request.query_params.get(SOURCE_REVISION.name, "translated")
        if which not in SOURCE_REVISIONS:
            raise ValidationError({SOURCE_REVISION.name: [f"Use {' or '.join(SOURCE_REVISIONS)}."]})
        row = self.get_translation(treatment_id, translation_id)
        body = export_po(row, update=which == "live")
        response = HttpResponse(body, content_type=f"{MEDIA_TYPE}; charset=utf-8")
        response["ETag"] = working_copy_etag(row.treatment.pk, row.treatment.version)
        name = f"{row.source.slug}.{row.language}.po"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    @editor_operation(
        operation_id="editor_translations_po_update",
        description="Import a PO file (as GET gave it, translated) into the translation's "
        "working copy: every non-empty `msgstr` replaces the text at its pointer, in one "
        "audited write (an empty `msgstr`, or an entry left out, leaves the text as it is). "
        "If-Match with the translation's ETag. The whole file is checked first and refused, "
        "nothing written, when it does not fit (400, `code` says why): a source revision "
        "other than the one the translation translates or the live one (export again), "
        "another translation or language, unknown pointers, changed msgids, fuzzy entries "
        "(confirm them first), malformed or over-size files. An update file "
        "(`X-Source-Revision` the source's live revision, from `GET ?source_revision=live`) "
        "makes the working copy the live revision's structure and values with the file's "
        "texts (an empty `msgstr` keeps the translation's text where the source's did not "
        "change, else takes the source's new text) and records that the translation "
        "translates the live revision, in the same audited write; it still needs its own "
        "review and publication. The answer is the translation, with its new ETag.",
        request={MEDIA_TYPE: OpenApiTypes.STR},
        ok=Translation,
        errors=(400, 401, 403, 404, 406, 409, 412, 413, 415, 428, 429),
        error_descriptions=PO_ERRORS,
        etag=True,
        parameters=[ID, TRANSLATION_ID, IF_MATCH, WRITE_OUTCOME],
    )
    @extend_schema(
        examples=[
            OpenApiExample("A PO file", request_only=True, value=PO_EXAMPLE, media_type=MEDIA_TYPE)
        ]
    )
    def put(self, request: Request, treatment_id: uuid.UUID, translation_id: uuid.UUID) -> Response:
        row = self.get_translation(treatment_id, translation_id)
        version = self.expected(request, row.treatment)
        po_text = request.data
        if not isinstance(po_text, str) or not po_text:
            raise ParseError(f"The request body is empty; send the PO file as {MEDIA_TYPE}.")
        saved = self.guarded(
            row.treatment,
            lambda: import_po(
                row, po_text, expected_version=version, **self.audit_context(request)
            ),
        )
        row.refresh_from_db()  # an update file changed the revision it translates
        row.treatment.refresh_from_db()
        live = selectors.working_copy_live_revision(row.source)
        response = Response(translation_data(row, source_live_revision=live))
        response["ETag"] = working_copy_etag(row.treatment.pk, row.treatment.version)
        response[WRITE_OUTCOME.name] = "updated" if saved.version != version else "unchanged"
        return response
