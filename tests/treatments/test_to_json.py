"""`to_json` shares one JSON encoder: it must write exactly what `json.dumps` with the same
options writes, for any JSON value, and refuse what it refuses."""

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from treatments.documents.build import to_json

FIXED = settings(derandomize=True, database=None, max_examples=300, deadline=None)


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)


@FIXED
@given(json_values)
def test_to_json_writes_what_json_dumps_writes(data: Any) -> None:
    assert to_json(data) == dumps(data)


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
def test_to_json_refuses_nan_and_infinity(number: float) -> None:
    with pytest.raises(ValueError):
        to_json({"value": [number]})


def test_to_json_keeps_key_order_and_characters() -> None:
    assert to_json({"b": "é\u2028", "a": 1}) == '{"b":"é\u2028","a":1}'
