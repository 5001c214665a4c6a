"""The embeddable treatment card: server-rendered HTML of a live document, for partner iframes.

No external assets (the CSS and the optional auto-height script are inline and allowed by
their hashes in the Content-Security-Policy), no cookies, no JavaScript needed to read it. The
HTML is rendered once per document ETag, host, options and loaded catalogue in each worker; its
ETag is a hash of the bytes served. The card's own labels and its phrases around numbers are
gettext messages rendered with the document's language active: a catalogue in LOCALE_PATHS
supplies them, English shows otherwise, and labels and phrases left in English are marked
`lang="en"` inside a page in the document's language.
The card is rate-limited like the public API (per client address, the anonymous policy): past
the limit it is a small 429 page with Retry-After, and a 304 is free.
"""

import base64
import hashlib
import itertools
import weakref
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, trans_real
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe
from rest_framework.exceptions import NotFound

from api.conditional import is_not_modified, not_modified, stamp
from api.hot import AnonymousReader
from api.live.documents import Gone, LiveDocument, live_document, quiet_gone
from api.live.headers import live_cache_control
from api.live.rendered import Renderings
from api.problems import problem_response
from api.throttles import PublicRateThrottle, refund_free_answers
from api.v1.links import treatment_path
from api.v1.renditions.jsonld import base_url, card_path, rendered_jsonld
from treatments.renditions.card import SECTION_TITLES, treatment_card
from treatments.renditions.card_phrases import is_english

from .framing import FramingError, frame_ancestors
from .options import CardOptions, OptionsError, card_options

TEMPLATES = Path(__file__).resolve().parent / "templates" / "embed"
OEMBED_PATH = "/api/oembed/"
RENDERED = 1024  # per worker; a card is 5-15 kB
VARY = "Accept-Encoding"
HTML = "text/html; charset=utf-8"


