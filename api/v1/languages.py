"""Language negotiation of the public document URL: `?lang=`, then `Accept-Language`, then the
source language (RFC 4647 lookup, so `es-MX` finds `es`).

A translation is its own published document; on its source's URL it is served when asked for,
with `translation` in the body saying which source revision it translates and whether the
source changed since (never silently). A language that is not published is no error: the
source is served with `language_fallback` saying so. A malformed `Accept-Language` counts as
none (never a 400); a malformed `?lang=` is a 400 like any bad parameter. Answers name their
language (`Content-Language`), vary on `Accept-Language` and link the other published
languages (`Link: <…?lang=es>; rel="alternate"; hreflang="es"`).

Every other surface of a treatment's URL (recovery plan and .ics, FHIR, JSON-LD, oEmbed) takes
its document from `negotiated_document`, which makes the same choice (`choose`).

The category list negotiates the same way (`category_languages`), among the languages its
names are published in: each category is named in the first language asked for that it has a
published name in, else in the catalogue's, and says which (`language` of each item).
"""

import json
from dataclasses import dataclass, field
from typing import Any

from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request

from api.live.documents import Gone, LiveDocument, live_document
from editorial.translations.selectors import (
    TRANSLATION_NOTE_FIELDS,
    LiveTranslation,
    translation_live_document,
    translation_live_languages,
    translation_note,
)
from treatments import selectors
from treatments.documents.build import etag_for, to_json
from treatments.documents.categories import catalogue_language
from treatments.languages import accept_language_ranges, canonical_tag, lookup, lookup_order

from .links import document_links, treatment_path, with_links

# A query's tag is taken in any case (BCP 47 tags are case-insensitive: `ES-mx` is `es-MX`).
QUERY_LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$"
LANG_PARAMETER = OpenApiParameter(
    "lang",
    {"type": "string", "minLength": 2, "maxLength": 35, "pattern": QUERY_LANGUAGE_PATTERN},
    description="The language to answer in (BCP 47, e.g. `es`); wins over `Accept-Language`. "
    "When it is not published the source language answers, with `language_fallback`.",
)
ACCEPT_LANGUAGE_PARAMETER = OpenApiParameter(
    "Accept-Language",
    str,
    OpenApiParameter.HEADER,
    description="Preferred languages with q-values (RFC 9110), e.g. `es-MX,es;q=0.9`. "
    "Looked up as RFC 4647 says; a malformed header is ignored.",
)
CATEGORY_LANG_PARAMETER = OpenApiParameter(
    "lang",
    {"type": "string", "minLength": 2, "maxLength": 35, "pattern": QUERY_LANGUAGE_PATTERN},
    description="The language to name the categories in (BCP 47, e.g. `es`); wins over "
    "`Accept-Language`. A category with no published name in it keeps the catalogue's name, "
    "and its `language` says so.",
)
# The columns of a live publication the detail view reads, the translation's link included
# (a LEFT JOIN in the same query: sources have none).
TRANSLATION_FIELDS = TRANSLATION_NOTE_FIELDS
MAX_ECHOED = 20  # at most this many requested languages are echoed in `language_fallback`


def language_ranges(request: Request) -> list[str]:
    """The languages asked for, most preferred first; empty when none (or a malformed header)."""
    asked = request.query_params.get("lang")
    if asked is not None:
        tag = canonical_tag(asked)
        if tag is None:
            raise ValidationError(
                {"lang": ["Not a BCP 47 language tag; send one such as 'es' or 'es-MX'."]}
            )
        return [tag]
    return accept_language_ranges(request.META.get("HTTP_ACCEPT_LANGUAGE"))


@dataclass
class Served:
    """What the detail view answers: the body, its ETag, its language and extra headers."""

    body: str
    etag: str
    last_modified: Any
    language: str
    headers: dict[str, str] = field(default_factory=dict)


def _with_member(body: str, name: str, value: Any) -> str:
    return f"{body[:-1]},{json.dumps(name)}:{to_json(value)}}}"


def _alternates(source_slug: str, languages: list[str]) -> str:
    path = treatment_path(source_slug)
    return ", ".join(
        f'<{path}?lang={tag}>; rel="alternate"; hreflang="{tag}"' for tag in sorted(languages)
    )


def _plain(row: dict[str, Any]) -> Served:
    body = with_links(row["document_json"], document_links(row["slug"], row["revision_number"]))
    return Served(body, row["etag"], row["published_at"], row["language"])


def _as_translation(row: dict[str, Any]) -> Served:
    """A translation's document with the note that it is one (its own ETag: other bytes)."""
    plain = _plain(row)
    body = _with_member(plain.body, "translation", translation_note(row))
    return Served(body, etag_for(body), row["published_at"], row["language"])


def is_translation(row: dict[str, Any]) -> bool:
    return bool(row.get("treatment__translation_of__source_language"))


