"""The documentation's tested examples: shell blocks marked `<!-- test -->`, found in docs/.

A fenced `sh` or `bash` block right after a line `<!-- test -->` (or
`<!-- test: expect=200,304 -->`) is run by tests/docs/test_examples.py against a live, seeded
server; docs/contributing.md says how to write one. This module only finds and parses them.
"""

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
# The hosts the pages use for this API; the runner points both at the server under test.
EXAMPLE_HOSTS = ("http://127.0.0.1:8000", "https://api.example.org")
LANGUAGES = ("sh", "bash")

_MARKER = re.compile(r"^<!--\s*test(?::\s*(?P<options>.*?))?\s*-->\s*$")
_FENCE = re.compile(r"^(?P<fence>`{3,})(?P<language>[\w-]*)\s*$")


@dataclass(frozen=True)
class Example:
    """One tested block: where it is, its shell text, and the HTTP statuses it must get."""

    page: str  # relative to docs/, e.g. "partners/api-keys.md"
    line: int  # 1-based line of the block's first line of code
    code: str
    expect: tuple[int, ...] | None  # None: every answer must be a success (1xx-3xx)

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


class ExampleError(ValueError):
    """A `<!-- test -->` marker that the runner cannot use; the message says how to fix it."""


def _options(text: str | None, where: str) -> tuple[int, ...] | None:
    expect: tuple[int, ...] | None = None
    for option in (text or "").split():
        name, _, value = option.partition("=")
        if name != "expect" or not value:
            raise ExampleError(f"{where}: unknown test option {option!r}; write expect=200,304")
        try:
            expect = tuple(int(status) for status in value.split(","))
        except ValueError:
            raise ExampleError(
                f"{where}: expect= takes HTTP statuses, e.g. expect=200,304"
            ) from None
    return expect


def _closing(lines: list[str], start: int, fence: str) -> int:
    """The index of the line that closes a block opened with `fence` (len(lines) if none)."""
    end = start
    while end < len(lines) and lines[end].strip() != fence:
        end += 1
    return end


def examples_in(path: Path, docs: Path = DOCS) -> list[Example]:
    """The tested examples of one Markdown page, in page order."""
    page = path.relative_to(docs).as_posix()
    lines = path.read_text(encoding="utf-8").splitlines()
    found = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening:  # a block without a marker: skip it whole (it may show a marker as text)
            index = _closing(lines, index + 1, opening["fence"]) + 1
            continue
        marker = _MARKER.match(lines[index])
        index += 1
        if not marker:
            continue
        where = f"docs/{page}:{index}"
        fence = _FENCE.match(lines[index]) if index < len(lines) else None
        if not fence or fence["language"] not in LANGUAGES:
            raise ExampleError(
                f"{where}: a <!-- test --> marker must be followed directly by a ```sh or "
                "```bash block"
            )
        expect = _options(marker["options"], where)
        start = index + 1
        end = _closing(lines, start, fence["fence"])
        if end == len(lines):
            raise ExampleError(f"{where}: the block after the marker is never closed")
        found.append(Example(page, start + 1, "\n".join(lines[start:end]) + "\n", expect))
        index = end + 1
    return found


def pages() -> list[Path]:
    """Every Markdown page of the site's sources (the build hooks are not pages)."""
    return sorted(p for p in DOCS.rglob("*.md") if "hooks" not in p.relative_to(DOCS).parts)


def all_examples() -> list[Example]:
    return [example for page in pages() for example in examples_in(page)]


def snippet(page: str, heading: str, language: str, *, index: int = 0) -> str:
    """The `index`-th fenced block in `language` under `heading` (e.g. "## oEmbed") of a page.

    For examples that another test runs in its own way (the browser tests run the card's iframe
    snippet in a partner page): the test reads the page, so the page cannot drift from it.
    """
    lines = (DOCS / page).read_text(encoding="utf-8").splitlines()
    level = len(heading) - len(heading.lstrip("#"))
    blocks: list[str] = []
    fence: str | None = None  # the language of the block we are in, if any
    current: list[str] = []
    for line in lines[lines.index(heading) + 1 :]:
        if fence is None:
            if re.match(rf"#{{1,{level}}} ", line):
                break  # the next heading of the same or a higher level ends the section
            if line.startswith("```"):
                fence, current = line[3:].strip(), []
        elif line == "```":
            if fence == language:
                blocks.append("\n".join(current) + "\n")
            fence = None
        else:
            current.append(line)
    return blocks[index]


def for_server(code: str, base_url: str) -> str:
    """An example pointed at the server under test instead of the pages' example hosts."""
    for host in EXAMPLE_HOSTS:
        code = code.replace(host, base_url)
    return code
