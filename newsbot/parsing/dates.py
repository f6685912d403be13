"""Dates as newsbot writes them: ISO 8601 in UTC, or nothing when a value is not a plausible date."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import parser as dateutil_parser

# Abbreviations seen on news pages that dateutil does not know by itself.
_TZINFOS = {
    "UTC": 0, "GMT": 0, "Z": 0,
    "JST": 9 * 3600, "KST": 9 * 3600, "HKT": 8 * 3600, "SGT": 8 * 3600, "IST": 19800,
    "CET": 3600, "CEST": 7200, "BST": 3600,
    "EST": -5 * 3600, "EDT": -4 * 3600, "CST": -6 * 3600, "CDT": -5 * 3600,
    "MST": -7 * 3600, "MDT": -6 * 3600, "PST": -8 * 3600, "PDT": -7 * 3600,
}
EARLIEST = dt.datetime(1990, 1, 1, tzinfo=dt.timezone.utc)
# A page may be dated a little ahead of our clock (time zones, embargoes); further is a bug.
FUTURE_TOLERANCE = dt.timedelta(days=2)


def _zone(name: str | None) -> dt.tzinfo:
    if not name:
        return dt.timezone.utc
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return dt.timezone.utc


def parse_datetime(value, default_tz: str | None = None, now: dt.datetime | None = None) -> dt.datetime | None:
    """Parse a date string (or datetime) to an aware UTC datetime.

    A value without offset is read in `default_tz` (the outlet's zone). Values that do not parse,
    lie before 1990 or more than two days in the future give None.
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, (int, float)):
        # Epoch timestamps in seconds or milliseconds (both occur in JSON payloads).
        seconds = value / 1000 if value > 1e11 else value
        try:
            parsed = dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    elif isinstance(value, str):
        text = value.strip()
        if not text or len(text) > 100:
            return None
        try:
            # ISO 8601, what structured data and <time datetime> give, parses in C; the rest
            # ("Nov. 28, 2026 3:04 PM EST") goes to dateutil.
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            try:
                parsed = dateutil_parser.parse(text, tzinfos=_TZINFOS)
            except (ValueError, OverflowError, TypeError):
                return None
    else:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_zone(default_tz))
    try:
        parsed = parsed.astimezone(dt.timezone.utc)
    except (OverflowError, ValueError):
        return None  # e.g. 0001-01-01 in a zone east of UTC: before the first representable instant
    now = now or dt.datetime.now(dt.timezone.utc)
    if parsed < EARLIEST or parsed > now + FUTURE_TOLERANCE:
        return None
    return parsed


def iso_utc(value, default_tz: str | None = None) -> str | None:
    """`parse_datetime` written as ISO 8601 with an explicit +00:00 offset."""
    parsed = parse_datetime(value, default_tz)
    return parsed.isoformat(timespec="seconds") if parsed else None


def utc_now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
