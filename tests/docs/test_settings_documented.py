"""Every environment variable the settings read is on the operators' Settings page."""

import re

from tests.docs.examples import DOCS, ROOT

SETTINGS_PAGE = DOCS / "operators" / "settings.md"
# os.environ.get("X"…), os.environ["X"], env_bool("X"…), env_list("X"…), env="X" (dj-database-url)
READ = re.compile(
    r"""(?:environ(?:\.get)?\(|environ\[|env_\w+\(|env=)\s*["']([A-Z][A-Z0-9_]+)["']"""
)
# Variables that are Django's or a tool's own, not ours to document.
NOT_OURS = {"DJANGO_SETTINGS_MODULE"}


def _read_by_config() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "config").rglob("*.py"):
        names |= set(READ.findall(path.read_text(encoding="utf-8")))
    return names - NOT_OURS


def test_every_setting_read_from_the_environment_is_documented() -> None:
    page = SETTINGS_PAGE.read_text(encoding="utf-8")
    names = _read_by_config()
    assert {"DATABASE_URL", "REDIS_URL", "PUBLIC_MEMORY_TTL"} <= names, "the scan found settings"
    missing = sorted(name for name in names if f"`{name}`" not in page)
    assert missing == [], f"add {missing} to docs/operators/settings.md (name, default, what)"
