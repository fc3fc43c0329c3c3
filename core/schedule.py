"""Cron expressions: validation and firing times, in UTC or an IANA timezone.

``cronsim`` evaluates the expressions; it treats daylight-saving changes as Debian's cron does: a time of
day that falls in the hour skipped in spring fires once right after the change, a time of day in the hour
repeated in autumn fires once (not twice), and expressions with a wildcard hour fire every real hour.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

from core.errors import InvalidArgument

__all__ = ["latest_fire_at_or_before", "next_fire_after", "validate_schedule", "zone"]

_TICK = timedelta(microseconds=1)


def validate_schedule(schedule: str) -> str:
    """``schedule`` when it is a valid 5-field cron expression; ``InvalidArgument`` naming the field otherwise."""
    schedule = (schedule or "").strip()
    if len(schedule.split()) != 5:
        raise InvalidArgument(
            f"schedule: expected 5 fields (minute hour day month weekday); got {schedule!r}"
        )
    try:
        CronSim(schedule, datetime(2000, 1, 1, tzinfo=UTC))
    except CronSimError as exc:
        raise InvalidArgument(f"schedule: {exc}: {schedule!r}") from None
    return schedule


def zone(timezone: str | None) -> ZoneInfo:
    """The IANA zone named ``timezone`` (empty: UTC); ``InvalidArgument`` for an unknown name."""
    try:
        return ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidArgument(f"timezone: unknown IANA time zone {timezone!r}") from None


def next_fire_after(schedule: str, timezone: str | None, after: datetime) -> datetime:
    """The first firing time strictly after ``after``, in UTC."""
    local = after.astimezone(zone(timezone))
    return next(CronSim(schedule, local)).astimezone(UTC)


def latest_fire_at_or_before(schedule: str, timezone: str | None, at: datetime) -> datetime:
    """The last firing time at or before ``at``, in UTC."""
    local = (at + _TICK).astimezone(zone(timezone))
    return next(CronSim(schedule, local, reverse=True)).astimezone(UTC)
