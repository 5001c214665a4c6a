"""The built docs site: local assets only, references that match the code, a short README."""

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.test import Client

from tests.docs.examples import DOCS, ROOT, pages
from tests.docs.site import built_site

README_MAX_LINES = 200
SCHEMA_URL = "/api/v1/schema/treatment-document/"
# Attributes through which a page loads something (not links a reader may follow).
LOADING = {
    "script": "src",
    "img": "src",
    "iframe": "src",
    "source": "src",
    "video": "src",
    "audio": "src",
    "embed": "src",
    "object": "data",
    "track": "src",
}
NOT_LOADED_LINKS = {"canonical", "alternate", "author", "license", "help", "next", "prev"}
OFF_SITE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])([^'")\s]+)""", re.IGNORECASE)


class _Loads(HTMLParser):
    """Collects every URL an HTML page would load by itself."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in LOADING and found.get(LOADING[tag]):
            self.urls.append(str(found[LOADING[tag]]))
        if tag == "link" and found.get("href"):
            rel = set((found.get("rel") or "").lower().split())
            if not rel <= NOT_LOADED_LINKS or not rel:
                self.urls.append(str(found["href"]))
        if found.get("srcset"):
            self.urls += [part.split()[0] for part in str(found["srcset"]).split(",") if part]
        if found.get("style"):
            self.urls += CSS_URL.findall(str(found["style"]))


def _loads(html: str) -> list[str]:
    parser = _Loads()
    parser.feed(html)
    inline_css = re.findall(r"<style[^>]*>(.*?)</style>", html, flags=re.DOTALL | re.IGNORECASE)
    return parser.urls + [url for css in inline_css for url in CSS_URL.findall(css)]


@pytest.fixture(scope="module")
def site() -> Path:
    return built_site()


def test_the_site_loads_nothing_from_another_site(site: Path) -> None:
    offenders = []
    for page in sorted(site.rglob("*.html")):
        offenders += [
            f"{page.relative_to(site)}: {u}" for u in _loads(page.read_text()) if OFF_SITE.match(u)
        ]
    for sheet in sorted(site.rglob("*.css")):
        urls = CSS_URL.findall(sheet.read_text(errors="replace"))
        offenders += [f"{sheet.relative_to(site)}: {u}" for u in urls if OFF_SITE.match(u)]
    assert offenders == [], "pages must load only the site's own files:\n" + "\n".join(offenders)


def test_the_loads_check_sees_what_a_page_would_fetch() -> None:
    html = (
        '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">'
        '<link rel="preconnect" href="https://fonts.gstatic.com">'
        '<script src="//cdn.example.org/x.js"></script><a href="https://example.org/">a link</a>'
        '<style>@import "https://cdn.example.org/y.css"; b { background: url(/local.png) }</style>'
    )
    off_site = [url for url in _loads(html) if OFF_SITE.match(url)]
    assert off_site == [
        "https://fonts.googleapis.com/css?family=Roboto",
        "https://fonts.gstatic.com",
        "//cdn.example.org/x.js",
        "https://cdn.example.org/y.css",
    ]


def test_the_api_reference_is_openapi_yaml_with_a_local_redoc(site: Path) -> None:
    served = json.loads((site / "reference" / "openapi.json").read_text())
    assert served == yaml.safe_load((ROOT / "openapi.yaml").read_text())
    page = (site / "reference" / "redoc.html").read_text()
    (script,) = re.findall(r'<script src="([^"]+)"', page)
    assert (site / "reference" / script).resolve().is_file(), f"{script} is not in the site"
    assert 'spec-url="openapi.json"' in page


def _properties(schema: dict[str, Any]) -> set[str]:
    names = set(schema.get("properties", {}))
    for definition in schema.get("$defs", {}).values():
        names |= set(definition.get("properties", {}))
    return names


@pytest.mark.django_db
def test_the_schema_reference_is_the_schema_the_api_serves(site: Path, client: Client) -> None:
    from treatments.documents.schema import SCHEMA_VERSION, SCHEMA_VERSIONS

    for version in SCHEMA_VERSIONS:
        served = client.get(SCHEMA_URL, {"version": version}).json()
        published = site / "reference" / "schemas" / f"treatment-document-{version}.json"
        assert json.loads(published.read_text()) == served, f"schema {version} differs"
        name = "document-schema" + (
            "" if version == SCHEMA_VERSION else f"-{version.replace('.', '-')}"
        )
        html = (site / "reference" / name / "index.html").read_text()
        missing = [p for p in sorted(_properties(served)) if f"<code>{p}</code>" not in html]
        assert missing == [], f"the {version} reference page lacks {missing}"


def test_every_page_is_in_the_navigation(site: Path) -> None:
    home = (site / "index.html").read_text()
    nav = home[home.index('<nav class="md-nav md-nav--primary"') :]
    linked = set(re.findall(r'<a href="([^"#]*)" class="md-nav__link', nav))
    for page in pages():
        relative = page.relative_to(DOCS).with_suffix("")
        folder = relative.parent if relative.name == "index" else relative
        url = "." if folder == Path(".") else f"{folder.as_posix()}/"
        assert url in linked, f"docs/{relative}.md is not in the navigation (see docs/.nav.yml)"


def test_the_readme_is_the_first_ten_minutes() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, (
        f"README.md has {len(lines)} lines; keep it at most {README_MAX_LINES} and move the rest "
        "into a page under docs/"
    )
