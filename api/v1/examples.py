"""OpenAPI examples drawn from the shipped seed content, so docs show real data."""

import datetime as dt
import functools
from typing import Any

from drf_spectacular.utils import OpenApiExample

from api.problems import problem_body
from api.v1.links import document_links
from treatments.content_files import read_content_file, shipped_content_files
from treatments.documents.build import build_document
from treatments.publication.projection import summary
from treatments.services.loading import content_treatment_id

# The `links` of a page that is the only one.
NO_PAGES = {"next": None, "previous": None}

EXAMPLE_PUBLISHED_AT = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


@functools.cache
def seed_document() -> dict[str, Any]:
    """The seed treatment's document as revision 1 (fixed time, so the schema is stable)."""
    content = read_content_file(shipped_content_files()[0]).model_dump(mode="json")
    document = build_document(
        treatment_id=content_treatment_id(content["slug"]),
        content=content,
        revision=1,
        published_at=EXAMPLE_PUBLISHED_AT,
    )
    return {**document, "links": document_links(content["slug"], 1)}


def seed_summary() -> dict[str, Any]:
    doc = seed_document()
    return {**summary(doc), "language": doc["language"], "links": {"self": doc["links"]["self"]}}


def document_example() -> OpenApiExample:
    return OpenApiExample("Bone marrow stem cell injection", value=seed_document())


def list_example() -> OpenApiExample:
    return OpenApiExample(
        "First page",
        value={"next": None, "previous": None, "results": [seed_summary()], "links": NO_PAGES},
    )


def category_example() -> OpenApiExample:
    doc = seed_document()
    return OpenApiExample(
        "Categories",
        value={
            "next": None,
            "previous": None,
            "results": [{**doc["category"], "description": "", "language": doc["language"]}],
            "links": NO_PAGES,
        },
    )


def revisions_example() -> OpenApiExample:
    doc = seed_document()
    return OpenApiExample(
        "History",
        value={
            "next": None,
            "previous": None,
            "results": [
                {
                    "revision": 1,
                    "published_at": doc["published_at"],
                    "schema_version": doc["schema_version"],
                    "content_hash": "9c1f0d2b…(sha-256 of the content)",
                    "change_note": "Published from content file.",
                    "reverted_from": None,
                    "links": {"self": document_links(doc["slug"], 1)["revision"]},
                }
            ],
            "links": NO_PAGES,
        },
    )


def diff_example() -> OpenApiExample:
    return OpenApiExample(
        "Sessions changed",
        value={
            "from_revision": 1,
            "to_revision": 2,
            "patch": [
                {"op": "replace", "path": "/revision", "value": 2},
                {"op": "replace", "path": "/course/sessions/max", "value": 3},
            ],
        },
    )


def problem_example(status: int, detail: str, **kwargs: Any) -> OpenApiExample:
    return OpenApiExample(
        f"{status}",
        value=problem_body(status=status, detail=detail, **kwargs),
        status_codes=[status],
    )


def document_schema_example() -> OpenApiExample:
    from treatments.documents.schema import document_json_schema

    schema = document_json_schema()
    excerpt = {key: schema[key] for key in ("$schema", "$id", "title", "type", "required")}
    return OpenApiExample("Excerpt (top level only)", value=excerpt)


def seed_working_copy() -> dict[str, Any]:
    """The seed treatment as the editor API shows it after `make run`."""
    doc = seed_document()
    content = {
        k: v
        for k, v in doc.items()
        if k not in {"schema_version", "id", "revision", "published_at", "links"}
    }
    base = f"/api/v1/editor/treatments/{doc['id']}/"
    return {
        "id": doc["id"],
        "version": 2,
        "state": "live",
        "live_revision": 1,
        "has_unpublished_changes": False,
        "created_at": "2026-11-24T09:00:00Z",
        "updated_at": "2026-11-24T09:00:00Z",
        "deleted_at": None,
        "content": content,
        "links": {
            "self": base,
            "preview": f"{base}preview/",
            "audit": f"{base}audit/",
            "public": doc["links"]["self"],
        },
    }


