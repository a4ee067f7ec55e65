from decimal import Decimal

from babel.numbers import format_decimal
from django import template
from django.utils import translation

register = template.Library()


@register.filter
def percent(rate) -> str:
    """A tax rate as a percentage in the active language: 0.09975 → `9,975 %` / `9.975%`."""
    if rate in (None, ""):
        return ""
    value = (Decimal(rate) * 100).normalize()
    language = (translation.get_language() or "fr")[:2]
    if language == "fr":
        return format_decimal(value, format="#,##0.###", locale="fr_CA") + "\u00a0%"
    return format_decimal(value, format="#,##0.###", locale="en_CA") + "%"


@register.filter
def tax_label(kind: str) -> str:
    """The tax's name in the active language: GST → TPS in French."""
    from billing.models import TaxKind

    try:
        return str(TaxKind(kind).label)
    except ValueError:
        return kind
