"""Wall-clock ↔ UTC conversions in IANA zones, with the DST edge cases made explicit."""

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


class NonexistentLocalTime(ValueError):
    """The wall-clock time is skipped when clocks move forward (e.g. 02:30 in spring)."""


class AmbiguousLocalTime(ValueError):
    """The wall-clock time happens twice when clocks move back (e.g. 02:30 in autumn)."""


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def get_zone(name: str) -> ZoneInfo:
    """The IANA zone; ValueError for names outside the tz database (no POSIX TZ strings)."""
    if name not in _known_zones():
        raise ValueError(f"unknown time zone {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def to_utc_strict(local: datetime, zone: ZoneInfo) -> datetime:
    """A naive wall-clock time the user typed → UTC; refuses times DST skips or repeats.

    An aware datetime is already unambiguous and is just converted.
    """
    if local.tzinfo is not None:
        return local.astimezone(UTC)
    first = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = local.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if first == second:
        return first
    if first.astimezone(zone).replace(tzinfo=None) != local:
        raise NonexistentLocalTime(
            f"{local:%Y-%m-%d %H:%M} does not exist in {zone.key} (clocks move forward)"
        )
    raise AmbiguousLocalTime(f"{local:%Y-%m-%d %H:%M} happens twice in {zone.key} (clocks go back)")


def to_utc_lenient(local: datetime, zone: ZoneInfo) -> datetime:
    """Like to_utc_strict, for computed times: a skipped time moves forward by the gap,
    a repeated time takes its first instance (fold=0)."""
    if local.tzinfo is not None:
        return local.astimezone(UTC)
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def to_local_naive(moment: datetime, zone: ZoneInfo) -> datetime:
    """An aware instant → the naive wall-clock time in the zone."""
    return moment.astimezone(zone).replace(tzinfo=None)
