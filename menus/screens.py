"""Screens, the outcomes they return, the registry, and the one paginated list every list uses.

A screen renders itself from ``ctx`` and handles one answer by returning an outcome. It reads and
writes through ``gateway.commerce`` on ``ctx.db`` and never commits, touches Redis, HTTP or SMS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from sqlalchemy.orm import Session

from config.settings import Settings
from gateway.commerce.caller_profile import DialCaller
from gateway.commerce.carts import DialCart
from gateway.commerce.catalog import CatalogReader
from menus.text import as_number, clip, paginate

MORE = "98"
BACK = "0"
HOME = "00"


@dataclass
class Ctx:
    """What a screen may use during one hop."""

    db: Session
    customer_id: int
    phone: str
    session_id: str
    lang: str
    data: dict[str, Any]  # the current screen's own scratchpad
    bag: dict[str, Any]  # scratchpad shared by the whole dial (chosen shop, checkout answers)
    settings: Settings
    translate: Callable[[str, str], str]
    reserved: int = 0  # septets already taken on this screen (e.g. by a retry message)
    # The catalog, the cart and the caller's profile as this hop reads them. The hop hands in the
    # process's snapshots, the dial's cart and what it knows of the caller (so a screen that only
    # reads them costs no SQL); left out, each is read from ``db``.
    catalog: CatalogReader = None  # type: ignore[assignment]
    cart: DialCart = None  # type: ignore[assignment]
    caller: DialCaller = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.catalog is None:
            self.catalog = CatalogReader(self.db)
        if self.cart is None:
            self.cart = DialCart(self.db, self.customer_id)
        if self.caller is None:
            self.caller = DialCaller(self.db, self.customer_id)

    def t(self, msgid: str, **values: Any) -> str:
        """Translate ``msgid`` into the dial's language and fill in ``values``."""
        text = self.translate(self.lang, msgid)
        return text.format(**values) if values else text

    @property
    def max_chars(self) -> int:
        return self.settings.USSD_MAX_CHARS


@dataclass(frozen=True)
class Goto:
    screen: str
    data: dict[str, Any] = field(default_factory=dict)
    push: bool = True  # False replaces the current screen in the back stack


@dataclass(frozen=True)
class Retry:
    message: str


@dataclass(frozen=True)
class End:
    message: str


@dataclass(frozen=True)
class Back:
    """Return to the screen under this one; ``data`` is merged into that screen's own (an answer
    given on a screen opened to change one thing, e.g. checkout's delivery or payment)."""

    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Home:
    pass


Outcome = Goto | Retry | End | Back | Home


class Screen:
    """One screen. Subclasses set ``name`` and ``goes_to`` and implement ``render``/``handle``."""

    name: ClassVar[str] = ""
    goes_to: ClassVar[frozenset[str]] = frozenset()
    mutates: ClassVar[bool] = False  # handle() writes the database: never replayed blindly
    sensitive: ClassVar[bool] = False  # answers are masked in session logs
    funnel: ClassVar[str | None] = None  # the funnel step reaching this screen proves

    def render(self, ctx: Ctx) -> str:
        raise NotImplementedError

    def handle(self, ctx: Ctx, answer: str) -> Outcome:
        raise NotImplementedError

    def writes_on(self, data: dict[str, Any], answer: str) -> bool:
        """Whether handling ``answer`` (on this screen showing ``data``) may write the database: a
        replayed answer stops in front of it. ``mutates`` unless a screen knows which answers write."""
        return self.mutates


REGISTRY: dict[str, Screen] = {}


def register(cls: type[Screen]) -> type[Screen]:
    """Class decorator: make a screen reachable by its name."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no name")
    if cls.name in REGISTRY:
        raise ValueError(f"two screens are named {cls.name!r}")
    REGISTRY[cls.name] = cls()
    return cls


def choice(answer: str, count: int) -> int | None:
    """The 1-based option ``answer`` picks among ``count``, or None."""
    number = as_number(answer)
    if number is not None and 1 <= number <= count:
        return number
    return None


def menu_text(title: str, options: list[str]) -> str:
    """``title`` then ``1. option`` lines."""
    return "\n".join([title, *(f"{i}. {opt}" for i, opt in enumerate(options, 1))])


ITEM_WIDTH = 44
FETCH_AHEAD = 24


class ListScreen(Screen):
    """A list that fills each screen up to the character budget and adds ``98 More``/``0 Back``.

    Subclasses implement ``title``, ``fetch`` (a window of ``(key, label)`` rows starting at
    ``offset``) and ``choose``. The keys shown are kept in ``ctx.data['keys']`` so the answer maps
    to the row the customer saw, even if the list changes between hops.
    """

    empty_message = "Nothing here yet."
    back_line: ClassVar[bool] = True  # the first screen of a dial has nothing to go back to

    def title(self, ctx: Ctx) -> str:
        raise NotImplementedError

    def fetch(self, ctx: Ctx, offset: int, limit: int) -> list[tuple[Any, str]]:
        raise NotImplementedError

    def choose(self, ctx: Ctx, key: Any) -> Outcome:
        raise NotImplementedError

    def extra_options(self, ctx: Ctx) -> list[str]:
        """Lines shown under the list (e.g. ``99 Cart``); handled by ``handle_extra``."""
        return []

    def handle_extra(self, ctx: Ctx, answer: str) -> Outcome | None:
        return None

    def empty_footer(self, ctx: Ctx) -> list[str]:
        """Lines under an empty list (the extras are usually meaningless there)."""
        return [f"{BACK} {ctx.t('Back')}"] if self.back_line else []

    def render(self, ctx: Ctx) -> str:
        offset = int(ctx.data.get("offset", 0))
        rows = self.fetch(ctx, offset, FETCH_AHEAD + 1)
        title = self.title(ctx)
        if not rows:
            ctx.data["keys"] = []
            return "\n".join([title, ctx.t(self.empty_message), *self.empty_footer(ctx)])
        labels = [f"{i}. {clip(label, ITEM_WIDTH)}" for i, (_, label) in enumerate(rows[:FETCH_AHEAD], 1)]
        footer = [*self.extra_options(ctx), f"{MORE} {ctx.t('More')}"]
        if self.back_line:
            footer.append(f"{BACK} {ctx.t('Back')}")
        shown = paginate(title, labels, footer, ctx.max_chars - ctx.reserved)
        has_more = len(rows) > shown
        ctx.data["keys"] = [key for key, _ in rows[:shown]]
        ctx.data["next"] = offset + shown if has_more else None
        if not has_more:
            footer = [line for line in footer if not line.startswith(MORE + " ")]
        return "\n".join([title, *labels[:shown], *footer])

    def handle(self, ctx: Ctx, answer: str) -> Outcome:
        if answer == MORE and ctx.data.get("next") is not None:
            return Goto(self.name, {**ctx.data, "offset": ctx.data["next"]})
        keys = ctx.data.get("keys") or []
        picked = choice(answer, len(keys))
        if picked is not None:
            return self.choose(ctx, keys[picked - 1])
        extra = self.handle_extra(ctx, answer)
        if extra is not None:
            return extra
        return Retry(ctx.t("Choose a number from the list."))
