"""Links of API v1, added to stored documents when they are served (the domain keeps none)."""

from treatments.documents.build import to_json

# A frozen document carries no links; one stored before they moved here may still embed them.
# The raw bytes `"links":{` can only be an object key: inside a JSON string a quote is escaped.
_EMBEDDED = '"links":{'


# Where this version's treatment collection is mounted (config/urls.py + api/urls.py + urls.py);
# a constant, so that links cost no URL reversing on the read path. A test pins it to reverse().
TREATMENTS_PATH = "/api/v1/treatments/"


def treatment_path(slug: str) -> str:
    return f"{TREATMENTS_PATH}{slug}/"


def document_links(slug: str, revision: int) -> dict[str, str]:
    """Where a treatment's live document, this revision and its history live."""
    base = treatment_path(slug)
    return {
        "self": base,
        "revision": f"{base}revisions/{revision}/",
        "revisions": f"{base}revisions/",
    }


def with_links(body: str, links: dict[str, str]) -> str:
    """The stored JSON object `body` with a trailing "links" member, without parsing it."""
    if _EMBEDDED in body:
        return body
    return f'{body[:-1]},"links":{to_json(links)}}}'


def with_self_link(body: str, path: str) -> str:
    """`with_links(body, {"self": path})` written in one step: a list item's only link (a page
    of 20 writes it 20 times; tests/api/test_list_items.py compares the two)."""
    if _EMBEDDED in body:
        return body
    return f'{body[:-1]},"links":{{"self":{to_json(path)}}}}}'
