"""The recovery plan and its calendar: pure functions of a frozen document (no database).

The DST answers are worked out by hand in each test's comment and asserted to the minute. The
iCalendar output is read back with vobject, a second parser independent of the icalendar
library that wrote it, which reads the VTIMEZONE it finds (via dateutil's tzical).
"""

import copy
import datetime as dt
import uuid
from typing import Any

import pytest
import vobject

from treatments.documents.build import build_document
from treatments.renditions.calendar import item_uid, plan_calendar
from treatments.renditions.plan import Plan, recovery_plan
from treatments.renditions.plan_inputs import PlanInputError, answer, procedure_time, time_zone
from treatments.renditions.plan_json import plan_json

TREATMENT_ID = uuid.UUID("451fd2ca-b287-5ddf-b44a-6e2ba2a29040")
PUBLISHED_AT = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
NEW_YORK, LONDON = "America/New_York", "Europe/London"


def frozen(content: dict[str, Any], *, revision: int = 1) -> dict[str, Any]:
    return build_document(
        treatment_id=TREATMENT_ID, content=content, revision=revision, published_at=PUBLISHED_AT
    )


def with_rule(content: dict[str, Any], **rule: Any) -> dict[str, Any]:
    """The content with one more rule (test data: the wording is a placeholder, not advice)."""
    changed = copy.deepcopy(content)
    changed["recovery_rules"].append(
        {
            "activity": "other",
            "activity_label": "test activity",
            "restriction": "avoid",
            "patient_text": "Placeholder text of a test rule.",
            **rule,
        }
    )
    return changed


def plan_for(
    content: dict[str, Any], at: str, zone: str, **answers: bool | None
) -> tuple[Plan, dict[str, Any]]:
    plan = recovery_plan(
        frozen(content), procedure=procedure_time(at, time_zone(zone)), answers=answers
    )
    return plan, plan_json(plan)


def item(body: dict[str, Any], item_id: str) -> dict[str, Any]:
    found = [i for i in body["items"] + body["excluded"] if i["id"] == item_id]
    assert found, f"no item {item_id} in {[i['id'] for i in body['items']]}"
    return found[0]


def local(body: dict[str, Any], item_id: str, end: str) -> str | None:
    value = item(body, item_id)[end]
    return None if value is None else value["local"]


# -- Elapsed time across DST -----------------------------------------------------------------------


def test_72_hours_across_the_new_york_spring_forward_are_72_elapsed_hours(
    seed_data: dict[str, Any],
) -> None:
    # 2026-03-07T09:30 EST (-05:00) is 14:30Z; 72 h later is 2026-03-10T14:30Z, which is
    # 10:30 EDT (-04:00): the clocks went forward on the 8th, so the wall clock shows 10:30.
    _, body = plan_for(seed_data, "2026-03-07T09:30", NEW_YORK)
    running = item(body, "rule:running:avoid")
    assert running["starts"] == {
        "local": "2026-03-07T09:30:00-05:00",
        "utc": "2026-03-07T14:30:00Z",
    }
    assert running["ends"] == {"local": "2026-03-10T10:30:00-04:00", "utc": "2026-03-10T14:30:00Z"}
    assert running["basis"] == "elapsed" and running["at_least"] is True
    # "The first day" (1 day, not calendar days) is 24 elapsed hours: 10:30 EDT on the 8th.
    assert local(body, "rule:strenuous_activity:avoid", "ends") == "2026-03-08T10:30:00-04:00"


def test_72_hours_across_the_london_fall_back_are_72_elapsed_hours(
    seed_data: dict[str, Any],
) -> None:
    # 2026-10-24T09:30 BST (+01:00) is 08:30Z; 72 h later is 2026-10-27T08:30Z, which is
    # 08:30 GMT: the clocks went back on the 25th, so the wall clock shows 08:30, not 09:30.
    _, body = plan_for(seed_data, "2026-10-24T09:30", LONDON)
    running = item(body, "rule:running:avoid")
    assert running["ends"] == {"local": "2026-10-27T08:30:00+00:00", "utc": "2026-10-27T08:30:00Z"}
    # The day of the injection ends at local midnight, still in BST.
    assert item(body, "rule:driving:avoid")["ends"] == {
        "local": "2026-10-25T00:00:00+01:00",
        "utc": "2026-10-24T23:00:00Z",
    }


