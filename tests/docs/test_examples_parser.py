"""How tested examples are found: the marker, its options, and what is not an example."""

from pathlib import Path

import pytest

from tests.docs.examples import ExampleError, examples_in

PAGE = """# A page

<!-- test -->
```sh
curl http://127.0.0.1:8000/api/v1/
```

````markdown
<!-- test -->
```sh
curl shown-as-text-only
```
````

```sh
curl not-marked
```

<!-- test: expect=200,304 -->
```bash
curl a
curl b
```
"""


def _page(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "page.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_marked_blocks_are_examples_and_blocks_inside_other_blocks_are_not(tmp_path: Path) -> None:
    found = examples_in(_page(tmp_path, PAGE), tmp_path)
    assert [(e.line, e.code, e.expect) for e in found] == [
        (5, "curl http://127.0.0.1:8000/api/v1/\n", None),
        (21, "curl a\ncurl b\n", (200, 304)),
    ]
    assert found[0].id == "page.md:5"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<!-- test -->\n\n```sh\ncurl x\n```\n", "followed directly by a ```sh"),
        ("<!-- test -->\n```python\nx = 1\n```\n", "followed directly by a ```sh"),
        ("<!-- test: expect=ok -->\n```sh\ncurl x\n```\n", "expect= takes HTTP statuses"),
        ("<!-- test: status=200 -->\n```sh\ncurl x\n```\n", "unknown test option"),
        ("<!-- test -->\n```sh\ncurl x\n", "never closed"),
    ],
)
def test_a_marker_the_runner_cannot_use_says_how_to_fix_it(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ExampleError, match=message):
        examples_in(_page(tmp_path, text), tmp_path)
