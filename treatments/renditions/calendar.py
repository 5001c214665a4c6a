"""The recovery plan as an iCalendar file (RFC 5545), built with the icalendar library.

One event per included rule, dated milestone and suggested session:
- calendar-day items (rules in calendar days, timeline ranges in days or longer) are all-day
  events (VALUE=DATE, DTEND the day after the last day);
- elapsed windows are timed events with TZID and a VTIMEZONE for the patient's zone, whose
  changes are at their RFC 5545 instants (see vtimezone.py);
- an open-ended item (no end given) is a marker at its start: a one-day event for calendar
  days, an instant (DTSTART only) otherwise, whose description says that it has no end;
- a rule whose condition is unanswered is included, "applies if …" in its summary and text.
UIDs depend on the treatment, the item's id, the procedure time and the zone only, so
importing the plan again after the content changed updates the same events; SEQUENCE is the
revision and DTSTAMP its publication time, so the newer revision wins.
"""

import datetime as dt
import functools
import uuid
from typing import Any

from icalendar import TRANSP, Calendar, Event, Timezone

from .plan import Plan, PlanItem
from .vtimezone import vtimezone

# A fixed namespace: the same inputs give the same UIDs on every server and in every release.
UID_NAMESPACE = uuid.UUID("6f1d9a3e-5b2c-4e8f-9a7d-2c4b6e8f0a1d")
PRODID = "-//Treatment Knowledge API//Recovery plan//EN"
MAX_VTIMEZONE_YEARS = 100
OPEN_NOTE = "This has no end date in the source: it starts here and stays open."


def item_uid(plan: Plan, item: PlanItem) -> str:
    """The UID of an item's event: stable across revisions for one procedure time and zone."""
    procedure = plan.procedure.local.replace(tzinfo=None).isoformat()
    offset = plan.procedure.local.strftime("%z")  # tells the two 01:30s of a fall-back night apart
    name = f"{plan.treatment_id}/{item.id}/{procedure}{offset}/{plan.procedure.zone}"
    return f"{uuid.uuid5(UID_NAMESPACE, name)}@treatment-knowledge"


def _summary(item: PlanItem) -> str:
    condition = item.condition
    if condition is not None and condition.status == "applies_if" and condition.label:
        return f"{item.title} ({condition.label[0].lower()}{condition.label[1:]})"
    return item.title


def _description(item: PlanItem) -> str:
    parts = []
    if item.condition is not None and item.condition.status == "applies_if":
        parts.append(f"{item.condition.label}.")
    parts.append(item.patient_text)
    if item.open_ended:
        parts.append(OPEN_NOTE)
    return "\n\n".join(part for part in parts if part)


def _event(plan: Plan, item: PlanItem) -> Event:
    timing = item.timing
    start: dt.date | dt.datetime | None
    end: dt.date | dt.datetime | None
    if timing.all_day and timing.first_day is not None:
        start = timing.first_day
        last = timing.last_day or timing.first_day
        end = last + dt.timedelta(days=1)
    else:
        start, end = timing.starts, timing.ends
    published = plan.published_at.astimezone(dt.UTC)
    return Event.new(
        uid=item_uid(plan, item),
        stamp=published,
        last_modified=published,
        sequence=plan.revision,
        summary=_summary(item),
        description=_description(item),
        start=start,
        end=end,
        transparency=TRANSP.TRANSPARENT,  # a restriction does not make the patient busy
    )


@functools.lru_cache(maxsize=256)
def _timezone(zone: str, first_year: int, last_year: int) -> Timezone:
    # Not icalendar's Timezone.from_tzinfo: it dates spring-forward changes an hour late.
    return vtimezone(zone, first_day=dt.date(first_year, 1, 1), last_day=dt.date(last_year, 12, 31))


def _years(plan: Plan, items: list[PlanItem]) -> tuple[int, int]:
    instants: list[Any] = [plan.procedure.local]
    for item in items:
        instants += [item.timing.starts, item.timing.ends, item.timing.first_day]
    years = [at.year for at in instants if at is not None]
    # Content may reach centuries ahead; past the last transition written, calendar apps keep
    # the zone's last offset, which is as good a guess as any for then.
    return min(years), min(max(years), min(years) + MAX_VTIMEZONE_YEARS)


def plan_calendar(plan: Plan) -> bytes:
    """The plan as an RFC 5545 calendar: VTIMEZONE, then one VEVENT per dated item."""
    dated = [item for item in plan.items if item.timing.dated and item.timing.starts]
    about = (f"{plan.title}, revision {plan.revision}.", plan.attribution, plan.licence.get("name"))
    calendar = Calendar.new(
        prodid=PRODID,
        uid=str(uuid.uuid5(UID_NAMESPACE, f"{plan.treatment_id}/{plan.procedure.zone}")),
        name=f"Recovery plan: {plan.title}",
        description=" ".join(part for part in about if part),
        method="PUBLISH",
        last_modified=plan.published_at.astimezone(dt.UTC),
        subcomponents=[_event(plan, item) for item in dated],
    )
    calendar.add("x-wr-timezone", plan.procedure.zone)
    # Timed events name the zone (TZID) unless it is UTC, which iCalendar writes as "Z".
    if plan.procedure.zone in calendar.get_missing_tzids():
        timezone = _timezone(plan.procedure.zone, *_years(plan, dated))
        calendar.subcomponents.insert(0, timezone)
    return calendar.to_ical()
