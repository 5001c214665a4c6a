"""The public read path of live documents: locate, remember, render once, forget on publish.

- `documents`: locate a live treatment by any key (404/410) and its parsed document.
- `memories`: each worker's memories of live content (bounded, valid for one change-log state).
- `rendered`: bytes rendered from a live document, once per document ETag, with their ETag.
- `headers`: the Cache-Control of live representations.
- `receivers`: the only receivers of `publication_changed` for these memories.

Views (api/v1/, embed/) import from here; nothing here imports a view.
"""
