from django import template

from csol.core.money import format_money

register = template.Library()


@register.filter(name="money")
def money(amount):
    """Format an amount in the active language: `{{ invoice.total|money }}`."""
    return format_money(amount)
