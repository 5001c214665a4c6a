"""Language negotiation of the public document URL: `?lang=`, then `Accept-Language`, then the
source language (RFC 4647 lookup, so `es-MX` finds `es`).

A translation is its own published document; on its source's URL it is served when asked for,
with `translation` in the body saying which source revision it translates and whether the
source changed since (never silently). A language that is not published is no error: the
source is served with `language_fallback` saying so. A malformed `Accept-Language` counts as
none (never a 400); a malformed `?lang=` is a 400 like any bad parameter. Answers name their
language (`Content-Language`), vary on `Accept-Language` and link the other published
languages (`Link: <…?lang=es>; rel="alternate"; hreflang="es"`).
"""

import json
from dataclasses import dataclass, field
from typing import Any

from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from editorial.translations.languages import accept_language_ranges, canonical_tag, lookup
from editorial.translations.selectors import (
    translation_live_document,
    translation_live_languages,
)
from treatments.documents.build import etag_for, to_json
from treatments.documents.schema import LANGUAGE_PATTERN

from .links import document_links, treatment_path, with_links

LANG_PARAMETER = OpenApiParameter(
    "lang",
    {"type": "string", "minLength": 2, "maxLength": 35, "pattern": LANGUAGE_PATTERN},
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
# The columns of a live publication the detail view reads, the translation's link included
# (a LEFT JOIN in the same query: sources have none).
TRANSLATION_FIELDS = (
    "treatment_id",
    "treatment__translation_of__source_language",
    "treatment__translation_of__published_source_revision",
    "treatment__translation_of__outdated_since",
)
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


def _translation_note(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "source_language": row["treatment__translation_of__source_language"],
        "source_revision": row["treatment__translation_of__published_source_revision"],
        "outdated": row["treatment__translation_of__outdated_since"] is not None,
    }


def _plain(row: dict[str, Any]) -> Served:
    body = with_links(row["document_json"], document_links(row["slug"], row["revision_number"]))
    return Served(body, row["etag"], row["published_at"], row["language"])


def _as_translation(row: dict[str, Any]) -> Served:
    """A translation's document with the note that it is one (its own ETag: other bytes)."""
    plain = _plain(row)
    body = _with_member(plain.body, "translation", _translation_note(row))
    return Served(body, etag_for(body), row["published_at"], row["language"])


def is_translation(row: dict[str, Any]) -> bool:
    return bool(row.get("treatment__translation_of__source_language"))


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
    live = translation_live_languages(source_id=row["treatment_id"])
    source_language = row["language"]
    languages = [source_language, *live]
    match = lookup(ranges, languages)
    if match is None or match == source_language:
        served = _plain(row)
        named = [tag for tag in map(canonical_tag, ranges) if tag is not None]
        if match is None and named:
            fallback = {"requested": named[:MAX_ECHOED], "served": source_language}
            served.body = _with_member(served.body, "language_fallback", fallback)
            served.etag = etag_for(served.body)
    else:
        translated = translation_live_document(treatment_id=live[match], fields=fields)
        if translated is None:  # withdrawn between the two reads: the source answers
            return negotiate(row, [], fields)
        served = _as_translation(translated)
        served.headers["Content-Location"] = treatment_path(translated["slug"])
    if len(languages) > 1:
        served.headers["Link"] = _alternates(row["slug"], languages)
    return served
