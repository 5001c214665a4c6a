"""Real-browser fixtures: Debian's Chromium driven by Playwright; a partner site on another origin.

The browser is /usr/bin/chromium (Debian's `chromium` package), never a Playwright download.
Without it (or without axe-core from `npm ci --prefix tests/browser/js`) the browser tests skip
with the reason; with BROWSER_TESTS_REQUIRED=1 (set by .ci/run) they fail instead, so CI cannot
pass without running them.
"""

import os
import threading
from collections.abc import Iterator
from functools import cache, partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
AXE = Path(__file__).resolve().parent / "js" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser"
REQUIRED = os.environ.get("BROWSER_TESTS_REQUIRED", "") == "1"

# The Playwright sync API runs an event loop in this thread; the test's own ORM calls (fixtures
# creating partners and keys) are still synchronous, so Django's async guard is told so.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@cache
def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: apt-get install -y --no-install-recommends chromium"
    if not AXE.exists():
        return f"{AXE} is missing: npm ci --prefix tests/browser/js"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright (Python) is not installed: make install"
    return None


def pytest_runtest_setup(item: Any) -> None:
    """Skip (locally) or fail (in CI) every browser test when something it needs is missing."""
    missing = _missing()
    if missing is not None:
        if REQUIRED:
            pytest.fail(f"BROWSER_TESTS_REQUIRED=1 but {missing}", pytrace=False)
        pytest.skip(f"browser test: {missing}")


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    yield context
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def partner_site(tmp_path: Path) -> Iterator[Any]:
    """A static web server on 127.0.0.1 (the live server is on localhost: another origin)."""
    handler = partial(_Quiet, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    class Site:
        origin = f"http://127.0.0.1:{server.server_address[1]}"

        def page(self, name: str, html: str) -> str:
            (tmp_path / name).write_text(html, encoding="utf-8")
            return f"{self.origin}/{name}"

    yield Site()
    server.shutdown()
    server.server_close()
