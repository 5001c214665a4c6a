"""Bytes rendered from a live document, once per document ETag, kept with their own ETag.

Every rendition of a live document (recovery plan, calendar, FHIR Bundle, JSON-LD, the card)
is a pure function of the document and a few inputs (the query, the host). Its bytes are
rendered once per worker for a document ETag and those inputs, and its strong ETag is a hash of
the bytes served (`treatments.documents.build.etag_for`). A new revision has a new document ETag,
so nothing here needs forgetting on a publish; the memory is bounded by number and by bytes
(LRU).
"""

from collections.abc import Callable, Hashable
from typing import TypeVar

from treatments.documents.build import etag_for

from ..hot import WorkerMemory

Body = TypeVar("Body", str, bytes, str | bytes)
# Per kind of rendering and worker: the bytes kept at most (least recently used first).
RENDERINGS_MAX_BYTES = 8 * 1024 * 1024


class Renderings:
    """A bounded memory of renderings: remember -> render -> hash -> store, in one place."""

    def __init__(self, *, maxsize: int, maxbytes: int = RENDERINGS_MAX_BYTES) -> None:
        self._memory = WorkerMemory(maxsize=maxsize, maxbytes=maxbytes, ttl=None)

    def once(
        self, document_etag: str, inputs: Hashable, render: Callable[[], Body]
    ) -> tuple[Body, str]:
        """The bytes `render()` gives for this document and these inputs, and their ETag."""
        key = (document_etag, inputs)
        rendered: tuple[Body, str] | None = self._memory.get(key)
        if rendered is None:
            body = render()
            rendered = (body, etag_for(body))
            self._memory.put(key, rendered)
        return rendered
