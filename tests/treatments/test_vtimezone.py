"""VTIMEZONE blocks put every zone change at its instant, as two independent readers see them.

The truth is `zoneinfo` (the IANA data): for each zone and year range, the changes found by a
plain sweep, each pinned to the second. The block is read back by icalendar's own
RFC 5545 reading (`Timezone.get_transitions`: the UTC instant of each onset) and by vobject
(dateutil's `tzical`: the offset of local wall times), and both must agree with the truth at
every change and one second before it.
"""

import datetime as dt
import functools
from zoneinfo import ZoneInfo

import pytest
import vobject
from icalendar import Calendar, Timezone

from treatments.renditions.vtimezone import vtimezone, zone_changes

# Northern and southern hemispheres, half-hour DST (Lord Howe), negative DST in the IANA data
# (Dublin), DST abolished within the range (Sao Paulo 2019, Tehran 2022), Ramadan breaks
# (Casablanca), offsets of :30 and :45, and a zone without DST.
ZONES = [
    "America/New_York",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Dublin",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Pacific/Auckland",
    "Pacific/Chatham",
    "America/St_Johns",
    "America/Sao_Paulo",
    "America/Santiago",
    "Asia/Tehran",
    "Africa/Casablanca",
    "Asia/Tokyo",
]
FIRST, LAST = dt.date(2017, 1, 1), dt.date(2030, 12, 31)
SECOND = dt.timedelta(seconds=1)


def _bounds(zone: str) -> tuple[dt.datetime, dt.datetime]:
    info = ZoneInfo(zone)
    start = dt.datetime.combine(FIRST, dt.time(), info).astimezone(dt.UTC)
    end = dt.datetime.combine(LAST + dt.timedelta(days=1), dt.time(), info).astimezone(dt.UTC)
    return start, end


def _offset(zone: str, at: dt.datetime) -> dt.timedelta:
    offset = at.astimezone(ZoneInfo(zone)).utcoffset()
    assert offset is not None
    return offset


@functools.cache
def _true_changes(zone: str) -> list[dt.datetime]:
    """Each instant the zone's offset changes, by a sweep in 6-hour steps refined to the second.

    Offset changes in these years are weeks apart at the closest (Casablanca's Ramadan breaks),
    so no step holds two of them.
    """
    start, end = _bounds(zone)
    found, at, step = [], start, dt.timedelta(hours=6)
    while at < end:
        if _offset(zone, at) != _offset(zone, at + step):
            low, high = at, at + step
            while high - low > SECOND:
                middle = low + SECOND * ((high - low) // SECOND // 2)
                low, high = (
                    (low, middle)
                    if _offset(zone, middle) != _offset(zone, low)
                    else (
                        middle,
                        high,
                    )
                )
            found.append(high)
        at += step
    return found


def _ics(timezone: Timezone) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//test//EN")
    calendar.add("version", "2.0")
    calendar.add_component(timezone)
    return calendar.to_ical()


def _mismatches(zone: str, ics: bytes) -> list[str]:
    """Where a reader of the block disagrees with zoneinfo at a change or a second before it."""
    (block,) = Calendar.from_ical(ics).timezones
    times, infos = block.get_transitions()
    # icalendar's reading: UTC instants (naive) at which an offset starts.
    read = {
        time.replace(tzinfo=dt.UTC): offset
        for time, (offset, _, _) in zip(times, infos, strict=True)
    }
    # dateutil's reading (through vobject): local wall times, `fold` telling a repeated hour's
    # two passes apart (its UTC-to-local conversion assumes a fixed standard offset).
    dateutil_zone = vobject.readOne(ics.decode()).vtimezone.gettzinfo()
    problems = []
    for change in _true_changes(zone):
        before, after = _offset(zone, change - SECOND), _offset(zone, change)
        if read.get(change) != after:
            problems.append(f"icalendar: no change to {after} at {change}")
        for at, expected, fold in ((change - SECOND, before, 0), (change, after, 1)):
            wall = (at + expected).replace(tzinfo=dateutil_zone, fold=fold)
            if wall.utcoffset() != expected:
                problems.append(f"dateutil: {wall} (fold {fold}) should be {expected}")
    start, end = _bounds(zone)
    for at, offset in read.items():
        if start <= at < end and offset != _offset(zone, at):
            problems.append(f"icalendar: a change to {offset} at {at} that zoneinfo does not have")
    return problems


@pytest.mark.parametrize("zone", ZONES)
def test_every_change_of_the_zone_is_at_its_instant_for_both_readers(zone: str) -> None:
    block = vtimezone(zone, first_day=FIRST, last_day=LAST)
    assert _mismatches(zone, _ics(block)) == []


@pytest.mark.parametrize("zone", ZONES)
def test_the_changes_found_are_the_zone_data_s_changes_to_the_second(zone: str) -> None:
    start, end = _bounds(zone)
    changes = zone_changes(ZoneInfo(zone), start, end)
    offset_changes = [c.at for c in changes if c.before.offset != c.after.offset]
    assert offset_changes == _true_changes(zone)
    for change in changes:
        assert change.at.microsecond == 0
        assert change.onset == (change.at + change.before.offset).replace(tzinfo=None)


def _onsets(block: Timezone) -> dict[str, tuple[str, str]]:
    """Each onset (DTSTART or RDATE, as written) -> (TZOFFSETFROM, TZOFFSETTO), as written."""
    found: dict[str, tuple[str, str]] = {}
    for component in block.subcomponents:
        lines = component.to_ical().decode().split("\r\n")
        fields = [line.split(":", 1) for line in lines if ":" in line]
        offsets = (dict(fields)["TZOFFSETFROM"], dict(fields)["TZOFFSETTO"])
        found |= {value: offsets for name, value in fields if name in {"DTSTART", "RDATE"}}
    return found


def test_new_york_s_changes_are_dated_2_am_in_the_offset_before_them() -> None:
    block = vtimezone(
        "America/New_York", first_day=dt.date(2026, 1, 1), last_day=dt.date(2026, 12, 31)
    )
    assert _onsets(block) == {
        "20251102T020000": ("-0400", "-0500"),  # the change the year starts in
        "20260308T020000": ("-0500", "-0400"),  # 07:00 UTC: 02:00 EST becomes 03:00 EDT
        "20261101T020000": ("-0400", "-0500"),  # 06:00 UTC: 02:00 EDT becomes 01:00 EST
    }


def test_the_check_catches_a_spring_change_an_hour_late_as_icalendar_writes_it() -> None:
    # icalendar 7's own Timezone.from_tzinfo dates each spring change at the first local time
    # after it (03:00 at -05:00 = 08:00 UTC). When this starts failing, icalendar was fixed.
    block = Timezone.from_tzinfo(
        ZoneInfo("America/New_York"),
        tzid="America/New_York",
        first_date=FIRST,
        last_date=LAST + dt.timedelta(days=1),
    )
    problems = _mismatches("America/New_York", _ics(block))
    assert any("2026-03-08 07:00:00+00:00" in problem for problem in problems), problems
    assert not any("2026-11-01 06:00:00+00:00" in p for p in problems), "autumn is right"


def test_a_zone_without_changes_has_one_observance() -> None:
    block = vtimezone("Asia/Tokyo", first_day=dt.date(2026, 1, 1), last_day=dt.date(2030, 12, 31))
    assert [c.name for c in block.subcomponents] == ["STANDARD"]
    assert _onsets(block) == {"20260101T000000": ("+0900", "+0900")}
