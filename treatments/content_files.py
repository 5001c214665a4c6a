"""Reading and writing content files (YAML or JSON) in the format of the shipped content."""

import json
from pathlib import Path
from typing import Any

import yaml

from treatments.documents.schema import TreatmentContent
from treatments.services import ContentInvalidError, content_validate

CONTENT_DIR = Path(__file__).resolve().parent / "content"


def shipped_content_files() -> list[Path]:
    """The content files shipped with the code, in a stable order."""
    return sorted([*CONTENT_DIR.glob("*.yaml"), *CONTENT_DIR.glob("*.json")])


def read_content_file(path: Path) -> TreatmentContent:
    """Parse and validate one content file; errors name the file and the field."""
    try:
        text = path.read_text(encoding="utf-8")
        data: Any = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        raise ContentInvalidError(
            [{"field": "(file)", "pointer": "", "message": str(exc)}],
            detail=f"{path}: cannot be read as content: {exc}",
        ) from None
    try:
        return content_validate(data)
    except ContentInvalidError as exc:
        lines = [f"  {e['field']}: {e['message']}" for e in exc.errors]
        detail = f"{path} is invalid:\n" + "\n".join(lines)
        raise ContentInvalidError(exc.errors, detail=detail) from None


def dump_content(content: dict[str, Any], *, fmt: str = "yaml") -> str:
    """Serialize content in the shipped file format."""
    if fmt == "json":
        return json.dumps(content, ensure_ascii=False, indent=2) + "\n"
    return yaml.safe_dump(content, sort_keys=False, allow_unicode=True, width=100)
