"""Security tests share the reliability tests' private, killable Redis."""

from tests.reliability.conftest import private_redis  # noqa: F401 - a fixture
