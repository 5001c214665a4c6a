"""Every file or folder the docs and the README name in backticks exists: docs follow code."""

import re

from tests.docs.examples import ROOT, pages

ROOMS = "api|treatments|partners|embed|events|editorial|config|bench|clients|tests|docs"
NAMED = re.compile(rf"`((?:{ROOMS})/[\w./-]*)`")
GENERATED = ("bench/out/", "site/")  # written by make faults / make docs-build, not committed
EXAMPLES = {"editorial/"}  # architecture.md names it as an example of a room to come


def test_every_path_the_docs_name_exists() -> None:
    missing = []
    for page in [*pages(), ROOT / "README.md"]:
        for path in sorted(set(NAMED.findall(page.read_text(encoding="utf-8")))):
            if path.startswith(GENERATED) or path in EXAMPLES:
                continue
            if not (ROOT / path).exists():
                missing.append(f"{page.relative_to(ROOT)}: {path}")
    assert missing == [], "these paths moved or went away; update the pages:\n" + "\n".join(missing)
