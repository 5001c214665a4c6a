"""The recovery plan of a live treatment, as JSON or as iCalendar (RFC 5545).

The plan is a pure function of the live document (one query, parsed once) and the query
parameters; no DRF serializer runs on the way out. The ETag is a hash of the bytes served.
"""

import functools
from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiParameter
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

from api.live.documents import LiveDocument
from api.live.headers import live_cache_control
from api.live.rendered import Renderings
from api.openapi import (
    CANONICAL_LINK,
    CONTENT_DISPOSITION,
    CONTENT_LANGUAGE,
    KEY_PARAMETER,
    read_operation,
)
from treatments.documents.build import to_json
from treatments.renditions.calendar import plan_calendar
from treatments.renditions.plan import Plan, recovery_plan
from treatments.renditions.plan_inputs import (
    PROCEDURE_AT_PATTERN,
    QUESTIONS,
    PlanInputError,
    ProcedureTime,
    answer,
    procedure_time,
    time_zone,
)
from treatments.renditions.plan_json import plan_json

from ..base import PublicView
from ..examples import seed_document
from ..languages import (
    ACCEPT_LANGUAGE_PARAMETER,
    LANG_PARAMETER,
    negotiated_document,
)
from ..links import document_links, treatment_path
from .media import ViewWrittenRenderer
from .schemas import RecoveryPlan

CALENDAR_MEDIA_TYPE = "text/calendar"
TZ_PATTERN = r"^[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)*$"
PLAN_PARAMETER_NAMES = ("procedure_at", "tz", *QUESTIONS, "lang")
# Per worker: a rendered plan takes 10-20 kB.
RENDERED_PLANS = 512


class CalendarRenderer(ViewWrittenRenderer):
    """Lets content negotiation choose text/calendar; the view writes the calendar's bytes.

    Whatever DRF renders itself is data, not a calendar: errors (problem+json, as the
    exception handler sets) and OPTIONS metadata leave as JSON with a JSON content type.
    """

    media_type = CALENDAR_MEDIA_TYPE
    format = "ics"
    charset = "utf-8"


def plan_path(slug: str, *, calendar: bool = False) -> str:
    return treatment_path(slug) + ("recovery-plan.ics" if calendar else "recovery-plan/")


# -- Query parameters ------------------------------------------------------------------------------


@functools.cache
def _parameters() -> list[OpenApiParameter]:
    yes_no = {"type": "string", "enum": ["yes", "no"]}
    return [
        KEY_PARAMETER,
        OpenApiParameter(
            "procedure_at",
            {"type": "string", "pattern": PROCEDURE_AT_PATTERN, "maxLength": 25},
            required=True,
            description="The local date and time of the procedure, `YYYY-MM-DDTHH:MM[:SS]`, "
            "read in `tz` (years 1900 to 2199). A time the clocks skip (2026-03-08T02:30 in "
            "America/New_York) is a 400. A time they repeat (2026-11-01T01:30 there) is a 400 "
            "unless an offset says which (`2026-11-01T01:30-04:00` is the first); any offset "
            "given must be the zone's offset at that time.",
            examples=[OpenApiExample("Spring-forward day", value="2026-03-08T09:30")],
        ),
        OpenApiParameter(
            "tz",
            {"type": "string", "pattern": TZ_PATTERN, "maxLength": 64},
            required=True,
            description="The patient's IANA time zone name, e.g. `America/New_York`, "
            "`Europe/London`, `UTC`.",
            examples=[OpenApiExample("New York", value="America/New_York")],
        ),
        OpenApiParameter(
            "anaesthesia",
            yes_no,
            description="Was any form of anaesthesia given? Answers rules with condition "
            "`anaesthesia_given`: `yes` includes them, `no` excludes them (listed in "
            '`excluded` with the reason). Left out: they are shown as "applies if …".',
        ),
        OpenApiParameter(
            "sedation",
            yes_no,
            description="Was sedation given? Answers rules with condition `sedation_given`, "
            "as `anaesthesia` does.",
        ),
        LANG_PARAMETER,
        ACCEPT_LANGUAGE_PARAMETER,
    ]


