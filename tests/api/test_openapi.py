"""openapi.yaml is what the code generates, it is a valid OpenAPI document, and it is complete."""

from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from openapi_spec_validator import validate

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "openapi.yaml"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: Any) -> str:
    out = tmp_path_factory.mktemp("openapi") / "openapi.yaml"
    call_command("spectacular", "--api-version", "v1", "--file", str(out))
    return out.read_text()


def test_committed_openapi_matches_the_code(generated: str) -> None:
    assert generated == COMMITTED.read_text(), (
        "openapi.yaml is stale. Regenerate it with `make openapi` "
        "(manage.py spectacular --api-version v1 --file openapi.yaml) and commit it."
    )


def test_openapi_document_is_valid() -> None:
    validate(yaml.safe_load(COMMITTED.read_text()))


def test_every_operation_is_documented_completely() -> None:
    spec = yaml.safe_load(COMMITTED.read_text())
    assert spec["openapi"].startswith("3.1")
    seen = set()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            assert operation.get("operationId"), f"{where} needs an operation id"
            assert operation["operationId"] not in seen, f"{where}: duplicate operation id"
            seen.add(operation["operationId"])
            assert operation.get("tags"), f"{where} needs tags"
            assert operation.get("description"), f"{where} needs a description"
            responses = operation["responses"]
            success = [code for code in responses if code.startswith("2")]
            assert success, f"{where} documents no success response"
            for code in success:
                content = responses[code].get("content", {})
                for media in content.values():
                    if method == "get":
                        assert media.get("examples") or code == "204", (
                            f"{where} {code} needs an example"
                        )
            errors = [code for code in responses if code[0] in "45"]
            assert errors, f"{where} documents no error responses"
            for code in errors:
                assert "application/problem+json" in responses[code]["content"], (
                    f"{where} {code} must be documented as application/problem+json"
                )
