"""The bench's verdict on rows that must hold from 10,000 treatments to the largest size."""

from typing import Any

from bench.driver.endpoints import BESIDE_REFERENCE
from bench.driver.measurement import round_plan
from bench.driver.statistics import evaluate, held_target, ratio


def _size(count: int, **ratios: float) -> dict[str, Any]:
    cells = {"limit": {"rps_rounds": [1000.0, 1000.0, 1000.0]}}
    for name, value in ratios.items():
        cells[name] = {"rps_rounds": [1000.0 * value] * 3}
    return {"count": count, "cells": cells}


def test_a_row_that_keeps_80_percent_of_its_ratio_holds() -> None:
    row = held_target([_size(10000, detail=1.0, plan=0.6), _size(100000, detail=0.8, plan=0.5)])
    assert row["verdict"] == "PASS"
    assert row["values"]["held"] == {"detail": 0.8, "plan": 0.833}


def test_a_row_that_falls_further_is_named_and_misses() -> None:
    row = held_target([_size(10000, detail=1.0, list=0.9), _size(100000, detail=1.0, list=0.7)])
    assert row["verdict"] == "MISS"
    assert row["values"]["below"] == {"list": 0.778}


def test_the_whole_catalogue_bundle_is_not_judged_so_and_one_size_is_not_judged() -> None:
    row = held_target([_size(10000, bundle=0.1), _size(100000, bundle=0.03)])
    assert row["verdict"] == "n/a" and row["values"]["held"] == {}
    assert held_target([_size(10000, detail=1.0)])["verdict"] == "n/a"


def test_rows_with_their_own_floor_at_the_largest_size_are_judged_by_it_not_so() -> None:
    row = held_target(
        [
            _size(10000, detail=1.0, search_first=0.2, detail_miss=0.7, list_miss=0.6),
            _size(100000, detail=0.9, search_first=0.11, detail_miss=0.52, list_miss=0.41),
        ]
    )
    assert row["verdict"] == "PASS" and row["values"]["held"] == {"detail": 0.9}
    # ... which evaluate() still applies to them, at every size
    floors = {r["key"]: r for r in evaluate([_size(100000, search_first=0.09, list_miss=0.41)])}
    assert floors["search_first_vs_limit"]["verdict"] == "MISS"
    assert floors["list_miss_vs_limit"]["verdict"] == "PASS"


def test_the_floor_rows_have_the_limit_measured_just_before_them_in_each_round() -> None:
    names = ["detail", "detail_miss", "list", "limit", "search_first"]
    plan = round_plan(names, BESIDE_REFERENCE)
    assert plan == [
        ("detail", None),
        ("limit", "detail_miss"),
        ("detail_miss", None),
        ("list", None),
        ("limit", None),
        ("limit", "search_first"),
        ("search_first", None),
    ]
    # without the limit in the run there is nothing to measure beside
    assert round_plan(["detail_miss"], BESIDE_REFERENCE) == [("detail_miss", None)]


def test_a_ratio_uses_the_reference_measured_beside_it() -> None:
    size = _size(100000, detail_miss=0.5)
    assert ratio(size, "detail_miss", "limit") == 0.5
    size["cells"]["detail_miss"]["references"] = {"limit": [800.0, 900.0, 1000.0]}
    assert ratio(size, "detail_miss", "limit") == 0.556  # 500/900: the median per round
