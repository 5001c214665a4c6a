"""The admin saves through the services: contract errors land on the right field, never a 500."""

from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from tests.editorial.support import approve
from treatments.documents.build import build_content
from treatments.models import AuditEntry, Publication, Revision, Risk, SlugAlias, Treatment
from treatments.services import content_load, treatment_get_for_edit

pytestmark = pytest.mark.django_db


class _BrowserForm(HTMLParser):
    """What a browser posts when a form is submitted: its successful controls, as rendered."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.data: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self.data.append((name, a.get("value", "on")))
                return
            self.data.append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops one newline right after <textarea>, as the HTML spec says.
            text = "".join(self._text)
            self.data.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._options if selected]
            if not chosen and self._options:
                chosen = [self._options[0][0]]  # a single select without a choice posts its first
            self.data.extend((self._select, value) for value in chosen[:1])
            self._select = None


def admin_form_data(client: Client, url: str, form_id: str = "treatment_form") -> dict[str, Any]:
    """The change form's fields exactly as the page renders them, as a browser posts them back.

    Read from the HTML (hidden inline ids included), never from the form objects: a test must
    not fill in what the page failed to render.
    """
    response = client.get(url)
    assert response.status_code == 200, "the page must render before it can be posted back"
    parser = _BrowserForm(form_id)
    parser.feed(response.content.decode())
    assert parser.data, f"no form #{form_id} on {url}"
    data = dict(parser.data)
    assert len(data) == len(parser.data), "a field name is posted twice; this helper keeps one"
    return data


def change_url(treatment: Treatment) -> str:
    return reverse("admin:treatments_treatment_change", args=[treatment.pk])


def stored(treatment: Treatment) -> tuple[int, int, dict[str, Any], list[int]]:
    """Everything a save could change: version, audit trail, content and child row ids."""
    current = treatment_get_for_edit(treatment_id=treatment.pk, include_deleted=True)
    return (
        current.version,
        AuditEntry.objects.filter(treatment=current).count(),
        build_content(current),
        sorted(current.steps.values_list("id", flat=True)),
    )


def inline_errors(response: Any, prefix: str, index: int) -> dict[str, list[str]]:
    for formset in response.context["inline_admin_formsets"]:
        if formset.formset.prefix == prefix:
            return dict(formset.formset.forms[index].errors)
    raise AssertionError(f"no inline with prefix {prefix!r} on the page")


def form_errors(response: Any) -> dict[str, list[str]]:
    return dict(response.context["adminform"].form.errors)


def test_admin_changelist_and_add_page_render(
    client: Client, superuser: Any, seed_published: Any
) -> None:
    client.force_login(superuser)
    listing = client.get(reverse("admin:treatments_treatment_changelist") + "?review=overdue")
    assert listing.status_code == 200
    assert (
        client.get(reverse("admin:treatments_treatment_changelist")).content.count(
            b"Bone Marrow Stem Cell Injection"
        )
        >= 1
    )
    assert client.get(reverse("admin:treatments_treatment_add")).status_code == 200


def test_admin_change_page_saves_through_compare_and_set_with_audit(
    client: Client, superuser: Any, seed_published: Any
) -> None:
    client.force_login(superuser)
    url = change_url(seed_published)
    data = admin_form_data(client, url)
    data["summary"] = "Edited in the admin."
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    treatment = Treatment.objects.get()
    assert treatment.summary == "Edited in the admin."
    assert treatment.version == seed_published.version + 1
    entry = AuditEntry.objects.order_by("-id").first()
    assert entry is not None and entry.action == "update" and entry.actor_label == "admin"
    assert entry.hash_before != entry.hash_after
    assert entry.message == "", "the admin audits an edit exactly as the editor API does"
    assert "Edited in the admin." not in Publication.objects.get().document_json


def test_a_stale_admin_form_never_overwrites_a_newer_save(
    client: Client, superuser: Any, seed_published: Any
) -> None:
    client.force_login(superuser)
    url = change_url(seed_published)
    first, second = admin_form_data(client, url), admin_form_data(client, url)
    first["summary"] = "First editor wins."
    assert client.post(url, first).status_code == 302
    before = stored(seed_published)
    second["summary"] = "Second editor is stale."
    response = client.post(url, second)
    assert response.status_code == 200
    assert "Someone saved this treatment after you opened it" in response.content.decode()
    assert Treatment.objects.get().summary == "First editor wins."
    assert stored(seed_published) == before


def test_admin_form_errors_name_the_field(
    client: Client, superuser: Any, seed_published: Any
) -> None:
    # Changed deliberately: the messages are the contract's, no longer the model's own.
    client.force_login(superuser)
    url = change_url(seed_published)
    data = admin_form_data(client, url)
    data["course_sessions_min"], data["course_sessions_max"] = 5, 2
    data["steps-1-quantity_min"] = "-3"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "session count minimum (5) is larger than its maximum (2)" in " ".join(
        form_errors(response)["course_sessions_min"]
    )
    assert "greater than or equal to 0" in " ".join(
        inline_errors(response, "steps", 1)["quantity_min"]
    )
    assert Treatment.objects.get().version == seed_published.version


def test_a_quantity_unit_without_an_amount_is_a_form_error_on_that_step_not_a_500(
    client: Client, superuser: Any, seed_published: Any
) -> None:
    client.force_login(superuser)
    url = change_url(seed_published)
    data = admin_form_data(client, url)
    assert data["steps-0-quantity_min"] == "", "the seed's first step has no quantity"
    data["steps-0-quantity_unit"] = "cc"
    before = stored(seed_published)
    response = client.post(url, data)
    assert response.status_code == 200
    errors = inline_errors(response, "steps", 0)
    assert "Give at least one of min and max" in " ".join(errors["quantity_min"])
    assert stored(seed_published) == before


def test_a_risk_with_an_empty_description_saves_as_the_contract_allows(
    client: Client, superuser: Any, seed_published: Any
) -> None:
    client.force_login(superuser)
    url = change_url(seed_published)
    data = admin_form_data(client, url)
    data["risks-0-description"] = ""
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Risk.objects.order_by("order").first().description == ""  # type: ignore[union-attr]


def test_imported_content_with_empty_texts_saves_unchanged_in_the_admin(
    client: Client, superuser: Any, seed_data: dict[str, Any]
) -> None:
    from treatments.documents.schema import TreatmentContent

    seed_data["risks"]["items"][0]["description"] = ""
    seed_data["recovery_rules"][0]["patient_text"] = ""
    seed_data["timeline"][0]["patient_text"] = ""
    content_load(content=TreatmentContent.model_validate(seed_data))
    treatment = Treatment.objects.get()
    client.force_login(superuser)
    url = change_url(treatment)
    data = admin_form_data(client, url)
    data["_continue"] = "Save and continue editing"
    before = stored(treatment)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["No changes to save."]
    assert stored(treatment) == before, "an unchanged save writes nothing, bumps nothing"


@pytest.mark.parametrize("title", ["Bell\x07 title", "Reversed \u202etitle"])
def test_a_title_with_control_or_bidi_characters_is_a_form_error_on_the_title(
    client: Client, superuser: Any, seed_published: Any, title: str
) -> None:
    client.force_login(superuser)
    url = change_url(seed_published)
    data = admin_form_data(client, url)
    data["title"] = title
    before = stored(seed_published)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "control characters" in " ".join(form_errors(response)["title"])
    assert stored(seed_published) == before


def test_text_areas_posted_with_crlf_line_endings_are_stored_with_lf(
    client: Client, superuser: Any, seed_published: Any
) -> None:
    client.force_login(superuser)
    url = change_url(seed_published)
    data = admin_form_data(client, url)
    data["overview"] = "First line.\r\nSecond line."
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Treatment.objects.get().overview == "First line.\nSecond line."


@pytest.mark.parametrize("number", ["inf", "-inf", "nan", "1e400"])
def test_a_non_finite_number_is_a_form_error_and_writes_nothing(
    client: Client, superuser: Any, seed_published: Any, number: str
) -> None:
    client.force_login(superuser)
    url = change_url(seed_published)
    data = admin_form_data(client, url)
    data["steps-1-quantity_max"] = number
    before = stored(seed_published)
    response = client.post(url, data)
    assert response.status_code == 200
    assert inline_errors(response, "steps", 1).get("quantity_max")
    assert stored(seed_published) == before


@pytest.mark.parametrize(
    "garbage", ["", "\x00", "\u202e", "inf", "-1", "1e400", "\u00b2", "99999999999"]
)
def test_garbage_in_every_field_is_form_errors_never_a_500(
    client: Client, superuser: Any, seed_published: Any, garbage: str
) -> None:
    client.force_login(superuser)
    url = change_url(seed_published)
    data = admin_form_data(client, url)
    kept = ("TOTAL_FORMS", "INITIAL_FORMS", "-id", "-treatment", "expected_version")
    for name in data:
        if not name.endswith(kept):
            data[name] = garbage
    before = stored(seed_published)
    response = client.post(url, data)
    assert response.status_code == 200
    assert stored(seed_published) == before


def test_text_longer_than_the_contract_allows_is_a_form_error_on_that_field(
    client: Client, superuser: Any, seed_published: Any
) -> None:
    client.force_login(superuser)
    url = change_url(seed_published)
    data = admin_form_data(client, url)
    data["overview"] = "x" * 10_001
    data["risks-0-description"] = "x" * 10_001
    before = stored(seed_published)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "at most 10000 characters" in " ".join(form_errors(response)["overview"])
    assert "at most 10000 characters" in " ".join(
        inline_errors(response, "risks", 0)["description"]
    )
    assert stored(seed_published) == before


def test_inline_rows_are_saved_in_the_order_of_their_order_field(
    client: Client, superuser: Any, seed_published: Any
) -> None:
    client.force_login(superuser)
    url = change_url(seed_published)
    data = admin_form_data(client, url)
    titles = [s["title"] for s in build_content(seed_published)["procedure"]["steps"]]
    data["steps-0-order"] = 9  # moved last
    data["steps-2-order"] = data["steps-1-order"]  # a tie: the page's order decides
    data["steps-3-DELETE"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    treatment = treatment_get_for_edit(treatment_id=seed_published.pk)
    saved = [s["title"] for s in build_content(treatment)["procedure"]["steps"]]
    assert saved == [titles[1], titles[2], titles[0]]
    assert [s.order for s in treatment.steps.all()] == [1, 2, 3], "renumbered by the service"


def test_a_missing_category_on_the_add_page_is_the_contracts_error_on_that_field(
    client: Client, superuser: Any
) -> None:
    client.force_login(superuser)
    url = reverse("admin:treatments_treatment_add")
    data = admin_form_data(client, url)
    data.update(title="No category", slug="no-category", summary="S.", classification="procedural")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Field required" in " ".join(form_errors(response)["category"])
    assert not Treatment.objects.exists()


def test_a_slug_taken_by_another_treatment_is_a_form_error_on_the_slug(
    client: Client, superuser: Any, seed_published: Any
) -> None:
    client.force_login(superuser)
    url = reverse("admin:treatments_treatment_add")
    data = admin_form_data(client, url)
    data.update(
        title="A copy",
        slug=seed_published.slug,
        summary="Draft summary.",
        category=seed_published.category_id,
        classification="procedural",
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert seed_published.slug in " ".join(form_errors(response)["slug"])
    assert Treatment.objects.count() == 1


def test_admin_publish_unpublish_and_revert_buttons(
    client: Client, superuser: Any, seed_published: Any
) -> None:
    client.force_login(superuser)
    url = change_url(seed_published)
    data = admin_form_data(client, url)
    data["summary"] = "A second revision."
    client.post(url, data)
    approve(seed_published)  # a clinical reviewer signs the edit off (four eyes)
    version = Treatment.objects.get().version
    publish = reverse("admin:treatment_publish", args=[seed_published.pk])
    client.post(publish, {"expected_version": version, "change_note": "second"})
    assert Revision.objects.count() == 2
    history = client.get(reverse("admin:treatment_revisions", args=[seed_published.pk]))
    assert history.status_code == 200
    assert "/summary" in history.content.decode(), "the diff shows the changed field"
    revert = reverse("admin:treatment_revert", args=[seed_published.pk, 1])
    client.post(revert, {"expected_version": Treatment.objects.get().version})
    assert Revision.objects.count() == 3
    unpublish = reverse("admin:treatment_unpublish", args=[seed_published.pk])
    client.post(unpublish, {"expected_version": Treatment.objects.get().version})
    assert not Publication.objects.live().exists()


def test_an_editor_without_publish_permission_cannot_publish(
    client: Client, roles: dict[str, Any], seed_draft: Any
) -> None:
    client.force_login(roles["editor"])
    publish = reverse("admin:treatment_publish", args=[seed_draft.pk])
    response = client.post(publish, {"expected_version": seed_draft.version})
    assert response.status_code == 403
    assert not Revision.objects.exists()


@pytest.mark.parametrize("version", ["", "abc", "\u00b2", "-1", "99999999999999999999"])
def test_a_button_posted_with_a_bad_version_is_a_message_not_a_500(
    client: Client, superuser: Any, seed_draft: Any, version: str
) -> None:
    client.force_login(superuser)
    before = stored(seed_draft)
    publish = reverse("admin:treatment_publish", args=[seed_draft.pk])
    response = client.post(publish, {"expected_version": version})
    assert response.status_code == 302
    assert stored(seed_draft) == before
    assert not Revision.objects.exists()


def test_an_editor_cannot_soft_delete_and_does_not_see_the_button(
    client: Client, roles: dict[str, Any], seed_draft: Any
) -> None:
    client.force_login(roles["editor"])
    page = client.get(change_url(seed_draft)).content.decode()
    assert 'value="Delete (keeps history)"' not in page and 'value="Publish"' not in page
    before = stored(seed_draft)
    delete = reverse("admin:treatment_soft_delete", args=[seed_draft.pk])
    response = client.post(delete, {"expected_version": seed_draft.version})
    assert response.status_code == 403
    assert Treatment.objects.get().deleted_at is None
    assert stored(seed_draft) == before


def test_an_editor_edits_in_the_admin(
    client: Client, roles: dict[str, Any], seed_draft: Any
) -> None:
    client.force_login(roles["editor"])
    url = change_url(seed_draft)
    data = admin_form_data(client, url)
    data["summary"] = "Edited by an editor."
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert AuditEntry.objects.order_by("-id")[0].actor_label == "editor"


def test_a_publisher_publishes_and_soft_deletes_and_an_editor_restores(
    client: Client, roles: dict[str, Any], seed_draft: Any
) -> None:
    client.force_login(roles["publisher"])
    page = client.get(change_url(seed_draft)).content.decode()
    assert 'value="Publish"' in page and 'value="Delete (keeps history)"' in page
    publish = reverse("admin:treatment_publish", args=[seed_draft.pk])
    client.post(publish, {"expected_version": Treatment.objects.get().version})
    assert Publication.objects.live().exists()
    delete = reverse("admin:treatment_soft_delete", args=[seed_draft.pk])
    client.post(delete, {"expected_version": Treatment.objects.get().version})
    assert Treatment.objects.get().deleted_at is not None
    assert not Publication.objects.live().exists()

    client.force_login(roles["editor"])
    url = change_url(seed_draft)
    deleted = client.get(url)
    assert deleted.status_code == 200 and 'value="Restore"' in deleted.content.decode()
    assert client.post(url, {"summary": "Edit a deleted one."}).status_code == 403
    restore = reverse("admin:treatment_restore", args=[seed_draft.pk])
    client.post(restore, {"expected_version": Treatment.objects.get().version})
    assert Treatment.objects.get().deleted_at is None


def test_admin_add_page_creates_a_treatment(
    client: Client, superuser: Any, seed_published: Any
) -> None:
    client.force_login(superuser)
    url = reverse("admin:treatments_treatment_add")
    data = admin_form_data(client, url)
    data.update(
        title="A new treatment",
        slug="a-new-treatment",
        summary="Draft summary.",
        category=seed_published.category_id,
        classification="procedural",
        tissue_source="not_applicable",
        possible_tissue_sources="[]",
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = Treatment.objects.get(slug="a-new-treatment")
    assert response["Location"] == reverse("admin:treatments_treatment_changelist")
    assert created.version == 1
    assert AuditEntry.objects.filter(treatment=created, action="create").count() == 1
    assert any("was added successfully" in str(m) for m in get_messages(response.wsgi_request))


def test_former_slugs_are_shown_but_never_edited_by_hand(
    client: Client, superuser: Any, seed_published: Any
) -> None:
    SlugAlias.objects.create(slug="old-slug", treatment=seed_published)
    client.force_login(superuser)
    assert client.get(reverse("admin:treatments_slugalias_changelist")).status_code == 200
    assert client.get(reverse("admin:treatments_slugalias_add")).status_code == 403


def test_existing_inline_rows_render_their_ids_so_a_browser_posts_them_back(
    client: Client, superuser: Any, seed_published: Any
) -> None:
    client.force_login(superuser)
    data = admin_form_data(client, change_url(seed_published))
    step_ids = [data[f"steps-{index}-id"] for index in range(int(data["steps-INITIAL_FORMS"]))]
    assert step_ids == [
        str(pk) for pk in seed_published.steps.order_by("order").values_list("pk", flat=True)
    ]


def test_an_error_on_a_hidden_field_is_shown_on_the_page_not_only_counted(
    client: Client, superuser: Any, seed_published: Any
) -> None:
    client.force_login(superuser)
    url = change_url(seed_published)
    data = admin_form_data(client, url)
    data["steps-1-id"] = ""  # what the page used to send for every row
    data["expected_version"] = "not a number"
    before = stored(seed_published)
    response = client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Please correct the errors below." in html
    assert "Row id: missing from the page; reload the treatment." in html
    assert "Expected version: Enter a whole number." in html
    assert stored(seed_published) == before


class _FormNesting(HTMLParser):
    """The deepest nesting of <form> elements on a page (a browser ignores inner ones)."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = self.deepest = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "form":
            self.depth += 1
            self.deepest = max(self.deepest, self.depth)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.depth -= 1


def test_the_publishing_buttons_are_forms_of_their_own_outside_the_change_form(
    client: Client, roles: dict[str, Any], seed_published: Any
) -> None:
    client.force_login(roles["publisher"])
    html = client.get(change_url(seed_published)).content.decode()
    nesting = _FormNesting()
    nesting.feed(html)
    assert nesting.deepest == 1, "a form inside the change form submits the change form instead"
    assert html.index('value="Publish"') > html.index("</form>", html.index('id="treatment_form"'))