def _plan_input(request: Request) -> tuple[ProcedureTime, dict[str, bool | None]]:
    """The procedure time and answers of the query, or a 400 naming every bad field."""
    params = request.query_params
    errors: dict[str, str] = {}
    raw_at, raw_tz = params.get("procedure_at"), params.get("tz")
    if raw_at is None:
        errors["procedure_at"] = "Required: the local date and time of the procedure, e.g. "
        errors["procedure_at"] += "2026-03-08T09:30."
    if raw_tz is None:
        errors["tz"] = "Required: the patient's IANA time zone, e.g. America/New_York."
    zone = None
    if raw_tz is not None:
        try:
            zone = time_zone(raw_tz)
        except PlanInputError as exc:
            errors.update(exc.errors)
    procedure = None
    if raw_at is not None:
        try:
            # Without a usable zone, the format is still checked (UTC has no skipped times).
            procedure = procedure_time(raw_at, zone or time_zone("UTC"))
        except PlanInputError as exc:
            errors.update(exc.errors)
    answers: dict[str, bool | None] = {}
    for parameter in QUESTIONS:
        value = params.get(parameter)
        if value is not None:
            try:
                answers[parameter] = answer(parameter, value)
            except PlanInputError as exc:
                errors.update(exc.errors)
    if errors or procedure is None or zone is None:
        raise ValidationError({field: [message] for field, message in errors.items()})
    return procedure, answers


def _query(procedure_at: str, zone: str, answers: dict[str, bool | None]) -> str:
    pairs = [("procedure_at", procedure_at), ("tz", zone)]
    pairs += [(p, "yes" if a else "no") for p, a in answers.items() if a is not None]
    return urlencode(pairs, safe=":/")


