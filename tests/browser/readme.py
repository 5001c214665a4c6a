"""The README's copy-paste snippets, read from README.md so the browser tests run what it says."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
EXAMPLE_HOST = "https://api.example.org"


def readme_snippet(heading: str, language: str, *, index: int = 0) -> str:
    """The `index`-th fenced block in `language` under the README heading `heading`."""
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n{heading}\n")
    following = re.search(r"\n#{1,3} ", text[start + len(heading) + 2 :])
    section = text[
        start : start + len(heading) + 2 + (following.start() if following else len(text))
    ]
    blocks = re.findall(rf"```{language}\n(.*?)```", section, flags=re.DOTALL)
    return blocks[index]


def for_server(snippet: str, base_url: str) -> str:
    """The snippet pointed at the server under test instead of the example host."""
    return snippet.replace(EXAMPLE_HOST, base_url)
