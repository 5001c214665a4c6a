"""The whole editorial flow in Chromium, by three people, as issue 18's "Done when" tells it.

An editor edits a nested row of the seed treatment and asks a named clinical reviewer for a
review; the reviewer comments at a part and requests changes; the editor fixes it and asks
again; the reviewer approves; a publisher schedules the publish a few minutes ahead; the
worker makes it live at its time with no one clicking (its time is brought forward and the
worker runs here, in this process, as tests/editorial/releases do), and the public API, the
sync feed and the card show it. On the way: a preview link opened by someone without an
account, a release of two treatments published together, and any two revisions compared from
the revisions page. Every page fits 1280 px and passes axe (serious and critical).
With ADMIN_SCREENSHOTS=1 it also takes the pictures of review.md, scheduling.md and previews.md.
"""

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from editorial.releases.models import Release, ScheduledAction
from tests.browser.admin_support import admin_page, check_page, guide_screenshot, login, scroll_to
from tests.editorial.releases.support import make_due, variant
from tests.editorial.support import make_reviewer
from tests.events.support import run_tasks
from treatments.models import ChangeLogEntry, Treatment
from treatments.services import content_load

pytestmark = pytest.mark.django_db(transaction=True)

# Test wording, not medical content: it only has to be recognisable where it should show.
EDITED = " (edited in the browser flow)"
FIXED = " (fixed in the browser flow)"
COMMENT = "This risk's name reads oddly now."
CHANGES = "Drop the note from the first risk's name."
RELEASED = "Summary released together with another treatment."


def messages(page: Any) -> str:
    return " | ".join(page.locator("ul.messagelist li").all_inner_texts())


def save(page: Any) -> None:
    page.get_by_role("button", name="Save and continue editing").click()
    page.wait_for_load_state()
    assert page.locator(".errornote").count() == 0, page.locator("#content").inner_text()[:2000]
    assert "was changed successfully" in messages(page)


def click(page: Any, button: str) -> str:
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()
    return messages(page)


def open_review(page: Any, base: str, treatment: Treatment) -> None:
    """From the treatment's change page, through its "Clinical review" box, as a person goes."""
    page.goto(base + reverse("admin:treatments_treatment_change", args=[treatment.pk]))
    boxes = page.get_by_role("region", name="About this treatment")
    boxes.get_by_role("link", name="Clinical review").click()
    page.wait_for_load_state()


def first_risk(page: Any) -> Any:
    return page.locator("#id_risks-0-name")


