"""Shared fixtures: the seed content, published or not, and users with each role."""

import copy
import dataclasses
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Group, User

from treatments.content_files import read_content_file, shipped_content_files
from treatments.documents.schema import TreatmentContent
from treatments.services import content_load

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL")
    for item in items:
        if "postgres" in item.keywords and not ON_POSTGRES:
            item.add_marker(skip)


@pytest.fixture
def seed_content() -> TreatmentContent:
    """The shipped seed treatment's content, as validated from its file."""
    return read_content_file(shipped_content_files()[0])


@pytest.fixture
def seed_data(seed_content: TreatmentContent) -> dict[str, Any]:
    """The seed content as plain data, for tests that change a copy of it."""
    return copy.deepcopy(seed_content.model_dump(mode="json"))


@pytest.fixture
def seed_draft(db: Any, seed_content: TreatmentContent) -> Any:
    """The seed treatment loaded as a draft (never published)."""
    from treatments.models import Treatment

    content_load(content=seed_content)
    return Treatment.objects.get(slug=seed_content.slug)


@pytest.fixture
def seed_published(db: Any, seed_content: TreatmentContent) -> Any:
    """The seed treatment loaded and published as revision 1."""
    from treatments.models import Treatment

    content_load(content=seed_content, publish=True)
    return Treatment.objects.get(slug=seed_content.slug)


@pytest.fixture
def register_handler() -> Iterator[Callable[..., Callable[[Any], Any]]]:
    """Register event handlers (events.handlers) for this test only; unregistered after it.

    `register_handler("name", func, event_types=[...], atomic=..., ...)`; run them with
    `tests.events.support.run_tasks()` in a `django_db(transaction=True)` test.
    """
    from events.handlers import event_handler, handler_unregister

    names: list[str] = []

    def register(name: str, func: Callable[[Any], Any], **options: Any) -> Callable[[Any], Any]:
        names.append(name)
        return event_handler(name, **options)(func)

    yield register
    for name in names:
        handler_unregister(name)


def make_variant(data: dict[str, Any], index: int) -> TreatmentContent:
    """A distinct, valid treatment derived from the seed (for lists and query counts)."""
    variant = copy.deepcopy(data)
    variant["slug"] = f"{data['slug']}-variant-{index}"
    variant["title"] = f"{data['title']} variant {index:03d}"
    return TreatmentContent.model_validate(variant)


@pytest.fixture
def publish_many(db: Any, seed_data: dict[str, Any]) -> Any:
    """Publish `n` distinct treatments shaped like the seed."""

    def publish(n: int) -> None:
        for index in range(n):
            content_load(content=make_variant(seed_data, index), publish=True)

    return publish


def _user(username: str, *, groups: list[str] = (), staff: bool = False) -> User:  # type: ignore[assignment]
    user = User.objects.create_user(username=username, password="a-long-test-password")
    user.is_staff = staff
    user.save()
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    return user


@pytest.fixture
def roles(db: Any) -> dict[str, User]:
    """Users for each role: none, editor (writes drafts), publisher (also publishes)."""
    from treatments.roles import ensure_roles

    ensure_roles()
    return {
        "nobody": _user("nobody"),
        "editor": _user("editor", groups=["editors"], staff=True),
        "publisher": _user("publisher", groups=["editors", "publishers"], staff=True),
    }


@pytest.fixture
def superuser(db: Any) -> User:
    return User.objects.create_superuser("admin", "admin@example.org", "a-long-test-password")


def edit_and_publish(treatment_id: Any, change: Any) -> None:
    """Change the working copy with `change(content)` through the services, then publish it."""
    from treatments.documents.build import build_content
    from treatments.models import Treatment
    from treatments.services import (
        content_validate,
        treatment_get_for_edit,
        treatment_publish,
        treatment_replace,
    )

    version = Treatment.objects.get(pk=treatment_id).version
    content = build_content(treatment_get_for_edit(treatment_id=treatment_id))
    change(content)
    t = treatment_replace(
        treatment_id=treatment_id,
        content=content_validate(content),
        expected_version=version,
        actor=None,
    )
    treatment_publish(treatment_id=t.pk, expected_version=t.version, actor=None)


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    """Each test starts with no rate-limit state in worker memory (cache.clear() empties Redis)."""
    from api.ratelimit import reset_store

    reset_store()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright, one for the whole run.

    One only: Playwright's sync API runs an event loop in this thread, and a second
    `sync_playwright()` opened while the first is alive fails ("inside the asyncio loop"), so
    every browser test (tests/browser, the admin pages of each app) shares this one.
    Without Chromium or Playwright it skips, or fails under BROWSER_TESTS_REQUIRED=1 (CI).
    """
    from pathlib import Path

    chromium_path = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
    missing = (
        None if chromium_path.exists() else f"{chromium_path} is missing: apt-get install chromium"
    )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = "playwright (Python) is not installed: make install"
    if missing:
        if os.environ.get("BROWSER_TESTS_REQUIRED", "") == "1":
            pytest.fail(f"BROWSER_TESTS_REQUIRED=1 but {missing}", pytrace=False)
        pytest.skip(missing)
    # The ORM calls of the tests themselves stay synchronous beside Playwright's loop.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    args = [
        "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
        "--disable-background-networking",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-sync",
    ]
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(chromium_path), headless=True, args=args
        )
        yield chromium
        chromium.close()


@pytest.fixture
def bilingual(db: Any, seed_data: dict[str, Any]) -> Any:
    """A synthetic English treatment and its synthetic Spanish translation, both published.

    The texts are marked as test texts (`[es] ` + the English); no medical text is translated.
    """
    from editorial.translations.services import translation_create
    from tests.editorial.translations.support import synthetic, synthetic_source
    from treatments.models import Treatment
    from treatments.services import content_validate, treatment_publish

    english = synthetic_source(seed_data)
    content_load(content=content_validate(english), publish=True)
    source = Treatment.objects.get(slug=english["slug"])
    row = translation_create(
        source_id=source.pk,
        language="es",
        content=content_validate(synthetic(english, "es")),
        actor=None,
    )
    spanish = row.treatment
    treatment_publish(treatment_id=spanish.pk, expected_version=spanish.version, actor=None)
    return Bilingual(source=source, spanish=Treatment.objects.get(pk=spanish.pk))


@dataclasses.dataclass(frozen=True)
class Bilingual:
    """The two treatments of the `bilingual` fixture."""

    source: Any
    spanish: Any
