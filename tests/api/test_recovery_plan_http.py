"""GET /api/v1/treatments/{key}/recovery-plan/ and recovery-plan.ics over Django's test client.

The calendar is read back with vobject, a parser independent of the icalendar library that
writes it.
"""

import datetime as dt
from typing import Any

import pytest
import vobject
from django.test import Client
from django.urls import reverse

from api.v1.renditions.schemas import RecoveryPlan
from api.v1.renditions.views import plan_path
from treatments import services
from treatments.documents.build import build_content, etag_for
from treatments.models import Treatment

pytestmark = pytest.mark.django_db
SLUG = "bone-marrow-stem-cell-injection"
PLAN = f"/api/v1/treatments/{SLUG}/recovery-plan/"
ICS = f"/api/v1/treatments/{SLUG}/recovery-plan.ics"
QUERY = {"procedure_at": "2026-03-07T09:30", "tz": "America/New_York"}
PROBLEM = "application/problem+json"


def _republish(treatment_id: Any, change: Any) -> None:
    """Change the working copy through the services and publish it as a new revision."""
    content = build_content(services.treatment_get_for_edit(treatment_id=treatment_id))
    change(content)
    version = Treatment.objects.get(pk=treatment_id).version
    services.treatment_replace(
        treatment_id=treatment_id,
        content=services.content_validate(content),
        expected_version=version,
        actor=None,
    )
    services.treatment_publish(
        treatment_id=treatment_id,
        expected_version=Treatment.objects.get(pk=treatment_id).version,
        actor=None,
    )


def _errors(response: Any) -> dict[str, str]:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def _events(response: Any) -> dict[str, Any]:
    calendar = vobject.readOne(response.content.decode())
    return {event.summary.value: event for event in calendar.vevent_list}


def test_the_plan_urls_are_where_the_links_say(seed_published: Any) -> None:
    assert reverse("v1:treatment-recovery-plan", kwargs={"key": SLUG}) == plan_path(SLUG)
    assert reverse("v1:treatment-recovery-plan-calendar", kwargs={"key": SLUG}) == plan_path(
        SLUG, calendar=True
    )