def test_a_procedure_at_23_30_ends_the_day_of_the_injection_thirty_minutes_later(
    seed_data: dict[str, Any],
) -> None:
    # 23:30 EST on the night the clocks go forward: "the day of the injection" ends at the
    # next local midnight (00:00 EST, 30 minutes later), and "the next day" starts there.
    _, body = plan_for(seed_data, "2026-03-07T23:30", NEW_YORK, anaesthesia=True)
    driving = item(body, "rule:driving:avoid")
    assert driving["starts"]["local"] == "2026-03-07T23:30:00-05:00"
    assert driving["ends"] == {"local": "2026-03-08T00:00:00-05:00", "utc": "2026-03-08T05:00:00Z"}
    assert driving["all_day"] is True
    assert driving["days"] == {"first": "2026-03-07", "last": "2026-03-07"}
    resume = item(body, "rule:normal_activities:resume")
    assert resume["starts"] == driving["ends"]
    assert resume["ends"] is None and resume["open_ended"] is True
    assert resume["days"] == {"first": "2026-03-08", "last": None}
    # 72 elapsed hours from 04:30Z on the 8th end at 04:30Z on the 11th: 00:30 EDT, a wall
    # clock an hour later than 23:30 + 3 days would suggest.
    assert local(body, "rule:running:avoid", "ends") == "2026-03-11T00:30:00-04:00"


def test_a_procedure_at_23_30_in_london_before_the_fall_back_also_ends_at_midnight(
    seed_data: dict[str, Any],
) -> None:
    _, body = plan_for(seed_data, "2026-10-24T23:30", LONDON)
    assert item(body, "rule:driving:avoid")["ends"]["local"] == "2026-10-25T00:00:00+01:00"
    assert local(body, "rule:normal_activities:resume", "starts") == "2026-10-25T00:00:00+01:00"


def test_a_calendar_day_on_the_fall_back_day_lasts_25_hours(seed_data: dict[str, Any]) -> None:
    content = with_rule(
        seed_data, window={"start": 1, "end": 2, "unit": "day", "calendar_days": True}
    )
    _, body = plan_for(content, "2026-10-24T09:30", LONDON)
    rule = item(body, "rule:other:avoid")
    assert rule["starts"] == {"local": "2026-10-25T00:00:00+01:00", "utc": "2026-10-24T23:00:00Z"}
    assert rule["ends"] == {"local": "2026-10-26T00:00:00+00:00", "utc": "2026-10-26T00:00:00Z"}


# -- Preparation, months, timeline, course ---------------------------------------------------------


def test_a_preparation_rule_a_week_before_starts_at_local_midnight_seven_days_earlier(
    seed_data: dict[str, Any],
) -> None:
    content = with_rule(
        seed_data, window={"start": -7, "end": 0, "unit": "day", "calendar_days": True}
    )
    plan, body = plan_for(content, "2026-03-08T09:30", NEW_YORK)
    rule = item(body, "rule:other:avoid")
    assert rule["phase"] == "preparation"
    assert rule["starts"]["local"] == "2026-03-01T00:00:00-05:00"
    assert rule["ends"]["local"] == "2026-03-08T00:00:00-05:00"  # before the 02:00 change
    assert rule["days"] == {"first": "2026-03-01", "last": "2026-03-07"}
    event = _events(plan)[rule["id"]]
    assert event.dtstart.value == dt.date(2026, 3, 1)
    assert event.dtend.value == dt.date(2026, 3, 8)  # exclusive: the 7th is the last day


def test_an_elapsed_preparation_week_crosses_the_spring_forward_in_utc(
    seed_data: dict[str, Any],
) -> None:
    # 2026-03-08T09:30 EDT is 13:30Z; 168 h earlier is 2026-03-01T13:30Z = 08:30 EST.
    content = with_rule(seed_data, window={"start": -7, "end": 0, "unit": "day"})
    _, body = plan_for(content, "2026-03-08T09:30", NEW_YORK)
    rule = item(body, "rule:other:avoid")
    assert rule["starts"] == {"local": "2026-03-01T08:30:00-05:00", "utc": "2026-03-01T13:30:00Z"}
    assert rule["ends"]["local"] == "2026-03-08T09:30:00-04:00"


