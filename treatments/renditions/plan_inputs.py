"""Reading a recovery plan's inputs strictly: the time zone, the procedure time, the answers."""

import datetime as dt
import functools
import re
import zoneinfo
from dataclasses import dataclass
from typing import Literal

from treatments.choices import RuleCondition, TimeUnit

# The query parameter that answers each condition a patient can answer. `other` has none: its
# rules are always shown as "applies if <the condition's text>".
QUESTIONS: dict[str, str] = {
    "anaesthesia": RuleCondition.ANAESTHESIA_GIVEN.value,
    "sedation": RuleCondition.SEDATION_GIVEN.value,
}
ANSWERS = {"yes": True, "no": False}
EARLIEST_YEAR, LATEST_YEAR = 1900, 2199
# YYYY-MM-DDTHH:MM[:SS], then an optional offset (Z or ±HH:MM).
PROCEDURE_AT_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:\d{2})?$"
_PROCEDURE_AT = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:\d{2})?", re.ASCII
)
ELAPSED_UNITS = {
    TimeUnit.MINUTE.value: "minutes",
    TimeUnit.HOUR.value: "hours",
    TimeUnit.DAY.value: "days",
    TimeUnit.WEEK.value: "weeks",
}
TIMED_RANGE_UNITS = {TimeUnit.MINUTE.value, TimeUnit.HOUR.value}

Status = Literal["applies", "applies_if", "excluded"]
Kind = Literal["rule", "milestone", "session"]


class PlanInputError(ValueError):
    """A query value the plan cannot use; `errors` maps each field to what to send instead."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@functools.cache
def _zone_names() -> tuple[frozenset[str], dict[str, str]]:
    """Every IANA zone name known here (system tzdata or the tzdata package), and by lower case."""
    names = frozenset(zoneinfo.available_timezones())
    return names, {name.lower(): name for name in names}


def time_zone(name: str) -> zoneinfo.ZoneInfo:
    """The IANA time zone `name`, or a PlanInputError for `tz` that says what to send."""
    names, by_lower_case = _zone_names()
    if name not in names:
        hint = by_lower_case.get(name.lower())
        message = f"'{name[:64]}' is not an IANA time zone name"
        message += f"; did you mean {hint}?" if hint else "; give one such as America/New_York."
        raise PlanInputError({"tz": message})
    return zoneinfo.ZoneInfo(name)


@dataclass(frozen=True)
class ProcedureTime:
    """When the procedure happens: an aware local date-time and the zone it is read in."""

    local: dt.datetime
    zone: str

    @property
    def utc(self) -> dt.datetime:
        return self.local.astimezone(dt.UTC)

    @property
    def day(self) -> dt.date:
        return self.local.date()

    @property
    def tz(self) -> dt.tzinfo:
        assert self.local.tzinfo is not None
        return self.local.tzinfo


def _offset_text(offset: dt.timedelta | None) -> str:
    minutes = int((offset or dt.timedelta()).total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def procedure_time(value: str, tz: zoneinfo.ZoneInfo) -> ProcedureTime:
    """Read `procedure_at` as a wall-clock time in `tz`; skipped or repeated times are refused.

    An offset, if given, must be one the zone has at that time: it resolves a time the clocks
    repeat (2026-11-01T01:30-04:00 is the first 01:30 in New York, -05:00 the second).
    """
    match = _PROCEDURE_AT.fullmatch(value)
    if not match:
        raise PlanInputError(
            {
                "procedure_at": "Give the local date and time of the procedure as "
                "YYYY-MM-DDTHH:MM, e.g. 2026-03-08T09:30 (read in the time zone `tz`)."
            }
        )
    year, month, day, hour, minute, second, offset = match.groups()
    try:
        naive = dt.datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second or 0)
        )
    except ValueError as exc:
        message = f"'{value}' is not a real date and time ({exc})."
        raise PlanInputError({"procedure_at": message}) from None
    if not EARLIEST_YEAR <= naive.year <= LATEST_YEAR:
        raise PlanInputError(
            {"procedure_at": f"Give a year from {EARLIEST_YEAR} to {LATEST_YEAR}."}
        )
    shown = naive.isoformat(timespec="minutes" if second is None else "seconds")
    first, second_fold = naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)
    if wall_time(naive, tz).replace(tzinfo=None) != naive:
        raise PlanInputError(
            {
                "procedure_at": f"{shown} does not exist in {tz.key}: the clocks skip it when "
                "they go forward that night. Give the time the clock will show."
            }
        )
    offsets = [first.utcoffset(), second_fold.utcoffset()]
    if offset is not None:
        wanted = _offset_text(dt.timedelta()) if offset == "Z" else offset
        chosen = [c for c in (first, second_fold) if _offset_text(c.utcoffset()) == wanted]
        if not chosen:
            raise PlanInputError(
                {
                    "procedure_at": f"{tz.key} is at {_offset_text(offsets[0])} at {shown}, "
                    f"not {offset}. Leave the offset out, or correct it."
                }
            )
        return ProcedureTime(local=chosen[0].astimezone(tz), zone=tz.key)
    if offsets[0] != offsets[1]:
        raise PlanInputError(
            {
                "procedure_at": f"{shown} happens twice in {tz.key}: the clocks go back that "
                f"night. Add the offset to say which: {shown}{_offset_text(offsets[0])} (the "
                f"first) or {shown}{_offset_text(offsets[1])} (the second)."
            }
        )
    return ProcedureTime(local=first.astimezone(tz), zone=tz.key)


def answer(parameter: str, value: str) -> bool:
    """A yes/no answer to a condition's question, or a PlanInputError naming the parameter."""
    if value not in ANSWERS:
        raise PlanInputError({parameter: f"Answer yes or no, not '{value[:20]}'."})
    return ANSWERS[value]


# -- Time arithmetic -------------------------------------------------------------------------------


def wall_time(naive: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """The instant a wall-clock time names in `tz` (a skipped time moves forward by the gap)."""
    return naive.replace(tzinfo=tz, fold=0).astimezone(dt.UTC).astimezone(tz)
