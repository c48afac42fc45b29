"""A meeting as an .ics file: one UID for its whole life, SEQUENCE raised on every change,
times in the network's time zone (with its VTIMEZONE, so calendars need not know it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    uid: str
    sequence: int
    title: str
    starts_at: datetime
    duration_minutes: int
    location: str = ""
    description: str = ""
    url: str = ""
    cancelled: bool = False


def ics(entry: CalendarEntry, tz: ZoneInfo, stamp: datetime) -> bytes:
    # Imported here: only announcements need it, and it costs memory at start.
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//netzwerkbot//meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if entry.cancelled else "PUBLISH")
    event = Event()
    starts = entry.starts_at.astimezone(tz)
    event.add("uid", entry.uid)
    event.add("sequence", entry.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", starts)
    event.add("dtend", starts + timedelta(minutes=entry.duration_minutes))
    event.add("summary", entry.title)
    event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
    if entry.location:
        event.add("location", entry.location)
    if entry.description:
        event.add("description", entry.description)
    if entry.url:
        event.add("url", entry.url)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
