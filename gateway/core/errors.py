"""One small exception tree. ``user_message`` is what a person reads; ``str(exc)`` is for logs."""

from __future__ import annotations


class BodegaError(Exception):
    """Base of every error Bodega raises on purpose."""

    user_message = "Sorry, something went wrong. Please try again."

    def __init__(self, detail: str = "", user_message: str | None = None) -> None:
        super().__init__(detail or self.__class__.__name__)
        if user_message is not None:
            self.user_message = user_message


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

