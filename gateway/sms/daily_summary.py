"""The evening summary SMS: once a day, each shop's owners get their day in figures.

A periodic job calls ``send_due_summaries`` every few minutes; from ``DAILY_SUMMARY_HOUR`` (in
``SHOP_TIMEZONE``) it queues each shop's summary with a dedupe key per shop, owner and day, so
however often it runs and on however many workers, each owner gets one text a day. Off when
``DAILY_SUMMARY_ENABLED`` is false, and per shop when ``Shop.summary_enabled`` is false.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from config.settings import setting
from gateway.commerce.shop_notices import shop_daily_summary
from gateway.commerce.shop_summary import day_summary, shops_for_summary
from gateway.core import transactions
from gateway.core.runtime import Runtime


def send_due_summaries(rt: Runtime, now: datetime | None = None) -> int:
    """Queue today's summary for every shop that wants one, once the hour has come.

    Returns how many owner texts were asked for (repeats of already-queued ones included).
    """
    settings = rt.settings
    if not setting(settings, "DAILY_SUMMARY_ENABLED"):
        return 0
    zone = ZoneInfo(str(settings.get("SHOP_TIMEZONE") or "Africa/Nairobi"))
    local = (now or datetime.now(UTC)).astimezone(zone)
    if local.hour < int(setting(settings, "DAILY_SUMMARY_HOUR")):
        return 0
    start = datetime.combine(local.date(), time(0), zone).astimezone(UTC)
    end = start + timedelta(days=1)
    texts = 0
    with transactions.unit_of_work(rt) as db:
        for shop in shops_for_summary(db):
            texts += shop_daily_summary(db, shop, local.date(), day_summary(db, shop, start, end))
    return texts
