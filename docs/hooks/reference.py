"""Build hook: the reference pages generated from the sources, so that they cannot drift.

- the API reference: `openapi.yaml` as JSON, rendered by ReDoc from drf-spectacular-sidecar's
  bundle, copied into the site (nothing is loaded from a CDN);
- the document-schema reference: Markdown generated from the JSON Schema the API publishes at
  `/api/v1/schema/treatment-document/` (the same function serves it), one page per version,
  with the schema files themselves beside them.
"""

import json
import re
import sys
from pathlib import Path
from typing import Any

import jsonschema2md
import yaml
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]
OPENAPI = ROOT / "openapi.yaml"
REDOC_ASSETS = "assets/redoc"


def _sidecar_redoc() -> Path:
    import drf_spectacular_sidecar

    static = Path(drf_spectacular_sidecar.__file__).parent / "static"
    return static / "drf_spectacular_sidecar" / "redoc"


# The site's own files only: ReDoc's footer asks cdn.redoc.ly for a logo, which this refuses.
REDOC_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",  # ReDoc injects its styles at run time
        "img-src 'self' data:",
        "font-src 'self' data:",
        "worker-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
    ]
)
REDOC_PAGE = f"""<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta http-equiv="Content-Security-Policy" content="{REDOC_POLICY}">
    <title>API reference (v1) · Treatment Knowledge API</title>
    <style>body {{ margin: 0; padding: 0; }}</style>
  </head>
  <body>
    <redoc spec-url="openapi.json"></redoc>
    <script src="../assets/redoc/bundles/redoc.standalone.js"></script>
  </body>
</html>
"""


def schema_versions() -> tuple[str, str, dict[str, dict[str, Any]]]:
    """The current schema version, its predecessor list, and every published schema by version."""
    from treatments.documents.schema import (
        SCHEMA_VERSION,
        SCHEMA_VERSIONS,
        document_json_schema,
    )

    schemas = {version: document_json_schema(version) for version in SCHEMA_VERSIONS}
    return SCHEMA_VERSION, ", ".join(SCHEMA_VERSIONS), schemas


def schema_page_name(version: str, current: str) -> str:
    """The page of a schema version: the current one is `document-schema.md`."""
    if version == current:
        return "reference/document-schema.md"
    return f"reference/document-schema-{version.replace('.', '-')}.md"


_REGEX_TEST_LINK = re.compile(r" \(\[Test\]\(https://regexr\.com/[^)]*\)\)")
_REF_TEXT = re.compile(r"\[#/\$defs/(\w+)\]")


def schema_markdown(version: str, current: str, schemas: dict[str, dict[str, Any]]) -> str:
    """A schema version as a Markdown page (jsonschema2md, tidied: no off-site regex links)."""
    schema = schemas[version]
    parser = jsonschema2md.Parser(show_examples="all", header_level=1)
    body = "".join(parser.parse_schema(schema))
    body = _REGEX_TEST_LINK.sub("", body)
    body = _REF_TEXT.sub(r"[\1]", body)
    others = [
        f"[{v}]({Path(schema_page_name(v, current)).name})"
        for v in sorted(schemas, reverse=True)
        if v != version
    ]
    state = (
        "the current version" if version == current else f"an earlier version (current: {current})"
    )
    lines = [
        f"# Document schema {version}",
        "",
        "<!-- Generated at build time by docs/hooks/reference.py from the JSON Schema the API "
        "publishes; do not edit. -->",
        "",
        f"This is {state} of the JSON Schema (2020-12) that every published treatment "
        "document validates against, generated when the site is built from the same function "
        "that serves `GET /api/v1/schema/treatment-document/"
        + ("" if version == current else f"?version={version}")
        + "`. "
        f"The schema itself: [treatment-document-{version}.json]"
        f"(schemas/treatment-document-{version}.json).",
        "",
        "Properties marked *(1.1)* (or a later version) were added after 1.0 and are optional "
        "in documents frozen before them; see [Schema versions](schema-versions.md) for the "
        "compatibility promise.",
        "",
    ]
    if others:
        lines += ["Other versions: " + ", ".join(others) + ".", ""]
    return "\n".join(lines) + "\n" + body


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Make the project importable (mkdocs runs from .venv/bin and resets sys.path after
    loading a hook), so that the schema pages come from the code that serves the schema."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the generated reference pages and the local ReDoc assets to the site."""
    openapi = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
    files.append(
        File.generated(config, "reference/openapi.json", content=json.dumps(openapi, indent=1))
    )
    files.append(File.generated(config, "reference/openapi.yaml", abs_src_path=str(OPENAPI)))
    files.append(File.generated(config, "reference/redoc.html", content=REDOC_PAGE))
    redoc = _sidecar_redoc()
    for path in sorted(redoc.rglob("*")):
        if path.is_file() and path.suffix != ".map":
            uri = f"{REDOC_ASSETS}/{path.relative_to(redoc).as_posix()}"
            files.append(File.generated(config, uri, abs_src_path=str(path)))

    current, _, schemas = schema_versions()
    for version, schema in schemas.items():
        files.append(
            File.generated(
                config,
                f"reference/schemas/treatment-document-{version}.json",
                content=json.dumps(schema, indent=2, ensure_ascii=False),
            )
        )
        files.append(
            File.generated(
                config,
                schema_page_name(version, current),
                content=schema_markdown(version, current, schemas),
            )
        )
    return files


def on_serve(server: Any, config: MkDocsConfig, builder: Any) -> Any:
    """`make docs` rebuilds when the sources of the generated pages change."""
    server.watch(str(OPENAPI))
    server.watch(str(ROOT / "treatments" / "documents"))
    return server