def plan_body(
    plan: Plan, *, procedure_at: str, notes: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The JSON plan with its language notes and links (added here, at the edge)."""
    query = _query(procedure_at, plan.procedure.zone, plan.answers)
    return {
        **plan_json(plan),
        **(notes or {}),
        "links": {
            "self": f"{plan_path(plan.slug)}?{query}",
            "calendar": f"{plan_path(plan.slug, calendar=True)}?{query}",
            "treatment": treatment_path(plan.slug),
            "revision": document_links(plan.slug, plan.revision)["revision"],
        },
    }


# -- OpenAPI examples, computed from the seed ------------------------------------------------------

EXAMPLE_NAME = "The seed on the spring-forward day in New York, with anaesthesia"
EXAMPLE_AT, EXAMPLE_ZONE = "2026-03-08T09:30", "America/New_York"


def _example_plan() -> Plan:
    procedure = procedure_time(EXAMPLE_AT, time_zone(EXAMPLE_ZONE))
    return recovery_plan(seed_document(), procedure=procedure, answers={"anaesthesia": True})


def plan_example() -> OpenApiExample:
    body = plan_body(_example_plan(), procedure_at=EXAMPLE_AT)
    return OpenApiExample(EXAMPLE_NAME, value=body, status_codes=[200])


def calendar_example() -> OpenApiExample:
    return OpenApiExample(
        EXAMPLE_NAME,
        value=plan_calendar(_example_plan()).decode(),
        status_codes=[200],
        media_type=CALENDAR_MEDIA_TYPE,
    )


class PlanSchema(AutoSchema):
    """Documents the iCalendar answer the JSON URL gives to `Accept: text/calendar`."""

    def get_operation(self, *args: Any, **kwargs: Any) -> Any:
        operation = super().get_operation(*args, **kwargs)
        if not operation:
            return operation
        # Two renderers make drf-spectacular offer DRF's `?format=`; the strict query rules
        # refuse it: the representation is chosen by Accept (or the .ics URL) alone.
        operation["parameters"] = [p for p in operation["parameters"] if p["name"] != "format"]
        ok = operation["responses"].get("200", {}).get("content", {})
        if CALENDAR_MEDIA_TYPE in ok:
            example = calendar_example()
            ok[CALENDAR_MEDIA_TYPE] = {
                "schema": {"type": "string"},
                "examples": {"SeedCalendar": {"value": example.value, "summary": example.name}},
            }
        return operation


PLAN_HEADERS = [
    CONTENT_LANGUAGE.on(200, 304, required=False),
    CANONICAL_LINK.on(200, 304, required=False),
]


# -- Views -----------------------------------------------------------------------------------------


class RecoveryPlanView(PublicView):
    """A patient's recovery plan: every rule and milestone as dated intervals in their zone."""

    renderer_classes = [JSONRenderer, CalendarRenderer]
    schema = PlanSchema()

    def query_parameter_names(self) -> set[str]:
        return set(PLAN_PARAMETER_NAMES)

    @read_operation(
        operation_id="treatments_recovery_plan",
        tag="recovery-plan",
        description=(
            "The live document's preparation and recovery rules, timeline and course as a "
            "personal plan: dated intervals in the patient's zone (ISO 8601 with offsets) and "
            "in UTC. Hours, days and weeks are elapsed time (72 hours stays 72 hours across a "
            'DST change); calendar-day rules follow local midnights ("the day of the '
            'injection" ends at the next local midnight); months use the calendar. Preparation '
            "windows come before the procedure; open-ended ones stay open; timeline ranges "
            "become date ranges; sessions are dated only where the content gives an interval. "
            "Where the content gives no numbers, the plan gives no dates. Conditional rules "
            "follow the answers (`anaesthesia`, `sedation`); unanswered ones are shown as "
            '"applies if …". Send `Accept: text/calendar` for the iCalendar form (as '
            "`recovery-plan.ics`). The plan names the revision it comes from; its ETag is a "
            "hash of the answer."
        ),
        ok=RecoveryPlan,
        ok_description="The plan (or, with `Accept: text/calendar`, the same plan as .ics).",
        parameters=_parameters(),
        example=plan_example(),
        extra_headers=[
            *PLAN_HEADERS,
            CONTENT_DISPOSITION.on(200, required=False, description="With text/calendar only."),
        ],
    )
    def get(self, request: Request, key: str, *args: Any, **kwargs: Any) -> HttpResponse:
        calendar = isinstance(request.accepted_renderer, CalendarRenderer)
        return self.plan_response(request, key, calendar=calendar)

    def plan_response(self, request: Request, key: str, *, calendar: bool) -> HttpResponse:
        procedure, answers = _plan_input(request)
        # The document's own texts follow its language as the detail negotiates it; the plan's
        # labels ("applies if …") stay as written in code.
        negotiated = negotiated_document(request, key)
        live = negotiated.live
        raw_at = request.query_params["procedure_at"]
        body, etag = _rendered(
            live, procedure, answers, raw_at=raw_at, calendar=calendar, notes=negotiated.notes
        )
        response = self.stored(
            request,
            body=body,
            etag=etag,
            last_modified=live.published_at,
            cache_control=live_cache_control(),
        )
        if calendar and response.status_code == 200:
            response["Content-Type"] = f"{CALENDAR_MEDIA_TYPE}; charset=utf-8"
            response["Content-Disposition"] = (
                f'attachment; filename="{live.slug}-recovery-plan.ics"'
            )
        if not negotiated.canonical:
            query = _query(raw_at, procedure.zone, answers)
            where = f"{plan_path(negotiated.asked_slug, calendar=calendar)}?{query}"
            response["Link"] = f'<{where}>; rel="canonical"'
        if negotiated.language:
            response["Content-Language"] = negotiated.language
        patch_vary_headers(response, ("Accept-Language",))
        return response


class RecoveryPlanCalendarView(RecoveryPlanView):
    """The recovery plan as an iCalendar file (RFC 5545) to import into a calendar app."""

    renderer_classes = [CalendarRenderer]
    schema = AutoSchema()

    @read_operation(
        operation_id="treatments_recovery_plan_calendar",
        tag="recovery-plan",
        description=(
            "The recovery plan as iCalendar (RFC 5545), same parameters as `recovery-plan/`. "
            "One event per included rule, dated milestone and suggested session; calendar-day "
            "items are all-day events; timed ones carry a TZID and the VTIMEZONE of `tz`. An "
            "open-ended item is a marker at its start (a one-day event, or an instant) whose "
            'description says it stays open. Unanswered conditions show "applies if …" in the '
            "summary and description. UIDs depend on the treatment, the item, `procedure_at` "
            "and `tz` only, so importing an updated plan updates its events; SEQUENCE is the "
            "revision and DTSTAMP its publication time."
        ),
        ok={"type": "string"},
        ok_description="An iCalendar file (text/calendar; charset=utf-8).",
        parameters=_parameters(),
        example=calendar_example(),
        extra_headers=[*PLAN_HEADERS, CONTENT_DISPOSITION.on(200)],
    )
    def get(self, request: Request, key: str, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.plan_response(request, key, calendar=True)


# -- Each worker's memory -----------------------------------------------------------------------
# The parsed live document is kept until the change log moves on (api.live.documents), and
# rendered plans are memoised by the document's ETag and the query, so a repeat request (an app
# revalidating its plan) costs neither a query nor a render.

_plans = Renderings(maxsize=RENDERED_PLANS)


def _rendered(
    live: LiveDocument,
    procedure: ProcedureTime,
    answers: dict[str, bool | None],
    *,
    raw_at: str,
    calendar: bool,
    notes: dict[str, Any],
) -> tuple[str | bytes, str]:
    """The plan's bytes and ETag: a pure function of the document (its ETag), the query and
    the language notes (a translation's `outdated` changes without its ETag)."""

    def render() -> str | bytes:
        plan = recovery_plan(live.document, procedure=procedure, answers=answers)
        if calendar:
            return plan_calendar(plan)
        return to_json(plan_body(plan, procedure_at=raw_at, notes=notes))

    stated = "" if calendar else to_json(notes)
    inputs = (calendar, raw_at, procedure.zone, tuple(sorted(answers.items())), stated)
    return _plans.once(live.etag, inputs, render)
