"""Every `<!-- test -->` example in docs/ runs against a live, seeded server, as a reader would.

Each page gets a fresh server (gunicorn on a free port, over a copy of one SQLite database that
was migrated and had the seed published once per session), and its examples run in page order
in bash, so a later example on a page sees what an earlier one did. The pages' hosts are
pointed at the server, `.venv/bin/python manage.py` acts on the server's database, and each
`curl` reports its HTTP status: the example fails when bash fails, or when the statuses differ
from its `expect=` (by default: any status of 400 or more). See docs/contributing.md.
"""

import contextlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.docs.examples import ROOT, Example, all_examples, for_server
from tests.processes import gunicorn, site_env

EXAMPLES = all_examples()
STATUS_LINE = re.compile(r"^docs-example-status: (\d{3})$", re.MULTILINE)
# Every curl of an example reports its status on stderr (curl's %{stderr} write-out).
PRELUDE = """set -eu
curl() { command curl -sS -w '%{stderr}\\ndocs-example-status: %{http_code}\\n' "$@"; }
"""
TIMEOUT = 180
SEED = (
    "import django; django.setup(); from django.core.management import call_command as run; "
    "run('migrate', '--noinput', verbosity=0); run('ensure_roles'); "
    "run('load_content', '--publish')"
)
# The examples run on SQLite databases of their own; the PostgreSQL leg has nothing to add.
pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the docs' examples run on their own SQLite databases, in the SQLite leg",
)


@dataclass
class Site:
    """A served copy of the seeded database and a working directory that looks like a clone."""

    page: str
    base_url: str
    env: dict[str, str]
    workdir: Path


def _workdir(path: Path) -> Path:
    """A directory where `.venv/bin/python manage.py …` and repository paths work as in a clone.

    Files an example writes (bundle.json, out/) land here, not in the repository.
    """
    path.mkdir()
    for entry in ROOT.iterdir():
        if entry.name not in {".venv", ".git", "db.sqlite3", "site"}:
            (path / entry.name).symlink_to(entry)
    venv = path / ".venv"
    if sys.prefix != sys.base_prefix:  # running in a virtualenv: the examples use it
        venv.symlink_to(sys.prefix)
    else:
        (venv / "bin").mkdir(parents=True)
        (venv / "bin" / "python").symlink_to(sys.executable)
    return path


class Sites:
    """One live server at a time: the current page's (examples are collected page by page)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.template = root / "seeded.sqlite3"
        self.current: Site | None = None
        self._stack = contextlib.ExitStack()

    def _seed(self) -> None:
        """What `make run` does before serving: migrate, the roles, the seed published."""
        env = site_env(DATABASE_URL=f"sqlite:///{self.template}")
        subprocess.run(
            [sys.executable, "-c", SEED], cwd=ROOT, env=env, check=True, capture_output=True
        )

    def for_page(self, page: str) -> Site:
        if self.current is not None and self.current.page == page:
            return self.current
        self._stack.close()
        self._stack = contextlib.ExitStack()
        if not self.template.exists():
            self._seed()
        folder = self.root / re.sub(r"\W", "-", page)
        folder.mkdir()
        database = folder / "db.sqlite3"
        shutil.copyfile(self.template, database)
        env = site_env(DATABASE_URL=f"sqlite:///{database}", DATABASE_CONN_MAX_AGE="0")
        port = self._stack.enter_context(gunicorn(env))
        self.current = Site(page, f"http://127.0.0.1:{port}", env, _workdir(folder / "clone"))
        return self.current

    def close(self) -> None:
        self._stack.close()


@pytest.fixture(scope="session")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sites]:
    served = Sites(tmp_path_factory.mktemp("docs-examples"))
    yield served
    served.close()


def _script(example: Example, site: Site) -> str:
    return PRELUDE + for_server(example.code, site.base_url)


def _verdict(example: Example, statuses: list[int]) -> str | None:
    if example.expect is not None:
        if tuple(statuses) != example.expect:
            return f"expected statuses {list(example.expect)}, got {statuses}"
        return None
    failed = [status for status in statuses if not 100 <= status < 400]
    if failed:
        return f"got {statuses}; add expect=… to the marker if an error status is the point"
    return None


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_the_documented_example_works(example: Example, sites: Sites) -> None:
    site = sites.for_page(example.page)
    result = subprocess.run(
        ["bash", "-c", _script(example, site)],
        cwd=site.workdir,
        env=site.env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    statuses = [int(status) for status in STATUS_LINE.findall(result.stderr)]
    problem = (
        f"bash exited {result.returncode}" if result.returncode else _verdict(example, statuses)
    )
    assert problem is None, (
        f"docs/{example.id}: {problem}.\n--- the example\n{example.code}"
        f"--- stdout\n{result.stdout[-3000:]}\n--- stderr\n{result.stderr[-3000:]}"
    )


def test_the_docs_have_tested_examples_on_every_guide() -> None:
    pages = {example.page.split("/")[0] for example in EXAMPLES}
    for guide in ("quickstart.md", "mobile-apps", "partners", "editors", "reference"):
        assert guide in pages, f"docs/{guide} has no <!-- test --> example"
