"""Fake provider servers for tests: real HTTP on 127.0.0.1, speaking PROTOCOLS.md verbatim.

Use the ``fake_at`` and ``fake_daraja`` fixtures (tests/conftest.py); point an app at them with
``make_app(**fake_at.settings(), **fake_daraja.settings())``.
"""

from tests.fakes.fake_at import FakeAT, delivery_report
from tests.fakes.fake_daraja import FakeDaraja, stk_callback
from tests.fakes.server import Answer, FakeServer, Recorded

__all__ = ["Answer", "FakeAT", "FakeDaraja", "FakeServer", "Recorded", "delivery_report", "stk_callback"]
