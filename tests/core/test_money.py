from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from csol.core.money import format_money, quantize_money

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("amount", "language", "expected"),
    [
        (Decimal("1234.56"), "fr", f"1{NBSP}234,56{NBSP}$"),
        (Decimal("1234.56"), "en", "$1,234.56"),
        (Decimal("1234567.5"), "en", "$1,234,567.50"),
        (Decimal("0"), "fr", f"0,00{NBSP}$"),
        (Decimal("-15.25"), "en", "-$15.25"),
    ],
)
def test_format_money(amount, language, expected):
    assert format_money(amount, language) == expected


@pytest.mark.parametrize("amount", [0, 7, "12.5", 0.1, Decimal("-0.001")])
def test_format_money_takes_what_templates_pass(amount):
    # Integers, strings and floats reach the filter too; negative zero keeps babel's sign.
    from babel.numbers import format_currency

    assert format_money(amount, "en") == format_currency(quantize_money(amount), "CAD", locale="en_CA")


def test_money_filter_follows_the_active_language():
    template = Template("{{ amount|money }}")
    with translation.override("fr"):
        assert template.render(Context({"amount": Decimal("1234.56")})) == f"1{NBSP}234,56{NBSP}$"
    with translation.override("en"):
        assert template.render(Context({"amount": Decimal("1234.56")})) == "$1,234.56"


@pytest.mark.parametrize(("raw", "rounded"), [("0.005", "0.01"), ("0.015", "0.02"), ("2.675", "2.68"), ("-0.005", "-0.01")])
def test_quantize_money_rounds_half_up(raw, rounded):
    assert quantize_money(Decimal(raw)) == Decimal(rounded)


@given(st.decimals(min_value=-10**9, max_value=10**9, places=4, allow_nan=False, allow_infinity=False))
def test_quantize_money_is_within_half_a_cent(value):
    assert abs(quantize_money(value) - value) <= Decimal("0.005")
    assert quantize_money(value).as_tuple().exponent == -2


@pytest.mark.parametrize("language", ["fr", "en"])
@given(st.decimals(min_value=-10**12, max_value=10**12, places=4, allow_nan=False, allow_infinity=False))
def test_format_money_writes_what_babel_writes(language, value):
    # format_money formats without babel for speed; the text must stay babel's (CLDR's).
    from babel.numbers import format_currency

    from csol.core.money import BABEL_LOCALES

    expected = format_currency(quantize_money(value), "CAD", locale=BABEL_LOCALES[language])
    assert format_money(value, language) == expected
