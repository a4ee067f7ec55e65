"""Money: one rounding rule and one formatter for the whole portal."""

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from babel.numbers import format_currency
from django.utils import translation

CENT = Decimal("0.01")
BABEL_LOCALES = {"fr": "fr_CA", "en": "en_CA"}

# A probe amount whose Babel rendering shows every part of the locale's currency format.
_PROBE = Decimal("1234567.89")
_PROBE_PARTS = re.compile(
    r"^(?P<prefix>\D*)1(?P<group>\D+)234(?P=group)567(?P<decimal>\D+)89(?P<suffix>\D*)$"
)


def quantize_money(amount) -> Decimal:
    """Round to the cent, half up: the only place money is rounded."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class _CurrencyStyle:
    """A locale's CAD format as Babel renders it: signs and symbol around the digits, separators."""

    positive: tuple[str, str]
    negative: tuple[str, str]
    separators: dict  # str.translate table from Python's "1,234.56" to the locale's separators

    def format(self, amount: Decimal) -> str:
        prefix, suffix = self.negative if amount.is_signed() else self.positive
        return f"{prefix}{format(abs(amount), ',.2f').translate(self.separators)}{suffix}"


@cache
def _currency_style(locale: str) -> _CurrencyStyle:
    """Read the locale's format once from Babel's own output (Babel takes ~50-100 µs a call).

    A detail page shows hundreds of amounts; formatting each through Babel was most of its time.
    Babel stays the source of truth: the prefix, suffix and separators are what it renders.
    """
    sides = []
    for probe in (_PROBE, -_PROBE):
        parts = _PROBE_PARTS.match(format_currency(probe, "CAD", locale=locale))
        if parts is None:  # a grouping other than thousands (none in fr_CA and en_CA)
            raise ValueError(f"unsupported currency format for {locale}")
        sides.append(parts)
    positive, negative = sides
    if (positive["group"], positive["decimal"]) != (negative["group"], negative["decimal"]):
        raise ValueError(f"unsupported currency format for {locale}")
    return _CurrencyStyle(
        positive=(positive["prefix"], positive["suffix"]),
        negative=(negative["prefix"], negative["suffix"]),
        separators=str.maketrans({",": positive["group"], ".": positive["decimal"]}),
    )


def format_money(amount, language: str | None = None) -> str:
    """`1 234,56 $` in French, `$1,234.56` in English (CLDR data, no-break spaces)."""
    if amount is None or amount == "":
        return ""
    language = (language or translation.get_language() or "fr")[:2]
    return _currency_style(BABEL_LOCALES.get(language, "fr_CA")).format(quantize_money(amount))