def test_months_are_calendar_months_on_the_local_wall_clock(seed_data: dict[str, Any]) -> None:
    content = with_rule(seed_data, window={"start": 0, "end": 1, "unit": "month"})
    _, body = plan_for(content, "2026-01-31T10:00", LONDON)
    assert local(body, "rule:other:avoid", "ends") == "2026-02-28T10:00:00+00:00"
    assert item(body, "rule:other:avoid")["basis"] == "calendar_months"
    _, body = plan_for(content, "2026-03-15T10:00", LONDON)
    assert local(body, "rule:other:avoid", "ends") == "2026-04-15T10:00:00+01:00"


def test_a_window_beyond_any_calendar_stays_open_with_a_note_instead_of_failing(
    seed_data: dict[str, Any],
) -> None:
    content = with_rule(seed_data, window={"start": 0, "end": 100_000, "unit": "year"})
    plan, body = plan_for(content, "2199-12-31T23:00", NEW_YORK)
    rule = item(body, "rule:other:avoid")
    assert rule["ends"] is None and "beyond" in rule["notes"][0]
    assert _events(plan)["rule:other:avoid"].dtstart.value.year == 2199


def test_the_timeline_range_of_8_to_12_weeks_becomes_a_date_range(
    seed_data: dict[str, Any],
) -> None:
    _, body = plan_for(seed_data, "2026-03-08T09:30", NEW_YORK)
    onset = item(body, "milestone:onset")
    # 8 weeks (56 days) and 12 weeks (84 days) after 2026-03-08.
    assert onset["days"] == {"first": "2026-05-03", "last": "2026-05-31"}
    assert onset["all_day"] is True and onset["dated"] is True
    assert onset["qualifier"] == "typically"
    assert onset["ends"]["local"] == "2026-06-01T00:00:00-04:00"


def test_vague_timeline_entries_stay_undated_and_keep_their_words(
    seed_data: dict[str, Any],
) -> None:
    _, body = plan_for(seed_data, "2026-03-08T09:30", NEW_YORK)
    lasts = item(body, "milestone:duration_of_effect")
    assert lasts["dated"] is False and lasts["starts"] is None and lasts["ends"] is None
    assert lasts["open_ended"] is True and lasts["wording"] == "several months or longer"
    assert lasts["varies_between_people"] is True
    assert "several months or longer" in lasts["notes"][0]
    resolves = item(body, "milestone:side_effects_resolve")
    assert resolves["dated"] is False and "within a few hours" in resolves["notes"][0]
    assert resolves["open_ended"] is False  # "within": vague, but not open


def test_an_open_ended_range_with_a_start_is_dated_from_its_start_and_stays_open(
    seed_data: dict[str, Any],
) -> None:
    content = copy.deepcopy(seed_data)
    content["timeline"][1]["range"] = {"min": 3, "unit": "month", "open_ended": True}
    _, body = plan_for(content, "2026-03-08T09:30", NEW_YORK)
    lasts = item(body, "milestone:duration_of_effect")
    assert lasts["days"] == {"first": "2026-06-08", "last": None}
    assert lasts["ends"] is None and lasts["open_ended"] is True


def test_a_course_without_an_interval_suggests_no_session_dates(
    seed_data: dict[str, Any],
) -> None:
    _, body = plan_for(seed_data, "2026-03-08T09:30", NEW_YORK)
    assert body["course"]["sessions"] == {"min": 2, "max": 3}
    assert body["course"]["sessions_dated"] is False
    assert "no interval" in body["course"]["note"]
    assert not [i for i in body["items"] if i["kind"] == "session"]


