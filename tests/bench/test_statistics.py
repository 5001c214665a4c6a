"""The bench's verdict on rows that must hold from 10,000 treatments to the largest size."""

from typing import Any

from bench.driver.statistics import held_target


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
