"""Preview links' pages: a draft shown to a reviewer without an account (not a public route).

Mounted at `/preview/<token>/` by config/urls.py:

- `/preview/<token>/`: a page that says it is an unpublished draft and frames the card;
- `/preview/<token>/card/`: the draft as the embeddable card renders it (`embed.views.card_html`,
  the live card's own renderer, with the preview's URLs and no oEmbed);
- `/preview/<token>/document/`: the draft as the app's JSON (`api.v1.preview_links`).

Each answer is rendered from the working copy on every request and never remembered; each says
`Cache-Control: no-store, private`, `X-Robots-Tag: noindex, nofollow` and
`Referrer-Policy: no-referrer` (`api.v1.preview_links.private_preview`).
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_safe

from api.v1.preview_links import (
    OpenPreview,
    opened_or_problem,
    preview_document_view,
    private_preview,
)
from api.v1.renditions.jsonld import base_url, jsonld_for
from treatments.documents.build import to_json

from .options import OptionsError, card_options
from .views import HTML, TEMPLATES, card_html, content_security_policy, csp_hash, options_problem

PAGE_CSS = (TEMPLATES / "preview.css").read_text(encoding="utf-8").strip()
PAGE_POLICY = (
    f"default-src 'none'; style-src {csp_hash(PAGE_CSS)}; frame-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

app_name = "preview"


def _urls(request: HttpRequest, token: str) -> dict[str, str]:
    base = base_url(request)
    return {
        "page": base + reverse("preview:page", args=[token]),
        "card": base + reverse("preview:card", args=[token]),
        "data": base + reverse("preview:document", args=[token]),
    }


@require_safe
def preview_page_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET /preview/<token>/: what this is (an unpublished draft) and the card, framed."""
    if request.GET:
        return private_preview(options_problem(request, OptionsError(_no_query(request))))

    def answer(preview: OpenPreview) -> HttpResponse:
        urls = _urls(request, token)
        expires = timezone.localtime(preview.link.expires_at)
        body = render_to_string(
            "embed/preview.html",
            {
                "title": preview.document["title"],
                "version": preview.treatment.version,
                "expires_at_iso": preview.link.expires_at.isoformat(),
                "expires_at_text": expires.strftime("%d %B %Y at %H:%M %Z"),
                "card_url": urls["card"],
                "document_url": urls["data"],
                "provider_name": settings.PROVIDER_NAME,
                "css": mark_safe(PAGE_CSS),  # our own file, hashed into the policy
            },
        )
        response = HttpResponse(b"" if request.method == "HEAD" else body, content_type=HTML)
        response["Content-Security-Policy"] = PAGE_POLICY
        return response

    return opened_or_problem(request, token, answer)


def _no_query(request: HttpRequest) -> dict[str, str]:
    return {name: "This page takes no query parameters." for name in sorted(request.GET)}


@xframe_options_sameorigin
@require_safe
def preview_card_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET /preview/<token>/card/: the draft exactly as the embeddable card renders it."""
    try:
        options = card_options(request.GET)
        if options.key:
            raise OptionsError({"key": "A preview is not framed by partners; remove key."})
    except OptionsError as exc:
        return private_preview(options_problem(request, exc))

    def answer(preview: OpenPreview) -> HttpResponse:
        base = base_url(request)
        urls = _urls(request, token)
        jsonld = to_json(jsonld_for(preview.document, base=base))
        body = card_html(
            preview.document,
            options=options,
            urls={"card": urls["card"], "data": urls["data"], "oembed": ""},
            jsonld=jsonld,
        )
        response = HttpResponse(b"" if request.method == "HEAD" else body, content_type=HTML)
        response["Content-Security-Policy"] = content_security_policy("'self'")
        response["Content-Language"] = preview.document["language"]
        return response

    return opened_or_problem(request, token, answer)


urlpatterns = [
    path("<str:token>/", preview_page_view, name="page"),
    path("<str:token>/card/", preview_card_view, name="card"),
    path("<str:token>/document/", preview_document_view, name="document"),
]