def test_a_course_with_an_interval_suggests_a_window_per_later_session(
    seed_data: dict[str, Any],
) -> None:
    content = copy.deepcopy(seed_data)
    content["course"]["interval"] = {"min": 4, "max": 6, "unit": "week"}
    _, body = plan_for(content, "2026-03-08T09:30", NEW_YORK)
    sessions = [i for i in body["items"] if i["kind"] == "session"]
    assert [s["id"] for s in sessions] == ["session:2", "session:3"]
    assert sessions[0]["days"] == {"first": "2026-04-05", "last": "2026-04-19"}  # +4 to +6 weeks
    assert sessions[1]["days"] == {"first": "2026-05-03", "last": "2026-05-31"}  # +8 to +12
    assert body["course"]["sessions_dated"] is True


# -- Conditions ------------------------------------------------------------------------------------


def test_an_unanswered_condition_is_shown_as_applies_if_and_never_dropped(
    seed_data: dict[str, Any],
) -> None:
    _, body = plan_for(seed_data, "2026-03-08T09:30", NEW_YORK)
    driving = item(body, "rule:driving:avoid")
    assert driving in body["items"]
    assert driving["condition"]["status"] == "applies_if"
    assert driving["condition"]["label"] == "Applies if you have had any form of anesthesia"
    assert body["questions"] == [
        {"parameter": "anaesthesia", "condition": "anaesthesia_given", "answer": None}
    ]


def test_answering_yes_includes_the_rule_and_no_excludes_it_with_the_reason(
    seed_data: dict[str, Any],
) -> None:
    _, yes = plan_for(seed_data, "2026-03-08T09:30", NEW_YORK, anaesthesia=True)
    assert item(yes, "rule:driving:avoid")["condition"]["status"] == "applies"
    assert yes["excluded"] == [] and yes["answers"] == {"anaesthesia": "yes", "sedation": None}
    _, no = plan_for(seed_data, "2026-03-08T09:30", NEW_YORK, anaesthesia=False)
    assert "rule:driving:avoid" not in [i["id"] for i in no["items"]]
    [excluded] = no["excluded"]
    assert excluded["condition"]["status"] == "excluded"
    assert "anaesthesia=no" in excluded["condition"]["reason"]
    assert "any form of anesthesia" in excluded["condition"]["reason"]


def test_a_sedation_rule_follows_the_sedation_answer_and_other_always_applies_if(
    seed_data: dict[str, Any],
) -> None:
    content = with_rule(
        seed_data,
        window={"start": 0, "end": 1, "unit": "day", "calendar_days": True},
        condition={"code": "sedation_given", "text": ""},
    )
    content = with_rule(
        content,
        activity="work",
        window={"start": 0, "end": 2, "unit": "day"},
        condition={"code": "other", "text": "your job is physical"},
    )
    _, body = plan_for(content, "2026-03-08T09:30", NEW_YORK, sedation=False, anaesthesia=True)
    assert [i["id"] for i in body["excluded"]] == ["rule:other:avoid"]
    work = item(body, "rule:work:avoid")
    assert work["condition"]["status"] == "applies_if"
    assert work["condition"]["label"] == "Applies if your job is physical"


def test_rule_ids_stay_stable_and_repeat_with_a_counter(seed_data: dict[str, Any]) -> None:
    content = with_rule(seed_data, window={"start": 0, "end": 1, "unit": "day"})
    content = with_rule(content, window={"start": 0, "end": 2, "unit": "day"})
    _, body = plan_for(content, "2026-03-08T09:30", NEW_YORK)
    assert [i["id"] for i in body["items"] if i["kind"] == "rule"] == [
        "rule:strenuous_activity:avoid",
        "rule:normal_activities:resume",
        "rule:running:avoid",
        "rule:driving:avoid",
        "rule:other:avoid",
        "rule:other:avoid-2",
    ]


def test_the_plan_names_its_revision_attribution_licence_and_review(
    seed_data: dict[str, Any],
) -> None:
    _, body = plan_for(seed_data, "2026-03-08T09:30", NEW_YORK)
    assert body["revision"] == 1 and body["published_at"] == "2026-11-24T09:00:00Z"
    assert body["attribution"].startswith("Adapted from the clinic's")
    assert body["licence"]["name"] == "Reuse terms set by the source clinic"
    assert body["review"] == {"last_reviewed_on": "2026-11-24", "next_review_due": "2027-11-24"}
    assert body["language"] == "en"
    assert body["procedure_at"] == {
        "local": "2026-03-08T09:30:00-04:00",
        "utc": "2026-03-08T13:30:00Z",
    }


