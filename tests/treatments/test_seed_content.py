"""The shipped seed content loads into exactly the structure the source page describes."""

import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from treatments.models import (
    AuditEntry,
    Category,
    Publication,
    RecoveryRule,
    Revision,
    Risk,
    SafetyItem,
    Step,
    Treatment,
)

pytestmark = pytest.mark.django_db

SEED_SLUG = "bone-marrow-stem-cell-injection"


def _loaded() -> Treatment:
    call_command("load_content", stdout=io.StringIO())
    return Treatment.objects.get(slug=SEED_SLUG)


def test_seed_treatment_identity_and_classification() -> None:
    t = _loaded()
    assert t.title == "Bone Marrow Stem Cell Injection"
    assert t.category.name == "Pain Treatments"
    assert t.classification == "biological"
    assert t.tissue_source == "autologous", "the clinic uses bone marrow from your own body"
    assert t.possible_tissue_sources == ["autologous", "allogeneic"]
    assert "autologous (from self)" in t.tissue_source_note
    assert "allogenic (from others)" in t.tissue_source_note


def test_seed_mechanism_names_growth_factors_stem_cells_and_signalling_cells() -> None:
    notes = list(_loaded().mechanism_notes.order_by("order"))
    subjects = [n.subject for n in notes]
    assert subjects[0] == "Growth factors and bioactive proteins"
    assert "Stem cells" in subjects
    assert any("medicinal signaling cells (MSCs)" in n.text for n in notes)
    assert any("head football coach" in n.text for n in notes)
    assert any("stimulate neighboring cells" in n.text for n in notes)


def test_seed_compares_with_corticosteroids_including_onset() -> None:
    comparison = _loaded().comparisons.get()
    assert comparison.compared_with == "corticosteroids"
    assert "much differently" in comparison.difference
    assert "8-12 weeks" in comparison.onset_difference


def test_seed_steps_are_the_four_steps_in_order() -> None:
    t = _loaded()
    steps = list(Step.objects.filter(treatment=t).order_by("order"))
    assert [s.order for s in steps] == [1, 2, 3, 4]
    needle, draw, tube, back = steps
    assert "back portion of the hip bone under x-ray" in needle.detail
    assert needle.performer == "physician" and needle.guidance == "x-ray"
    assert (draw.quantity_min, draw.quantity_max, draw.quantity_unit) == (10, 10, "cc")
    assert draw.quantity_approximate is True, "the page says approximately 10 cc"
    assert draw.duration_wording == "quickly"
    assert draw.duration_min is None, "the page gives no duration in numbers"
    assert "special test tube" in tube.detail
    assert "injected back into the body" in back.detail
    assert t.performer == "physician" and t.imaging_guidance == "x-ray"


def test_seed_risks_keep_the_page_wording_and_likelihood() -> None:
    t = _loaded()
    assert t.risk_level_wording == "low"
    assert "from the hip is low" in t.risk_statement
    risks = {r.name: r for r in Risk.objects.filter(treatment=t)}
    assert set(risks) == {
        "Bleeding at the injection site",
        "Infection at the injection site",
        "Putting the bone marrow contents back into your body",
    }
    for name in ("Bleeding at the injection site", "Infection at the injection site"):
        risk = risks[name]
        assert risk.likelihood_band == "rare"
        assert risk.likelihood_basis == "qualitative", "the band is mapped from words, not data"
        assert "rarely" in risk.likelihood_wording
        assert risk.seriousness == "not_stated"
        assert risk.resolves_unit == "hour"
        assert risk.resolves_min is None and risk.resolves_max is None, "'a few hours' is vague"
        assert "within a few hours" in risk.resolves_wording
    assert risks["Putting the bone marrow contents back into your body"].likelihood_band == "none"


def test_seed_recovery_rules_have_their_windows_and_conditions() -> None:
    t = _loaded()
    rules = {r.activity: r for r in RecoveryRule.objects.filter(treatment=t)}
    assert set(rules) == {"strenuous_activity", "normal_activities", "running", "driving"}

    rigorous = rules["strenuous_activity"]
    assert (rigorous.restriction, rigorous.start_offset, rigorous.end_offset, rigorous.unit) == (
        "avoid",
        0,
        1,
        "day",
    )
    assert "Take it easy." in rigorous.patient_text

    normal = rules["normal_activities"]
    assert (normal.restriction, normal.start_offset, normal.end_offset) == ("resume", 1, None)
    assert normal.calendar_days is True, "'the next day' is a calendar day"

    running = rules["running"]
    assert (running.restriction, running.end_offset, running.unit) == ("avoid", 72, "hour")
    assert running.at_least is True, "'at least 72 hours' is a minimum"

    driving = rules["driving"]
    assert (driving.restriction, driving.start_offset, driving.end_offset) == ("avoid", 0, 1)
    assert driving.calendar_days is True, "'the day of the injection' is a calendar day"
    assert driving.condition == "anaesthesia_given"
    assert "any form of anesthesia" in driving.condition_text


