"""A list item is its stored summary with its language and its one link, written without
parsing the summary (api/v1/views.py: `list_item`; api/v1/links.py: `with_self_link`)."""

import json
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from api.v1.links import treatment_path, with_links, with_self_link
from api.v1.views import list_item
from treatments.documents.build import to_json

FIXED = settings(derandomize=True, database=None, max_examples=200, deadline=None)
_TEXT = st.text(alphabet=st.characters(codec="utf-8"))
_SUMMARIES = st.dictionaries(_TEXT, st.one_of(_TEXT, st.integers(), st.none()), max_size=4)


@FIXED
@given(summary=_SUMMARIES, path=_TEXT)
def test_the_self_link_is_the_one_with_links_writes(summary: dict[str, object], path: str) -> None:
    body = to_json(summary)
    assert with_self_link(body, path) == with_links(body, {"self": path})


@FIXED
@given(
    # A stored summary is never empty (it names the treatment at least).
    summary=_SUMMARIES.filter(lambda s: set(s) - {"language", "links"}),
    slug=_TEXT,
    language=st.sampled_from(["en", "es", "pt-BR", 'x"y']),
)
def test_a_list_item_is_the_summary_with_its_language_and_self_link(
    summary: dict[str, object], slug: str, language: str
) -> None:
    summary.pop("language", None)
    summary.pop("links", None)
    row = SimpleNamespace(summary_json=to_json(summary), language=language, slug=slug)
    item = json.loads(list_item(row))
    assert item == {**summary, "language": language, "links": {"self": treatment_path(slug)}}


def test_a_summary_stored_with_its_links_keeps_them() -> None:
    # One stored before links moved to the API (api/v1/links.py) is served as stored.
    body = to_json({"slug": "a", "links": {"self": "/old/"}})
    assert with_self_link(body, "/new/") == body == with_links(body, {"self": "/new/"})
