"""Writes for two-step verification: devices, backup codes, a company's policy."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from csol.audit import recorder
from csol.audit.models import AuditAction
from csol.core.models import Customer

BACKUP_CODE_COUNT = 10
APP_DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup"


def totp_device_pending(*, user) -> TOTPDevice:
    """The unconfirmed app device being set up (a new secret the first time)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False, name=APP_DEVICE_NAME).first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


@transaction.atomic
def totp_device_confirm(*, user, device: TOTPDevice, token: str) -> list[str]:
    """Confirm the app with a code it shows; replace any earlier device; return fresh backup codes."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user, confirmed=False)
    if not device.verify_token(token):
        raise ValidationError(
            _("This code does not match. Check the time on your phone and try the new code.")
        )
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = backup_codes_regenerate(user=user, audit=False)
    recorder.record(AuditAction.TWO_FACTOR_ENABLED, obj=user)
    return codes


def _backup_code() -> str:
    # 10 characters from an alphabet without look-alikes (0/O, 1/l): about 50 bits each.
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


@transaction.atomic
def backup_codes_regenerate(*, user, audit: bool = True) -> list[str]:
    """Replace the user's backup codes; each works once. Shown once, stored only as tokens."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [_backup_code() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    if audit:
        recorder.record(AuditAction.BACKUP_CODES, obj=user)
    return codes


def backup_codes_left(*, user) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=BACKUP_DEVICE_NAME).count()


@transaction.atomic
def customer_set_two_factor_policy(*, customer: Customer, required: bool, actor) -> Customer:
    """Turn the company's two-step verification rule on or off (audited as a change to the customer)."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.require_two_factor != required:
        customer.require_two_factor = required
        customer.save(update_fields=["require_two_factor"])
    return customer