def editor_examples() -> dict[str, OpenApiExample]:
    """Examples for the editor operations, keyed by operation id."""
    wc = seed_working_copy()
    summary = {
        k: wc[k]
        for k in (
            "id",
            "version",
            "state",
            "live_revision",
            "has_unpublished_changes",
            "updated_at",
            "links",
        )
    }
    summary.update(slug=wc["content"]["slug"], title=wc["content"]["title"])
    audit = {
        "results": [
            {
                "action": "publish",
                "actor": "system",
                "at": "2026-11-24T09:00:00Z",
                "version_before": 1,
                "version_after": 2,
                "revision": 1,
                "hash_before": "",
                "hash_after": "0913d72b…",
                "message": "Published from content file.",
                "request_id": "",
            }
        ]
    }
    outcome = {
        "created": True,
        "revision": 2,
        "detail": "Published 2.",
        "working_copy": {**wc, "version": 4, "live_revision": 2},
    }
    return {
        "list": OpenApiExample(
            "Working copies",
            value={"next": None, "previous": None, "results": [summary], "links": NO_PAGES},
        ),
        "working_copy": OpenApiExample("The seed working copy", response_only=True, value=wc),
        "content": OpenApiExample(
            "The seed content", response_only=True, value={"id": wc["id"], **wc["content"]}
        ),
        "preview": OpenApiExample(
            "Draft as revision 2", response_only=True, value={**seed_document(), "revision": 2}
        ),
        "audit": OpenApiExample("Audit trail", response_only=True, value=audit),
        "publish": OpenApiExample("Published", response_only=True, value=outcome),
        "import": OpenApiExample(
            "Unchanged import",
            value={
                "slug": wc["content"]["slug"],
                "action": "unchanged",
                "dry_run": True,
                "working_copy": wc,
            },
        ),
    }


def sync_example() -> OpenApiExample:
    doc = seed_document()
    return OpenApiExample(
        "Last page of a full sync",
        value={
            "upserts": [doc],
            "deletions": [],
            "next_page_token": None,
            "next_sync_token": "eyJtIjoiZCIsInMiOjF9:1a2b3c…(opaque)",
        },
    )


def bundle_example() -> OpenApiExample:
    return OpenApiExample(
        "Bundle",
        value={
            "next_sync_token": "eyJtIjoiZCIsInMiOjF9:1a2b3c…(opaque)",
            "sync_token": "eyJtIjoiZCIsInMiOjF9:1a2b3c…(opaque)",
            "language": None,
            "category": None,
            "documents": [seed_document()],
        },
    )


def bundle_manifest_example() -> OpenApiExample:
    return OpenApiExample(
        "Bundle manifest",
        value={
            "language": "en",
            "next_sync_token": "eyJtIjoiZCIsInMiOjF9:1a2b3c…(opaque)",
            "parts": [
                {
                    "category": "pain-treatments",
                    "language": "en",
                    "page": 1,
                    "pages": 1,
                    "url": "/api/v1/bundle/?category=pain-treatments&language=en",
                    "etag": '"3f8a2c1e9b7d4a6f0c5e8b2d1a9f7c3e"',
                    "documents": 1,
                    "size": 3012,
                    "raw_size": 9540,
                }
            ],
        },
    )


def root_links() -> dict[str, Any]:
    """The links of the API v1 root (paths relative to the host)."""
    return {
        "api_version": "v1",
        "links": {
            "treatments": "/api/v1/treatments/",
            "categories": "/api/v1/categories/",
            "sync": "/api/v1/sync/",
            "bundle": "/api/v1/bundle/",
            "document_schema": "/api/v1/schema/treatment-document/",
            "changelog": "/api/v1/changelog/",
            "editor": "/api/v1/editor/treatments/",
            "openapi": "/api/schema/",
            "docs": "/api/docs/",
            "redoc": "/api/redoc/",
        },
    }


def root_example() -> OpenApiExample:
    return OpenApiExample("Links", value=root_links())
