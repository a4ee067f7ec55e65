"""Money: one rounding rule and one formatter for the whole portal."""

from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from babel import Locale
from babel.numbers import format_currency, get_currency_symbol
from django.utils import translation

CENT = Decimal("0.01")
BABEL_LOCALES = {"fr": "fr_CA", "en": "en_CA"}
CURRENCY = "CAD"


def quantize_money(amount) -> Decimal:
    """Round to the cent, half up: the only place money is rounded."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


@cache
def _currency_format(locale_name: str) -> tuple | None:
    """The locale's CLDR currency pattern as (affixes by sign, group, decimal), when it is the
    plain `#,##0.00` kind that Python's own formatting reproduces; None for anything else."""
    locale = Locale.parse(locale_name)
    pattern = locale.currency_formats["standard"]
    affixes = "".join(pattern.prefix + pattern.suffix)
    if (
        pattern.grouping != (3, 3)
        or pattern.int_prec[0] != 1
        or pattern.exp_prec
        or pattern.scale
        or "@" in pattern.pattern
        or "'" in affixes
        or "¤¤" in affixes
    ):
        return None
    symbol = get_currency_symbol(CURRENCY, locale)
    signs = tuple(
        (p.replace("¤", symbol), s.replace("¤", symbol))
        for p, s in zip(pattern.prefix, pattern.suffix, strict=True)
    )
    symbols = locale.number_symbols["latn"]
    return signs, symbols["group"], symbols["decimal"]


def format_money(amount, language: str | None = None) -> str:
    """`1 234,56 $` in French, `$1,234.56` in English (CLDR data, no-break spaces)."""
    if amount is None or amount == "":
        return ""
    language = (language or translation.get_language() or "fr")[:2]
    locale_name = BABEL_LOCALES.get(language, "fr_CA")
    value = quantize_money(amount)
    found = _currency_format(locale_name)
    if found is None:
        return format_currency(value, CURRENCY, locale=locale_name)
    # The same text as babel's format_currency (tests compare both), without parsing the locale
    # and the pattern on each call: list pages format dozens of amounts.
    signs, group, decimal = found
    prefix, suffix = signs[value.is_signed()]
    digits = f"{abs(value):,.2f}".replace(",", "\0").replace(".", decimal).replace("\0", group)
    return f"{prefix}{digits}{suffix}"