# -- Input -----------------------------------------------------------------------------------------


def _refused(at: str, zone: str = NEW_YORK) -> str:
    with pytest.raises(PlanInputError) as caught:
        procedure_time(at, time_zone(zone))
    assert list(caught.value.errors) == ["procedure_at"]
    return caught.value.errors["procedure_at"]


def test_a_time_the_clocks_skip_is_refused() -> None:
    assert "does not exist in America/New_York" in _refused("2026-03-08T02:30")
    assert "does not exist" in _refused("2026-03-29T01:30", LONDON)


def test_a_time_the_clocks_repeat_needs_an_offset_to_say_which() -> None:
    message = _refused("2026-10-25T01:30", LONDON)
    assert "2026-10-25T01:30+01:00 (the first)" in message
    assert "2026-10-25T01:30+00:00 (the second)" in message
    first = procedure_time("2026-10-25T01:30+01:00", time_zone(LONDON))
    second = procedure_time("2026-10-25T01:30+00:00", time_zone(LONDON))
    assert first.utc == dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)
    assert second.utc == dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC)


def test_an_offset_must_be_the_zones_offset_at_that_time() -> None:
    assert "not -05:00" in _refused("2026-03-08T09:30-05:00")
    assert procedure_time("2026-03-08T09:30-04:00", time_zone(NEW_YORK)).utc.hour == 13
    assert procedure_time("2026-01-08T09:30Z", time_zone(LONDON)).utc.hour == 9


@pytest.mark.parametrize(
    "value",
    [
        "2026-03-08",
        "2026-03-08 09:30",
        "2026-02-30T09:30",
        "2026-03-08T24:00",
        "1899-12-31T09:30",
        "2026-03-08T09:30:00.5",
        "２０２６-03-08T09:30",
    ],
)
def test_malformed_or_impossible_procedure_times_are_refused(value: str) -> None:
    _refused(value)


def test_unknown_time_zones_are_refused_with_a_hint() -> None:
    with pytest.raises(PlanInputError) as caught:
        time_zone("america/new_york")
    assert "did you mean America/New_York?" in caught.value.errors["tz"]
    for name in ("Mars/Olympus_Mons", "../etc/passwd", "", "posix"):
        with pytest.raises(PlanInputError):
            time_zone(name)


def test_answers_are_yes_or_no() -> None:
    assert answer("anaesthesia", "yes") is True and answer("sedation", "no") is False
    with pytest.raises(PlanInputError) as caught:
        answer("anaesthesia", "maybe")
    assert list(caught.value.errors) == ["anaesthesia"]


# -- iCalendar, read back with vobject -------------------------------------------------------------


def _calendar(plan: Plan) -> Any:
    return vobject.readOne(plan_calendar(plan).decode())


def _events(plan: Plan) -> dict[str, Any]:
    """The VEVENTs by item id (matched through the UIDs the plan gives its items)."""
    by_uid = {item_uid(plan, i): i.id for i in plan.items}
    return {by_uid[event.uid.value]: event for event in _calendar(plan).vevent_list}


def test_the_calendar_has_the_zone_and_one_event_per_dated_item(
    seed_data: dict[str, Any],
) -> None:
    plan, body = plan_for(seed_data, "2026-03-07T09:30", NEW_YORK)
    calendar = _calendar(plan)
    assert calendar.vtimezone.tzid.value == NEW_YORK
    events = _events(plan)
    dated = [i["id"] for i in body["items"] if i["dated"]]
    assert sorted(events) == sorted(dated)
    running = events["rule:running:avoid"]
    assert running.dtstart.params.get("X-VOBJ-ORIGINAL-TZID") == [NEW_YORK]
    # vobject applies the VTIMEZONE it read: 10:30 EDT on the 10th is 14:30Z, 72 h after start.
    assert running.dtend.value.replace(tzinfo=None) == dt.datetime(2026, 3, 10, 10, 30)
    assert running.dtend.value.astimezone(dt.UTC) == dt.datetime(2026, 3, 10, 14, 30, tzinfo=dt.UTC)
    assert running.dtstart.value.astimezone(dt.UTC) == dt.datetime(
        2026, 3, 7, 14, 30, tzinfo=dt.UTC
    )
    assert running.summary.value == "Avoid: running or jogging"
    assert running.description.value == item(body, "rule:running:avoid")["patient_text"]
    assert running.sequence.value == "1"


