"""The draft behind a preview link, exactly as the app reads a live document (JSON).

`GET /preview/<token>/document/` (mounted by embed/preview.py with the preview pages): the
working copy frozen as publishing would freeze it now, serialised and linked as the public
detail view serves a live document. Nothing here is remembered: no ETag, no worker memory, and
every answer says `no-store`, `noindex` and `no-referrer`. A forged or unknown token is a 404
problem, an expired or revoked link (or a deleted treatment) a 410 problem.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from editorial.previews.selectors import OpenPreview, PreviewGoneError, preview_open
from treatments.documents.build import to_json
from treatments.errors import NotFoundError

from ..problems import problem_response
from .links import document_links, with_links

JSON = "application/json"
PREVIEW_HEADERS = {
    "Cache-Control": "no-store, private",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
}


def private_preview(response: HttpResponse) -> HttpResponse:
    """Mark an answer about a preview: never stored, never indexed, never sent as a referrer."""
    for name, value in PREVIEW_HEADERS.items():
        response[name] = value
    return response


def opened_or_problem(
    request: HttpRequest, token: str, answer: Callable[[OpenPreview], HttpResponse]
) -> HttpResponse:
    """`answer(preview)` for a link that opens, else the 404 or 410 problem; always private."""
    try:
        preview = preview_open(token=token)
    except NotFoundError as exc:
        response = problem_response(status=404, detail=exc.detail, code="preview-not-found")
    except PreviewGoneError as exc:
        response = problem_response(
            status=410, detail=exc.detail, code="preview-gone", title=exc.title
        )
    else:
        response = answer(preview)
    return private_preview(response)


def preview_body(preview: OpenPreview) -> str:
    """The draft's bytes, as the public detail view would serve it once published."""
    document = preview.document
    return with_links(to_json(document), document_links(document["slug"], document["revision"]))


@require_safe
def preview_document_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET /preview/<token>/document/: the draft as the mobile app's JSON."""

    def answer(preview: OpenPreview) -> HttpResponse:
        body = preview_body(preview)
        response = HttpResponse(b"" if request.method == "HEAD" else body, content_type=JSON)
        response["Content-Language"] = preview.document["language"]
        return response

    return opened_or_problem(request, token, answer)
