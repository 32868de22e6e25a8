"""Fake provider servers for tests: real HTTP on 127.0.0.1, speaking PROTOCOLS.md verbatim.

Use the ``fake_at``, ``fake_daraja``, ``fake_twilio`` and ``fake_infobip`` fixtures
(tests/conftest.py); point an app at them with
``make_app(**fake_at.settings(), **fake_daraja.settings())``.
"""

from tests.fakes.fake_at import FakeAT, delivery_report
from tests.fakes.fake_daraja import FakeDaraja, stk_callback
from tests.fakes.fake_infobip import FakeInfobip
from tests.fakes.fake_twilio import FakeTwilio
from tests.fakes.server import Answer, FakeServer, Recorded

__all__ = ["Answer", "FakeAT", "FakeDaraja", "FakeInfobip", "FakeServer", "FakeTwilio", "Recorded",
           "delivery_report", "stk_callback"]