def test_the_plan_is_json_with_every_field_documented_and_one_query(
    client: Client, seed_published: Any, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(1):
        response = client.get(PLAN, {**QUERY, "anaesthesia": "yes"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Language"] == "en"
    assert response["Cache-Control"].startswith("public, max-age=")
    assert "Accept" in response["Vary"]
    plan = RecoveryPlan.model_validate(response.json())  # undocumented keys are refused
    assert plan.revision == 1 and plan.treatment.slug == SLUG
    assert plan.answers.anaesthesia == "yes"
    running = next(i for i in plan.items if i.id == "rule:running:avoid")
    assert running.ends is not None
    assert running.ends.local.isoformat() == "2026-03-10T10:30:00-04:00"
    assert (
        plan.links.calendar
        == f"{ICS}?procedure_at=2026-03-07T09:30&tz=America/New_York&anaesthesia=yes"
    )
    assert plan.links.revision == f"/api/v1/treatments/{SLUG}/revisions/1/"


def test_the_etag_is_a_hash_of_the_body_and_answers_304(
    client: Client, seed_published: Any
) -> None:
    first = client.get(PLAN, QUERY)
    assert first["ETag"] == etag_for(first.content)
    again = client.get(PLAN, QUERY, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304 and again["ETag"] == first["ETag"]
    other = client.get(PLAN, {**QUERY, "anaesthesia": "no"})
    assert other["ETag"] != first["ETag"]


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ({"tz": "America/New_York"}, "procedure_at", "Required"),
        ({"procedure_at": "2026-03-07T09:30"}, "tz", "Required"),
        ({**QUERY, "tz": "Mars/Olympus_Mons"}, "tz", "not an IANA time zone"),
        ({**QUERY, "tz": "america/new_york"}, "tz", "did you mean America/New_York?"),
        ({**QUERY, "anaesthesia": "maybe"}, "anaesthesia", "yes or no"),
        ({**QUERY, "sedation": "true"}, "sedation", "yes or no"),
        ({**QUERY, "when": "now"}, "when", "Unknown query parameter"),
        ({**QUERY, "procedure_at": "2026-03-08T02:30"}, "procedure_at", "does not exist"),
        ({**QUERY, "procedure_at": "2026-11-01T01:30"}, "procedure_at", "happens twice"),
        ({**QUERY, "procedure_at": "2026-03-07T09:30-04:00"}, "procedure_at", "not -04:00"),
        ({**QUERY, "procedure_at": "07/03/2026 09:30"}, "procedure_at", "YYYY-MM-DDTHH:MM"),
        ({**QUERY, "procedure_at": "2026-02-29T09:30"}, "procedure_at", "not a real date"),
    ],
)
def test_bad_or_missing_parameters_are_a_400_naming_the_field(
    client: Client, seed_published: Any, query: dict[str, str], field: str, words: str
) -> None:
    for url in (PLAN, ICS):
        errors = _errors(client.get(url, query))
        assert field in errors and words in errors[field], errors


def test_every_bad_field_is_named_at_once(client: Client, seed_published: Any) -> None:
    errors = _errors(client.get(PLAN, {"procedure_at": "soon", "tz": "Nowhere", "sedation": "?"}))
    assert set(errors) == {"procedure_at", "tz", "sedation"}


def test_an_unknown_treatment_is_a_404_and_a_withdrawn_one_a_410(
    client: Client, seed_published: Any
) -> None:
    response = client.get("/api/v1/treatments/no-such-treatment/recovery-plan/", QUERY)
    assert response.status_code == 404 and response["Content-Type"] == PROBLEM
    services.treatment_unpublish(
        treatment_id=seed_published.pk, expected_version=seed_published.version, actor=None
    )
    gone = client.get(ICS, QUERY)
    assert gone.status_code == 410 and gone["Content-Type"] == PROBLEM


def test_the_uuid_answers_too_and_points_to_the_canonical_url(
    client: Client, seed_published: Any
) -> None:
    response = client.get(f"/api/v1/treatments/{seed_published.pk}/recovery-plan/", QUERY)
    assert response.status_code == 200
    assert response["Link"].startswith(f"<{PLAN}?procedure_at=")
    assert response.json()["treatment"]["slug"] == SLUG


def test_the_ics_is_an_rfc_5545_calendar_with_a_vtimezone_and_all_day_events(
    client: Client, seed_published: Any
) -> None:
    response = client.get(ICS, QUERY)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{SLUG}-recovery-plan.ics"'
    assert response["ETag"] == etag_for(response.content)
    calendar = vobject.readOne(response.content.decode())
    assert calendar.vtimezone.tzid.value == "America/New_York"
    events = _events(response)
    # 4 rules (the driving rule unanswered: "applies if") + 1 dated milestone; the two vague
    # milestones and the undated course have no events.
    assert len(events) == 5
    running = events["Avoid: running or jogging"]
    assert running.dtstart.params["X-VOBJ-ORIGINAL-TZID"] == ["America/New_York"]
    assert running.dtend.value.astimezone(dt.UTC) == dt.datetime(2026, 3, 10, 14, 30, tzinfo=dt.UTC)
    driving = events["Avoid: driving (applies if you have had any form of anesthesia)"]
    assert driving.dtstart.value == dt.date(2026, 3, 7)
    assert driving.dtend.value == dt.date(2026, 3, 8)
    assert events["Results noticed"].dtstart.value == dt.date(2026, 5, 2)
    assert client.get(ICS, QUERY, headers={"If-None-Match": response["ETag"]}).status_code == 304


def test_accept_text_calendar_on_the_json_url_gives_the_same_calendar(
    client: Client, seed_published: Any
) -> None:
    ics = client.get(ICS, QUERY)
    negotiated = client.get(PLAN, QUERY, headers={"Accept": "text/calendar"})
    assert negotiated.status_code == 200
    assert negotiated["Content-Type"] == "text/calendar; charset=utf-8"
    assert negotiated.content == ics.content and negotiated["ETag"] == ics["ETag"]
    refused = client.get(PLAN, QUERY, headers={"Accept": "text/html"})
    assert refused.status_code == 406 and refused["Content-Type"] == PROBLEM
    bad = client.get(PLAN, {"tz": "UTC"}, headers={"Accept": "text/calendar"})
    assert bad["Content-Type"] == PROBLEM and "procedure_at" in _errors(bad)


def test_uids_are_stable_across_calls_and_a_republish_updates_the_same_events(
    client: Client, seed_published: Any
) -> None:
    first = _events(client.get(ICS, QUERY))
    assert {e.uid.value for e in _events(client.get(ICS, QUERY)).values()} == {
        e.uid.value for e in first.values()
    }

    def change(content: dict[str, Any]) -> None:
        content["recovery_rules"][2]["patient_text"] = "A changed text for this test."

    _republish(seed_published.pk, change)
    second = _events(client.get(ICS, QUERY))
    assert {e.uid.value for e in second.values()} == {e.uid.value for e in first.values()}
    before, after = first["Avoid: running or jogging"], second["Avoid: running or jogging"]
    assert after.uid.value == before.uid.value
    assert after.description.value == "A changed text for this test."
    assert int(after.sequence.value) == int(before.sequence.value) + 1 == 2
    assert after.dtstamp.value >= before.dtstamp.value  # the same second in a fast test
    assert client.get(PLAN, QUERY).json()["revision"] == 2


def test_options_and_errors_on_the_calendar_url_are_json_not_calendars(
    client: Client, seed_published: Any
) -> None:
    options = client.options(ICS)
    assert options.status_code == 200 and options["Content-Type"] == "application/json"
    assert options.json()["renders"] == ["text/calendar"]
    assert client.post(ICS)["Content-Type"] == PROBLEM
    assert client.get(ICS)["Content-Type"] == PROBLEM


def test_a_repeat_request_comes_from_memory_and_a_publish_replaces_it(
    client: Client,
    seed_published: Any,
    settings: Any,
    django_assert_num_queries: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.PUBLIC_MEMORY_TTL = 60.0
    with django_assert_num_queries(2):  # the change-log head, the document
        first = client.get(PLAN, QUERY)
    with django_assert_num_queries(0):
        again = client.get(PLAN, QUERY)
        calendar = client.get(ICS, QUERY)
    assert again.content == first.content and again["ETag"] == first["ETag"]
    assert calendar.status_code == 200

    def change(content: dict[str, Any]) -> None:
        content["recovery_rules"][2]["patient_text"] = "Changed while in memory."

    with django_capture_on_commit_callbacks(execute=True):
        _republish(seed_published.pk, change)
    fresh = client.get(PLAN, QUERY).json()
    assert fresh["revision"] == 2
    assert "Changed while in memory." in [i["patient_text"] for i in fresh["items"]]


def test_the_served_vtimezone_changes_at_the_zone_s_instants(
    client: Client, seed_published: Any
) -> None:
    # The plan starts the day before New York's spring change (2026-03-08 07:00 UTC).
    from icalendar import Calendar

    (block,) = Calendar.from_ical(client.get(ICS, QUERY).content).timezones
    times, infos = block.get_transitions()  # RFC 5545 reading: UTC instants of the onsets
    changes = {time: offset for time, (offset, _, _) in zip(times, infos, strict=True)}
    assert changes[dt.datetime(2026, 3, 8, 7, 0)] == dt.timedelta(hours=-4)
    assert changes[dt.datetime(2026, 11, 1, 6, 0)] == dt.timedelta(hours=-5)
