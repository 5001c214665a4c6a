"""The changelog of API v1: one list of entries, served at /api/v1/changelog/ and in the docs.

`CHANGES` is the only source. `GET /api/v1/changelog/` serves it as JSON
(api/v1/changelog_views.py) and docs/changelog.md is generated from it:

    .venv/bin/python -m api.v1.changelog > docs/changelog.md

(tests/api/test_changelog.py fails when the page and this list differ). An entry states what
is on main, nothing planned. Its `id` is its anchor, in the page and in the `Link` header of
a deprecation (api/deprecation.py); it never changes once published. Django-free, so the
command above needs no settings.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Literal

Kind = Literal["added", "changed", "deprecated", "removed"]
KINDS: tuple[Kind, ...] = ("added", "changed", "deprecated", "removed")

# Where the JSON changelog is served (config/urls.py + api/urls.py + api/v1/urls.py); the anchor
# of an entry is its id. A test pins it to reverse().
CHANGELOG_PATH = "/api/v1/changelog/"


@dataclass(frozen=True)
class Change:
    """One change to API v1 a client may need to know about."""

    id: str
    date: dt.date
    kind: Kind
    what: str
    migration: str = ""
    # Pages of the docs site that explain it: (title, path under docs/).
    see: tuple[tuple[str, str], ...] = ()
    # The operation ids (openapi.yaml) it adds or concerns. Every operation added since the
    # last release must be named by an entry (tests/api/test_changelog.py).
    operations: tuple[str, ...] = ()

    @property
    def link(self) -> str:
        """The entry in the machine-readable changelog (its anchor is the id)."""
        return f"{CHANGELOG_PATH}#{self.id}"


D = dt.date

# Newest first; within a date: added, changed, deprecated, removed.
CHANGES: tuple[Change, ...] = (
    # 2026-12-07
    Change(
        "2026-12-07-bundle-pages",
        D(2026, 12, 7),
        "added",
        "**The bundle manifest cuts a large category into pages**: a category of more than "
        "`BUNDLE_PAGE_DOCUMENTS` (500) live documents is listed as several parts, each with "
        "`page` and `pages` and a `url` that names them (`/bundle/?category=…&pages=8&page=3`), "
        "so a phone downloads a few hundred documents at a time. A page holds the treatments "
        "whose id falls in its share of the id range, so pages from different builds never miss "
        "one. Every entry now has `page` and `pages`; a category that fits one page keeps the "
        "URL it had. A `pages` count the manifest no longer uses is a 404: fetch the manifest "
        "again.",
        see=(("Offline: bundle and sync", "mobile-apps/sync.md"),),
    ),
    Change(
        "2026-12-07-bare-304s",
        D(2026, 12, 7),
        "changed",
        "**A 304 of the sync feed or the bundle carries no `Content-Type`**: like every other "
        "304 of the API, it sends the validators, `Cache-Control` and `Vary` of the answer "
        "it revalidates. Before, it said `text/html` (with a page's Content-Security-Policy), "
        "which a cache that updates stored headers from a 304 could copy onto the JSON it "
        "holds.",
        see=(("Reference", "reference/index.md"),),
    ),
    Change(
        "2026-12-07-cursors-name-a-row",
        D(2026, 12, 7),
        "changed",
        "**Page cursors name a row**: `links.next` and `links.previous` now hold the title (or "
        "publication time) and the id of the row a page ends or starts at, so `previous` gives "
        "back exactly the page before where titles repeat (it skipped items before). Cursors "
        "minted earlier are still accepted; cursors stay opaque: take them from the links.",
        see=(("Reference", "reference/index.md"),),
    ),
    # 2026-12-06
    Change(
        "2026-12-06-translation-po-update",
        D(2026, 12, 6),
        "added",
        "**PO update files for outdated translations**: "
        "`GET …/translations/{translation_id}/po/?source_revision=live` (or `translation_po "
        "export --update`) exports an outdated translation against the source's live revision: "
        "texts the source changed are `#, fuzzy` with their previous msgid and the current "
        "translation, new texts are empty, removed ones are left out (header "
        "`X-Previous-Source-Revision`). `PUT` of that file (fuzzy flags cleared) also brings "
        "the translation up to the live revision (its structure, numbers and the revision it "
        "translates) in one audited write. Where list items moved since, it is a 409 "
        "(`structure_not_mappable`, `translation_structure_differs`). A file for neither the "
        "translated nor the live revision is still `po_outdated`.",
        see=(("Translations", "editors/translations.md"),),
        operations=("editor_translations_po_retrieve", "editor_translations_po_update"),
    ),
    Change(
        "2026-12-06-category-names-in-languages",
        D(2026, 12, 6),
        "added",
        "**Categories in the reader's language**: `GET /api/v1/categories/` negotiates like a "
        "document (`?lang=`, then `Accept-Language` with q-values and RFC 4647 lookup, then the "
        "catalogue's language; a malformed header is ignored, a malformed `lang` is a 400) and "
        "answers with `Content-Language` and `Vary: Accept-Language`. Each item has a new "
        "`language`: the language of its `name` and `description`, the catalogue's when the "
        "category has no published name in the language asked for (a visible fallback). The "
        "page is ordered by the names as shown. A category's name in another language is public "
        "only once a reviewed document in that language in the category is published; a "
        "translation's document carries it in `category.name`. Without `lang` or "
        "`Accept-Language` the list is as before, plus `language`.",
        see=(("Languages", "mobile-apps/languages.md#categories"),),
        operations=("categories_list",),
    ),
    Change(
        "2026-12-06-card-phrases",
        D(2026, 12, 6),
        "changed",
        "**The card's phrases around numbers are gettext messages**: \"for at least the first "
        '72 hours", "8–12 weeks", "2–3 sessions" and the measured frequencies have named '
        "placeholders and plural forms, so a reviewed catalogue can translate them; a phrase "
        'the catalogue does not translate is English, marked `lang="en"` (the document\'s own '
        'wording no longer is). None is shipped. English cards are unchanged, except "at '
        'least 1 session" and "up to 1 session" (were "… 1 sessions").',
        see=(("The card", "partners/card.md"),),
    ),
    # 2026-12-05
    Change(
        "2026-12-05-card-labels",
        D(2026, 12, 5),
        "changed",
        "**The card in the document's language**: a translation's card at "
        "`/embed/v1/treatments/{key}/` has `<html lang>` of its document (was `en`, with the "
        "language on `<main>`). The card's own labels are gettext messages: a catalogue in "
        "`locale/` gives them in the document's language; none is shipped, so they show in "
        'English, each marked `lang="en"`. English cards are unchanged.',
        see=(("The card", "partners/card.md"),),
    ),
    Change(
        "2026-12-05-search-languages",
        D(2026, 12, 5),
        "changed",
        "**Search in each document's language**: on PostgreSQL, `q=` stems every document in "
        "its own language (word for word where PostgreSQL has no stemmer) and ignores accents; "
        "with `?language=` the query is read in that language, without it in English. Results "
        "of English searches are as before, except that accents no longer matter.",
        see=(("Languages", "mobile-apps/languages.md"),),
        operations=("treatments_list",),
    ),
    Change(
        "2026-12-05-translation-po",
        D(2026, 12, 5),
        "added",
        "**Exchange with translators as gettext PO**: "
        "`GET|PUT …/treatments/{id}/translations/{translation_id}/po/` "
        "(`text/x-gettext-translation`) exports a translation with the texts of the source "
        "revision it translates (`msgctxt` = JSON Pointer) and imports it back in one audited "
        "write (If-Match with the translation's ETag). A file for another source revision, "
        "translation or language, with unknown pointers, changed msgids or fuzzy entries is "
        "refused with a 400 whose `code` says why; nothing is written.",
        see=(("Translations", "editors/translations.md"),),
        operations=("editor_translations_po_retrieve", "editor_translations_po_update"),
    ),
    Change(
        "2026-12-05-edge-languages",
        D(2026, 12, 5),
        "changed",
        "**Shared caches and languages**: a change of a translation (published, updated, "
        "withdrawn) now also purges its source's cached answers, and a change of a source its "
        "translations', so an answer negotiated on `Accept-Language` or `?lang=` is never "
        "older than the translation it shows; every such answer sends "
        "`Vary: Accept-Language`.",
        see=(("Edge cache", "operators/edge.md"), ("Languages", "mobile-apps/languages.md")),
    ),
    Change(
        "2026-12-05-renditions-languages",
        D(2026, 12, 5),
        "added",
        "**Renditions follow the language** negotiated as on the document URL (`?lang=`, then "
        "`Accept-Language`, then the source), with `Content-Language` and "
        "`Vary: Accept-Language`: the recovery plan and its `.ics` are made from the document "
        "in that language (the plan states `translation` or `language_fallback` as the "
        "document does; its own labels stay as they were), FHIR resources carry the served "
        "document's `language`, JSON-LD its `inLanguage` with `workTranslation` (a source's "
        "translations) or `translationOfWork` (a translation's source), and oEmbed answers "
        "the card of the negotiated language.",
        see=(
            ("Languages", "mobile-apps/languages.md"),
            ("Recovery plan", "mobile-apps/recovery-plan.md"),
            ("JSON-LD", "partners/json-ld.md"),
            ("FHIR", "partners/fhir.md"),
            ("Card", "partners/card.md"),
        ),
        operations=(
            "treatments_recovery_plan",
            "treatments_recovery_plan_calendar",
            "treatments_fhir",
            "treatments_jsonld",
            "oembed",
        ),
    ),
    Change(
        "2026-12-05-list-languages",
        D(2026, 12, 5),
        "added",
        "**The treatment list by language**: `GET /api/v1/treatments/?language=es` lists the "
        "documents written in that language (BCP 47; translations included, each at its own "
        "URL; a malformed tag is a 400), and every list item states its `language`.",
        see=(("Languages", "mobile-apps/languages.md"),),
        operations=("treatments_list",),
    ),
    Change(
        "2026-12-05-translations",
        D(2026, 12, 5),
        "added",
        "**Translations** in the editor API: `GET|POST …/treatments/{id}/translations/` lists "
        "a treatment's translations and creates one (its own working copy, ETag and review), "
        "and `POST …/treatments/{id}/translates/` records which source revision a translation "
        "now matches. The public detail negotiates the language (`?lang=`, then "
        "`Accept-Language`) and says so in `Content-Language`, `translation` and "
        "`language_fallback`.",
        see=(("Languages", "mobile-apps/languages.md"),),
        operations=(
            "editor_translations_create",
            "editor_translations_list",
            "editor_translations_up_to_date",
        ),
    ),
    Change(
        "2026-12-05-bundle-parts",
        D(2026, 12, 5),
        "added",
        "The offline bundle in parts that fit a phone: `GET /api/v1/bundle/manifest/` "
        "(`?language=`) lists one part per category with its URL, ETag, size and document "
        "count, and a `next_sync_token` that continues from all of them. `GET /api/v1/bundle/` "
        "is now built once per change by the background worker and stored; with "
        "`Accept-Encoding: gzip` it answers `Range` requests (206, 416 past the end) so a "
        "download can resume. Its body and ETags are unchanged.",
        see=(("Offline: bundle and sync", "mobile-apps/sync.md"),),
        operations=("bundle_manifest",),
    ),
    Change(
        "2026-12-05-clinical-review",
        D(2026, 12, 5),
        "added",
        "**Clinical review** in the editor API: `GET …/treatments/{id}/review/` (state, "
        "whether publishing needs an approval, the latest approval and whether it still "
        "holds), `POST …/review/request/`, `…/review/approve/` (a clinical reviewer, at the "
        "version `If-Match` names; `403 own_change` for your own change) and "
        "`…/review/request-changes/`, and review comments at `GET|POST …/comments/`.",
        operations=(
            "editor_treatments_review",
            "editor_treatments_review_request",
            "editor_treatments_review_approve",
            "editor_treatments_review_request_changes",
            "editor_treatments_comments",
            "editor_treatments_comments_create",
        ),
    ),
    Change(
        "2026-12-05-scheduling-and-releases",
        D(2026, 12, 5),
        "added",
        "**Scheduled actions and releases** in the editor API: schedule a publish or a "
        "withdrawal of a working copy (`GET|POST …/treatments/{id}/schedule/`, "
        "`GET|DELETE …/schedule/{action_id}/`), everything coming up (`GET …/editor/schedule/`), "
        "and releases that go live together (`…/editor/releases/`: create, list, read, add and "
        "remove members, publish now, schedule, unschedule).",
        see=(("Scheduling and releases", "editors/scheduling.md"),),
        operations=(
            "editor_treatments_schedule_list",
            "editor_treatments_schedule_create",
            "editor_treatments_schedule_retrieve",
            "editor_treatments_schedule_cancel",
            "editor_schedule_upcoming",
            "editor_releases_list",
            "editor_releases_create",
            "editor_releases_retrieve",
            "editor_releases_members_add",
            "editor_releases_members_remove",
            "editor_releases_publish",
            "editor_releases_schedule",
            "editor_releases_unschedule",
        ),
    ),
    Change(
        "2026-12-05-diffs-and-preview-links",
        D(2026, 12, 5),
        "added",
        "Editor API: a readable diff between the working copy, the live revision and any "
        "revision (`GET …/treatments/{id}/diff/?from=live&to=working`, sections plus the JSON "
        "Patch), and preview links to a draft (`GET|POST …/preview-links/`, "
        "`DELETE …/preview-links/{link_id}/`): signed, expiring and revocable.",
        see=(("Previews and diffs", "editors/previews.md"),),
        operations=(
            "editor_treatments_diff",
            "editor_treatments_preview_links_list",
            "editor_treatments_preview_links_create",
            "editor_treatments_preview_links_revoke",
        ),
    ),
    Change(
        "2026-12-05-webhooks",
        D(2026, 12, 5),
        "added",
        "**Partner webhooks** (Standard Webhooks signatures): register and manage https "
        "endpoints with a secret key at `/api/v1/webhooks/endpoints/` (list, create, read, "
        "update, delete, `ping`, `rotate-secret`, `deliveries`), for `treatment.published`, "
        "`treatment.updated`, `treatment.withdrawn`, `treatment.restored` and "
        "`release.published`.",
        see=(("Webhooks", "partners/webhooks.md"),),
        operations=(
            "webhooks_endpoints_list",
            "webhooks_endpoints_create",
            "webhooks_endpoints_retrieve",
            "webhooks_endpoints_update",
            "webhooks_endpoints_destroy",
            "webhooks_endpoints_ping",
            "webhooks_endpoints_rotate_secret",
            "webhooks_endpoints_deliveries",
        ),
    ),
    Change(
        "2026-12-05-changelog",
        D(2026, 12, 5),
        "added",
        "`GET /api/v1/changelog/`: this changelog as JSON (date, kind, what, migration hint, "
        "link), and every active deprecation with its `Deprecation` and `Sunset` dates.",
        see=(("API evolution", "reference/api-evolution.md"),),
        operations=("changelog",),
    ),
    Change(
        "2026-12-05-deprecation-headers",
        D(2026, 12, 5),
        "added",
        "`Deprecation` (RFC 9745) and `Sunset` (RFC 8594) response headers, with "
        '`Link: <…/changelog/#entry>; rel="deprecation"`, on every answer of a deprecated '
        "operation or one that carries a deprecated field, and when a request uses a "
        "deprecated parameter. `openapi.yaml` marks them `deprecated: true`.",
        "Log these headers in your client and plan the change before the `Sunset` date.",
        see=(("API evolution", "reference/api-evolution.md"),),
    ),
    Change(
        "2026-12-05-openapi-json",
        D(2026, 12, 5),
        "added",
        "The OpenAPI document as JSON: `/api/schema/?format=json`, or `Accept: "
        "application/json` (or `application/vnd.oai.openapi+json`). YAML stays the default; "
        "`Accept: application/json` used to get YAML.",
    ),
    Change(
        "2026-12-05-bundle-next-sync-token",
        D(2026, 12, 5),
        "added",
        "`next_sync_token` in `GET /api/v1/bundle/`: the same token as `sync_token`, under the "
        "name the sync feed gives it.",
        see=(("Offline: bundle and sync", "mobile-apps/sync.md"),),
    ),
    Change(
        "2026-12-05-page-links",
        D(2026, 12, 5),
        "added",
        "`links.next` and `links.previous` on every page of a list (treatments, categories, "
        "revisions, working copies): relative links, like every other link of the API.",
        see=(("Reading the API", "mobile-apps/reading.md"),),
    ),
    Change(
        "2026-12-05-four-eyes-publish",
        D(2026, 12, 5),
        "changed",
        "Publishing a working copy that a person edited needs a valid approval from a "
        "clinical reviewer (four eyes): otherwise `POST …/publish/` answers `409` with "
        "`approval_missing`, or `approval_void` when the copy was edited after the approval. "
        "Publishes by the system (content files) are unchanged. On by default "
        "(`EDITORIAL_FOUR_EYES`).",
        "Request a review and have a clinical reviewer approve the version you publish.",
    ),
    Change(
        "2026-12-05-signed-cursors",
        D(2026, 12, 5),
        "changed",
        "List cursors are signed: a cursor the API did not issue, an edited one, or one used "
        "with another `ordering` is a `400`. Links from `next`/`links.next` work as before.",
        "Take cursors from the page links as they are; do not build or edit them.",
    ),
    Change(
        "2026-12-05-keyed-answers-private",
        D(2026, 12, 5),
        "changed",
        "Public answers to requests that carry an API key (or any `Authorization`) are "
        "`Cache-Control: private` and vary on the key headers; repeated failed key "
        "authentications from one address are a `429` with `reason: too-many-failed-keys`; the "
        "embed card is rate-limited like the API.",
        see=(("Rate limits", "partners/rate-limits.md"),),
    ),
    Change(
        "2026-12-05-import-keeps-id",
        D(2026, 12, 5),
        "changed",
        "Editor API: `GET /api/v1/editor/treatments/{id}/export/` includes the treatment's "
        "`id`, and `POST /api/v1/editor/import/` accepts it (it used to refuse `id` with a "
        "400): the import matches by that id, and creates the treatment with it when the "
        "database does not have it, so a treatment keeps its identity between databases. A "
        "slug that belongs to a different treatment is a `409` (`identity-conflict`) that "
        "writes nothing. Only the working copy is imported: revisions and publication state "
        "stay where they were. Without `id`, an import matches by slug as before.",
        "Import what export gives, `id` included; remove `id` to match by slug.",
        see=(("Editor API", "editors/editor-api.md"),),
    ),
    Change(
        "2026-12-05-bundle-sync-token",
        D(2026, 12, 5),
        "deprecated",
        "`sync_token` in `GET /api/v1/bundle/`, an alias of `next_sync_token`. It is sent until "
        "its sunset, 2028-12-05.",
        "Read `next_sync_token`; it holds the same token.",
    ),
    Change(
        "2026-12-05-page-absolute-links",
        D(2026, 12, 5),
        "deprecated",
        "The absolute `next` and `previous` links of list pages. They are sent until their "
        "sunset, 2028-12-05.",
        "Follow `links.next` (and `links.previous`), resolved against the URL you called, as "
        "you resolve every other link of the API.",
    ),
    # 2026-12-04
    Change(
        "2026-12-04-schema-1-2",
        D(2026, 12, 4),
        "added",
        "**Schema 1.2** of the document, additive: `eligibility` criteria, amounts and "
        "durations on UCUM units (`procedure.steps[].quantity_ucum`, `duration_ucum`: "
        "temperatures, seconds, decimals), `course.repeat_interval` and "
        "`medications[].dose_per_session`. Revisions published earlier keep their version.",
        "Treat the new members as possibly absent (revisions frozen earlier lack them) and "
        "read the earlier field when the newer one is absent (`duration_ucum ?? duration`).",
        see=(
            ("Schema versions", "reference/schema-versions.md"),
            ("Document schema 1.2", "reference/document-schema-1.2.md"),
        ),
    ),
    Change(
        "2026-12-04-schema-1-1-served",
        D(2026, 12, 4),
        "added",
        "`GET /api/v1/schema/treatment-document/?version=1.1`: the 1.1 JSON Schema exactly as "
        "published. Every part and member added after 1.0 says so with `x-added-in`, in the "
        "JSON Schema and in `openapi.yaml`'s components.",
        see=(("Schema versions", "reference/schema-versions.md"),),
    ),
    Change(
        "2026-12-04-renditions-1-2",
        D(2026, 12, 4),
        "changed",
        "The FHIR R5 rendition maps schema 1.2: eligibility as an `EvidenceVariable`, UCUM "
        "`Quantity` and `Range` values, `Timing` durations in seconds and decimals, the course "
        "repeat interval. The JSON-LD rendition maps the codes and drugs it omitted "
        "(`MedicalCode`, `Drug`, `DoseSchedule`, `MedicalContraindication`).",
        see=(("FHIR R5", "partners/fhir.md"), ("JSON-LD", "partners/json-ld.md")),
    ),
    Change(
        "2026-12-04-ics-vtimezone",
        D(2026, 12, 4),
        "changed",
        "The `.ics` recovery plan's `VTIMEZONE` block puts each daylight-saving change at the "
        "instant RFC 5545 defines; the spring-forward change used to be one hour late.",
        see=(("Recovery plan", "mobile-apps/recovery-plan.md"),),
    ),
    # 2026-11-25
    Change(
        "2026-11-25-schema-1-1",
        D(2026, 11, 25),
        "added",
        "**Schema 1.1** of the document, additive: `codes` (SNOMED CT, CPT, …) on the "
        "treatment, its medications, risks, medication rules and contraindications; "
        "`medications`; rule `medication`; course `frequency_limit` and `minimum_interval`; "
        "risk `population`; `approximate` durations; timeline `milestone`; optional steps and "
        "guidance; structured `contraindication_items` and `warning_sign_items`. 1.0 revisions "
        "stay 1.0.",
        see=(("Schema versions", "reference/schema-versions.md"),),
    ),
    Change(
        "2026-11-25-schema-1-0-served",
        D(2026, 11, 25),
        "added",
        "`GET /api/v1/schema/treatment-document/?version=1.0`: the 1.0 JSON Schema exactly as "
        "published, for revisions frozen before 1.1 and clients generated from it.",
    ),
    Change(
        "2026-11-25-code-and-drug-filters",
        D(2026, 11, 25),
        "added",
        "List filters `code=<system>|<code>` and `drug=`; search covers the new fields; "
        "`onset_within_weeks` means *first noticed within*.",
    ),
    Change(
        "2026-11-25-sync",
        D(2026, 11, 25),
        "added",
        "**Mobile sync**: `GET /api/v1/sync/` (delta feed with signed tokens, tombstones, 304 "
        "for an empty delta, 410 for a token the log no longer covers) and "
        "`GET /api/v1/bundle/`.",
        see=(("Offline: bundle and sync", "mobile-apps/sync.md"),),
    ),
    Change(
        "2026-11-25-recovery-plan",
        D(2026, 11, 25),
        "added",
        "**Recovery plan**: `GET /api/v1/treatments/{key}/recovery-plan/` and "
        "`…/recovery-plan.ics`.",
        see=(("Recovery plan", "mobile-apps/recovery-plan.md"),),
    ),
    Change(
        "2026-11-25-language",
        D(2026, 11, 25),
        "added",
        "`language` on every document (BCP 47) and `Content-Language` on document responses.",
    ),
    Change(
        "2026-11-25-gone",
        D(2026, 11, 25),
        "added",
        "A withdrawn treatment's document and revision URLs answer `410 Gone` with `withdrawn_at`.",
    ),
    Change(
        "2026-11-25-api-root",
        D(2026, 11, 25),
        "added",
        "`GET /api/v1/` lists every collection; `/` and `/api/` redirect to it.",
    ),
    Change(
        "2026-11-25-api-keys",
        D(2026, 11, 25),
        "added",
        "**Partner API keys** (`X-Api-Key` or `Authorization: Api-Key …`), secret and "
        "publishable, with per-key plans; **CORS** for the public read API.",
        see=(("API keys", "partners/api-keys.md"),),
    ),
    Change(
        "2026-11-25-rate-limits",
        D(2026, 11, 25),
        "added",
        "**Rate limits** with the IETF `RateLimit` and `RateLimit-Policy` headers on every "
        "limited answer, `429` with `Retry-After`; `304`s and empty sync deltas are refunded.",
        see=(("Rate limits", "partners/rate-limits.md"),),
    ),
    Change(
        "2026-11-25-renditions",
        D(2026, 11, 25),
        "added",
        "**Renditions**: `GET /api/v1/treatments/{key}/jsonld/` (schema.org, also "
        "`Accept: application/ld+json` on the detail) and `…/fhir/` (FHIR R5 Bundle, also "
        "`Accept: application/fhir+json`).",
        see=(("JSON-LD", "partners/json-ld.md"), ("FHIR R5", "partners/fhir.md")),
    ),
    Change(
        "2026-11-25-card",
        D(2026, 11, 25),
        "added",
        "**Embeddable card** at `/embed/v1/treatments/{key}/` and **oEmbed** at `/api/oembed/`.",
        see=(("The card", "partners/card.md"),),
    ),
    Change(
        "2026-11-25-unavailable",
        D(2026, 11, 25),
        "added",
        "Every operation documents `503` with `Retry-After` (database unavailable); gunicorn's "
        "own 400/414/431 answers are problem+json.",
    ),
    Change(
        "2026-11-25-revision-caching",
        D(2026, 11, 25),
        "changed",
        "Revision URLs are cached like live documents (`max-age=300`), no longer `immutable`, "
        "so that a withdrawal reaches caches.",
    ),
    Change(
        "2026-11-25-if-match",
        D(2026, 11, 25),
        "changed",
        "`If-Match` follows RFC 9110: `*`, lists, and weak or foreign tags give 412; a "
        "malformed header gives 400.",
    ),
    Change(
        "2026-11-25-openapi-for-generators",
        D(2026, 11, 25),
        "changed",
        "OpenAPI, for client generators: every key the server always sends is `required`; "
        "properties added after schema 1.0 are optional in responses (stored 1.0 revisions lack "
        "them); request bodies have their own components; public operations declare no "
        "security requirement (a partner key is an optional header).",
    ),
    Change(
        "2026-11-25-worker-memory",
        D(2026, 11, 25),
        "changed",
        "List pages, searches and documents are answered from each worker's memory; a change is "
        "visible on every worker within `PUBLIC_MEMORY_TTL` (1 s).",
    ),
    # 2026-11-24
    Change(
        "2026-11-24-public-read-api",
        D(2026, 11, 24),
        "added",
        "**Public read API v1**: `GET /api/v1/treatments/` (filters, full-text search, cursor "
        "pagination), `GET /api/v1/treatments/{key}/` (by slug, UUID or former slug), "
        "revisions, JSON Patch diffs between revisions, categories, the document's JSON "
        "Schema; strong ETags, 304, gzip; every error `application/problem+json`.",
        see=(("Reading the API", "mobile-apps/reading.md"),),
    ),
    Change(
        "2026-11-24-editor-api",
        D(2026, 11, 24),
        "added",
        "**Editor API v1** under `/api/v1/editor/`: token and session auth, `If-Match` on every "
        "write (428/412), JSON Merge Patch, publish, unpublish, revert, restore, preview, "
        "audit, import and export.",
        see=(("Editor API", "editors/editor-api.md"),),
    ),
    Change(
        "2026-11-24-openapi",
        D(2026, 11, 24),
        "added",
        "The OpenAPI 3.1 document at `/api/schema/`, Swagger UI at `/api/docs/` and ReDoc at "
        "`/api/redoc/`.",
    ),
)

HEADER = """\
# Changelog