def test_seed_timeline_keeps_ranges_and_vagueness() -> None:
    events = {e.kind: e for e in _loaded().timeline.all()}
    onset = events["onset"]
    assert (onset.range_min, onset.range_max, onset.unit) == (8, 12, "week")
    assert onset.qualifier == "typically"
    relief = events["duration_of_effect"]
    assert relief.range_min is None and relief.range_max is None, "'several' is not a number"
    assert relief.open_ended is True and relief.unit == "month"
    assert relief.range_wording == "several months or longer"
    assert relief.varies_between_people is True


def test_seed_course_call_to_action_and_empty_safety() -> None:
    t = _loaded()
    assert (t.course_sessions_min, t.course_sessions_max) == (2, 3)
    assert t.course_evidence_qualifier == "Recent data suggests"
    assert t.course_interval_min is None, "the page gives no interval between injections"
    assert "Contact us today" in t.call_to_action_text
    assert t.call_to_action_label == "Call Our Office"
    assert not SafetyItem.objects.filter(treatment=t).exists(), "the page names none"
    assert t.sources.count() == 1 and t.attribution


def test_loading_twice_changes_nothing() -> None:
    first = _loaded()
    counts = (Treatment.objects.count(), Step.objects.count(), AuditEntry.objects.count())
    call_command("load_content", stdout=io.StringIO())
    again = Treatment.objects.get(slug=SEED_SLUG)
    assert again.version == first.version
    assert (Treatment.objects.count(), Step.objects.count(), AuditEntry.objects.count()) == counts


def test_loading_with_publish_twice_creates_one_revision() -> None:
    call_command("load_content", "--publish", stdout=io.StringIO())
    call_command("load_content", "--publish", stdout=io.StringIO())
    assert Revision.objects.count() == 1
    assert Publication.objects.live().count() == 1


def _write(tmp_path: Path, data: Any, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return path


def test_invalid_content_file_names_the_field_and_writes_nothing(
    tmp_path: Path, seed_data: dict[str, Any]
) -> None:
    seed_data["procedure"]["steps"][1]["quantity"]["min"] = -5
    good = _write(tmp_path, {**seed_data, "slug": "another-one"}, "good.yaml")
    bad = _write(tmp_path, seed_data)
    with pytest.raises(CommandError) as excinfo:
        call_command("load_content", str(good), str(bad))
    assert "procedure.steps.1.quantity.min" in str(excinfo.value)
    assert "greater than or equal to 0" in str(excinfo.value)
    assert Treatment.objects.count() == 0, "one bad file must write nothing, not even good ones"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["course"].update(sessions={"min": 3, "max": 2}), "course.sessions"),
        (lambda d: d["recovery_rules"][0]["window"].update(start=5, end=1), "recovery_rules.0"),
        (lambda d: d.update(unknown_key=1), "unknown_key"),
        (lambda d: d["risks"]["items"][0]["likelihood"].update(band="sometimes"), "band"),
        (lambda d: d.update(title="bad \x00 title"), "title"),
    ],
)
def test_invalid_content_is_rejected_with_the_field_named(
    tmp_path: Path, seed_data: dict[str, Any], change: Any, field: str
) -> None:
    change(seed_data)
    with pytest.raises(CommandError) as excinfo:
        call_command("load_content", str(_write(tmp_path, seed_data)))
    assert field in str(excinfo.value)
    assert not Treatment.objects.exists()


def test_dry_run_reports_and_writes_nothing(capsys: Any) -> None:
    call_command("load_content", "--dry-run")
    assert "would be created" in capsys.readouterr().out
    assert not Treatment.objects.exists()


def test_database_constraints_reject_invalid_rows() -> None:
    t = _loaded()
    with pytest.raises(IntegrityError), transaction.atomic():
        Step.objects.create(treatment=t, order=1, title="dup", detail="same order as step 1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Step.objects.create(treatment=t, order=9, title="x", detail="x", quantity_min=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Step.objects.create(
            treatment=t, order=9, title="x", detail="x", quantity_min=5, quantity_max=1
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Treatment.objects.filter(pk=t.pk).update(course_sessions_min=4, course_sessions_max=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        RecoveryRule.objects.filter(treatment=t, activity="running").update(start_offset=100)
    assert Category.objects.count() == 1
