"""The translations admin: add a translation, edit it beside its source, find outdated ones."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from editorial.translations.models import Translation
from tests.editorial.support import make_reviewer
from treatments.documents.build import build_content
from treatments.models import AuditEntry, Treatment
from treatments.services import content_validate, treatment_get_for_edit, treatment_replace

from .synthetic_source import change_and_publish, synthetic_source

pytestmark = pytest.mark.django_db
CHANGED_RISK = "A risk description changed in revision 2 of the source."


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _add_url(source: Treatment) -> str:
    return reverse("admin:translation_add", args=[source.pk])


def _editor_url(translation: Translation) -> str:
    return reverse("admin:translation_side_by_side", args=[translation.treatment_id])


def _content(treatment_id: Any) -> dict[str, Any]:
    return build_content(treatment_get_for_edit(treatment_id=treatment_id))


@pytest.fixture
def source() -> Treatment:
    return synthetic_source()


@pytest.fixture
def editor(roles: dict[str, Any]) -> Client:
    return _client(roles["editor"])


@pytest.fixture
def spanish(editor: Client, source: Treatment) -> Translation:
    response = editor.post(_add_url(source), {"language": "es"})
    assert response.status_code == 302, response.content.decode()[:3000]
    return Translation.objects.get(source=source, language="es")


def _save(client: Client, translation: Translation, texts: dict[str, str], **extra: Any) -> Any:
    translation.treatment.refresh_from_db()
    data = {"step": "save", "expected_version": translation.treatment.version, **texts, **extra}
    return client.post(_editor_url(translation), data)


# --- adding ------------------------------------------------------------------------------------


def test_the_add_page_says_the_text_starts_as_a_copy_and_is_never_machine_translated(
    editor: Client, source: Treatment
) -> None:
    page = editor.get(_add_url(source)).content.decode()
    assert "copy of this treatment" in page and "nothing is machine translated" in page


def test_adding_a_translation_copies_the_source_through_the_service_and_opens_the_editor(
    editor: Client, source: Treatment
) -> None:
    response = editor.post(_add_url(source), {"language": "ES"})
    row = Translation.objects.get(source=source)
    assert response.status_code == 302
    assert response["Location"] == _editor_url(row)
    assert row.language == "es", "the tag is stored in its canonical case"
    assert row.source_revision == 1, "it records the source revision it translates"
    content = _content(row.treatment_id)
    assert content["language"] == "es" and content["slug"] == f"{source.slug}-es"
    assert content["summary"] == _content(source.pk)["summary"], "it starts as the source's copy"
    assert AuditEntry.objects.filter(treatment_id=row.treatment_id).exists()


@pytest.mark.parametrize(
    ("language", "status", "says"),
    [
        ("not a tag!", 400, "Not a BCP 47 language tag"),
        ("en", 400, "the source&#x27;s own language"),
    ],
)
def test_a_bad_language_is_refused_on_the_language_field(
    editor: Client, source: Treatment, language: str, status: int, says: str
) -> None:
    response = editor.post(_add_url(source), {"language": language})
    page = response.content.decode()
    assert response.status_code == status
    assert 'id="language-error"' in page and says in page
    assert not Translation.objects.exists()


def test_a_second_translation_into_the_same_language_is_refused(
    editor: Client, source: Treatment, spanish: Translation
) -> None:
    response = editor.post(_add_url(source), {"language": "es"})
    assert response.status_code == 409
    assert "already has a &#x27;es&#x27; translation" in response.content.decode()
    assert Translation.objects.count() == 1


# --- permissions -------------------------------------------------------------------------------


def test_a_clinical_reviewer_reads_the_editor_but_cannot_add_or_save(
    source: Treatment, spanish: Translation
) -> None:
    reviewer = _client(make_reviewer("reviewer"))
    assert reviewer.get(_add_url(source)).status_code == 403
    assert reviewer.post(_add_url(source), {"language": "fr"}).status_code == 403
    page = reviewer.get(_editor_url(spanish))
    assert page.status_code == 200 and "<textarea" not in page.content.decode()
    assert _save(reviewer, spanish, {"/summary": "Changed by a reviewer"}).status_code == 403
    assert _content(spanish.treatment_id)["summary"] == "A summary written for tests only."


def test_someone_without_a_role_is_sent_to_log_in(
    roles: dict[str, Any], source: Treatment, spanish: Translation
) -> None:
    nobody = _client(roles["nobody"])
    for url in [_add_url(source), _editor_url(spanish)]:
        assert nobody.get(url).status_code == 302
    assert _client(roles["nobody"]).post(_add_url(source), {"language": "fr"}).status_code == 302
    assert Translation.objects.count() == 1


def test_the_review_of_a_translation_is_the_ordinary_review_page(
    editor: Client, spanish: Translation
) -> None:
    page = editor.get(_editor_url(spanish)).content.decode()
    assert reverse("admin:editorial_review", args=[spanish.treatment_id]) in page


# --- the side-by-side editor -------------------------------------------------------------------


def test_the_editor_shows_each_source_text_beside_the_translation_by_section(
    editor: Client, spanish: Translation
) -> None:
    page = editor.get(_editor_url(spanish)).content.decode()
    assert 'id="section-summary"' in page and 'id="section-risks"' in page
    assert page.index('id="section-summary"') < page.index('id="section-steps"')
    assert page.index('id="section-steps"') < page.index('id="section-risks"')
    assert 'name="/procedure/steps/0/detail"' in page
    assert 'name="/slug"' not in page, "identity is not a text to translate"


def test_saving_writes_the_texts_through_the_service_and_bumps_the_version(
    editor: Client, spanish: Translation
) -> None:
    before = spanish.treatment.version
    response = _save(editor, spanish, {"/summary": "[es] Un resumen de prueba."})
    assert response.status_code == 302
    spanish.treatment.refresh_from_db()
    assert spanish.treatment.version == before + 1
    assert _content(spanish.treatment_id)["summary"] == "[es] Un resumen de prueba."
    assert editor.get(_editor_url(spanish)).content.decode().count("[es] Un resumen de prueba.")


def test_a_stale_save_is_refused_with_reload_and_keeps_the_typed_text(
    editor: Client, spanish: Translation
) -> None:
    stale = spanish.treatment.version
    assert _save(editor, spanish, {"/overview": "[es] Saved first."}).status_code == 302
    response = editor.post(
        _editor_url(spanish),
        {"step": "save", "expected_version": stale, "/summary": "[es] Typed on a stale page."},
    )
    page = response.content.decode()
    assert response.status_code == 409
    assert "reload the page" in page.lower()
    assert "[es] Typed on a stale page." in page, "the editor's text is not lost"
    assert f'name="expected_version" value="{stale}"' in page, "saving again stays refused"
    assert _content(spanish.treatment_id)["summary"] == "A summary written for tests only."


def test_an_invalid_text_is_shown_on_its_own_field(editor: Client, spanish: Translation) -> None:
    response = _save(editor, spanish, {"/title": ""})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="text-title-error"' in page
    assert _content(spanish.treatment_id)["title"] == "Synthetic test procedure"


# --- outdated translations ---------------------------------------------------------------------


def _publish_changed_risk(source: Treatment) -> None:
    change_and_publish(source, lambda c: c["risks"]["items"][0].update(description=CHANGED_RISK))


def test_the_outdated_list_shows_a_translation_after_its_source_publishes_anew(
    editor: Client, source: Treatment, spanish: Translation
) -> None:
    url = reverse("admin:translations_translation_changelist") + "?outdated=yes"
    assert "Open es side by side" not in editor.get(url).content.decode()
    _publish_changed_risk(source)
    page = editor.get(url).content.decode()
    assert "Open es side by side" in page
    assert "Risks" in page and source.title in page


def test_the_sections_the_source_changed_are_highlighted_in_the_editor(
    editor: Client, source: Treatment, spanish: Translation
) -> None:
    _publish_changed_risk(source)
    page = editor.get(_editor_url(spanish)).content.decode()
    assert 'class="tr-section changed" id="section-risks"' in page
    assert 'class="tr-section" id="section-summary"' in page
    assert CHANGED_RISK in page, "the source's current text stands beside the translation"


def test_marking_up_to_date_needs_the_editor_to_confirm(
    editor: Client, source: Treatment, spanish: Translation
) -> None:
    _publish_changed_risk(source)
    spanish.treatment.refresh_from_db()
    data = {
        "step": "up_to_date",
        "expected_version": spanish.treatment.version,
        "source_revision": 2,
    }
    refused = editor.post(_editor_url(spanish), data)
    assert refused.status_code == 400 and 'id="confirm-error"' in refused.content.decode()
    spanish.refresh_from_db()
    assert spanish.source_revision == 1
    assert editor.post(_editor_url(spanish), {**data, "confirm": "yes"}).status_code == 302
    spanish.refresh_from_db()
    assert spanish.source_revision == 2
    assert "Mark as up to date" not in editor.get(_editor_url(spanish)).content.decode()


def test_the_treatment_page_links_to_adding_a_translation_for_editors_only(
    editor: Client, source: Treatment, spanish: Translation
) -> None:
    change = reverse("admin:treatments_treatment_change", args=[source.pk])
    page = editor.get(change).content.decode()
    assert _add_url(source) in page and "es: up to date" in page
    reviewer_page = _client(make_reviewer("reviewer")).get(change).content.decode()
    assert _add_url(source) not in reviewer_page
    translation_page = editor.get(
        reverse("admin:treatments_treatment_change", args=[spanish.treatment_id])
    ).content.decode()
    assert _editor_url(spanish) in translation_page


def test_a_new_translation_copies_the_live_revision_not_unpublished_edits(
    editor: Client, source: Treatment
) -> None:
    source.refresh_from_db()
    content = _content(source.pk)
    content["summary"] = "An unpublished edit of the source."
    treatment_replace(
        treatment_id=source.pk,
        content=content_validate(content),
        expected_version=source.version,
        actor=None,
    )
    assert editor.post(_add_url(source), {"language": "es"}).status_code == 302
    row = Translation.objects.get(source=source)
    assert row.source_revision == 1
    assert _content(row.treatment_id)["summary"] == "A summary written for tests only."
