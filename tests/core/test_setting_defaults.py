"""Each setting's default is written once, in ``config.settings.Base``."""

from __future__ import annotations

from config.settings import Base, load_settings, setting


def test_a_partial_mapping_falls_back_to_the_one_default() -> None:
    assert setting({}, "USSD_MAX_QTY") == Base.USSD_MAX_QTY
    assert setting({"USSD_MAX_QTY": 3}, "USSD_MAX_QTY") == 3
    loaded = load_settings("testing")
    assert setting(loaded, "PAYMENT_PUSH_DELAY_SECONDS") == 0  # the testing class's own value wins
