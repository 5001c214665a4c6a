"""export_treatments → import_treatments round-trips losslessly; dry runs write nothing."""

import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command

from treatments.documents.build import build_content
from treatments.models import AuditEntry, Treatment

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_export_then_import_round_trips_losslessly(
    tmp_path: Path, seed_published: Any, fmt: str
) -> None:
    before = build_content(Treatment.objects.get())
    _run("export_treatments", str(tmp_path), "--format", fmt)
    exported = tmp_path / f"{seed_published.slug}.{fmt}"
    assert exported.exists()
    assert "unchanged" in _run("import_treatments", "--from-dir", str(tmp_path))
    # Into an empty database: the same content comes back.
    Treatment.objects.filter(pk=seed_published.pk).update(slug="moved-away")
    text = exported.read_text().replace(seed_published.slug, "round-trip-copy")
    exported.write_text(text)
    assert "created" in _run("import_treatments", str(exported))
    copy = build_content(Treatment.objects.get(slug="round-trip-copy"))
    assert copy == {**before, "slug": "round-trip-copy"}


def test_import_dry_run_reports_and_writes_nothing(tmp_path: Path, seed_published: Any) -> None:
    data = yaml.safe_load(_run("export_treatments", "--slug", seed_published.slug))
    data["summary"] = "A changed summary."
    path = tmp_path / "changed.yaml"
    path.write_text(yaml.safe_dump(data))
    audits = AuditEntry.objects.count()
    assert "would be updated" in _run("import_treatments", str(path), "--dry-run")
    assert Treatment.objects.get().summary != "A changed summary."
    assert AuditEntry.objects.count() == audits
    assert "updated" in _run("import_treatments", str(path))
    assert Treatment.objects.get().summary == "A changed summary."


def test_export_of_an_unknown_slug_fails_clearly(db: Any) -> None:
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="no-such-slug"):
        _run("export_treatments", "--slug", "no-such-slug")
