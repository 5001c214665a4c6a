"""The documentation site, built once per test run the way `make docs-build` builds it."""

import atexit
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.docs.examples import ROOT

BUILD_TIMEOUT = 300


@functools.cache
def built_site() -> Path:
    """Build the site with --strict into a temporary folder (removed at exit); fail on warnings."""
    site = Path(tempfile.mkdtemp(prefix="docs-site-"))
    atexit.register(shutil.rmtree, site, ignore_errors=True)
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--clean", "--site-dir", str(site)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{log[-4000:]}"
    assert "WARNING" not in log, f"mkdocs build warned (make docs-build shows it):\n{log}"
    return site
