"""Money: one rounding rule and one formatter for the whole portal."""

from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_currency
from django.utils import translation

CENT = Decimal("0.01")
BABEL_LOCALES = {"fr": "fr_CA", "en": "en_CA"}


def quantize_money(amount) -> Decimal:
    """Round to the cent, half up: the only place money is rounded."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(amount, language: str | None = None) -> str:
    """`1 234,56 $` in French, `$1,234.56` in English (CLDR data, no-break spaces)."""
    if amount is None or amount == "":
        return ""
    language = (language or translation.get_language() or "fr")[:2]
    return format_currency(quantize_money(amount), "CAD", locale=BABEL_LOCALES.get(language, "fr_CA"))
