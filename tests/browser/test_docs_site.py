"""The documentation site in Chromium: its pages and the API reference load nothing off-site."""

import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.docs.site import built_site

PAGES = ["", "quickstart/", "partners/card/", "reference/document-schema/", "reference/api/"]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def docs_origin() -> Iterator[str]:
    """The built site served as static files, as any web server would serve it."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(built_site())))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _Watch:
    """The URLs a page asks for, and those its Content-Security-Policy refused to fetch."""

    def __init__(self, page: Any, origin: str) -> None:
        self.origin = origin
        self.requested: list[str] = []
        self.refused: set[str] = set()
        page.on("request", lambda request: self.requested.append(request.url))
        page.on("requestfailed", self._failed)

    def _failed(self, request: Any) -> None:
        if request.failure == "csp":
            self.refused.add(request.url)

    def fetched_off_site(self) -> list[str]:
        local = (f"{self.origin}/", "data:", "blob:", "about:")
        return [u for u in self.requested if not u.startswith(local) and u not in self.refused]


@pytest.mark.parametrize("path", PAGES)
def test_a_docs_page_loads_only_the_sites_own_files(
    docs_origin: str, context: Any, path: str
) -> None:
    page = context.new_page()
    watch = _Watch(page, docs_origin)
    page.goto(f"{docs_origin}/{path}", wait_until="networkidle")
    assert page.locator("h1").first.is_visible()
    assert watch.fetched_off_site() == []


def test_the_api_reference_renders_every_tag_from_local_assets(
    docs_origin: str, context: Any, artifacts: Path
) -> None:
    page = context.new_page()
    watch = _Watch(page, docs_origin)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{docs_origin}/reference/redoc.html", wait_until="networkidle")
    page.get_by_role("heading", name="Treatment Knowledge API").first.wait_for(timeout=30_000)
    menu = page.locator(".menu-content").inner_text()
    for tag in ("treatments", "sync", "editor", "fhir", "recovery-plan"):
        assert tag in menu, f"the ReDoc menu lacks the {tag!r} tag"
    page.wait_for_load_state("networkidle")
    # ReDoc's footer asks cdn.redoc.ly for its logo: the page's policy refuses it.
    assert watch.fetched_off_site() == []
    page.screenshot(path=str(artifacts / "docs-api-reference.png"))
