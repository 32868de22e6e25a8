"""The evening summary SMS: once a day, each shop's owners get their day in figures.

A periodic job calls ``send_due_summaries`` every few minutes; from ``DAILY_SUMMARY_HOUR`` in the
shop's own time zone (``shop_terms.shop_zone``, as its opening hours; ``SHOP_TIMEZONE`` when
neither the shop nor its owner's number names one) it queues each shop's summary for its own day
with a dedupe key per shop, owner and day, so however often it runs and on however many workers,
each owner gets one text a day. Off when ``DAILY_SUMMARY_ENABLED`` is false, and per shop when
``Shop.summary_enabled`` is false.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from gateway.commerce.shop_notices import shop_daily_summary
from gateway.commerce.shop_summary import day_summary, shops_for_summary
from gateway.commerce.shop_terms import shop_zone
from gateway.core import transactions
from gateway.core.runtime import Runtime


def send_due_summaries(rt: Runtime, now: datetime | None = None) -> int:
    """Queue today's summary for every shop that wants one, once the hour has come.

    Returns how many owner texts were asked for (repeats of already-queued ones included).
    """
    settings = rt.settings
    if not settings.DAILY_SUMMARY_ENABLED:
        return 0
    default_zone, hour = settings.SHOP_TIMEZONE, settings.DAILY_SUMMARY_HOUR
    moment = now or datetime.now(UTC)
    texts = 0
    with transactions.unit_of_work(rt) as db:
        for shop in shops_for_summary(db):
            zone = shop_zone(shop, default_zone)
            local = moment.astimezone(zone)
            if local.hour < hour:
                continue
            start = datetime.combine(local.date(), time(0), zone).astimezone(UTC)
            summary = day_summary(db, shop, start, start + timedelta(days=1))
            texts += shop_daily_summary(db, shop, local.date(), summary)
    return texts
