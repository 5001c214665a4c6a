"""The compatibility checker catches each kind of breaking change, and passes additive ones.

Each case edits a copy of the committed openapi.yaml the way a careless change would, and the
checker must name what broke. Additive edits must pass, or the checker would block v1 growing.
"""

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from .breaking import breaking_changes

ROOT = Path(__file__).resolve().parents[3]
LIST = "/api/v1/treatments/"
CREATE = "/api/v1/editor/treatments/"


@pytest.fixture(scope="module")
def current() -> dict[str, Any]:
    return yaml.load((ROOT / "openapi.yaml").read_text(), Loader=yaml.CSafeLoader)


def _schemas(spec: dict[str, Any]) -> dict[str, Any]:
    return spec["components"]["schemas"]


def _parameter(spec: dict[str, Any], path: str, name: str) -> dict[str, Any]:
    params = spec["paths"][path]["get"]["parameters"]
    return next(p for p in params if p["name"] == name)


def remove_operation(spec: dict[str, Any]) -> None:
    del spec["paths"]["/api/v1/bundle/"]["get"]


def remove_parameter(spec: dict[str, Any]) -> None:
    params = spec["paths"][LIST]["get"]["parameters"]
    params.remove(_parameter(spec, LIST, "drug"))


def require_parameter(spec: dict[str, Any]) -> None:
    _parameter(spec, LIST, "q")["required"] = True


def add_required_parameter(spec: dict[str, Any]) -> None:
    spec["paths"][LIST]["get"]["parameters"].append(
        {"in": "query", "name": "region", "required": True, "schema": {"type": "string"}}
    )


def remove_enum_value(spec: dict[str, Any]) -> None:
    _parameter(spec, LIST, "review_status")["schema"]["enum"].remove("overdue")


def add_enum_value_to_a_response(spec: dict[str, Any]) -> None:
    _schemas(spec)["ClassificationEnum"]["enum"].append("a_new_classification")


def remove_response_field(spec: dict[str, Any]) -> None:
    summary = _schemas(spec)["TreatmentSummary"]
    del summary["properties"]["summary"]
    summary["required"].remove("summary")


def stop_always_sending_a_field(spec: dict[str, Any]) -> None:
    _schemas(spec)["TreatmentSummary"]["required"].remove("published_at")


def make_a_response_field_nullable(spec: dict[str, Any]) -> None:
    _schemas(spec)["TreatmentSummary"]["properties"]["revision"]["type"] = ["integer", "null"]


def require_a_request_field(spec: dict[str, Any]) -> None:
    _schemas(spec)["TreatmentContentRequest"]["required"].append("overview")


def add_a_required_request_field(spec: dict[str, Any]) -> None:
    body = _schemas(spec)["TreatmentContentRequest"]
    body["properties"]["region"] = {"type": "string"}
    body["required"].append("region")


def remove_a_request_field(spec: dict[str, Any]) -> None:
    del _schemas(spec)["TreatmentContentRequest"]["properties"]["attribution"]


@dataclass(frozen=True)
class Case:
    """An edit of openapi.yaml and a phrase the checker's finding must contain."""

    edit: Callable[[dict[str, Any]], None]
    finding: str


BREAKING = [
    Case(remove_operation, "GET /api/v1/bundle/: the operation was removed"),
    Case(remove_parameter, "query parameter 'drug' was removed"),
    Case(require_parameter, "query parameter 'q' became required"),
    Case(add_required_parameter, "a required query parameter 'region' was added"),
    Case(remove_enum_value, "the enum value 'overdue' was removed"),
    Case(add_enum_value_to_a_response, "'a_new_classification' was added to what the server"),
    Case(remove_response_field, "property 'summary' was removed"),
    Case(stop_always_sending_a_field, "'published_at' is no longer always sent"),
    Case(make_a_response_field_nullable, "'revision': the type now also allows ['null']"),
    Case(require_a_request_field, "property 'overview' became required"),
    Case(add_a_required_request_field, "a required property 'region' was added"),
    Case(remove_a_request_field, "property 'attribution' was removed"),
]


@pytest.mark.parametrize("case", BREAKING, ids=[c.edit.__name__ for c in BREAKING])
def test_the_checker_finds_each_kind_of_breaking_change(
    current: dict[str, Any], case: Case
) -> None:
    assert breaking_changes(current, current) == []
    changed = copy.deepcopy(current)
    case.edit(changed)
    found = breaking_changes(current, changed)
    assert any(case.finding in f for f in found), f"expected {case.finding!r} among {found}"


def test_a_deliberately_removed_response_field_fails_where_clients_read_it(
    current: dict[str, Any],
) -> None:
    changed = copy.deepcopy(current)
    remove_response_field(changed)
    found = breaking_changes(current, changed)
    # Every operation that sends a summary names it: the list pages, through the page component.
    assert f"GET {LIST} 200 response property 'results'[] property 'summary' was removed" in found


def add_an_operation(spec: dict[str, Any]) -> None:
    spec["paths"]["/api/v1/new/"] = copy.deepcopy(spec["paths"]["/api/v1/bundle/"])


def add_an_optional_parameter(spec: dict[str, Any]) -> None:
    spec["paths"][LIST]["get"]["parameters"].append(
        {"in": "query", "name": "region", "schema": {"type": "string"}}
    )


def add_a_response_field(spec: dict[str, Any]) -> None:
    _schemas(spec)["TreatmentSummary"]["properties"]["region"] = {"type": "string"}
    _schemas(spec)["TreatmentSummary"]["required"].append("region")


def add_an_optional_request_field(spec: dict[str, Any]) -> None:
    _schemas(spec)["TreatmentContentRequest"]["properties"]["region"] = {"type": "string"}


def add_an_enum_value_a_client_may_send(spec: dict[str, Any]) -> None:
    _parameter(spec, LIST, "review_status")["schema"]["enum"].append("due_soon")


def make_a_request_field_optional(spec: dict[str, Any]) -> None:
    _schemas(spec)["TreatmentContentRequest"]["required"].remove("summary")


def deprecate_a_field(spec: dict[str, Any]) -> None:
    _schemas(spec)["TreatmentSummary"]["properties"]["summary"]["deprecated"] = True


ADDITIVE = [
    add_an_operation,
    add_an_optional_parameter,
    add_a_response_field,
    add_an_optional_request_field,
    add_an_enum_value_a_client_may_send,
    make_a_request_field_optional,
    deprecate_a_field,
]


@pytest.mark.parametrize("edit", ADDITIVE, ids=[e.__name__ for e in ADDITIVE])
def test_additive_changes_pass(
    current: dict[str, Any], edit: Callable[[dict[str, Any]], None]
) -> None:
    changed = copy.deepcopy(current)
    edit(changed)
    assert breaking_changes(current, changed) == []
