"""Receivables settings, read from Django settings with these defaults (override in csol/settings.py).

- CSOL_DUNNING_CADENCE: reminder levels as (key, days from the due date), in increasing order.
- CSOL_AR_AUTO_CREDIT_HOLD: put customers over their limit or > 90 days past due on hold automatically.
- CSOL_AR_ANNUAL_INTEREST_RATE: interest on overdue amounts, stated as a yearly rate (Interest Act, s. 4).
- CSOL_AR_ACCEPTED_METHODS / CSOL_AR_REMITTANCE_INSTRUCTIONS: defaults when a customer has none of its own.
"""

from decimal import Decimal

from django.conf import settings

DEFAULT_CADENCE = (("before_due", -5), ("on_due", 0), ("plus_7", 7), ("plus_30", 30), ("plus_60", 60))


def dunning_cadence() -> tuple[tuple[str, int], ...]:
    cadence = getattr(settings, "CSOL_DUNNING_CADENCE", DEFAULT_CADENCE)
    return tuple(sorted(((str(key), int(days)) for key, days in cadence), key=lambda level: level[1]))


def auto_credit_hold_default() -> bool:
    return bool(getattr(settings, "CSOL_AR_AUTO_CREDIT_HOLD", False))


def annual_interest_rate_default() -> Decimal:
    return Decimal(str(getattr(settings, "CSOL_AR_ANNUAL_INTEREST_RATE", "18.00")))


def accepted_methods_default() -> list[str]:
    return list(getattr(settings, "CSOL_AR_ACCEPTED_METHODS", ["eft", "cheque", "pad", "wire"]))


def remittance_instructions_default() -> str:
    return getattr(settings, "CSOL_AR_REMITTANCE_INSTRUCTIONS", "")
