"""The "limit": the cheapest possible answer this stack can give for a treatment document.

A bare Django function view that returns the seed's published document as bytes built once at
import: no DRF, no query, no serialization. Whatever our real endpoints cost on top of this is
overhead; the benchmark reports each endpoint as a fraction of this view's throughput.

Building the bytes reads the shipped content file and runs the project's own document builder;
it touches no database, so importing this module needs no PostgreSQL.
"""

import datetime as dt

from django.http import HttpRequest, HttpResponse

from api.v1.links import document_links, with_links
from treatments.content_files import read_content_file, shipped_content_files
from treatments.documents.build import build_document, etag_for, to_json
from treatments.services.loading import content_treatment_id

PUBLISHED_AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def seed_document_bytes() -> bytes:
    """The seed treatment's published document (revision 1), exactly as the API would store it."""
    content = read_content_file(shipped_content_files()[0]).model_dump(mode="json")
    document = build_document(
        treatment_id=content_treatment_id(content["slug"]),
        content=content,
        revision=1,
        published_at=PUBLISHED_AT,
    )
    # As the detail view serves it: the stored bytes with the links the API adds.
    links = document_links(content["slug"], 1)
    return with_links(to_json(document), links).encode()


BODY = seed_document_bytes()
ETAG = etag_for(BODY)


def limit_view(request: HttpRequest) -> HttpResponse:
    """Pre-built bytes from memory."""
    return HttpResponse(BODY, content_type="application/json")