def test_calendar_days_are_all_day_events_and_open_ones_are_one_day_markers(
    seed_data: dict[str, Any],
) -> None:
    plan, _ = plan_for(seed_data, "2026-03-07T23:30", NEW_YORK)
    events = _events(plan)
    driving = events["rule:driving:avoid"]
    assert (driving.dtstart.value, driving.dtend.value) == (
        dt.date(2026, 3, 7),
        dt.date(2026, 3, 8),
    )
    assert driving.summary.value.endswith("(applies if you have had any form of anesthesia)")
    assert driving.description.value.startswith("Applies if you have had any form of anesthesia.")
    resume = events["rule:normal_activities:resume"]
    assert (resume.dtstart.value, resume.dtend.value) == (dt.date(2026, 3, 8), dt.date(2026, 3, 9))
    assert "stays open" in resume.description.value
    onset = events["milestone:onset"]
    assert (onset.dtstart.value, onset.dtend.value) == (dt.date(2026, 5, 2), dt.date(2026, 5, 31))


def test_the_london_calendar_reads_back_across_the_fall_back(seed_data: dict[str, Any]) -> None:
    plan, _ = plan_for(seed_data, "2026-10-24T09:30", LONDON)
    running = _events(plan)["rule:running:avoid"]
    assert running.dtend.value.astimezone(dt.UTC) == dt.datetime(2026, 10, 27, 8, 30, tzinfo=dt.UTC)
    assert running.dtend.value.utcoffset() == dt.timedelta(0)
    assert running.dtstart.value.utcoffset() == dt.timedelta(hours=1)


def test_uids_survive_a_new_revision_and_sequence_follows_it(seed_data: dict[str, Any]) -> None:
    procedure = procedure_time("2026-03-08T09:30", time_zone(NEW_YORK))
    changed = copy.deepcopy(seed_data)
    changed["recovery_rules"][2]["patient_text"] = "Changed text for the test."
    before = recovery_plan(frozen(seed_data), procedure=procedure, answers={})
    after = recovery_plan(frozen(changed, revision=2), procedure=procedure, answers={})
    old, new = _events(before), _events(after)
    assert {e.uid.value for e in old.values()} == {e.uid.value for e in new.values()}
    assert new["rule:running:avoid"].description.value == "Changed text for the test."
    assert (old["rule:running:avoid"].sequence.value, new["rule:running:avoid"].sequence.value) == (
        "1",
        "2",
    )
    # Another procedure time is another plan: other UIDs.
    later = recovery_plan(
        frozen(seed_data),
        procedure=procedure_time("2026-03-09T09:30", time_zone(NEW_YORK)),
        answers={},
    )
    assert not {e.uid.value for e in _events(later).values()} & {e.uid.value for e in old.values()}


def test_the_same_plan_gives_the_same_bytes(seed_data: dict[str, Any]) -> None:
    plan, _ = plan_for(seed_data, "2026-03-08T09:30", NEW_YORK)
    again, _ = plan_for(seed_data, "2026-03-08T09:30", NEW_YORK)
    assert plan_calendar(plan) == plan_calendar(again)


def test_a_utc_plan_writes_utc_times_without_a_vtimezone(seed_data: dict[str, Any]) -> None:
    plan, _ = plan_for(seed_data, "2026-03-08T09:30", "UTC")
    text = plan_calendar(plan).decode()
    assert "BEGIN:VTIMEZONE" not in text
    running = _events(plan)["rule:running:avoid"]
    assert running.dtend.value == dt.datetime(2026, 3, 11, 9, 30, tzinfo=dt.UTC)
