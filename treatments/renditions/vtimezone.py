"""VTIMEZONE components from the IANA zone data, each change at its instant by RFC 5545's rules.

RFC 5545 (3.6.5) states a STANDARD or DAYLIGHT sub-component's onset (DTSTART, and any RDATE)
as a local time in the offset in force *before* the change, its TZOFFSETFROM: New York's spring
change at 07:00 UTC is `DTSTART:…T020000` with `TZOFFSETFROM:-0500`, its autumn change at
06:00 UTC is `DTSTART:…T020000` with `TZOFFSETFROM:-0400`. The icalendar library's
`Timezone.from_tzinfo` writes the first wall-clock time *after* each change instead, which is
right for the autumn change and one hour late for the spring one (03:00 at -05:00 is 08:00 UTC);
calendars that read the block rather than the zone name then move events of that hour.

So the changes are found here, as UTC instants, from `zoneinfo` (the IANA data Python ships or
the system provides), and each onset is written as that instant plus the offset before it.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

# Zone changes are at least weeks apart in the years calendars are made for (the closest pairs
# in the IANA data since 1970 are months apart); a day's step cannot step over two of them.
SCAN_STEP = dt.timedelta(days=1)
_SECOND = dt.timedelta(seconds=1)
# How far before the first day to look for the change that started the first observance.
LOOK_BACK = dt.timedelta(days=400)


@dataclass(frozen=True)
class Observance:
    """What a zone's clocks say during a stretch of time: the offset, its DST part, a name."""

    offset: dt.timedelta
    dst: dt.timedelta
    name: str

    @property
    def daylight(self) -> bool:
        """Summer time: a DAYLIGHT sub-component. The IANA data gives Dublin a negative DST in
        winter (its summer time is the legal standard); calendars expect winter as STANDARD,
        so only a positive DST is DAYLIGHT (what the data's "rearguard" form says of winter)."""
        return self.dst > dt.timedelta(0)


@dataclass(frozen=True)
class Change:
    """A change of observance at an instant (UTC)."""

    at: dt.datetime
    before: Observance
    after: Observance

    @property
    def onset(self) -> dt.datetime:
        """The change's DTSTART by RFC 5545: local time in the offset before it, no zone."""
        return (self.at + self.before.offset).replace(tzinfo=None)


def observance(zone: ZoneInfo, at: dt.datetime) -> Observance:
    """What the zone observes at the UTC instant `at`."""
    local = at.astimezone(zone)
    offset, dst = local.utcoffset(), local.dst()
    assert offset is not None and dst is not None, "a ZoneInfo always has both"
    return Observance(offset, dst, local.tzname() or "")


def _first_instant_of(
    zone: ZoneInfo, after: Observance, low: dt.datetime, high: dt.datetime
) -> dt.datetime:
    """The first whole second in (low, high] observing `after`, given `high` does and `low` not."""
    while high - low > _SECOND:
        middle = low + _SECOND * ((high - low) // _SECOND // 2)
        if observance(zone, middle) == after:
            high = middle
        else:
            low = middle
    return high


def zone_changes(zone: ZoneInfo, start: dt.datetime, end: dt.datetime) -> list[Change]:
    """Every change of offset, DST flag or name between the UTC instants `start` and `end`."""
    changes = []
    at, current = start, observance(zone, start)
    while at < end:
        step_end = min(at + SCAN_STEP, end)
        following = observance(zone, step_end)
        if following != current:
            instant = _first_instant_of(zone, following, at, step_end)
            changes.append(Change(instant, current, following))
            current = following
        at = step_end
    return changes


def vtimezone(zone: str, *, first_day: dt.date, last_day: dt.date) -> Timezone:
    """The VTIMEZONE of `zone` valid from the start of `first_day` to the end of `last_day`.

    The first sub-component is the last change before the start (found up to LOOK_BACK
    earlier), so that it states a real offset before and after; a zone without one has a single
    observance from the start (the same offset before and after). Each later change is an onset
    of a sub-component that groups the changes to the same observance (DTSTART the first, one
    RDATE for each other).
    """
    info = ZoneInfo(zone)
    start = dt.datetime.combine(first_day, dt.time(), info).astimezone(dt.UTC)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), info).astimezone(dt.UTC)
    earlier = zone_changes(info, start - LOOK_BACK, start)
    if earlier:
        first = earlier[-1]
    else:
        initial = observance(info, start)
        first = Change(start, Observance(initial.offset, initial.dst, initial.name), initial)
    onsets: dict[tuple[dt.timedelta, Observance], list[dt.datetime]] = defaultdict(list)
    for change in [first, *zone_changes(info, start, end)]:
        onsets[(change.before.offset, change.after)].append(change.onset)
    timezone = Timezone()
    timezone.add("TZID", zone)
    for (offset_from, after), times in onsets.items():
        component = TimezoneDaylight() if after.daylight else TimezoneStandard()
        component.add("DTSTART", times[0])
        component.add("TZOFFSETFROM", offset_from)
        component.add("TZOFFSETTO", after.offset)
        if after.name:
            component.add("TZNAME", after.name)
        # One RDATE per onset, not one list: vobject keeps only the first value of a list.
        for time in times[1:]:
            component.add("RDATE", time)
        timezone.add_component(component)
    return timezone