@dataclass(frozen=True)
class Choice:
    """Which language answers on a source's URL, for the languages asked for."""

    language: str
    # The live translation that answers, or None: the source itself answers.
    translation: LiveTranslation | None
    # `{"requested": [...], "served": ...}` when nothing asked for is published.
    fallback: dict[str, Any] | None
    # Every published language of the treatment, the source's first.
    languages: list[str]


def choose(*, source_id: Any, source_language: str, ranges: list[str]) -> Choice:
    """The one negotiation of every surface: RFC 4647 lookup of `ranges` among the source's
    language and its published translations' (one query); no match names the fallback."""
    live = translation_live_languages(source_id=source_id)
    languages = [source_language, *live]
    match = lookup(ranges, languages)
    if match is not None and match != source_language:
        return Choice(match, live[match], None, languages)
    named = [tag for tag in map(canonical_tag, ranges) if tag is not None]
    fallback = None
    if match is None and named:
        fallback = {"requested": named[:MAX_ECHOED], "served": source_language}
    return Choice(source_language, None, fallback, languages)


def negotiate(row: dict[str, Any], ranges: list[str], fields: tuple[str, ...]) -> Served:
    """The representation to serve for the live publication `row` and the languages asked for.

    A translation's own URL serves the translation (with its note). A source's URL serves the
    first language asked for that is published (the source's or a translation's), else the
    source with `language_fallback`; both link every published language. Nothing asked for:
    the source as stored (no query).
    """
    if is_translation(row):
        return _as_translation(row)
    if not ranges:  # nothing asked: the source as stored, at no extra query
        return _plain(row)
    choice = choose(source_id=row["treatment_id"], source_language=row["language"], ranges=ranges)
    if choice.translation is None:
        served = _plain(row)
        if choice.fallback is not None:
            served.body = _with_member(served.body, "language_fallback", choice.fallback)
            served.etag = etag_for(served.body)
    else:
        translated = translation_live_document(
            treatment_id=choice.translation.treatment_id, fields=fields
        )
        if translated is None:  # withdrawn between the two reads: the source answers
            return negotiate(row, [], fields)
        served = _as_translation(translated)
        served.headers["Content-Location"] = treatment_path(translated["slug"])
    if len(choice.languages) > 1:
        served.headers["Link"] = _alternates(row["slug"], choice.languages)
    return served


@dataclass(frozen=True)
class NegotiatedDocument:
    """The live document a rendition of a treatment's URL is made from, in the language
    negotiated as the detail does (`?lang=`, `Accept-Language`, the source)."""

    live: LiveDocument
    # The slug of the URL asked for (the source's on a negotiated answer).
    asked_slug: str
    # What the answer says about its language: `translation` and/or `language_fallback`.
    notes: dict[str, Any]
    # Every published language, the source's first; empty when not looked up.
    languages: list[str]
    # Whether `key` was the asked document's canonical slug (not its UUID or a former slug).
    canonical: bool

    @property
    def language(self) -> str:
        return self.live.language or ""


def negotiated_document(request: Request, key: str) -> NegotiatedDocument:
    """The live document known as `key` in the language the request asks for (one more query
    when it names one; none when it does not)."""
    ranges = language_ranges(request)
    live = live_document(key)
    if live.translation is not None:  # a translation's own URL: the translation
        notes = {"translation": live.translation}
        return NegotiatedDocument(live, live.slug, notes, [], live.canonical)
    if not ranges:
        return NegotiatedDocument(live, live.slug, {}, [], live.canonical)
    choice = choose(source_id=live.treatment_id, source_language=live.language or "", ranges=ranges)
    if choice.translation is not None:
        try:
            translated: LiveDocument | None = live_document(choice.translation.slug)
        except (Gone, NotFound):  # withdrawn between the two reads: the source answers
            translated = None
        if translated is not None and translated.translation is not None:
            notes = {"translation": translated.translation}
            return NegotiatedDocument(
                translated, live.slug, notes, choice.languages, live.canonical
            )
    notes = {"language_fallback": choice.fallback} if choice.fallback else {}
    return NegotiatedDocument(live, live.slug, notes, choice.languages, live.canonical)


@dataclass(frozen=True)
class CategoryLanguages:
    """The languages a category list asks each category for, and the answer's language."""

    # Published name languages, most preferred first (empty: the names as PublishedCategory
    # has them, the catalogue's).
    order: list[str]
    # Content-Language: the first language asked for that any category has, else the catalogue's.
    language: str


def category_languages(ranges: list[str]) -> CategoryLanguages:
    """RFC 4647 lookup of `ranges` among the catalogue's language and the languages category
    names are published in (one query; none when nothing is asked for)."""
    catalogue = catalogue_language()
    if not ranges:
        return CategoryLanguages([], catalogue)
    order = lookup_order(ranges, [catalogue, *selectors.category_live_languages()])
    if catalogue in order:  # every category has a name in the catalogue's language
        order = order[: order.index(catalogue)]
    return CategoryLanguages(order, order[0] if order else catalogue)