<!-- Generated from api/v1/changelog.py: edit the entries there, then run
     `.venv/bin/python -m api.v1.changelog > docs/changelog.md`. -->

What changed in API v1, newest first, for the people who write clients. Each entry is
**added**, **changed**, **deprecated** or **removed**; v1 only grows, so nothing is removed
before the sunset date its deprecation states (see [API evolution](reference/api-evolution.md)).
The same list is served as JSON at `GET /api/v1/changelog/`, with the same anchors: the
`Link` header of a deprecated answer points at its entry.

The dates are those of the commits that brought each change into the main branch (v1 has had no
separately tagged releases). The contract's semantic version is `info.version` in
`openapi.yaml`.
"""


def changelog_markdown(changes: tuple[Change, ...] = CHANGES) -> str:
    """The human changelog (docs/changelog.md): entries by date and kind, each with its anchor."""
    lines = [HEADER]
    dates = sorted({c.date for c in changes}, reverse=True)
    for date in dates:
        lines.append(f"## {date.isoformat()}\n")
        for kind in KINDS:
            entries = [c for c in changes if c.date == date and c.kind == kind]
            if not entries:
                continue
            lines.append(f"**{kind.capitalize()}**\n")
            for change in entries:
                text = f'- <a id="{change.id}"></a>{change.what}'
                if change.migration:
                    text += f" *Migration:* {change.migration}"
                if change.see:
                    pages = ", ".join(f"[{title}]({path})" for title, path in change.see)
                    text += f" See {pages}."
                lines.append(text)
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


if __name__ == "__main__":
    print(changelog_markdown(), end="")