def _asset(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8").strip()


def csp_hash(text: str) -> str:
    """The CSP source that allows exactly this inline style or script."""
    digest = hashlib.sha256(text.encode()).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


CSS = _asset("card.css")
SCRIPT = _asset("card.js")
STYLE_SOURCE, SCRIPT_SOURCE = csp_hash(CSS), csp_hash(SCRIPT)


def content_security_policy(ancestors: str) -> str:
    """Nothing loads from anywhere; only our inline style and script run; who may frame us."""
    return (
        f"default-src 'none'; style-src {STYLE_SOURCE}; script-src {SCRIPT_SOURCE}; "
        f"base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}"
    )


def oembed_url(base: str, card_url: str) -> str:
    return f"{base}{OEMBED_PATH}?url={quote(card_url, safe='')}&format=json"


def card_url(base: str, slug: str, options: CardOptions) -> str:
    query = options.query()
    return f"{base}{card_path(slug)}" + (f"?{query}" if query else "")


def _script_json(body: str) -> str:
    """JSON made safe inside <script>: no '<', '>' or '&' (as Django's json_script does)."""
    return body.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_cards = Renderings(maxsize=RENDERED)


def card_labels(language: str) -> tuple[str, ...]:
    """The card's section titles as the catalogue of `language` gives them (English without one)."""
    with translation.override(language):
        return tuple(str(title) for title in SECTION_TITLES.values())


# Each catalogue Django loads for a language gets a number; the catalogues are weakly held, so
# one Django drops (new LOCALE_PATHS, runserver reloading a changed .mo) leaves nothing here.
_catalogue_numbers: "weakref.WeakKeyDictionary[object, int]" = weakref.WeakKeyDictionary()
_next_number = itertools.count(1)


def card_catalogue(language: str) -> int:
    """Which catalogue of `language` is loaded: part of the card's memory key.

    A card rendered with another catalogue may have other labels or phrases, so it is another
    card; this follows every message of the card (labels, phrases, template) at the cost of a
    dictionary look-up. `trans_real.translation` is the object `translation.override` activates.
    """
    catalogue = trans_real.translation(language)
    number = _catalogue_numbers.get(catalogue)
    if number is None:
        number = _catalogue_numbers.setdefault(catalogue, next(_next_number))
    return number


def labels_translated(language: str) -> bool:
    """Whether a catalogue gives the card's labels in `language` (judged by its section titles)."""
    english = tuple(str(title) for title in SECTION_TITLES.values())
    return is_english(language) or card_labels(language) != english


def card_html(
    document: dict[str, Any], *, options: CardOptions, urls: dict[str, str], jsonld: str
) -> str:
    """The card's HTML for a document (live, or a draft shown by a preview link).

    `urls`: `card` (canonical), `data` (the JSON document) and `oembed` (empty: no oEmbed).
    The page's `lang` is the document's; labels in English in another language's card, and
    phrases the catalogue leaves in English (`*_untranslated` in the card), carry `lang="en"`.
    """
    language = document["language"]
    english_labels = not labels_translated(language)
    with translation.override(language):
        card = treatment_card(document)
        context = {
            "card": card,
            "sections": options.sections,
            "titles": {name: str(title) for name, title in SECTION_TITLES.items()},
            "theme": options.theme,
            "page_lang": language,
            "labels_lang": mark_safe(' lang="en"') if english_labels else "",
            "provider_name": settings.PROVIDER_NAME,
            "urls": urls,
            "css": mark_safe(CSS),  # our own file, hashed into the CSP
            "js": mark_safe(SCRIPT),  # our own file, hashed into the CSP
            "jsonld": mark_safe(_script_json(jsonld)),  # escaped for <script>
        }
        return render_to_string("embed/card.html", context)


def rendered_card(live: LiveDocument, *, base: str, options: CardOptions) -> tuple[str, str]:
    """The card's HTML and its strong ETag (memoised by document ETag, host, options, catalogue)."""

    def render() -> str:
        url = card_url(base, live.slug, options)
        jsonld, _ = rendered_jsonld(live, base=base)
        urls = {
            "card": url,
            "oembed": oembed_url(base, url),
            "data": base + treatment_path(live.slug),
        }
        return card_html(live.document, options=options, urls=urls, jsonld=jsonld)

    catalogue = card_catalogue(live.document["language"])
    return _cards.once(live.etag, (base, options, catalogue), render)


def _headers(response: HttpResponse, ancestors: str) -> HttpResponse:
    response["Content-Security-Policy"] = content_security_policy(ancestors)
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    response["Referrer-Policy"] = "strict-origin-when-cross-origin"
    return response


@cache
def _status_css() -> str:
    return CSS


def status_page(status: int, *, heading: str, message: str, options: CardOptions) -> HttpResponse:
    """A small HTML page for a card that cannot be shown (404, 410), frameable like the card."""
    body = render_to_string(
        "embed/status.html",
        {
            "heading": heading,
            "message": message,
            "theme": options.theme,
            "provider_name": settings.PROVIDER_NAME,
            "css": mark_safe(_status_css()),  # our own file, hashed into the CSP
        },
    )
    response = HttpResponse(body, status=status, content_type=HTML)
    response["Cache-Control"] = live_cache_control()
    response["Vary"] = VARY
    return response


def _rate_limited(request: HttpRequest) -> tuple[PublicRateThrottle, HttpResponse | None]:
    """The public rate limit, by client address (an iframe sends no API key): a 429 page or None.

    Checked before anything else, the key option included (naming a key costs a lookup).
    """
    throttle = PublicRateThrottle()
    if throttle.allow_request(AnonymousReader(request), None):
        return throttle, None
    wait = int(throttle.wait() or 1)
    page = status_page(
        429,
        heading=gettext("Too many requests"),
        message=gettext("Too many cards were asked for from this address; try again in %(wait)s s.")
        % {"wait": wait},
        options=CardOptions(),
    )
    page["Retry-After"] = str(wait)
    page["Cache-Control"] = "no-store"  # about this client, not the card: never shared
    return throttle, _headers(page, "*")


@xframe_options_exempt
@require_safe
def treatment_card_view(request: HttpRequest, key: str) -> HttpResponse:
    """GET /embed/v1/treatments/{key}/: the card, a 410 page if withdrawn, a 404 page if unknown."""
    throttle, refused = _rate_limited(request)
    if refused is not None:
        return refused
    response = _card_response(request, key)
    refund_free_answers([throttle], response)
    return response


def _card_response(request: HttpRequest, key: str) -> HttpResponse:
    try:
        options = card_options(request.GET)
        ancestors = frame_ancestors(options.key)
    except (OptionsError, FramingError) as exc:
        return options_problem(request, exc)
    try:
        live = live_document(key)
    except Gone as exc:
        page = status_page(
            410,
            heading=gettext("This treatment information was withdrawn"),
            message=f"{exc.detail} " + gettext("It is no longer published here."),
            options=options,
        )
        quiet_gone(page, request.path)
        return _headers(page, ancestors)
    except NotFound:
        page = status_page(
            404,
            heading=gettext("Treatment not found"),
            message=gettext("No published treatment is known as '%(key)s'.") % {"key": key},
            options=options,
        )
        return _headers(page, ancestors)
    body, etag = rendered_card(live, base=base_url(request), options=options)
    cache_control = live_cache_control()
    if is_not_modified(request, etag=etag, last_modified=live.published_at):
        response = not_modified(
            etag=etag, last_modified=live.published_at, cache_control=cache_control
        )
    else:
        response = HttpResponse(b"" if request.method == "HEAD" else body, content_type=HTML)
        stamp(response, etag=etag, last_modified=live.published_at, cache_control=cache_control)
        if request.method == "HEAD":
            response["Content-Length"] = str(len(body.encode()))
    response["Vary"] = VARY
    if not live.canonical:
        response["Link"] = f'<{card_path(live.slug)}>; rel="canonical"'
    return _headers(response, ancestors)


def options_problem(request: HttpRequest, exc: Any) -> HttpResponse:
    """The 400 problem for a bad card query (OptionsError) or framing key (FramingError)."""
    errors = [
        {"field": name, "pointer": f"/{name}", "message": message}
        for name, message in exc.errors.items()
    ]
    first = errors[0]
    response = problem_response(
        status=exc.status,
        code="validation-error" if exc.status == 400 else None,
        detail=f"{len(errors)} problem(s) in the request; first at {first['field']}: "
        f"{first['message']}",
        instance=request.path,
        errors=errors,
    )
    response["Cache-Control"] = "no-store"
    return response