def test_edit_review_fix_approve_schedule_preview_release_and_compare_in_the_browser(
    live_server: Any,
    seed_published: Treatment,
    seed_data: dict[str, Any],
    roles: dict[str, Any],
    browser: Any,
) -> None:
    base = live_server.url
    slug = seed_published.slug
    for user in roles.values():
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
    make_reviewer("reviewer", display_name="Dr Flow Reviewer", credentials="MD (test)")
    content_load(content=variant(seed_data, 0), publish=True)
    other = Treatment.objects.exclude(pk=seed_published.pk).get()
    change_url = base + reverse("admin:treatments_treatment_change", args=[seed_published.pk])
    sync_token = live_api(browser, f"{base}/api/v1/sync/")["next_sync_token"]

    editor_context, editor = admin_page(browser)
    reviewer_context, reviewer = admin_page(browser)
    publisher_context, publisher = admin_page(browser)
    try:
        login(editor, base, "editor")
        login(reviewer, base, "reviewer")
        login(publisher, base, "publisher")

        # The editor edits a nested row (the first risk) and asks the reviewer by name.
        editor.goto(change_url)
        risk = first_risk(editor).input_value()
        first_risk(editor).fill(risk + EDITED)
        save(editor)
        open_review(editor, base, seed_published)
        editor.locator("#id_reviewers").select_option("reviewer")
        assert "Review requested" in click(editor, "Request review")
        assert editor.locator("#review-state").inner_text() == "In review"
        check_page(editor)

        # The reviewer comments at that risk, then requests changes.
        open_review(reviewer, base, seed_published)
        reviewer.locator("#id_comment_pointer").select_option("/risks/items/0")
        reviewer.locator("#id_comment_body").fill(COMMENT)
        assert "Comment added" in click(reviewer, "Add comment")
        beside = reviewer.locator('tr[data-pointer="/risks/items/0"]').inner_text()
        assert COMMENT in beside, "the comment is shown beside the part it is about"
        scroll_to(reviewer, 'tr[data-pointer="/risks/items/0"]', block="center")
        guide_screenshot(reviewer, "review-comment")
        reviewer.locator("#id_changes_pointer").select_option("/risks/items/0")
        reviewer.locator("#id_changes_body").fill(CHANGES)
        assert "Changes requested" in click(reviewer, "Request changes")

        # The editor fixes it and asks again; the reviewer resolves the comment and approves.
        editor.goto(change_url)
        first_risk(editor).fill(risk + FIXED)
        save(editor)
        open_review(editor, base, seed_published)
        assert editor.locator("#review-state").inner_text() == "Changes requested"
        assert "Review requested" in click(editor, "Request review")
        open_review(reviewer, base, seed_published)
        resolve = reviewer.get_by_role("button", name="Mark resolved")
        while resolve.count():  # the comment and the request for changes
            resolve.first.click()
            reviewer.wait_for_load_state()
            assert "resolved" in messages(reviewer)
        assert "Approved" in click(reviewer, "Approve")
        check_page(reviewer)  # a resolved comment stays readable (contrast)

        # The publisher sees the approval on the change page and schedules the publish.
        publisher.goto(change_url)
        boxes = publisher.get_by_role("region", name="About this treatment")
        assert "approved by Dr Flow Reviewer" in boxes.inner_text()
        boxes.locator(".treatment-panel", has_text="Schedule").get_by_role(
            "link", name="Schedule"
        ).click()
        publisher.wait_for_load_state()
        check_page(publisher)
        publisher.locator("#id_action").select_option("publish")
        when = timezone.localtime() + dt.timedelta(minutes=3)
        publisher.locator("#id_at").fill(when.strftime("%Y-%m-%dT%H:%M"))
        guide_screenshot(publisher, "schedule")
        assert "Scheduled: publish" in click(publisher, "Schedule")

        # A preview link, opened by someone with no account: the fixed draft, never public.
        editor.goto(change_url)
        boxes = editor.get_by_role("region", name="About this treatment")
        boxes.get_by_role("link", name="Preview links").click()
        editor.wait_for_load_state()
        editor.locator("#id_note").fill("For a clinician outside")
        click(editor, "Create preview link")
        check_page(editor, screenshot="preview-link")
        preview_url = editor.locator("#created-url").input_value()
        document_url = editor.locator("#created-document").input_value()
        stranger_context = browser.new_context(viewport={"width": 1280, "height": 800})
        try:
            stranger = stranger_context.new_page()
            answer = stranger.goto(preview_url)
            assert answer.status == 200
            assert "no-store" in answer.headers["cache-control"]
            assert "noindex" in answer.headers["x-robots-tag"]
            check_page(stranger)
            draft = stranger.request.get(document_url).json()
            assert draft["risks"]["items"][0]["name"] == risk + FIXED
        finally:
            stranger_context.close()
        public = live_api(browser, f"{base}/api/v1/treatments/{slug}/")
        assert public["risks"]["items"][0]["name"] == risk, "not live before its time"

        # Its time comes; the worker runs it; the public API, the sync feed and the card show it.
        make_due(ScheduledAction.objects.get(treatment=seed_published))
        run_tasks()
        public = live_api(browser, f"{base}/api/v1/treatments/{slug}/")
        assert public["risks"]["items"][0]["name"] == risk + FIXED
        assert public["revision"] == 2
        assert public["review"]["reviewer"] == "Dr Flow Reviewer, MD (test)"
        delta = live_api(browser, f"{base}/api/v1/sync/?token={sync_token}")
        assert [item["id"] for item in delta["upserts"]] == [str(seed_published.pk)]
        card = publisher.request.get(f"{base}/embed/v1/treatments/{slug}/").text()
        assert risk + FIXED in card
        subjects = [message.subject for message in mail.outbox]
        assert any(s.startswith("Review requested") for s in subjects), subjects
        assert any(s.startswith("Changes requested") for s in subjects), subjects
        assert any(s.startswith("Approved") for s in subjects), subjects
        assert any(s.startswith("Done: publish") for s in subjects), subjects

        # A release of two treatments: both edited, both approved, published together.
        for treatment in (seed_published, other):
            editor.goto(base + reverse("admin:treatments_treatment_change", args=[treatment.pk]))
            editor.locator("#id_summary").fill(RELEASED)
            save(editor)
            open_review(editor, base, treatment)
            click(editor, "Request review")
            open_review(reviewer, base, treatment)
            assert "Approved" in click(reviewer, "Approve")
        publisher.goto(base + reverse("admin:releases_release_add"))
        publisher.locator("#id_name").fill("Two together")
        for row, treatment in enumerate((seed_published, other)):
            if row:
                publisher.get_by_text("Add another Release member").click()
            publisher.locator(".dynamic-members .select2-selection").nth(row).click()
            publisher.locator(".select2-search__field").fill(treatment.title)
            publisher.locator(".select2-results__option", has_text=treatment.title).first.click()
        publisher.locator("input[name=_continue]").click()
        publisher.wait_for_load_state()
        assert "was added successfully" in messages(publisher)
        check_page(publisher, screenshot="release")
        publisher.get_by_role("link", name="Publish now…").click()
        publisher.wait_for_load_state()
        check_page(publisher)
        assert "is live" in click(publisher, "Publish now")
        assert Release.objects.get().state == "published"
        for treatment in (seed_published, other):
            document = live_api(browser, f"{base}/api/v1/treatments/{treatment.slug}/")
            assert document["summary"] == RELEASED
        last_two = list(ChangeLogEntry.objects.order_by("-sequence")[:2])
        assert last_two[0].sequence == last_two[1].sequence + 1, "consecutive change-log entries"

        # Any two revisions compared, from the revisions page.
        publisher.goto(change_url)
        publisher.get_by_role("link", name="Revisions, diffs & audit").click()
        publisher.wait_for_load_state()
        check_page(publisher)
        publisher.get_by_role("link", name="Compare revision 2 with revision 1").click()
        publisher.wait_for_load_state()
        risks = publisher.locator("#section-risks")
        assert risk + FIXED in risks.inner_text(), "revision 2 renamed the first risk"
        check_page(publisher)
        scroll_to(publisher, "#section-risks")
        guide_screenshot(publisher, "compare")
        publisher.go_back()
        publisher.locator("#compare-from").select_option("1")
        publisher.locator("#compare-to").select_option("3")
        publisher.get_by_role("button", name="Compare", exact=True).click()
        publisher.wait_for_load_state()
        changed = publisher.locator(".toc").inner_text()
        assert "Summary" in changed and "Risks" in changed, changed
    finally:
        for context in (editor_context, reviewer_context, publisher_context):
            context.close()


def live_api(browser: Any, url: str) -> Any:
    """A public GET, as an app would make it: no cookies, no admin session."""
    context = browser.new_context()
    try:
        answer = context.request.get(url)
        assert answer.status == 200, f"{url}: {answer.status} {answer.text()[:500]}"
        return answer.json()
    finally:
        context.close()
