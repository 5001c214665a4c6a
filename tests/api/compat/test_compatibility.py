"""openapi.yaml stays compatible with the last released contract: v1 only grows.

`openapi-1.1.yaml` is openapi.yaml as released on 2026-11-25 (commit 4fa35e7, the contract of
document schema 1.1, `info.version` 1.0.0): the last state clients were generated from before
this round. When a release ships, replace it with that release's openapi.yaml (and say so in
the changelog); never edit it to make this test pass.
"""

from pathlib import Path

import yaml

from .breaking import breaking_changes

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
RELEASED = HERE / "openapi-1.1.yaml"


def test_the_current_contract_breaks_nothing_the_last_release_promised() -> None:
    released = yaml.load(RELEASED.read_text(), Loader=yaml.CSafeLoader)
    current = yaml.load((ROOT / "openapi.yaml").read_text(), Loader=yaml.CSafeLoader)
    found = breaking_changes(released, current)
    assert found == [], (
        "openapi.yaml breaks clients of the last release:\n  "
        + "\n  ".join(found)
        + "\nv1 only grows (docs/reference/api-evolution.md): keep what was there, add beside "
        "it, and deprecate the old form in api/deprecation.py instead of removing it."
    )
