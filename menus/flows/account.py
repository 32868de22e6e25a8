"""Language and help. A language choice is stored on the customer and switches the dial at once."""

from __future__ import annotations

from gateway.commerce.customers import set_language
from menus.screens import Ctx, Home, Outcome, Retry, Screen, choice, menu_text, register

# Each language is offered in its own words, whatever the dial's current language.
LANGUAGE_NAMES = {"en": "English", "es": "Español", "sw": "Kiswahili"}


def offered_languages(ctx: Ctx) -> list[str]:
    configured = ctx.settings.LANGUAGES
    return [code for code in configured if code in LANGUAGE_NAMES]


@register
class Language(Screen):
    name = "account.language"
    goes_to = frozenset({"home"})

    def render(self, ctx: Ctx) -> str:
        names = [LANGUAGE_NAMES[code] for code in offered_languages(ctx)]
        return menu_text(ctx.t("Choose your language"), names) + f"\n0 {ctx.t('Back')}"

    def handle(self, ctx: Ctx, answer: str) -> Outcome:
        codes = offered_languages(ctx)
        picked = choice(answer, len(codes))
        if picked is None:
            return Retry(ctx.t("Choose 1 to {n}.", n=len(codes)))
        code = codes[picked - 1]
        set_language(ctx.db, ctx.customer_id, code)
        ctx.lang = code
        return Home()


@register
class Help(Screen):
    name = "help"
    goes_to = frozenset[str]()

    def render(self, ctx: Ctx) -> str:
        text = ctx.t("Pick a shop, fill your cart, then check out. Pay by M-Pesa, or cash on delivery "
                     "or at pickup. We text you when the shop confirms.")
        keys = ctx.t("0 Back, 00 Home, 98 More")
        return f"{text}\n{keys}\n0 {ctx.t('Back')}"

    def handle(self, ctx: Ctx, answer: str) -> Outcome:
        return Retry(ctx.t("Press 0 to go back."))
