"""One small exception tree. What a person reads is a message id with its values, translated by
the edge that shows it (``render``); ``str(exc)`` is the English detail for logs.

The domain never formats a user's sentence itself: it raises ``SomeError(detail, msgid, ref=...)``
and the screen, SMS reply or console page calls ``exc.render(t)`` with its own translator, so a
Spanish or Swahili handset reads its own language. The message ids live in the gettext catalogs
(``config/locales``) like every other text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Translate = Callable[..., str]  # t(msgid, **values) -> the text in the reader's language


class BodegaError(Exception):
    """Base of every error Bodega raises on purpose.

    ``user_message`` is the message id (a class default, or given per raise), ``values`` fill its
    placeholders; a value named in ``translated_values`` is itself a message id (an order status).
    """

    user_message = "Sorry, something went wrong. Please try again."
    translated_values: tuple[str, ...] = ("status",)

    def __init__(self, detail: str = "", user_message: str | None = None, **values: Any) -> None:
        super().__init__(detail or self.__class__.__name__)
        if user_message is not None:
            self.user_message = user_message
        self.values = values

    def render(self, t: Translate) -> str:
        """The user's message through ``t`` (a dial's ``ctx.t``, a shop desk's ``t``)."""
        values = {key: t(value) if key in self.translated_values else value
                  for key, value in self.values.items()}
        return t(self.user_message, **values)

    @property
    def english(self) -> str:
        """The message in English, for an edge that speaks only English (the console)."""
        return self.render(_english)


def _english(msgid: str, **values: Any) -> str:
    return msgid.format(**values) if values else msgid


class BadRequest(BodegaError):
    """A webhook or form that cannot be understood (answered with HTTP 400 and the reason)."""


class Forbidden(BodegaError):
    """A webhook without the right key."""


class NotFound(BodegaError):
    pass


class OutOfStock(BodegaError):
    user_message = "Sorry, not enough stock."


class IllegalTransition(BodegaError):
    """An order status change the state machine does not allow."""


class ProviderError(BodegaError):
    """A provider call failed. ``retryable`` says whether trying again may help."""

    def __init__(self, detail: str = "", retryable: bool = True, code: str | None = None) -> None:
        super().__init__(detail)
        self.retryable = retryable
        self.code = code

