"""The closed UCUM table: what each unit is, checked against NLM's reference implementation.

`treatments/documents/ucum.py` lists the units 1.2 quantities may use. NLM's ucum-lhc (the
UCUM reference implementation, from npm: `npm ci --prefix tests/treatments/ucum`) is asked,
through node, whether each code is valid UCUM, what its print symbol and kind are, and how many
seconds each time unit is. Without node or the package these checks skip with the reason; with
UCUM_CHECK_REQUIRED=1 (set by .ci/run) they fail instead.
"""

import json
import os
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from treatments.choices import QuantityUnit, TimeUnit, UcumTimeUnit, UcumUnit
from treatments.documents.ucum import (
    FROM_QUANTITY_UNIT,
    FROM_TIME_UNIT,
    UNITS,
    Dimension,
    display,
)

HERE = Path(__file__).parent / "ucum"
REQUIRED = os.environ.get("UCUM_CHECK_REQUIRED", "") == "1"
SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
# ucum-lhc's name for a unit's kind -> ours (a cubic centimetre is a length cubed to it).
KINDS = {
    "time": Dimension.TIME,
    "temperature": Dimension.TEMPERATURE,
    "length": Dimension.LENGTH,
    "mass": Dimension.MASS,
    "volume": Dimension.VOLUME,
    "number": Dimension.COUNT,
    "arbitrary": Dimension.COUNT,
    "fraction": Dimension.COUNT,
    None: Dimension.COUNT,  # "1", the unity
}
# UCUM's calendar units are Julian: a year of 365.25 days, a month of a twelfth of that.
SECONDS = {
    "s": 1,
    "min": 60,
    "h": 3600,
    "d": 86_400,
    "wk": 604_800,
    "mo": 2_629_800,
    "a": 31_557_600,
}


@cache
def _reference() -> dict[str, Any]:
    node = shutil.which("node")
    missing = None
    if node is None:
        missing = "node is not installed"
    elif not (HERE / "node_modules" / "@lhncbc" / "ucum-lhc").is_dir():
        missing = "ucum-lhc is not installed (npm ci --prefix tests/treatments/ucum)"
    if missing is not None:
        if REQUIRED:
            pytest.fail(f"UCUM_CHECK_REQUIRED=1 but {missing}")
        pytest.skip(missing)
    codes = [*UcumUnit.values, "degC", "cc"]  # two that UCUM does not define
    result = subprocess.run(
        [str(node), str(HERE / "check.js")],
        input=json.dumps(codes),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    answers: dict[str, Any] = json.loads(result.stdout)
    return answers


def _printed(symbol: str | None) -> str:
    """ucum-lhc's print symbol (HTML) as plain text: "cm<sup>3</sup>" -> "cm³"."""
    return re.sub(r"<sup>(\d+)</sup>", lambda m: m.group(1).translate(SUPERSCRIPTS), symbol or "")


@pytest.mark.parametrize("code", UcumUnit.values)
def test_each_unit_is_valid_ucum_with_our_kind_and_display(code: str) -> None:
    answer = _reference()[code]
    assert answer["status"] == "valid", f"{code} is not UCUM"
    unit = UNITS[code]
    expected = Dimension.VOLUME if code == "cm3" else KINDS[answer["property"]]
    assert unit.dimension == expected
    printed = _printed(answer["printSymbol"])
    if code.startswith("10*"):
        printed = f"×{printed}"  # shown after a number: "2.5 ×10⁶"
    assert display(code) == printed


def test_what_is_not_ucum_is_refused_by_the_reference_too() -> None:
    assert _reference()["degC"]["status"] == "invalid"
    assert _reference()["cc"]["status"] == "invalid", "1.0's cc is UCUM's cm3"


@pytest.mark.parametrize("code", UcumTimeUnit.values)
def test_time_units_have_ucum_s_lengths(code: str) -> None:
    assert _reference()[code]["seconds"] == SECONDS[code]


def test_the_table_covers_the_vocabulary_and_the_1_0_units_translate() -> None:
    assert set(UNITS) == set(UcumUnit.values)
    assert {code for code, unit in UNITS.items() if unit.dimension == Dimension.TIME} == set(
        UcumTimeUnit.values
    )
    assert set(FROM_TIME_UNIT) == set(TimeUnit.values)
    assert set(FROM_QUANTITY_UNIT) == set(QuantityUnit.values) - {"unit", "dose"}
    assert set(FROM_TIME_UNIT.values()) | set(FROM_QUANTITY_UNIT.values()) <= set(UcumUnit.values)
    negative = {code for code, unit in UNITS.items() if unit.lowest < 0}
    assert negative == {"Cel", "[degF]"}, "only temperatures go below zero"
    assert [code for code, unit in UNITS.items() if unit.whole_numbers] == ["1"]
