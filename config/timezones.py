"""Which clock the gateway's people read: ``TIMEZONE``, by default the ``DEFAULT_REGION``'s.

The region -> zone table is data (``config/region_timezones.txt``). Zones come from the system's
zone files, or from the ``tzdata`` package where the system has none.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

TABLE = Path(__file__).with_name("region_timezones.txt")
FALLBACK = "UTC"


@lru_cache(maxsize=1)
def region_zones() -> dict[str, str]:
    """Region code (upper case) -> IANA zone name, as listed in the table."""
    zones: dict[str, str] = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2 and not line.startswith("#"):
            zones[parts[0].upper()] = parts[1]
    return zones


def zone_for_region(region: str | None) -> str:
    """The zone of ``region`` (``KE`` -> ``Africa/Nairobi``), UTC for a region not in the table."""
    return region_zones().get((region or "").strip().upper(), FALLBACK)


def zone(name: str | None) -> ZoneInfo:
    """The zone called ``name`` (UTC when empty); ``ValueError`` in plain words when unknown."""
    try:
        return ZoneInfo(name or FALLBACK)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not a time zone name such as Africa/Nairobi or America/Lima") from None
