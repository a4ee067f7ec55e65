"""Demo data: the demo agents' authenticator app, with a published key (demo data only, never production)."""

from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from csol.core.seeding import register_seeder
from csol.security.services import APP_DEVICE_NAME

# Base32 "MNZW63BNMRSW23ZNORXXI4BNGIYDENRB": add it to an authenticator app, or
# `oathtool --totp -b MNZW63BNMRSW23ZNORXXI4BNGIYDENRB`, to sign in as a demo agent.
DEMO_TOTP_KEY = b"csol-demo-totp-2026!".hex()
DEMO_AGENTS = ["agent@csol.example", "admin@csol.example"]


@register_seeder(order=90)
def seed_demo_second_factor(stdout=None):
    for user in get_user_model().objects.filter(email__in=DEMO_AGENTS):
        TOTPDevice.objects.get_or_create(
            user=user, name=APP_DEVICE_NAME, defaults={"key": DEMO_TOTP_KEY, "confirmed": True}
        )
